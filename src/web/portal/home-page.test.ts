import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { PortalHome, UsageDay } from '../../portal/index.js';
import { homePage } from './pages.js';

// The portal home's 30-day chart as rendered: bars only for days with traffic, mirrored in
// Arabic, a title and description for screen readers and the same figures as a table.

const ZONE = 'Africa/Nairobi';
const NOW = DateTime.fromISO('2026-11-24T09:00', { zone: ZONE }).toMillis();

function days(traffic: Record<number, [number, number]>): UsageDay[] {
  return Array.from({ length: 30 }, (_, i) => {
    const start = DateTime.fromMillis(NOW, { zone: ZONE }).startOf('day').minus({ days: 29 - i });
    const [down, up] = traffic[i] ?? [0, 0];
    return { day: start.toISODate()!, start: start.toMillis(), down, up };
  });
}

function page(daily: UsageDay[], language: 'en' | 'ar'): string {
  const home: PortalHome = {
    username: 'grace', fullName: 'Grace', status: 'active', suspendedReason: null, plan: null, paidUntil: null, daysLeft: null,
    data: { usedBytes: 0, limitBytes: null }, speedNow: null, balance: { currency: 'KES', dueMinor: 0, walletMinor: 0 }, nextBill: null, sessions: [], daily,
  };
  return homePage({ language, prefix: '/portal', signedIn: { csrfToken: 't' }, home, hasPassword: true, zone: ZONE, now: NOW });
}

const bars = (html: string) => [...html.matchAll(/<rect class="(down|up)" x="([\d.]+)" y="([\d.]+)" width="4" height="([\d.]+)"\/>/g)].map((m) => ({ kind: m[1], x: Number(m[2]), height: Number(m[4]) }));

describe('the portal home’s usage chart', () => {
  it('draws a bar per direction for each day with traffic, scaled to the busiest, oldest day at the left in English', () => {
    const html = page(days({ 0: [2_000_000_000, 100_000_000], 29: [500_000_000, 0] }), 'en');
    expect(bars(html)).toEqual([
      { kind: 'down', x: 1, height: 100 },
      { kind: 'up', x: 5, height: 5 },
      { kind: 'down', x: 291, height: 25 },
    ]);
    expect(html).toContain('<title id="usage-title">Data used per day</title>');
    expect(html).toContain('role="img" aria-labelledby="usage-title usage-desc"');
    expect(html).toMatch(/<desc id="usage-desc">Bars per day from 26 Oct to 24 Nov: downloaded and uploaded\. The most on one day: \u20682\.0 GB\u2069\.<\/desc>/);
    // The table, newest day first.
    expect(html).toMatch(/<details><summary>Show as a table<\/summary>.*<tbody><tr><th scope="row">24 Nov 2026<\/th><td><bdi dir="ltr">500\.0 MB<\/bdi><\/td><td><bdi dir="ltr">0 B<\/bdi><\/td><\/tr>/s);
    expect(html.match(/<tr><th scope="row">/g)).toHaveLength(30);
  });

  it('runs the days from the right in Arabic: the oldest day’s bars at the right end, downloads first in reading order', () => {
    const html = page(days({ 0: [2_000_000_000, 100_000_000], 29: [500_000_000, 0] }), 'ar');
    expect(bars(html)).toEqual([
      { kind: 'down', x: 295, height: 100 },
      { kind: 'up', x: 291, height: 5 },
      { kind: 'down', x: 5, height: 25 },
    ]);
    expect(html).toContain('أقدم يوم على اليمين، واليوم على اليسار.');
  });

  it('says there was no traffic rather than drawing an empty chart', () => {
    const html = page(days({}), 'en');
    expect(html).toContain('<p id="usage-none">No data used in the last 30 days.</p>');
    expect(html).not.toContain('<svg');
  });
});

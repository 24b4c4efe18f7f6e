import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { portalDb } from './test-fixtures.js';
import { customerDailyUsage } from './usage.js';

const ZONE = 'Africa/Nairobi';
const NOW = DateTime.fromISO('2026-11-24T09:00', { zone: ZONE }).toMillis();
let conn: Connection;
let alice: number;
let bob: number;

beforeEach(() => {
  ({ conn, alice, bob } = portalDb());
});
afterEach(() => conn.close());

const addDay = (customerId: number, day: string, down: number, up: number) =>
  conn.sqlite.prepare('INSERT INTO usage_customer_days (customer_id, day, bytes_down, bytes_up) VALUES (?, ?, ?, ?)').run(customerId, day, down, up);

describe('a customer’s daily usage', () => {
  it('gives the last 30 days oldest first, today last, with a zero for each quiet day', () => {
    addDay(alice, '2026-11-24', 500, 50);
    addDay(alice, '2026-11-20', 9_000, 900);
    addDay(alice, '2026-10-26', 1, 1); // the first of the 30 days
    addDay(alice, '2026-10-25', 7, 7); // the day before: not shown
    const days = customerDailyUsage(conn.db, { customerId: alice, now: NOW, zone: ZONE });
    expect(days).toHaveLength(30);
    expect(days[0]).toEqual({ day: '2026-10-26', start: DateTime.fromISO('2026-10-26T00:00', { zone: ZONE }).toMillis(), down: 1, up: 1 });
    expect(days[29]).toMatchObject({ day: '2026-11-24', down: 500, up: 50 });
    expect(days[25]).toMatchObject({ day: '2026-11-20', down: 9_000, up: 900 });
    expect(days.filter((d) => d.down > 0).map((d) => d.day)).toEqual(['2026-10-26', '2026-11-20', '2026-11-24']);
  });

  it('shows one customer only their own days, never another’s', () => {
    addDay(alice, '2026-11-24', 500, 50);
    addDay(bob, '2026-11-24', 123_456, 789);
    expect(customerDailyUsage(conn.db, { customerId: bob, now: NOW, zone: ZONE }).at(-1)).toMatchObject({ down: 123_456, up: 789 });
    expect(customerDailyUsage(conn.db, { customerId: alice, now: NOW, zone: ZONE }).reduce((sum, d) => sum + d.down, 0)).toBe(500);
  });

  it('counts days by the operator’s calendar, 23 hours long across a DST change', () => {
    const zone = 'Europe/London';
    const now = DateTime.fromISO('2026-03-30T10:00', { zone }).toMillis();
    const days = customerDailyUsage(conn.db, { customerId: alice, now, zone, days: 3 });
    expect(days.map((d) => d.day)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(days[2]!.start - days[1]!.start).toBe(23 * 3_600_000);
  });
});

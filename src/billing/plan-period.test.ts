import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { periodEnd, usagePeriodStart } from './plan-period.js';

const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const iso = (ms: number | null) => DateTime.fromMillis(ms!, { zone }).toISO({ suppressMilliseconds: true, includeOffset: false });

describe('plan periods', () => {
  it('ends an hour plan an hour later', () => {
    expect(periodEnd(at('2026-11-23T10:00'), { durationSeconds: 3600, validityMonths: null }, zone)).toBe(at('2026-11-23T11:00'));
  });

  it('ends a monthly plan bought on 31 January on the last day of February', () => {
    expect(iso(periodEnd(at('2026-01-31T09:00'), { durationSeconds: null, validityMonths: 1 }, zone))).toBe('2026-02-28T09:00:00');
    expect(iso(periodEnd(at('2028-01-31T09:00'), { durationSeconds: null, validityMonths: 1 }, zone))).toBe('2028-02-29T09:00:00');
  });

  it('has no end when the plan has no validity', () => {
    expect(periodEnd(at('2026-01-31T09:00'), { durationSeconds: null, validityMonths: null }, zone)).toBeNull();
  });

  it('counts usage from activation, or per calendar month in the operator zone for open-ended plans', () => {
    expect(usagePeriodStart(at('2026-11-20T08:00'), { durationSeconds: 86400 * 30, validityMonths: null }, at('2026-11-23T10:00'), zone)).toBe(at('2026-11-20T08:00'));
    expect(usagePeriodStart(null, { durationSeconds: null, validityMonths: null }, at('2026-11-23T10:00'), zone)).toBe(at('2026-11-01T00:00'));
  });

  it('moves to the next month at local midnight on the 1st, not at UTC midnight', () => {
    const open = { durationSeconds: null, validityMonths: null };
    expect(usagePeriodStart(null, open, at('2026-11-30T23:59'), zone)).toBe(at('2026-11-01T00:00'));
    expect(usagePeriodStart(null, open, at('2026-12-01T00:00'), zone)).toBe(at('2026-12-01T00:00'));
    expect(usagePeriodStart(null, open, at('2026-11-15T12:00'), zone)).toBe(at('2026-11-01T00:00'));
    expect(usagePeriodStart(null, open, at('2026-12-01T01:00'), 'Africa/Juba')).toBe(DateTime.fromISO('2026-12-01T00:00', { zone: 'Africa/Juba' }).toMillis());
  });
});

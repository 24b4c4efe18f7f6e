import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { firstPeriodEnd, nextBoundary, previousBoundary, schedule, validateAnchor, type Anchor, type Cycle, type CycleSchedule } from './calendar.js';

const nairobi = 'Africa/Nairobi';
const at = (iso: string, zone = nairobi) => DateTime.fromISO(iso, { zone }).toMillis();
const day = (ms: number, zone = nairobi) => DateTime.fromMillis(ms, { zone }).toISODate();

/** The first `count` boundaries of a subscription started at `start`. */
function boundaries(start: number, s: CycleSchedule, zone: string, count: number): number[] {
  const out = [firstPeriodEnd(start, s, zone)];
  while (out.length < count) out.push(nextBoundary(out[out.length - 1]!, s, zone));
  return out;
}

function dates(startIso: string, cycle: Cycle, anchor: Anchor, count: number, zone = nairobi): (string | null)[] {
  const start = at(startIso, zone);
  return boundaries(start, schedule(cycle, anchor, start, zone), zone, count).map((b) => day(b, zone));
}

const anniversary: Anchor = { kind: 'anniversary' };
const fixed = (d: number): Anchor => ({ kind: 'fixed_day', day: d });

describe('billing calendar', () => {
  it('keeps a 31st anchor through February and back to 31 March', () => {
    expect(dates('2027-01-31T10:00', 'monthly', anniversary, 5)).toEqual(['2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31', '2027-06-30']);
    expect(dates('2027-01-15T10:00', 'monthly', fixed(31), 4)).toEqual(['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30']);
  });

  it('ends February on the 29th in 2028 but on the 28th in 2100, which is not a leap year', () => {
    expect(dates('2028-01-31T08:00', 'monthly', anniversary, 2)).toEqual(['2028-02-29', '2028-03-31']);
    expect(dates('2100-01-31T08:00', 'monthly', anniversary, 2)).toEqual(['2100-02-28', '2100-03-31']);
    expect(dates('2100-01-10T08:00', 'monthly', fixed(29), 3)).toEqual(['2100-01-29', '2100-02-28', '2100-03-29']);
  });

  it('bills a 29 February anniversary on the 28th in ordinary years and the 29th again in leap years', () => {
    const all = dates('2028-02-29T12:00', 'monthly', anniversary, 48);
    expect(all.slice(0, 2)).toEqual(['2028-03-29', '2028-04-29']);
    expect(all[11]).toBe('2029-02-28');
    expect(all[12]).toBe('2029-03-29');
    expect(all[47]).toBe('2032-02-29');
  });

  it('steps a quarterly cycle from 30 November through a leap February without drifting to the 29th', () => {
    expect(dates('2027-11-30T09:00', 'quarterly', anniversary, 6)).toEqual([
      '2028-02-29',
      '2028-05-30',
      '2028-08-30',
      '2028-11-30',
      '2029-02-28',
      '2029-05-30',
    ]);
  });

  it('ends a quarterly fixed-day first period at the anchor if it is still ahead in the start month, else a quarter on', () => {
    expect(dates('2026-01-03T09:00', 'quarterly', fixed(15), 2)).toEqual(['2026-01-15', '2026-04-15']);
    expect(dates('2026-01-20T09:00', 'quarterly', fixed(15), 2)).toEqual(['2026-04-15', '2026-07-15']);
  });

  it('ends a fixed-day first period on the next anchor day strictly after the start date', () => {
    expect(dates('2026-03-05T00:00', 'monthly', fixed(5), 2)).toEqual(['2026-04-05', '2026-05-05']);
    expect(dates('2026-03-04T23:59', 'monthly', fixed(5), 1)).toEqual(['2026-03-05']);
    // A 31st anchor clamps to 30 April, which is not after a start on 30 April.
    expect(dates('2026-04-30T12:00', 'monthly', fixed(31), 2)).toEqual(['2026-05-31', '2026-06-30']);
  });

  it('bills a weekly fixed day on that ISO weekday, a full week on when started on it', () => {
    // 4 March 2026 is a Wednesday, 9 March a Monday.
    expect(dates('2026-03-04T15:00', 'weekly', fixed(1), 3, 'Africa/Juba')).toEqual(['2026-03-09', '2026-03-16', '2026-03-23']);
    expect(dates('2026-03-09T15:00', 'weekly', fixed(1), 1, 'Africa/Juba')).toEqual(['2026-03-16']);
    expect(dates('2026-03-04T15:00', 'weekly', fixed(7), 2, 'Africa/Juba')).toEqual(['2026-03-08', '2026-03-15']);
    expect(dates('2026-03-04T15:00', 'weekly', anniversary, 2, 'Africa/Juba')).toEqual(['2026-03-11', '2026-03-18']);
    expect(schedule('weekly', anniversary, at('2026-03-04T15:00'), nairobi).anchorDay).toBe(3);
  });

  it('moves a daily cycle at each local midnight and ignores any fixed day', () => {
    expect(dates('2026-12-30T23:59', 'daily', anniversary, 3, 'Africa/Kampala')).toEqual(['2026-12-31', '2027-01-01', '2027-01-02']);
    expect(dates('2026-12-30T00:00', 'daily', fixed(99), 1, 'Africa/Kampala')).toEqual(['2026-12-31']);
  });

  it('takes the anchor from the Nairobi date, not the UTC one, for a start at 23:30 or 00:30 local time', () => {
    // 23:30 in Nairobi (UTC+3) on 31 January is 20:30 UTC the same day.
    const lateEvening = Date.UTC(2026, 0, 31, 20, 30);
    const s = schedule('monthly', anniversary, lateEvening, nairobi);
    expect(s).toEqual({ cycle: 'monthly', anchorDay: 31 });
    expect(firstPeriodEnd(lateEvening, s, nairobi)).toBe(Date.UTC(2026, 1, 27, 21, 0)); // 28 Feb 00:00 EAT
    // 00:30 on 1 February in Nairobi is still 31 January in UTC.
    const justAfterMidnight = Date.UTC(2026, 0, 31, 21, 30);
    const t = schedule('monthly', anniversary, justAfterMidnight, nairobi);
    expect(t.anchorDay).toBe(1);
    expect(firstPeriodEnd(justAfterMidnight, t, nairobi)).toBe(Date.UTC(2026, 1, 28, 21, 0)); // 1 Mar 00:00 EAT
  });

  it('puts London boundaries at local midnight on both sides of the clock changes', () => {
    const london = 'Europe/London';
    // Clocks go forward at 01:00 on 29 March 2026, back at 02:00 on 25 October 2026.
    const daily = schedule('daily', anniversary, Date.UTC(2026, 2, 28, 12), london);
    const spring = nextBoundary(Date.UTC(2026, 2, 29, 0), daily, london);
    expect(spring).toBe(Date.UTC(2026, 2, 29, 23)); // a 23-hour day
    expect(nextBoundary(Date.UTC(2026, 9, 24, 23), daily, london)).toBe(Date.UTC(2026, 9, 26, 0)); // a 25-hour day

    const start = Date.UTC(2026, 2, 15, 12);
    const monthly = schedule('monthly', anniversary, start, london);
    const [march, april, , , , , , october] = boundaries(start, monthly, london, 8);
    expect(march).toBe(Date.UTC(2026, 3, 14, 23)); // 15 April 00:00 BST
    expect(april).toBe(Date.UTC(2026, 4, 14, 23));
    expect(october).toBe(Date.UTC(2026, 10, 15, 0)); // 15 November 00:00 GMT
  });

  it('explains anchors that do not fit the cycle', () => {
    expect(validateAnchor('monthly', fixed(31))).toBeNull();
    expect(validateAnchor('monthly', anniversary)).toBeNull();
    expect(validateAnchor('daily', fixed(0))).toBeNull();
    expect(validateAnchor('monthly', fixed(32))).toBe('fixed day must be 1 to 31 for a monthly cycle');
    expect(validateAnchor('quarterly', fixed(0))).toBe('fixed day must be 1 to 31 for a quarterly cycle');
    expect(validateAnchor('monthly', fixed(1.5))).toBe('fixed day must be 1 to 31 for a monthly cycle');
    expect(validateAnchor('weekly', fixed(8))).toMatch(/1 to 7 .*weekly/);
    expect(validateAnchor('yearly' as Cycle, anniversary)).toBe("unknown billing cycle 'yearly'");
  });

  it('refuses times that are not finite numbers, unknown zones and bad schedules', () => {
    const s: CycleSchedule = { cycle: 'monthly', anchorDay: 1 };
    expect(() => firstPeriodEnd(Number.NaN, s, nairobi)).toThrow(/start must be a finite number/);
    expect(() => nextBoundary(Number.POSITIVE_INFINITY, s, nairobi)).toThrow(/boundary must be a finite number/);
    expect(() => nextBoundary('1700000000000' as unknown as number, s, nairobi)).toThrow(/finite number/);
    expect(() => nextBoundary(1e20, s, nairobi)).toThrow(/outside the dates/);
    expect(() => firstPeriodEnd(0, s, 'Africa/Atlantis')).toThrow("unknown time zone 'Africa/Atlantis'");
    expect(() => schedule('monthly', anniversary, 0, 'EAT+3')).toThrow(/unknown time zone/);
    expect(() => schedule('monthly', fixed(40), 0, nairobi)).toThrow('fixed day must be 1 to 31 for a monthly cycle');
    expect(() => nextBoundary(0, { cycle: 'monthly', anchorDay: 0 }, nairobi)).toThrow(/bad cycle schedule/);
  });

  it('keeps 36 successive boundaries strictly increasing, at local midnight and on the clamped anchor day', () => {
    const cycle = fc.constantFrom<Cycle>('daily', 'weekly', 'monthly', 'quarterly');
    const anchor = fc.oneof(fc.constant<Anchor>(anniversary), fc.integer({ min: 1, max: 31 }).map(fixed));
    const zone = fc.constantFrom(nairobi, 'Africa/Juba', 'Africa/Kampala', 'Europe/London', 'America/Santiago');
    const start = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2041, 0, 1) - 1 });
    fc.assert(
      fc.property(cycle, anchor, zone, start, (cycle, rawAnchor, zone, start) => {
        // Weekly fixed days are weekdays; fold 1..31 onto 1..7.
        const anchor = cycle === 'weekly' && rawAnchor.kind === 'fixed_day' ? fixed(((rawAnchor.day - 1) % 7) + 1) : rawAnchor;
        const s = schedule(cycle, anchor, start, zone);
        const months = cycle === 'quarterly' ? 3 : 1;
        let previous = start;
        let previousLocal: DateTime | undefined;
        for (const b of boundaries(start, s, zone, 36)) {
          const local = DateTime.fromMillis(b, { zone });
          expect(b).toBeGreaterThan(previous);
          expect(local.startOf('day').toMillis()).toBe(b);
          if (cycle === 'monthly' || cycle === 'quarterly') {
            expect(local.day).toBe(Math.min(s.anchorDay, local.daysInMonth!));
            if (previousLocal) expect(local.year * 12 + local.month - (previousLocal.year * 12 + previousLocal.month)).toBe(months);
          }
          if (cycle === 'weekly') expect(local.weekday).toBe(s.anchorDay);
          // Calendar days, not 24-hour spans: a DST change makes a local day 23 or 25 hours long.
          if (cycle === 'daily' && previousLocal) expect(local.toISODate()).toBe(previousLocal.plus({ days: 1 }).toISODate());
          previous = b;
          previousLocal = local;
        }
      }),
    );
  });

  it('makes an anniversary first period exactly one cycle from the local start of day', () => {
    const cycle = fc.constantFrom<Cycle>('daily', 'weekly', 'monthly', 'quarterly');
    const start = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2041, 0, 1) - 1 });
    const zone = fc.constantFrom(nairobi, 'Europe/London');
    fc.assert(
      fc.property(cycle, start, zone, (cycle, start, zone) => {
        const local = DateTime.fromMillis(start, { zone }).startOf('day');
        const step = { daily: { days: 1 }, weekly: { weeks: 1 }, monthly: { months: 1 }, quarterly: { months: 3 } }[cycle];
        // luxon clamps a single month step the same way, so it is a fair oracle for one step.
        expect(firstPeriodEnd(start, schedule(cycle, anniversary, start, zone), zone)).toBe(local.plus(step).startOf('day').toMillis());
      }),
    );
  });
});

describe('the cycle before a boundary', () => {
  it('finds the whole cycle that ends at a boundary, clamped like the forward direction', () => {
    const s = { cycle: 'monthly' as const, anchorDay: 31 };
    const march31 = DateTime.fromISO('2026-03-31T00:00', { zone: 'Africa/Nairobi' }).toMillis();
    expect(DateTime.fromMillis(previousBoundary(march31, s, 'Africa/Nairobi'), { zone: 'Africa/Nairobi' }).toISODate()).toBe('2026-02-28');
    const feb28 = DateTime.fromISO('2026-02-28T00:00', { zone: 'Africa/Nairobi' }).toMillis();
    expect(DateTime.fromMillis(previousBoundary(feb28, s, 'Africa/Nairobi'), { zone: 'Africa/Nairobi' }).toISODate()).toBe('2026-01-31');
    for (const cycle of ['daily', 'weekly', 'quarterly'] as const) {
      const schedule = { cycle, anchorDay: cycle === 'weekly' ? 2 : 31 };
      const b = nextBoundary(feb28, schedule, 'Africa/Juba');
      expect(nextBoundary(previousBoundary(b, schedule, 'Africa/Juba'), schedule, 'Africa/Juba')).toBe(b);
    }
  });
});

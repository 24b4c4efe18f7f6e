import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatClock, isInsideWindow, parseClock, secondsUntilWindowEnds } from './time-window.js';

const night = { startMinute: parseClock('22:00')!, endMinute: parseClock('06:00')! };
const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();

describe('time-of-day windows', () => {
  it('lets a night plan in at 23:30 and 05:59 Nairobi time, and not at 06:00 or 21:59', () => {
    expect(isInsideWindow(at('2026-11-23T23:30', 'Africa/Nairobi'), night, 'Africa/Nairobi')).toBe(true);
    expect(isInsideWindow(at('2026-11-24T05:59', 'Africa/Nairobi'), night, 'Africa/Nairobi')).toBe(true);
    expect(isInsideWindow(at('2026-11-24T06:00', 'Africa/Nairobi'), night, 'Africa/Nairobi')).toBe(false);
    expect(isInsideWindow(at('2026-11-23T21:59', 'Africa/Nairobi'), night, 'Africa/Nairobi')).toBe(false);
  });

  it('uses the operator zone, not UTC: 21:30 UTC is 23:30 in Juba (UTC+2) but 00:30 in Nairobi (UTC+3)', () => {
    const utc = DateTime.fromISO('2026-11-23T21:30', { zone: 'UTC' }).toMillis();
    const evening = { startMinute: parseClock('22:00')!, endMinute: parseClock('23:59')! };
    expect(isInsideWindow(utc, evening, 'Africa/Juba')).toBe(true);
    expect(isInsideWindow(utc, evening, 'Africa/Nairobi')).toBe(false);
  });

  it('counts the seconds to the end of a window across midnight', () => {
    expect(secondsUntilWindowEnds(at('2026-11-23T23:30', 'Africa/Nairobi'), night, 'Africa/Nairobi')).toBe(6.5 * 3600);
    expect(secondsUntilWindowEnds(at('2026-11-24T05:00', 'Africa/Juba'), night, 'Africa/Juba')).toBe(3600);
  });

  it('reads and writes clock times', () => {
    expect(parseClock('06:00')).toBe(360);
    expect(parseClock('24:00')).toBeUndefined();
    expect(parseClock('6pm')).toBeUndefined();
    expect(formatClock(1320)).toBe('22:00');
  });
});

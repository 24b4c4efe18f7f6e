import { DateTime, IANAZone } from 'luxon';
import { zoneFor } from './zone.js';

/*
 * Billing cycles in the operator's time zone. Times in and out are UTC epoch milliseconds.
 *
 * - Boundaries fall at local midnight (luxon's start of day, which is 01:00 where a DST change
 *   skips midnight), because customers and cashiers think in dates, not instants. A period is
 *   [boundary, nextBoundary).
 * - Anniversary: the anchor is the start's own local day of month (weekly: ISO weekday), so
 *   the first period is one whole cycle from the start's local midnight and is not prorated.
 * - Fixed day: the first boundary is the first anchor date strictly after the start's local
 *   date, so the first period is at most one cycle and the billing engine prorates it.
 *   Quarterly anchor dates fall every three months counting from the start's month: the
 *   stored schedule has no other phase, and that is what keeps an anniversary quarter
 *   (anchor = start day) a whole quarter.
 * - Month ends clamp but remember the anchor: 31 Jan -> 28 Feb -> 31 Mar. Each boundary is
 *   computed from the previous boundary's month and the stored anchor day, never by adding a
 *   month to the previous date, which would drift to the 28th for good.
 * - Daily is +1 local day and weekly +7 local days: calendar days, so a DST day of 23 or 25
 *   hours is still one day.
 */

export type Cycle = 'daily' | 'weekly' | 'monthly' | 'quarterly';
export type Anchor = { kind: 'anniversary' } | { kind: 'fixed_day'; day: number };
/** What a subscription stores. For daily the anchor day is the start's day of month, and unused. */
export interface CycleSchedule {
  cycle: Cycle;
  anchorDay: number;
}

const cycles: readonly Cycle[] = ['daily', 'weekly', 'monthly', 'quarterly'];

/** Null when the anchor suits the cycle, else a reason a person can act on. */
export function validateAnchor(cycle: Cycle, anchor: Anchor): string | null {
  if (!cycles.includes(cycle)) return `unknown billing cycle '${String(cycle)}'`;
  if (anchor.kind === 'anniversary' || cycle === 'daily') return null;
  if (anchor.kind !== 'fixed_day') return `unknown anchor kind '${String((anchor as { kind: unknown }).kind)}'`;
  const max = cycle === 'weekly' ? 7 : 31;
  if (Number.isInteger(anchor.day) && anchor.day >= 1 && anchor.day <= max) return null;
  return cycle === 'weekly'
    ? 'fixed day must be 1 to 7 (ISO weekday, Monday is 1) for a weekly cycle'
    : `fixed day must be 1 to 31 for a ${cycle} cycle`;
}

export function schedule(cycle: Cycle, anchor: Anchor, start: number, zone: string): CycleSchedule {
  const problem = validateAnchor(cycle, anchor);
  if (problem) throw new Error(problem);
  const local = toLocal(start, zone, 'start');
  if (cycle === 'daily') return { cycle, anchorDay: local.day };
  if (anchor.kind === 'fixed_day') return { cycle, anchorDay: anchor.day };
  return { cycle, anchorDay: cycle === 'weekly' ? local.weekday : local.day };
}

/** End of the period that begins at `start`: the first boundary after it. */
export function firstPeriodEnd(start: number, s: CycleSchedule, zone: string): number {
  checkSchedule(s);
  const local = toLocal(start, zone, 'start');
  switch (s.cycle) {
    case 'daily':
      return daysLater(local, 1, zone);
    case 'weekly':
      // An anniversary anchor is the start's weekday, so this is a whole week for it.
      return daysLater(local, (s.anchorDay - local.weekday + 7) % 7 || 7, zone);
    case 'monthly':
    case 'quarterly': {
      const anchorStillAhead = clampedDay(local.year, local.month, s.anchorDay) > local.day;
      return monthBoundary(local.year, local.month, anchorStillAhead ? 0 : monthsPer(s.cycle), s.anchorDay, zone);
    }
  }
}

// A billing run asks for the same few boundaries over and over (every subscription anchored on
// the 15th renews at the same instant), and each zone conversion costs an Intl call.
const stepCache = new Map<string, number>();
function remembered(key: string, compute: () => number): number {
  let value = stepCache.get(key);
  if (value === undefined) {
    if (stepCache.size > 50_000) stepCache.clear();
    stepCache.set(key, (value = compute()));
  }
  return value;
}

/** The boundary one cycle after `boundary`. */
export function nextBoundary(boundary: number, s: CycleSchedule, zone: string): number {
  return remembered(`n|${boundary}|${s.cycle}|${s.anchorDay}|${zone}`, () => computeNextBoundary(boundary, s, zone));
}

function computeNextBoundary(boundary: number, s: CycleSchedule, zone: string): number {
  checkSchedule(s);
  const local = toLocal(boundary, zone, 'boundary');
  switch (s.cycle) {
    case 'daily':
      return daysLater(local, 1, zone);
    case 'weekly':
      return daysLater(local, 7, zone);
    case 'monthly':
    case 'quarterly':
      return monthBoundary(local.year, local.month, monthsPer(s.cycle), s.anchorDay, zone);
  }
}

/** The boundary one cycle before `boundary`: where a whole cycle ending there starts, for proration. */
export function previousBoundary(boundary: number, s: CycleSchedule, zone: string): number {
  return remembered(`p|${boundary}|${s.cycle}|${s.anchorDay}|${zone}`, () => computePreviousBoundary(boundary, s, zone));
}

function computePreviousBoundary(boundary: number, s: CycleSchedule, zone: string): number {
  checkSchedule(s);
  const local = toLocal(boundary, zone, 'boundary');
  switch (s.cycle) {
    case 'daily':
      return daysLater(local, -1, zone);
    case 'weekly':
      return daysLater(local, -7, zone);
    case 'monthly':
    case 'quarterly':
      return monthBoundary(local.year, local.month, -monthsPer(s.cycle), s.anchorDay, zone);
  }
}

function monthsPer(cycle: 'monthly' | 'quarterly'): number {
  return cycle === 'monthly' ? 1 : 3;
}

/** Local midnight on the anchor day (clamped) of the month `add` months after year/month. */
function monthBoundary(year: number, month: number, add: number, anchorDay: number, zone: string): number {
  const index = year * 12 + (month - 1) + add;
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return localMidnight(y, m, clampedDay(y, m, anchorDay), zone);
}

function clampedDay(year: number, month: number, anchorDay: number): number {
  // Day 0 of the next month is this month's last day; Date's calendar is proleptic Gregorian.
  return Math.min(anchorDay, new Date(Date.UTC(year, month, 0)).getUTCDate());
}

/** Local midnight `days` calendar days after `local`'s date. */
function daysLater(local: DateTime, days: number, zone: string): number {
  // Date maths on a zone-free date, so a wall-clock time lost to a DST gap cannot move the day.
  const date = DateTime.utc(local.year, local.month, local.day).plus({ days });
  return localMidnight(date.year, date.month, date.day, zone);
}

function localMidnight(year: number, month: number, day: number, zone: string): number {
  // startOf('day') settles on the first instant of the date even where DST skips 00:00.
  return DateTime.fromObject({ year, month, day }, { zone: zoneFor(zone) }).startOf('day').toMillis();
}

// Checking a zone asks ICU each time; a billing run asks about the same zone thousands of times.
const knownZones = new Set<string>();
function isZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  if (!IANAZone.isValidZone(zone)) return false;
  knownZones.add(zone);
  return true;
}

function toLocal(ms: number, zone: string, what: string): DateTime {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new Error(`${what} must be a finite number of UTC epoch milliseconds, got ${String(ms)}`);
  }
  if (typeof zone !== 'string' || !isZone(zone)) throw new Error(`unknown time zone '${String(zone)}'`);
  const local = DateTime.fromMillis(ms, { zone: zoneFor(zone) });
  if (!local.isValid) throw new Error(`${what} ${ms} is outside the dates luxon can handle`);
  return local;
}

function checkSchedule(s: CycleSchedule): void {
  const problem = validateAnchor(s.cycle, { kind: 'fixed_day', day: s.anchorDay });
  if (problem) throw new Error(`bad cycle schedule: ${problem}`);
}

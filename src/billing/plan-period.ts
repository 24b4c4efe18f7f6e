import { DateTime } from 'luxon';
import { zoneFor } from './zone.js';

/** The parts of a plan that decide how long a period lasts. */
export interface PlanValidity {
  durationSeconds: number | null;
  validityMonths: number | null;
  /** A postpaid subscription's billing cycle: its usage counts per billing period. */
  cycle?: string | null;
}

/**
 * End of a period that started at `start` (UTC ms). Months are calendar months in the
 * operator's zone, clamped at month end the way people expect: 31 January + 1 month is
 * 28 (or 29) February, not 3 March. Null when the plan has no validity.
 */
export function periodEnd(start: number, validity: PlanValidity, zone: string): number | null {
  if (validity.validityMonths) {
    return DateTime.fromMillis(start, { zone: zoneFor(zone) }).plus({ months: validity.validityMonths }).toMillis();
  }
  if (validity.durationSeconds) return start + validity.durationSeconds * 1000;
  return null;
}

/**
 * Which usage period a moment belongs to. A plan with validity, or a postpaid billing cycle,
 * counts from the current period's start; an open-ended line counts per calendar month in the
 * operator's zone, so its data allowance resets on the 1st.
 */
export function usagePeriodStart(activatedAt: number | null, validity: PlanValidity, now: number, zone: string): number {
  if (activatedAt !== null && (validity.durationSeconds || validity.validityMonths || validity.cycle)) return activatedAt;
  return monthStart(now, zone);
}

// Every packet of an open-ended plan asks for the current month's start; luxon's zone maths
// costs microseconds, so the month's bounds are kept until a moment falls outside them.
let month: { zone: string; start: number; end: number } | undefined;

function monthStart(now: number, zone: string): number {
  if (month && month.zone === zone && now >= month.start && now < month.end) return month.start;
  const start = DateTime.fromMillis(now, { zone }).startOf('month');
  month = { zone, start: start.toMillis(), end: start.plus({ months: 1 }).toMillis() };
  return month.start;
}

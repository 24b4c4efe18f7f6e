import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import { getSetting } from '../settings/index.js';

export const BILLING_RUN = 'billing-run';

/**
 * Today's billing run, at the operator's local time of day: one job per local date. The run
 * covers everything due until it starts, so a day missed while the daemon was down is caught
 * up by the next day's job (or today's, at start).
 */
export function billingJobFor(db: Db, now: number, zone: string): { key: string; kind: string; runAt: number } {
  const [hour, minute] = getSetting(db, 'billing.runAt').split(':').map(Number) as [number, number];
  const today = DateTime.fromMillis(now, { zone });
  return { key: `${BILLING_RUN}:${today.toISODate()}`, kind: BILLING_RUN, runAt: today.set({ hour, minute, second: 0, millisecond: 0 }).toMillis() };
}

/** A run asked for now (CLI, web), picked up by the daemon's next tick. */
export function manualBillingJob(now: number): { key: string; kind: string; runAt: number } {
  return { key: `${BILLING_RUN}:manual:${now}`, kind: BILLING_RUN, runAt: now };
}

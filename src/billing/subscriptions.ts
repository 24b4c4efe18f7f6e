import { DateTime } from 'luxon';
import { zoneFor } from './zone.js';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { subscriptions, type BillingCycle } from '../db/schema/billing.js';
import { firstPeriodEnd, nextBoundary, schedule, type Anchor } from './calendar.js';
import { periodEnd } from './plan-period.js';
import type { Plan } from './plans.js';
import { getSetting } from '../settings/index.js';
import { recordEvent } from './timeline.js';

export type Subscription = typeof subscriptions.$inferSelect;

/**
 * The first period a plan bought now gives. Prepaid: its validity from now (a first-login
 * plan waits, period null, until the first accepted login). Postpaid: the billing cycle from
 * now, anchored on the operator's billing day.
 */
export function firstPeriod(plan: Plan, now: number, zone: string, anchor: Anchor): { periodStart: number | null; periodEnd: number | null; cycle: BillingCycle | null; anchorDay: number | null } {
  if (plan.billingKind === 'postpaid') {
    const cycle = plan.cycle ?? 'monthly';
    const s = schedule(cycle, anchor, now, zone);
    return { periodStart: now, periodEnd: firstPeriodEnd(now, s, zone), cycle, anchorDay: s.anchorDay };
  }
  if (plan.validityStarts === 'first_login') return { periodStart: null, periodEnd: null, cycle: null, anchorDay: null };
  return { periodStart: now, periodEnd: periodEnd(now, plan, zone), cycle: null, anchorDay: null };
}

/**
 * The period after one that ended at `boundary`. Month-based periods keep the day they started
 * on (31 Jan → 28 Feb → 31 Mar), so a chain of renewals never drifts.
 */
export function followingPeriod(sub: Pick<Subscription, 'cycle' | 'anchorDay' | 'startedAt'>, plan: Plan, boundary: number, zone: string): number | null {
  if (sub.cycle !== null && sub.anchorDay !== null) return nextBoundary(boundary, { cycle: sub.cycle, anchorDay: sub.anchorDay }, zone);
  if (plan.validityMonths) {
    const anchorDay = DateTime.fromMillis(sub.startedAt, { zone: zoneFor(zone) }).day;
    const next = DateTime.fromMillis(boundary, { zone: zoneFor(zone) }).plus({ months: plan.validityMonths });
    return next.set({ day: Math.min(anchorDay, next.daysInMonth ?? 28) }).toMillis();
  }
  return periodEnd(boundary, plan, zone);
}

/**
 * Puts a customer on a plan with a fresh period from `now`, replacing whatever they had (a
 * customer has one subscription; its history is the timeline). Runs inside the caller's
 * transaction.
 */
export function subscribe(db: Db, customerId: number, plan: Plan, now: number, zone: string, actor = 'system'): Subscription {
  const billingDay = getSetting(db, 'billing.anchor');
  const anchor: Anchor = billingDay === 'anniversary' ? { kind: 'anniversary' } : { kind: 'fixed_day', day: billingDay };
  const period = firstPeriod(plan, now, zone, anchor);
  const fields = {
    planId: plan.id,
    status: 'active' as const,
    billingKind: plan.billingKind,
    ...period,
    startedAt: now,
    nextPlanId: null,
    updatedAt: now,
  };
  const existing = db.select({ id: subscriptions.id }).from(subscriptions).where(eq(subscriptions.customerId, customerId)).get();
  const row = existing
    ? db.update(subscriptions).set(fields).where(eq(subscriptions.id, existing.id)).returning().get()
    : db.insert(subscriptions).values({ customerId, createdAt: now, ...fields }).returning().get();
  recordEvent(db, customerId, existing ? 'plan_changed' : 'subscribed', actor, { plan: plan.name, periodStart: row.periodStart, periodEnd: row.periodEnd }, now);
  return row;
}

export function subscriptionOf(db: Db, customerId: number): Subscription | undefined {
  return db.select().from(subscriptions).where(eq(subscriptions.customerId, customerId)).get();
}

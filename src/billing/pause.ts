import { and, asc, eq, gte, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import { customerEvents, customers, subscriptions } from '../db/schema/billing.js';
import { getSetting } from '../settings/index.js';
import { findPlanById } from './plans.js';
import type { Subscription } from './subscriptions.js';
import { recordEvent } from './timeline.js';
import { zoneFor } from './zone.js';

// A customer's own pause of a prepaid line: while paused the line is refused at login (AAA's
// AAA_PLAN_PAUSED) and the billing run neither renews nor expires it; resuming moves the
// period's end on by the time paused, so no paid day is lost. Each step is a timeline event
// ('status_changed' of the subscription: the staff history shows "active → paused").
// Open sessions are ended by the caller, which may reach the enforcement queue (billing may not).

const DAY = 86_400_000;

export interface PausePolicy {
  /** False when the operator lets no one pause (portal.pauseMaxDays = 0). */
  allowed: boolean;
  maxDays: number;
  perYear: number;
}

export function pausePolicy(db: Db): PausePolicy {
  const maxDays = getSetting(db, 'portal.pauseMaxDays');
  return { allowed: maxDays > 0, maxDays, perYear: getSetting(db, 'portal.pausesPerYear') };
}

export type PauseRefusal = 'not-allowed' | 'not-running' | 'postpaid' | 'account' | 'used-up' | 'already-paused';

/** Pauses started this calendar year in the operator's zone. */
export function pausesThisYear(db: Db, customerId: number, at: number, zone: string): number {
  const yearStart = DateTime.fromMillis(at, { zone: zoneFor(zone) }).startOf('year').toMillis();
  const row = db
    .select({ n: sql<number>`count(*)` })
    .from(customerEvents)
    .where(and(eq(customerEvents.customerId, customerId), eq(customerEvents.kind, 'status_changed'), gte(customerEvents.at, yearStart), sql`json_extract(${customerEvents.detail}, '$.to') = 'paused'`))
    .get();
  return row?.n ?? 0;
}

/** Why this customer may not pause now, or null when they may. */
export function pauseRefusal(db: Db, customerId: number, at: number, zone: string, policy = pausePolicy(db)): PauseRefusal | null {
  const customer = db.select({ status: customers.status }).from(customers).where(eq(customers.id, customerId)).get();
  const sub = db.select().from(subscriptions).where(eq(subscriptions.customerId, customerId)).get();
  if (sub?.status === 'paused') return 'already-paused';
  if (!policy.allowed) return 'not-allowed';
  if (!customer || customer.status !== 'active') return 'account';
  if (!sub || sub.status !== 'active') return 'not-running';
  // A postpaid line is billed by the cycle it used: there is no paid time to keep.
  if (sub.billingKind !== 'prepaid') return 'postpaid';
  // Nothing to keep: a first-login plan not started, an open-ended plan, or a period already over.
  if (sub.periodStart === null || sub.periodEnd === null || sub.periodEnd <= at) return 'not-running';
  if (pausesThisYear(db, customerId, at, zone) >= policy.perYear) return 'used-up';
  return null;
}

export type PauseResult = { kind: 'paused'; subscription: Subscription } | { kind: 'refused'; reason: PauseRefusal };

/** Pauses the customer's line from `at`, inside the caller's transaction. */
export function pauseSubscription(db: Db, input: { customerId: number; at: number; zone: string; actor: string }): PauseResult {
  const policy = pausePolicy(db);
  const refusal = pauseRefusal(db, input.customerId, input.at, input.zone, policy);
  if (refusal) return { kind: 'refused', reason: refusal };
  const sub = db
    .update(subscriptions)
    .set({ status: 'paused', pausedAt: input.at, updatedAt: input.at })
    .where(and(eq(subscriptions.customerId, input.customerId), eq(subscriptions.status, 'active')))
    .returning()
    .get()!;
  const plan = findPlanById(db, sub.planId);
  recordEvent(db, input.customerId, 'status_changed', input.actor, { from: 'active', to: 'paused', plan: plan?.name, periodEnd: sub.periodEnd, maxDays: policy.maxDays }, input.at);
  return { kind: 'paused', subscription: sub };
}

export type ResumeResult = { kind: 'resumed'; subscription: Subscription; pausedMs: number } | { kind: 'not-paused' };

/**
 * Resumes a paused line at `at`: the period's end moves on by the time it was paused. Inside
 * the caller's transaction; the subscriber lookup learns of it from the subscriptions trigger.
 */
export function resumeSubscription(db: Db, input: { customerId: number; at: number; actor: string }): ResumeResult {
  const sub = db.select().from(subscriptions).where(eq(subscriptions.customerId, input.customerId)).get();
  if (!sub || sub.status !== 'paused') return { kind: 'not-paused' };
  const pausedMs = Math.max(0, input.at - (sub.pausedAt ?? input.at));
  const periodEnd = sub.periodEnd === null ? null : sub.periodEnd + pausedMs;
  const resumed = db.update(subscriptions).set({ status: 'active', pausedAt: null, periodEnd, updatedAt: input.at }).where(eq(subscriptions.id, sub.id)).returning().get()!;
  recordEvent(db, input.customerId, 'status_changed', input.actor, { from: 'paused', to: 'active', pausedMs, days: Math.round((pausedMs / DAY) * 10) / 10, periodEnd }, input.at);
  return { kind: 'resumed', subscription: resumed, pausedMs };
}

/** When a pause that started at `pausedAt` ends by itself (the billing run after this moment resumes it). */
export function pauseEndsAt(pausedAt: number, policy: PausePolicy): number {
  return pausedAt + policy.maxDays * DAY;
}

/**
 * Paused lines past the operator's longest pause, for the billing run to resume: oldest first,
 * at most `limit`. With pausing switched off (0 days) every paused line is past it.
 */
export function pausesToEnd(db: Db, now: number, limit: number): Array<{ customerId: number }> {
  const longest = pausePolicy(db).maxDays * DAY;
  return db
    .select({ customerId: subscriptions.customerId })
    .from(subscriptions)
    .where(and(eq(subscriptions.status, 'paused'), sql`coalesce(${subscriptions.pausedAt}, 0) + ${longest} <= ${now}`))
    // A line paused with no time recorded counts as oldest, as SQLite sorts NULL; PostgreSQL is told so.
    .orderBy(sql`${subscriptions.pausedAt} ASC NULLS FIRST`, asc(subscriptions.id))
    .limit(limit)
    .all();
}

/**
 * A change planned for the next renewal, dropped by the customer before it happens. Returns
 * the plan it would have moved to, or null when none was planned.
 */
export function cancelScheduledPlanChange(db: Db, input: { customerId: number; at: number; actor: string }): string | null {
  const sub = db.select().from(subscriptions).where(eq(subscriptions.customerId, input.customerId)).get();
  if (!sub || sub.nextPlanId === null) return null;
  const next = findPlanById(db, sub.nextPlanId);
  db.update(subscriptions).set({ nextPlanId: null, updatedAt: input.at }).where(eq(subscriptions.id, sub.id)).run();
  // Staff read the history: the plan that will no longer come, and why.
  recordEvent(db, input.customerId, 'plan_changed', input.actor, { plan: next?.name, when: 'renewal', cancelled: true, reason: 'change at renewal cancelled' }, input.at);
  return next?.name ?? null;
}

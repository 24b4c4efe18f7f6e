import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { plans, subscriptions } from '../db/schema/billing.js';
import type { Plan } from './plans.js';

// The staff plan list: a page of plans with a filter, and how many customers each one holds
// (a plan in use is kept: subscriptions, invoices and vouchers point at it).

export interface PlanFilter {
  /** Part of the name, any case. */
  query?: string | undefined;
  billingKind?: 'prepaid' | 'postpaid' | undefined;
}

export function listPlansPage(db: Db, filter: PlanFilter & { offset: number; limit: number }): Plan[] {
  const q = filter.query?.trim().toLowerCase();
  return db
    .select()
    .from(plans)
    .where(and(q ? sql`instr(lower(${plans.name}), ${q}) > 0` : undefined, filter.billingKind ? eq(plans.billingKind, filter.billingKind) : undefined))
    .orderBy(asc(plans.name))
    .limit(filter.limit)
    .offset(filter.offset)
    .all();
}

/**
 * Customers on each plan now or moving to it at renewal (cancelled subscriptions excluded);
 * plans nobody is on are absent from the map.
 */
export function customersOnPlans(db: Db, planIds: readonly number[]): Map<number, number> {
  if (planIds.length === 0) return new Map();
  const ids = [...planIds];
  const onPlan = db
    .select({ planId: subscriptions.planId, n: sql<number>`count(*)` })
    .from(subscriptions)
    .where(and(ne(subscriptions.status, 'cancelled'), inArray(subscriptions.planId, ids)))
    .groupBy(subscriptions.planId)
    .all();
  const moving = db
    .select({ planId: subscriptions.nextPlanId, n: sql<number>`count(*)` })
    .from(subscriptions)
    .where(and(ne(subscriptions.status, 'cancelled'), inArray(subscriptions.nextPlanId, ids), sql`${subscriptions.nextPlanId} <> ${subscriptions.planId}`))
    .groupBy(subscriptions.nextPlanId)
    .all();
  const counts = new Map<number, number>();
  for (const row of [...onPlan, ...moving]) if (row.planId !== null) counts.set(row.planId, (counts.get(row.planId) ?? 0) + row.n);
  return counts;
}

import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/connection.js';
import { plans, type FupTier } from '../db/schema/billing.js';
import { LangoError, type ErrorCode } from '../errors.js';
import { currencies } from './money.js';
import { isRateLimit } from './rate-limit.js';

export type Plan = typeof plans.$inferSelect;

const ROUTER_OBJECT = /^[A-Za-z0-9_.-]{1,64}$/;
const seconds = z.number().int().positive().nullable().default(null);

export const planInput = z.object({
  name: z.string().trim().min(1).max(64),
  priceMinor: z.number().int().min(0),
  currency: z.enum(currencies as ['KES', 'SSP', 'UGX', 'USD']),
  billingKind: z.enum(['prepaid', 'postpaid']).default('prepaid'),
  durationSeconds: seconds,
  validityMonths: z.number().int().min(1).max(36).nullable().default(null),
  validityStarts: z.enum(['purchase', 'first_login']).default('purchase'),
  timeAllowanceSeconds: seconds,
  rateLimit: z.string().trim().nullable().default(null),
  dataBytes: z.number().int().positive().nullable().default(null),
  dataCounts: z.enum(['total', 'download']).default('total'),
  fupTiers: z.array(z.object({ afterBytes: z.number().int().positive(), rateLimit: z.string().trim() })).default([]),
  sharedUsers: z.number().int().min(1).max(100).default(1),
  idleTimeoutSeconds: seconds,
  interimIntervalSeconds: z.number().int().min(60).max(86400).nullable().default(null),
  windowStartMinute: z.number().int().min(0).max(1439).nullable().default(null),
  windowEndMinute: z.number().int().min(0).max(1439).nullable().default(null),
  addressList: z.string().trim().regex(ROUTER_OBJECT).nullable().default(null),
  ipPool: z.string().trim().regex(ROUTER_OBJECT).nullable().default(null),
  cycle: z.enum(['daily', 'weekly', 'monthly', 'quarterly']).nullable().default(null),
  taxClass: z.string().trim().min(1).max(32).nullable().default(null),
  overagePerGbMinor: z.number().int().positive().nullable().default(null),
  gracePlanId: z.number().int().positive().nullable().default(null),
});
export type PlanInput = z.input<typeof planInput>;

/** Which catalogue error names a bad field, so the web and CLI say what to fix. */
const PLAN_FIELD_ERRORS: Record<string, ErrorCode> = {
  name: 'INPUT_BAD_NAME',
  priceMinor: 'INPUT_BAD_MONEY',
  currency: 'INPUT_BAD_CURRENCY',
  billingKind: 'INPUT_BAD_CHOICE',
  durationSeconds: 'INPUT_BAD_DURATION',
  validityMonths: 'INPUT_BAD_VALIDITY',
  validityStarts: 'INPUT_BAD_CHOICE',
  timeAllowanceSeconds: 'INPUT_BAD_DURATION',
  rateLimit: 'INPUT_BAD_RATE',
  dataBytes: 'INPUT_BAD_DATA_SIZE',
  dataCounts: 'INPUT_BAD_CHOICE',
  fupTiers: 'INPUT_BAD_TIERS',
  sharedUsers: 'INPUT_BAD_COUNT',
  idleTimeoutSeconds: 'INPUT_BAD_DURATION',
  interimIntervalSeconds: 'INPUT_BAD_DURATION',
  windowStartMinute: 'INPUT_BAD_WINDOW',
  windowEndMinute: 'INPUT_BAD_WINDOW',
  addressList: 'INPUT_BAD_ROUTER_NAME',
  ipPool: 'INPUT_BAD_ROUTER_NAME',
  cycle: 'INPUT_BAD_CHOICE',
  taxClass: 'INPUT_UNKNOWN_TAX_CLASS',
  overagePerGbMinor: 'INPUT_BAD_MONEY',
  gracePlanId: 'INPUT_UNKNOWN_PLAN',
};

type ValidPlan = z.output<typeof planInput>;

/** Everything about a plan is checked here, before any transaction opens. */
export function validatePlan(input: PlanInput): ValidPlan {
  const parsed = planInput.safeParse(input);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0]);
    const value = (input as Record<string, unknown>)[field];
    throw new LangoError(PLAN_FIELD_ERRORS[field] ?? 'INPUT_BAD_NAME', {
      value: typeof value === 'object' ? JSON.stringify(value) : String(value),
      currency: String(input.currency),
      allowed: field === 'sharedUsers' ? '1..100' : currencies.join(', '),
      option: field,
      min: 1,
      max: 100,
    });
  }
  const plan = parsed.data;
  if (plan.durationSeconds !== null && plan.validityMonths !== null) throw new LangoError('INPUT_BAD_VALIDITY');
  if (plan.rateLimit !== null && !isRateLimit(plan.rateLimit)) throw new LangoError('INPUT_BAD_RATE', { value: plan.rateLimit });
  if ((plan.windowStartMinute === null) !== (plan.windowEndMinute === null)) {
    throw new LangoError('INPUT_BAD_WINDOW', { value: String(plan.windowStartMinute ?? plan.windowEndMinute) });
  }
  checkTiers(plan.fupTiers, plan.dataBytes);
  // A postpaid plan is billed per cycle (monthly unless said otherwise); a prepaid one runs for its validity.
  if (plan.billingKind === 'postpaid') plan.cycle ??= 'monthly';
  else if (plan.cycle !== null) throw new LangoError('INPUT_BAD_CHOICE', { value: plan.cycle, option: 'cycle', allowed: 'a postpaid plan only' });
  return plan;
}

function checkTiers(tiers: FupTier[], dataBytes: number | null): void {
  const shown = JSON.stringify(tiers);
  tiers.forEach((tier, i) => {
    const ascending = i === 0 || tier.afterBytes > tiers[i - 1]!.afterBytes;
    const beforeAllowance = dataBytes === null || tier.afterBytes < dataBytes;
    if (!ascending || !beforeAllowance || !isRateLimit(tier.rateLimit)) throw new LangoError('INPUT_BAD_TIERS', { value: shown });
  });
}

export function addPlan(db: Db, input: PlanInput): Plan {
  const plan = validatePlan(input);
  return db.transaction((tx) => {
    if (tx.select({ id: plans.id }).from(plans).where(eq(plans.name, plan.name)).get()) {
      throw new LangoError('INPUT_DUPLICATE_PLAN_NAME', { name: plan.name });
    }
    return tx.insert(plans).values({ ...plan, createdAt: Date.now() }).returning().get();
  }, { behavior: 'immediate' });
}

/**
 * Changes some fields of a plan; the whole result is validated again, as on create. Customers
 * on it get the change at their next login (the subscriber cache follows the change counter).
 */
export function editPlan(db: Db, name: string, changes: Partial<PlanInput>): Plan {
  return db.transaction((tx) => {
    const current = findPlanByName(tx as Db, name);
    if (!current) throw new LangoError('INPUT_UNKNOWN_PLAN', { name });
    const { id: _id, createdAt: _createdAt, ...fields } = current;
    const plan = validatePlan({ ...fields, ...changes });
    if (plan.name !== current.name && findPlanByName(tx as Db, plan.name)) {
      throw new LangoError('INPUT_DUPLICATE_PLAN_NAME', { name: plan.name });
    }
    return tx.update(plans).set(plan).where(eq(plans.id, current.id)).returning().get();
  }, { behavior: 'immediate' });
}

export function listPlans(db: Db): Plan[] {
  return db.select().from(plans).orderBy(asc(plans.name)).all();
}

export function findPlanByName(db: Db, name: string): Plan | undefined {
  return db.select().from(plans).where(eq(plans.name, name.trim())).get();
}

/** The speed for what was used so far: the last FUP tier crossed, else the plan's own speed. */
export function currentRateLimit(plan: Pick<Plan, 'rateLimit' | 'fupTiers'>, usedBytes: number): string | null {
  let rate = plan.rateLimit;
  for (const tier of plan.fupTiers) if (usedBytes >= tier.afterBytes) rate = tier.rateLimit;
  return rate;
}

export function findPlanById(db: Db, id: number): Plan | undefined {
  return db.select().from(plans).where(eq(plans.id, id)).get();
}

import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/connection.js';
import { plans } from '../db/schema/billing.js';
import { LangoError, type ErrorCode } from '../errors.js';
import { currencies } from './money.js';
import { isRateLimit } from './rate-limit.js';

export type Plan = typeof plans.$inferSelect;

export const planInput = z.object({
  name: z.string().trim().min(1).max(64),
  priceMinor: z.number().int().min(0),
  currency: z.enum(currencies as ['KES', 'SSP', 'UGX', 'USD']),
  durationSeconds: z.number().int().positive().nullable().default(null),
  rateLimit: z.string().trim().nullable().default(null),
  dataBytes: z.number().int().positive().nullable().default(null),
});
export type PlanInput = z.input<typeof planInput>;

/** Which catalogue error names a bad field, so the web and CLI say what to fix. */
const PLAN_FIELD_ERRORS: Record<string, ErrorCode> = {
  name: 'INPUT_BAD_NAME',
  priceMinor: 'INPUT_BAD_MONEY',
  currency: 'INPUT_BAD_CURRENCY',
  durationSeconds: 'INPUT_BAD_DURATION',
  rateLimit: 'INPUT_BAD_RATE',
  dataBytes: 'INPUT_BAD_DATA_SIZE',
};

export function addPlan(db: Db, input: PlanInput): Plan {
  const parsed = planInput.safeParse(input);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0]);
    const value = String((input as Record<string, unknown>)[field]);
    throw new LangoError(PLAN_FIELD_ERRORS[field] ?? 'INPUT_BAD_NAME', { value, currency: String(input.currency), allowed: currencies.join(', ') });
  }
  const plan = parsed.data;
  if (plan.rateLimit !== null && !isRateLimit(plan.rateLimit)) throw new LangoError('INPUT_BAD_RATE', { value: plan.rateLimit });
  return db.transaction((tx) => {
    if (tx.select({ id: plans.id }).from(plans).where(eq(plans.name, plan.name)).get()) {
      throw new LangoError('INPUT_DUPLICATE_PLAN_NAME', { name: plan.name });
    }
    return tx.insert(plans).values({ ...plan, createdAt: Date.now() }).returning().get();
  }, { behavior: 'immediate' });
}

export function listPlans(db: Db): Plan[] {
  return db.select().from(plans).orderBy(asc(plans.name)).all();
}

export function findPlanByName(db: Db, name: string): Plan | undefined {
  return db.select().from(plans).where(eq(plans.name, name.trim())).get();
}

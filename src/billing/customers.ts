import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers, plans, type CustomerStatus } from '../db/schema/billing.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { LangoError } from '../errors.js';
import { findPlanByName, type Plan } from './plans.js';

export interface CustomerInput {
  username: string;
  password: string;
  planName?: string | undefined;
}

export interface CustomerSummary {
  id: number;
  username: string;
  status: CustomerStatus;
  plan: string | null;
  createdAt: number;
}

const USERNAME = /^[^\s]{1,64}$/;

/** Checks everything before the transaction opens, so a bad input never half-writes. */
export function addCustomer(db: Db, box: SecretBox, input: CustomerInput): CustomerSummary {
  const username = input.username.trim();
  if (!USERNAME.test(username)) throw new LangoError('INPUT_BAD_USERNAME');
  if (input.password.length < 1 || input.password.length > 128) throw new LangoError('INPUT_BAD_PASSWORD');
  const passwordSealed = box.seal(input.password);
  return db.transaction((tx) => {
    let plan: Plan | undefined;
    if (input.planName !== undefined) {
      plan = findPlanByName(tx as Db, input.planName);
      if (!plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: input.planName });
    }
    if (tx.select({ id: customers.id }).from(customers).where(eq(customers.username, username)).get()) {
      throw new LangoError('INPUT_DUPLICATE_USERNAME', { username });
    }
    const now = Date.now();
    const row = tx
      .insert(customers)
      .values({ username, passwordSealed, planId: plan?.id ?? null, status: 'active', createdAt: now, updatedAt: now })
      .returning()
      .get();
    return { id: row.id, username: row.username, status: row.status, plan: plan?.name ?? null, createdAt: row.createdAt };
  }, { behavior: 'immediate' });
}

export function listCustomers(db: Db): CustomerSummary[] {
  return db
    .select({ id: customers.id, username: customers.username, status: customers.status, plan: plans.name, createdAt: customers.createdAt })
    .from(customers)
    .leftJoin(plans, eq(customers.planId, plans.id))
    .orderBy(asc(customers.username))
    .all();
}

/** What AAA needs to decide on an Access-Request, in one indexed lookup. */
export interface Subscriber {
  id: number;
  username: string;
  passwordSealed: string;
  status: CustomerStatus;
  planId: number | null;
  planName: string | null;
  durationSeconds: number | null;
  rateLimit: string | null;
  dataBytes: number | null;
}

/** A prepared lookup for the Access-Request hot path: built once, then one index probe per call. */
export function createSubscriberLookup(db: Db): (username: string) => Subscriber | undefined {
  const query = db
    .select({
      id: customers.id,
      username: customers.username,
      passwordSealed: customers.passwordSealed,
      status: customers.status,
      planId: customers.planId,
      planName: plans.name,
      durationSeconds: plans.durationSeconds,
      rateLimit: plans.rateLimit,
      dataBytes: plans.dataBytes,
    })
    .from(customers)
    .leftJoin(plans, eq(customers.planId, plans.id))
    .where(eq(customers.username, sql.placeholder('username')))
    .prepare();
  return (username) => query.get({ username });
}

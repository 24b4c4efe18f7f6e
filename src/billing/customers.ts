import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers, plans, type CustomerStatus } from '../db/schema/billing.js';
import { changeCounters } from '../db/schema/change-counters.js';
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

/**
 * The Access-Request hot path's lookup. Answers from memory while the `subscribers` change
 * counter is unchanged; any write to customers or plans, from this process or another, bumps
 * it (database triggers) and empties the memory. Any statement costs a WAL read transaction
 * (3-4 µs here), so the counter is read once per event-loop turn, not per packet: under load a
 * turn carries dozens of requests, and a suspension or new password applies from the next
 * turn, well under a millisecond later. Unknown usernames are remembered too, so guessing
 * costs no queries.
 */
export function createSubscriberLookup(db: Db, options: { remember?: number } = {}): (username: string) => Subscriber | undefined {
  const limit = options.remember ?? 100_000;
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
  const version = db
    .select({ version: changeCounters.version })
    .from(changeCounters)
    .where(eq(changeCounters.name, 'subscribers'))
    .prepare();

  const remembered = new Map<string, Subscriber | null>();
  let seenVersion = -1;
  let checkedThisTurn = false;
  const nextTurn = () => {
    checkedThisTurn = false;
  };
  return (username) => {
    if (!checkedThisTurn) {
      checkedThisTurn = true;
      setImmediate(nextTurn);
      const current = version.get()?.version ?? -1;
      if (current !== seenVersion) {
        remembered.clear();
        seenVersion = current;
      }
    }
    let subscriber = remembered.get(username);
    if (subscriber === undefined) {
      subscriber = query.get({ username }) ?? null;
      if (remembered.size >= limit) remembered.delete(remembered.keys().next().value!);
      remembered.set(username, subscriber);
    }
    return subscriber ?? undefined;
  };
}

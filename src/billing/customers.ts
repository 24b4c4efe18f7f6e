import { isIPv4 } from 'node:net';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers, plans, type CustomerStatus, type DataCounts, type FupTier, type ValidityStarts } from '../db/schema/billing.js';
import { changeCounters } from '../db/schema/change-counters.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { LangoError } from '../errors.js';
import { normaliseMac } from './mac.js';
import { periodEnd } from './plan-period.js';
import { findPlanByName, type Plan } from './plans.js';

export interface CustomerInput {
  username: string;
  password: string;
  planName?: string | undefined;
  mac?: string | undefined;
  macBinding?: boolean | undefined;
  staticIp?: string | undefined;
}

export interface CustomerSummary {
  id: number;
  username: string;
  status: CustomerStatus;
  plan: string | null;
  activatedAt: number | null;
  expiresAt: number | null;
  mac: string | null;
  macBinding: boolean;
  staticIp: string | null;
  createdAt: number;
}

const USERNAME = /^[^\s]{1,64}$/;

/**
 * The period a plan bought now gives: a purchase-started plan runs from now, a first-login
 * plan waits (activatedAt null) until the customer's first accepted login.
 */
export function periodOnPurchase(plan: Plan, now: number, zone: string): { activatedAt: number | null; expiresAt: number | null } {
  if (plan.validityStarts === 'first_login') return { activatedAt: null, expiresAt: null };
  return { activatedAt: now, expiresAt: periodEnd(now, plan, zone) };
}

/** Checks everything before the transaction opens, so a bad input never half-writes. */
export function addCustomer(db: Db, box: SecretBox, input: CustomerInput, zone = 'Africa/Nairobi'): CustomerSummary {
  const username = input.username.trim();
  if (!USERNAME.test(username)) throw new LangoError('INPUT_BAD_USERNAME');
  if (input.password.length < 1 || input.password.length > 128) throw new LangoError('INPUT_BAD_PASSWORD');
  const mac = input.mac === undefined ? null : normaliseMac(input.mac);
  if (mac === undefined) throw new LangoError('INPUT_BAD_MAC', { value: input.mac! });
  if (input.macBinding && mac === null) throw new LangoError('INPUT_BAD_MAC', { value: '' });
  if (input.staticIp !== undefined && !isIPv4(input.staticIp)) throw new LangoError('INPUT_BAD_IP', { value: input.staticIp });
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
    if (mac !== null) {
      const owner = tx.select({ username: customers.username }).from(customers).where(eq(customers.mac, mac)).get();
      if (owner) throw new LangoError('INPUT_DUPLICATE_MAC', { mac, username: owner.username });
    }
    const now = Date.now();
    const period = plan ? periodOnPurchase(plan, now, zone) : { activatedAt: null, expiresAt: null };
    const row = tx
      .insert(customers)
      .values({
        username,
        passwordSealed,
        planId: plan?.id ?? null,
        status: 'active',
        createdAt: now,
        updatedAt: now,
        ...period,
        mac,
        macBinding: input.macBinding ?? false,
        staticIp: input.staticIp ?? null,
      })
      .returning()
      .get();
    return summarise(row, plan?.name ?? null);
  }, { behavior: 'immediate' });
}

export function findCustomer(db: Db, username: string): CustomerSummary | undefined {
  const row = db
    .select({ customer: customers, plan: plans.name })
    .from(customers)
    .leftJoin(plans, eq(customers.planId, plans.id))
    .where(eq(customers.username, username.trim()))
    .get();
  return row ? summarise(row.customer, row.plan) : undefined;
}

/** Puts a customer on a plan from now: a new period (renewal, upgrade, operator correction). */
export function setCustomerPlan(db: Db, username: string, planName: string, zone: string, now = Date.now()): CustomerSummary {
  const plan = findPlanByName(db, planName);
  if (!plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: planName });
  const current = findCustomer(db, username);
  if (!current) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username });
  db.update(customers)
    .set({ planId: plan.id, ...periodOnPurchase(plan, now, zone), updatedAt: now })
    .where(eq(customers.id, current.id))
    .run();
  return findCustomer(db, username)!;
}

export function setCustomerStatus(db: Db, username: string, status: CustomerStatus, now = Date.now()): CustomerSummary {
  const current = findCustomer(db, username);
  if (!current) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username });
  db.update(customers).set({ status, updatedAt: now }).where(eq(customers.id, current.id)).run();
  return { ...current, status };
}

/** A first-login plan's clock starts now. Called by AAA on the first accepted login. */
export function activateCustomer(db: Db, customerId: number, activatedAt: number, expiresAt: number | null): void {
  db.update(customers)
    .set({ activatedAt, expiresAt })
    .where(sql`${customers.id} = ${customerId} AND ${customers.activatedAt} IS NULL`)
    .run();
}

export function listCustomers(db: Db): CustomerSummary[] {
  return db
    .select({ customer: customers, plan: plans.name })
    .from(customers)
    .leftJoin(plans, eq(customers.planId, plans.id))
    .orderBy(asc(customers.username))
    .all()
    .map((row) => summarise(row.customer, row.plan));
}

function summarise(row: typeof customers.$inferSelect, plan: string | null): CustomerSummary {
  return {
    id: row.id,
    username: row.username,
    status: row.status,
    plan,
    activatedAt: row.activatedAt,
    expiresAt: row.expiresAt,
    mac: row.mac,
    macBinding: row.macBinding,
    staticIp: row.staticIp,
    createdAt: row.createdAt,
  };
}

/** What AAA needs to decide on an Access-Request, in one indexed lookup. */
export interface Subscriber {
  id: number;
  username: string;
  passwordSealed: string;
  status: CustomerStatus;
  activatedAt: number | null;
  expiresAt: number | null;
  mac: string | null;
  macBinding: boolean;
  staticIp: string | null;
  planId: number | null;
  planName: string | null;
  durationSeconds: number | null;
  validityMonths: number | null;
  validityStarts: ValidityStarts | null;
  timeAllowanceSeconds: number | null;
  rateLimit: string | null;
  dataBytes: number | null;
  dataCounts: DataCounts | null;
  fupTiers: FupTier[] | null;
  sharedUsers: number | null;
  idleTimeoutSeconds: number | null;
  interimIntervalSeconds: number | null;
  windowStartMinute: number | null;
  windowEndMinute: number | null;
  addressList: string | null;
  ipPool: string | null;
}

export interface SubscriberLookup {
  byUsername(username: string): Subscriber | undefined;
  /** MAC authentication: the customer whose registered device this is. */
  byMac(mac: string): Subscriber | undefined;
}

/**
 * The Access-Request hot path's lookup. Answers from memory while the `subscribers` change
 * counter is unchanged; any write to customers or plans, from this process or another, bumps
 * it (database triggers) and empties the memory. Any statement costs a WAL read transaction
 * (3-4 µs here), so the counter is read once per event-loop turn, not per packet: under load a
 * turn carries dozens of requests, and a suspension or new password applies from the next
 * turn, well under a millisecond later. Unknown names are remembered too, so guessing costs
 * no queries.
 */
export function createSubscriberLookup(db: Db, options: { remember?: number } = {}): SubscriberLookup {
  const limit = options.remember ?? 100_000;
  const columns = {
    id: customers.id,
    username: customers.username,
    passwordSealed: customers.passwordSealed,
    status: customers.status,
    activatedAt: customers.activatedAt,
    expiresAt: customers.expiresAt,
    mac: customers.mac,
    macBinding: customers.macBinding,
    staticIp: customers.staticIp,
    planId: customers.planId,
    planName: plans.name,
    durationSeconds: plans.durationSeconds,
    validityMonths: plans.validityMonths,
    validityStarts: plans.validityStarts,
    timeAllowanceSeconds: plans.timeAllowanceSeconds,
    rateLimit: plans.rateLimit,
    dataBytes: plans.dataBytes,
    dataCounts: plans.dataCounts,
    fupTiers: plans.fupTiers,
    sharedUsers: plans.sharedUsers,
    idleTimeoutSeconds: plans.idleTimeoutSeconds,
    interimIntervalSeconds: plans.interimIntervalSeconds,
    windowStartMinute: plans.windowStartMinute,
    windowEndMinute: plans.windowEndMinute,
    addressList: plans.addressList,
    ipPool: plans.ipPool,
  };
  const base = () => db.select(columns).from(customers).leftJoin(plans, eq(customers.planId, plans.id));
  const byUsername = base().where(eq(customers.username, sql.placeholder('key'))).prepare();
  const byMac = base().where(eq(customers.mac, sql.placeholder('key'))).prepare();
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
  const cached = (key: string, query: typeof byUsername, value: string): Subscriber | undefined => {
    if (!checkedThisTurn) {
      checkedThisTurn = true;
      setImmediate(nextTurn);
      const current = version.get()?.version ?? -1;
      if (current !== seenVersion) {
        remembered.clear();
        seenVersion = current;
      }
    }
    let subscriber = remembered.get(key);
    if (subscriber === undefined) {
      subscriber = (query.get({ key: value }) as Subscriber | undefined) ?? null;
      if (remembered.size >= limit) remembered.delete(remembered.keys().next().value!);
      remembered.set(key, subscriber);
    }
    return subscriber ?? undefined;
  };
  return {
    byUsername: (username) => cached(`u:${username}`, byUsername, username),
    byMac: (mac) => cached(`m:${mac}`, byMac, mac),
  };
}

import { isIPv4 } from 'node:net';
import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { voucherBatches, vouchers } from '../db/schema/hotspot.js';
import { customers, plans, subscriptions, type CustomerKind, type BillingCycle, type BillingKind, type CustomerStatus, type Currency, type DataCounts, type FupTier, type Language, type SubscriptionStatus, type ValidityStarts } from '../db/schema/billing.js';
import { subscriberChanges, type SubscriberChangeScope } from '../db/schema/change-counters.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { LangoError } from '../errors.js';
import { normaliseMac } from './mac.js';
import { normalisePhone } from './phone.js';
import { openCustomerAccounts } from './ledger.js';
import { subscribe } from './subscriptions.js';
import { getSetting } from '../settings/index.js';
import { periodEnd } from './plan-period.js';
import { findPlanByName, type Plan } from './plans.js';
import { customerRef, recordEvent as recordWebhookEvent } from '../events/outbox.js';

export interface CustomerInput {
  username: string;
  password: string;
  planName?: string | undefined;
  mac?: string | undefined;
  macBinding?: boolean | undefined;
  staticIp?: string | undefined;
  fullName?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  billingAddress?: string | undefined;
  serviceLocation?: string | undefined;
  language?: Language | undefined;
  /** Defaults to the plan's currency, else KES. */
  currency?: Currency | undefined;
  taxExempt?: boolean | undefined;
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
  fullName: string | null;
  phone: string | null;
  email: string | null;
  currency: Currency;
  language: Language;
  taxExempt: boolean;
  suspendedReason: string | null;
  subscriptionStatus: SubscriptionStatus | null;
  billingKind: BillingKind | null;
  cycle: BillingCycle | null;
}

const USERNAME = /^[^\s]{1,64}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/;

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
  const phone = input.phone === undefined ? null : normalisePhone(input.phone, getSetting(db, 'operator.country'));
  if (phone === undefined) throw new LangoError('INPUT_BAD_PHONE', { value: input.phone! });
  if (input.email !== undefined && !EMAIL.test(input.email)) throw new LangoError('INPUT_BAD_EMAIL', { value: input.email });
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
    const row = tx
      .insert(customers)
      .values({
        username,
        passwordSealed,
        status: 'active',
        createdAt: now,
        updatedAt: now,
        mac,
        macBinding: input.macBinding ?? false,
        staticIp: input.staticIp ?? null,
        fullName: input.fullName ?? null,
        phone,
        email: input.email ?? null,
        billingAddress: input.billingAddress ?? null,
        serviceLocation: input.serviceLocation ?? null,
        language: input.language ?? 'en',
        currency: input.currency ?? plan?.currency ?? 'KES',
        taxExempt: input.taxExempt ?? false,
      })
      .returning({ id: customers.id })
      .get();
    openCustomerAccounts(tx as Db, row.id, input.currency ?? plan?.currency ?? 'KES');
    if (plan) subscribe(tx as Db, row.id, plan, now, zone);
    const created = findCustomerById(tx as Db, row.id)!;
    // Names and contacts stay out of the outbox (they would outlive an erasure there): receivers read them through /api/v1.
    recordWebhookEvent(tx as Db, 'customer.created', () => ({ customerId: created.id, username: created.username, plan: created.plan, currency: created.currency, createdAt: new Date(now).toISOString() }), now);
    return created;
  }, { behavior: 'immediate' });
}

const summaryColumns = {
  customer: customers,
  plan: plans.name,
  periodStart: subscriptions.periodStart,
  periodEnd: subscriptions.periodEnd,
  subscriptionStatus: subscriptions.status,
  billingKind: subscriptions.billingKind,
  cycle: subscriptions.cycle,
};

function summaries(db: Db) {
  return db
    .select(summaryColumns)
    .from(customers)
    .leftJoin(subscriptions, eq(subscriptions.customerId, customers.id))
    .leftJoin(plans, eq(subscriptions.planId, plans.id));
}

export function findCustomer(db: Db, username: string): CustomerSummary | undefined {
  const row = summaries(db).where(eq(customers.username, username.trim())).get();
  return row ? summarise(row) : undefined;
}

export function findCustomerById(db: Db, id: number): CustomerSummary | undefined {
  const row = summaries(db).where(eq(customers.id, id)).get();
  return row ? summarise(row) : undefined;
}

/**
 * Puts a customer on a plan from now with a fresh period (operator correction, or a purchase
 * paid outside the ledger). Priced plan changes go through changePlan in subscriptions.ts.
 */
export function setCustomerPlan(db: Db, username: string, planName: string, zone: string, now = Date.now()): CustomerSummary {
  const plan = findPlanByName(db, planName);
  if (!plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: planName });
  return db.transaction((tx) => {
    const current = findCustomer(tx as Db, username);
    if (!current) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username });
    subscribe(tx as Db, current.id, plan, now, zone);
    return findCustomer(tx as Db, username)!;
  }, { behavior: 'immediate' });
}

export function setCustomerStatus(db: Db, username: string, status: CustomerStatus, now = Date.now()): CustomerSummary {
  return db.transaction((tx) => {
    const d = tx as Db;
    const current = findCustomer(d, username);
    if (!current) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username });
    // A staff decision overrides an automatic one: reactivation on payment only lifts 'overdue'.
    d.update(customers).set({ status, suspendedReason: status === 'suspended' ? 'staff' : null, updatedAt: now }).where(eq(customers.id, current.id)).run();
    if (current.status !== status) recordStatusEvent(d, current.id, current.status, status, 'staff', now);
    return findCustomer(d, username)!;
  }, { behavior: 'immediate' });
}

/** The webhook event for a customer's status change, in the caller's transaction. */
export function recordStatusEvent(db: Db, customerId: number, from: CustomerStatus, to: CustomerStatus, reason: string, now: number): void {
  const type = to === 'suspended' ? 'customer.suspended' : to === 'terminated' ? 'customer.terminated' : 'customer.reactivated';
  recordWebhookEvent(db, type, () => ({ ...customerRef(db, customerId), status: to, previousStatus: from, reason }), now);
}

/**
 * A first-login plan's clock starts now. Called by AAA on the first accepted login; for a
 * voucher that locks to a device, `lockMac` is the device that keeps it.
 */
/**
 * Starts a first-login period; locks a voucher to `lockMac` when asked. Answers false when the
 * voucher turned out to be locked to another device already: two devices using the code at the
 * same moment (on two nodes, or in one batch) both passed the check, and only one may have it.
 */
export function activateCustomer(db: Db, customerId: number, activatedAt: number, expiresAt: number | null, lockMac?: string): boolean {
  db.update(subscriptions)
    .set({ periodStart: activatedAt, periodEnd: expiresAt, updatedAt: activatedAt })
    .where(and(eq(subscriptions.customerId, customerId), sql`${subscriptions.periodStart} IS NULL`))
    .run();
  if (!lockMac) return true;
  if (db.update(vouchers).set({ lockedMac: lockMac }).where(and(eq(vouchers.customerId, customerId), sql`${vouchers.lockedMac} IS NULL`)).run().changes === 1) return true;
  const holder = db.select({ lockedMac: vouchers.lockedMac }).from(vouchers).where(eq(vouchers.customerId, customerId)).get();
  return holder === undefined || holder.lockedMac === null || holder.lockedMac === lockMac;
}

export function listCustomers(db: Db): CustomerSummary[] {
  return summaries(db)
    .where(eq(customers.kind, 'customer'))
    .orderBy(asc(customers.username))
    .all()
    .map((row) => summarise(row));
}

function summarise(row: { customer: typeof customers.$inferSelect; plan: string | null; periodStart: number | null; periodEnd: number | null; subscriptionStatus: SubscriptionStatus | null; billingKind: BillingKind | null; cycle: BillingCycle | null }): CustomerSummary {
  const c = row.customer;
  return {
    id: c.id,
    username: c.username,
    status: c.status,
    plan: row.plan,
    activatedAt: row.periodStart,
    expiresAt: row.periodEnd,
    mac: c.mac,
    macBinding: c.macBinding,
    staticIp: c.staticIp,
    createdAt: c.createdAt,
    fullName: c.fullName,
    phone: c.phone,
    email: c.email,
    currency: c.currency,
    language: c.language,
    taxExempt: c.taxExempt,
    suspendedReason: c.suspendedReason,
    subscriptionStatus: row.subscriptionStatus,
    billingKind: row.billingKind,
    cycle: row.cycle,
  };
}

/** What AAA needs to decide on an Access-Request, in one indexed lookup. */
export interface Subscriber {
  id: number;
  username: string;
  passwordSealed: string;
  status: CustomerStatus;
  suspendedReason: string | null;
  /** Start of the current period; null while a first-login plan waits for its first login. */
  activatedAt: number | null;
  /** When a prepaid period ends and access stops; null for postpaid (billing renews it) and open-ended plans. */
  expiresAt: number | null;
  mac: string | null;
  macBinding: boolean;
  staticIp: string | null;
  /** Null without a subscription, or when it was cancelled. */
  planId: number | null;
  planName: string | null;
  subscriptionStatus: SubscriptionStatus | null;
  cycle: BillingCycle | null;
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
  kind: CustomerKind;
  /** Vouchers only: when an unused code stops working (null = never). */
  useBefore: number | null;
  /** Vouchers only: the first device keeps the code. */
  macLock: boolean;
  lockedMac: string | null;
  /** Vouchers only: router ids the code works at (null = all). */
  allowedNas: number[] | null;
  revoked: boolean;
}

export interface SubscriberLookup {
  byUsername(username: string): Subscriber | undefined;
  /** MAC authentication: the customer whose registered device this is. */
  byMac(mac: string): Subscriber | undefined;
  /** The last subscriber_changes row applied. */
  seenChangesUpTo(): number;
  /**
   * Change rows every node has had time to apply: those this lookup had already applied
   * CHANGES_KEPT_MS ago (0: none yet). Other nodes sharing the database read the same rows with
   * their own cursor, so a row is only deleted once it is that old.
   */
  prunableUpTo(now?: number): number;
}

/**
 * How long change rows are kept after this node applied them. A node that has not read the rows
 * for most of this long (idle, or its process frozen) forgets everything it remembers instead,
 * since a peer may have deleted rows it never saw.
 */
export const CHANGES_KEPT_MS = 5 * 60_000;
const SILENT_FORGET_MS = CHANGES_KEPT_MS - 60_000;
/**
 * On PostgreSQL, ids come from a sequence when a row is written, not when its transaction
 * commits: a row with a lower id can become visible after a higher one was read. Missing ids
 * below the cursor are looked for again this long (a rolled-back write never fills its gap).
 */
const GAP_WAIT_MS = 10_000;
const MAX_GAPS = 1_000;

/** Deletes change records every node's lookup has applied (housekeeping: pass prunableUpTo()). */
export function pruneSubscriberChanges(db: Db, upTo: number): number {
  if (upTo <= 0) return 0;
  return db.delete(subscriberChanges).where(lte(subscriberChanges.id, upTo)).run().changes;
}

/**
 * The Access-Request hot path's lookup. Answers from memory; every write to customers,
 * subscriptions or plans, from this process or another, leaves a subscriber_changes row
 * (database triggers), and the lookup forgets just the customers those rows name (everyone,
 * for a plan change). Any statement costs a WAL read transaction (3-4 µs here), so the rows
 * are read once per event-loop turn, not per packet: under load a turn carries dozens of
 * requests, and a suspension or new password applies from the next turn, well under a
 * millisecond later. Unknown names are remembered too, so guessing costs no queries.
 * Each process keeps its own cursor (the last row id applied), so several nodes sharing one
 * database each see every change; rows are deleted only once every node has had time to read
 * them (prunableUpTo).
 */
export function createSubscriberLookup(db: Db, options: { remember?: number; now?: () => number; minPollMs?: number } = {}): SubscriberLookup {
  const clock = options.now ?? Date.now;
  // On SQLite the change read is a few microseconds and runs every turn that has a lookup. On
  // PostgreSQL it is a network round trip, one of a lone login's three: there a turn reads the
  // changes only if the last read is minPollMs old, so a change applies within that many ms.
  const minPollMs = options.minPollMs ?? 0;
  let polledAt = Number.NEGATIVE_INFINITY;
  const limit = options.remember ?? 100_000;
  const columns = {
    id: customers.id,
    username: customers.username,
    passwordSealed: customers.passwordSealed,
    status: customers.status,
    suspendedReason: customers.suspendedReason,
    activatedAt: subscriptions.periodStart,
    expiresAt: sql<number | null>`CASE WHEN ${subscriptions.billingKind} = 'prepaid' THEN ${subscriptions.periodEnd} END`,
    mac: customers.mac,
    macBinding: customers.macBinding,
    staticIp: customers.staticIp,
    planId: sql<number | null>`CASE WHEN ${subscriptions.status} <> 'cancelled' THEN ${subscriptions.planId} END`,
    planName: plans.name,
    subscriptionStatus: subscriptions.status,
    cycle: subscriptions.cycle,
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
    kind: customers.kind,
    useBefore: voucherBatches.useBefore,
    macLock: sql<boolean>`coalesce(${voucherBatches.macLock}, 0) = 1`,
    lockedMac: vouchers.lockedMac,
    allowedNas: voucherBatches.nasIds,
    revoked: sql<boolean>`${vouchers.revokedAt} IS NOT NULL`,
  };
  const base = () =>
    db
      .select(columns)
      .from(customers)
      .leftJoin(subscriptions, eq(subscriptions.customerId, customers.id))
      .leftJoin(plans, eq(subscriptions.planId, plans.id))
      .leftJoin(vouchers, eq(vouchers.customerId, customers.id))
      .leftJoin(voucherBatches, eq(voucherBatches.id, vouchers.batchId));
  const byUsername = base().where(eq(customers.username, sql.placeholder('key'))).prepare();
  const byMac = base().where(eq(customers.mac, sql.placeholder('key'))).prepare();
  const changesAfter = db
    .select({ id: subscriberChanges.id, customerId: subscriberChanges.customerId, scope: subscriberChanges.scope })
    .from(subscriberChanges)
    .where(gt(subscriberChanges.id, sql.placeholder('after')))
    .orderBy(asc(subscriberChanges.id))
    .prepare();
  const lastChange = db.select({ id: sql<number | null>`max(${subscriberChanges.id})` }).from(subscriberChanges).prepare();
  const changesIn = (ids: number[]) =>
    db
      .select({ id: subscriberChanges.id, customerId: subscriberChanges.customerId, scope: subscriberChanges.scope })
      .from(subscriberChanges)
      .where(inArray(subscriberChanges.id, ids))
      .all();

  const remembered = new Map<string, Subscriber | null>();
  /** Which remembered keys belong to which customer, so a change forgets just those. */
  const keysOf = new Map<number, string[]>();
  /** Names and MACs looked up in vain: a new or renamed customer may now answer to one. */
  const unknown = new Set<string>();
  // Changes before this lookup existed are already in what it will read.
  let seen = lastChange.get()?.id ?? 0;
  let appliedAt = clock();
  /** Ids skipped below the cursor (not yet committed when read), with when they were first missed. */
  const gaps = new Map<number, number>();
  /** (when, cursor) a few times a minute, oldest first: what prunableUpTo answers from. */
  const marks: Array<{ at: number; seen: number }> = [];
  let checkedThisTurn = false;
  const nextTurn = () => {
    checkedThisTurn = false;
  };
  const forgetAll = () => {
    remembered.clear();
    keysOf.clear();
    unknown.clear();
  };
  const forget = (customerId: number) => {
    for (const key of keysOf.get(customerId) ?? []) remembered.delete(key);
    keysOf.delete(customerId);
  };
  const apply = (change: { customerId: number | null; scope: SubscriberChangeScope }) => {
    if (change.scope === 'all' || change.customerId === null) {
      forgetAll();
      return;
    }
    forget(change.customerId);
    if (change.scope === 'new') {
      for (const key of unknown) remembered.delete(key);
      unknown.clear();
    }
  };
  const applyChanges = () => {
    const now = clock();
    // Silent for longer than a peer keeps rows: some may be gone unread.
    if (now - appliedAt > SILENT_FORGET_MS) forgetAll();
    appliedAt = now;
    if (gaps.size > 0) {
      for (const change of changesIn([...gaps.keys()])) {
        gaps.delete(change.id);
        apply(change);
      }
      for (const [id, since] of gaps) if (now - since > GAP_WAIT_MS) gaps.delete(id);
    }
    for (const change of changesAfter.all({ after: seen })) {
      // (An empty table at start gives no cursor yet: ids below its first row are old, not late.)
      for (let missing = seen + 1; seen > 0 && missing < change.id && gaps.size < MAX_GAPS; missing++) gaps.set(missing, now);
      // Too many holes to track one by one: forgetting everything is always correct.
      if (gaps.size >= MAX_GAPS) {
        gaps.clear();
        forgetAll();
      }
      seen = change.id;
      apply(change);
    }
    const last = marks[marks.length - 1];
    if (!last || now - last.at >= 30_000) marks.push({ at: now, seen });
  };
  const cached = (key: string, query: typeof byUsername, value: string): Subscriber | undefined => {
    if (!checkedThisTurn) {
      checkedThisTurn = true;
      setImmediate(nextTurn);
      const now = clock();
      if (now - polledAt >= minPollMs) {
        polledAt = now;
        applyChanges();
      }
    }
    let subscriber = remembered.get(key);
    if (subscriber === undefined) {
      subscriber = (query.get({ key: value }) as Subscriber | undefined) ?? null;
      if (remembered.size >= limit) {
        remembered.clear();
        keysOf.clear();
        unknown.clear();
      }
      remembered.set(key, subscriber);
      if (subscriber) keysOf.set(subscriber.id, [...(keysOf.get(subscriber.id) ?? []), key]);
      else unknown.add(key);
    }
    return subscriber ?? undefined;
  };
  return {
    byUsername: (username) => cached(`u:${username}`, byUsername, username),
    byMac: (mac) => cached(`m:${mac}`, byMac, mac),
    seenChangesUpTo: () => seen,
    prunableUpTo: (now = clock()) => {
      while (marks.length > 1 && now - marks[1]!.at >= CHANGES_KEPT_MS) marks.shift();
      const oldest = marks[0];
      return oldest && now - oldest.at >= CHANGES_KEPT_MS ? oldest.seen : 0;
    },
  };
}

/**
 * The customer a payer meant by what they typed as "account number" on a paybill (M-Pesa
 * BillRefNumber): their username in any case and spacing, or their phone number in any local
 * form when exactly one customer has it. Ambiguity is no match: money then waits in suspense
 * for staff rather than landing on the wrong account.
 */
export function findCustomerByAccountReference(db: Db, reference: string, country: 'KE' | 'SS' | 'UG' = 'KE'): CustomerSummary | undefined {
  const cleaned = reference.replace(/\s+/g, '');
  if (cleaned === '') return undefined;
  // Vouchers are accounts too, but nobody pays a bill into one: only customers are matched.
  const byName = summaries(db).where(and(sql`lower(${customers.username}) = lower(${cleaned})`, eq(customers.kind, 'customer'))).all();
  if (byName.length === 1) return summarise(byName[0]!);
  const phone = normalisePhone(cleaned, country);
  if (!phone) return undefined;
  const byPhone = summaries(db).where(and(eq(customers.phone, phone), eq(customers.kind, 'customer'))).limit(2).all();
  return byPhone.length === 1 ? summarise(byPhone[0]!) : undefined;
}

/**
 * A voucher's account: a customer row of kind 'voucher' (its code is the username) on the
 * batch's plan, whose period waits for the first login whatever the plan says — a printed code
 * must not age on the shelf. Returns false, writing nothing, when the name is taken (the
 * caller draws another code). Runs inside the caller's transaction.
 */
export function addVoucherAccount(db: Db, input: { username: string; passwordSealed: string; plan: Plan; now: number; phone?: string | null }): number | null {
  const row = db
    .insert(customers)
    .values({ username: input.username, passwordSealed: input.passwordSealed, status: 'active', createdAt: input.now, updatedAt: input.now, currency: input.plan.currency, kind: 'voucher', phone: input.phone ?? null })
    .onConflictDoNothing()
    .returning({ id: customers.id })
    .get();
  if (!row) return null;
  db.insert(subscriptions)
    // A voucher is one period: it never renews from a wallet (nor moves to a grace plan).
    .values({ customerId: row.id, planId: input.plan.id, status: 'active', billingKind: 'prepaid', periodStart: null, periodEnd: null, cycle: null, anchorDay: null, startedAt: input.now, autoRenew: false, createdAt: input.now, updatedAt: input.now })
    .run();
  return row.id;
}

/**
 * A voucher's account closed for good (revoked by staff): refused at the next login. Returns
 * false when it was not active.
 */
export function closeVoucherAccount(db: Db, customerId: number, now: number): boolean {
  return db.update(customers).set({ status: 'terminated', updatedAt: now }).where(and(eq(customers.id, customerId), eq(customers.kind, 'voucher'), eq(customers.status, 'active'))).run().changes === 1;
}

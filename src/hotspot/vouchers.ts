import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { addVoucherAccount, chargePlanFromWallet, closeVoucherAccount, findPlanByName, formatMoney, notify, recordPayment, type Plan } from '../billing/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { customers, plans, subscriptions, usage, type Currency } from '../db/schema/billing.js';
import { voucherBatches, vouchers, type VoucherPasswordMode } from '../db/schema/hotspot.js';
import { LangoError } from '../errors.js';
import { recordAudit } from '../staff/index.js';
import { CODE_ALPHABET, codeSpace, generateCode } from './codes.js';

export type VoucherBatch = typeof voucherBatches.$inferSelect;
export type VoucherState = 'unused' | 'active' | 'exhausted' | 'expired' | 'revoked';

export interface BatchInput {
  planName: string;
  count: number;
  codeLength?: number;
  prefix?: string;
  passwordMode?: VoucherPasswordMode;
  /** Defaults to the plan's price. */
  priceMinor?: number;
  useBefore?: number | null;
  macLock?: boolean;
  /** Router ids; null or empty = every router. */
  nasIds?: number[] | null;
  seller?: string | null;
  actor: string;
  now: number;
  /** The staff form's one-time key (see createBatchOnce). */
  key?: string;
}

export const MAX_BATCH = 10_000;
const PREFIX = /^[A-Z0-9]{0,6}$/;

/**
 * Prints a batch: `count` unguessable codes (OS CSPRNG, the unambiguous alphabet), each with
 * its account on the batch's plan, in one transaction — a batch exists whole or not at all.
 * A code that collides with any existing username is drawn again. The code space must be at
 * least a million times the batch, so guessing stays hopeless with the login rate limit.
 */
export function createBatch(db: Db, box: SecretBox, input: BatchInput): { batch: VoucherBatch; codes: Array<{ code: string; password: string; customerId: number }> } {
  const length = input.codeLength ?? 8;
  const prefix = (input.prefix ?? '').toUpperCase();
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_BATCH) throw new LangoError('INPUT_BAD_COUNT', { value: String(input.count), option: 'count', min: 1, max: MAX_BATCH });
  if (!Number.isInteger(length) || length < 6 || length > 16) throw new LangoError('INPUT_BAD_COUNT', { value: String(length), option: 'length', min: 6, max: 16 });
  if (!PREFIX.test(prefix)) throw new LangoError('HOTSPOT_BAD_PREFIX', { value: input.prefix ?? '' });
  if (codeSpace(length) < input.count * 1_000_000) throw new LangoError('HOTSPOT_CODES_TOO_SHORT', { length, count: input.count });
  const mode = input.passwordMode ?? 'code';
  return db.transaction((tx) => {
    const d = tx as Db;
    const plan = findPlanByName(d, input.planName);
    if (!plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: input.planName });
    if (plan.billingKind !== 'prepaid') throw new LangoError('HOTSPOT_POSTPAID_PLAN', { name: plan.name });
    const sequence = (d.select({ n: sql<number>`count(*)` }).from(voucherBatches).get()?.n ?? 0) + 1;
    const batch = d
      .insert(voucherBatches)
      .values({
        name: `B-${String(sequence).padStart(4, '0')}`,
        planId: plan.id,
        count: input.count,
        codeLength: length,
        prefix,
        passwordMode: mode,
        priceMinor: input.priceMinor ?? plan.priceMinor,
        currency: plan.currency,
        useBefore: input.useBefore ?? null,
        macLock: input.macLock ?? false,
        nasIds: input.nasIds && input.nasIds.length > 0 ? input.nasIds : null,
        seller: input.seller ?? null,
        createKey: input.key ?? null,
        createdAt: input.now,
        actor: input.actor,
      })
      .returning()
      .get();
    const codes = issueCodes(d, box, { batch, plan, count: input.count, now: input.now });
    recordAudit(d, input.actor, 'voucher.batch.create', `batch:${batch.id}`, { name: batch.name, plan: plan.name, count: input.count, priceMinor: batch.priceMinor, currency: batch.currency }, input.now);
    return { batch, codes };
  }, { behavior: 'immediate' });
}

/**
 * A batch made from a staff form at most once: the form's key, sent again (a double click, a
 * reload of the POST), finds the batch the first sending made and creates nothing, so no second
 * set of sellable codes exists. The key is a unique column of the batch; check and creation
 * share one immediate transaction.
 */
export function createBatchOnce(db: Db, box: SecretBox, input: BatchInput & { key: string }): { batch: VoucherBatch; created: boolean } {
  return db.transaction((tx) => {
    const d = tx as Db;
    const earlier = batchMadeWithKey(d, input.key);
    if (earlier) return { batch: earlier, created: false };
    return { batch: createBatch(d, box, input).batch, created: true };
  }, { behavior: 'immediate' });
}

/** The batch a staff form with this key made, if it was sent before. */
export function batchMadeWithKey(db: Db, key: string): VoucherBatch | undefined {
  return db.select().from(voucherBatches).where(eq(voucherBatches.createKey, key)).get();
}

/** Adds `count` codes to a batch inside the caller's transaction (a batch print, a purchase). */
export function issueCodes(db: Db, box: SecretBox, input: { batch: VoucherBatch; plan: Plan; count: number; now: number; phone?: string | null }): Array<{ code: string; password: string; customerId: number }> {
  const issued: Array<{ code: string; password: string; customerId: number }> = [];
  const first = (db.select({ n: sql<number>`coalesce(max(${vouchers.serial}), 0)` }).from(vouchers).where(eq(vouchers.batchId, input.batch.id)).get()?.n ?? 0) + 1;
  for (let serial = first; serial < first + input.count; ) {
    const code = generateCode(input.batch.codeLength, input.batch.prefix);
    const password = input.batch.passwordMode === 'code' ? code : input.batch.passwordMode === 'blank' ? '' : generateCode(6, '', CODE_ALPHABET);
    const customerId = addVoucherAccount(db, { username: code, passwordSealed: box.seal(password), plan: input.plan, now: input.now, phone: input.phone ?? null });
    // Taken (an existing username or code): draw again. With ≥ 10^6 codes per voucher this is rare.
    if (customerId === null) continue;
    db.insert(vouchers).values({ batchId: input.batch.id, customerId, code, serial }).run();
    issued.push({ code, password, customerId });
    serial++;
  }
  return issued;
}

export function findBatch(db: Db, idOrName: string | number): VoucherBatch | undefined {
  const where = typeof idOrName === 'number' || /^\d+$/.test(idOrName) ? eq(voucherBatches.id, Number(idOrName)) : eq(voucherBatches.name, idOrName.toUpperCase());
  return db.select().from(voucherBatches).where(where).get();
}

export interface VoucherView {
  code: string;
  serial: number;
  batch: string;
  plan: string;
  state: VoucherState;
  firstUsedAt: number | null;
  endsAt: number | null;
  lockedMac: string | null;
  bytesUsed: number;
  secondsUsed: number;
  revokeReason: string | null;
  customerId: number;
}

/**
 * stateOf in SQL, so counts and state filters run in the database instead of loading whole
 * batches. The two must agree: vouchers.test.ts checks them against each other.
 */
function stateSql(now: number): SQL<VoucherState> {
  const bytes = sql`CASE WHEN ${plans.dataCounts} = 'download' THEN coalesce(${usage.outputOctets}, 0) ELSE coalesce(${usage.inputOctets}, 0) + coalesce(${usage.outputOctets}, 0) END`;
  return sql<VoucherState>`(CASE
    WHEN ${vouchers.revokedAt} IS NOT NULL THEN 'revoked'
    WHEN ${subscriptions.periodStart} IS NULL THEN (CASE WHEN ${voucherBatches.useBefore} IS NOT NULL AND ${now} >= ${voucherBatches.useBefore} THEN 'expired' ELSE 'unused' END)
    WHEN ${subscriptions.periodEnd} IS NOT NULL AND ${now} >= ${subscriptions.periodEnd} THEN 'expired'
    WHEN (${plans.dataBytes} IS NOT NULL AND ${bytes} >= ${plans.dataBytes}) OR (${plans.timeAllowanceSeconds} IS NOT NULL AND coalesce(${usage.onlineSeconds}, 0) >= ${plans.timeAllowanceSeconds}) THEN 'exhausted'
    ELSE 'active' END)`;
}

/**
 * Codes with their state, derived from the account: unused (never logged in; expired once the
 * use-before date passes), active, exhausted (data or time used up), expired, revoked.
 */
export function listVouchers(db: Db, filter: { batchId?: number; code?: string; state?: VoucherState; /** Serials from this one on (paging a batch). */ fromSerial?: number } = {}, now = Date.now(), limit = 10_000, offset = 0): VoucherView[] {
  const rows = db
    .select({
      code: vouchers.code,
      serial: vouchers.serial,
      batch: voucherBatches.name,
      useBefore: voucherBatches.useBefore,
      plan: plans.name,
      dataBytes: plans.dataBytes,
      dataCounts: plans.dataCounts,
      timeAllowanceSeconds: plans.timeAllowanceSeconds,
      periodStart: subscriptions.periodStart,
      periodEnd: subscriptions.periodEnd,
      lockedMac: vouchers.lockedMac,
      revokedAt: vouchers.revokedAt,
      revokeReason: vouchers.revokeReason,
      customerId: vouchers.customerId,
      input: sql<number>`coalesce(${usage.inputOctets}, 0)`,
      output: sql<number>`coalesce(${usage.outputOctets}, 0)`,
      seconds: sql<number>`coalesce(${usage.onlineSeconds}, 0)`,
    })
    .from(vouchers)
    .innerJoin(voucherBatches, eq(voucherBatches.id, vouchers.batchId))
    .innerJoin(subscriptions, eq(subscriptions.customerId, vouchers.customerId))
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .leftJoin(usage, and(eq(usage.customerId, vouchers.customerId), eq(usage.periodStart, subscriptions.periodStart)))
    .where(
      and(
        filter.batchId !== undefined ? eq(vouchers.batchId, filter.batchId) : undefined,
        filter.code !== undefined ? eq(vouchers.code, filter.code.trim().toUpperCase()) : undefined,
        filter.fromSerial !== undefined ? gte(vouchers.serial, filter.fromSerial) : undefined,
        // In SQL, before the limit: a state filter pages what matches, not what the limit let through.
        filter.state !== undefined ? sql`${stateSql(now)} = ${filter.state}` : undefined,
      ),
    )
    .orderBy(asc(vouchers.batchId), asc(vouchers.serial))
    .limit(limit)
    .offset(offset)
    .all();
  return rows.map((r): VoucherView => {
    const bytes = r.dataCounts === 'download' ? r.output : r.input + r.output;
    return { code: r.code, serial: r.serial, batch: r.batch, plan: r.plan, state: stateOf(r, bytes, now), firstUsedAt: r.periodStart, endsAt: r.periodEnd, lockedMac: r.lockedMac, bytesUsed: bytes, secondsUsed: r.seconds, revokeReason: r.revokeReason, customerId: r.customerId };
  });
}

function stateOf(r: { revokedAt: number | null; periodStart: number | null; periodEnd: number | null; useBefore: number | null; dataBytes: number | null; timeAllowanceSeconds: number | null; seconds: number }, bytes: number, now: number): VoucherState {
  return r.revokedAt !== null ? 'revoked'
    : r.periodStart === null ? (r.useBefore !== null && now >= r.useBefore ? 'expired' : 'unused')
    : r.periodEnd !== null && now >= r.periodEnd ? 'expired'
    : (r.dataBytes !== null && bytes >= r.dataBytes) || (r.timeAllowanceSeconds !== null && r.seconds >= r.timeAllowanceSeconds) ? 'exhausted'
    : 'active';
}

/** Cancels codes (one, or every unused one of a batch), with a reason, audit-logged; live sessions are the caller's to end. */
export function revokeVouchers(db: Db, input: { codes?: string[]; batchId?: number; /** Only codes never logged in with (lost cards); codes in use keep working. */ unusedOnly?: boolean; reason: string; actor: string; now: number }): { revoked: number; customerIds: number[] } {
  if (input.reason.trim().length < 3) throw new LangoError('INPUT_REASON_REQUIRED');
  return db.transaction((tx) => {
    const d = tx as Db;
    const targets = d
      .select({ id: vouchers.id, customerId: vouchers.customerId, code: vouchers.code })
      .from(vouchers)
      .where(and(sql`${vouchers.revokedAt} IS NULL`, input.codes ? inArray(vouchers.code, input.codes.map((c) => c.trim().toUpperCase())) : undefined, input.batchId !== undefined ? eq(vouchers.batchId, input.batchId) : undefined, input.unusedOnly ? inArray(vouchers.customerId, d.select({ id: subscriptions.customerId }).from(subscriptions).where(isNull(subscriptions.periodStart))) : undefined))
      .all();
    if (input.codes && targets.length === 0) throw new LangoError('HOTSPOT_UNKNOWN_VOUCHER', { code: input.codes.join(', ') });
    for (const t of targets) {
      d.update(vouchers).set({ revokedAt: input.now, revokedBy: input.actor, revokeReason: input.reason }).where(eq(vouchers.id, t.id)).run();
      closeVoucherAccount(d, t.customerId, input.now);
    }
    recordAudit(d, input.actor, 'voucher.revoke', input.batchId !== undefined ? `batch:${input.batchId}` : `voucher:${targets.map((t) => t.code).join(',')}`, { count: targets.length, reason: input.reason, ...(input.unusedOnly && { unusedOnly: true }) }, input.now);
    return { revoked: targets.length, customerIds: targets.map((t) => t.customerId) };
  }, { behavior: 'immediate' });
}

export interface BatchReport {
  batch: VoucherBatch;
  plan: string;
  counts: Record<VoucherState, number>;
  /** Codes logged in with at least once. */
  used: number;
  /** Codes used at least once, at the batch price: what the batch has earned if every used card was sold. */
  soldMinor: number;
  price: string;
}

/** Sales per batch (and so per seller): how many codes are unused, active, used up, expired or revoked. */
export function batchReports(db: Db, now = Date.now()): BatchReport[] {
  const batches = db.select({ batch: voucherBatches, plan: plans.name }).from(voucherBatches).innerJoin(plans, eq(plans.id, voucherBatches.planId)).orderBy(asc(voucherBatches.id)).all();
  return reportsOf(db, batches, now, 'all');
}

/** Customer ids of a batch's accounts (for closing live sessions after a revoke). */
export function batchCustomerIds(db: Db, batchId: number): number[] {
  return db.select({ id: customers.id }).from(customers).innerJoin(vouchers, eq(vouchers.customerId, customers.id)).where(eq(vouchers.batchId, batchId)).all().map((r) => r.id);
}

/**
 * One voucher sold on the spot (the captive portal's "buy", an agent's token): drawn from the
 * seller's running batch for the plan (made on first sale), with the buyer's phone on its
 * account so the credentials SMS reaches them. The password is the code, so the SMS can carry
 * it without the key file. Runs in the caller's transaction.
 */
export function sellVoucher(db: Db, box: SecretBox, input: { plan: Plan; phone: string | null; seller: string; now: number; actor: string }): { code: string; password: string; customerId: number; batch: VoucherBatch } {
  // Readable, and unique per seller: two agents whose names share their first letters must not share a batch.
  const tag = createHash('sha256').update(input.seller).digest('hex').slice(0, 6).toUpperCase();
  const name = `${input.seller.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 12) || 'SALES'}-${tag}-${input.plan.id}`;
  let batch = db.select().from(voucherBatches).where(eq(voucherBatches.name, name)).get();
  batch ??= db
    .insert(voucherBatches)
    .values({ name, planId: input.plan.id, count: 0, codeLength: 8, prefix: '', passwordMode: 'code', priceMinor: input.plan.priceMinor, currency: input.plan.currency, seller: input.seller, createdAt: input.now, actor: input.actor })
    .returning()
    .get();
  const [sold] = issueCodes(db, box, { batch, plan: input.plan, count: 1, now: input.now, phone: input.phone });
  db.update(voucherBatches).set({ count: sql`${voucherBatches.count} + 1` }).where(eq(voucherBatches.id, batch.id)).run();
  return { ...sold!, batch };
}

/** Vouchers sold to this phone (E.164, kept on the voucher's account), newest first, at most `limit`. */
export function vouchersSoldTo(db: Db, phone: string, limit: number): Array<{ customerId: number; code: string }> {
  return db.select({ customerId: vouchers.customerId, code: vouchers.code }).from(vouchers).innerJoin(customers, eq(customers.id, vouchers.customerId)).where(eq(customers.phone, phone)).orderBy(desc(vouchers.id)).limit(limit).all();
}

/** Vouchers locked to this device (AA:BB:CC:DD:EE:FF), newest first, at most `limit`. */
export function vouchersLockedTo(db: Db, mac: string, limit: number): Array<{ customerId: number; code: string }> {
  return db.select({ customerId: vouchers.customerId, code: vouchers.code }).from(vouchers).where(eq(vouchers.lockedMac, mac)).orderBy(desc(vouchers.id)).limit(limit).all();
}

/** The code of the voucher whose account this is; undefined for a customer's account. */
export function voucherCodeOf(db: Db, customerId: number): string | undefined {
  return db.select({ code: vouchers.code }).from(vouchers).where(eq(vouchers.customerId, customerId)).get()?.code;
}

/**
 * A voucher sold and paid in one go (the portal's purchase, an agent's token): the code sold to
 * the buyer's phone, the money received on its account, the plan invoiced from it, and the
 * credentials SMS queued. One path for every way a voucher is bought, in the caller's transaction.
 */
export function sellPaidVoucher(
  db: Db,
  box: SecretBox,
  input: { plan: Plan; phone: string | null; seller: string; actor: string; method: string; /** The payment's reference, which may name the code sold. */ reference: (code: string) => string; amountMinor: number; saleKey: string; now: number; zone: string },
): { code: string; customerId: number; paymentId: number; receiptNumber: string } {
  const voucher = sellVoucher(db, box, { plan: input.plan, phone: input.phone, seller: input.seller, now: input.now, actor: input.actor });
  const { payment } = recordPayment(db, { customerId: voucher.customerId, method: input.method, reference: input.reference(voucher.code), amountMinor: input.amountMinor, currency: input.plan.currency, receivedAt: input.now, actor: input.actor, zone: input.zone });
  chargePlanFromWallet(db, voucher.customerId, input.plan.id, input.now, input.zone, input.actor, `sale:${input.saleKey}`);
  notify(db, voucher.customerId, 'credentials', input.now, `voucher:${voucher.code}:code`);
  return { code: voucher.code, customerId: voucher.customerId, paymentId: payment.id, receiptNumber: payment.receiptNumber };
}

/** One batch's report (what `batchReports` gives for every batch). */
export function batchReport(db: Db, batchId: number, now = Date.now()): BatchReport | undefined {
  const row = db.select({ batch: voucherBatches, plan: plans.name }).from(voucherBatches).innerJoin(plans, eq(plans.id, voucherBatches.planId)).where(eq(voucherBatches.id, batchId)).get();
  return row && reportsOf(db, [row], now)[0];
}

/** Batch reports one page at a time, newest batch first (the staff screen's list). */
export function batchReportPage(db: Db, page: { limit: number; offset: number }, now = Date.now()): BatchReport[] {
  const batches = db.select({ batch: voucherBatches, plan: plans.name }).from(voucherBatches).innerJoin(plans, eq(plans.id, voucherBatches.planId)).orderBy(desc(voucherBatches.id)).limit(page.limit).offset(page.offset).all();
  return reportsOf(db, batches, now);
}

/**
 * Reports for these batches from one GROUP BY over their codes (by batch id, through the
 * vouchers_batch index): the database counts, rather than every code being loaded to be counted.
 * `all` counts every batch's codes without naming them (the CLI's report of every batch).
 */
function reportsOf(db: Db, batches: Array<{ batch: VoucherBatch; plan: string }>, now: number, scope: 'listed' | 'all' = 'listed'): BatchReport[] {
  const tallies = new Map<number, { counts: Record<VoucherState, number>; used: number }>();
  const ids = batches.map((b) => b.batch.id);
  if (ids.length > 0) {
    // Grouped by its name: PostgreSQL would not take the expression written out again in GROUP
    // BY as the selected one (each copy binds its own parameters).
    const state = stateSql(now).as('voucher_state');
    // The same joins as listVouchers: stateSql reads the batch, account, plan and usage.
    const rows = db
      .select({ batchId: vouchers.batchId, state, codes: sql<number>`count(*)`, used: sql<number>`count(${subscriptions.periodStart})` })
      .from(vouchers)
      .innerJoin(voucherBatches, eq(voucherBatches.id, vouchers.batchId))
      .innerJoin(subscriptions, eq(subscriptions.customerId, vouchers.customerId))
      .innerJoin(plans, eq(plans.id, subscriptions.planId))
      .leftJoin(usage, and(eq(usage.customerId, vouchers.customerId), eq(usage.periodStart, subscriptions.periodStart)))
      .where(scope === 'all' ? undefined : inArray(vouchers.batchId, ids))
      .groupBy(vouchers.batchId, sql`${state}`)
      .all();
    for (const row of rows) {
      let tally = tallies.get(row.batchId);
      if (!tally) tallies.set(row.batchId, (tally = { counts: { unused: 0, active: 0, exhausted: 0, expired: 0, revoked: 0 }, used: 0 }));
      tally.counts[row.state] += row.codes;
      tally.used += row.used;
    }
  }
  return batches.map(({ batch, plan }) => {
    const { counts, used } = tallies.get(batch.id) ?? { counts: { unused: 0, active: 0, exhausted: 0, expired: 0, revoked: 0 }, used: 0 };
    return { batch, plan, counts, used, soldMinor: used * batch.priceMinor, price: formatMoney(batch.priceMinor, batch.currency as Currency) };
  });
}

/**
 * A page of a batch's codes, by serial, of one state or any. The state filter runs in SQL with
 * the page's LIMIT/OFFSET, walking the batch's codes in serial order through vouchers_batch.
 */
export function voucherPage(db: Db, batchId: number, state: VoucherState | undefined, page: { limit: number; offset: number }, now = Date.now()): VoucherView[] {
  if (state === undefined) return listVouchersFrom(db, batchId, now, page);
  return listVouchers(db, { batchId, state }, now, page.limit, page.offset);
}

// Without a filter, the page's first serial comes from the index alone, so the joins run for the page's codes only.
function listVouchersFrom(db: Db, batchId: number, now: number, page: { limit: number; offset: number }): VoucherView[] {
  const first = db.select({ serial: vouchers.serial }).from(vouchers).where(eq(vouchers.batchId, batchId)).orderBy(asc(vouchers.serial)).limit(1).offset(page.offset).get();
  if (!first) return [];
  return listVouchers(db, { batchId, fromSerial: first.serial }, now, page.limit);
}

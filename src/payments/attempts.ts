import { and, desc, eq, gte, inArray, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import type { Currency } from '../db/schema/billing.js';
import { paymentAttempts, type AttemptPurpose, type AttemptStatus, type SettledVia } from '../db/schema/payments.js';

export type Attempt = typeof paymentAttempts.$inferSelect;

/** Statuses an outcome may still move an attempt out of: the only way an attempt closes once. */
export const OPEN: AttemptStatus[] = ['pending', 'unknown'];

export function createAttempt(
  db: Db,
  input: { key: string; provider: string; purpose: AttemptPurpose; customerId: number | null; invoiceNumber?: string | null; planId?: number | null; amountMinor: number; currency: Currency; phone: string | null; accountReference?: string | null; actor: string; now: number },
): Attempt {
  return db
    .insert(paymentAttempts)
    .values({ ...input, invoiceNumber: input.invoiceNumber ?? null, planId: input.planId ?? null, accountReference: input.accountReference ?? null, status: 'pending', createdAt: input.now, updatedAt: input.now })
    .returning()
    .get();
}

export function findAttempt(db: Db, id: number): Attempt | undefined {
  return db.select().from(paymentAttempts).where(eq(paymentAttempts.id, id)).get();
}

/**
 * An attempt only if it is this customer's: the portal's status page shows nothing else, and
 * another customer's id reads the same as one that does not exist.
 */
export function findAttemptOfCustomer(db: Db, id: number, customerId: number): Attempt | undefined {
  return db.select().from(paymentAttempts).where(and(eq(paymentAttempts.id, id), eq(paymentAttempts.customerId, customerId))).get();
}

export function findAttemptByKey(db: Db, key: string): Attempt | undefined {
  return db.select().from(paymentAttempts).where(eq(paymentAttempts.key, key)).get();
}

export function findAttemptByProviderRef(db: Db, provider: string, providerRef: string): Attempt | undefined {
  return db.select().from(paymentAttempts).where(and(eq(paymentAttempts.provider, provider), eq(paymentAttempts.providerRef, providerRef))).get();
}

export function findAttemptByReceipt(db: Db, provider: string, receipt: string): Attempt | undefined {
  return db.select().from(paymentAttempts).where(and(eq(paymentAttempts.provider, provider), eq(paymentAttempts.receipt, receipt))).get();
}

/**
 * The same request still open from a moment ago (a second tap on "Pay"): returned instead of
 * pushing a second prompt, which would also trip M-Pesa's "same amount within 2 minutes" rule.
 */
export function findOpenTwin(db: Db, input: { provider: string; customerId: number; amountMinor: number; purpose: AttemptPurpose; invoiceNumber: string | null }, since: number): Attempt | undefined {
  return db
    .select()
    .from(paymentAttempts)
    .where(
      and(
        eq(paymentAttempts.provider, input.provider),
        eq(paymentAttempts.customerId, input.customerId),
        eq(paymentAttempts.amountMinor, input.amountMinor),
        eq(paymentAttempts.purpose, input.purpose),
        input.invoiceNumber === null ? isNull(paymentAttempts.invoiceNumber) : eq(paymentAttempts.invoiceNumber, input.invoiceNumber),
        inArray(paymentAttempts.status, OPEN),
        gte(paymentAttempts.createdAt, since),
      ),
    )
    .orderBy(desc(paymentAttempts.id))
    .get();
}

/**
 * The request a paybill confirmation may belong to: same provider, amount and account (compared
 * the way the provider sees it: upper case letters and digits, at most 12), asked within the
 * window, and either still open or settled by a query without its receipt. Only a single
 * candidate counts.
 */
export function findStkTwin(db: Db, input: { provider: string; accountReference: string; amountMinor: number; since: number }): Attempt | undefined {
  const wanted = comparableReference(input.accountReference);
  if (!wanted) return undefined;
  const candidates = db
    .select()
    .from(paymentAttempts)
    .where(
      and(
        eq(paymentAttempts.provider, input.provider),
        eq(paymentAttempts.amountMinor, input.amountMinor),
        gte(paymentAttempts.createdAt, input.since),
        inArray(paymentAttempts.purpose, ['wallet', 'invoice', 'hotspot']),
        or(inArray(paymentAttempts.status, OPEN), and(eq(paymentAttempts.status, 'succeeded'), isNull(paymentAttempts.receipt))),
      ),
    )
    .all()
    .filter((a) => a.accountReference !== null && comparableReference(a.accountReference) === wanted);
  return candidates.length === 1 ? candidates[0] : undefined;
}

function comparableReference(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 12);
}

/** The same purchase (plan, phone) still open from a moment ago: a second tap returns it. */
export function findOpenPurchase(db: Db, input: { provider: string; planId: number; phone: string }, since: number): Attempt | undefined {
  return db
    .select()
    .from(paymentAttempts)
    .where(and(eq(paymentAttempts.provider, input.provider), eq(paymentAttempts.purpose, 'hotspot'), eq(paymentAttempts.planId, input.planId), eq(paymentAttempts.phone, input.phone), inArray(paymentAttempts.status, OPEN), gte(paymentAttempts.createdAt, since)))
    .orderBy(desc(paymentAttempts.id))
    .get();
}

/**
 * An attempt the provider never acknowledged clearly (initiation timed out, so no reference):
 * a callback that names a reference Lango never saw may belong to it. Matched on phone and
 * amount within the window, and only when exactly one fits.
 */
export function findUnacknowledged(db: Db, provider: string, phone: string, amountMinor: number, since: number): Attempt | undefined {
  const rows = db
    .select()
    .from(paymentAttempts)
    .where(and(eq(paymentAttempts.provider, provider), eq(paymentAttempts.status, 'unknown'), isNull(paymentAttempts.providerRef), eq(paymentAttempts.phone, phone), eq(paymentAttempts.amountMinor, amountMinor), gte(paymentAttempts.createdAt, since)))
    .limit(2)
    .all();
  return rows.length === 1 ? rows[0] : undefined;
}

export function recordProviderRef(db: Db, id: number, providerRef: string, nextQueryAt: number | null, now: number): void {
  db.update(paymentAttempts).set({ providerRef, nextQueryAt, updatedAt: now }).where(eq(paymentAttempts.id, id)).run();
}

/** Initiation got no clear answer: the provider may have the request. Kept open, asked about later if it can be. */
export function markUnknown(db: Db, id: number, description: string, providerRef: string | null, nextQueryAt: number | null, now: number): void {
  db.update(paymentAttempts)
    .set({ status: 'unknown', resultDesc: description, providerRef, nextQueryAt, updatedAt: now })
    .where(and(eq(paymentAttempts.id, id), inArray(paymentAttempts.status, OPEN)))
    .run();
}

/**
 * Moves an open attempt to its final status; false when it was already closed (a duplicate
 * callback, a query racing a callback): the caller then does nothing more.
 */
export function closeAttempt(
  db: Db,
  id: number,
  fields: { status: Exclude<AttemptStatus, 'pending' | 'unknown'>; settledVia: SettledVia; code: string | null; description: string | null; receipt?: string | null; reviewReason?: string | null; paymentId?: number | null; now: number },
): boolean {
  return (
    db
      .update(paymentAttempts)
      .set({
        status: fields.status,
        settledVia: fields.settledVia,
        resultCode: fields.code,
        resultDesc: fields.description,
        receipt: fields.receipt ?? null,
        reviewReason: fields.reviewReason ?? null,
        paymentId: fields.paymentId ?? null,
        finishedAt: fields.now,
        updatedAt: fields.now,
        nextQueryAt: null,
      })
      .where(and(eq(paymentAttempts.id, id), inArray(paymentAttempts.status, OPEN)))
      .run().changes === 1
  );
}

/** Fields that may change on a closed attempt: a receipt learnt later, a review flag, the payment staff approved. */
export function annotateAttempt(db: Db, id: number, fields: { receipt?: string | null; reviewReason?: string | null; paymentId?: number | null; reviewedAt?: number | null; reviewedBy?: string | null; customerId?: number | null }, now: number): void {
  db.update(paymentAttempts).set({ ...fields, updatedAt: now }).where(eq(paymentAttempts.id, id)).run();
}

/** An attempt whose initiation was in doubt is now known to be with the provider. */
export function markAcknowledged(db: Db, id: number, nextQueryAt: number, now: number): void {
  db.update(paymentAttempts)
    .set({ status: 'pending', nextQueryAt, updatedAt: now })
    .where(and(eq(paymentAttempts.id, id), eq(paymentAttempts.status, 'unknown')))
    .run();
}

export function scheduleQuery(db: Db, id: number, nextQueryAt: number | null, now: number): void {
  db.update(paymentAttempts)
    .set({ nextQueryAt, updatedAt: now })
    .where(eq(paymentAttempts.id, id))
    .run();
}

/**
 * Staff ask for a pending attempt's status query now (the "Why?" screen): its next query moves
 * to `now`, for the reconcile worker's next pass. Only an open attempt that is to be asked at
 * all; false otherwise (closed meanwhile, or nothing the provider can be asked about).
 */
export function queryAttemptNow(db: Db, id: number, now: number): boolean {
  return (
    db
      .update(paymentAttempts)
      .set({ nextQueryAt: now, updatedAt: now })
      .where(and(eq(paymentAttempts.id, id), inArray(paymentAttempts.status, OPEN), isNotNull(paymentAttempts.nextQueryAt)))
      .run().changes === 1
  );
}

/** Attempts carrying this provider receipt (M-Pesa receipt, MoMo transaction id), with any of `providers`. */
export function findAttemptsByReceipt(db: Db, receipt: string, providers: readonly string[]): Attempt[] {
  if (providers.length === 0) return [];
  return db
    .select()
    .from(paymentAttempts)
    .where(and(inArray(paymentAttempts.provider, [...providers]), eq(paymentAttempts.receipt, receipt)))
    .limit(providers.length)
    .all();
}

/**
 * The newest attempts paid, or asked to be paid, from this phone (E.164), at most `limit`: the
 * "Why?" search by phone, which also finds purchases that have no account yet
 * (index payment_attempts_by_phone).
 */
export function attemptsFromPhone(db: Db, phone: string, limit: number): Attempt[] {
  return db.select().from(paymentAttempts).where(eq(paymentAttempts.phone, phone)).orderBy(desc(paymentAttempts.id)).limit(limit).all();
}

export function countQuery(db: Db, id: number, nextQueryAt: number | null, now: number): void {
  const row = findAttempt(db, id);
  if (!row) return;
  db.update(paymentAttempts).set({ queries: row.queries + 1, nextQueryAt, updatedAt: now }).where(eq(paymentAttempts.id, id)).run();
}

/**
 * Takes an attempt for one status query (and, for a lost initiation, one resend) by this node:
 * its next query moves to `leaseUntil`, only if no other node moved it since `due` was read.
 * Nodes sharing a database thus never ask a provider twice at once, nor push two prompts to a
 * phone; a node that dies mid-query leaves the attempt to be asked again at `leaseUntil`.
 */
export function claimQuery(db: Db, due: { id: number; nextQueryAt: number | null }, leaseUntil: number): boolean {
  if (due.nextQueryAt === null) return false;
  return (
    db
      .update(paymentAttempts)
      .set({ nextQueryAt: leaseUntil })
      .where(and(eq(paymentAttempts.id, due.id), eq(paymentAttempts.nextQueryAt, due.nextQueryAt), inArray(paymentAttempts.status, OPEN)))
      .run().changes === 1
  );
}

/** Open attempts the reconciliation job should ask the provider about now. */
export function attemptsDueForQuery(db: Db, now: number, limit: number): Attempt[] {
  return db
    .select()
    .from(paymentAttempts)
    .where(and(inArray(paymentAttempts.status, OPEN), isNotNull(paymentAttempts.nextQueryAt), lte(paymentAttempts.nextQueryAt, now)))
    .orderBy(paymentAttempts.nextQueryAt)
    .limit(limit)
    .all();
}

/** Open attempts nobody can ask about (no provider reference): given up on after the provider's limit. */
/**
 * For the start-up report after an unclean stop: attempts still waiting for the provider's
 * answer; `toQuery` of them have a status query scheduled, which the reconcile worker makes.
 */
export function countWaitingAttempts(db: Db): { waiting: number; toQuery: number } {
  const row = db
    .select({ waiting: sql<number>`count(*)`, toQuery: sql<number>`count(${paymentAttempts.nextQueryAt})` })
    .from(paymentAttempts)
    .where(inArray(paymentAttempts.status, OPEN))
    .get();
  return { waiting: row?.waiting ?? 0, toQuery: row?.toQuery ?? 0 };
}

export function unaskableOpenAttempts(db: Db, createdBefore: number): Attempt[] {
  return db
    .select()
    .from(paymentAttempts)
    .where(and(inArray(paymentAttempts.status, OPEN), isNull(paymentAttempts.nextQueryAt), lte(paymentAttempts.createdAt, createdBefore)))
    .all();
}

export interface AttemptFilter {
  customerId?: number;
  status?: AttemptStatus;
  provider?: string;
  /** Only those waiting for a person (flagged, not yet reviewed). */
  review?: boolean;
}

export function listAttempts(db: Db, filter: AttemptFilter = {}, limit = 200): Attempt[] {
  const where: SQL[] = [];
  if (filter.customerId !== undefined) where.push(eq(paymentAttempts.customerId, filter.customerId));
  if (filter.status) where.push(eq(paymentAttempts.status, filter.status));
  if (filter.provider) where.push(eq(paymentAttempts.provider, filter.provider));
  if (filter.review) where.push(and(isNotNull(paymentAttempts.reviewReason), isNull(paymentAttempts.reviewedAt))!);
  return db
    .select()
    .from(paymentAttempts)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(paymentAttempts.id))
    .limit(limit)
    .all();
}


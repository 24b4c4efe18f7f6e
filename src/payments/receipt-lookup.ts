import { randomUUID } from 'node:crypto';
import { and, desc, eq, gte, inArray, lt, or } from 'drizzle-orm';
import { normalisePhone, notify } from '../billing/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { paymentAttempts, receiptLookups, type ReceiptLookupStatus } from '../db/schema/payments.js';
import { voucherCodeOf } from '../hotspot/index.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { attemptsFromPhone, claimQuery, countQuery, findAttempt, findAttemptByReceipt, findAttemptsByReceipt, OPEN, type Attempt } from './attempts.js';
import { processCallback } from './callbacks.js';
import { unprocessedCallbacksWithKeys } from './inbox.js';
import type { CallbackMeaning, PaymentProvider, ProviderOutcome } from './provider.js';
import { providerModules } from './providers/index.js';
import { settleAttempt, type Settlement } from './settle.js';
import { callbackUrl } from './tokens.js';

// "I paid but I'm not online": a customer types the receipt code from their payment SMS, or
// the phone number they paid with, and Lango finds the payment. A receipt Lango already holds
// answers at once; one it does not is asked of the provider (Daraja's Transaction Status), whose
// answer settles the open request it belongs to through the one settle path, exactly once. A
// phone number makes Lango ask the provider now about that phone's open requests, instead of
// waiting for the reconciler's back-off.
//
// What a finding may reveal: a receipt is known only to whoever paid, so it shows the voucher
// that payment bought; anyone can type a phone number, so that path never shows a code (the
// credentials SMS goes again to that phone) and never names an account.

export type ReceiptFinding =
  /** A hotspot purchase paid and sold: the voucher's account and code. */
  | { kind: 'voucher'; customerId: number; code: string }
  /** Credited to an account: `reference` is what the payer typed as account (paybill), null for a prompt Lango sent. */
  | { kind: 'account'; customerId: number; reference: string | null; amountMinor: number; currency: string; at: number }
  /** A paybill payment to an account nobody has: held in suspense. */
  | { kind: 'suspense'; reference: string }
  /** Money reported but held for a person to check (amount or phone mismatch, success after Lango gave up). */
  | { kind: 'review' }
  /** Still with the provider. */
  | { kind: 'waiting' }
  /** The provider is being asked; the page polls `key`. */
  | { kind: 'asking'; key: string }
  /** The request did not complete. */
  | { kind: 'not-paid'; status: 'cancelled' | 'expired' | 'failed'; code: string | null }
  /** The provider confirms the payment, but no request of ours fits it. */
  | { kind: 'unmatched' }
  /** Nothing known by that code. */
  | { kind: 'unknown' }
  /** The code cannot be looked up here (no provider can): the phone number can. */
  | { kind: 'ask-phone' }
  /** The provider gave no answer (refused, timed out): try again later. */
  | { kind: 'unavailable' }
  /** Phone path: the paid voucher's credentials SMS was queued again to that phone. */
  | { kind: 'sms-sent'; phoneEnd: string }
  /** Phone path: no request from that phone in the window. */
  | { kind: 'no-payment' };

export type ReceiptLookup = typeof receiptLookups.$inferSelect;

/** How far back a phone's requests, and a receipt's candidate requests, are looked for. */
export const LOOKBACK_MS = 24 * 3_600_000;
/** How long a lookup waits for the provider's answer before the page says "try again in a minute". */
export const LOOKUP_PATIENCE_MS = 90_000;
/** An answer about the same receipt this recent is reused instead of asking the provider again. */
const REUSE_MS = 10 * 60_000;
/** Lookups are evidence for a week, then deleted (they hold the asking device's MAC). */
const KEEP_MS = 7 * 24 * 3_600_000;
/** Open requests one phone check asks the provider about, at most. */
const PHONE_QUERIES = 3;
/** The claim a phone check takes on a request it asks about (the reconciler's is the same). */
const QUERY_CLAIM_MS = 120_000;
/** A re-sent credentials SMS at most once per voucher in this window. */
const RESEND_WINDOW_MS = 10 * 60_000;
const QUERY_BACKOFF_MS = 60_000;

/** The customer's view of one attempt. */
export function findingOfAttempt(db: Db, attempt: Attempt): ReceiptFinding {
  if (OPEN.includes(attempt.status)) return { kind: 'waiting' };
  if (attempt.status !== 'succeeded') {
    // A success reported after Lango gave up is money a person must look at, not a failure.
    if (attempt.reviewReason !== null && attempt.reviewReason.startsWith('late-success')) return { kind: 'review' };
    return { kind: 'not-paid', status: attempt.status === 'cancelled' ? 'cancelled' : attempt.status === 'expired' ? 'expired' : 'failed', code: attempt.resultCode };
  }
  if (attempt.purpose === 'hotspot') {
    const code = attempt.customerId === null ? undefined : voucherCodeOf(db, attempt.customerId);
    return code && attempt.customerId !== null ? { kind: 'voucher', customerId: attempt.customerId, code } : { kind: 'review' };
  }
  if (attempt.purpose === 'unsolicited') {
    const reference = attempt.accountReference ?? '';
    if (attempt.customerId === null) return { kind: 'suspense', reference };
    return { kind: 'account', customerId: attempt.customerId, reference, amountMinor: attempt.amountMinor, currency: attempt.currency, at: attempt.finishedAt ?? attempt.updatedAt };
  }
  if (attempt.paymentId === null || attempt.customerId === null) return { kind: 'review' };
  return { kind: 'account', customerId: attempt.customerId, reference: null, amountMinor: attempt.amountMinor, currency: attempt.currency, at: attempt.finishedAt ?? attempt.updatedAt };
}

/** A receipt code as typed → Lango's spelling (upper case, no spaces), or undefined when it cannot be one. */
export function normaliseReceipt(text: string): string | undefined {
  const code = text.replace(/\s+/g, '').toUpperCase();
  return /^[A-Z0-9]{6,20}$/.test(code) ? code : undefined;
}

/** M-Pesa receipts are ten letters and digits (payments.md §1.4); Daraja is not asked about anything else. */
function looksLikeMpesaReceipt(code: string): boolean {
  return /^[A-Z0-9]{10}$/.test(code) && /[A-Z]/.test(code);
}

/** The attempt that holds this receipt, whichever provider took it. */
function attemptWithReceipt(db: Db, receipt: string): Attempt | undefined {
  return findAttemptsByReceipt(db, receipt, Object.keys(providerModules))[0];
}

export interface ReceiptLookupDeps {
  db: Db;
  box: SecretBox;
  /** The operator's zone (invoice dates of a voucher sold by a settlement). */
  zone: string;
  /** Providers that are set up (one that fails to load is left out). */
  providers(): readonly PaymentProvider[];
}

/**
 * A receipt code: the attempt that holds it, a recent answer about it, or a question to the
 * provider (the lookup row is written before the provider is called, like an attempt).
 */
export async function findByReceipt(deps: ReceiptLookupDeps, input: { receipt: string; mac: string | null; now: number; signal?: AbortSignal }): Promise<ReceiptFinding> {
  const { db, box } = deps;
  const { receipt, now } = input;
  const held = attemptWithReceipt(db, receipt);
  if (held) return findingOfAttempt(db, held);

  const recent = db
    .select()
    .from(receiptLookups)
    .where(and(eq(receiptLookups.receipt, receipt), gte(receiptLookups.createdAt, now - REUSE_MS)))
    .orderBy(desc(receiptLookups.createdAt))
    .limit(1)
    .get();
  // A provider's answer holds for a while; an open question is followed, not asked twice, while
  // its answer may still come (past that, the provider is asked again).
  if (recent && recent.status !== 'failed') {
    if (recent.status !== 'asking') return findingOfLookup(db, recent, now);
    if ((recent.conversationId !== null || recent.originatorConversationId !== null) && now - recent.createdAt < LOOKUP_PATIENCE_MS) return { kind: 'asking', key: shareLookup(db, recent, input.mac, now) };
  }

  const provider = deps.providers().find((p) => p.lookupReceipt && p.receiptLookupPaths);
  if (!provider?.lookupReceipt || !provider.receiptLookupPaths) return { kind: 'ask-phone' };
  // Only codes the provider could have issued are worth a question (and a guess costs nothing).
  if (provider.name === 'mpesa' && !looksLikeMpesaReceipt(receipt)) return { kind: 'unknown' };

  let urls: { result: string; timeout: string };
  try {
    urls = { result: callbackUrl(db, box, provider, provider.receiptLookupPaths.result), timeout: callbackUrl(db, box, provider, provider.receiptLookupPaths.timeout) };
  } catch (err) {
    // No public address for the answer to come back to: the phone number's status query needs none.
    if (err instanceof LangoError) return { kind: 'ask-phone' };
    throw err;
  }
  const row = db.insert(receiptLookups).values({ key: randomUUID(), provider: provider.name, receipt, mac: input.mac, status: 'asking', createdAt: now }).returning().get();
  const ack = await provider.lookupReceipt(receipt, urls, input.signal);
  if (ack.kind !== 'accepted') {
    answerLookups(db, [row.id], { status: 'failed', code: ack.kind, description: ack.description, attemptId: null }, Date.now());
    // Refused: Lango's credentials for lookups do not work, so the phone number is the way; unknown: try again.
    return ack.kind === 'refused' ? { kind: 'ask-phone' } : { kind: 'unavailable' };
  }
  db.update(receiptLookups).set({ conversationId: ack.conversationId, originatorConversationId: ack.originatorConversationId }).where(eq(receiptLookups.id, row.id)).run();
  answerEarlyResults(deps, provider, ack, Date.now());
  return { kind: 'asking', key: row.key };
}

/** Lookups older than a week go (they hold the asking device's MAC): the daemon's housekeeping. */
export function pruneReceiptLookups(db: Db, now: number): number {
  return db.delete(receiptLookups).where(lt(receiptLookups.createdAt, now - KEEP_MS)).run().changes;
}

/** A second device (or a second tap) asking about a receipt already asked: its own key on the same question. */
function shareLookup(db: Db, asked: ReceiptLookup, mac: string | null, now: number): string {
  const key = randomUUID();
  db.insert(receiptLookups)
    .values({ key, provider: asked.provider, receipt: asked.receipt, mac, status: 'asking', conversationId: asked.conversationId, originatorConversationId: asked.originatorConversationId, createdAt: now })
    .run();
  return key;
}

/**
 * The provider may answer before its acknowledgement is recorded (the answer is a separate
 * POST): such an answer was stored and left for its question, which exists now, so it is acted on.
 */
function answerEarlyResults(deps: ReceiptLookupDeps, provider: PaymentProvider, ids: { conversationId: string | null; originatorConversationId: string | null }, now: number): void {
  const wanted = [ids.conversationId, ids.originatorConversationId].filter((id): id is string => id !== null);
  for (const row of unprocessedCallbacksWithKeys(deps.db, provider.name, wanted)) {
    const route = provider.callbacks.find((r) => r.route === row.route);
    if (!route) continue;
    try {
      processCallback(deps.db, provider, row, route.parse(JSON.parse(row.body)), now, deps.zone, deps.box);
    } catch {
      // Left unprocessed: the reconciler's pass over stored callbacks tries it again and logs why.
    }
  }
}

/** A lookup the page polls by its key, with the device that asked; undefined for an unknown key. */
export function followLookup(db: Db, key: string, now: number): { finding: ReceiptFinding; mac: string | null } | undefined {
  const row = db.select().from(receiptLookups).where(eq(receiptLookups.key, key)).get();
  return row && { finding: findingOfLookup(db, row, now), mac: row.mac };
}

function findingOfLookup(db: Db, row: ReceiptLookup, now: number): ReceiptFinding {
  switch (row.status) {
    case 'asking':
      return now - row.createdAt > LOOKUP_PATIENCE_MS ? { kind: 'waiting' } : { kind: 'asking', key: row.key };
    case 'found': {
      const attempt = row.attemptId === null ? undefined : findAttempt(db, row.attemptId);
      return attempt ? findingOfAttempt(db, attempt) : { kind: 'unmatched' };
    }
    case 'unmatched':
      return { kind: 'unmatched' };
    case 'not-paid':
      return { kind: 'not-paid', status: 'failed', code: row.resultCode };
    case 'not-found':
      return { kind: 'unknown' };
    case 'failed':
      // 2001: M-Pesa refused Lango's initiator credentials; asking again will not help, the phone number will.
      return row.resultCode === '2001' ? { kind: 'ask-phone' } : { kind: 'unavailable' };
  }
}

function answerLookups(db: Db, ids: readonly number[], answer: { status: ReceiptLookupStatus; code: string | null; description: string | null; attemptId: number | null }, now: number): void {
  if (ids.length === 0) return;
  db.update(receiptLookups)
    .set({ status: answer.status, resultCode: answer.code, resultDesc: answer.description, attemptId: answer.attemptId, answeredAt: now })
    .where(and(inArray(receiptLookups.id, [...ids]), eq(receiptLookups.status, 'asking')))
    .run();
}

/**
 * Acts on the provider's answer to a receipt lookup, inside the callback's transaction: a
 * completed payment settles the request it belongs to (by receipt if something already holds
 * it, else the one open request from that phone for that amount) through settleAttempt, which
 * closes an attempt once whatever else (STK callback, reconciler) reports it at the same moment;
 * the receipt's unique key keeps the money single. Answers no lookup asked for change nothing.
 */
export function applyReceiptResult(db: Db, provider: PaymentProvider, meaning: Extract<CallbackMeaning, { kind: 'receipt' }>, now: number, zone: string, box: SecretBox): { lookups: number; status?: ReceiptLookupStatus; settlement?: Settlement } {
  const byIds = [meaning.conversationId ? eq(receiptLookups.conversationId, meaning.conversationId) : undefined, meaning.originatorConversationId ? eq(receiptLookups.originatorConversationId, meaning.originatorConversationId) : undefined].filter((c) => c !== undefined);
  if (byIds.length === 0) return { lookups: 0 };
  const rows = db.select().from(receiptLookups).where(and(eq(receiptLookups.provider, provider.name), or(...byIds))).all();
  if (rows.length === 0) return { lookups: 0 };
  const ids = rows.map((r) => r.id);
  const result = meaning.result;
  switch (result.outcome) {
    case 'not-found':
      answerLookups(db, ids, { status: 'not-found', code: result.code, description: result.description, attemptId: null }, now);
      return { lookups: rows.length, status: 'not-found' };
    case 'failed':
      answerLookups(db, ids, { status: 'failed', code: result.code, description: result.description, attemptId: null }, now);
      return { lookups: rows.length, status: 'failed' };
    case 'not-completed':
      answerLookups(db, ids, { status: 'not-paid', code: null, description: result.state, attemptId: null }, now);
      return { lookups: rows.length, status: 'not-paid' };
    case 'completed': {
      // The answer must be about the receipt that was asked (a provider echoing another is ignored).
      if (!rows.some((r) => r.receipt === result.receipt)) {
        answerLookups(db, ids, { status: 'unmatched', code: '0', description: `answer names receipt ${result.receipt}, not the one asked`, attemptId: null }, now);
        return { lookups: rows.length, status: 'unmatched' };
      }
      const attempt = findAttemptByReceipt(db, provider.name, result.receipt) ?? (result.phone ? matchRequest(db, provider.name, result.phone, result.amountMinor, result.paidAt, now - LOOKBACK_MS) : undefined);
      if (!attempt) {
        answerLookups(db, ids, { status: 'unmatched', code: '0', description: `paid ${result.amountMinor} ${result.currency}; no open request fits`, attemptId: null }, now);
        return { lookups: rows.length, status: 'unmatched' };
      }
      const outcome: ProviderOutcome = { status: 'succeeded', receipt: result.receipt, amountMinor: result.amountMinor, currency: result.currency, phone: result.phone, code: '0', description: 'Paid (confirmed by a receipt lookup)' };
      const settlement = settleAttempt(db, attempt.id, outcome, 'query', now, zone, box);
      answerLookups(db, ids, { status: 'found', code: '0', description: settlement.kind, attemptId: attempt.id }, now);
      return { lookups: rows.length, status: 'found', settlement };
    }
  }
}

/** A payment belongs to a request only if it was made between just before the request and an hour after. */
const PAID_BEFORE_REQUEST_MS = 2 * 60_000;
const PAID_AFTER_REQUEST_MS = 60 * 60_000;

/**
 * The request a confirmed payment from `phone` for `amountMinor` belongs to: an open one first
 * (newest), then one settled by a query without its receipt, then one Lango gave up on (settling
 * that flags it for a person, as any late success does). Only an exact phone and amount match,
 * and, when the provider says when the money moved, only a request made around then: an older
 * payment from the same phone (a paybill payment to some account) is not taken for this one.
 */
function matchRequest(db: Db, provider: string, phone: string, amountMinor: number, paidAt: number | null, since: number): Attempt | undefined {
  const candidates = db
    .select()
    .from(paymentAttempts)
    .where(
      and(
        eq(paymentAttempts.provider, provider),
        eq(paymentAttempts.phone, phone),
        eq(paymentAttempts.amountMinor, amountMinor),
        gte(paymentAttempts.createdAt, since),
        inArray(paymentAttempts.purpose, ['hotspot', 'wallet', 'invoice']),
        inArray(paymentAttempts.status, ['pending', 'unknown', 'succeeded', 'expired']),
      ),
    )
    .orderBy(desc(paymentAttempts.id))
    .all()
    .filter((a) => paidAt === null || (paidAt >= a.createdAt - PAID_BEFORE_REQUEST_MS && paidAt <= a.createdAt + PAID_AFTER_REQUEST_MS));
  return (
    candidates.find((a) => OPEN.includes(a.status)) ??
    candidates.find((a) => a.status === 'succeeded' && a.receipt === null) ??
    candidates.find((a) => a.status === 'expired' && a.receipt === null)
  );
}

/** A phone's requests of the last day, newest first (what the phone path looks at). */
function recentRequests(db: Db, phone: string, since: number): Attempt[] {
  return attemptsFromPhone(db, phone, 10).filter((a) => a.createdAt >= since);
}

/** The phone number typed, as Lango stores it, or undefined when it is none. */
export function readPhone(db: Db, text: string): string | undefined {
  return normalisePhone(text, getSetting(db, 'operator.country'));
}

/**
 * A phone number: its requests of the last day; the open ones are asked about now (each
 * claimed first, so the reconciler does not ask at the same moment), and whatever answers is
 * settled. A paid voucher's credentials SMS goes again to that phone; nothing else is revealed.
 */
export async function findByPhone(deps: ReceiptLookupDeps, input: { phone: string; now: number; signal?: AbortSignal }): Promise<PhoneFinding> {
  const { db, box } = deps;
  const since = input.now - LOOKBACK_MS;
  const before = recentRequests(db, input.phone, since);
  if (before.length === 0) return { kind: 'no-payment' };
  // A sale settled by these questions queues its own credentials SMS; only an earlier one is sent again.
  const soldNow = new Set<number>();
  for (const attempt of before.filter((a) => OPEN.includes(a.status) && a.providerRef !== null).slice(0, PHONE_QUERIES)) {
    const provider = deps.providers().find((p) => p.name === attempt.provider);
    if (!provider || !claimQuery(db, attempt, Date.now() + QUERY_CLAIM_MS)) continue;
    try {
      const outcome = await provider.query(attempt.providerRef!, attempt.key, input.signal);
      const settlement = settleAttempt(db, attempt.id, outcome, 'query', Date.now(), deps.zone, box);
      if (settlement.kind === 'open') countQuery(db, attempt.id, Date.now() + QUERY_BACKOFF_MS, Date.now());
      if (settlement.kind === 'credited') soldNow.add(attempt.id);
    } catch {
      // Asked again by the reconciler; the customer hears "still waiting".
      countQuery(db, attempt.id, Date.now() + QUERY_BACKOFF_MS, Date.now());
    }
  }
  const after = recentRequests(db, input.phone, since);
  const findings = after.map((attempt) => ({ attempt, finding: findingOfAttempt(db, attempt) }));
  // What helps most: a code to send, then money on an account, then a wait, then anything else (newest first).
  const sold = findings.find((f) => f.finding.kind === 'voucher');
  if (sold && sold.finding.kind === 'voucher') {
    if (!soldNow.has(sold.attempt.id)) resendCredentials(db, sold.finding.customerId, sold.finding.code, input.now);
    return { kind: 'sms-sent', phoneEnd: input.phone.slice(-3) };
  }
  const rest = findings.map((f) => f.finding).filter((f): f is PhoneFinding => f.kind !== 'voucher');
  const pick = (kind: PhoneFinding['kind']) => rest.find((f) => f.kind === kind);
  return pick('account') ?? pick('waiting') ?? pick('review') ?? rest[0] ?? { kind: 'no-payment' };
}

/** What the phone path may answer: never a code. */
export type PhoneFinding = Exclude<ReceiptFinding, { kind: 'voucher' }>;

/**
 * The voucher's credentials SMS, queued again (the messaging dispatcher sends it), at most once
 * per voucher in a ten-minute window however often the phone number is typed.
 */
export function resendCredentials(db: Db, customerId: number, code: string, now: number): boolean {
  const window = Math.floor(now / RESEND_WINDOW_MS) * RESEND_WINDOW_MS;
  return notify(db, customerId, 'credentials', window, `voucher:${code}:code`);
}

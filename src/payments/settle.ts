import { findCustomerByAccountReference, findCustomerById, findPaymentByReference, findPlanById, notify, recordPayment, recordSuspense, type RenewOnPaymentResult } from '../billing/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { sellPaidVoucher } from '../hotspot/index.js';
import type { Db } from '../db/connection.js';
import type { Currency } from '../db/schema/billing.js';
import type { SettledVia } from '../db/schema/payments.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { recordAudit } from '../staff/index.js';
import { annotateAttempt, closeAttempt, createAttempt, findAttempt, findAttemptByReceipt, findStkTwin, type Attempt } from './attempts.js';
import type { ProviderOutcome } from './provider.js';

export type Settlement =
  /** Money credited: ledger, invoices oldest first, renewal — all in this transaction. */
  | { kind: 'credited'; attempt: Attempt; receiptNumber: string; renewal: RenewOnPaymentResult }
  /** Closed without money (failed, cancelled, expired); the customer is told. */
  | { kind: 'closed'; attempt: Attempt }
  /** Money reported but not credited: a person must look (amount/phone mismatch, late success, unknown account). */
  | { kind: 'flagged'; attempt: Attempt; reason: string }
  /** The attempt was already closed: nothing changed. */
  | { kind: 'duplicate'; attempt: Attempt }
  /** Still open: nothing to do yet. */
  | { kind: 'open'; attempt: Attempt };

/**
 * Applies a provider's final word on an attempt, exactly once, in one transaction: close the
 * attempt (only if still open — a second callback or a query racing it changes nothing), then
 * post the payment to the ledger, pay open invoices oldest first, renew or reactivate the
 * subscription, and queue the receipt SMS. A crash before the commit leaves the attempt open
 * and the inbox row unprocessed, so the next start or reconciliation settles it once.
 */
export function settleAttempt(db: Db, attemptId: number, outcome: ProviderOutcome, via: SettledVia, now: number, zone: string, box?: SecretBox): Settlement {
  return db.transaction((tx) => {
    const d = tx as Db;
    const attempt = findAttempt(d, attemptId);
    if (!attempt) throw new Error(`payment attempt ${attemptId} does not exist`);
    if (outcome.status === 'pending' || outcome.status === 'unknown') return { kind: 'open', attempt };

    if (attempt.status !== 'pending' && attempt.status !== 'unknown') return afterClose(d, attempt, outcome, now);

    if (outcome.status !== 'succeeded') {
      closeAttempt(d, attempt.id, { status: outcome.status, settledVia: via, code: outcome.code, description: outcome.description, now });
      if (attempt.customerId !== null) notify(d, attempt.customerId, 'payment_failed', now, `attempt:${attempt.key}`);
      return { kind: 'closed', attempt: findAttempt(d, attempt.id)! };
    }

    // The same money already arrived as a paybill confirmation (Daraja may report an STK payment
    // to the C2B URL too, with the same receipt): it was credited there, never twice.
    const booked = outcome.receipt ? findAttemptByReceipt(d, attempt.provider, outcome.receipt) : undefined;
    if (booked) {
      const elsewhere = booked.customerId !== attempt.customerId;
      closeAttempt(d, attempt.id, { status: 'succeeded', settledVia: via, code: outcome.code, description: `${outcome.description} (booked by ${booked.settledVia} as attempt ${booked.id})`, paymentId: booked.paymentId, reviewReason: elsewhere ? `credited by paybill to another account (attempt ${booked.id}, receipt ${outcome.receipt})` : null, now });
      return { kind: 'duplicate', attempt: findAttempt(d, attempt.id)! };
    }
    const mismatch = mismatchOf(attempt, outcome);
    if (mismatch) {
      closeAttempt(d, attempt.id, { status: 'succeeded', settledVia: via, code: outcome.code, description: outcome.description, receipt: outcome.receipt, reviewReason: mismatch, now });
      return { kind: 'flagged', attempt: findAttempt(d, attempt.id)!, reason: mismatch };
    }
    // A query-only success carries no receipt (Daraja's STK query): credited now under the
    // attempt's own key, flagged to be matched against a statement later.
    const reference = outcome.receipt ?? `attempt:${attempt.key}`;
    const credited = attempt.purpose === 'hotspot' ? sell(d, attempt, reference, now, zone, box) : credit(d, attempt, reference, now, zone);
    closeAttempt(d, attempt.id, {
      status: 'succeeded',
      settledVia: via,
      code: outcome.code,
      description: outcome.description,
      receipt: outcome.receipt,
      reviewReason: outcome.receipt === null ? 'no-receipt' : null,
      paymentId: credited.paymentId,
      now,
    });
    return { kind: 'credited', attempt: findAttempt(d, attempt.id)!, receiptNumber: credited.receiptNumber, renewal: credited.renewal };
  }, { behavior: 'immediate' });
}

/** Money that arrived on the payer's initiative (M-Pesa C2B): credited to the account they typed, or held in suspense. */
export function settleUnsolicited(db: Db, input: { provider: string; receipt: string; accountReference: string; amountMinor: number; currency: Currency; payerName: string; paidAt: number; now: number; zone: string; box?: SecretBox }): Settlement {
  return db.transaction((tx) => {
    const d = tx as Db;
    const known = findAttemptByReceipt(d, input.provider, input.receipt);
    // The same money already arrived another way (an STK payment a paybill also reports).
    if (known) return { kind: 'duplicate', attempt: known };
    // An STK request for this account and amount, still open or settled by a query without its
    // receipt: this confirmation is that payment, not a second one.
    const twin = findStkTwin(d, { provider: input.provider, accountReference: input.accountReference, amountMinor: input.amountMinor, since: input.now - STK_TWIN_WINDOW_MS });
    if (twin && (twin.status === 'pending' || twin.status === 'unknown')) {
      return settleAttempt(d, twin.id, { status: 'succeeded', receipt: input.receipt, amountMinor: input.amountMinor, currency: input.currency, code: '0', description: `paid by ${input.payerName} (paybill confirmation)` }, 'c2b', input.now, input.zone, input.box);
    }
    if (twin) {
      annotateAttempt(d, twin.id, { receipt: input.receipt, reviewReason: twin.reviewReason === 'no-receipt' ? null : twin.reviewReason }, input.now);
      return { kind: 'duplicate', attempt: findAttempt(d, twin.id)! };
    }
    const customer = findCustomerByAccountReference(d, input.accountReference, getSetting(d, 'operator.country'));
    const usable = customer && customer.currency === input.currency && customer.status !== 'terminated';
    const attempt = createAttempt(d, {
      key: `${input.provider}:${input.receipt}`,
      provider: input.provider,
      purpose: 'unsolicited',
      customerId: usable ? customer.id : null,
      amountMinor: input.amountMinor,
      currency: input.currency,
      phone: null,
      accountReference: input.accountReference,
      actor: 'system',
      now: input.now,
    });
    if (!usable) {
      // The money has moved, so it is booked, into suspense, and shown to the billing manager.
      recordSuspense(d, { method: input.provider, reference: input.receipt, amountMinor: input.amountMinor, currency: input.currency, receivedAt: input.paidAt, description: `${input.provider} ${input.receipt} from ${input.payerName || 'unknown payer'} for account "${input.accountReference}"` });
      const reason = customer ? 'account-currency-or-status' : 'unknown-account';
      closeAttempt(d, attempt.id, { status: 'succeeded', settledVia: 'c2b', code: '0', description: `paid by ${input.payerName}`, receipt: input.receipt, reviewReason: reason, now: input.now });
      return { kind: 'flagged', attempt: findAttempt(d, attempt.id)!, reason };
    }
    const credited = credit(d, { ...attempt, customerId: customer.id }, input.receipt, input.now, input.zone, input.paidAt);
    closeAttempt(d, attempt.id, { status: 'succeeded', settledVia: 'c2b', code: '0', description: `paid by ${input.payerName}`, receipt: input.receipt, paymentId: credited.paymentId, now: input.now });
    return { kind: 'credited', attempt: findAttempt(d, attempt.id)!, receiptNumber: credited.receiptNumber, renewal: credited.renewal };
  }, { behavior: 'immediate' });
}

/** How far back a paybill confirmation looks for the STK request it may belong to. */
const STK_TWIN_WINDOW_MS = 24 * 3_600_000;

/** Would a paybill payment to this account be taken? (M-Pesa C2B validation; must answer within seconds.) */
export function acceptsAccount(db: Db, accountReference: string, currency: Currency): boolean {
  const customer = findCustomerByAccountReference(db, accountReference, getSetting(db, 'operator.country'));
  return customer !== undefined && customer.currency === currency && customer.status !== 'terminated';
}

function credit(db: Db, attempt: Attempt, reference: string, now: number, zone: string, receivedAt = now): { paymentId: number; receiptNumber: string; renewal: RenewOnPaymentResult } {
  const customerId = attempt.customerId!;
  const { payment, renewal } = recordPayment(db, { customerId, method: attempt.provider, reference, amountMinor: attempt.amountMinor, currency: attempt.currency, receivedAt, actor: 'system', zone });
  return { paymentId: payment.id, receiptNumber: payment.receiptNumber, renewal };
}

/**
 * A hotspot purchase paid: a voucher sold to the paying phone, the money received on its
 * account and the plan invoiced from it, and the credentials SMS queued — the attempt then
 * names the voucher's account, which is how the portal finds the code to show.
 */
function sell(db: Db, attempt: Attempt, reference: string, now: number, zone: string, box: SecretBox | undefined): { paymentId: number; receiptNumber: string; renewal: RenewOnPaymentResult } {
  if (!box) throw new Error('selling a voucher needs the key file (SecretBox) to seal its password');
  const plan = findPlanById(db, attempt.planId!);
  if (!plan) throw new Error(`attempt ${attempt.id}: plan ${attempt.planId} does not exist`);
  // An agent's mobile-money token counts as the agent's sale; the portal's as the portal's.
  const seller = attempt.actor.startsWith('agent:') ? attempt.actor : 'portal';
  const sold = sellPaidVoucher(db, box, { plan, phone: attempt.phone, seller, actor: 'system', method: attempt.provider, reference: () => reference, amountMinor: attempt.amountMinor, saleKey: attempt.key, now, zone });
  annotateAttempt(db, attempt.id, { customerId: sold.customerId }, now);
  return { paymentId: sold.paymentId, receiptNumber: sold.receiptNumber, renewal: { kind: 'none' } };
}

/**
 * Reported money that does not fit the request is never credited silently: a different
 * amount or currency, or (where the provider reports it) another phone.
 */
function mismatchOf(attempt: Attempt, outcome: Extract<ProviderOutcome, { status: 'succeeded' }>): string | null {
  if (outcome.amountMinor !== undefined && outcome.amountMinor !== attempt.amountMinor) return `amount-mismatch: asked ${attempt.amountMinor}, reported ${outcome.amountMinor}`;
  if (outcome.currency !== undefined && outcome.currency !== attempt.currency) return `currency-mismatch: asked ${attempt.currency}, reported ${outcome.currency}`;
  // An amount without a currency Lango keeps (MoMo reporting another currency) cannot be trusted to match.
  if (outcome.amountMinor !== undefined && outcome.currency === undefined) return `currency-unknown: ${outcome.description}`;
  if (outcome.phone && attempt.phone && outcome.phone !== attempt.phone) return `phone-mismatch: asked ${attempt.phone}, reported ${outcome.phone}`;
  if (attempt.customerId === null && attempt.purpose !== 'hotspot') return 'no-customer';
  return null;
}

/** News about an attempt that is already closed. */
function afterClose(db: Db, attempt: Attempt, outcome: ProviderOutcome, now: number): Settlement {
  if (outcome.status !== 'succeeded') return { kind: 'duplicate', attempt };
  if (attempt.status === 'succeeded') {
    // A receipt learnt after a query-only success fills the gap; a different one is a second payment to look at.
    if (outcome.receipt && attempt.receipt === null) {
      const holder = findAttemptByReceipt(db, attempt.provider, outcome.receipt);
      if (holder) {
        // Credited once here (query) and once by paybill under the receipt: a person must reverse one.
        flag(db, attempt, `receipt ${outcome.receipt} also credited by attempt ${holder.id}: one of the two credits must be reversed`, now);
        return { kind: 'flagged', attempt: findAttempt(db, attempt.id)!, reason: 'double-credit' };
      }
      annotateAttempt(db, attempt.id, { receipt: outcome.receipt, reviewReason: attempt.reviewReason === 'no-receipt' ? null : attempt.reviewReason }, now);
      return { kind: 'duplicate', attempt: findAttempt(db, attempt.id)! };
    }
    if (outcome.receipt && attempt.receipt !== outcome.receipt) {
      flag(db, attempt, `second-receipt: ${outcome.receipt}`, now);
      return { kind: 'flagged', attempt: findAttempt(db, attempt.id)!, reason: 'second-receipt' };
    }
    return { kind: 'duplicate', attempt };
  }
  // Success after Lango gave up (expired) or after a failure: the customer may have paid.
  if (attempt.reviewReason?.startsWith('late-success') && attempt.reviewedAt === null) return { kind: 'duplicate', attempt };
  const holder = outcome.receipt ? findAttemptByReceipt(db, attempt.provider, outcome.receipt) : undefined;
  annotateAttempt(db, attempt.id, { receipt: holder ? null : outcome.receipt }, now);
  flag(db, attempt, `late-success after ${attempt.status}${outcome.receipt ? ` (receipt ${outcome.receipt})` : ''}`, now);
  return { kind: 'flagged', attempt: findAttempt(db, attempt.id)!, reason: 'late-success' };
}

/** Puts an attempt (back) on the review list: a new reason reopens one a person already looked at. */
function flag(db: Db, attempt: Attempt, reason: string, now: number): void {
  annotateAttempt(db, attempt.id, { reviewReason: reason, reviewedAt: null, reviewedBy: null }, now);
}

/**
 * Staff approve a flagged attempt: the money the provider reported (which may differ from what
 * was asked) is credited to the attempt's customer, or to `customerId` for money in suspense.
 */
export function approveFlagged(db: Db, input: { attemptId: number; customerId?: number; amountMinor?: number; actor: string; now: number; zone: string }): { receiptNumber: string } {
  return db.transaction((tx) => {
    const d = tx as Db;
    const attempt = findAttempt(d, input.attemptId);
    if (!attempt) throw new LangoError('PAY_UNKNOWN_ATTEMPT', { id: input.attemptId });
    if (attempt.reviewReason === null || attempt.reviewedAt !== null) throw new LangoError('PAY_NOT_FOR_REVIEW', { id: input.attemptId });
    // Only money a provider reported can be credited: an attempt that expired without an
    // answer is closed with `dismiss`, or waits for its late success.
    if (attempt.status !== 'succeeded' && attempt.receipt === null) throw new LangoError('PAY_NOT_FOR_REVIEW', { id: input.attemptId });
    const customerId = input.customerId ?? attempt.customerId;
    if (customerId === null || !findCustomerById(d, customerId)) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username: String(input.customerId ?? '(none given: say --customer)') });
    let receiptNumber: string;
    if (attempt.paymentId !== null) {
      receiptNumber = findPaymentByReference(d, attempt.provider, attempt.receipt ?? `attempt:${attempt.key}`)?.receiptNumber ?? '';
    } else {
      const fromSuspense = attempt.purpose === 'unsolicited' && attempt.customerId === null;
      const reference = attempt.receipt ?? `attempt:${attempt.key}`;
      const { payment } = recordPayment(d, {
        customerId,
        method: attempt.provider,
        reference,
        // Money in suspense is exactly what arrived; elsewhere staff credit what the provider reported.
        amountMinor: fromSuspense ? attempt.amountMinor : (input.amountMinor ?? attempt.amountMinor),
        currency: attempt.currency,
        receivedAt: input.now,
        actor: input.actor,
        zone: input.zone,
        from: fromSuspense ? 'suspense' : 'received',
      });
      annotateAttempt(d, attempt.id, { paymentId: payment.id, customerId }, input.now);
      receiptNumber = payment.receiptNumber;
    }
    annotateAttempt(d, attempt.id, { reviewedAt: input.now, reviewedBy: input.actor }, input.now);
    recordAudit(d, input.actor, 'payment.review.approve', `attempt:${attempt.id}`, { reason: attempt.reviewReason, customerId, receipt: receiptNumber, amountMinor: input.amountMinor ?? attempt.amountMinor, currency: attempt.currency }, input.now);
    return { receiptNumber };
  }, { behavior: 'immediate' });
}

/** Staff close a flagged attempt without crediting anything (refunded, a test, a duplicate), with a reason, audit-logged. */
export function dismissFlagged(db: Db, input: { attemptId: number; reason: string; actor: string; now: number }): void {
  if (input.reason.trim().length < 3) throw new LangoError('INPUT_REASON_REQUIRED');
  db.transaction((tx) => {
    const d = tx as Db;
    const attempt = findAttempt(d, input.attemptId);
    if (!attempt) throw new LangoError('PAY_UNKNOWN_ATTEMPT', { id: input.attemptId });
    if (attempt.reviewReason === null || attempt.reviewedAt !== null) throw new LangoError('PAY_NOT_FOR_REVIEW', { id: input.attemptId });
    annotateAttempt(d, attempt.id, { reviewedAt: input.now, reviewedBy: input.actor }, input.now);
    recordAudit(d, input.actor, 'payment.review.dismiss', `attempt:${attempt.id}`, { flagged: attempt.reviewReason, reason: input.reason }, input.now);
  }, { behavior: 'immediate' });
}

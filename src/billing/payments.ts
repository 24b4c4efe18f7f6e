import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers, type Currency } from '../db/schema/billing.js';
import { ledgerTransactions, payments, type PaymentMethod } from '../db/schema/ledger.js';
import { LangoError } from '../errors.js';
import { recordAudit } from '../staff/index.js';
import { SERIES, nextNumber, notify, settle } from './invoices.js';
import { accounts, customerBalance, post } from './ledger.js';
import { formatMoney } from './money.js';
import { recordEvent } from './timeline.js';
import { customerRef, recordEvent as recordWebhookEvent } from '../events/outbox.js';
import { renewOnPayment, type RenewOnPaymentResult } from './renew-on-payment.js';

export type Payment = typeof payments.$inferSelect;

export interface PaymentInput {
  customerId: number;
  method: Exclude<PaymentMethod, 'adjustment'>;
  /** Receipt book number, bank reference or provider transaction code: unique per method. */
  reference: string;
  amountMinor: number;
  currency: Currency;
  receivedAt: number;
  actor: string;
  zone: string;
  /**
   * 'suspense' when the money arrived earlier for no known account (a C2B payment with a
   * mistyped account number) and staff now assign it: it moves out of suspense instead of
   * arriving again.
   */
  from?: 'received' | 'suspense';
}

/**
 * Money received: a numbered receipt, the ledger posting (money in, customer's wallet up), then
 * the wallet pays open invoices oldest first, an overdue suspension lifts when nothing overdue
 * is left, and an expired prepaid package restarts if the wallet covers it, all in one
 * transaction. The same method and reference a second time changes
 * nothing and returns the first payment (`created: false`), so a repeated provider callback or
 * a double-clicked form cannot credit twice.
 */
export function recordPayment(db: Db, input: PaymentInput): { payment: Payment; created: boolean; allocatedMinor: number; renewal: RenewOnPaymentResult } {
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) throw new LangoError('INPUT_BAD_MONEY', { value: String(input.amountMinor), currency: input.currency });
  const reference = input.reference.trim();
  return db.transaction((tx) => {
    const d = tx as Db;
    const existing = d.select().from(payments).where(and(eq(payments.method, input.method), eq(payments.reference, reference))).get();
    if (existing) return { payment: existing, created: false, allocatedMinor: 0, renewal: { kind: 'none' } as RenewOnPaymentResult };
    const customer = d.select({ currency: customers.currency }).from(customers).where(eq(customers.id, input.customerId)).get();
    if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username: String(input.customerId) });
    if (customer.currency !== input.currency) throw new LangoError('INPUT_CURRENCY_MISMATCH', { expected: customer.currency, given: input.currency });
    const receiptNumber = nextNumber(d, SERIES.receipt, input.receivedAt, input.zone);
    const { transactionId } = post(d, {
      key: `payment:${input.method}:${reference}`,
      kind: 'payment',
      customerId: input.customerId,
      currency: input.currency,
      occurredAt: input.receivedAt,
      description: `Receipt ${receiptNumber} (${input.method} ${reference})`,
      actor: input.actor,
      entries: [
        { account: input.from === 'suspense' ? accounts.suspense() : accounts.money(input.method), amountMinor: input.amountMinor },
        { account: accounts.wallet(input.customerId), amountMinor: -input.amountMinor },
      ],
    });
    const payment = d
      .insert(payments)
      .values({ customerId: input.customerId, method: input.method, reference, amountMinor: input.amountMinor, currency: input.currency, receivedAt: input.receivedAt, receiptNumber, transactionId, actor: input.actor, createdAt: Date.now() })
      .returning()
      .get();
    recordEvent(d, input.customerId, 'payment_received', input.actor, { receipt: receiptNumber, method: input.method, reference, amountMinor: input.amountMinor, currency: input.currency }, input.receivedAt);
    notify(d, input.customerId, 'payment_received', input.receivedAt, `receipt:${receiptNumber}`);
    recordWebhookEvent(d, 'payment.received', () => {
      const who = customerRef(d, input.customerId);
      return {
        paymentId: payment.id,
        receiptNumber,
        ...who,
        amountMinor: input.amountMinor,
        currency: input.currency,
        method: input.method,
        // An agent's token sale is referenced by its code (T-<code>): a login, kept in.
        reference: who.voucher ? null : reference,
        receivedAt: new Date(input.receivedAt).toISOString(),
      };
    }, payment.createdAt);
    if (input.actor !== 'system') recordAudit(d, input.actor, 'payment.record', `customer:${input.customerId}`, { receipt: receiptNumber, method: input.method, reference, amountMinor: input.amountMinor, currency: input.currency }, input.receivedAt);
    const allocatedMinor = settle(d, input.customerId, input.currency, `payment:${input.method}:${reference}`, input.receivedAt, input.actor);
    // A prepaid package that ran out (or whose renewal waits for tonight's run) starts again now.
    const renewal = renewOnPayment(d, input.customerId, Math.max(input.receivedAt, Date.now()), input.zone, input.actor);
    return { payment, created: true, allocatedMinor, renewal };
  }, { behavior: 'immediate' });
}

/**
 * A staff correction of a customer's wallet, with a reason, audit-logged: positive credits
 * the customer (goodwill, a missed payment found later), negative takes back wallet money
 * (never more than the wallet holds; a charge is an invoice, not an adjustment).
 */
export function adjustWallet(db: Db, input: { customerId: number; amountMinor: number; currency: Currency; reason: string; actor: string; at: number }): { transactionId: number } {
  if (input.reason.trim().length < 3) throw new LangoError('INPUT_REASON_REQUIRED');
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor === 0) throw new LangoError('INPUT_BAD_MONEY', { value: String(input.amountMinor), currency: input.currency });
  const key = `adjustment:${input.customerId}:${input.at}:${input.amountMinor}`;
  return db.transaction((tx) => {
    const d = tx as Db;
    const existing = d.select({ id: ledgerTransactions.id }).from(ledgerTransactions).where(eq(ledgerTransactions.key, key)).get();
    // The same adjustment submitted twice (a double click, a retried request) is made once.
    if (existing) return { transactionId: existing.id };
    const customer = d.select({ currency: customers.currency }).from(customers).where(eq(customers.id, input.customerId)).get();
    if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username: String(input.customerId) });
    if (customer.currency !== input.currency) throw new LangoError('INPUT_CURRENCY_MISMATCH', { expected: customer.currency, given: input.currency });
    const balance = customerBalance(d, input.customerId, input.currency);
    if (input.amountMinor < 0 && -input.amountMinor > balance.walletMinor) {
      throw new LangoError('INPUT_WALLET_TOO_SMALL', { wallet: formatMoney(balance.walletMinor, input.currency) });
    }
    const { transactionId } = post(d, {
      key,
      kind: 'adjustment',
      customerId: input.customerId,
      currency: input.currency,
      occurredAt: input.at,
      description: input.amountMinor > 0 ? 'Credit by staff' : 'Debit by staff',
      actor: input.actor,
      reason: input.reason,
      entries: [
        { account: accounts.adjustments(), amountMinor: input.amountMinor },
        { account: accounts.wallet(input.customerId), amountMinor: -input.amountMinor },
      ],
    });
    recordEvent(d, input.customerId, 'adjustment', input.actor, { amountMinor: input.amountMinor, currency: input.currency, reason: input.reason }, input.at);
    recordAudit(d, input.actor, 'wallet.adjust', `customer:${input.customerId}`, { amountMinor: input.amountMinor, currency: input.currency, reason: input.reason }, input.at);
    if (input.amountMinor > 0) settle(d, input.customerId, input.currency, `adjustment:${transactionId}`, input.at, input.actor);
    return { transactionId };
  }, { behavior: 'immediate' });
}

/**
 * Provider money that arrived for no account Lango knows (M-Pesa C2B with a mistyped account
 * number): the money has moved, so it is booked, into suspense, until staff assign it to a
 * customer (recordPayment with `from: 'suspense'`). Once per method and reference.
 */
export function recordSuspense(db: Db, input: { method: string; reference: string; amountMinor: number; currency: Currency; receivedAt: number; description: string }): { transactionId: number } {
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) throw new LangoError('INPUT_BAD_MONEY', { value: String(input.amountMinor), currency: input.currency });
  return post(db, {
    key: `suspense:${input.method}:${input.reference}`,
    kind: 'payment',
    customerId: null,
    currency: input.currency,
    occurredAt: input.receivedAt,
    description: input.description,
    actor: 'system',
    entries: [
      { account: accounts.money(input.method), amountMinor: input.amountMinor },
      { account: accounts.suspense(), amountMinor: -input.amountMinor },
    ],
  });
}

export function findPaymentByReference(db: Db, method: string, reference: string): Payment | undefined {
  return db.select().from(payments).where(and(eq(payments.method, method), eq(payments.reference, reference))).get();
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setCustomerPlan } from '../billing/customers.js';
import { issueInvoice, type ChargeLine } from '../billing/invoices.js';
import { recordPayment } from '../billing/payments.js';
import { addPlan } from '../billing/plans.js';
import type { Connection } from '../db/connection.js';
import { HISTORY_PAGE, invoiceHistory, ownDocument, ownOpenInvoice, parseTopUp, payChoices, receiptHistory, receiptOfAttempt, roundUpToStep } from './payments.js';
import { portalDb, T0 } from './test-fixtures.js';

let conn: Connection;
let alice: number;
let bob: number;
const ZONE = 'Africa/Nairobi';
const DAY = 86_400_000;

const line = (unitPriceMinor: number): ChargeLine => ({ description: 'Home 10M', quantity: 1, unitPriceMinor, taxClass: null, discounts: [], revenue: 'service' });
const invoice = (customerId: number, key: string, amountMinor: number, at: number) =>
  issueInvoice(conn.db, { key, customerId, subscriptionId: null, currency: 'KES', taxExempt: false, issuedAt: at, dueAt: at + 7 * DAY, periodStart: null, periodEnd: null, lines: [line(amountMinor)], actor: 'cli:test', zone: ZONE }).invoice;
const pay = (customerId: number, reference: string, amountMinor: number, at: number) =>
  recordPayment(conn.db, { customerId, method: 'mpesa', reference, amountMinor, currency: 'KES', receivedAt: at, actor: 'system', zone: ZONE }).payment;

beforeEach(() => {
  ({ conn, alice, bob } = portalDb());
  addPlan(conn.db, { name: 'Home 10M', priceMinor: 150_000, currency: 'KES', durationSeconds: 30 * DAY / 1000, rateLimit: '5M/10M' });
});
afterEach(() => conn.close());

describe('what the Pay page offers', () => {
  it('lists the open invoices due first first, and the renewal less what the wallet holds plus what is owed', () => {
    // Payments renew a due plan at the real clock's now: the plan starts now, so none is due.
    const T = Date.now();
    setCustomerPlan(conn.db, 'alice', 'Home 10M', ZONE, T);
    const later = invoice(alice, 'a', 50_000, T + DAY);
    const earlier = invoice(alice, 'b', 20_050, T);
    invoice(bob, 'c', 99_900, T);
    const choices = payChoices(conn.db, alice, T + 2 * DAY, ZONE)!;
    expect(choices.invoices.map((i) => i.number)).toEqual([earlier.number, later.number]);
    expect(choices.invoices[0]!.dueMinor).toBe(20_050);
    expect(choices).toMatchObject({ currency: 'KES', phone: '+254712345678', dueMinor: 70_050, walletMinor: 0 });
    expect(choices.renewal).toMatchObject({ planName: 'Home 10M', priceMinor: 150_000, amountMinor: 150_000 + 70_050, at: T + 30 * DAY });

    // Money in the wallet (after the invoices are paid) lowers what the renewal asks for.
    pay(alice, 'R1', 70_050 + 100_000, T + 2 * DAY);
    const after = payChoices(conn.db, alice, T + 2 * DAY, ZONE)!;
    expect(after.invoices).toEqual([]);
    expect(after.renewal).toMatchObject({ priceMinor: 150_000, amountMinor: 50_000 });
    pay(alice, 'R2', 60_000, T + 2 * DAY);
    expect(payChoices(conn.db, alice, T + 2 * DAY, ZONE)!.renewal!.amountMinor).toBe(0);
  });

  it('offers no renewal to a customer without a plan', () => {
    expect(payChoices(conn.db, bob, T0, ZONE)!.renewal).toBeNull();
    expect(payChoices(conn.db, 9999, T0, ZONE)).toBeUndefined();
  });
});

describe('a top-up amount as typed', () => {
  it('takes whole and decimal amounts, with thousands separators, in minor units', () => {
    expect(parseTopUp('500', 'KES', 100)).toEqual({ ok: true, amountMinor: 50_000 });
    expect(parseTopUp(' 1,000 ', 'KES', 100)).toEqual({ ok: true, amountMinor: 100_000 });
    expect(parseTopUp('250.50', 'KES', 1)).toEqual({ ok: true, amountMinor: 25_050 });
    expect(parseTopUp('5000', 'UGX', 1)).toEqual({ ok: true, amountMinor: 5000 });
  });

  it('refuses what is not an amount, nothing, too much, and what the provider cannot take', () => {
    expect(parseTopUp('abc', 'KES', 100)).toEqual({ ok: false, reason: 'format' });
    expect(parseTopUp('', 'KES', 100)).toEqual({ ok: false, reason: 'format' });
    expect(parseTopUp('-5', 'KES', 100)).toEqual({ ok: false, reason: 'format' });
    expect(parseTopUp('1.234', 'KES', 1)).toEqual({ ok: false, reason: 'format' });
    expect(parseTopUp('10.5', 'UGX', 1)).toEqual({ ok: false, reason: 'format' });
    expect(parseTopUp('0', 'KES', 100)).toEqual({ ok: false, reason: 'zero' });
    expect(parseTopUp('2000000', 'KES', 100)).toEqual({ ok: false, reason: 'too-large' });
    expect(parseTopUp('250.50', 'KES', 100)).toEqual({ ok: false, reason: 'step' });
  });

  it('rounds an amount up to the provider’s step', () => {
    expect(roundUpToStep(20_050, 100)).toBe(20_100);
    expect(roundUpToStep(20_000, 100)).toBe(20_000);
    expect(roundUpToStep(777, 1)).toBe(777);
  });
});

describe('documents and invoices of the signed-in customer only', () => {
  it('says a document is the customer’s own, and another customer’s number reads as unknown', () => {
    const mine = invoice(alice, 'a', 50_000, T0);
    const theirs = invoice(bob, 'b', 50_000, T0);
    const myReceipt = pay(alice, 'R1', 10_000, T0).receiptNumber;
    const theirReceipt = pay(bob, 'R2', 10_000, T0).receiptNumber;
    expect(ownDocument(conn.db, alice, mine.number)).toBe('invoice');
    expect(ownDocument(conn.db, alice, myReceipt)).toBe('receipt');
    expect(ownDocument(conn.db, alice, theirs.number)).toBeUndefined();
    expect(ownDocument(conn.db, alice, theirReceipt)).toBeUndefined();
    expect(ownDocument(conn.db, alice, 'INV-2099-000001')).toBeUndefined();
    expect(ownDocument(conn.db, alice, 'RCT-2099-000001')).toBeUndefined();
  });

  it('finds only the customer’s own invoices that are still open', () => {
    const mine = invoice(alice, 'a', 50_000, T0);
    const theirs = invoice(bob, 'b', 50_000, T0);
    expect(ownOpenInvoice(conn.db, alice, mine.number)).toEqual({ number: mine.number, dueMinor: 50_000, currency: 'KES' });
    expect(ownOpenInvoice(conn.db, alice, theirs.number)).toBeUndefined();
    pay(alice, 'R1', 50_000, T0);
    expect(ownOpenInvoice(conn.db, alice, mine.number)).toBeUndefined();
  });
});

describe('the history', () => {
  it('pages the customer’s invoices and receipts newest first, and no one else’s', () => {
    for (let i = 0; i < HISTORY_PAGE + 2; i++) invoice(alice, `a${i}`, 1000, T0 + i * DAY);
    invoice(bob, 'b', 1000, T0 + 100 * DAY);
    for (let i = 0; i < 3; i++) pay(alice, `R${i}`, 500, T0 + i * DAY);
    pay(bob, 'RB', 500, T0 + 100 * DAY);

    const first = invoiceHistory(conn.db, alice, 1);
    expect(first.rows).toHaveLength(HISTORY_PAGE);
    expect(first.hasNext).toBe(true);
    expect(first.rows[0]!.issuedAt).toBe(T0 + (HISTORY_PAGE + 1) * DAY);
    expect(first.rows.every((r) => r.customerId === alice)).toBe(true);
    const second = invoiceHistory(conn.db, alice, 2);
    expect(second).toMatchObject({ page: 2, hasNext: false });
    expect(second.rows).toHaveLength(2);
    expect(invoiceHistory(conn.db, alice, -3).page).toBe(1);

    const receipts = receiptHistory(conn.db, alice, 1);
    expect(receipts.rows.map((r) => r.reference)).toEqual(['R2', 'R1', 'R0']);
    expect(receipts.hasNext).toBe(false);
  });

  it('names the receipt a settled phone payment produced, by its provider receipt or the attempt’s key', () => {
    const byReceipt = pay(alice, 'QK1234ABCD', 500, T0);
    const byKey = pay(alice, 'attempt:1f0e', 500, T0);
    expect(receiptOfAttempt(conn.db, { provider: 'mpesa', receipt: 'QK1234ABCD', key: 'x', paymentId: byReceipt.id })).toBe(byReceipt.receiptNumber);
    expect(receiptOfAttempt(conn.db, { provider: 'mpesa', receipt: null, key: '1f0e', paymentId: byKey.id })).toBe(byKey.receiptNumber);
    expect(receiptOfAttempt(conn.db, { provider: 'mpesa', receipt: 'QK1234ABCD', key: 'x', paymentId: null })).toBeNull();
    // A payment id that is not the one the reference names: not claimed.
    expect(receiptOfAttempt(conn.db, { provider: 'mpesa', receipt: 'QK1234ABCD', key: 'x', paymentId: byKey.id })).toBeNull();
  });
});

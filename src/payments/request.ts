import { randomUUID } from 'node:crypto';
import { customerBalance, findCustomerById, findInvoice, findPlanById, normalisePhone, purchasePrice } from '../billing/index.js';
import { voucherCodeOf } from '../hotspot/index.js';
import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { createAttempt, findAttempt, findAttemptByKey, findOpenPurchase, findOpenTwin, markUnknown, recordProviderRef, closeAttempt, type Attempt } from './attempts.js';
import type { InitiateResult, PaymentProvider } from './provider.js';

export interface PaymentRequestInput {
  customerId: number;
  /** Omitted: the invoice's balance, or what the customer owes overall. */
  amountMinor?: number;
  /** Handset to prompt; the customer's phone when omitted. Any local or international form. */
  phone?: string;
  invoiceNumber?: string;
  actor: string;
  now: number;
}

/** Where the customer is sent; also what the caller shows ("enter your PIN"). */
export interface PaymentRequestResult {
  attempt: Attempt;
  /** true when an identical request from a moment ago was still open and is returned instead. */
  reused: boolean;
}

const TWIN_WINDOW_MS = 120_000;

/**
 * Asks a customer's phone for money (M-Pesa STK push, MoMo request-to-pay). The attempt row is
 * committed before the provider is called, so whatever happens to the HTTP call — timeout,
 * crash, a callback arriving before the answer — the attempt is there to be settled. A second
 * tap within two minutes returns the open attempt instead of a second prompt.
 */
export async function requestPayment(db: Db, provider: PaymentProvider, callbackUrl: (provider: string) => string, input: PaymentRequestInput): Promise<PaymentRequestResult> {
  const customer = findCustomerById(db, input.customerId);
  if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username: String(input.customerId) });
  if (!provider.currencies.includes(customer.currency)) {
    throw new LangoError('PAY_CURRENCY_NOT_TAKEN', { name: provider.name, allowed: provider.currencies.join(', '), currency: customer.currency });
  }
  const phoneText = input.phone ?? customer.phone;
  const phone = phoneText ? normalisePhone(phoneText, getSetting(db, 'operator.country')) : undefined;
  if (phoneText && !phone) throw new LangoError('INPUT_BAD_PHONE', { value: phoneText });
  if (!phone) throw new LangoError('PAY_NO_PHONE');

  let amountMinor = input.amountMinor;
  let invoiceNumber: string | null = null;
  if (input.invoiceNumber !== undefined) {
    const found = findInvoice(db, input.invoiceNumber.trim());
    if (!found || found.invoice.customerId !== customer.id) throw new LangoError('INPUT_UNKNOWN_INVOICE', { number: input.invoiceNumber });
    invoiceNumber = found.invoice.number;
    amountMinor ??= found.invoice.grossMinor - found.invoice.paidMinor;
  }
  if (amountMinor === undefined) {
    const balance = customerBalance(db, customer.id, customer.currency);
    amountMinor = balance.dueMinor - balance.walletMinor;
  }
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw new LangoError('PAY_NOTHING_DUE');
  if (amountMinor % provider.amountStepMinor !== 0) {
    throw new LangoError('PAY_AMOUNT_STEP', { name: provider.name, step: provider.amountStepMinor, amount: amountMinor });
  }

  const purpose = invoiceNumber !== null ? 'invoice' : 'wallet';
  const twin = findOpenTwin(db, { provider: provider.name, customerId: customer.id, amountMinor, purpose, invoiceNumber }, input.now - TWIN_WINDOW_MS);
  if (twin) return { attempt: twin, reused: true };

  // Worked out first: a missing public address must refuse the request, not leave an attempt behind.
  const url = callbackUrl(provider.name);
  const attempt = createAttempt(db, {
    key: randomUUID(),
    provider: provider.name,
    purpose,
    customerId: customer.id,
    invoiceNumber,
    amountMinor,
    currency: customer.currency,
    phone,
    accountReference: customer.username,
    actor: input.actor,
    now: input.now,
  });

  const answer = await provider.initiate({
    key: attempt.key,
    amountMinor,
    currency: customer.currency,
    phone,
    accountReference: customer.username,
    description: invoiceNumber ?? 'Internet',
    callbackUrl: url,
  });
  recordInitiation(db, attempt, provider, answer);
  return { attempt: findAttempt(db, attempt.id)!, reused: false };
}

function recordInitiation(db: Db, attempt: Attempt, provider: PaymentProvider, answer: InitiateResult): void {
  const now = Date.now();
  if (answer.kind === 'accepted') {
    recordProviderRef(db, attempt.id, answer.providerRef, attempt.createdAt + provider.queryAfterMs, now);
  } else if (answer.kind === 'rejected') {
    closeAttempt(db, attempt.id, { status: 'failed', settledVia: 'query', code: answer.code, description: answer.description, now });
  } else {
    // Without a reference nobody can ask about it: a callback may still come and is matched
    // by phone and amount; otherwise it expires, flagged, after the provider's limit.
    markUnknown(db, attempt.id, answer.description, answer.providerRef ?? null, answer.providerRef ? now + provider.queryAfterMs : null, now);
  }
}

/**
 * A hotspot visitor buys a plan with their phone (the captive portal's "buy"): no account yet,
 * so the attempt names the plan; on success the settlement sells a voucher to that phone.
 */
export async function requestPurchase(db: Db, provider: PaymentProvider, callbackUrl: (provider: string) => string, input: { planId: number; phone: string; actor: string; now: number; zone?: string }): Promise<PaymentRequestResult> {
  const plan = findPlanById(db, input.planId);
  if (!plan || plan.billingKind !== 'prepaid') throw new LangoError('INPUT_UNKNOWN_PLAN', { name: String(input.planId) });
  if (!provider.currencies.includes(plan.currency)) throw new LangoError('PAY_CURRENCY_NOT_TAKEN', { name: provider.name, allowed: provider.currencies.join(', '), currency: plan.currency });
  const phone = normalisePhone(input.phone, getSetting(db, 'operator.country'));
  if (!phone) throw new LangoError('INPUT_BAD_PHONE', { value: input.phone });
  // Taxes and promotions included, so the sale's invoice is paid in full by what the phone pays.
  const amountMinor = purchasePrice(db, plan.id, input.now, input.zone ?? 'Africa/Nairobi');
  if (amountMinor <= 0 || amountMinor % provider.amountStepMinor !== 0) throw new LangoError('PAY_AMOUNT_STEP', { name: provider.name, step: provider.amountStepMinor, amount: amountMinor });
  // A second request for the same phone and plan while one waits: refused, not handed back —
  // the attempt's key is what shows the code it buys, and anyone can type a phone number.
  if (findOpenPurchase(db, { provider: provider.name, planId: plan.id, phone }, input.now - TWIN_WINDOW_MS)) throw new LangoError('PAY_ALREADY_WAITING');
  const url = callbackUrl(provider.name);
  const attempt = createAttempt(db, { key: randomUUID(), provider: provider.name, purpose: 'hotspot', customerId: null, planId: plan.id, amountMinor, currency: plan.currency, phone, accountReference: 'WIFI', actor: input.actor, now: input.now });
  const answer = await provider.initiate({ key: attempt.key, amountMinor, currency: plan.currency, phone, accountReference: 'WIFI', description: plan.name.slice(0, 13), callbackUrl: url });
  recordInitiation(db, attempt, provider, answer);
  return { attempt: findAttempt(db, attempt.id)!, reused: false };
}

export type PurchaseStatus =
  | { state: 'pending' }
  | { state: 'paid'; code: string; password: string }
  | { state: 'failed'; reason: 'cancelled' | 'expired' | 'failed'; code: string | null };

/**
 * Where a hotspot purchase stands, for the portal page polling it by the attempt's key (an
 * unguessable UUID, so knowing it is the right to see the code it bought).
 */
export function purchaseStatus(db: Db, key: string): PurchaseStatus | undefined {
  const attempt = findAttemptByKey(db, key);
  if (!attempt || attempt.purpose !== 'hotspot') return undefined;
  if (attempt.status === 'pending' || attempt.status === 'unknown') return { state: 'pending' };
  if (attempt.status === 'succeeded') {
    // Only a voucher's code is shown: never another account's name, whatever staff approved.
    const code = attempt.customerId === null ? undefined : voucherCodeOf(db, attempt.customerId);
    // Paid but held for review (an amount or phone that did not match): not sold yet.
    return code ? { state: 'paid', code, password: code } : { state: 'pending' };
  }
  return { state: 'failed', reason: attempt.status === 'cancelled' ? 'cancelled' : attempt.status === 'expired' ? 'expired' : 'failed', code: attempt.resultCode };
}

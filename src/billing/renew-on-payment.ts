import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import type { Language } from '../i18n/index.js';
import { subscriptions } from '../db/schema/billing.js';
import { issueInvoice, notify, priceCharges } from './invoices.js';
import { walletBalance } from './ledger.js';
import { currentRateLimit } from './plans.js';
import { emptyResult, renewalContext, renewSubscription, restartCharge, serviceLine } from './run.js';
import { subscriptionOf } from './subscriptions.js';
import { recordEvent } from './timeline.js';
import { periodEnd } from './plan-period.js';
import { customerRef, recordEvent as recordWebhookEvent } from '../events/outbox.js';

export type RenewOnPaymentResult =
  | { kind: 'none' }
  /** A renewal that was due (the daily run had not reached it) went through from the wallet. */
  | { kind: 'renewed'; rateLimit: string | null }
  /** An expired prepaid package started again from now, paid from the wallet. */
  | { kind: 'restarted'; invoiceNumber: string; rateLimit: string | null };

/**
 * Money just arrived: a prepaid customer whose package ran out, or whose renewal is due and
 * waiting for the daily run, gets it now if the wallet covers it, instead of waiting until
 * tomorrow. A restarted package runs from the moment of payment (the customer was offline
 * in between), invoiced and paid from the wallet like a renewal. Runs in the caller's
 * transaction, after the payment is posted.
 */
export function renewOnPayment(db: Db, customerId: number, now: number, zone: string, actor: string): RenewOnPaymentResult {
  const sub = subscriptionOf(db, customerId);
  if (!sub || sub.billingKind !== 'prepaid') return { kind: 'none' };
  const c = renewalContext(db, now, zone, actor);
  if (sub.status === 'active') {
    if (sub.periodEnd === null || sub.periodEnd > now) return { kind: 'none' };
    const result = emptyResult();
    renewSubscription(db, sub, c, result);
    const renewed = result.renewed > 0 || result.movedToGracePlan > 0;
    return renewed ? { kind: 'renewed', rateLimit: result.speedChanges[0]?.rateLimit ?? null } : { kind: 'none' };
  }
  if (sub.status !== 'expired') return { kind: 'none' };
  const customer = c.customer(customerId);
  if (customer.status !== 'active') return { kind: 'none' };
  const { plan, period, lines } = restartCharge(db, sub, c);
  const { totals } = priceCharges(lines, customer.taxExempt);
  const wallet = walletBalance(db, customerId, customer.currency);
  if (wallet < totals.grossMinor) return { kind: 'none' };
  const { invoice } = issueInvoice(db, {
    key: `restart:${sub.id}:${now}`,
    customerId,
    subscriptionId: sub.id,
    currency: customer.currency,
    taxExempt: customer.taxExempt,
    issuedAt: now,
    dueAt: now,
    periodStart: period.periodStart,
    periodEnd: period.periodEnd,
    lines,
    actor,
    zone,
    walletMinor: wallet,
    quiet: true,
  });
  db.update(subscriptions)
    .set({ status: 'active', ...period, startedAt: now, updatedAt: now })
    .where(eq(subscriptions.id, sub.id))
    .run();
  recordEvent(db, customerId, 'renewed', actor, { plan: plan.name, periodStart: period.periodStart, periodEnd: period.periodEnd, invoice: invoice.number, grossMinor: invoice.grossMinor }, now);
  recordWebhookEvent(db, 'subscription.renewed', () => ({ ...customerRef(db, customerId), subscriptionId: sub.id, plan: plan.name, periodStart: period.periodStart === null ? null : new Date(period.periodStart).toISOString(), periodEnd: period.periodEnd === null ? null : new Date(period.periodEnd).toISOString(), invoiceNumber: invoice.number, amountMinor: invoice.grossMinor, currency: customer.currency }), now);
  notify(db, customerId, 'renewed', now, `subscription:${sub.id}:${now}`);
  return { kind: 'restarted', invoiceNumber: invoice.number, rateLimit: currentRateLimit(plan, 0) };
}

/**
 * A plan bought outright (a voucher sold on the captive portal): invoiced and paid from the
 * wallet the payment just filled, in the caller's transaction, so the sale has its invoice,
 * revenue and tax like any renewal. The period itself starts at the first login.
 */
export function chargePlanFromWallet(db: Db, customerId: number, planId: number, now: number, zone: string, actor: string, key: string): { invoiceNumber: string } {
  const c = renewalContext(db, now, zone, actor);
  const customer = c.customer(customerId);
  const lines = purchaseLines(c, planId, now, zone, customer.language);
  const { invoice } = issueInvoice(db, {
    key,
    customerId,
    subscriptionId: subscriptionOf(db, customerId)?.id ?? null,
    currency: customer.currency,
    taxExempt: customer.taxExempt,
    issuedAt: now,
    dueAt: now,
    periodStart: null,
    periodEnd: null,
    lines,
    actor,
    zone,
    walletMinor: walletBalance(db, customerId, customer.currency),
    quiet: true,
  });
  return { invoiceNumber: invoice.number };
}

function purchaseLines(c: ReturnType<typeof renewalContext>, planId: number, now: number, zone: string, language: Language = 'en') {
  const plan = c.plan(planId);
  return [serviceLine(plan, now, periodEnd(now, plan, zone) ?? now, c, language)];
}

/**
 * What buying a plan outright costs now, taxes and promotions included: the amount a hotspot
 * purchase asks the phone for, so the invoice issued when it is paid is paid in full.
 */
export function purchasePrice(db: Db, planId: number, now: number, zone: string): number {
  const c = renewalContext(db, now, zone, 'system');
  return priceCharges(purchaseLines(c, planId, now, zone), false).totals.grossMinor;
}

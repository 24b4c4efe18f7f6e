import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers, plans, subscriptions } from '../db/schema/billing.js';
import { invoices } from '../db/schema/ledger.js';
import { LangoError } from '../errors.js';
import { t } from '../i18n/index.js';
import { getSetting } from '../settings/index.js';
import { issueCreditNote, issueInvoice, type Invoice } from './invoices.js';
import { findPlanByName, currentRateLimit } from './plans.js';
import { planChange, prorate } from './proration.js';
import { findTaxClass } from './tax-classes.js';
import { previousBoundary } from './calendar.js';
import { subscribe } from './subscriptions.js';
import { recordEvent } from './timeline.js';

export interface PlanChangeResult {
  username: string;
  from: string;
  to: string;
  when: 'now' | 'renewal';
  /** The speed open sessions should get now (CoA), when the change is immediate. */
  rateLimit: string | null;
  invoice: Invoice | null;
  creditNote: Invoice | null;
}

/**
 * Upgrade or downgrade. At renewal: the next period simply uses the new plan. Now: the period
 * keeps its dates, the unused part of the old plan is credited and the rest of the period on the
 * new plan is charged, both prorated by the second; prepaid money moves through the wallet (the
 * credit note returns the unused part of the invoice that paid for this period), postpaid
 * invoices the old plan's part now and the new plan's part at the cycle's end.
 */
export function changePlan(db: Db, input: { username: string; planName: string; when: 'now' | 'renewal'; actor: string; at: number; zone: string }): PlanChangeResult {
  return db.transaction((tx) => {
    const d = tx as Db;
    const plan = findPlanByName(d, input.planName);
    if (!plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: input.planName });
    const customer = d.select().from(customers).where(eq(customers.username, input.username.trim())).get();
    if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username: input.username });
    const sub = d.select().from(subscriptions).where(eq(subscriptions.customerId, customer.id)).get();
    if (!sub) throw new LangoError('INPUT_NO_SUBSCRIPTION', { username: customer.username });
    const old = d.select().from(plans).where(eq(plans.id, sub.planId)).get()!;
    if (old.id === plan.id) throw new LangoError('INPUT_SAME_PLAN', { username: customer.username, plan: plan.name });
    const result: PlanChangeResult = { username: customer.username, from: old.name, to: plan.name, when: input.when, rateLimit: null, invoice: null, creditNote: null };

    const periodOpen = sub.periodStart !== null && sub.periodEnd !== null && sub.periodStart <= input.at && input.at < sub.periodEnd;
    if (input.when === 'renewal' && periodOpen) {
      d.update(subscriptions).set({ nextPlanId: plan.id, updatedAt: input.at }).where(eq(subscriptions.id, sub.id)).run();
      recordEvent(d, customer.id, 'plan_changed', input.actor, { from: old.name, to: plan.name, when: 'renewal', at: sub.periodEnd }, input.at);
      return result;
    }

    if (periodOpen) {
      const taxClassCode = plan.taxClass ?? getSetting(d, 'billing.defaultTaxClass');
      const taxClass = taxClassCode === null ? null : (findTaxClass(d, taxClassCode) ?? null);
      const change = planChange({ oldPriceMinor: old.priceMinor, newPriceMinor: plan.priceMinor, periodStart: sub.periodStart!, periodEnd: sub.periodEnd!, at: input.at });
      const common = { customerId: customer.id, subscriptionId: sub.id, currency: customer.currency, taxExempt: customer.taxExempt, actor: input.actor, zone: input.zone };
      if (sub.billingKind === 'prepaid') {
        // The invoice that paid for this period: a renewal's, or the last plan change's.
        const paidFor = d.select().from(invoices).where(and(eq(invoices.key, `renewal:${sub.id}:${sub.periodStart}`))).get();
        if (paidFor && paidFor.status !== 'void') {
          const unused = prorate(paidFor.grossMinor, sub.periodStart!, sub.periodEnd!, input.at);
          if (unused > 0) result.creditNote = issueCreditNote(d, { invoiceNumber: paidFor.number, amountMinor: unused, reason: t('billing.lineChangeCredit', { plan: old.name }), actor: input.actor, at: input.at, zone: input.zone });
        }
        if (change.chargeMinor > 0) {
          result.invoice = issueInvoice(d, {
            ...common,
            key: `change:${sub.id}:${input.at}`,
            issuedAt: input.at,
            dueAt: input.at,
            periodStart: input.at,
            periodEnd: sub.periodEnd,
            lines: [{ description: t('billing.lineChangeCharge', { plan: plan.name }), quantity: 1, unitPriceMinor: change.chargeMinor, taxClass, discounts: [], revenue: 'service' }],
          }).invoice;
        }
      } else {
        // Postpaid bills in arrears: the old plan's share of the cycle so far, now.
        const cycleStart = sub.cycle !== null && sub.anchorDay !== null ? Math.min(sub.periodStart!, previousBoundary(sub.periodEnd!, { cycle: sub.cycle, anchorDay: sub.anchorDay }, input.zone)) : sub.periodStart!;
        const share = prorate(old.priceMinor, cycleStart, sub.periodEnd!, sub.periodStart!) - prorate(old.priceMinor, cycleStart, sub.periodEnd!, input.at);
        if (share > 0) {
          result.invoice = issueInvoice(d, {
            ...common,
            key: `change:${sub.id}:${input.at}`,
            issuedAt: input.at,
            dueAt: input.at + getSetting(d, 'billing.dueDays') * 86_400_000,
            periodStart: sub.periodStart,
            periodEnd: input.at,
            lines: [{ description: t('billing.lineService', { plan: old.name, from: new Date(sub.periodStart!).toISOString().slice(0, 10), to: new Date(input.at).toISOString().slice(0, 10) }), quantity: 1, unitPriceMinor: share, taxClass, discounts: [], revenue: 'service' }],
          }).invoice;
        }
      }
    }
    if (plan.billingKind !== old.billingKind) {
      // Prepaid and postpaid periods mean different things: the new kind starts a period of its own.
      subscribe(d, customer.id, plan, input.at, input.zone, input.actor);
      result.rateLimit = currentRateLimit(plan, 0);
      return result;
    }
    d.update(subscriptions)
      .set({ planId: plan.id, nextPlanId: null, billingKind: plan.billingKind, ...(periodOpen && sub.billingKind === 'postpaid' ? { periodStart: input.at } : {}), updatedAt: input.at })
      .where(eq(subscriptions.id, sub.id))
      .run();
    recordEvent(d, customer.id, 'plan_changed', input.actor, { from: old.name, to: plan.name, when: 'now' }, input.at);
    result.rateLimit = currentRateLimit(plan, 0);
    return result;
  }, { behavior: 'immediate' });
}

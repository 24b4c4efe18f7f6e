import { and, desc, eq, gt, like, lte, ne, or } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers, plans, subscriptions, type Currency } from '../db/schema/billing.js';
import { invoices } from '../db/schema/ledger.js';
import { LangoError } from '../errors.js';
import { DateTime } from 'luxon';
import { t, type Language } from '../i18n/index.js';
import { getSetting } from '../settings/index.js';
import { issueCreditNote, issueInvoice, priceCharges, type ChargeLine, type Invoice } from './invoices.js';
import { findPlanByName, currentRateLimit, type Plan } from './plans.js';
import { planChange, prorate } from './proration.js';
import { findTaxClass } from './tax-classes.js';
import type { TaxClass } from './tax.js';
import { previousBoundary } from './calendar.js';
import { subscribe, type Subscription } from './subscriptions.js';
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

export interface PlanChangeInput {
  username: string;
  planName: string;
  when: 'now' | 'renewal';
  at: number;
  zone: string;
}

/** Everything a plan change depends on, read in one place so the preview and the change see the same. */
export interface PlanChangeFacts {
  /** `language`: the words of the invoice lines and credit note, stored as issued. */
  customer: { id: number; username: string; currency: Currency; taxExempt: boolean; language: Language };
  subscription: Subscription;
  from: Plan;
  to: Plan;
  /**
   * Prepaid: the invoice that paid for the time from now on (a renewal's, a restarted package's
   * or the last plan change's), with what other credit notes already gave back of it; null when
   * none does (a first period given by staff, or one already credited by an earlier change).
   */
  paidFor: { number: string; grossMinor: number; periodStart: number; periodEnd: number; otherCreditsMinor: number } | null;
  taxClass: TaxClass | null;
  dueDays: number;
}

/**
 * What a plan change will do, computed without writing: `changePlan` carries out exactly this,
 * so the page that shows it before "Confirm" and the change itself cannot disagree.
 */
export interface PlanChangePreview {
  username: string;
  from: string;
  to: string;
  when: 'now' | 'renewal';
  at: number;
  currency: Currency;
  /** 'renewal': the next period uses the new plan, nothing is charged now; 'now': the change applies at `at`. */
  effect: 'renewal' | 'now';
  /** When the change takes effect (the period's end for 'renewal'). */
  effectiveAt: number;
  /** Prepaid: the unused part of the invoice that paid for this period, back to the wallet. */
  creditNote: { invoiceNumber: string; amountMinor: number; reason: string } | null;
  /** What is invoiced now (prepaid: the new plan for the rest of the period; postpaid: the old plan's share so far). */
  invoice: { key: string; issuedAt: number; dueAt: number; periodStart: number | null; periodEnd: number | null; lines: ChargeLine[]; netMinor: number; taxMinor: number; grossMinor: number } | null;
  /** Prepaid ↔ postpaid: a new period of the new kind starts at `at`. */
  newPeriod: boolean;
  /** The speed open sessions get now (CoA); null when nothing changes now. */
  rateLimit: string | null;
}

/** Reads what a plan change needs; throws the same input errors the change would. */
export function readPlanChange(db: Db, input: Pick<PlanChangeInput, 'username' | 'planName' | 'at'>): PlanChangeFacts {
  const plan = findPlanByName(db, input.planName);
  if (!plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: input.planName });
  const customer = db.select().from(customers).where(eq(customers.username, input.username.trim())).get();
  if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username: input.username });
  const sub = db.select().from(subscriptions).where(eq(subscriptions.customerId, customer.id)).get();
  if (!sub) throw new LangoError('INPUT_NO_SUBSCRIPTION', { username: customer.username });
  const old = db.select().from(plans).where(eq(plans.id, sub.planId)).get()!;
  if (old.id === plan.id) throw new LangoError('INPUT_SAME_PLAN', { username: customer.username, plan: plan.name });
  const taxClassCode = plan.taxClass ?? getSetting(db, 'billing.defaultTaxClass');
  const taxClass = taxClassCode === null ? null : (findTaxClass(db, taxClassCode) ?? null);
  return {
    customer: { id: customer.id, username: customer.username, currency: customer.currency, taxExempt: customer.taxExempt, language: customer.language },
    subscription: sub,
    from: old,
    to: plan,
    paidFor: paidForNow(db, sub, input.at),
    taxClass,
    dueDays: getSetting(db, 'billing.dueDays'),
  };
}

/** Marks the credit notes plan changes issue, so a later change knows that invoice's time was already given back. */
const changeCreditKey = (subscriptionId: number, at: number) => `plan-change:${subscriptionId}:${at}`;

function paidForNow(db: Db, sub: Subscription, at: number): PlanChangeFacts['paidFor'] {
  if (sub.billingKind !== 'prepaid') return null;
  // The customer's newest invoice of this subscription whose period holds `at`: a renewal, a
  // restart or a plan change each pay for the time up to the period's end.
  const paying = db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.customerId, sub.customerId),
        eq(invoices.subscriptionId, sub.id),
        eq(invoices.kind, 'invoice'),
        ne(invoices.status, 'void'),
        lte(invoices.periodStart, at),
        gt(invoices.periodEnd, at),
        or(like(invoices.key, `renewal:${sub.id}:%`), like(invoices.key, `restart:${sub.id}:%`), like(invoices.key, `change:${sub.id}:%`)),
      ),
    )
    .orderBy(desc(invoices.issuedAt), desc(invoices.id))
    .get();
  if (!paying || paying.periodStart === null || paying.periodEnd === null) return null;
  const credits = db.select({ key: invoices.key, grossMinor: invoices.grossMinor }).from(invoices).where(eq(invoices.correctsId, paying.id)).all();
  // An earlier plan change already returned this invoice's remaining time.
  if (credits.some((c) => c.key.startsWith(`credit-request:plan-change:`))) return null;
  return { number: paying.number, grossMinor: paying.grossMinor, periodStart: paying.periodStart, periodEnd: paying.periodEnd, otherCreditsMinor: credits.reduce((sum, c) => sum + c.grossMinor, 0) };
}

/**
 * Upgrade or downgrade, as a pure computation over what readPlanChange read. At renewal: the
 * next period simply uses the new plan. Now: the period keeps its dates, the unused part of the
 * old plan is credited and the rest of the period on the new plan is charged, both prorated by
 * the second; prepaid money moves through the wallet (the credit note returns the unused part of
 * the invoice that paid for this period), postpaid invoices the old plan's part now and the new
 * plan's part at the cycle's end.
 */
export function planChangePreview(facts: PlanChangeFacts, when: 'now' | 'renewal', at: number, zone: string): PlanChangePreview {
  const { customer, subscription: sub, from: old, to: plan } = facts;
  const base = { username: customer.username, from: old.name, to: plan.name, when, at, currency: customer.currency, creditNote: null, invoice: null };
  const periodOpen = sub.periodStart !== null && sub.periodEnd !== null && sub.periodStart <= at && at < sub.periodEnd;
  if (when === 'renewal' && periodOpen) return { ...base, effect: 'renewal', effectiveAt: sub.periodEnd!, newPeriod: false, rateLimit: null };
  const preview: PlanChangePreview = { ...base, effect: 'now', effectiveAt: at, newPeriod: plan.billingKind !== old.billingKind, rateLimit: currentRateLimit(plan, 0) };
  if (!periodOpen) return preview;
  const start = sub.periodStart!;
  const end = sub.periodEnd!;
  const invoiceOf = (fields: { dueAt: number; periodStart: number | null; periodEnd: number | null; line: ChargeLine }): PlanChangePreview['invoice'] => {
    const { totals } = priceCharges([fields.line], customer.taxExempt);
    return { key: `change:${sub.id}:${at}`, issuedAt: at, dueAt: fields.dueAt, periodStart: fields.periodStart, periodEnd: fields.periodEnd, lines: [fields.line], netMinor: totals.netMinor, taxMinor: totals.taxMinor, grossMinor: totals.grossMinor };
  };
  if (sub.billingKind === 'prepaid') {
    const change = planChange({ oldPriceMinor: old.priceMinor, newPriceMinor: plan.priceMinor, periodStart: start, periodEnd: end, at });
    if (facts.paidFor) {
      // The unused time of what was paid, but never more than other credit notes left of the invoice.
      const paid = facts.paidFor;
      const unused = Math.min(prorate(paid.grossMinor, paid.periodStart, paid.periodEnd, at), paid.grossMinor - paid.otherCreditsMinor);
      if (unused > 0) preview.creditNote = { invoiceNumber: facts.paidFor.number, amountMinor: unused, reason: t('billing.lineChangeCredit', { plan: old.name }, customer.language) };
    }
    if (change.chargeMinor > 0) {
      preview.invoice = invoiceOf({
        dueAt: at,
        periodStart: at,
        periodEnd: end,
        line: { description: t('billing.lineChangeCharge', { plan: plan.name }, customer.language), quantity: 1, unitPriceMinor: change.chargeMinor, taxClass: facts.taxClass, discounts: [], revenue: 'service' },
      });
    }
  } else {
    // The operator's calendar day in the customer's words, as the billing run writes its lines.
    const day = (ms: number) => DateTime.fromMillis(ms, { zone }).setLocale(customer.language === 'ar' ? 'ar-u-nu-latn' : 'en-US').toFormat('d LLL yyyy');
    // Postpaid bills in arrears: the old plan's share of the cycle so far, now.
    const cycleStart = sub.cycle !== null && sub.anchorDay !== null ? Math.min(start, previousBoundary(end, { cycle: sub.cycle, anchorDay: sub.anchorDay }, zone)) : start;
    const share = prorate(old.priceMinor, cycleStart, end, start) - prorate(old.priceMinor, cycleStart, end, at);
    if (share > 0) {
      preview.invoice = invoiceOf({
        dueAt: at + facts.dueDays * 86_400_000,
        periodStart: start,
        periodEnd: at,
        line: { description: t('billing.lineService', { plan: old.name, from: day(start), to: day(at) }, customer.language), quantity: 1, unitPriceMinor: share, taxClass: facts.taxClass, discounts: [], revenue: 'service' },
      });
    }
  }
  return preview;
}

/** What changePlan would do now, without writing anything. */
export function previewPlanChange(db: Db, input: PlanChangeInput): PlanChangePreview {
  return planChangePreview(readPlanChange(db, input), input.when, input.at, input.zone);
}

/** Carries out a plan change (see planChangePreview for what it does), in one transaction. */
export function changePlan(db: Db, input: PlanChangeInput & { actor: string }): PlanChangeResult {
  return db.transaction((tx) => {
    const d = tx as Db;
    const facts = readPlanChange(d, input);
    return applyPlanChange(d, facts, planChangePreview(facts, input.when, input.at, input.zone), input);
  }, { behavior: 'immediate' });
}

function applyPlanChange(d: Db, facts: PlanChangeFacts, preview: PlanChangePreview, input: PlanChangeInput & { actor: string }): PlanChangeResult {
  const { customer, subscription: sub, from: old, to: plan } = facts;
  const result: PlanChangeResult = { username: customer.username, from: old.name, to: plan.name, when: input.when, rateLimit: null, invoice: null, creditNote: null };
  if (preview.effect === 'renewal') {
    d.update(subscriptions).set({ nextPlanId: plan.id, updatedAt: input.at }).where(eq(subscriptions.id, sub.id)).run();
    recordEvent(d, customer.id, 'plan_changed', input.actor, { from: old.name, to: plan.name, when: 'renewal', at: sub.periodEnd }, input.at);
    return result;
  }
  if (preview.creditNote) {
    result.creditNote = issueCreditNote(d, { invoiceNumber: preview.creditNote.invoiceNumber, amountMinor: preview.creditNote.amountMinor, reason: preview.creditNote.reason, actor: input.actor, at: input.at, zone: input.zone, requestKey: changeCreditKey(sub.id, input.at) });
  }
  if (preview.invoice) {
    const { lines, key, issuedAt, dueAt, periodStart, periodEnd } = preview.invoice;
    result.invoice = issueInvoice(d, { customerId: customer.id, subscriptionId: sub.id, currency: customer.currency, taxExempt: customer.taxExempt, actor: input.actor, zone: input.zone, key, issuedAt, dueAt, periodStart, periodEnd, lines }).invoice;
  }
  result.rateLimit = preview.rateLimit;
  if (preview.newPeriod) {
    // Prepaid and postpaid periods mean different things: the new kind starts a period of its own.
    subscribe(d, customer.id, plan, input.at, input.zone, input.actor);
    return result;
  }
  const periodOpen = sub.periodStart !== null && sub.periodEnd !== null && sub.periodStart <= input.at && input.at < sub.periodEnd;
  d.update(subscriptions)
    .set({ planId: plan.id, nextPlanId: null, billingKind: plan.billingKind, ...(periodOpen && sub.billingKind === 'postpaid' ? { periodStart: input.at } : {}), updatedAt: input.at })
    .where(eq(subscriptions.id, sub.id))
    .run();
  recordEvent(d, customer.id, 'plan_changed', input.actor, { from: old.name, to: plan.name, when: 'now' }, input.at);
  return result;
}

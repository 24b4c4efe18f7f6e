import { and, asc, eq, inArray, lte, notInArray, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { zoneFor } from './zone.js';
import type { Db } from '../db/connection.js';
import { preparedPer, sqliteOf } from '../db/prepared.js';
import { customers, plans, subscriptions, usage, type Currency } from '../db/schema/billing.js';
import { invoices, promotions } from '../db/schema/ledger.js';
import { t, type Language } from '../i18n/index.js';
import { getSetting } from '../settings/index.js';
import { issueInvoice, notify, priceCharges, type ChargeLine } from './invoices.js';
import { walletBalance } from './ledger.js';
import type { Plan } from './plans.js';
import { currentRateLimit } from './plans.js';
import { previousBoundary, type Anchor } from './calendar.js';
import { prorate } from './proration.js';
import { firstPeriod, followingPeriod, subscriptionOf, type Subscription } from './subscriptions.js';
import { activePromotions, type Discount, type TaxClass } from './tax.js';
import { findTaxClass } from './tax-classes.js';
import { firstUncoveredDue, instalmentsOf } from './instalment-schedule.js';
import { recordEvent } from './timeline.js';
import { recordStatusEvent } from './customers.js';
import { customerRef, recordEvent as recordWebhookEvent } from '../events/outbox.js';
import { pausesToEnd, resumeSubscription } from './pause.js';

const DAY = 86_400_000;
const TARGET_CHUNK_MS = 15;
const GB = 1_000_000_000;

export interface BillingRunOptions {
  now: number;
  zone: string;
  actor?: string;
  /** Subscriptions per transaction: small enough that RADIUS never waits long for the database. */
  chunkSize?: number;
  /**
   * Between transactions, give the event loop back; told how long the last one held it. The
   * default yields one turn. The daemon waits as long as the transaction took while routers
   * are sending, because libuv reads only 32 datagrams per socket per turn: one turn between
   * 15 ms transactions would leave RADIUS about 2,000 requests a second.
   */
  pause?: (lastTransactionMs: number) => Promise<void>;
  /** Checked between transactions: an aborted run throws and leaves what it committed. */
  signal?: AbortSignal;
  /** Test hook: called after each committed chunk (crash-injection tests kill the process here). */
  afterChunk?: (chunk: number) => void;
}

export interface BillingRunResult {
  renewed: number;
  /** Paused lines past the operator's longest pause, resumed before renewals. */
  resumed: number;
  invoiced: number;
  expired: number;
  movedToGracePlan: number;
  markedOverdue: number;
  suspended: number;
  reminders: number;
  failed: Array<{ subscriptionId: number; error: string }>;
  /** Customers whose speed changed at renewal (new plan, or FUP reset): the daemon sends CoA. */
  speedChanges: Array<{ customerId: number; rateLimit: string }>;
  chunks: number;
  longestChunkMs: number;
}

/**
 * The billing run: renew what is due, invoice postpaid cycles, mark overdue invoices, remind,
 * suspend. Every step is idempotent and keyed to the period it is about (an invoice is
 * `renewal:<subscription>:<boundary>`, issued at that boundary), so a run interrupted anywhere
 * and run again, or a run that catches up days later, writes exactly what one uninterrupted
 * run would have. Work is cut into short transactions with the event loop given back between
 * them, so Access-Requests keep being answered.
 */
export async function runBilling(db: Db, options: BillingRunOptions): Promise<BillingRunResult> {
  const { now, zone } = options;
  const actor = options.actor ?? 'system';
  // Without a fixed size, chunks grow or shrink to take about TARGET_CHUNK_MS each, so the
  // event loop (and RADIUS) never waits long whatever the machine or the mix of work.
  let chunkSize = options.chunkSize ?? 50;
  const adaptive = options.chunkSize === undefined;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const result = emptyResult();
  const context = renewalContext(db, now, zone, actor);

  const sqlite = sqliteOf(db);
  const chunk = async (work: (d: Db) => number): Promise<number> => {
    options.signal?.throwIfAborted();
    const started = performance.now();
    // Chunks commit without waiting for fsync (WAL, synchronous=NORMAL). Nothing here is
    // acknowledged to anyone: a run is re-derivable and reruns until its job is marked done,
    // and that record — like every later write that could tell someone about a chunk (an SMS
    // handed over, an Accounting-Response) — is a synchronous=FULL commit, whose fsync of the
    // append-only WAL makes every earlier chunk durable too. It saves the run an fsync per
    // chunk, and RADIUS the disk's fsync stalls inside them.
    sqlite.pragma('synchronous = NORMAL');
    let done: number;
    try {
      done = db.transaction((tx) => work(tx as Db), { behavior: 'immediate' });
    } finally {
      sqlite.pragma('synchronous = FULL');
    }
    const elapsed = performance.now() - started;
    result.longestChunkMs = Math.max(result.longestChunkMs, elapsed);
    if (adaptive && done > 0) chunkSize = Math.max(10, Math.min(2000, Math.round((chunkSize * TARGET_CHUNK_MS) / Math.max(elapsed, 1))));
    result.chunks++;
    options.afterChunk?.(result.chunks);
    await pause(elapsed);
    return done;
  };

  // 0. Pauses past the operator's longest end first, so their renewals follow from the moved
  // period end. Renewals below only take 'active' lines: a paused line is never renewed,
  // invoiced or expired while paused. Looked for before a chunk opens, so with nothing to
  // resume (the usual case) the run has no extra chunk.
  while (pausesToEnd(db, now, 1).length > 0) {
    await chunk((d) => {
      const due = pausesToEnd(d, now, chunkSize);
      for (const { customerId } of due) if (resumeSubscription(d, { customerId, at: now, actor }).kind === 'resumed') result.resumed++;
      return due.length;
    });
  }

  // 1. Renewals and postpaid invoices, oldest boundary first.
  const failedIds: number[] = [];
  for (;;) {
    // Optimistic first: the chunk runs without a savepoint per subscription (each costs two
    // statements). If anything in it throws, the chunk is rolled back and run again with one
    // savepoint per subscription, so one bad row is reported and skipped, not the whole run.
    const renewChunk = (d: Db, careful: boolean, tally: BillingRunResult) => {
      const due = d
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.status, 'active'), lte(subscriptions.periodEnd, now), failedIds.length ? notInArray(subscriptions.id, failedIds) : undefined))
        .orderBy(asc(subscriptions.periodEnd), asc(subscriptions.id))
        .limit(chunkSize)
        .all();
      for (const sub of due) {
        if (!careful) {
          renewSubscription(d, sub, context, tally);
          continue;
        }
        try {
          sqliteOf(d).transaction(() => renewSubscription(d, sub, context, tally))();
        } catch (err) {
          failedIds.push(sub.id);
          tally.failed.push({ subscriptionId: sub.id, error: err instanceof Error ? err.message : String(err) });
        }
      }
      return due.length;
    };
    let tally = emptyResult();
    let handled: number;
    try {
      handled = await chunk((d) => renewChunk(d, false, (tally = emptyResult())));
    } catch (err) {
      if (options.signal?.aborted) throw err;
      handled = await chunk((d) => renewChunk(d, true, (tally = emptyResult())));
    }
    merge(result, tally);
    if (handled === 0) break;
  }

  // 2. Invoices past due become overdue. Under an instalment arrangement, only once a part
  // falls due that payments do not cover.
  let lateAfter = 0;
  for (;;) {
    const seen = await chunk((d) => {
      const late = d
        .select({ id: invoices.id, paidMinor: invoices.paidMinor })
        .from(invoices)
        .where(and(eq(invoices.kind, 'invoice'), inArray(invoices.status, ['issued', 'partially_paid']), sql`${invoices.dueAt} < ${now}`, sql`${invoices.id} > ${lateAfter}`))
        .orderBy(asc(invoices.id))
        .limit(chunkSize * 4)
        .all();
      const arranged = instalmentsOf(d, late.map((i) => i.id));
      for (const invoice of late) {
        lateAfter = invoice.id;
        const parts = arranged.get(invoice.id);
        const uncovered = parts ? firstUncoveredDue(parts, invoice.paidMinor) : 0;
        if (uncovered === null || uncovered >= now) continue;
        d.update(invoices).set({ status: 'overdue' }).where(eq(invoices.id, invoice.id)).run();
        result.markedOverdue++;
      }
      return late.length;
    });
    if (seen === 0) break;
  }

  // 3. Reminders: the latest reminder whose day has come, once per invoice and reminder day.
  const reminderDays = [...getSetting(db, 'billing.reminderDays')].sort((a, b) => b - a);
  if (reminderDays.length > 0) {
    const earliest = Math.max(...reminderDays);
    let afterId = 0;
    for (;;) {
      const seen = await chunk((d) => {
        const open = d
          .select({ id: invoices.id, number: invoices.number, customerId: invoices.customerId, dueAt: invoices.dueAt })
          .from(invoices)
          .where(and(eq(invoices.kind, 'invoice'), inArray(invoices.status, ['issued', 'partially_paid', 'overdue']), sql`${invoices.dueAt} <= ${now + earliest * DAY}`, sql`${invoices.id} > ${afterId}`))
          .orderBy(asc(invoices.id))
          .limit(chunkSize * 4)
          .all();
        for (const invoice of open) {
          afterId = invoice.id;
          const passed = reminderDays.filter((days) => now >= invoice.dueAt - days * DAY);
          const latest = passed[passed.length - 1];
          if (latest === undefined) continue;
          const kind = latest > 0 ? 'due_soon' : latest === 0 ? 'due_today' : 'overdue';
          if (notify(d, invoice.customerId, kind, invoice.dueAt, `invoice:${invoice.number}:${latest}`)) {
            result.reminders++;
            recordEvent(d, invoice.customerId, 'reminder', actor, { invoice: invoice.number, days: latest }, now);
          }
        }
        return open.length;
      });
      if (seen === 0) break;
    }
  }

  // 4. Suspend accounts with an invoice overdue past the grace period (for an arrangement,
  // past the grace period after the part that was missed).
  const graceMs = getSetting(db, 'billing.graceDays') * DAY;
  let customerAfter = 0;
  for (;;) {
    const seen = await chunk((d) => {
      const late = and(eq(invoices.status, 'overdue'), sql`${invoices.dueAt} + ${graceMs} <= ${now}`);
      const candidates = d
        .selectDistinct({ customerId: invoices.customerId })
        .from(invoices)
        .innerJoin(customers, eq(customers.id, invoices.customerId))
        .where(and(late, eq(customers.status, 'active'), sql`${invoices.customerId} > ${customerAfter}`))
        .orderBy(asc(invoices.customerId))
        .limit(chunkSize)
        .all();
      for (const { customerId } of candidates) {
        customerAfter = customerId;
        const overdue = d.select({ id: invoices.id, paidMinor: invoices.paidMinor }).from(invoices).where(and(late, eq(invoices.customerId, customerId))).all();
        const arranged = instalmentsOf(d, overdue.map((i) => i.id));
        const missedLongAgo = overdue.some((invoice) => {
          const parts = arranged.get(invoice.id);
          const missed = parts ? firstUncoveredDue(parts, invoice.paidMinor) : 0;
          return missed !== null && missed + graceMs <= now;
        });
        if (!missedLongAgo) continue;
        d.update(customers).set({ status: 'suspended', suspendedReason: 'overdue', updatedAt: now }).where(eq(customers.id, customerId)).run();
        recordEvent(d, customerId, 'suspended', actor, { reason: 'overdue' }, now);
        recordStatusEvent(d, customerId, 'active', 'suspended', 'overdue', now);
        notify(d, customerId, 'suspended', now, `at:${now}`);
        result.suspended++;
      }
      return candidates.length;
    });
    if (seen === 0) break;
  }
  return result;
}

export function emptyResult(): BillingRunResult {
  return { renewed: 0, resumed: 0, invoiced: 0, expired: 0, movedToGracePlan: 0, markedOverdue: 0, suspended: 0, reminders: 0, failed: [], speedChanges: [], chunks: 0, longestChunkMs: 0 };
}

/** Adds a committed chunk's counts to the run's. */
function merge(into: BillingRunResult, chunk: BillingRunResult): void {
  into.renewed += chunk.renewed;
  into.invoiced += chunk.invoiced;
  into.expired += chunk.expired;
  into.movedToGracePlan += chunk.movedToGracePlan;
  into.failed.push(...chunk.failed);
  into.speedChanges.push(...chunk.speedChanges);
}

export interface RenewalContext {
  now: number;
  zone: string;
  actor: string;
  dueDays: number;
  plan(id: number): Plan;
  taxClass(plan: Plan): TaxClass | null;
  discounts(plan: Plan, at: number): Discount[];
  customer(id: number): { currency: typeof customers.$inferSelect.currency; taxExempt: boolean; status: typeof customers.$inferSelect.status; language: Language };
}

export function renewalContext(db: Db, now: number, zone: string, actor: string): RenewalContext {
  const planById = new Map(db.select().from(plans).all().map((p) => [p.id, p]));
  const defaultTaxClass = getSetting(db, 'billing.defaultTaxClass');
  const taxClasses = new Map<string, TaxClass | null>();
  const promos = db.select().from(promotions).all();
  const customerRow = db.select({ currency: customers.currency, taxExempt: customers.taxExempt, status: customers.status, language: customers.language }).from(customers).where(eq(customers.id, sql.placeholder('id'))).prepare();
  return {
    now,
    zone,
    actor,
    dueDays: getSetting(db, 'billing.dueDays'),
    plan: (id) => {
      const plan = planById.get(id);
      if (!plan) throw new Error(`plan ${id} does not exist`);
      return plan;
    },
    taxClass: (plan) => {
      const code = plan.taxClass ?? defaultTaxClass;
      if (code === null) return null;
      if (!taxClasses.has(code)) taxClasses.set(code, findTaxClass(db, code) ?? null);
      return taxClasses.get(code)!;
    },
    discounts: (plan, at) =>
      activePromotions(
        promos
          .filter((p) => p.planId === null || p.planId === plan.id)
          .map((p) => ({
            code: p.code,
            startsAt: p.startsAt,
            endsAt: p.endsAt,
            discount: p.percentBasisPoints !== null ? { kind: 'percent' as const, basisPoints: p.percentBasisPoints, label: p.label } : { kind: 'fixed' as const, amountMinor: p.amountMinor ?? 0, label: p.label },
          })),
        at,
      ).map((p) => p.discount),
    customer: (id) => {
      const row = customerRow.get({ id });
      if (!row) throw new Error(`customer ${id} does not exist`);
      return row;
    },
  };
}

// Invoice lines name the same few boundary dates thousands of times in a run.
const dayNames = new Map<string, string>();
function formatDay(at: number, zone: string, language: Language): string {
  const key = `${at}|${zone}|${language}`;
  let name = dayNames.get(key);
  if (name === undefined) {
    if (dayNames.size > 10_000) dayNames.clear();
    dayNames.set(key, (name = DateTime.fromMillis(at, { zone: zoneFor(zone) }).setLocale(language === 'ar' ? 'ar-u-nu-latn' : 'en-US').toFormat('d LLL yyyy')));
  }
  return name;
}

/**
 * Brings one subscription up to date: each boundary passed is renewed (prepaid, from the
 * wallet) or invoiced (postpaid, in arrears), until the current period is in the future or the
 * subscription stops.
 */
export function renewSubscription(db: Db, start: Subscription, c: RenewalContext, result: BillingRunResult): void {
  let sub = start;
  const customer = c.customer(sub.customerId);
  let speedChanged = false;
  // Bounded: a daily plan missed for a year is 366 steps; anything more is a data error.
  for (let step = 0; sub.status === 'active' && sub.periodEnd !== null && sub.periodEnd <= c.now; step++) {
    if (step > 400) throw new Error(`subscription ${sub.id}: more than 400 periods to catch up`);
    const { boundary, current, plan, next, lines } = renewalCharge(db, sub, sub.periodEnd, c);
    if (plan.id !== current.id) speedChanged = true;
    const key = `renewal:${sub.id}:${boundary}`;

    if (sub.billingKind === 'postpaid') {
      issueInvoice(db, { key, customerId: sub.customerId, subscriptionId: sub.id, currency: customer.currency, taxExempt: customer.taxExempt, issuedAt: boundary, dueAt: boundary + c.dueDays * DAY, periodStart: sub.periodStart, periodEnd: boundary, lines, actor: c.actor, zone: c.zone, customerActive: customer.status === 'active' });
      result.invoiced++;
      sub = advance(db, sub, plan, boundary, next, c.now);
      continue;
    }

    if (!sub.autoRenew) {
      sub = db.update(subscriptions).set({ status: 'expired', updatedAt: c.now }).where(eq(subscriptions.id, sub.id)).returning().get();
      recordEvent(db, sub.customerId, 'expired', c.actor, { plan: current.name, at: boundary }, boundary);
      recordWebhookEvent(db, 'subscription.expired', () => ({ ...customerRef(db, sub.customerId), subscriptionId: sub.id, plan: current.name, expiredAt: new Date(boundary).toISOString(), reason: 'not_renewing' }), c.now);
      result.expired++;
      break;
    }
    const { totals } = priceCharges(lines, customer.taxExempt);
    const wallet = walletBalance(db, sub.customerId, customer.currency);
    if (wallet >= totals.grossMinor) {
      const { invoice } = issueInvoice(db, { key, customerId: sub.customerId, subscriptionId: sub.id, currency: customer.currency, taxExempt: customer.taxExempt, issuedAt: boundary, dueAt: boundary, periodStart: boundary, periodEnd: next, lines, actor: c.actor, zone: c.zone, walletMinor: wallet, quiet: true });
      sub = advance(db, sub, plan, boundary, next, c.now);
      recordEvent(db, sub.customerId, 'renewed', c.actor, { plan: plan.name, periodStart: boundary, periodEnd: next, invoice: invoice.number, grossMinor: invoice.grossMinor }, boundary);
      recordWebhookEvent(db, 'subscription.renewed', () => ({ ...customerRef(db, sub.customerId), subscriptionId: sub.id, plan: plan.name, periodStart: new Date(boundary).toISOString(), periodEnd: next === null ? null : new Date(next).toISOString(), invoiceNumber: invoice.number, amountMinor: invoice.grossMinor, currency: customer.currency }), c.now);
      notify(db, sub.customerId, 'renewed', boundary, `subscription:${sub.id}`);
      result.renewed++;
      if (plan.fupTiers.length > 0) speedChanged = true;
      continue;
    }
    notify(db, sub.customerId, 'renewal_failed', boundary, `subscription:${sub.id}`);
    if (plan.gracePlanId !== null) {
      const grace = c.plan(plan.gracePlanId);
      const period = firstPeriod(grace, boundary, c.zone, { kind: 'anniversary' });
      sub = db
        .update(subscriptions)
        .set({ planId: grace.id, nextPlanId: null, billingKind: grace.billingKind, startedAt: boundary, ...period, periodStart: boundary, updatedAt: c.now })
        .where(eq(subscriptions.id, sub.id))
        .returning()
        .get();
      recordEvent(db, sub.customerId, 'moved_to_grace_plan', c.actor, { from: plan.name, to: grace.name, shortMinor: totals.grossMinor }, boundary);
      result.movedToGracePlan++;
      speedChanged = true;
      continue;
    }
    sub = db.update(subscriptions).set({ status: 'expired', updatedAt: c.now }).where(eq(subscriptions.id, sub.id)).returning().get();
    recordEvent(db, sub.customerId, 'renewal_failed', c.actor, { plan: plan.name, neededMinor: totals.grossMinor, currency: customer.currency }, boundary);
    recordWebhookEvent(db, 'subscription.expired', () => ({ ...customerRef(db, sub.customerId), subscriptionId: sub.id, plan: plan.name, expiredAt: new Date(boundary).toISOString(), reason: 'wallet_short' }), c.now);
    result.expired++;
  }
  if (speedChanged && sub.status === 'active') {
    const rate = currentRateLimit(c.plan(sub.planId), 0);
    if (rate) result.speedChanges.push({ customerId: sub.customerId, rateLimit: rate });
  }
}

/** What a subscription is charged at its period's end (`boundary`), one way for the run and for quotes. */
interface RenewalCharge {
  /** When the period ends: the renewal (prepaid) or the invoice in arrears (postpaid). */
  boundary: number;
  current: Plan;
  /** The plan the subscription continues on: the scheduled next plan, if any. */
  plan: Plan;
  /** The end of the period after the boundary. */
  next: number | null;
  lines: ChargeLine[];
}

function renewalCharge(db: Db, sub: Subscription, boundary: number, c: RenewalContext): RenewalCharge {
  const current = c.plan(sub.planId);
  const plan = sub.nextPlanId !== null ? c.plan(sub.nextPlanId) : current;
  const next = followingPeriod(sub, plan, boundary, c.zone);
  const { language } = c.customer(sub.customerId);
  if (sub.billingKind === 'prepaid') return { boundary, current, plan, next, lines: [serviceLine(plan, boundary, next ?? boundary, c, language)] };
  // In arrears, and only for the part of the cycle the subscription had: a first cycle cut
  // short by a fixed billing day, or the rest of a cycle after a mid-cycle plan change.
  const from = sub.periodStart ?? boundary;
  const cycleStart = sub.cycle !== null && sub.anchorDay !== null ? previousBoundary(boundary, { cycle: sub.cycle, anchorDay: sub.anchorDay }, c.zone) : from;
  // A customer who joins during a day has that whole day: boundaries fall at midnight.
  const billedFrom = from === sub.startedAt ? DateTime.fromMillis(from, { zone: zoneFor(c.zone) }).startOf('day').toMillis() : from;
  const lines: ChargeLine[] = [serviceLine(current, from, boundary, c, language, prorate(current.priceMinor, Math.min(cycleStart, billedFrom), boundary, billedFrom))];
  const overage = overageLine(db, current, sub, c, language);
  if (overage) lines.push(overage);
  return { boundary, current, plan, next, lines };
}

/**
 * An expired prepaid package started again when money arrives (renewOnPayment): the plan it
 * had, from now, anchored on the operator's billing day.
 */
export function restartCharge(db: Db, sub: Subscription, c: RenewalContext): { plan: Plan; period: ReturnType<typeof firstPeriod>; lines: ChargeLine[] } {
  const plan = c.plan(sub.planId);
  const billingDay = getSetting(db, 'billing.anchor');
  const anchor: Anchor = billingDay === 'anniversary' ? { kind: 'anniversary' } : { kind: 'fixed_day', day: billingDay };
  const period = firstPeriod(plan, c.now, c.zone, anchor);
  return { plan, period, lines: [serviceLine(plan, c.now, period.periodEnd ?? c.now, c, c.customer(sub.customerId).language)] };
}

export interface RenewalQuote {
  /** The plan charged: the scheduled next plan of a prepaid renewal; a postpaid cycle's own plan. */
  plan: Plan;
  /** What the charge comes to, with the customer's taxes (or exemption) and the promotions of its date. */
  amountMinor: number;
  currency: Currency;
  /** When it is charged: the period's end, or now for an expired package that restarts on payment. */
  at: number;
}

/**
 * What the customer's next renewal will be charged, priced exactly as the billing run (or,
 * for an expired package, renewOnPayment) will price it, so paying this amount is enough
 * (a postpaid cycle's data beyond the allowance counts as used so far).
 * None for a customer without a plan, a paused line, a package that will not renew by itself
 * (it expires instead; once expired it can restart), or one whose clock has not started.
 */
export function renewalQuote(db: Db, customerId: number, now: number, zone: string): RenewalQuote | null {
  const sub = subscriptionOf(db, customerId);
  if (!sub) return null;
  const c = renewalContext(db, now, zone, 'system');
  const customer = c.customer(customerId);
  const quote = (plan: Plan, lines: ChargeLine[], at: number): RenewalQuote => ({ plan, amountMinor: priceCharges(lines, customer.taxExempt).totals.grossMinor, currency: customer.currency, at });
  if (sub.status === 'expired' && sub.billingKind === 'prepaid') {
    const restart = restartCharge(db, sub, c);
    return quote(restart.plan, restart.lines, now);
  }
  if (sub.status !== 'active' || sub.periodEnd === null || (sub.billingKind === 'prepaid' && !sub.autoRenew)) return null;
  const charge = renewalCharge(db, sub, sub.periodEnd, c);
  return quote(sub.billingKind === 'prepaid' ? charge.plan : charge.current, charge.lines, charge.boundary);
}

const q = preparedPer((db: Db) => ({
  advance: db
    .update(subscriptions)
    .set({ planId: sql.placeholder('planId') as never, nextPlanId: null, periodStart: sql.placeholder('periodStart') as never, periodEnd: sql.placeholder('periodEnd') as never, updatedAt: sql.placeholder('now') as never })
    .where(eq(subscriptions.id, sql.placeholder('id')))
    .returning()
    .prepare(),
  usage: db
    .select({ input: usage.inputOctets, output: usage.outputOctets })
    .from(usage)
    .where(and(eq(usage.customerId, sql.placeholder('customerId')), eq(usage.periodStart, sql.placeholder('periodStart'))))
    .prepare(),
}));

function advance(db: Db, sub: Subscription, plan: Plan, boundary: number, next: number | null, now: number): Subscription {
  return q(db).advance.get({ planId: plan.id, periodStart: boundary, periodEnd: next, now, id: sub.id })!;
}

const descriptions = new Map<string, string>();
/** An invoice line for a plan's period, worded in the customer's language: the line is stored as issued, so it is written once in the words its reader will read. */
export function serviceLine(plan: Plan, from: number, to: number, c: RenewalContext, language: Language, priceMinor = plan.priceMinor): ChargeLine {
  const key = `${plan.name}|${from}|${to}|${c.zone}|${language}`;
  let description = descriptions.get(key);
  if (description === undefined) {
    if (descriptions.size > 10_000) descriptions.clear();
    descriptions.set(key, (description = t('billing.lineService', { plan: plan.name, from: formatDay(from, c.zone, language), to: formatDay(to, c.zone, language) }, language)));
  }
  return {
    description,
    quantity: 1,
    unitPriceMinor: priceMinor,
    taxClass: c.taxClass(plan),
    discounts: c.discounts(plan, from),
    revenue: 'service',
  };
}

/** Postpaid data beyond the allowance, billed per started GB (decimal, as plans are sold). */
function overageLine(db: Db, plan: Plan, sub: Subscription, c: RenewalContext, language: Language): ChargeLine | null {
  if (plan.overagePerGbMinor === null || plan.dataBytes === null || sub.periodStart === null) return null;
  const used = q(db).usage.get({ customerId: sub.customerId, periodStart: sub.periodStart });
  if (!used) return null;
  const counted = plan.dataCounts === 'download' ? used.output : used.input + used.output;
  const beyond = counted - plan.dataBytes;
  if (beyond <= 0) return null;
  const gb = Math.ceil(beyond / GB);
  return { description: t('billing.lineOverage', { gb }, language), quantity: gb, unitPriceMinor: plan.overagePerGbMinor, taxClass: c.taxClass(plan), discounts: [], revenue: 'overage' };
}

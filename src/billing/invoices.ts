import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { zoneFor } from './zone.js';
import type { Db, Sqlite } from '../db/connection.js';
import { compileStatement } from '../db/compiled-statement.js';
import { preparedPer } from '../db/prepared.js';
import { notificationEvents } from '../db/schema/aaa.js';
import { customers, type Currency } from '../db/schema/billing.js';
import { allocations, documentSeries, invoiceLines, invoices, type InvoiceKind, type InvoiceStatus } from '../db/schema/ledger.js';
import { LangoError } from '../errors.js';
import { accounts, entriesOf, post, walletBalance } from './ledger.js';
import { divideHalfEven } from './proration.js';
import { priceLine, sumLines, type Discount, type PricedLine, type TaxClass } from './tax.js';
import { firstUncoveredDue, instalmentsOf } from './instalment-schedule.js';
import { recordEvent } from './timeline.js';
import { recordStatusEvent } from './customers.js';
import { recordAudit } from '../staff/index.js';

export type Invoice = typeof invoices.$inferSelect;
export type InvoiceLine = typeof invoiceLines.$inferSelect;

export interface ChargeLine {
  description: string;
  quantity: number;
  unitPriceMinor: number;
  taxClass: TaxClass | null;
  discounts: Discount[];
  revenue: 'service' | 'overage';
}

export interface InvoiceRequest {
  /** What this invoice is for; issuing twice under one key returns the first. */
  key: string;
  customerId: number;
  subscriptionId: number | null;
  currency: Currency;
  taxExempt: boolean;
  issuedAt: number;
  dueAt: number;
  periodStart: number | null;
  periodEnd: number | null;
  lines: ChargeLine[];
  actor: string;
  zone: string;
  /**
   * Pay it from the wallet in the same posting when the wallet holds the whole amount (a
   * prepaid renewal): one transaction instead of an invoice and an allocation.
   */
  walletMinor?: number;
  /** The caller records its own timeline event naming this invoice (a renewal does). */
  quiet?: boolean;
  /** The caller knows the account is active (a renewal read it): no reactivation check. */
  customerActive?: boolean;
}

export const SERIES = { invoice: 'INV', credit_note: 'CN', receipt: 'RCT' } as const;

const OPEN: InvoiceStatus[] = ['issued', 'partially_paid', 'overdue'];
const p = <T extends string>(name: T) => sql.placeholder(name);

/** The billing run issues thousands of these; each statement is prepared once per connection. */
const q = preparedPer((db: Db, sqlite: Sqlite) => ({
  invoiceById: db.select().from(invoices).where(eq(invoices.id, p('id'))).prepare(),
  bumpSeries: compileStatement<{ code: string }>(sqlite, db.update(documentSeries).set({ lastNumber: sql`${documentSeries.lastNumber} + 1` }).where(eq(documentSeries.code, p('code'))).returning({ lastNumber: documentSeries.lastNumber })),
  startSeries: compileStatement<{ code: string }>(sqlite, db.insert(documentSeries).values({ code: p('code') as never, lastNumber: sql`1` as never }).returning({ lastNumber: documentSeries.lastNumber })),
  invoiceIdByKey: compileStatement<{ key: string }>(sqlite, db.select({ id: invoices.id }).from(invoices).where(eq(invoices.key, p('key')))),
  insertInvoice: compileStatement<Record<string, unknown>>(
    sqlite,
    db
      .insert(invoices)
      .values({
        number: p('number'), kind: p('kind'), key: p('key'), customerId: p('customerId'), subscriptionId: p('subscriptionId'), currency: p('currency'), status: p('status'),
        issuedAt: p('issuedAt'), dueAt: p('dueAt'), periodStart: p('periodStart'), periodEnd: p('periodEnd'), netMinor: p('netMinor'), taxMinor: p('taxMinor'),
        grossMinor: p('grossMinor'), paidMinor: p('paidMinor'), correctsId: p('correctsId'), createdAt: p('createdAt'), actor: p('actor'),
      } as never)
      .returning({ id: invoices.id }),
  ),
  insertLine: compileStatement<Record<string, unknown>>(
    sqlite,
    db.insert(invoiceLines).values({
      invoiceId: p('invoiceId'), position: p('position'), description: p('description'), quantity: p('quantity'), unitPriceMinor: p('unitPriceMinor'),
      discountMinor: p('discountMinor'), netMinor: p('netMinor'), taxMinor: p('taxMinor'), grossMinor: p('grossMinor'), taxes: p('taxes'),
    } as never),
  ),
  openInvoices: db
    .select()
    .from(invoices)
    .where(and(eq(invoices.customerId, p('customerId')), eq(invoices.kind, 'invoice'), eq(invoices.currency, p('currency')), inArray(invoices.status, OPEN)))
    .orderBy(asc(invoices.issuedAt), asc(invoices.id))
    .prepare(),
  insertAllocation: compileStatement<Record<string, unknown>>(sqlite, db.insert(allocations).values({ invoiceId: p('invoiceId'), transactionId: p('transactionId'), amountMinor: p('amountMinor') } as never)),
  setPaid: compileStatement<Record<string, unknown>>(sqlite, db.update(invoices).set({ paidMinor: p('paid') as never, status: p('status') as never }).where(eq(invoices.id, p('id')))),
  customerStatus: compileStatement<{ id: number }>(sqlite, db.select({ status: customers.status, suspendedReason: customers.suspendedReason }).from(customers).where(eq(customers.id, p('id')))),
  overdueCount: compileStatement<{ customerId: number }>(sqlite, db.select({ n: sql<number>`count(*)`.as('n') }).from(invoices).where(and(eq(invoices.customerId, p('customerId')), sql`${invoices.status} = 'overdue'`))),
  notify: compileStatement<Record<string, unknown>>(
    sqlite,
    db.insert(notificationEvents).values({ customerId: p('customerId'), kind: p('kind'), periodStart: p('periodStart'), ref: p('ref'), createdAt: p('createdAt') } as never).onConflictDoNothing(),
  ),
}));

/**
 * The next number of a series, gap-free: the counter moves inside the caller's transaction, so
 * a rolled-back document gives its number back. Series restart each year (INV-2026-000001).
 */
export function nextNumber(db: Db, prefix: string, at: number, zone: string): string {
  const code = `${prefix}-${yearOf(at, zone)}`;
  const row = (q(db).bumpSeries.get({ code }) ?? q(db).startSeries.get({ code })) as { last_number: number };
  return `${code}-${String(row.last_number).padStart(6, '0')}`;
}

// The local year of a moment, with the current year's bounds kept: numbering asks per document.
let year: { zone: string; start: number; end: number; value: number } | undefined;
function yearOf(at: number, zone: string): number {
  if (year && year.zone === zone && at >= year.start && at < year.end) return year.value;
  const start = DateTime.fromMillis(at, { zone: zoneFor(zone) }).startOf('year');
  year = { zone, start: start.toMillis(), end: start.plus({ years: 1 }).toMillis(), value: start.year };
  return year.value;
}

/** Prices lines without writing: what an invoice for them would total. */
export function priceCharges(lines: ChargeLine[], taxExempt: boolean): { priced: PricedLine[]; totals: ReturnType<typeof sumLines> } {
  const priced = lines.map((l) => priceLine({ description: l.description, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor, taxClass: l.taxClass, exempt: taxExempt, discounts: l.discounts }));
  return { priced, totals: sumLines(priced) };
}

/**
 * Issues an invoice inside the caller's transaction: number, lines, the ledger posting
 * (receivable against revenue and tax), a timeline event and a notification; then uses any
 * wallet money on it. Returns the existing invoice when the key was issued before.
 */
export function issueInvoice(db: Db, request: InvoiceRequest): { invoice: Invoice; created: boolean } {
  const known = q(db).invoiceIdByKey.get({ key: request.key }) as { id: number } | undefined;
  if (known) return { invoice: q(db).invoiceById.get({ id: known.id })!, created: false };
  const { priced, totals } = priceCharges(request.lines, request.taxExempt);
  const number = nextNumber(db, SERIES.invoice, request.issuedAt, request.zone);
  const paidAtOnce = totals.grossMinor === 0 || (request.walletMinor !== undefined && request.walletMinor >= totals.grossMinor);
  const invoice: Invoice = {
    id: 0,
    number,
    kind: 'invoice',
    key: request.key,
    customerId: request.customerId,
    subscriptionId: request.subscriptionId,
    currency: request.currency,
    status: paidAtOnce ? 'paid' : 'issued',
    issuedAt: request.issuedAt,
    dueAt: request.dueAt,
    periodStart: request.periodStart,
    periodEnd: request.periodEnd,
    netMinor: totals.netMinor,
    taxMinor: totals.taxMinor,
    grossMinor: totals.grossMinor,
    paidMinor: paidAtOnce ? totals.grossMinor : 0,
    correctsId: null,
    createdAt: Date.now(),
    actor: request.actor,
  };
  invoice.id = (q(db).insertInvoice.get(invoice) as { id: number }).id;
  priced.forEach((line, position) => {
    q(db).insertLine.run({ invoiceId: invoice.id, position, description: line.description, quantity: line.quantity, unitPriceMinor: line.unitPriceMinor, discountMinor: line.discountMinor, netMinor: line.netMinor, taxMinor: line.taxMinor, grossMinor: line.grossMinor, taxes: line.taxes });
  });
  if (totals.grossMinor > 0) {
    const revenue = new Map<'service' | 'overage', number>();
    priced.forEach((line, i) => revenue.set(request.lines[i]!.revenue, (revenue.get(request.lines[i]!.revenue) ?? 0) + line.netMinor));
    // Paid at once, the wallet pays the revenue and tax directly; otherwise the customer owes it.
    const payer = paidAtOnce ? accounts.wallet(request.customerId) : accounts.receivable(request.customerId);
    const { transactionId } = post(db, {
      key: `invoice:${number}`,
      kind: 'invoice',
      customerId: request.customerId,
      currency: request.currency,
      occurredAt: request.issuedAt,
      description: paidAtOnce ? `Invoice ${number}, paid from the wallet` : `Invoice ${number}`,
      actor: request.actor,
      entries: [
        { account: payer, amountMinor: totals.grossMinor },
        ...[...revenue].map(([stream, amount]) => ({ account: accounts.revenue(stream), amountMinor: -amount })),
        ...totals.taxes.map((t) => ({ account: accounts.tax(t.code), amountMinor: -t.amountMinor })),
      ],
    });
    if (paidAtOnce) q(db).insertAllocation.run({ invoiceId: invoice.id, transactionId, amountMinor: totals.grossMinor });
  }
  if (!request.quiet) recordEvent(db, request.customerId, 'invoice_issued', request.actor, { number, grossMinor: totals.grossMinor, currency: request.currency }, request.issuedAt);
  if (paidAtOnce) return { invoice, created: true };
  notify(db, request.customerId, 'invoice_issued', request.issuedAt, `invoice:${number}`);
  const applied = new Map<number, { paidMinor: number; status: InvoiceStatus }>();
  settle(db, request.customerId, request.currency, `invoice:${number}`, request.issuedAt, request.actor, { knownWallet: request.walletMinor, knownActive: request.customerActive, applied });
  return { invoice: { ...invoice, ...applied.get(invoice.id) }, created: true };
}

/**
 * Uses the customer's wallet on their open invoices, oldest first, then lifts an overdue
 * suspension once nothing overdue is left. Called after every event that adds wallet money or
 * a debt, inside that event's transaction; `sourceKey` makes its postings idempotent with it.
 */
export interface SettleOptions {
  /** The wallet balance when the caller has just read it. */
  knownWallet?: number;
  /** The caller knows the account is not suspended: no reactivation to check. */
  knownActive?: boolean;
  /** Receives each invoice's new paid amount and status. */
  applied?: Map<number, { paidMinor: number; status: InvoiceStatus }>;
}

export function settle(db: Db, customerId: number, currency: Currency, sourceKey: string, at: number, actor: string, options: SettleOptions = {}): number {
  let wallet = options.knownWallet ?? walletBalance(db, customerId, currency);
  let allocated = 0;
  if (wallet > 0) {
    const open = q(db).openInvoices.all({ customerId, currency });
    for (const invoice of open) {
      if (wallet <= 0) break;
      const amount = Math.min(wallet, invoice.grossMinor - invoice.paidMinor);
      if (amount <= 0) continue;
      const { transactionId, created } = post(db, {
        key: `allocation:${sourceKey}:${invoice.number}`,
        kind: 'allocation',
        customerId,
        currency,
        occurredAt: at,
        description: `Payment towards ${invoice.number}`,
        actor,
        entries: [
          { account: accounts.wallet(customerId), amountMinor: amount },
          { account: accounts.receivable(customerId), amountMinor: -amount },
        ],
      });
      if (!created) continue;
      const after = applyToInvoice(db, invoice, transactionId, amount, at);
      options.applied?.set(invoice.id, after);
      wallet -= amount;
      allocated += amount;
    }
  }
  if (!options.knownActive) liftOverdueSuspension(db, customerId, at, actor);
  return allocated;
}

function applyToInvoice(db: Db, invoice: Invoice, transactionId: number, amount: number, at: number): { paidMinor: number; status: InvoiceStatus } {
  q(db).insertAllocation.run({ invoiceId: invoice.id, transactionId, amountMinor: amount });
  const paid = invoice.paidMinor + amount;
  let status: InvoiceStatus = paid >= invoice.grossMinor ? 'paid' : invoice.status === 'overdue' ? 'overdue' : 'partially_paid';
  if (status === 'overdue') {
    // Under an arrangement, paying the missed part is enough to be back on track.
    const parts = instalmentsOf(db, [invoice.id]).get(invoice.id);
    if (parts && (firstUncoveredDue(parts, paid) ?? Infinity) >= at) status = 'partially_paid';
  }
  q(db).setPaid.run({ paid, status, id: invoice.id });
  return { paidMinor: paid, status };
}

/** Reactivates an account suspended for overdue bills once none is overdue any more. */
export function liftOverdueSuspension(db: Db, customerId: number, at: number, actor: string): void {
  const customer = q(db).customerStatus.get({ id: customerId }) as { status: string; suspended_reason: string | null } | undefined;
  if (customer?.status !== 'suspended' || customer.suspended_reason !== 'overdue') return;
  const stillOverdue = q(db).overdueCount.get({ customerId }) as { n: number } | undefined;
  if ((stillOverdue?.n ?? 0) > 0) return;
  db.update(customers).set({ status: 'active', suspendedReason: null, updatedAt: at }).where(eq(customers.id, customerId)).run();
  recordEvent(db, customerId, 'reactivated', actor, { reason: 'overdue invoices paid' }, at);
  recordStatusEvent(db, customerId, 'suspended', 'active', 'overdue invoices paid', at);
  notify(db, customerId, 'reactivated', at, `at:${at}`);
}

/**
 * Corrects an issued invoice by crediting part or all of it: a numbered credit note whose
 * net and tax are the invoice's in proportion. What the invoice still owed is reduced first;
 * the rest goes back to the wallet.
 */
/** The credit note a form with this request key already issued (a double click, a reload of the POST). */
export function creditNoteForRequest(db: Db, requestKey: string): Invoice | undefined {
  return db.select().from(invoices).where(eq(invoices.key, `credit-request:${requestKey}`)).get();
}

/**
 * Credits part or all of an invoice. `requestKey` (a staff form's one-time key) makes it
 * idempotent: the same key again returns the note it issued the first time and changes nothing.
 */
export function issueCreditNote(db: Db, input: { invoiceNumber: string; amountMinor: number | 'all'; reason: string; actor: string; at: number; zone: string; requestKey?: string }): Invoice {
  return db.transaction((tx) => {
    const d = tx as Db;
    if (input.requestKey !== undefined) {
      const earlier = creditNoteForRequest(d, input.requestKey);
      if (earlier) return earlier;
    }
    const invoice = d.select().from(invoices).where(and(eq(invoices.number, input.invoiceNumber), eq(invoices.kind, 'invoice'))).get();
    if (!invoice) throw new LangoError('INPUT_UNKNOWN_INVOICE', { number: input.invoiceNumber });
    const credited = d.select({ total: sql<number>`coalesce(sum(${invoices.grossMinor}), 0)` }).from(invoices).where(eq(invoices.correctsId, invoice.id)).get()?.total ?? 0;
    const max = invoice.grossMinor - credited;
    const gross = input.amountMinor === 'all' ? max : input.amountMinor;
    if (!Number.isSafeInteger(gross) || gross <= 0 || gross > max) throw new LangoError('INPUT_CREDIT_TOO_LARGE', { max: String(max), number: invoice.number });
    const parts = creditParts(d, invoice, credited, credited + gross);
    const tax = parts.filter((x) => x.code.startsWith('tax:')).reduce((sum, x) => sum + x.amountMinor, 0);
    const net = gross - tax;
    const number = nextNumber(d, SERIES.credit_note, input.at, input.zone);
    const note = d
      .insert(invoices)
      .values({ number, kind: 'credit_note', key: input.requestKey !== undefined ? `credit-request:${input.requestKey}` : `credit:${number}`, customerId: invoice.customerId, subscriptionId: invoice.subscriptionId, currency: invoice.currency, status: 'issued', issuedAt: input.at, dueAt: input.at, periodStart: invoice.periodStart, periodEnd: invoice.periodEnd, netMinor: net, taxMinor: tax, grossMinor: gross, correctsId: invoice.id, createdAt: Date.now(), actor: input.actor })
      .returning()
      .get();
    d.insert(invoiceLines).values({ invoiceId: note.id, position: 0, description: `${input.reason} (${invoice.number})`, quantity: 1, unitPriceMinor: gross, discountMinor: 0, netMinor: net, taxMinor: tax, grossMinor: gross, taxes: [] }).run();
    const toReceivable = Math.min(gross, invoice.grossMinor - invoice.paidMinor);
    const { transactionId } = post(d, {
      key: `invoice:${number}`,
      kind: 'credit_note',
      customerId: invoice.customerId,
      currency: invoice.currency,
      occurredAt: input.at,
      description: `Credit note ${number} for ${invoice.number}`,
      actor: input.actor,
      reason: input.reason,
      entries: [
        ...parts.map((x) => ({ account: { code: x.code, kind: x.kind }, amountMinor: x.amountMinor })),
        { account: accounts.receivable(invoice.customerId), amountMinor: -toReceivable },
        { account: accounts.wallet(invoice.customerId), amountMinor: -(gross - toReceivable) },
      ],
    });
    if (toReceivable > 0) applyToInvoice(d, invoice, transactionId, toReceivable, input.at);
    recordEvent(d, invoice.customerId, 'credit_note_issued', input.actor, { number, corrects: invoice.number, grossMinor: gross, reason: input.reason }, input.at);
    settle(d, invoice.customerId, invoice.currency, `invoice:${number}`, input.at, input.actor);
    return note;
  }, { behavior: 'immediate' });
}

/**
 * What a credit note takes back from each revenue stream and tax of the invoice, for the
 * credited amount going from `before` to `after` (gross, cumulative over all its credit notes).
 * Each share is the rounded cumulative share minus what earlier notes took, so however many
 * pieces an invoice is credited in, crediting all of it returns exactly its revenue and each
 * tax; the last revenue stream takes the rounding so each note's parts sum to its amount.
 */
function creditParts(db: Db, invoice: Invoice, before: number, after: number): Array<{ code: string; kind: 'income' | 'liability'; amountMinor: number }> {
  const components = entriesOf(db, `invoice:${invoice.number}`)
    .filter((e) => e.code.startsWith('revenue:') || e.code.startsWith('tax:'))
    .map((e) => ({ code: e.code, kind: e.kind as 'income' | 'liability', amount: -e.amountMinor }))
    // Taxes first and revenue last, so a revenue stream balances.
    .sort((a, b) => Number(a.code.startsWith('revenue:')) - Number(b.code.startsWith('revenue:')));
  const share = (amount: number, credited: number) => Number(divideHalfEven(BigInt(amount) * BigInt(credited), BigInt(invoice.grossMinor)));
  const parts = components.map((c) => ({ code: c.code, kind: c.kind, amountMinor: share(c.amount, after) - share(c.amount, before) }));
  if (parts.length > 0) {
    const othersAfter = components.slice(0, -1).reduce((sum, c) => sum + share(c.amount, after), 0);
    const othersBefore = components.slice(0, -1).reduce((sum, c) => sum + share(c.amount, before), 0);
    // Cumulative for the balancing stream too: everything credited so far minus the others.
    parts[parts.length - 1]!.amountMinor = after - othersAfter - (before - othersBefore);
  }
  return parts;
}

export function findInvoice(db: Db, number: string): { invoice: Invoice; lines: InvoiceLine[] } | undefined {
  const invoice = db.select().from(invoices).where(eq(invoices.number, number)).get();
  if (!invoice) return undefined;
  return { invoice, lines: db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id)).orderBy(asc(invoiceLines.position)).all() };
}

export function listInvoices(db: Db, filter: { customerId?: number; status?: InvoiceStatus; kind?: InvoiceKind } = {}, limit = 200): Invoice[] {
  return db
    .select()
    .from(invoices)
    .where(
      and(
        filter.customerId === undefined ? undefined : eq(invoices.customerId, filter.customerId),
        filter.status === undefined ? undefined : eq(invoices.status, filter.status),
        filter.kind === undefined ? undefined : eq(invoices.kind, filter.kind),
      ),
    )
    .orderBy(asc(invoices.issuedAt), asc(invoices.id))
    .limit(limit)
    .all();
}

/** Stores a notification event for the messaging worker, once; true when it is new. */
export function notify(db: Db, customerId: number, kind: (typeof notificationEvents.$inferInsert)['kind'], periodStart: number, ref: string): boolean {
  return q(db).notify.run({ customerId, kind, periodStart, ref, createdAt: Date.now() }).changes > 0;
}

/**
 * Voids an invoice nobody has paid anything on (issued in error): a credit note for the whole
 * of it (issued invoices are never edited or deleted, and the numbering stays gap-free), then
 * the status 'void', so it leaves the customer's balance, reminders and reports. An invoice with
 * money on it is corrected with a credit note instead.
 */
export function voidInvoice(db: Db, input: { invoiceNumber: string; reason: string; actor: string; at: number; zone: string }): { invoice: Invoice; creditNote: Invoice } {
  if (input.reason.trim().length < 3) throw new LangoError('INPUT_REASON_REQUIRED');
  return db.transaction((tx) => {
    const d = tx as Db;
    const invoice = d.select().from(invoices).where(and(eq(invoices.number, input.invoiceNumber), eq(invoices.kind, 'invoice'))).get();
    if (!invoice) throw new LangoError('INPUT_UNKNOWN_INVOICE', { number: input.invoiceNumber });
    const credited = d.select({ total: sql<number>`coalesce(sum(${invoices.grossMinor}), 0)` }).from(invoices).where(eq(invoices.correctsId, invoice.id)).get()?.total ?? 0;
    if (invoice.status === 'void' || invoice.paidMinor > credited) throw new LangoError('INPUT_CANNOT_VOID', { number: invoice.number });
    const creditNote = issueCreditNote(d, { invoiceNumber: invoice.number, amountMinor: 'all', reason: input.reason, actor: input.actor, at: input.at, zone: input.zone });
    const voided = d.update(invoices).set({ status: 'void' }).where(eq(invoices.id, invoice.id)).returning().get();
    recordAudit(d, input.actor, 'invoice.void', `invoice:${invoice.number}`, { creditNote: creditNote.number, reason: input.reason, before: { status: invoice.status, grossMinor: invoice.grossMinor, paidMinor: invoice.paidMinor, currency: invoice.currency }, after: { status: voided.status, creditedMinor: creditNote.grossMinor } }, input.at);
    return { invoice: voided, creditNote };
  }, { behavior: 'immediate' });
}

import { and, desc, eq, gte, inArray, like, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers, type Currency } from '../db/schema/billing.js';
import { allocations, invoices, ledgerTransactions, payments, type InvoiceKind, type InvoiceStatus } from '../db/schema/ledger.js';
import type { Invoice } from './invoices.js';

// The staff screens' lists of billing documents and money received: filtered, newest first,
// one page at a time (limit + offset), so a list never loads the whole table.

export interface InvoiceFilter {
  kind?: InvoiceKind;
  status?: InvoiceStatus;
  customerId?: number;
  /** The start of a document number (INV-2026-0001…), or all of it. */
  number?: string;
  /** Issued at or after (ms). */
  from?: number;
  /** Issued before (ms). */
  to?: number;
}

export interface InvoiceRow extends Invoice {
  username: string;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function invoiceWhere(filter: InvoiceFilter): SQL | undefined {
  return and(
    filter.kind === undefined ? undefined : eq(invoices.kind, filter.kind),
    filter.status === undefined ? undefined : eq(invoices.status, filter.status),
    filter.customerId === undefined ? undefined : eq(invoices.customerId, filter.customerId),
    filter.number === undefined || filter.number === '' ? undefined : like(invoices.number, sql`${`${escapeLike(filter.number.toUpperCase())}%`} ESCAPE '\\'`),
    filter.from === undefined ? undefined : gte(invoices.issuedAt, filter.from),
    filter.to === undefined ? undefined : lt(invoices.issuedAt, filter.to),
  );
}

/** Invoices and credit notes matching the filter, newest first. */
export function listInvoicePage(db: Db, filter: InvoiceFilter, page: { limit: number; offset: number }): InvoiceRow[] {
  return db
    .select({ invoice: invoices, username: customers.username })
    .from(invoices)
    .innerJoin(customers, eq(customers.id, invoices.customerId))
    .where(invoiceWhere(filter))
    .orderBy(desc(invoices.issuedAt), desc(invoices.id))
    .limit(page.limit)
    .offset(page.offset)
    .all()
    .map((r) => ({ ...r.invoice, username: r.username }));
}

/** Totals of the filtered documents per currency: billed (gross) and paid. */
export function invoiceTotals(db: Db, filter: InvoiceFilter): Array<{ currency: Currency; count: number; grossMinor: number; paidMinor: number }> {
  return db
    .select({
      currency: invoices.currency,
      count: sql<number>`count(*)`,
      grossMinor: sql<number>`coalesce(sum(${invoices.grossMinor}), 0)`,
      paidMinor: sql<number>`coalesce(sum(${invoices.paidMinor}), 0)`,
    })
    .from(invoices)
    .where(invoiceWhere(filter))
    .groupBy(invoices.currency)
    .orderBy(invoices.currency)
    .all();
}

/** Credit notes that correct an invoice, oldest first. */
export function creditNotesOf(db: Db, invoiceId: number): Invoice[] {
  return db.select().from(invoices).where(and(eq(invoices.correctsId, invoiceId), eq(invoices.kind, 'credit_note'))).orderBy(invoices.issuedAt, invoices.id).all();
}

export interface AppliedMoney {
  amountMinor: number;
  at: number;
  /** 'receipt' (a payment: `number` is its receipt), 'credit_note' (`number` is the note), or 'wallet' (money already held). */
  source: 'receipt' | 'credit_note' | 'wallet';
  number: string | null;
}

/**
 * What paid an invoice: each allocation traced back to the receipt, credit note or wallet money
 * behind it. Allocation postings are keyed `allocation:<source key>:<invoice number>`, and
 * payments post under `payment:<method>:<reference>`, so the key leads to the receipt.
 */
export function moneyApplied(db: Db, invoice: Pick<Invoice, 'id' | 'number'>): AppliedMoney[] {
  const rows = db
    .select({ amountMinor: allocations.amountMinor, at: ledgerTransactions.occurredAt, key: ledgerTransactions.key })
    .from(allocations)
    .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, allocations.transactionId))
    .where(eq(allocations.invoiceId, invoice.id))
    .orderBy(allocations.id)
    .all();
  const sourceOf = (key: string) => (key.startsWith('allocation:') && key.endsWith(`:${invoice.number}`) ? key.slice('allocation:'.length, -(invoice.number.length + 1)) : key);
  const paymentKeys = [...new Set(rows.map((r) => sourceOf(r.key)).filter((k) => k.startsWith('payment:')))];
  const receipts = new Map(
    paymentKeys.length === 0
      ? []
      : db
          .select({ key: ledgerTransactions.key, receipt: payments.receiptNumber })
          .from(payments)
          .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, payments.transactionId))
          .where(inArray(ledgerTransactions.key, paymentKeys))
          .all()
          .map((r) => [r.key, r.receipt]),
  );
  return rows.map((r): AppliedMoney => {
    const source = sourceOf(r.key);
    if (receipts.has(source)) return { amountMinor: r.amountMinor, at: r.at, source: 'receipt', number: receipts.get(source)! };
    if (source.startsWith('invoice:CN-')) return { amountMinor: r.amountMinor, at: r.at, source: 'credit_note', number: source.slice('invoice:'.length) };
    return { amountMinor: r.amountMinor, at: r.at, source: 'wallet', number: null };
  });
}

export interface PaymentFilter {
  method?: string;
  customerId?: number;
  /** The start of the reference, or of the receipt number. */
  reference?: string;
  /** Received at or after (ms). */
  from?: number;
  /** Received before (ms). */
  to?: number;
}

export interface PaymentRow {
  id: number;
  receiptNumber: string;
  username: string;
  method: string;
  reference: string;
  amountMinor: number;
  currency: Currency;
  receivedAt: number;
  actor: string;
}

function paymentWhere(filter: PaymentFilter): SQL | undefined {
  const prefix = filter.reference === undefined || filter.reference === '' ? undefined : `${escapeLike(filter.reference)}%`;
  return and(
    filter.method === undefined ? undefined : eq(payments.method, filter.method),
    filter.customerId === undefined ? undefined : eq(payments.customerId, filter.customerId),
    prefix === undefined ? undefined : sql`(${payments.reference} LIKE ${prefix} ESCAPE '\\' OR ${payments.receiptNumber} LIKE ${prefix.toUpperCase()} ESCAPE '\\')`,
    filter.from === undefined ? undefined : gte(payments.receivedAt, filter.from),
    filter.to === undefined ? undefined : lt(payments.receivedAt, filter.to),
  );
}

/** A payment as the lists show it: with its customer's username (joined on customers). */
const paymentRow = {
  id: payments.id,
  receiptNumber: payments.receiptNumber,
  username: customers.username,
  method: payments.method,
  reference: payments.reference,
  amountMinor: payments.amountMinor,
  currency: payments.currency,
  receivedAt: payments.receivedAt,
  actor: payments.actor,
};

/** Money received (cash, bank, mobile money), newest first. */
export function listPaymentPage(db: Db, filter: PaymentFilter, page: { limit: number; offset: number }): PaymentRow[] {
  return db
    .select(paymentRow)
    .from(payments)
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .where(paymentWhere(filter))
    .orderBy(desc(payments.receivedAt), desc(payments.id))
    .limit(page.limit)
    .offset(page.offset)
    .all();
}

/** Totals of the filtered payments per currency. */
export function paymentTotals(db: Db, filter: PaymentFilter): Array<{ currency: Currency; count: number; amountMinor: number }> {
  return db
    .select({ currency: payments.currency, count: sql<number>`count(*)`, amountMinor: sql<number>`coalesce(sum(${payments.amountMinor}), 0)` })
    .from(payments)
    .where(paymentWhere(filter))
    .groupBy(payments.currency)
    .orderBy(payments.currency)
    .all();
}

/** The methods money has arrived by so far (for a filter's choices). */
export function paymentMethods(db: Db): string[] {
  return db.selectDistinct({ method: payments.method }).from(payments).orderBy(payments.method).all().map((r) => r.method);
}

export function invoiceById(db: Db, id: number): Invoice | undefined {
  return db.select().from(invoices).where(eq(invoices.id, id)).get();
}

/** A receipt (a payment) by its number, with the customer's username. */
export function findPaymentByReceipt(db: Db, receiptNumber: string): PaymentRow | undefined {
  return db
    .select(paymentRow)
    .from(payments)
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .where(eq(payments.receiptNumber, receiptNumber))
    .get();
}

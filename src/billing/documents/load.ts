import { eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { customers } from '../../db/schema/billing.js';
import { invoices, payments } from '../../db/schema/ledger.js';
import { LangoError } from '../../errors.js';
import { getSetting } from '../../settings/index.js';
import { findInvoice } from '../invoices.js';
import { paymentMethodName } from '../payment-method-name.js';
import { renderHtml } from './html.js';
import { logoFromDataUrl } from './logo.js';
import type { BillingDocument, DocumentOperator, DocumentParty } from './model.js';
import { renderPdf } from './pdf.js';

// Builds the printable view of a stored document from the database: the numbers are the
// ledger's, never recomputed here.

/** The operator as every document shows it, from the settings. */
export function documentOperator(db: Db): DocumentOperator {
  return {
    name: getSetting(db, 'operator.name'),
    taxNumber: getSetting(db, 'operator.taxNumber'),
    address: getSetting(db, 'operator.address'),
    phone: getSetting(db, 'operator.phone'),
    logo: logoFromDataUrl(getSetting(db, 'operator.logo')),
  };
}

function party(db: Db, customerId: number): { party: DocumentParty; language: 'en' | 'ar' } {
  const c = db.select().from(customers).where(eq(customers.id, customerId)).get()!;
  return { party: { name: c.fullName ?? c.username, account: c.username, phone: c.phone, address: c.billingAddress }, language: c.language };
}

export function invoiceDocument(db: Db, number: string, zone: string): BillingDocument {
  const found = findInvoice(db, number);
  if (!found) throw new LangoError('INPUT_UNKNOWN_INVOICE', { number });
  const { invoice, lines } = found;
  const taxes = new Map<string, { name: string; rateBasisPoints: number; amountMinor: number }>();
  for (const line of lines) {
    for (const t of line.taxes) {
      const key = `${t.code}:${t.rateBasisPoints}`;
      const sum = taxes.get(key) ?? { name: t.name, rateBasisPoints: t.rateBasisPoints, amountMinor: 0 };
      sum.amountMinor += t.amountMinor;
      taxes.set(key, sum);
    }
  }
  const corrects = invoice.correctsId === null ? null : (db.select({ number: invoices.number }).from(invoices).where(eq(invoices.id, invoice.correctsId)).get()?.number ?? null);
  const { party: customer, language } = party(db, invoice.customerId);
  return {
    kind: invoice.kind,
    number: invoice.number,
    issuedAt: invoice.issuedAt,
    dueAt: invoice.kind === 'invoice' ? invoice.dueAt : null,
    zone,
    language,
    currency: invoice.currency,
    operator: documentOperator(db),
    customer,
    lines: lines.map((l) => ({ description: l.description, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor, discountMinor: l.discountMinor, netMinor: l.netMinor, taxMinor: l.taxMinor, grossMinor: l.grossMinor })),
    taxes: [...taxes.values()],
    totals: { netMinor: invoice.netMinor, taxMinor: invoice.taxMinor, grossMinor: invoice.grossMinor, paidMinor: invoice.paidMinor, dueMinor: invoice.kind === 'invoice' ? invoice.grossMinor - invoice.paidMinor : 0 },
    status: invoice.status,
    reference: corrects,
    paymentMethod: null,
    notes: null,
  };
}

export function receiptDocument(db: Db, receiptNumber: string, zone: string): BillingDocument {
  const payment = db.select().from(payments).where(eq(payments.receiptNumber, receiptNumber)).get();
  if (!payment) throw new LangoError('INPUT_UNKNOWN_INVOICE', { number: receiptNumber });
  const { party: customer, language } = party(db, payment.customerId);
  const method = paymentMethodName(payment.method, language);
  return {
    kind: 'receipt',
    number: payment.receiptNumber,
    issuedAt: payment.receivedAt,
    dueAt: null,
    zone,
    language,
    currency: payment.currency,
    operator: documentOperator(db),
    customer,
    lines: [{ description: `${method} ${payment.reference}`, quantity: 1, unitPriceMinor: payment.amountMinor, discountMinor: 0, netMinor: payment.amountMinor, taxMinor: 0, grossMinor: payment.amountMinor }],
    taxes: [],
    totals: { netMinor: payment.amountMinor, taxMinor: 0, grossMinor: payment.amountMinor, paidMinor: payment.amountMinor, dueMinor: 0 },
    status: 'paid',
    reference: payment.reference,
    paymentMethod: method,
    notes: null,
  };
}

/** Invoice, credit note (INV-/CN- numbers) or receipt (RCT-), as HTML and/or PDF. */
export async function renderInvoiceDocument(db: Db, number: string, zone: string, want: { html: boolean; pdf: boolean }): Promise<{ html?: string; pdf?: Buffer }> {
  const doc = number.startsWith('RCT-') ? receiptDocument(db, number, zone) : invoiceDocument(db, number, zone);
  return { ...(want.html ? { html: renderHtml(doc) } : {}), ...(want.pdf ? { pdf: await renderPdf(doc) } : {}) };
}

import {
  customerBalance,
  findCustomerById,
  findInvoice,
  findPaymentByReceipt,
  findPaymentByReference,
  listInvoicePage,
  listPaymentPage,
  minorDigits,
  parseMoney,
  renewalQuote,
  type InvoiceRow,
  type PaymentRow,
} from '../billing/index.js';
import type { Db } from '../db/connection.js';
import type { Currency } from '../db/schema/billing.js';

// What the portal's Pay page offers and shows, for the signed-in customer only: open invoices,
// the next renewal, a top-up, the history of invoices and receipts, and which documents are
// theirs to download. The web edge asks the payments domain for the phone prompt itself.

const OPEN = ['issued', 'partially_paid', 'overdue'] as const;
/** Open invoices listed to pay: a customer rarely has more. */
const OPEN_SHOWN = 20;
/** A single top-up may not exceed this many major units (a typo guard, not a policy). */
export const TOP_UP_MAX_MAJOR = 1_000_000;
export const HISTORY_PAGE = 10;

export interface PayChoices {
  username: string;
  currency: Currency;
  /** The phone on the account, as stored (the form's default). */
  phone: string | null;
  dueMinor: number;
  walletMinor: number;
  /** Open invoices, the one due first first. */
  invoices: Array<{ number: string; dueMinor: number; dueAt: number }>;
  /**
   * The next renewal as the billing run will charge it (the scheduled plan, the customer's
   * taxes, the promotions of its date), when (`at`), and what paying it takes after the wallet
   * and what is owed (a payment pays open invoices first).
   */
  renewal: { planName: string; priceMinor: number; amountMinor: number; at: number } | null;
}

export function payChoices(db: Db, customerId: number, now: number, zone: string): PayChoices | undefined {
  const customer = findCustomerById(db, customerId);
  if (!customer) return undefined;
  const balance = customerBalance(db, customer.id, customer.currency);
  const invoices = OPEN.flatMap((status) => listInvoicePage(db, { kind: 'invoice', status, customerId: customer.id }, { limit: OPEN_SHOWN, offset: 0 }))
    .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)
    .slice(0, OPEN_SHOWN)
    .map((i) => ({ number: i.number, dueMinor: i.grossMinor - i.paidMinor, dueAt: i.dueAt }));
  // The run's own price for the renewal, so paying the amount shown is always enough.
  const quote = renewalQuote(db, customer.id, now, zone);
  const renewal =
    quote && quote.amountMinor > 0
      ? { planName: quote.plan.name, priceMinor: quote.amountMinor, amountMinor: Math.max(0, quote.amountMinor + balance.dueMinor - balance.walletMinor), at: quote.at }
      : null;
  return { username: customer.username, currency: customer.currency, phone: customer.phone, dueMinor: balance.dueMinor, walletMinor: balance.walletMinor, invoices, renewal };
}

/** An amount asked of a phone, rounded up to what the provider takes; the rest stays in the wallet. */
export function roundUpToStep(amountMinor: number, stepMinor: number): number {
  return Math.ceil(amountMinor / stepMinor) * stepMinor;
}

export type TopUpAmount = { ok: true; amountMinor: number } | { ok: false; reason: 'format' | 'zero' | 'too-large' | 'step' };

/**
 * A top-up amount as the customer typed it ('500', '1,000', '250.50'), in minor units: a
 * number in the currency's digits, above zero, at most TOP_UP_MAX_MAJOR, and a multiple of
 * the provider's step (M-Pesa: whole shillings).
 */
export function parseTopUp(text: string, currency: Currency, stepMinor: number): TopUpAmount {
  const cleaned = text.trim().replace(/[,\s\u00a0]/g, '');
  if (cleaned === '' || cleaned.length > 20) return { ok: false, reason: 'format' };
  let amountMinor: number;
  try {
    amountMinor = parseMoney(cleaned, currency);
  } catch {
    return { ok: false, reason: 'format' };
  }
  if (amountMinor <= 0) return { ok: false, reason: 'zero' };
  if (amountMinor > TOP_UP_MAX_MAJOR * 10 ** minorDigits(currency)) return { ok: false, reason: 'too-large' };
  if (amountMinor % stepMinor !== 0) return { ok: false, reason: 'step' };
  return { ok: true, amountMinor };
}

/**
 * Whether a document number (INV-, CN- or RCT-) is this customer's. Another customer's number
 * answers the same as one that does not exist.
 */
export function ownDocument(db: Db, customerId: number, number: string): 'invoice' | 'receipt' | undefined {
  if (number.startsWith('RCT-')) {
    const customer = findCustomerById(db, customerId);
    const payment = findPaymentByReceipt(db, number);
    // Receipts list the customer by username, which is unique.
    return customer && payment && payment.username === customer.username ? 'receipt' : undefined;
  }
  const found = findInvoice(db, number);
  return found && found.invoice.customerId === customerId ? 'invoice' : undefined;
}

/** The customer's own open invoice by number, or undefined (someone else's, paid, void, unknown). */
export function ownOpenInvoice(db: Db, customerId: number, number: string): { number: string; dueMinor: number; currency: Currency } | undefined {
  const found = findInvoice(db, number);
  if (!found || found.invoice.customerId !== customerId || found.invoice.kind !== 'invoice') return undefined;
  const { invoice } = found;
  if (!(OPEN as readonly string[]).includes(invoice.status) || invoice.grossMinor - invoice.paidMinor <= 0) return undefined;
  return { number: invoice.number, dueMinor: invoice.grossMinor - invoice.paidMinor, currency: invoice.currency };
}

export interface HistoryPage<T> {
  rows: T[];
  page: number;
  hasNext: boolean;
}

function paged<T>(load: (limit: number, offset: number) => T[], page: number): HistoryPage<T> {
  const at = Number.isSafeInteger(page) && page > 0 ? page : 1;
  const rows = load(HISTORY_PAGE + 1, (at - 1) * HISTORY_PAGE);
  return { rows: rows.slice(0, HISTORY_PAGE), page: at, hasNext: rows.length > HISTORY_PAGE };
}

/** The customer's invoices and credit notes, newest first, a page at a time (1-based). */
export function invoiceHistory(db: Db, customerId: number, page: number): HistoryPage<InvoiceRow> {
  return paged((limit, offset) => listInvoicePage(db, { customerId }, { limit, offset }), page);
}

/** The customer's receipts (money received), newest first, a page at a time (1-based). */
export function receiptHistory(db: Db, customerId: number, page: number): HistoryPage<PaymentRow> {
  return paged((limit, offset) => listPaymentPage(db, { customerId }, { limit, offset }), page);
}

/**
 * The receipt a settled phone payment produced. Payments post under the provider's receipt,
 * or the attempt's key when only a query confirmed it (payments/settle.ts).
 */
export function receiptOfAttempt(db: Db, attempt: { provider: string; receipt: string | null; key: string; paymentId: number | null }): string | null {
  if (attempt.paymentId === null) return null;
  for (const reference of [attempt.receipt, `attempt:${attempt.key}`]) {
    if (reference === null) continue;
    const payment = findPaymentByReference(db, attempt.provider, reference);
    if (payment && payment.id === attempt.paymentId) return payment.receiptNumber;
  }
  return null;
}

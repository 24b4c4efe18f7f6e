// The view model the renderers draw from. It carries finished numbers (minor units, already
// discounted and taxed by the billing engine) so rendering never does arithmetic that could
// disagree with the ledger.
import type { Currency } from '../../db/schema/billing.js';

export type DocumentKind = 'invoice' | 'credit_note' | 'receipt';
export type DocumentLanguage = 'en' | 'ar';

export interface DocumentOperator {
  name: string;
  taxNumber: string | null;
  address: string | null;
  phone: string | null;
  /** The image bytes of the logo, PNG or JPEG (setting operator.logo). */
  logo: Buffer | null;
}

export interface DocumentParty {
  name: string;
  account: string;
  phone: string | null;
  address: string | null;
  taxNumber?: string | null;
}

export interface DocumentLine {
  description: string;
  quantity: number;
  unitPriceMinor: number;
  discountMinor: number;
  netMinor: number;
  taxMinor: number;
  grossMinor: number;
}

export interface DocumentTax {
  name: string;
  rateBasisPoints: number;
  amountMinor: number;
}

export interface BillingDocument {
  kind: DocumentKind;
  /** 'INV-2026-000123', 'CN-2026-000004', 'RCT-2026-000777' */
  number: string;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms; invoices. */
  dueAt: number | null;
  /** IANA zone the dates are shown in, e.g. 'Africa/Nairobi'. */
  zone: string;
  language: DocumentLanguage;
  currency: Currency;
  operator: DocumentOperator;
  customer: DocumentParty;
  lines: DocumentLine[];
  taxes: DocumentTax[];
  totals: { netMinor: number; taxMinor: number; grossMinor: number; paidMinor: number; dueMinor: number };
  /** 'issued', 'paid', 'partially_paid', 'void', 'overdue'... */
  status: string;
  /** Credit note: the invoice it corrects; receipt: payment reference (e.g. M-Pesa code). */
  reference: string | null;
  /** Receipt: 'M-Pesa', 'Cash', ... */
  paymentMethod: string | null;
  notes: string | null;
}

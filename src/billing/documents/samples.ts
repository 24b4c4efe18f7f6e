// Sample documents: the tests' fixtures, and something to render when checking the layout by
// eye (print preview, a phone, a PDF viewer) after changing html.ts or pdf.ts.
import type { BillingDocument, DocumentLine } from './model.js';

/** A 1x1 PNG, the smallest logo pdfkit and browsers accept. */
export const tinyPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** A 2x2 green baseline JPEG (as a browser canvas writes it, colour profile left out). */
export const tinyJpeg = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAACAAIDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAAAwf/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCQAFJX/9k=',
  'base64',
);

/** 17 Mar 2026 10:00 in Nairobi. */
const issuedAt = Date.UTC(2026, 2, 17, 7, 0);
/** 1 Apr 2026 01:30 in Nairobi, still 31 Mar in UTC: shows whether dates follow the zone. */
const dueAt = Date.UTC(2026, 2, 31, 22, 30);

const fibre: DocumentLine = {
  description: 'Home Fibre 10 Mbps, March 2026',
  quantity: 1,
  unitPriceMinor: 100_000,
  discountMinor: 0,
  netMinor: 100_000,
  taxMinor: 16_000,
  grossMinor: 116_000,
};
const staticIp: DocumentLine = {
  description: 'Static IP address',
  quantity: 1,
  unitPriceMinor: 20_000,
  discountMinor: 5_000,
  netMinor: 15_000,
  taxMinor: 2_400,
  grossMinor: 17_400,
};

/** KES 1,150.00 net + 16% VAT = KES 1,334.00, nothing paid yet. */
export function sampleInvoice(overrides: Partial<BillingDocument> = {}): BillingDocument {
  return {
    kind: 'invoice',
    number: 'INV-2026-000123',
    issuedAt,
    dueAt,
    zone: 'Africa/Nairobi',
    language: 'en',
    currency: 'KES',
    operator: {
      name: 'Kilimani Net Ltd',
      taxNumber: 'P051234567X',
      address: 'Argwings Kodhek Rd\nNairobi',
      phone: '+254 700 000 111',
      logo: null,
    },
    customer: { name: 'Wanjiku Kamau', account: 'wanjiku', phone: '+254 712 345 678', address: 'Block C, Flat 4\nKilimani', taxNumber: null },
    lines: [fibre, staticIp],
    taxes: [{ name: 'VAT', rateBasisPoints: 1600, amountMinor: 18_400 }],
    totals: { netMinor: 115_000, taxMinor: 18_400, grossMinor: 133_400, paidMinor: 0, dueMinor: 133_400 },
    status: 'issued',
    reference: null,
    paymentMethod: null,
    notes: 'Pay by M-Pesa Paybill 123456, account wanjiku.',
    ...overrides,
  };
}

/** An invoice of `count` identical lines with totals that add up. */
export function sampleInvoiceWithLines(count: number, overrides: Partial<BillingDocument> = {}): BillingDocument {
  const lines = Array.from({ length: count }, (_, i) => ({ ...fibre, description: `Home Fibre 10 Mbps, month ${i + 1}` }));
  const net = count * fibre.netMinor;
  const tax = count * fibre.taxMinor;
  return sampleInvoice({
    lines,
    taxes: [{ name: 'VAT', rateBasisPoints: 1600, amountMinor: tax }],
    totals: { netMinor: net, taxMinor: tax, grossMinor: net + tax, paidMinor: 0, dueMinor: net + tax },
    ...overrides,
  });
}

export function sampleCreditNote(overrides: Partial<BillingDocument> = {}): BillingDocument {
  return sampleInvoice({
    kind: 'credit_note',
    number: 'CN-2026-000004',
    dueAt: null,
    lines: [staticIp],
    taxes: [{ name: 'VAT', rateBasisPoints: 1600, amountMinor: 2_400 }],
    totals: { netMinor: 15_000, taxMinor: 2_400, grossMinor: 17_400, paidMinor: 0, dueMinor: 0 },
    reference: 'INV-2026-000123',
    notes: 'Static IP was not assigned in March.',
    ...overrides,
  });
}

export function sampleReceipt(overrides: Partial<BillingDocument> = {}): BillingDocument {
  return sampleInvoice({
    kind: 'receipt',
    number: 'RCT-2026-000777',
    dueAt: null,
    totals: { netMinor: 115_000, taxMinor: 18_400, grossMinor: 133_400, paidMinor: 133_400, dueMinor: 0 },
    status: 'paid',
    reference: 'SCK4XYZ12A',
    paymentMethod: 'M-Pesa',
    notes: null,
    ...overrides,
  });
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { addCustomer } from './customers.js';
import { creditNotesOf, findPaymentByReceipt, invoiceTotals, listInvoicePage, listPaymentPage, moneyApplied, paymentTotals } from './invoice-list.js';
import { issueCreditNote, issueInvoice, type ChargeLine } from './invoices.js';
import { recordPayment } from './payments.js';

const box = createSecretBox(Buffer.alloc(32, 5));
const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
let conn: Connection;
let amina: number;
let baraka: number;

const line = (unitPriceMinor: number): ChargeLine => ({ description: 'Home 10M', quantity: 1, unitPriceMinor, taxClass: null, discounts: [], revenue: 'service' });
function invoice(customerId: number, key: string, amount: number, when: string) {
  return issueInvoice(conn.db, { key, customerId, subscriptionId: null, currency: 'KES', taxExempt: false, issuedAt: at(when), dueAt: at(when), periodStart: null, periodEnd: null, lines: [line(amount)], actor: 'cli:test', zone }).invoice;
}

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-invoice-list-')), 'lango.db'));
  amina = addCustomer(conn.db, box, { username: 'amina', password: 'pw' }).id;
  baraka = addCustomer(conn.db, box, { username: 'baraka', password: 'pw' }).id;
});

afterEach(() => conn.close());

describe('invoice and payment lists', () => {
  it('filters invoices by customer, kind, status, number and issue date, newest first, a page at a time, with totals', () => {
    const first = invoice(amina, 'a1', 100000, '2026-01-05T10:00');
    const second = invoice(amina, 'a2', 200000, '2026-02-05T10:00');
    invoice(baraka, 'b1', 50000, '2026-02-06T10:00');
    const note = issueCreditNote(conn.db, { invoiceNumber: first.number, amountMinor: 30000, reason: 'outage', actor: 'cli:test', at: at('2026-02-10T10:00'), zone });

    const numbers = (filter: Parameters<typeof listInvoicePage>[1], page = { limit: 10, offset: 0 }) => listInvoicePage(conn.db, filter, page).map((i) => i.number);
    expect(numbers({ customerId: amina })).toEqual([note.number, second.number, first.number]);
    expect(numbers({ customerId: amina, kind: 'invoice' })).toEqual([second.number, first.number]);
    expect(numbers({ status: 'partially_paid' })).toEqual([first.number]);
    expect(numbers({ number: 'cn-' })).toEqual([note.number]);
    expect(numbers({ from: at('2026-02-01T00:00'), to: at('2026-02-06T00:00') })).toEqual([second.number]);
    expect(numbers({}, { limit: 2, offset: 1 })).toHaveLength(2);
    expect(listInvoicePage(conn.db, { kind: 'credit_note' }, { limit: 1, offset: 0 })[0]).toMatchObject({ username: 'amina', correctsId: first.id });
    expect(invoiceTotals(conn.db, { kind: 'invoice' })).toEqual([{ currency: 'KES', count: 3, grossMinor: 350000, paidMinor: 30000 }]);
    expect(creditNotesOf(conn.db, first.id).map((n) => n.number)).toEqual([note.number]);
  });

  it('traces the money on an invoice back to its receipts and credit notes', () => {
    const bill = invoice(amina, 'a1', 100000, '2026-01-05T10:00');
    const note = issueCreditNote(conn.db, { invoiceNumber: bill.number, amountMinor: 10000, reason: 'outage', actor: 'cli:test', at: at('2026-01-06T10:00'), zone });
    const { payment } = recordPayment(conn.db, { customerId: amina, method: 'cash', reference: 'RB-1', amountMinor: 40000, currency: 'KES', receivedAt: at('2026-01-07T10:00'), actor: 'staff:mercy', zone });
    expect(moneyApplied(conn.db, bill)).toEqual([
      { amountMinor: 10000, at: at('2026-01-06T10:00'), source: 'credit_note', number: note.number },
      { amountMinor: 40000, at: at('2026-01-07T10:00'), source: 'receipt', number: payment.receiptNumber },
    ]);
  });

  it('lists payments by method, customer, reference and date, newest first, with totals', () => {
    const pay = (customerId: number, method: string, reference: string, amountMinor: number, when: string) =>
      recordPayment(conn.db, { customerId, method, reference, amountMinor, currency: 'KES', receivedAt: at(when), actor: 'staff:mercy', zone }).payment;
    pay(amina, 'cash', 'RB-1', 1000, '2026-01-01T10:00');
    const bank = pay(amina, 'bank', 'EQ-77', 2000, '2026-01-02T10:00');
    pay(baraka, 'mpesa', 'SGH12345', 3000, '2026-01-03T10:00');
    const refs = (filter: Parameters<typeof listPaymentPage>[1]) => listPaymentPage(conn.db, filter, { limit: 10, offset: 0 }).map((p) => p.reference);
    expect(refs({})).toEqual(['SGH12345', 'EQ-77', 'RB-1']);
    expect(refs({ method: 'bank' })).toEqual(['EQ-77']);
    expect(refs({ customerId: amina })).toEqual(['EQ-77', 'RB-1']);
    // As staff type it: any case, the start of it.
    expect(refs({ reference: 'sgh12' })).toEqual(['SGH12345']);
    expect(refs({ reference: 'H12' })).toEqual([]);
    expect(refs({ reference: bank.receiptNumber })).toEqual(['EQ-77']);
    expect(refs({ from: at('2026-01-02T00:00'), to: at('2026-01-03T00:00') })).toEqual(['EQ-77']);
    expect(paymentTotals(conn.db, { customerId: amina })).toEqual([{ currency: 'KES', count: 2, amountMinor: 3000 }]);
    expect(findPaymentByReceipt(conn.db, bank.receiptNumber)).toMatchObject({ username: 'amina', method: 'bank', amountMinor: 2000 });
  });
});

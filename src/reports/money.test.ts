import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPlan, issueCreditNote, recordEvent, recordPayment, setCustomerStatus, subscriptionOf, type Plan } from '../billing/index.js';
import { issueInvoice } from '../billing/invoices.js';
import { addCustomerAt } from '../billing/test-fixtures.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { onPostgres } from '../../tests/support/postgres.js';
import type { Currency } from '../db/schema/billing.js';
import { createBatch, sellTokenForCash } from '../hotspot/index.js';
import { addStaff } from '../staff/index.js';
import {
  agingCsv, agingReport, arpuReport, collectionCsv, collectionReport, customersReport, defaultPeriod, monthsOf, revenueBreakdown, revenueCsv, toCsv, voucherSalesReport, type Months,
} from './money.js';

// A small operator with figures worked out by hand (Nairobi time, "now" 24 Nov 2026 09:00):
//   alice (joined 5 Jun, Fibre KES 2 000): invoice 30 Jun paid in cash 5 Jul; invoice 31 Oct
//     (due 14 Nov) part-paid 500 by M-Pesa on 2 Nov.
//   bob (joined 20 Jun): invoice 31 Jul (due 14 Aug) with a 300 credit note on 10 Aug; invoice
//     31 Aug (due 14 Sep); nothing paid.
//   carol (joined 10 Jul): invoice 10 Sep (due 10 Oct), terminated 15 Sep.
//   deng (joined 2 Oct, Juba SSP 10 000): invoice 31 Oct (due 1 Dec) part-paid 4 000 by bank on 10 Nov.
//   agent juma sold a Hotspot (KES 50) token for cash on 15 Oct; Shop A's printed batch of 3 on 1 Sep.

const box = createSecretBox(Buffer.alloc(32, 7));
const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const now = at('2026-11-24T09:00');
let conn: Connection;
let months: Months;

beforeAll(async () => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-money-')), 'lango.db'));
  const db = conn.db;
  addPlan(db, { name: 'Fibre', priceMinor: 200000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M' });
  addPlan(db, { name: 'Juba', priceMinor: 1000000, currency: 'SSP', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M' });
  const hotspot: Plan = addPlan(db, { name: 'Hotspot', priceMinor: 5000, currency: 'KES', validityMonths: 1, rateLimit: '2M/2M' });
  const alice = addCustomerAt(db, box, 'alice', 'Fibre', at('2026-06-05T10:00'), zone);
  const bob = addCustomerAt(db, box, 'bob', 'Fibre', at('2026-06-20T10:00'), zone);
  const carol = addCustomerAt(db, box, 'carol', 'Fibre', at('2026-07-10T10:00'), zone);
  const deng = addCustomerAt(db, box, 'deng', 'Juba', at('2026-10-02T10:00'), zone);
  const invoice = (customer: { id: number }, currency: Currency, minor: number, issued: string, due: string) =>
    issueInvoice(db, {
      key: `manual:${customer.id}:${issued}`, customerId: customer.id, subscriptionId: subscriptionOf(db, customer.id)!.id, currency, taxExempt: true,
      issuedAt: at(issued), dueAt: at(due), periodStart: null, periodEnd: null, lines: [{ description: 'Service', quantity: 1, unitPriceMinor: minor, taxClass: null, discounts: [], revenue: 'service' }], actor: 'cli:test', zone,
    }).invoice;
  const pay = (customer: { id: number }, method: string, reference: string, minor: number, currency: Currency, when: string) =>
    recordPayment(db, { customerId: customer.id, method, reference, amountMinor: minor, currency, receivedAt: at(when), actor: 'cli:test', zone });

  invoice(alice, 'KES', 200000, '2026-06-30T10:00', '2026-07-14T00:00');
  pay(alice, 'cash', 'R-1', 200000, 'KES', '2026-07-05T12:00');
  const i3 = invoice(bob, 'KES', 200000, '2026-07-31T10:00', '2026-08-14T00:00');
  issueCreditNote(db, { invoiceNumber: i3.number, amountMinor: 30000, reason: 'outage', actor: 'cli:test', at: at('2026-08-10T10:00'), zone });
  invoice(bob, 'KES', 200000, '2026-08-31T10:00', '2026-09-14T00:00');
  createBatch(db, box, { planName: 'Hotspot', count: 3, seller: 'Shop A', actor: 'cli:test', now: at('2026-09-01T08:00') });
  invoice(carol, 'KES', 200000, '2026-09-10T10:00', '2026-10-10T00:00');
  setCustomerStatus(db, 'carol', 'terminated', at('2026-09-15T10:00'));
  recordEvent(db, carol.id, 'status_changed', 'staff:amina', { from: 'active', to: 'terminated', reason: 'moved away' }, at('2026-09-15T10:00'));
  const { staff: juma } = await addStaff(db, { username: 'juma', password: 'agent-pass-123', role: 'agent' });
  sellTokenForCash(db, box, { key: 'sale-1', seller: { id: juma.id, username: juma.username }, plan: hotspot, phone: '+254712345678', now: at('2026-10-15T10:00'), zone });
  invoice(alice, 'KES', 200000, '2026-10-31T10:00', '2026-11-14T00:00');
  invoice(deng, 'SSP', 1000000, '2026-10-31T10:00', '2026-12-01T00:00');
  pay(alice, 'mpesa', 'MP-2', 50000, 'KES', '2026-11-02T08:00');
  pay(deng, 'bank', 'B-3', 400000, 'SSP', '2026-11-10T08:00');
  months = monthsOf(defaultPeriod(now, zone), zone)!;
});
afterAll(() => conn.close());

const zeros = (n: number) => Array.from({ length: n }, () => 0);
/** 12 months 2025-12 … 2026-11 with these (month index → value) set. */
const perMonth = (set: Record<string, number>) => {
  const names = months.names;
  return names.map((m) => set[m] ?? 0);
};

describe('the period', () => {
  it('is the last 12 months by default, this one included, in the operator’s zone', () => {
    expect(months.names).toEqual(['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    expect(months.bounds[0]).toBe(at('2025-12-01T00:00'));
    expect(months.bounds[12]).toBe(at('2026-12-01T00:00'));
  });

  it('refuses a period that runs backwards or is longer than three years', () => {
    expect(monthsOf({ from: '2026-05', to: '2026-04' }, zone)).toBeUndefined();
    expect(monthsOf({ from: '2023-01', to: '2026-01' }, zone)).toBeUndefined();
    expect(monthsOf({ from: '2026-04', to: '2026-04' }, zone)?.names).toEqual(['2026-04']);
  });
});

describe('revenue', () => {
  it('gives money received by month, by day, by payment method, and invoiced by plan less credit notes', () => {
    const r = revenueBreakdown(conn.db, { months, zone });
    expect(r.byMonth).toEqual([
      { currency: 'KES', perMonth: perMonth({ '2026-07': 200000, '2026-10': 5000, '2026-11': 50000 }), total: 255000 },
      { currency: 'SSP', perMonth: perMonth({ '2026-11': 400000 }), total: 400000 },
    ]);
    expect(r.days.month).toBe('2026-11');
    expect(r.days.names).toHaveLength(30);
    expect(r.days.currencies).toEqual([
      { currency: 'KES', perDay: zeros(30).map((z, i) => (i === 1 ? 50000 : z)) },
      { currency: 'SSP', perDay: zeros(30).map((z, i) => (i === 9 ? 400000 : z)) },
    ]);
    expect(r.byMethod).toEqual([
      { method: 'cash', currency: 'KES', payments: 2, minor: 205000 },
      { method: 'mpesa', currency: 'KES', payments: 1, minor: 50000 },
      { method: 'bank', currency: 'SSP', payments: 1, minor: 400000 },
    ]);
    expect(r.byPlan).toEqual([
      { plan: 'Fibre', currency: 'KES', invoices: 5, netMinor: 970000 },
      { plan: 'Hotspot', currency: 'KES', invoices: 1, netMinor: 5000 },
      { plan: 'Juba', currency: 'SSP', invoices: 1, netMinor: 1000000 },
    ]);
  });

  it('shows any month of the period day by day', () => {
    const r = revenueBreakdown(conn.db, { months, zone, dayMonth: '2026-07' });
    expect(r.days.names[4]).toBe('2026-07-05');
    expect(r.days.currencies).toEqual([{ currency: 'KES', perDay: zeros(31).map((z, i) => (i === 4 ? 200000 : z)) }]);
  });

  it('writes the same figures as CSV, money as decimals beside the currency', () => {
    const csv = toCsv(revenueCsv(revenueBreakdown(conn.db, { months, zone })));
    expect(csv.startsWith('section,period,item,currency,count,amount\r\n')).toBe(true);
    expect(csv).toContain('month,2026-07,,KES,,2000.00\r\n');
    expect(csv).toContain('day,2026-11-10,,SSP,,4000.00\r\n');
    expect(csv).toContain('method,2025-12..2026-11,mpesa,KES,1,500.00\r\n');
    expect(csv).toContain('plan,2025-12..2026-11,Fibre,KES,5,9700.00\r\n');
  });
});

describe('collection', () => {
  it('sets what was billed each month (less credit notes) against what came in, per currency', () => {
    const r = collectionReport(conn.db, { months, zone });
    const kes = r.currencies.find((c) => c.currency === 'KES')!;
    const billed = perMonth({ '2026-06': 200000, '2026-07': 200000, '2026-08': 170000, '2026-09': 200000, '2026-10': 205000 });
    const collected = perMonth({ '2026-07': 200000, '2026-10': 5000, '2026-11': 50000 });
    expect(kes.rows.map((x) => x.billed)).toEqual(billed);
    expect(kes.rows.map((x) => x.collected)).toEqual(collected);
    expect(kes.rows.map((x) => x.rate)).toEqual(perMonth({}).map((_, i) => (billed[i]! > 0 ? collected[i]! / billed[i]! : null)));
    expect(kes.rows[7]!.rate).toBe(1);
    expect(kes.rows[11]!.rate).toBeNull();
    expect([kes.billed, kes.collected]).toEqual([975000, 255000]);
    const ssp = r.currencies.find((c) => c.currency === 'SSP')!;
    expect([ssp.billed, ssp.collected, ssp.rate]).toEqual([1000000, 400000, 0.4]);
    expect(toCsv(collectionCsv(r))).toContain('2026-08,KES,1700.00,0.00,0.0000\r\n');
  });
});

describe('accounts receivable ageing', () => {
  it('buckets what is still owed by days past due, with the largest debtors', () => {
    const r = agingReport(conn.db, { asOf: now });
    expect(r.currencies).toEqual([
      {
        currency: 'KES',
        buckets: { current: { invoices: 0, minor: 0 }, days1to30: { invoices: 1, minor: 150000 }, days31to60: { invoices: 1, minor: 200000 }, days61to90: { invoices: 1, minor: 200000 }, over90: { invoices: 1, minor: 170000 } },
        total: 720000,
      },
      {
        currency: 'SSP',
        buckets: { current: { invoices: 1, minor: 600000 }, days1to30: { invoices: 0, minor: 0 }, days31to60: { invoices: 0, minor: 0 }, days61to90: { invoices: 0, minor: 0 }, over90: { invoices: 0, minor: 0 } },
        total: 600000,
      },
    ]);
    expect(r.debtors).toEqual([
      { currency: 'KES', username: 'bob', invoices: 2, minor: 370000, oldestDueAt: at('2026-08-14T00:00') },
      { currency: 'KES', username: 'carol', invoices: 1, minor: 200000, oldestDueAt: at('2026-10-10T00:00') },
      { currency: 'KES', username: 'alice', invoices: 1, minor: 150000, oldestDueAt: at('2026-11-14T00:00') },
      { currency: 'SSP', username: 'deng', invoices: 1, minor: 600000, oldestDueAt: at('2026-12-01T00:00') },
    ]);
    const csv = toCsv(agingCsv(r));
    expect(csv).toContain('bucket,over90,KES,1,1700.00\r\n');
    expect(csv).toContain('debtor,bob,KES,2,3700.00\r\n');
  });

  it('counts an invoice one minute past its due date as 1–30 days late', () => {
    const r = agingReport(conn.db, { asOf: at('2026-12-01T00:01') });
    expect(r.currencies.find((c) => c.currency === 'SSP')!.buckets.days1to30).toEqual({ invoices: 1, minor: 600000 });
  });
});

describe('customers', () => {
  it('counts who joined and who left each month, vouchers apart, and follows each month’s joiners', () => {
    const r = customersReport(conn.db, { months, zone, now });
    expect(r.joined).toEqual(perMonth({ '2026-06': 2, '2026-07': 1, '2026-10': 1 }));
    expect(r.churned).toEqual(perMonth({ '2026-09': 1 }));
    const row = (month: string) => r.cohorts.find((c) => c.month === month)!;
    expect(row('2026-06')).toEqual({ month: '2026-06', joined: 2, still: [2, 2, 2, 2, 2, 2, null, null, null, null, null, null] });
    expect(row('2026-07')).toEqual({ month: '2026-07', joined: 1, still: [1, 1, 0, 0, 0, null, null, null, null, null, null, null] });
    expect(row('2026-10')).toEqual({ month: '2026-10', joined: 1, still: [1, 1, null, null, null, null, null, null, null, null, null, null] });
    expect(row('2025-12')).toEqual({ month: '2025-12', joined: 0, still: zeros(12) });
  });

  it('follows a past period’s cohorts past its end: a customer terminated after it still leaves her cohort', () => {
    const past = monthsOf({ from: '2026-06', to: '2026-08' }, zone)!;
    const r = customersReport(conn.db, { months: past, zone, now });
    expect(r.cohorts.find((c) => c.month === '2026-07')!.still.slice(0, 5)).toEqual([1, 1, 0, 0, 0]);
    expect(r.churned).toEqual([0, 0, 0]);
  });

  it('counts a customer reactivated after termination as with us again', () => {
    const carol = conn.sqlite.prepare("SELECT id FROM customers WHERE username = 'carol'").get() as { id: number };
    recordEvent(conn.db, carol.id, 'reactivated', 'staff:amina', { from: 'terminated', to: 'active', reason: 'came back' }, at('2026-11-03T10:00'));
    try {
      const r = customersReport(conn.db, { months, zone, now });
      expect(r.cohorts.find((c) => c.month === '2026-07')!.still.slice(0, 5)).toEqual([1, 1, 0, 0, 1]);
      expect(r.churned).toEqual(perMonth({ '2026-09': 1 }));
    } finally {
      conn.sqlite.prepare("DELETE FROM customer_events WHERE kind = 'reactivated' AND actor = 'staff:amina'").run();
    }
  });
});

describe('ARPU', () => {
  it('divides what customers paid each month by how many paid, leaving voucher sales out', () => {
    const r = arpuReport(conn.db, { months });
    const kes = r.currencies.find((c) => c.currency === 'KES')!;
    expect(kes.rows[7]).toEqual({ receivedMinor: 200000, payers: 1, arpuMinor: 200000 });
    expect(kes.rows[10]).toEqual({ receivedMinor: 0, payers: 0, arpuMinor: null });
    expect(kes.rows[11]).toEqual({ receivedMinor: 50000, payers: 1, arpuMinor: 50000 });
    expect(r.currencies.find((c) => c.currency === 'SSP')!.rows[11]).toEqual({ receivedMinor: 400000, payers: 1, arpuMinor: 400000 });
  });
});

describe('voucher sales', () => {
  // The token sold is paid for but nobody has logged in with it yet: sold, not used.
  it('reports each batch, each seller and each agent’s tokens', () => {
    const r = voucherSalesReport(conn.db, { months, now });
    expect(r.batches.map(({ name, ...rest }) => ({ name: name.startsWith('B-') ? name : 'agent batch', ...rest }))).toEqual([
      { name: 'B-0001', plan: 'Hotspot', seller: 'Shop A', currency: 'KES', priceMinor: 5000, codes: 3, used: 0, revoked: 0, valueMinor: 15000, usedValueMinor: 0, receivedMinor: 0 },
      { name: 'agent batch', plan: 'Hotspot', seller: 'agent:juma', currency: 'KES', priceMinor: 5000, codes: 1, used: 0, revoked: 0, valueMinor: 5000, usedValueMinor: 0, receivedMinor: 5000 },
    ]);
    expect(r.sellers).toEqual([
      { seller: 'agent:juma', currency: 'KES', batches: 1, codes: 1, used: 0, usedValueMinor: 0, receivedMinor: 5000 },
      { seller: 'Shop A', currency: 'KES', batches: 1, codes: 3, used: 0, usedValueMinor: 0, receivedMinor: 0 },
    ]);
    expect(r.agents).toEqual([{ agent: 'juma', method: 'cash', currency: 'KES', tokens: 1, minor: 5000 }]);
  });
});

// SQLite's query plans; PostgreSQL plans the same SQL its own way.
describe.skipIf(onPostgres())('speed', () => {
  const plan = (query: string, ...params: unknown[]) => (conn.sqlite.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');

  it('reads money received and by method from covering indexes, a period’s stretch of invoices by id, open invoices by due date, terminations by kind', () => {
    expect(plan('SELECT currency, SUM(amount_minor) FROM payments WHERE received_at >= ? AND received_at < ? GROUP BY currency', 0, 1)).toContain('COVERING INDEX payments_by_received');
    expect(plan('SELECT method, currency, COUNT(*), SUM(amount_minor) FROM payments WHERE received_at >= ? AND received_at < ? GROUP BY method, currency', 0, 1)).toContain('COVERING INDEX payments_by_received_method');
    expect(plan('SELECT currency, SUM(gross_minor) FROM invoices WHERE issued_at >= ? AND issued_at < ? GROUP BY currency', 0, 1)).toContain('USING INDEX invoices_issued');
    expect(plan("SELECT currency, COUNT(*) FROM invoices WHERE status IN ('issued', 'partially_paid', 'overdue') AND kind = 'invoice' GROUP BY currency")).toContain('USING INDEX invoices_by_due');
    expect(plan('SELECT SUM(gross_minor) FROM invoices NOT INDEXED WHERE id BETWEEN ? AND ? AND issued_at >= ? AND issued_at < ? AND currency = ?', 1, 2, 0, 1, 'KES')).toBe('SEARCH invoices USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)');
    expect(plan('SELECT MIN(id), MAX(id) FROM payments WHERE received_at >= ? AND received_at < ?', 0, 1)).toContain('COVERING INDEX payments_by_received');
    expect(plan("SELECT customer_id FROM customer_events WHERE kind = 'status_changed' AND at < ?", 1)).toContain('USING INDEX customer_events_by_kind');
  });
});

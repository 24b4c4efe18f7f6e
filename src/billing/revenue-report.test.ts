import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { onPostgres } from '../../tests/support/postgres.js';
import { setSetting } from '../settings/index.js';
import { addCustomer, findCustomer } from './customers.js';
import { recordPayment } from './payments.js';
import { addPlan } from './plans.js';
import { overdueSummary, revenueReport } from './revenue-report.js';
import { runBilling } from './run.js';
import { addCustomerAt } from './test-fixtures.js';

const box = createSecretBox(Buffer.alloc(32, 5));
const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-revenue-')), 'lango.db'));
  addPlan(conn.db, { name: 'Home', priceMinor: 150000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
  addPlan(conn.db, { name: 'Juba', priceMinor: 5000000, currency: 'SSP', validityMonths: 1, rateLimit: '5M/5M' });
});
afterEach(() => conn.close());

function pay(customerId: number, reference: string, amountMinor: number, iso: string, currency: 'KES' | 'SSP' = 'KES') {
  recordPayment(conn.db, { customerId, method: 'cash', reference, amountMinor, currency, receivedAt: at(iso), actor: 'cli:test', zone });
}

describe('revenue report', () => {
  it('sums the money received per calendar month of the operator’s zone, per currency, with today and this month', () => {
    const alice = addCustomer(conn.db, box, { username: 'alice', password: 'pw', planName: 'Home' }, zone);
    const deng = addCustomer(conn.db, box, { username: 'deng', password: 'pw', planName: 'Juba' }, zone);
    pay(alice.id, 'R-1', 10000, '2025-11-30T23:59'); // before the 12 months: not counted
    pay(alice.id, 'R-2', 20000, '2025-12-01T00:00'); // the first month's first minute
    pay(alice.id, 'R-3', 30000, '2026-06-30T23:30'); // late on the last day of June (20:30 UTC)
    pay(alice.id, 'R-4', 40000, '2026-11-24T07:00'); // today
    pay(alice.id, 'R-5', 50000, '2026-11-23T22:00'); // yesterday, this month
    pay(deng.id, 'R-6', 7000000, '2026-11-24T08:00', 'SSP');

    const report = revenueReport(conn.db, { now: at('2026-11-24T09:00'), zone });
    expect(report.months.map((m) => DateTime.fromMillis(m, { zone }).toFormat('yyyy-MM'))).toEqual([
      '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11',
    ]);
    expect(report.currencies).toEqual([
      { currency: 'KES', perMonth: [20000, 0, 0, 0, 0, 0, 30000, 0, 0, 0, 0, 90000], today: 40000, thisMonth: 90000 },
      { currency: 'SSP', perMonth: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7000000], today: 7000000, thisMonth: 7000000 },
    ]);
  });

  // SQLite's query plan; PostgreSQL plans the same SQL its own way.
  it.skipIf(onPostgres())('reads each month as a range of the payments_by_received index, never the table', () => {
    const plan = conn.sqlite
      .prepare('EXPLAIN QUERY PLAN SELECT coalesce(SUM(amount_minor), -1) FROM payments WHERE received_at >= ? AND received_at < ? AND currency = ?')
      .all(0, 1, 'KES') as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join(' ')).toContain('USING COVERING INDEX payments_by_received');
  });

  it('answers with no currency at all before any money came in', () => {
    const report = revenueReport(conn.db, { now: at('2026-11-24T09:00'), zone, months: 1 });
    expect(report).toEqual({ months: [at('2026-11-01T00:00')], currencies: [] });
  });
});

describe('overdue summary', () => {
  it('counts the customers with overdue invoices and those suspended for not paying', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    addPlan(conn.db, { name: 'Postpaid', priceMinor: 250000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M' });
    addCustomerAt(conn.db, box, 'akinyi', 'Postpaid', at('2026-01-01T09:00'), zone);
    addCustomerAt(conn.db, box, 'otieno', 'Postpaid', at('2026-01-01T09:00'), zone);
    expect(overdueSummary(conn.db)).toEqual({ accounts: 0, invoices: 0, suspended: 0 });
    await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: () => Promise.resolve() });
    await runBilling(conn.db, { now: at('2026-02-12T00:05'), zone, pause: () => Promise.resolve() });
    expect(overdueSummary(conn.db)).toEqual({ accounts: 2, invoices: 2, suspended: 2 });
    // Part-paid: still overdue and suspended, one account however many reasons.
    recordPayment(conn.db, { customerId: findCustomer(conn.db, 'otieno')!.id, method: 'cash', reference: 'R-9', amountMinor: 1000, currency: 'KES', receivedAt: at('2026-02-12T10:00'), actor: 'cli:test', zone });
    expect(overdueSummary(conn.db)).toEqual({ accounts: 2, invoices: 2, suspended: 2 });
    // Paid in full: neither overdue nor suspended.
    recordPayment(conn.db, { customerId: findCustomer(conn.db, 'otieno')!.id, method: 'cash', reference: 'R-10', amountMinor: 249000, currency: 'KES', receivedAt: at('2026-02-12T11:00'), actor: 'cli:test', zone });
    expect(overdueSummary(conn.db)).toEqual({ accounts: 1, invoices: 1, suspended: 1 });
  });
});

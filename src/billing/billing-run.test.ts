import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCustomerAt } from './test-fixtures.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { setSetting } from '../settings/index.js';
import { customers } from '../db/schema/billing.js';
import { eq } from 'drizzle-orm';
import { findCustomer } from './customers.js';
import { findInvoice, issueCreditNote, listInvoices, voidInvoice } from './invoices.js';
import { changePlan } from './plan-change.js';
import { arrangeInstalments } from './instalments.js';
import { addPromotion } from './promotions.js';
import { customerBalance, trialBalance } from './ledger.js';
import { adjustWallet, recordPayment } from './payments.js';
import { addPlan, findPlanByName } from './plans.js';
import { runBilling } from './run.js';
import { subscriptionOf } from './subscriptions.js';
import { saveTaxClass } from './tax-classes.js';
import { timelineOf } from './timeline.js';

const box = createSecretBox(Buffer.alloc(32, 3));
const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const noPause = () => Promise.resolve();
let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-billing-')), 'lango.db'));
  saveTaxClass(conn.db, { code: 'KE-INTERNET', name: 'Kenya internet', inclusive: false, rules: [
    { code: 'EXCISE', name: 'Excise duty 15%', rateBasisPoints: 1500, compound: false },
    { code: 'VAT', name: 'VAT 16%', rateBasisPoints: 1600, compound: true },
  ] });
  addPlan(conn.db, { name: 'Home 10M', priceMinor: 250000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M', taxClass: 'KE-INTERNET', dataBytes: 100e9, overagePerGbMinor: 5000 });
  addPlan(conn.db, { name: 'Monthly prepaid', priceMinor: 150000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
  addPlan(conn.db, { name: 'Monthly fast', priceMinor: 300000, currency: 'KES', validityMonths: 1, rateLimit: '20M/20M' });
  addPlan(conn.db, { name: 'Home 5M', priceMinor: 150000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '5M/5M', taxClass: 'KE-INTERNET' });
});

afterEach(() => conn.close());

function books() {
  for (const row of trialBalance(conn.db)) {
    expect(row.total, `${row.currency} books`).toBe(0);
    expect(row.unbalanced).toBe(0);
  }
}

describe('postpaid billing', () => {
  it('invoices a finished cycle with excise duty and VAT on top, due a week later', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'wanjiru', 'Home 10M', at('2026-01-01T09:00'));
    const result = await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    expect(result.invoiced).toBe(1);
    const [invoice] = listInvoices(conn.db, { customerId: customer.id });
    expect(invoice).toMatchObject({ number: 'INV-2026-000001', netMinor: 250000, taxMinor: 37500 + 46000, grossMinor: 333500, status: 'issued' });
    expect(invoice!.dueAt).toBe(at('2026-02-08T00:00'));
    expect(customerBalance(conn.db, customer.id, 'KES').dueMinor).toBe(333500);
    books();
  });

  it('words the invoice line in the customer\'s language, since the line is kept as issued', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'amira', 'Home 10M', at('2026-01-01T09:00'));
    conn.db.update(customers).set({ language: 'ar' }).where(eq(customers.id, customer.id)).run();
    withPlanAt(conn, 'wanjiru', 'Home 10M', at('2026-01-01T09:00'));
    await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    const lineOf = (username: string) => {
      const invoice = listInvoices(conn.db, {}).find((i) => i.customerId === findCustomer(conn.db, username)!.id)!;
      return findInvoice(conn.db, invoice.number)!.lines[0]!.description;
    };
    expect(lineOf('amira')).toBe('Home 10M، من 1 يناير 2026 إلى 1 فبراير 2026');
    expect(lineOf('wanjiru')).toBe('Home 10M, 1 Jan 2026 to 1 Feb 2026');
  });

  it('runs twice without a second invoice, and catches up every missed cycle in order', async () => {
    const customer = withPlanAt(conn, 'otieno', 'Home 10M', at('2026-01-31T10:00'));
    await runBilling(conn.db, { now: at('2026-05-01T00:00'), zone, pause: noPause });
    await runBilling(conn.db, { now: at('2026-05-01T00:00'), zone, pause: noPause });
    const issued = listInvoices(conn.db, { customerId: customer.id }).map((i) => [i.number, DateTime.fromMillis(i.issuedAt, { zone }).toISODate()]);
    // Anniversary on the 31st: February's boundary falls on the 28th, March's back on the 31st.
    expect(issued).toEqual([
      ['INV-2026-000001', '2026-02-28'],
      ['INV-2026-000002', '2026-03-31'],
      ['INV-2026-000003', '2026-04-30'],
    ]);
    expect(subscriptionOf(conn.db, customer.id)!.periodEnd).toBe(at('2026-05-31T00:00'));
    books();
  });

  it('suspends after the grace period, and a cash payment that clears the overdue bill reactivates at once', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'akinyi', 'Home 10M', at('2026-01-01T09:00'));
    await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    const late = await runBilling(conn.db, { now: at('2026-02-12T00:05'), zone, pause: noPause });
    expect(late).toMatchObject({ markedOverdue: 1, suspended: 1 });
    expect(findCustomer(conn.db, 'akinyi')).toMatchObject({ status: 'suspended', suspendedReason: 'overdue' });

    recordPayment(conn.db, { customerId: customer.id, method: 'cash', reference: 'R-100', amountMinor: 100000, currency: 'KES', receivedAt: at('2026-02-12T10:00'), actor: 'cli:test', zone });
    expect(findCustomer(conn.db, 'akinyi')!.status).toBe('suspended');
    expect(listInvoices(conn.db, { customerId: customer.id })[0]).toMatchObject({ status: 'overdue', paidMinor: 100000 });

    const second = recordPayment(conn.db, { customerId: customer.id, method: 'cash', reference: 'R-101', amountMinor: 233500, currency: 'KES', receivedAt: at('2026-02-12T11:00'), actor: 'cli:test', zone });
    expect(second.allocatedMinor).toBe(233500);
    expect(findCustomer(conn.db, 'akinyi')).toMatchObject({ status: 'active', suspendedReason: null });
    expect(listInvoices(conn.db, { customerId: customer.id })[0]).toMatchObject({ status: 'paid', paidMinor: 333500 });
    expect(timelineOf(conn.db, customer.id).map((e) => e.kind)).toEqual(['subscribed', 'invoice_issued', 'reminder', 'suspended', 'payment_received', 'payment_received', 'reactivated']);
    books();
  });

  it('lets a suspended customer back in on an instalment arrangement, and suspends again only when a part is missed', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'kiprop', 'Home 10M', at('2026-01-01T09:00'));
    await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    await runBilling(conn.db, { now: at('2026-02-12T00:05'), zone, pause: noPause });
    expect(findCustomer(conn.db, 'kiprop')!.status).toBe('suspended');
    const [invoice] = listInvoices(conn.db, { customerId: customer.id });

    const parts = arrangeInstalments(conn.db, { invoiceNumber: invoice!.number, count: 3, every: { days: 7 }, firstDueAt: at('2026-02-15T00:00'), actor: 'cli:test', at: at('2026-02-12T10:00'), zone });
    // 3,335.00 in three: the first part carries the odd cent.
    expect(parts.map((p) => p.amountMinor)).toEqual([111168, 111166, 111166]);
    expect(findCustomer(conn.db, 'kiprop')!.status).toBe('active');

    // A part missed: overdue from its date, suspended after the grace days.
    expect(await runBilling(conn.db, { now: at('2026-02-16T00:05'), zone, pause: noPause })).toMatchObject({ markedOverdue: 1, suspended: 0 });
    expect(await runBilling(conn.db, { now: at('2026-02-18T00:05'), zone, pause: noPause })).toMatchObject({ suspended: 1 });

    // Paying the missed part puts the arrangement back on track and the account back on.
    recordPayment(conn.db, { customerId: customer.id, method: 'cash', reference: 'R-200', amountMinor: 111168, currency: 'KES', receivedAt: at('2026-02-18T09:00'), actor: 'cli:test', zone });
    expect(findCustomer(conn.db, 'kiprop')!.status).toBe('active');
    expect(listInvoices(conn.db, { customerId: customer.id })[0]).toMatchObject({ status: 'partially_paid', paidMinor: 111168 });
    expect(await runBilling(conn.db, { now: at('2026-02-20T00:05'), zone, pause: noPause })).toMatchObject({ markedOverdue: 0, suspended: 0 });
    books();
  });

  it('takes a promotion off the invoices whose period starts while it runs', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'halima', 'Home 10M', at('2026-01-01T09:00'));
    addPromotion(conn.db, { code: 'JAN10', label: 'January 10% off', planId: findPlanByName(conn.db, 'Home 10M')!.id, percentBasisPoints: 1000, amountMinor: null, startsAt: at('2026-01-01T00:00'), endsAt: at('2026-02-01T00:00'), actor: 'cli:test' });
    await runBilling(conn.db, { now: at('2026-03-01T00:05'), zone, pause: noPause });
    // January's cycle had the offer; February's did not.
    expect(listInvoices(conn.db, { customerId: customer.id }).map((i) => i.netMinor)).toEqual([225000, 250000]);
    books();
  });

  it('reports a subscription it cannot bill and still bills everyone else in the same run', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const good = withPlanAt(conn, 'good', 'Home 10M', at('2026-01-01T09:00'));
    const bad = withPlanAt(conn, 'bad', 'Home 10M', at('2026-01-01T09:00'));
    conn.sqlite.prepare('UPDATE subscriptions SET anchor_day = 0 WHERE customer_id = ?').run(bad.id);
    const result = await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    expect(result.invoiced).toBe(1);
    expect(result.failed).toEqual([{ subscriptionId: subscriptionOf(conn.db, bad.id)!.id, error: expect.stringContaining('bad cycle schedule') }]);
    expect(listInvoices(conn.db, { customerId: good.id })).toHaveLength(1);
    expect(listInvoices(conn.db, { customerId: bad.id })).toHaveLength(0);
    books();
  });

  it('records a payment once however often the same reference arrives', () => {
    const customer = withPlanAt(conn, 'kamau', 'Home 10M', at('2026-01-01T09:00'));
    const input = { customerId: customer.id, method: 'bank' as const, reference: 'FT26001', amountMinor: 5000, currency: 'KES' as const, receivedAt: at('2026-01-02T09:00'), actor: 'cli:test', zone };
    const first = recordPayment(conn.db, input);
    for (let i = 0; i < 4; i++) expect(recordPayment(conn.db, input)).toMatchObject({ created: false, payment: { id: first.payment.id } });
    expect(customerBalance(conn.db, customer.id, 'KES').walletMinor).toBe(5000);
    books();
  });

  it('bills data beyond the allowance per started GB', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'njeri', 'Home 10M', at('2026-01-01T09:00'));
    const sub = subscriptionOf(conn.db, customer.id)!;
    conn.sqlite.prepare('INSERT INTO usage (customer_id, period_start, input_octets, output_octets, online_seconds, updated_at) VALUES (?, ?, ?, ?, 0, 0)').run(customer.id, sub.periodStart, 2e9, 100.5e9);
    await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    const [invoice] = listInvoices(conn.db, { customerId: customer.id });
    // 102.5 GB used of 100 GB: 3 started GB at 50.00, taxed like the service.
    expect(invoice!.netMinor).toBe(250000 + 15000);
    books();
  });
});

describe('plan changes and partial cycles', () => {
  it('prorates a first cycle cut short by the billing day, counting the joining day whole', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'chebet', 'Home 10M', at('2026-01-16T15:00'));
    await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    // 16 of January's 31 days: 2,500.00 x 16/31 = 1,290.3225… -> 1,290.32.
    expect(listInvoices(conn.db, { customerId: customer.id })[0]!.netMinor).toBe(129032);
  });

  it('upgrades a prepaid customer mid-period: unused days credited, the rest of the period charged', async () => {
    const customer = withPlanAt(conn, 'maina', 'Monthly prepaid', at('2026-01-31T12:00'));
    adjustWallet(conn.db, { customerId: customer.id, amountMinor: 200000, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: at('2026-01-31T12:00') });
    await runBilling(conn.db, { now: at('2026-02-28T13:00'), zone, pause: noPause });
    // Period 28 Feb 12:00 - 31 Mar 12:00 is 31 days; 16 are left on 15 Mar 12:00.
    const change = changePlan(conn.db, { username: 'maina', planName: 'Monthly fast', when: 'now', actor: 'cli:test', at: at('2026-03-15T12:00'), zone });
    expect(change.creditNote!.grossMinor).toBe(77419); // 1,500.00 x 16/31 = 774.19…
    expect(change.invoice!.netMinor).toBe(154839); // 3,000.00 x 16/31 = 1,548.387…
    expect(change.rateLimit).toBe('20M/20M');
    expect(customerBalance(conn.db, customer.id, 'KES')).toEqual({ currency: 'KES', walletMinor: 0, dueMinor: 154839 - (50000 + 77419) });
    expect(subscriptionOf(conn.db, customer.id)).toMatchObject({ periodStart: at('2026-02-28T12:00'), periodEnd: at('2026-03-31T12:00') });
    books();
  });

  it('downgrades a postpaid customer at renewal: this cycle on the old plan, the next on the new', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'omondi', 'Home 10M', at('2026-01-01T09:00'));
    const change = changePlan(conn.db, { username: 'omondi', planName: 'Home 5M', when: 'renewal', actor: 'cli:test', at: at('2026-01-20T09:00'), zone });
    expect(change.rateLimit).toBeNull();
    await runBilling(conn.db, { now: at('2026-03-01T00:05'), zone, pause: noPause });
    expect(listInvoices(conn.db, { customerId: customer.id }).map((i) => i.netMinor)).toEqual([250000, 150000]);
    books();
  });

  it('upgrades a postpaid customer now: the old plan billed for the days used, the new one for the rest at the cycle end', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'ruto', 'Home 5M', at('2026-04-01T00:00'));
    changePlan(conn.db, { username: 'ruto', planName: 'Home 10M', when: 'now', actor: 'cli:test', at: at('2026-04-11T00:00'), zone });
    await runBilling(conn.db, { now: at('2026-05-01T00:05'), zone, pause: noPause });
    // April has 30 days: 10 on 1,500.00 (500.00), 20 on 2,500.00 (1,666.67).
    expect(listInvoices(conn.db, { customerId: customer.id }).map((i) => i.netMinor)).toEqual([50000, 166667]);
    books();
  });
});

describe('prepaid renewals', () => {
  it('renews from the wallet at the end of the month, and expires when the wallet is short', async () => {
    const customer = withPlanAt(conn, 'achieng', 'Monthly prepaid', at('2026-01-31T12:00'));
    adjustWallet(conn.db, { customerId: customer.id, amountMinor: 200000, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: at('2026-01-31T12:00') });
    const first = await runBilling(conn.db, { now: at('2026-02-28T13:00'), zone, pause: noPause });
    expect(first.renewed).toBe(1);
    expect(subscriptionOf(conn.db, customer.id)).toMatchObject({ status: 'active', periodStart: at('2026-02-28T12:00'), periodEnd: at('2026-03-31T12:00') });
    expect(customerBalance(conn.db, customer.id, 'KES')).toEqual({ currency: 'KES', dueMinor: 0, walletMinor: 50000 });

    const second = await runBilling(conn.db, { now: at('2026-03-31T12:01'), zone, pause: noPause });
    expect(second).toMatchObject({ renewed: 0, expired: 1 });
    expect(subscriptionOf(conn.db, customer.id)!.status).toBe('expired');
    expect(listInvoices(conn.db, { customerId: customer.id })).toHaveLength(1);
    books();
  });

  it('corrects an invoice with a credit note that returns the paid part to the wallet', async () => {
    const customer = withPlanAt(conn, 'mutua', 'Monthly prepaid', at('2026-01-31T12:00'));
    adjustWallet(conn.db, { customerId: customer.id, amountMinor: 150000, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: at('2026-01-31T12:00') });
    await runBilling(conn.db, { now: at('2026-02-28T13:00'), zone, pause: noPause });
    const [invoice] = listInvoices(conn.db, { customerId: customer.id });
    const note = issueCreditNote(conn.db, { invoiceNumber: invoice!.number, amountMinor: 50000, reason: 'Outage 10 days', actor: 'cli:test', at: at('2026-03-05T10:00'), zone });
    expect(note).toMatchObject({ number: 'CN-2026-000001', kind: 'credit_note', grossMinor: 50000 });
    expect(customerBalance(conn.db, customer.id, 'KES').walletMinor).toBe(50000);
    expect(() => issueCreditNote(conn.db, { invoiceNumber: invoice!.number, amountMinor: 100001, reason: 'too much', actor: 'cli:test', at: at('2026-03-05T10:00'), zone })).toThrow(/at most/);
    books();
  });

  it('issues one credit note for a staff form sent twice with the same request key', async () => {
    const customer = withPlanAt(conn, 'nekesa', 'Monthly prepaid', at('2026-01-31T12:00'));
    adjustWallet(conn.db, { customerId: customer.id, amountMinor: 150000, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: at('2026-01-31T12:00') });
    await runBilling(conn.db, { now: at('2026-02-28T13:00'), zone, pause: noPause });
    const [invoice] = listInvoices(conn.db, { customerId: customer.id });
    const send = () => issueCreditNote(conn.db, { invoiceNumber: invoice!.number, amountMinor: 20000, reason: 'Outage 4 days', actor: 'staff:amina', at: at('2026-03-05T10:00'), zone, requestKey: '6f1c2b9e-0d4a-4c1e-9a53-2f0e7b1d8c44' });
    const first = send();
    const second = send();
    expect(second.number).toBe(first.number);
    expect(listInvoices(conn.db, { customerId: customer.id, kind: 'credit_note' })).toHaveLength(1);
    expect(customerBalance(conn.db, customer.id, 'KES').walletMinor).toBe(20000);
    books();
  });

  it('refuses a staff adjustment without a reason', () => {
    const customer = withPlanAt(conn, 'wafula', 'Monthly prepaid', at('2026-01-31T12:00'));
    expect(() => adjustWallet(conn.db, { customerId: customer.id, amountMinor: 100, currency: 'KES', reason: ' ', actor: 'cli:test', at: 1 })).toThrow(/Say why/);
  });
});

function withPlanAt(c: Connection, username: string, planName: string, when: number) {
  return addCustomerAt(c.db, box, username, planName, when, zone);
}

describe('voiding an invoice issued in error', () => {
  it('credits all of an unpaid invoice, marks it void and takes it out of what the customer owes', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'otieno', 'Home 10M', at('2026-01-01T09:00'));
    await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    const [invoice] = listInvoices(conn.db, { customerId: customer.id, kind: 'invoice' });
    const { creditNote } = voidInvoice(conn.db, { invoiceNumber: invoice!.number, reason: 'issued twice', actor: 'staff:grace', at: at('2026-02-02T10:00'), zone });
    expect(creditNote).toMatchObject({ kind: 'credit_note', grossMinor: invoice!.grossMinor });
    expect(listInvoices(conn.db, { customerId: customer.id, kind: 'invoice' })[0]!.status).toBe('void');
    expect(customerBalance(conn.db, customer.id, 'KES')).toMatchObject({ dueMinor: 0, walletMinor: 0 });
    books();
  });

  it('refuses an invoice with money paid on it: that one gets a credit note', async () => {
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    const customer = withPlanAt(conn, 'achieng', 'Home 10M', at('2026-01-01T09:00'));
    await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    recordPayment(conn.db, { customerId: customer.id, method: 'cash', reference: 'RB-1', amountMinor: 1000, currency: 'KES', receivedAt: at('2026-02-02T09:00'), actor: 'staff:grace', zone });
    const [invoice] = listInvoices(conn.db, { customerId: customer.id, kind: 'invoice' });
    expect(() => voidInvoice(conn.db, { invoiceNumber: invoice!.number, reason: 'issued twice', actor: 'staff:grace', at: at('2026-02-02T10:00'), zone })).toThrow(/credit note instead/);
  });
});

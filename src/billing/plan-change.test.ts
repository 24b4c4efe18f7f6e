import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { issueCreditNote, listInvoices } from './invoices.js';
import { prorate } from './proration.js';
import { adjustWallet } from './payments.js';
import { changePlan, previewPlanChange } from './plan-change.js';
import { addPlan } from './plans.js';
import { runBilling } from './run.js';
import { subscriptionOf } from './subscriptions.js';
import { addCustomerAt } from './test-fixtures.js';

const box = createSecretBox(Buffer.alloc(32, 3));
const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-plan-change-')), 'lango.db'));
  addPlan(conn.db, { name: 'Monthly prepaid', priceMinor: 150000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
  addPlan(conn.db, { name: 'Monthly fast', priceMinor: 300000, currency: 'KES', validityMonths: 1, rateLimit: '20M/20M' });
});

afterEach(() => conn.close());

describe('plan change preview', () => {
  it('shows exactly the credit note and invoice the change then issues, and writes nothing', async () => {
    const customer = addCustomerAt(conn.db, box, 'maina', 'Monthly prepaid', at('2026-01-31T12:00'), zone);
    adjustWallet(conn.db, { customerId: customer.id, amountMinor: 200000, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: at('2026-01-31T12:00') });
    await runBilling(conn.db, { now: at('2026-02-28T13:00'), zone, pause: () => Promise.resolve() });
    const input = { username: 'maina', planName: 'Monthly fast', when: 'now' as const, at: at('2026-03-15T12:00'), zone };
    const invoicesBefore = listInvoices(conn.db, { customerId: customer.id }).length;
    const planBefore = subscriptionOf(conn.db, customer.id)!.planId;
    const preview = previewPlanChange(conn.db, input);
    expect(listInvoices(conn.db, { customerId: customer.id })).toHaveLength(invoicesBefore);
    expect(subscriptionOf(conn.db, customer.id)!.planId).toBe(planBefore);
    expect(preview).toMatchObject({ effect: 'now', from: 'Monthly prepaid', to: 'Monthly fast', rateLimit: '20M/20M', newPeriod: false });
    expect(preview.creditNote!.amountMinor).toBe(77419);
    expect(preview.invoice!.grossMinor).toBe(154839);
    const change = changePlan(conn.db, { ...input, actor: 'cli:test' });
    expect(change.creditNote!.grossMinor).toBe(preview.creditNote!.amountMinor);
    expect(change.invoice!.grossMinor).toBe(preview.invoice!.grossMinor);
    expect(change.rateLimit).toBe(preview.rateLimit);
  });

  it('credits the last change’s invoice, not the renewal again, when the plan changes twice in one period', async () => {
    const customer = addCustomerAt(conn.db, box, 'akinyi', 'Monthly prepaid', at('2026-01-31T12:00'), zone);
    adjustWallet(conn.db, { customerId: customer.id, amountMinor: 600000, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: at('2026-01-31T12:00') });
    await runBilling(conn.db, { now: at('2026-02-28T13:00'), zone, pause: () => Promise.resolve() });
    const first = changePlan(conn.db, { username: 'akinyi', planName: 'Monthly fast', when: 'now', at: at('2026-03-15T12:00'), zone, actor: 'cli:test' });
    const upgrade = first.invoice!;
    const back = { username: 'akinyi', planName: 'Monthly prepaid', when: 'now' as const, at: at('2026-03-23T12:00'), zone };
    const preview = previewPlanChange(conn.db, back);
    expect(preview.creditNote!.invoiceNumber).toBe(upgrade.number);
    expect(preview.creditNote!.amountMinor).toBe(prorate(upgrade.grossMinor, upgrade.periodStart!, upgrade.periodEnd!, back.at));
    const second = changePlan(conn.db, { ...back, actor: 'cli:test' });
    expect(second.creditNote!.grossMinor).toBe(preview.creditNote!.amountMinor);
    // A third change the same day finds the renewal and the upgrade both given back already.
    const third = previewPlanChange(conn.db, { ...back, planName: 'Monthly fast', at: at('2026-03-23T13:00') });
    expect(third.creditNote?.invoiceNumber).toBe(second.invoice!.number);
  });

  it('never credits more than a goodwill credit note left of the invoice', async () => {
    const customer = addCustomerAt(conn.db, box, 'chebet', 'Monthly prepaid', at('2026-01-31T12:00'), zone);
    adjustWallet(conn.db, { customerId: customer.id, amountMinor: 200000, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: at('2026-01-31T12:00') });
    await runBilling(conn.db, { now: at('2026-02-28T13:00'), zone, pause: () => Promise.resolve() });
    const [renewal] = listInvoices(conn.db, { customerId: customer.id });
    issueCreditNote(conn.db, { invoiceNumber: renewal!.number, amountMinor: 140000, reason: 'Outage most of March', actor: 'cli:test', at: at('2026-03-10T12:00'), zone });
    const input = { username: 'chebet', planName: 'Monthly fast', when: 'now' as const, at: at('2026-03-15T12:00'), zone };
    expect(previewPlanChange(conn.db, input).creditNote!.amountMinor).toBe(10000);
    expect(changePlan(conn.db, { ...input, actor: 'cli:test' }).creditNote!.grossMinor).toBe(10000);
  });

  it('says a change at renewal charges nothing now and takes effect when the period ends', () => {
    const customer = addCustomerAt(conn.db, box, 'wanjiru', 'Monthly prepaid', at('2026-03-01T08:00'), zone);
    const preview = previewPlanChange(conn.db, { username: 'wanjiru', planName: 'Monthly fast', when: 'renewal', at: at('2026-03-10T08:00'), zone });
    expect(preview).toMatchObject({ effect: 'renewal', creditNote: null, invoice: null, rateLimit: null });
    expect(preview.effectiveAt).toBe(subscriptionOf(conn.db, customer.id)!.periodEnd);
  });

  it('refuses the plan the customer is already on, as the change does', () => {
    addCustomerAt(conn.db, box, 'otieno', 'Monthly prepaid', at('2026-03-01T08:00'), zone);
    expect(() => previewPlanChange(conn.db, { username: 'otieno', planName: 'Monthly prepaid', when: 'now', at: at('2026-03-10T08:00'), zone })).toThrow(/already on plan/);
  });
});

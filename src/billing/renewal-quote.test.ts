import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { addCustomer, type CustomerSummary } from './customers.js';
import { listInvoices } from './invoices.js';
import { adjustWallet } from './payments.js';
import { changePlan } from './plan-change.js';
import { addPlan, findPlanByName } from './plans.js';
import { addPromotion } from './promotions.js';
import { renewOnPayment } from './renew-on-payment.js';
import { renewalQuote, runBilling } from './run.js';
import { saveTaxClass } from './tax-classes.js';

// The portal asks the customer for what renewalQuote says; the billing run then charges the
// renewal. Each case checks the quote against what the run (or a payment) really charged.

const box = createSecretBox(Buffer.alloc(32, 5));
const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const noPause = () => Promise.resolve();
let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-quote-')), 'lango.db'));
  saveTaxClass(conn.db, { code: 'KE-INTERNET', name: 'Kenya internet', inclusive: false, rules: [
    { code: 'EXCISE', name: 'Excise duty 15%', rateBasisPoints: 1500, compound: false },
    { code: 'VAT', name: 'VAT 16%', rateBasisPoints: 1600, compound: true },
  ] });
  addPlan(conn.db, { name: 'Monthly 10M', priceMinor: 300_000, currency: 'KES', validityMonths: 1, rateLimit: '10M/10M', taxClass: 'KE-INTERNET' });
  addPlan(conn.db, { name: 'Monthly 5M', priceMinor: 150_000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M', taxClass: 'KE-INTERNET' });
  addPlan(conn.db, { name: 'Home postpaid', priceMinor: 250_000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M', taxClass: 'KE-INTERNET' });
});
afterEach(() => conn.close());

/** A customer who joined at `when` (addCustomer takes the clock's time, as staff actions do). */
function joined(username: string, planName: string, when: number, taxExempt = false): CustomerSummary {
  const realNow = Date.now;
  Date.now = () => when;
  try {
    return addCustomer(conn.db, box, { username, password: 'pw', planName, taxExempt }, zone);
  } finally {
    Date.now = realNow;
  }
}

/** Fills the wallet with exactly the quote, runs billing on the renewal day, returns what was charged. */
async function payQuoteAndRenew(customerId: number, quotedAt: number, renewAt: number) {
  const quote = renewalQuote(conn.db, customerId, quotedAt, zone)!;
  adjustWallet(conn.db, { customerId, amountMinor: quote.amountMinor, currency: quote.currency, reason: 'paid the quote', actor: 'cli:test', at: quotedAt });
  const result = await runBilling(conn.db, { now: renewAt, zone, pause: noPause });
  return { quote, result, invoice: listInvoices(conn.db, { customerId })[0] };
}

describe('the price of the next renewal', () => {
  it('leaves tax off for a tax-exempt customer, and the run charges the same', async () => {
    const exempt = joined('ngo', 'Monthly 10M', at('2026-01-10T09:00'), true);
    const taxed = joined('shop', 'Monthly 10M', at('2026-01-10T09:00'));
    expect(renewalQuote(conn.db, taxed.id, at('2026-01-20T12:00'), zone)).toMatchObject({ amountMinor: 300_000 + 45_000 + 55_200, currency: 'KES', at: at('2026-02-10T09:00') });

    const { quote, result, invoice } = await payQuoteAndRenew(exempt.id, at('2026-01-20T12:00'), at('2026-02-10T09:05'));
    expect(quote).toMatchObject({ plan: { name: 'Monthly 10M' }, amountMinor: 300_000, at: at('2026-02-10T09:00') });
    expect(result.renewed).toBe(1);
    expect(invoice).toMatchObject({ grossMinor: 300_000, status: 'paid' });
  });

  it('is the scheduled cheaper plan’s price, not the current plan’s', async () => {
    const customer = joined('amina', 'Monthly 10M', at('2026-01-10T09:00'));
    changePlan(conn.db, { username: 'amina', planName: 'Monthly 5M', when: 'renewal', at: at('2026-01-15T09:00'), zone, actor: 'cli:test' });

    const { quote, result, invoice } = await payQuoteAndRenew(customer.id, at('2026-01-20T12:00'), at('2026-02-10T09:05'));
    expect(quote).toMatchObject({ plan: { name: 'Monthly 5M' }, amountMinor: 150_000 + 22_500 + 27_600 });
    expect(result.renewed).toBe(1);
    expect(invoice).toMatchObject({ grossMinor: quote.amountMinor, status: 'paid' });
  });

  it('leaves out a promotion that ends before the renewal date, so paying the quote still renews', async () => {
    const customer = joined('otieno', 'Monthly 10M', at('2026-01-10T09:00'));
    const plan = findPlanByName(conn.db, 'Monthly 10M')!;
    addPromotion(conn.db, { code: 'JAN50', label: 'January half price', planId: plan.id, percentBasisPoints: 5000, amountMinor: null, startsAt: at('2026-01-01T00:00'), endsAt: at('2026-02-01T00:00'), actor: 'cli:test' });
    // One that starts by the renewal date counts, though it has not started when the customer looks.
    addPromotion(conn.db, { code: 'FEB1K', label: 'February 1,000 off', planId: null, percentBasisPoints: null, amountMinor: 100_000, startsAt: at('2026-02-05T00:00'), endsAt: at('2026-03-01T00:00'), actor: 'cli:test' });

    const { quote, result, invoice } = await payQuoteAndRenew(customer.id, at('2026-01-20T12:00'), at('2026-02-10T09:05'));
    expect(quote.amountMinor).toBe(200_000 + 30_000 + 36_800);
    expect(result.renewed).toBe(1);
    expect(invoice).toMatchObject({ grossMinor: quote.amountMinor, status: 'paid' });
  });

  it('is a postpaid cycle’s invoice in arrears, due at the cycle’s end', async () => {
    const customer = joined('baraka', 'Home postpaid', at('2026-01-01T09:00'));
    const quote = renewalQuote(conn.db, customer.id, at('2026-01-20T12:00'), zone)!;
    await runBilling(conn.db, { now: quote.at + 60_000, zone, pause: noPause });
    expect(quote).toMatchObject({ plan: { name: 'Home postpaid' }, amountMinor: listInvoices(conn.db, { customerId: customer.id })[0]!.grossMinor });
  });

  it('is the restart of an expired package from now, which a payment of that amount starts', () => {
    const customer = joined('wafula', 'Monthly 5M', at('2026-01-10T09:00'));
    conn.sqlite.prepare("UPDATE subscriptions SET status = 'expired' WHERE customer_id = ?").run(customer.id);
    const now = at('2026-03-02T10:00');
    const quote = renewalQuote(conn.db, customer.id, now, zone)!;
    expect(quote).toMatchObject({ plan: { name: 'Monthly 5M' }, amountMinor: 150_000 + 22_500 + 27_600, at: now });
    conn.db.transaction((tx) => {
      adjustWallet(tx as typeof conn.db, { customerId: customer.id, amountMinor: quote.amountMinor, currency: 'KES', reason: 'paid the quote', actor: 'cli:test', at: now });
      expect(renewOnPayment(tx as typeof conn.db, customer.id, now, zone, 'cli:test').kind).toBe('restarted');
    });
  });

  it('offers nothing to a package that expires instead of renewing, or a customer without a plan', () => {
    const customer = joined('kito', 'Monthly 5M', at('2026-01-10T09:00'));
    conn.sqlite.prepare('UPDATE subscriptions SET auto_renew = 0 WHERE customer_id = ?').run(customer.id);
    expect(renewalQuote(conn.db, customer.id, at('2026-01-20T12:00'), zone)).toBeNull();
    const walkIn = addCustomer(conn.db, box, { username: 'walkin', password: 'pw' }, zone);
    expect(renewalQuote(conn.db, walkIn.id, at('2026-01-20T12:00'), zone)).toBeNull();
  });
});

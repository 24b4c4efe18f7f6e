import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { addNas } from '../src/aaa/nas.js';
import { previousBoundary } from '../src/billing/calendar.js';
import { priceCharges } from '../src/billing/invoices.js';
import { accounts, openCustomerAccounts, post } from '../src/billing/ledger.js';
import { addPlan, type Plan } from '../src/billing/plans.js';
import { billingJobFor } from '../src/billing/schedule.js';
import { findTaxClass, saveTaxClass } from '../src/billing/tax-classes.js';
import type { TaxClass } from '../src/billing/tax.js';
import { recordEvent } from '../src/billing/timeline.js';
import { createSecretBox, loadOrCreateKey } from '../src/crypto/secret-box.js';
import { compileStatement } from '../src/db/compiled-statement.js';
import { openDatabase } from '../src/db/connection.js';
import { customers, subscriptions } from '../src/db/schema/billing.js';
import { ensureJob, finishJob, listJobs } from '../src/jobs/index.js';
import { setSetting } from '../src/settings/index.js';

// Issue 4's benchmark database: N active subscriptions that all fall due in one billing run,
// the worst case of an operator who bills everyone on the same day of the month.
//
// addCustomer costs about 1 ms (a transaction, uniqueness checks, a summary read back), which
// is 100 s for 100,000 customers. Here customers and subscriptions go in as raw prepared
// statements in one transaction with synchronous=OFF; the SQL still comes from the drizzle
// schema (compileStatement), so the rows are the ones the daemon reads. The few shared rows
// (router, tax class, plans, settings) go through the domain functions, and the prepaid
// wallets are opened through the ledger's own `post`, which refuses an unbalanced posting.

export const BENCH_ZONE = 'Africa/Nairobi';
const TAX_CLASS = 'KE-INTERNET';
export const POSTPAID_PLAN = 'Bench postpaid';
export const PREPAID_PLAN = 'Bench prepaid';

export interface BillingProvisionOptions {
  dbPath: string;
  keyFile: string;
  /** RADIUS shared secret of the router 127.0.0.1. */
  secret: string;
  /** Defaults to 100,000. */
  subscriptions?: number;
  zone?: string;
  /** The moment the database is built for; defaults to now. */
  now?: number;
}

export interface BillingProvisionResult {
  subscriptions: number;
  /** Customers 1..postpaid (user00001…): the ones a login load may use, as they are never expired. */
  postpaid: number;
  prepaid: number;
  /** Where every subscription's period ends: today's local midnight, before any run's `now`. */
  boundary: number;
  anchorDay: number;
  /** What one prepaid renewal costs, and so what each prepaid wallet holds. */
  walletMinor: number;
  seconds: number;
}

export function provisionBillingBench(options: BillingProvisionOptions): BillingProvisionResult {
  const started = performance.now();
  const total = options.subscriptions ?? 100_000;
  if (!Number.isSafeInteger(total) || total < 1) throw new RangeError(`subscriptions must be a positive integer, got ${total}`);
  // The load generator logs in as user00001…: the postpaid half comes first so those users are
  // never prepaid accounts whose period has already run out (those are rejected until renewed).
  const postpaid = Math.ceil(total / 2);
  const zone = options.zone ?? BENCH_ZONE;
  const now = options.now ?? Date.now();
  const today = DateTime.fromMillis(now, { zone });
  const boundary = today.startOf('day').toMillis();
  const anchorDay = today.day;

  const connection = openDatabase(options.dbPath);
  try {
    // Provisioning data is thrown away if the machine dies, so it need not pay an fsync per
    // commit; the daemon opens its own connection with synchronous=FULL again.
    connection.sqlite.pragma('synchronous = OFF');
    const { db, sqlite } = connection;
    const box = createSecretBox(loadOrCreateKey(options.keyFile));

    addNas(db, box, { name: 'bench', ip: '127.0.0.1', secret: options.secret, requireMessageAuthenticator: 'yes' });
    saveTaxClass(db, {
      code: TAX_CLASS,
      name: 'Kenya internet',
      inclusive: false,
      rules: [
        { code: 'EXCISE', name: 'Excise duty 15%', rateBasisPoints: 1500, compound: false },
        { code: 'VAT', name: 'VAT 16%', rateBasisPoints: 1600, compound: true },
      ],
    });
    // A fixed billing day (today's date) is what puts every postpaid customer on one boundary.
    setSetting(db, 'billing.anchor', anchorDay, 'bench', now);
    const postpaidPlan = addPlan(db, { name: POSTPAID_PLAN, priceMinor: 250000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M', taxClass: TAX_CLASS });
    const prepaidPlan = addPlan(db, { name: PREPAID_PLAN, priceMinor: 150000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M', taxClass: TAX_CLASS });
    const walletMinor = renewalPrice(prepaidPlan, findTaxClass(db, TAX_CLASS) ?? null);

    // The daemon's scheduler would otherwise start today's daily run as soon as it starts,
    // before the bench has its load running; the bench queues its own manual run instead.
    // Tomorrow's too, in case the bench crosses the operator's midnight.
    for (const day of [now, today.plus({ days: 1 }).toMillis()]) {
      const job = billingJobFor(db, day, zone);
      ensureJob(db, job);
      const row = listJobs(db, 10).find((j) => j.key === job.key);
      if (row) finishJob(db, row.id, { ok: true, summary: JSON.stringify({ skipped: 'the billing benchmark runs its own manual job' }) }, now);
    }

    const cycle = { cycle: 'monthly' as const, anchorDay };
    // Postpaid: the cycle that ends at the boundary, for customers who joined a cycle before it
    // (a first, prorated cycle would be the exception on a billing day, not the rule).
    const postpaidStart = previousBoundary(boundary, cycle, zone);
    const postpaidJoined = previousBoundary(postpaidStart, cycle, zone);
    // Prepaid: a month bought a month ago, renewing now from the wallet.
    const prepaidStart = DateTime.fromMillis(boundary, { zone }).minus({ months: 1 }).toMillis();

    const p = (name: string) => sql.placeholder(name);
    const insertCustomer = compileStatement<Record<string, unknown>>(
      sqlite,
      db.insert(customers).values({
        username: p('username'), passwordSealed: p('passwordSealed'), status: p('status'), createdAt: p('at'), updatedAt: p('at'),
        macBinding: p('macBinding'), language: p('language'), currency: p('currency'), taxExempt: p('taxExempt'), kind: p('kind'),
      } as never),
    );
    const insertSubscription = compileStatement<Record<string, unknown>>(
      sqlite,
      db.insert(subscriptions).values({
        customerId: p('customerId'), planId: p('planId'), status: p('status'), billingKind: p('billingKind'), cycle: p('cycle'), anchorDay: p('anchorDay'),
        startedAt: p('startedAt'), periodStart: p('periodStart'), periodEnd: p('periodEnd'), autoRenew: p('autoRenew'), createdAt: p('startedAt'), updatedAt: p('startedAt'),
      } as never),
    );

    const customerDefaults = { status: 'active', macBinding: false, language: 'en', currency: 'KES', taxExempt: false, kind: 'customer' };
    sqlite.transaction(() => {
      for (let n = 1; n <= total; n++) {
        const id = String(n).padStart(5, '0');
        const isPostpaid = n <= postpaid;
        const plan = isPostpaid ? postpaidPlan : prepaidPlan;
        const joined = isPostpaid ? postpaidJoined : prepaidStart;
        const customerId = Number(insertCustomer.run({ username: `user${id}`, passwordSealed: box.seal(`pw-${id}`), at: joined, ...customerDefaults }).lastInsertRowid);
        const period = isPostpaid
          ? { billingKind: 'postpaid', cycle: 'monthly', anchorDay, periodStart: postpaidStart }
          : { billingKind: 'prepaid', cycle: null, anchorDay: null, periodStart: prepaidStart };
        insertSubscription.run({ customerId, planId: plan.id, status: 'active', autoRenew: true, startedAt: joined, periodEnd: boundary, ...period });
        // What addCustomer does too: the customer's ledger accounts exist from the start.
        openCustomerAccounts(db, customerId, 'KES');
        // What subscribe() writes: the timeline starts with the plan the customer is on.
        recordEvent(db, customerId, 'subscribed', 'system', { plan: plan.name, periodStart: period.periodStart, periodEnd: boundary }, joined);
        if (isPostpaid) continue;
        // The same posting as adjustWallet's (Dr adjustments, Cr the wallet), so the books
        // balance from the start and the trial balance after the run must still be zero.
        post(db, {
          key: `adjustment:${customerId}:${joined}:${walletMinor}`,
          kind: 'adjustment',
          customerId,
          currency: 'KES',
          occurredAt: joined,
          description: 'Credit by staff',
          actor: 'bench',
          reason: 'benchmark: one renewal',
          entries: [
            { account: accounts.adjustments(), amountMinor: walletMinor },
            { account: accounts.wallet(customerId), amountMinor: -walletMinor },
          ],
        });
        recordEvent(db, customerId, 'adjustment', 'bench', { amountMinor: walletMinor, currency: 'KES', reason: 'benchmark: one renewal' }, joined);
      }
    })();
    return { subscriptions: total, postpaid, prepaid: total - postpaid, boundary, anchorDay, walletMinor, seconds: (performance.now() - started) / 1000 };
  } finally {
    connection.close();
  }
}

/** The gross of one prepaid renewal, priced the way the billing run prices it. */
function renewalPrice(plan: Plan, taxClass: TaxClass | null): number {
  return priceCharges([{ description: plan.name, quantity: 1, unitPriceMinor: plan.priceMinor, taxClass, discounts: [], revenue: 'service' }], false).totals.grossMinor;
}

import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { minorDigits } from '../billing/money.js';
import { revenueReport } from '../billing/revenue-report.js';
import type { Db } from '../db/connection.js';
import type { Currency } from '../db/schema/billing.js';
import { batchReports, type BatchReport } from '../hotspot/index.js';
import { csvField, decimalMoney } from '../operations/exports.js';

// The money reports of the staff pages (web/staff/reports-money.ts), read-only. Every figure is
// per currency: KES, SSP, UGX and USD are never added together. Months and days are those of
// the operator's zone. Vouchers (customers.kind 'voucher') are not customers: they count in
// money received and invoiced, never in customer counts.
//
// Each report reads ranges of an index: payments_by_received(_method) for money received,
// invoices_issued (through rowSpan) for money billed, invoices_by_due for what is still open,
// customer_events_by_kind for terminations. The one scan is of customers (no index leads with
// created_at) for who joined when: three columns of each row, about 0.2 s per 100 000.

const DAY = 86_400_000;
/** A report covers at most this many months (the period picker refuses more). */
export const MAX_MONTHS = 36;

/** A period of whole calendar months, 'YYYY-MM' to 'YYYY-MM' (both included). */
export interface Period {
  from: string;
  to: string;
}

/** The months of a period: their names and start instants, plus the end of the last (ms). */
export interface Months {
  names: string[];
  bounds: number[];
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** 'YYYY-MM' or undefined. */
export function parseMonth(text: string | undefined): string | undefined {
  return text !== undefined && MONTH.test(text) ? text : undefined;
}

/** The last 12 months, this one included. */
export function defaultPeriod(now: number, zone: string): Period {
  const month = DateTime.fromMillis(now, { zone }).startOf('month');
  return { from: month.minus({ months: 11 }).toFormat('yyyy-MM'), to: month.toFormat('yyyy-MM') };
}

/** The months of a period, or undefined when it runs backwards or is longer than MAX_MONTHS. */
export function monthsOf(period: Period, zone: string): Months | undefined {
  const first = DateTime.fromFormat(period.from, 'yyyy-MM', { zone });
  const last = DateTime.fromFormat(period.to, 'yyyy-MM', { zone });
  if (!first.isValid || !last.isValid) return undefined;
  const count = Math.round(last.diff(first, 'months').months) + 1;
  if (count < 1 || count > MAX_MONTHS) return undefined;
  const starts = Array.from({ length: count + 1 }, (_, i) => first.plus({ months: i }));
  return { names: starts.slice(0, count).map((m) => m.toFormat('yyyy-MM')), bounds: starts.map((m) => m.toMillis()) };
}

/** Money received in [from, to) per currency: one range of the covering index payments_by_received. */
function receivedBetween(db: Db, from: number, to: number): Map<Currency, number> {
  const rows = db.all<{ currency: Currency; minor: number }>(sql`SELECT currency, SUM(amount_minor) AS minor FROM payments WHERE received_at >= ${from} AND received_at < ${to} GROUP BY currency`);
  return new Map(rows.map((r) => [r.currency, r.minor]));
}

/** The currencies of the operator's own ledger accounts, where every payment and invoice is booked (as revenueReport reads them). */
function operatorCurrencies(db: Db): Currency[] {
  return db.all<{ currency: Currency }>(sql`SELECT DISTINCT currency FROM ledger_accounts WHERE customer_id IS NULL ORDER BY currency`).map((r) => r.currency);
}

/**
 * The first and last id of a table's rows whose time column is in [from, to), read from that
 * column's index alone (in SQLite the index holds the rowid, which the integer primary key id
 * is; id rather than rowid so PostgreSQL reads the same SQL). Rows are written as they happen, so
 * the span holds the period's rows and few others: a query then walks that stretch of the table
 * in order (SEARCH … USING INTEGER PRIMARY KEY, its time filter still applied) instead of
 * looking each row up from the index, several times faster over a month's invoices or payments.
 */
function rowSpan(db: Db, table: 'invoices' | 'payments', from: number, to: number): { first: number; last: number } | undefined {
  const column = sql.raw(table === 'invoices' ? 'issued_at' : 'received_at');
  const row = db.get<{ first: number | null; last: number | null }>(sql`SELECT MIN(id) AS first, MAX(id) AS last FROM ${sql.raw(table)} WHERE ${column} >= ${from} AND ${column} < ${to}`);
  return row && row.first !== null && row.last !== null ? { first: row.first, last: row.last } : undefined;
}

const sortedCurrencies = (sets: Iterable<Iterable<Currency>>) => [...new Set([...sets].flatMap((s) => [...s]))].sort();

// ---------------------------------------------------------------------------------------------
// Revenue

export interface RevenueInput {
  months: Months;
  zone: string;
  /** The month shown day by day ('YYYY-MM', one of the period's); default the period's last. */
  dayMonth?: string;
}

export interface RevenueByMonth {
  currency: Currency;
  perMonth: number[];
  total: number;
}

export interface MoneyReport {
  months: string[];
  /** Money received per month (payments), per currency. */
  byMonth: RevenueByMonth[];
  /** The chosen month day by day. */
  days: { month: string; names: string[]; currencies: Array<{ currency: Currency; perDay: number[] }> };
  /** Money received over the period per payment method, largest first within a currency. */
  byMethod: Array<{ method: string; currency: Currency; payments: number; minor: number }>;
  /**
   * Invoiced over the period, net of tax, less credit notes, per plan of the subscription the
   * invoice is for (the plan it is on today); null = invoices for no subscription (manual ones).
   */
  byPlan: Array<{ plan: string | null; currency: Currency; invoices: number; netMinor: number }>;
}

/**
 * Money received by month (the dashboard's revenueReport, ending with the period's last month),
 * by day of one month, and by payment method; invoiced by plan.
 */
export function revenueBreakdown(db: Db, input: RevenueInput): MoneyReport {
  const { months, zone } = input;
  const count = months.names.length;
  const end = months.bounds[count]!;
  const monthly = revenueReport(db, { now: end - 1, zone, months: count });
  const byMonth = monthly.currencies.map((c) => ({ currency: c.currency, perMonth: c.perMonth, total: c.perMonth.reduce((a, b) => a + b, 0) }));

  const chosen = input.dayMonth !== undefined && months.names.includes(input.dayMonth) ? months.names.indexOf(input.dayMonth) : count - 1;
  const monthStart = DateTime.fromMillis(months.bounds[chosen]!, { zone });
  const dayStarts = Array.from({ length: monthStart.daysInMonth! + 1 }, (_, i) => monthStart.plus({ days: i }).toMillis());
  const perDay = dayStarts.slice(0, -1).map((from, i) => receivedBetween(db, from, dayStarts[i + 1]!));
  const days = {
    month: months.names[chosen]!,
    names: dayStarts.slice(0, -1).map((ms) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd')),
    currencies: sortedCurrencies(perDay.map((m) => m.keys())).map((currency) => ({ currency, perDay: perDay.map((m) => m.get(currency) ?? 0) })),
  };

  // The covering index payments_by_received_method, a month at a time (sorting a month's
  // payments for the GROUP BY is cheaper than sorting the whole period's at once).
  const methods = new Map<string, { method: string; currency: Currency; payments: number; minor: number }>();
  for (let i = 0; i < count; i++) {
    const rows = db.all<{ method: string; currency: Currency; payments: number; minor: number }>(sql`
      SELECT method, currency, COUNT(*) AS payments, SUM(amount_minor) AS minor FROM payments
      WHERE received_at >= ${months.bounds[i]!} AND received_at < ${months.bounds[i + 1]!} GROUP BY method, currency`);
    for (const r of rows) {
      const key = `${r.method}\u0000${r.currency}`;
      const sum = methods.get(key);
      if (sum) {
        sum.payments += r.payments;
        sum.minor += r.minor;
      } else methods.set(key, { ...r });
    }
  }
  const byMethod = [...methods.values()].sort((a, b) => a.currency.localeCompare(b.currency) || b.minor - a.minor || a.method.localeCompare(b.method));

  const span = rowSpan(db, 'invoices', months.bounds[0]!, end);
  // Summed per subscription first (one pass over the period's invoices), then named: the join
  // runs once per subscription instead of once per invoice.
  const byPlan = db.all<{ plan: string | null; currency: Currency; invoices: number; netMinor: number }>(sql`
    SELECT p.name AS plan, x.currency AS currency, SUM(x.invoices) AS invoices, SUM(x.net) AS "netMinor"
    FROM (SELECT subscription_id, currency, SUM(CASE WHEN kind = 'invoice' THEN 1 ELSE 0 END) AS invoices, SUM(CASE WHEN kind = 'credit_note' THEN -net_minor ELSE net_minor END) AS net
          FROM invoices NOT INDEXED WHERE id BETWEEN ${span?.first ?? 0} AND ${span?.last ?? -1} AND issued_at >= ${months.bounds[0]!} AND issued_at < ${end}
          GROUP BY subscription_id, currency) x
    LEFT JOIN subscriptions s ON s.id = x.subscription_id LEFT JOIN plans p ON p.id = s.plan_id
    GROUP BY p.id, x.currency ORDER BY x.currency, "netMinor" DESC, p.name NULLS FIRST`);

  return { months: months.names, byMonth, days, byMethod, byPlan };
}

// ---------------------------------------------------------------------------------------------
// Collection

export interface CollectionReport {
  months: string[];
  /**
   * Per currency and month: billed = invoices issued (gross, tax included) less credit notes
   * issued that month; collected = money received that month; rate = collected / billed
   * (null when nothing was billed).
   */
  currencies: Array<{ currency: Currency; rows: Array<{ billed: number; collected: number; rate: number | null }>; billed: number; collected: number; rate: number | null }>;
}

export function collectionReport(db: Db, input: { months: Months; zone: string }): CollectionReport {
  const { months, zone } = input;
  const count = months.names.length;
  const end = months.bounds[count]!;
  const collected = revenueReport(db, { now: end - 1, zone, months: count });
  // A month's stretch of invoices per currency (rowSpan), without GROUP BY: a handful of
  // passes that each only add up, cheaper than one that sorts.
  const currencyList = operatorCurrencies(db);
  const billed = months.names.map((_, i) => {
    const from = months.bounds[i]!;
    const to = months.bounds[i + 1]!;
    const span = rowSpan(db, 'invoices', from, to);
    const sums = new Map<Currency, number>();
    if (!span) return sums;
    for (const currency of currencyList) {
      const row = db.get<{ minor: number | null }>(sql`
        SELECT SUM(CASE WHEN kind = 'credit_note' THEN -gross_minor ELSE gross_minor END) AS minor
        FROM invoices NOT INDEXED WHERE id BETWEEN ${span.first} AND ${span.last} AND issued_at >= ${from} AND issued_at < ${to} AND currency = ${currency}`);
      if (row?.minor !== null && row?.minor !== undefined) sums.set(currency, row.minor);
    }
    return sums;
  });
  const rate = (c: number, b: number) => (b > 0 ? c / b : null);
  const currencies = sortedCurrencies([...billed.map((m) => m.keys()), collected.currencies.map((c) => c.currency)]).map((currency) => {
    const received = collected.currencies.find((c) => c.currency === currency)?.perMonth ?? months.names.map(() => 0);
    const rows = months.names.map((_, i) => ({ billed: billed[i]!.get(currency) ?? 0, collected: received[i]!, rate: rate(received[i]!, billed[i]!.get(currency) ?? 0) }));
    const totalBilled = rows.reduce((a, r) => a + r.billed, 0);
    const totalCollected = rows.reduce((a, r) => a + r.collected, 0);
    return { currency, rows, billed: totalBilled, collected: totalCollected, rate: rate(totalCollected, totalBilled) };
  });
  return { months: months.names, currencies };
}

// ---------------------------------------------------------------------------------------------
// Accounts receivable ageing

export const agingBuckets = ['current', 'days1to30', 'days31to60', 'days61to90', 'over90'] as const;
export type AgingBucket = (typeof agingBuckets)[number];

export interface AgingReport {
  asOf: number;
  /** Open balance (gross less paid and credited) of unpaid invoices per currency and bucket of days past due. */
  currencies: Array<{ currency: Currency; buckets: Record<AgingBucket, { invoices: number; minor: number }>; total: number }>;
  /** The largest open balances per currency, customers and vouchers alike. */
  debtors: Array<{ currency: Currency; username: string; invoices: number; minor: number; oldestDueAt: number }>;
}

/**
 * What is owed now, by how long past due: an invoice due at D is 1–30 days past due from just
 * after D until D + 30 days, and so on; not yet due is current. Credit notes are allocated to the
 * invoice they correct, so paid_minor already holds them. Open invoices come from invoices_by_due.
 */
export function agingReport(db: Db, input: { asOf: number; top?: number }): AgingReport {
  const { asOf } = input;
  const top = input.top ?? 10;
  const bucket = sql`CASE WHEN due_at >= ${asOf} THEN 'current' WHEN due_at >= ${asOf - 30 * DAY} THEN 'days1to30' WHEN due_at >= ${asOf - 60 * DAY} THEN 'days31to60' WHEN due_at >= ${asOf - 90 * DAY} THEN 'days61to90' ELSE 'over90' END`;
  const open = sql`status IN ('issued', 'partially_paid', 'overdue') AND kind = 'invoice' AND gross_minor > paid_minor`;
  const rows = db.all<{ currency: Currency; bucket: AgingBucket; invoices: number; minor: number }>(sql`
    SELECT currency, ${bucket} AS bucket, COUNT(*) AS invoices, SUM(gross_minor - paid_minor) AS minor
    FROM invoices WHERE ${open} GROUP BY currency, bucket`);
  const currencies: AgingReport['currencies'] = [];
  for (const currency of sortedCurrencies([rows.map((r) => r.currency)])) {
    const buckets = Object.fromEntries(agingBuckets.map((b) => [b, { invoices: 0, minor: 0 }])) as AgingReport['currencies'][number]['buckets'];
    for (const r of rows.filter((x) => x.currency === currency)) buckets[r.bucket] = { invoices: r.invoices, minor: r.minor };
    currencies.push({ currency, buckets, total: agingBuckets.reduce((a, b) => a + buckets[b].minor, 0) });
  }
  const debtors = currencies.flatMap(({ currency }) =>
    db.all<{ currency: Currency; username: string; invoices: number; minor: number; oldestDueAt: number }>(sql`
      SELECT i.currency AS currency, c.username AS username, i.invoices AS invoices, i.minor AS minor, i.oldest AS "oldestDueAt"
      FROM (SELECT customer_id, currency, COUNT(*) AS invoices, SUM(gross_minor - paid_minor) AS minor, MIN(due_at) AS oldest
            FROM invoices WHERE ${open} AND currency = ${currency} GROUP BY customer_id, currency ORDER BY minor DESC, customer_id LIMIT ${top}) i
      JOIN customers c ON c.id = i.customer_id ORDER BY i.minor DESC, c.username`),
  );
  return { asOf, currencies, debtors };
}

// ---------------------------------------------------------------------------------------------
// Customers: acquisition, churn and cohorts

export interface CustomersReport {
  months: string[];
  /** Customers created in each month (vouchers excluded). */
  joined: number[];
  /** Customers terminated in each month (a status change to terminated; each customer once a month). */
  churned: number[];
  /**
   * One row per month of the period: of those who joined that month, how many were still
   * customers (not terminated) at the end of it and of each of the 11 months after; null for a
   * month not reached yet. A customer terminated and later reactivated counts again from then.
   */
  cohorts: Array<{ month: string; joined: number; still: Array<number | null> }>;
}

export const COHORT_MONTHS = 12;

export function customersReport(db: Db, input: { months: Months; zone: string; now: number }): CustomersReport {
  const { months, zone, now } = input;
  const count = months.names.length;
  const start = months.bounds[0]!;
  const end = months.bounds[count]!;
  const monthOf = (ms: number) => {
    if (ms < start || ms >= end) return -1;
    let i = 0;
    while (months.bounds[i + 1]! <= ms) i++;
    return i;
  };

  // No index leads with created_at: one pass over customers, reading three columns.
  const joinedRows = db.all<{ id: number; createdAt: number }>(sql`SELECT id, created_at AS "createdAt" FROM customers WHERE kind = 'customer' AND created_at >= ${start} AND created_at < ${end}`);
  const joined = months.names.map(() => 0);
  for (const r of joinedRows) joined[monthOf(r.createdAt)]!++;

  // Every status move into or out of terminated of the customers ever terminated before the
  // cohorts' horizon (the last cohort's 12th month, or now): the terminations through
  // customer_events_by_kind, each one's history by customer. Not the period's end: a cohort
  // looks up to 11 months past it.
  const horizon = Math.min(now + 1, DateTime.fromMillis(end, { zone }).plus({ months: COHORT_MONTHS }).toMillis());
  const moves = db.all<{ customerId: number; at: number; from: string | null; to: string | null }>(sql`
    SELECT e.customer_id AS "customerId", e.at AS at, json_extract(e.detail, '$.from') AS "from", json_extract(e.detail, '$.to') AS "to"
    FROM customer_events e JOIN customers c ON c.id = e.customer_id AND c.kind = 'customer'
    WHERE e.customer_id IN (SELECT customer_id FROM customer_events WHERE kind = 'status_changed' AND at < ${horizon} AND json_extract(detail, '$.to') = 'terminated')
      AND e.kind IN ('status_changed', 'reactivated', 'suspended') AND e.at < ${horizon}
    ORDER BY e.customer_id, e.at, e.id`);
  const history = new Map<number, Array<{ at: number; terminated: boolean }>>();
  const churnedSets = months.names.map(() => new Set<number>());
  for (const m of moves) {
    const terminated = m.to === 'terminated' ? true : m.from === 'terminated' ? false : undefined;
    if (terminated === undefined) continue;
    let list = history.get(m.customerId);
    if (!list) history.set(m.customerId, (list = []));
    list.push({ at: m.at, terminated });
    if (terminated && monthOf(m.at) >= 0) churnedSets[monthOf(m.at)]!.add(m.customerId);
  }
  const terminatedAt = (id: number, at: number) => {
    let state = false;
    for (const move of history.get(id) ?? []) {
      if (move.at >= at) break;
      state = move.terminated;
    }
    return state;
  };

  const first = DateTime.fromMillis(start, { zone });
  const cohorts = months.names.map((month, i) => {
    const members = joinedRows.filter((r) => monthOf(r.createdAt) === i);
    const still = Array.from({ length: COHORT_MONTHS }, (_, k) => {
      const monthEnd = first.plus({ months: i + k + 1 }).toMillis();
      const monthBegin = first.plus({ months: i + k }).toMillis();
      if (monthBegin > now) return null;
      const at = Math.min(monthEnd, now + 1);
      return members.filter((r) => !terminatedAt(r.id, at)).length;
    });
    return { month, joined: members.length, still };
  });
  return { months: months.names, joined, churned: churnedSets.map((s) => s.size), cohorts };
}

// ---------------------------------------------------------------------------------------------
// ARPU

export interface ArpuReport {
  months: string[];
  /**
   * Per currency and month: money received from customers (vouchers' money left out), the
   * customers who paid anything that month, and ARPU = received / paying customers (floored
   * to a minor unit; null when nobody paid).
   */
  currencies: Array<{ currency: Currency; rows: Array<{ receivedMinor: number; payers: number; arpuMinor: number | null }> }>;
}

export function arpuReport(db: Db, input: { months: Months }): ArpuReport {
  const { months } = input;
  const currencyList = operatorCurrencies(db);
  // Every payer of the month, less the vouchers among them (every voucher account has its
  // vouchers row): each month's stretch of payments (rowSpan) is read once per currency, with no
  // customers lookup per payment. The vouchers' payments come in one pass over the whole period
  // (from vouchers through payments_by_customer), bucketed here: not one pass per month, which
  // an operator with a million printed codes would pay twelve times.
  const start = months.bounds[0]!;
  const end = months.bounds[months.names.length]!;
  const voucherMonths = months.names.map(() => new Map<Currency, { minor: number; payers: Set<number> }>());
  for (const p of db.all<{ customerId: number; currency: Currency; minor: number; at: number }>(sql`
    SELECT p.customer_id AS "customerId", p.currency AS currency, p.amount_minor AS minor, p.received_at AS at FROM vouchers v CROSS JOIN payments p
    WHERE p.customer_id = v.customer_id AND p.received_at >= ${start} AND p.received_at < ${end}`)) {
    let i = 0;
    while (months.bounds[i + 1]! <= p.at) i++;
    const bucket = voucherMonths[i]!;
    const entry = bucket.get(p.currency) ?? { minor: 0, payers: new Set<number>() };
    entry.minor += p.minor;
    entry.payers.add(p.customerId);
    bucket.set(p.currency, entry);
  }
  const perMonth = months.names.map((_, i) => {
    const from = months.bounds[i]!;
    const to = months.bounds[i + 1]!;
    const span = rowSpan(db, 'payments', from, to);
    const all = !span ? [] : currencyList.flatMap((currency) =>
      db.all<{ currency: Currency; minor: number; payers: number }>(sql`
        SELECT ${currency} AS currency, SUM(amount_minor) AS minor, COUNT(DISTINCT customer_id) AS payers FROM payments NOT INDEXED
        WHERE id BETWEEN ${span.first} AND ${span.last} AND received_at >= ${from} AND received_at < ${to} AND currency = ${currency}`).filter((r) => r.payers > 0),
    );
    const vouchers = voucherMonths[i]!;
    return new Map(all.map((r) => [r.currency, { minor: r.minor - (vouchers.get(r.currency)?.minor ?? 0), payers: r.payers - (vouchers.get(r.currency)?.payers.size ?? 0) }]));
  });
  const currencies = sortedCurrencies(perMonth.map((m) => [...m].filter(([, r]) => r.payers > 0).map(([c]) => c))).map((currency) => ({
    currency,
    rows: perMonth.map((m) => {
      const r = m.get(currency);
      return r && r.payers > 0 ? { receivedMinor: r.minor, payers: r.payers, arpuMinor: Math.floor(r.minor / r.payers) } : { receivedMinor: 0, payers: 0, arpuMinor: null };
    }),
  }));
  return { months: months.names, currencies };
}

// ---------------------------------------------------------------------------------------------
// Voucher sales

export interface VoucherSalesReport {
  /**
   * Batches made in the period or whose codes brought money in during it: codes printed or
   * sold, used (logged in at least once), revoked, their value at the batch price (all codes,
   * and used ones), and money received on their codes in the period (sold on the spot: portal,
   * agents).
   */
  batches: Array<{ name: string; plan: string; seller: string | null; currency: Currency; priceMinor: number; codes: number; used: number; revoked: number; valueMinor: number; usedValueMinor: number; receivedMinor: number }>;
  /** The same, summed per seller (voucher_batches.seller; null = none named) and currency. */
  sellers: Array<{ seller: string | null; currency: Currency; batches: number; codes: number; used: number; usedValueMinor: number; receivedMinor: number }>;
  /** Tokens agents issued in the period (agent_sales): cash ones, and mobile money ones once paid. */
  agents: Array<{ agent: string; method: string; currency: Currency; tokens: number; minor: number }>;
}

export function voucherSalesReport(db: Db, input: { months: Months; now: number }): VoucherSalesReport {
  const start = input.months.bounds[0]!;
  const end = input.months.bounds[input.months.names.length]!;
  // From each voucher to its payments (payments_by_customer), not from every payment of the period to its voucher.
  const received = new Map(
    db.all<{ batchId: number; minor: number }>(sql`
      SELECT v.batch_id AS "batchId", SUM(p.amount_minor) AS minor FROM vouchers v CROSS JOIN payments p
      WHERE p.customer_id = v.customer_id AND p.received_at >= ${start} AND p.received_at < ${end} GROUP BY v.batch_id`).map((r) => [r.batchId, r.minor]),
  );
  const reports: BatchReport[] = batchReports(db, input.now).filter((r) => (r.batch.createdAt >= start && r.batch.createdAt < end) || received.has(r.batch.id));
  const batches = reports.map((r) => ({
    name: r.batch.name,
    plan: r.plan,
    seller: r.batch.seller,
    currency: r.batch.currency,
    priceMinor: r.batch.priceMinor,
    codes: r.batch.count,
    used: r.used,
    revoked: r.counts.revoked,
    valueMinor: r.batch.count * r.batch.priceMinor,
    usedValueMinor: r.soldMinor,
    receivedMinor: received.get(r.batch.id) ?? 0,
  }));
  const sellers = new Map<string, VoucherSalesReport['sellers'][number]>();
  for (const b of batches) {
    const key = `${b.seller ?? ''}\u0000${b.currency}`;
    let s = sellers.get(key);
    if (!s) sellers.set(key, (s = { seller: b.seller, currency: b.currency, batches: 0, codes: 0, used: 0, usedValueMinor: 0, receivedMinor: 0 }));
    s.batches++;
    s.codes += b.codes;
    s.used += b.used;
    s.usedValueMinor += b.usedValueMinor;
    s.receivedMinor += b.receivedMinor;
  }
  const agents = db.all<{ agent: string; method: string; currency: Currency; tokens: number; minor: number }>(sql`
    SELECT s.username AS agent, a.method AS method, a.currency AS currency, COUNT(*) AS tokens, SUM(a.price_minor) AS minor
    FROM agent_sales a JOIN staff s ON s.id = a.staff_id LEFT JOIN payment_attempts pa ON pa.key = a.attempt_key
    WHERE a.created_at >= ${start} AND a.created_at < ${end} AND (a.method = 'cash' OR pa.status = 'succeeded')
    GROUP BY s.username, a.method, a.currency ORDER BY s.username, a.method, a.currency`);
  return {
    batches,
    sellers: [...sellers.values()].sort((a, b) => (a.seller ?? '').localeCompare(b.seller ?? '') || a.currency.localeCompare(b.currency)),
    agents,
  };
}

// ---------------------------------------------------------------------------------------------
// CSV: the same figures, one row per figure, money as a plain decimal beside its currency.

/** A text or count, or money already written as a decimal ({ money: '-12.50' }). */
export type CsvCell = string | number | null | { money: string };
// Money is digits, a point and maybe a minus: written as is, so the formula guard of csvField
// (which would prefix a credit's "-12.50" with ') applies to the texts only.
const money = (minor: number, currency: Currency): CsvCell => ({ money: decimalMoney(minor, minorDigits(currency)) });

/** RFC 4180 text of a report's rows (CRLF line ends, quoting and the formula guard of operations/exports). */
export function toCsv(rows: CsvCell[][]): string {
  return rows.map((cells) => `${cells.map((c) => (c !== null && typeof c === 'object' ? c.money : csvField(c))).join(',')}\r\n`).join('');
}
const ratio = (rate: number | null) => (rate === null ? null : rate.toFixed(4));

export function revenueCsv(r: MoneyReport): CsvCell[][] {
  return [
    ['section', 'period', 'item', 'currency', 'count', 'amount'],
    ...r.byMonth.flatMap((c) => r.months.map((m, i) => ['month', m, null, c.currency, null, money(c.perMonth[i]!, c.currency)])),
    ...r.days.currencies.flatMap((c) => r.days.names.map((d, i) => ['day', d, null, c.currency, null, money(c.perDay[i]!, c.currency)])),
    ...r.byMethod.map((m) => ['method', `${r.months[0]}..${r.months.at(-1)}`, m.method, m.currency, m.payments, money(m.minor, m.currency)]),
    ...r.byPlan.map((p) => ['plan', `${r.months[0]}..${r.months.at(-1)}`, p.plan, p.currency, p.invoices, money(p.netMinor, p.currency)]),
  ];
}

export function collectionCsv(r: CollectionReport): CsvCell[][] {
  return [['month', 'currency', 'billed', 'collected', 'rate'], ...r.currencies.flatMap((c) => r.months.map((m, i) => [m, c.currency, money(c.rows[i]!.billed, c.currency), money(c.rows[i]!.collected, c.currency), ratio(c.rows[i]!.rate)]))];
}

export function agingCsv(r: AgingReport): CsvCell[][] {
  return [
    ['section', 'item', 'currency', 'invoices', 'amount'],
    ...r.currencies.flatMap((c) => agingBuckets.map((b) => ['bucket', b, c.currency, c.buckets[b].invoices, money(c.buckets[b].minor, c.currency)])),
    ...r.debtors.map((d) => ['debtor', d.username, d.currency, d.invoices, money(d.minor, d.currency)]),
  ];
}

export function customersCsv(r: CustomersReport): CsvCell[][] {
  return [
    ['month', 'joined', 'churned', ...Array.from({ length: COHORT_MONTHS }, (_, k) => `still_m${k}`)],
    ...r.cohorts.map((c, i) => [c.month, r.joined[i]!, r.churned[i]!, ...c.still]),
  ];
}

export function arpuCsv(r: ArpuReport): CsvCell[][] {
  return [['month', 'currency', 'received', 'paying_customers', 'arpu'], ...r.currencies.flatMap((c) => r.months.map((m, i) => [m, c.currency, money(c.rows[i]!.receivedMinor, c.currency), c.rows[i]!.payers, c.rows[i]!.arpuMinor === null ? null : money(c.rows[i]!.arpuMinor!, c.currency)]))];
}

export function voucherSalesCsv(r: VoucherSalesReport): CsvCell[][] {
  return [
    ['section', 'name', 'plan', 'seller', 'method', 'currency', 'codes', 'used', 'revoked', 'value', 'used_value', 'received'],
    ...r.batches.map((b) => ['batch', b.name, b.plan, b.seller, null, b.currency, b.codes, b.used, b.revoked, money(b.valueMinor, b.currency), money(b.usedValueMinor, b.currency), money(b.receivedMinor, b.currency)]),
    ...r.sellers.map((s) => ['seller', null, null, s.seller, null, s.currency, s.codes, s.used, null, null, money(s.usedValueMinor, s.currency), money(s.receivedMinor, s.currency)]),
    ...r.agents.map((a) => ['agent', null, null, a.agent, a.method, a.currency, a.tokens, null, null, null, null, money(a.minor, a.currency)]),
  ];
}

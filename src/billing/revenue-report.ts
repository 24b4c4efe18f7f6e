import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import type { Currency } from '../db/schema/billing.js';

// The money figures of the staff dashboard. Revenue here is money received: the payments
// table, where every receipt (counter, bank, mobile money, agents' and portal vouchers) is
// written once by recordPayment. Money still in suspense is not counted until staff assign it,
// and it then counts on the day it was assigned (its payment's received time).

export interface RevenueReport {
  /** Start of each month, oldest first, in the operator's zone (ms). */
  months: number[];
  /** Per currency the operator has taken money in: one sum per month (minor units), today, and this month. */
  currencies: Array<{ currency: Currency; perMonth: number[]; today: number; thisMonth: number }>;
}

/**
 * Money received per currency for the last `months` calendar months (this one included), and
 * today. The currencies are those of the operator's own ledger accounts, where every payment is
 * booked: a handful of rows.
 *
 * Each month is one range of the covering index payments_by_received (received_at, currency,
 * amount_minor): 12 months of a 100 000-customer operator, about 0.1 s.
 */
export function revenueReport(db: Db, input: { now: number; zone: string; months?: number }): RevenueReport {
  const count = input.months ?? 12;
  const now = DateTime.fromMillis(input.now, { zone: input.zone });
  const thisMonth = now.startOf('month');
  const bounds = Array.from({ length: count + 1 }, (_, i) => thisMonth.minus({ months: count - 1 - i }).toMillis());
  const today = now.startOf('day').toMillis();
  const end = bounds[count]!;
  const report: RevenueReport = { months: bounds.slice(0, count), currencies: [] };
  const currencies = db.values<[Currency]>(sql`SELECT DISTINCT currency FROM ledger_accounts WHERE customer_id IS NULL ORDER BY currency`).map(([c]) => c);
  for (const currency of currencies) {
    // -1: no payment at all in that span (a sum of real payments is never negative).
    const range = (from: number, to: number) => db.values<[number]>(sql`SELECT coalesce(SUM(amount_minor), -1) FROM payments WHERE received_at >= ${from} AND received_at < ${to} AND currency = ${currency}`)[0]![0];
    const sums = [...bounds.slice(0, count).map((from, i) => range(from, bounds[i + 1]!)), range(Math.max(today, bounds[0]!), end)];
    if (sums.every((n) => n === -1)) continue;
    const perMonth = sums.slice(0, count).map((n) => Math.max(0, n));
    report.currencies.push({ currency, perMonth, today: Math.max(0, sums[count]!), thisMonth: perMonth[count - 1]! });
  }
  return report;
}

export interface OverdueSummary {
  /** Accounts behind on paying: an overdue invoice, or suspended for one (each counted once). */
  accounts: number;
  invoices: number;
  /** Accounts the billing run suspended for not paying (lifted by a payment). */
  suspended: number;
}

/**
 * Who is behind on paying. The invoices_by_due index (status first) finds the overdue invoices;
 * the suspended accounts are a scan of customers (no index on status: about 10 ms per 100 000).
 */
export function overdueSummary(db: Db): OverdueSummary {
  const invoices = db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM invoices WHERE status = 'overdue'`)!.n;
  const suspended = db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM customers WHERE status = 'suspended' AND suspended_reason = 'overdue'`)!.n;
  const accounts = db.get<{ n: number }>(sql`
    SELECT COUNT(*) AS n FROM (
      SELECT customer_id FROM invoices WHERE status = 'overdue'
      UNION
      SELECT id FROM customers WHERE status = 'suspended' AND suspended_reason = 'overdue'
    ) t`)!.n;
  return { accounts, invoices, suspended };
}

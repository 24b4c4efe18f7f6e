import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import type { Months } from './money.js';
import { foldState } from './rollups.js';

// The usage reports of the staff pages (web/staff/reports-usage.ts), read-only: top data
// users, traffic per router and per plan by month, and open sessions per router over time.
// They read roll-ups only, never the sessions table: months per customer and days per plan
// folded by rollups.ts, plus the days not folded yet (today, and any the fold has not reached)
// straight from the accounting writer's usage_customer_days, so a report is never a day behind.
// Months and days are the operator's calendar ones; bytes down are to the customer.

/** The days a period of months covers: 'YYYY-MM-DD' from (included) to end (excluded). */
function daysOf(months: Months): { fromMonth: string; toMonth: string; fromDay: string; endDay: string } {
  const fromMonth = months.names[0]!;
  const toMonth = months.names.at(-1)!;
  const endDay = DateTime.fromFormat(toMonth, 'yyyy-MM', { zone: 'utc' }).plus({ months: 1 }).toISODate()!;
  return { fromMonth, toMonth, fromDay: `${fromMonth}-01`, endDay };
}

/**
 * usage_customer_days rows of the period the fold has not added yet, as `FROM … WHERE …` over
 * customers c and usage_customer_days u (and `join`): one seek per customer on the table's key
 * (CROSS JOIN keeps customers outside; the other order would read the whole table). The join's
 * terms are in WHERE: PostgreSQL takes no ON after CROSS JOIN, and SQLite plans them the same.
 */
function openDays(db: Db, input: { now: number; zone: string; fromDay: string; endDay: string }, join = sql``) {
  const state = foldState(db, input.now, input.zone);
  // A period that ended before the first open day: no seek at all (it would be one per customer).
  if (!state.pending && input.endDay <= state.through) return sql`FROM customers c CROSS JOIN usage_customer_days u ${join} WHERE 1 = 0`;
  const after = state.pending?.afterCustomer ?? 0;
  const until = state.pending?.until ?? state.through;
  return sql`FROM customers c CROSS JOIN usage_customer_days u ${join}
    WHERE u.customer_id = c.id AND u.day > ${state.through} AND u.day >= ${input.fromDay} AND u.day < ${input.endDay} AND NOT (c.id <= ${after} AND u.day <= ${until})`;
}

export interface TopUser {
  customerId: number;
  username: string;
  fullName: string | null;
  /** The customer's plan now; null when they have none. */
  plan: string | null;
  down: number;
  up: number;
}

/** The customers who moved the most bytes (down + up) in the period, most first; ties by id. */
export function topUsers(db: Db, input: { months: Months; now: number; zone: string; limit?: number }): TopUser[] {
  const d = daysOf(input.months);
  return db.all<TopUser>(sql`
    SELECT g.customer_id AS "customerId", c.username, c.full_name AS "fullName", p.name AS plan, g.down, g.up
    FROM (
      SELECT customer_id, SUM(down) AS down, SUM(up) AS up FROM (
        SELECT customer_id, bytes_down AS down, bytes_up AS up FROM usage_customer_months WHERE month >= ${d.fromMonth} AND month <= ${d.toMonth}
        UNION ALL
        SELECT u.customer_id, u.bytes_down, u.bytes_up ${openDays(db, { ...input, ...d })}
      ) t GROUP BY customer_id ORDER BY SUM(down) + SUM(up) DESC, customer_id LIMIT ${input.limit ?? 100}
    ) g
    JOIN customers c ON c.id = g.customer_id
    LEFT JOIN subscriptions s ON s.customer_id = c.id
    LEFT JOIN plans p ON p.id = s.plan_id
    ORDER BY g.down + g.up DESC, g.customer_id`);
}

export interface RouterMonth {
  month: string;
  nasId: number;
  /** null when the router has been removed since. */
  router: string | null;
  down: number;
  up: number;
}

/** Traffic per router and month, from the writer's usage_daily (a few rows a day, kept for good). */
export function usageByRouter(db: Db, input: { months: Months }): RouterMonth[] {
  const d = daysOf(input.months);
  return db.all<RouterMonth>(sql`
    SELECT substr(d.day, 1, 7) AS month, d.nas_id AS "nasId", n.name AS router, SUM(d.bytes_down) AS down, SUM(d.bytes_up) AS up
    FROM usage_daily d LEFT JOIN nas n ON n.id = d.nas_id
    WHERE d.day >= ${d.fromDay} AND d.day < ${d.endDay}
    GROUP BY 1, 2, n.name ORDER BY 1, n.name NULLS FIRST, d.nas_id`);
}

export interface PlanMonth {
  month: string;
  /** 0: customers with no plan. */
  planId: number;
  plan: string | null;
  /** Customers with traffic on the month's busiest day for this plan. */
  peakCustomers: number;
  down: number;
  up: number;
}

/**
 * Traffic per plan and month, with the most customers online on one day. Folded days count
 * under the plan each customer was on when folded; days not folded yet under today's plan.
 */
export function usageByPlan(db: Db, input: { months: Months; now: number; zone: string }): PlanMonth[] {
  const d = daysOf(input.months);
  return db.all<PlanMonth>(sql`
    SELECT substr(x.day, 1, 7) AS month, x.plan_id AS "planId", p.name AS plan, MAX(x.customers) AS "peakCustomers", SUM(x.down) AS down, SUM(x.up) AS up
    FROM (
      SELECT day, plan_id, SUM(customers) AS customers, SUM(down) AS down, SUM(up) AS up FROM (
        SELECT day, plan_id, customers, bytes_down AS down, bytes_up AS up FROM usage_plan_days WHERE day >= ${d.fromDay} AND day < ${d.endDay}
        UNION ALL
        SELECT u.day, COALESCE(s.plan_id, 0), 1, u.bytes_down, u.bytes_up ${openDays(db, { ...input, ...d }, sql`LEFT JOIN subscriptions s ON s.customer_id = c.id`)}
      ) t GROUP BY day, plan_id
    ) x LEFT JOIN plans p ON p.id = x.plan_id
    GROUP BY 1, 2, p.name ORDER BY 1, p.name IS NULL, p.name`);
}

export type Step = 'hour' | 'day';

export interface LoadPoint {
  /** Start of the hour or day (ms), in the operator's zone. */
  start: number;
  nasId: number;
  router: string | null;
  /** Most and mean open sessions among the samples in the hour or day. */
  peak: number;
  average: number;
  samples: number;
}

export interface RouterDay {
  day: string;
  nasId: number;
  router: string | null;
  down: number;
  up: number;
}

export interface NetworkReport {
  load: LoadPoint[];
  traffic: RouterDay[];
}

/**
 * Network utilisation over [from, to) (ms): open sessions per router per hour or day from the
 * sampler's nas_load_samples (a range of its key), and traffic per router per day.
 */
export function networkReport(db: Db, input: { from: number; to: number; step: Step; zone: string }): NetworkReport {
  const names = new Map(db.values<[number, string]>(sql`SELECT id, name FROM nas`));
  const points = new Map<string, LoadPoint>();
  // SQLite adds the samples up per quarter hour (per hour over a long period: a year of 5-minute
  // samples is millions of rows); each slot is then put in its hour or day of the operator's zone,
  // worked out once per slot. Zone offsets are whole quarters of an hour.
  // Written into the SQL, not bound: a bound number is a REAL to SQLite, and at / 3600000.0 is no slot.
  const unit = input.to - input.from <= 32 * 86_400_000 ? 900_000 : 3_600_000;
  const slots = db.values<[number, number, number, number, number]>(sql`
    SELECT at / ${sql.raw(String(unit))} AS slot, nas_id, MAX(open_sessions), SUM(open_sessions), COUNT(*) FROM nas_load_samples
    WHERE at >= ${input.from} AND at < ${input.to} GROUP BY slot, nas_id`);
  const bucketOfSlot = new Map<number, number>();
  for (const [slot, nasId, peak, sum, samples] of slots) {
    let start = bucketOfSlot.get(slot);
    if (start === undefined) {
      start = DateTime.fromMillis(slot * unit, { zone: input.zone }).startOf(input.step).toMillis();
      bucketOfSlot.set(slot, start);
    }
    const key = `${start}:${nasId}`;
    const point = points.get(key) ?? { start, nasId, router: names.get(nasId) ?? null, peak: 0, average: 0, samples: 0 };
    point.peak = Math.max(point.peak, peak);
    // A running sum until every slot is in; divided below.
    point.average += sum;
    point.samples += samples;
    points.set(key, point);
  }
  const load = [...points.values()]
    .map((p) => ({ ...p, average: Math.round((p.average / p.samples) * 10) / 10 }))
    .sort((a, b) => a.start - b.start || (a.router ?? '').localeCompare(b.router ?? '') || a.nasId - b.nasId);
  const fromDay = DateTime.fromMillis(input.from, { zone: input.zone }).toISODate()!;
  const toDay = DateTime.fromMillis(input.to - 1, { zone: input.zone }).toISODate()!;
  const traffic = db.all<RouterDay>(sql`
    SELECT d.day, d.nas_id AS "nasId", n.name AS router, d.bytes_down AS down, d.bytes_up AS up
    FROM usage_daily d LEFT JOIN nas n ON n.id = d.nas_id
    WHERE d.day >= ${fromDay} AND d.day <= ${toDay} ORDER BY d.day, n.name NULLS FIRST, d.nas_id`);
  return { load, traffic };
}

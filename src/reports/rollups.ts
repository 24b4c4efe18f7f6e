import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { USER_DAYS_KEPT } from '../aaa/session-stats.js';
import type { Db } from '../db/connection.js';
import { getSetting, setSetting, type SettingValue } from '../settings/index.js';

// The usage reports' roll-ups, written off the accounting path: the writer keeps per-day
// tables (usage_customer_days, usage_daily); this folds closed days into months per customer
// and days per plan, and samples open sessions per router. Nothing here touches the sessions
// table's rows or runs per packet. These functions write only the roll-up tables and their
// progress setting.

export type FoldState = NonNullable<SettingValue<'reports.foldedThrough'>>;

/** One fold step covers at most this many days ... */
const SPAN_DAYS = 31;
/** ... and about this many customer-days, so one step's transaction stays a few milliseconds. */
const STEP_ROWS = 4_000;

const isoDay = (d: DateTime) => d.toISODate()!;

/** The fold's progress; before the first fold, the day before the oldest day the daily tables keep. */
export function foldState(db: Db, now: number, zone: string): FoldState {
  return (
    getSetting(db, 'reports.foldedThrough') ?? {
      through: isoDay(DateTime.fromMillis(now, { zone }).startOf('day').minus({ days: USER_DAYS_KEPT + 1 })),
      pending: null,
    }
  );
}

export interface FoldStep {
  /** Customer-days added into the roll-ups by this step. */
  rows: number;
  /** Every closed day is folded: nothing to do until tomorrow. */
  done: boolean;
}

/**
 * One short step of the fold: the closed days after `through` (up to 31 of them) of the next
 * range of customer ids are added into usage_customer_months and usage_plan_days, and the
 * progress moves on, in the caller's transaction, so a step is either wholly kept or wholly
 * not, and running the fold again never counts a day twice. A day is closed once it is over in
 * the operator's zone (the writer books traffic on the day it arrives, so a closed day never
 * changes). A customer's plan is their subscription's plan when the step runs (plan 0: none).
 * Each customer's days are a seek on usage_customer_days' key, which leads with the customer
 * (CROSS JOIN keeps customers the outer loop, so SQLite never walks a range of all their days;
 * its terms are in WHERE, as PostgreSQL takes no ON after CROSS JOIN). The upserts name the
 * table in SET, where PostgreSQL would find a bare column ambiguous beside excluded's.
 */
export function foldStep(db: Db, input: { now: number; zone: string; customersPerStep?: number }): FoldStep {
  let state = foldState(db, input.now, input.zone);
  const today = DateTime.fromMillis(input.now, { zone: input.zone }).startOf('day');
  const yesterday = isoDay(today.minus({ days: 1 }));
  if (!state.pending) {
    if (state.through >= yesterday) return { rows: 0, done: true };
    const cap = isoDay(DateTime.fromISO(state.through, { zone: input.zone }).plus({ days: SPAN_DAYS }));
    state = { through: state.through, pending: { until: cap < yesterday ? cap : yesterday, afterCustomer: 0 } };
  }
  const { through } = state;
  const { until, afterCustomer } = state.pending!;
  const span = Math.max(1, Math.round(DateTime.fromISO(until).diff(DateTime.fromISO(through), 'days').days));
  const upper = afterCustomer + (input.customersPerStep ?? Math.max(16, Math.floor(STEP_ROWS / span)));
  const range = sql`FROM customers c CROSS JOIN usage_customer_days u
    WHERE u.customer_id = c.id AND u.day > ${through} AND u.day <= ${until} AND c.id > ${afterCustomer} AND c.id <= ${upper}`;
  const rows = db.run(sql`INSERT INTO usage_customer_months (month, customer_id, bytes_down, bytes_up)
    SELECT substr(u.day, 1, 7), u.customer_id, SUM(u.bytes_down), SUM(u.bytes_up) ${range} GROUP BY 1, 2
    ON CONFLICT (month, customer_id) DO UPDATE SET bytes_down = usage_customer_months.bytes_down + excluded.bytes_down, bytes_up = usage_customer_months.bytes_up + excluded.bytes_up`).changes;
  db.run(sql`INSERT INTO usage_plan_days (day, plan_id, customers, bytes_down, bytes_up)
    SELECT u.day, COALESCE(s.plan_id, 0), COUNT(*), SUM(u.bytes_down), SUM(u.bytes_up) FROM customers c
      CROSS JOIN usage_customer_days u
      LEFT JOIN subscriptions s ON s.customer_id = c.id
    WHERE u.customer_id = c.id AND u.day > ${through} AND u.day <= ${until} AND c.id > ${afterCustomer} AND c.id <= ${upper} GROUP BY 1, 2
    ON CONFLICT (day, plan_id) DO UPDATE SET customers = usage_plan_days.customers + excluded.customers, bytes_down = usage_plan_days.bytes_down + excluded.bytes_down, bytes_up = usage_plan_days.bytes_up + excluded.bytes_up`);
  const last = db.get<{ id: number | null }>(sql`SELECT MAX(id) AS id FROM customers`)!.id ?? 0;
  const next: FoldState = upper >= last ? { through: until, pending: null } : { through, pending: { until, afterCustomer: upper } };
  setSetting(db, 'reports.foldedThrough', next, 'system', input.now);
  return { rows, done: next.pending === null && until >= yesterday };
}

/**
 * Folds every closed day, one transaction per step (tests, the bench, a catch-up by hand).
 * The daemon runs the steps one by one between RADIUS batches instead.
 */
export function foldClosedDays(db: Db, input: { now: number; zone: string }): { steps: number; rows: number } {
  let steps = 0;
  let rows = 0;
  for (;;) {
    const step = db.transaction((tx) => foldStep(tx as Db, input), { behavior: 'immediate' });
    steps++;
    rows += step.rows;
    if (step.done) return { steps, rows };
  }
}

/**
 * Counts the sessions open now on each router into nas_load_samples at `now` (routers with none
 * get a 0, so a chart shows the drop). One GROUP BY over the partial index sessions_open_by_nas,
 * which holds exactly the open sessions. Returns the routers sampled.
 */
export function sampleNasLoad(db: Db, now: number): number {
  // An upsert rather than INSERT OR REPLACE (SQLite's own); WHERE true tells SQLite's parser the
  // join's ON from the upsert's.
  return db.run(sql`INSERT INTO nas_load_samples (at, nas_id, open_sessions)
    SELECT ${now}, n.id, COALESCE(o.open, 0) FROM nas n LEFT JOIN (
      SELECT nas_id, COUNT(*) AS open FROM sessions INDEXED BY sessions_open_by_nas WHERE stopped_at IS NULL GROUP BY nas_id
    ) o ON o.nas_id = n.id WHERE true
    ON CONFLICT (at, nas_id) DO UPDATE SET open_sessions = excluded.open_sessions`).changes;
}

/** Forgets samples older than `keepDays` (a range of the table's key, which leads with the time). */
export function pruneNasLoadSamples(db: Db, input: { now: number; keepDays: number }): number {
  return db.run(sql`DELETE FROM nas_load_samples WHERE at < ${input.now - input.keepDays * 86_400_000}`).changes;
}

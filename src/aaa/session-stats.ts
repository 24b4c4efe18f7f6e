import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';

// Figures of the staff dashboard read from accounting: sessions open now, who was online and
// how much they moved per day (the writer's daily roll-up), and when each router last reported
// a session.

/** Sessions open now (the sessions_open_by_nas partial index holds exactly these). */
export function countOpenSessions(db: Db): number {
  return db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM sessions WHERE stopped_at IS NULL`)!.n;
}

export interface DailyActivity {
  /** Start of each day, oldest first, in the operator's zone (ms). */
  days: number[];
  /** Distinct accounts that sent accounting on the day. */
  activeUsers: number[];
  /** Bytes to the customers (Acct-Output-Octets) and from them (Acct-Input-Octets). */
  bytesDown: number[];
  bytesUp: number[];
}

/**
 * Active accounts and traffic per day for the last `days` days (today included), from the
 * daily roll-up the accounting writer keeps (usage_daily, usage_user_days): traffic counts on
 * the day it was reported, and an account counts on each day it sent accounting. About
 * `days` × routers rows, on the tables' primary keys. Days before the roll-up existed are 0.
 */
export function dailyActivity(db: Db, input: { now: number; zone: string; days?: number }): DailyActivity {
  const count = input.days ?? 30;
  const today = DateTime.fromMillis(input.now, { zone: input.zone }).startOf('day');
  // Day starts from the calendar, not 86 400 000 steps: days are 23 or 25 hours across a DST change.
  const starts = Array.from({ length: count }, (_, i) => today.minus({ days: count - 1 - i }));
  const index = new Map(starts.map((d, i) => [d.toISODate()!, i]));
  const first = starts[0]!.toISODate()!;
  const last = today.toISODate()!;
  const activity: DailyActivity = {
    days: starts.map((d) => d.toMillis()),
    activeUsers: new Array<number>(count).fill(0),
    bytesDown: new Array<number>(count).fill(0),
    bytesUp: new Array<number>(count).fill(0),
  };
  const traffic = db.values<[string, number, number]>(sql`SELECT day, SUM(bytes_down), SUM(bytes_up) FROM usage_daily WHERE day BETWEEN ${first} AND ${last} GROUP BY day`);
  for (const [day, down, up] of traffic) {
    const i = index.get(day);
    if (i === undefined) continue;
    activity.bytesDown[i] = down;
    activity.bytesUp[i] = up;
  }
  const users = db.values<[string, number]>(sql`SELECT day, COUNT(*) FROM usage_user_days WHERE day BETWEEN ${first} AND ${last} GROUP BY day`);
  for (const [day, n] of users) {
    const i = index.get(day);
    if (i !== undefined) activity.activeUsers[i] = n;
  }
  return activity;
}

/** Who-was-online days and each customer's daily traffic are kept this long (a year's comparison and some). */
export const USER_DAYS_KEPT = 400;

/**
 * Forgets who was online, and how much each customer moved, on days more than `keepDays` before
 * today; returns the rows removed. usage_daily (per router, a few rows a day) is kept.
 */
export function pruneUserDays(db: Db, input: { now: number; zone: string; keepDays?: number }): number {
  const oldest = DateTime.fromMillis(input.now, { zone: input.zone }).startOf('day').minus({ days: input.keepDays ?? USER_DAYS_KEPT }).toISODate()!;
  const users = db.run(sql`DELETE FROM usage_user_days WHERE day < ${oldest}`).changes;
  // The key leads with the customer: one seek per customer finds the old days, where a plain
  // `day <` would read a year of rows of every customer while accounting waits for the lock.
  return users + db.run(sql`DELETE FROM usage_customer_days WHERE customer_id IN (SELECT id FROM customers) AND day < ${oldest}`).changes;
}

/**
 * When each router (NAS id) last reported a session, as far as the sessions table tells: the
 * newest update of its open sessions (interim updates keep these fresh), or of sessions that
 * started since `since`. A router whose only news was the Stop of an older session is not seen:
 * this stands in for the daemon's own record of packets when that is not at hand. `only` limits
 * it to some routers (those the daemon has not heard from lately). The open sessions come from
 * the partial index sessions_open_by_nas (one row read per open session of those routers), the
 * recent ones from sessions_started.
 */
export function lastAccountingByNas(db: Db, since: number, only?: readonly number[]): Map<number, number> {
  if (only && only.length === 0) return new Map();
  const ofRouters = only ? sql`AND nas_id IN (${sql.join(only.map((id) => sql`${id}`), sql`, `)})` : sql``;
  const rows = db.values<[number, number]>(sql`
    SELECT nas_id, MAX(at) FROM (
      SELECT nas_id, MAX(updated_at) AS at FROM sessions INDEXED BY sessions_open_by_nas WHERE stopped_at IS NULL ${ofRouters} GROUP BY nas_id
      UNION ALL
      SELECT nas_id, MAX(updated_at) AS at FROM sessions INDEXED BY sessions_started WHERE started_at >= ${since} ${ofRouters} GROUP BY nas_id
    ) t GROUP BY nas_id`);
  return new Map(rows);
}

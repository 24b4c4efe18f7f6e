import { DateTime } from 'luxon';
import type { Connection } from '../db/connection.js';
import { monthsOf, defaultPeriod } from './money.js';
import { foldStep } from './rollups.js';
import { networkReport, topUsers, usageByPlan, usageByRouter } from './usage.js';

// The usage reports' speed check (issue 9: a 12-month report over 100 000 customers and 10 M
// session rows in under 2 s), run by `npm run bench -- --mode reports`, never by the test suite.
// Fills a throwaway database with plain INSERTs in big transactions: customers on five plans,
// twenty routers, a year of sessions, the daily roll-ups those sessions imply (usage_daily,
// usage_customer_days; not usage_user_days, which no report reads) and open-session samples
// every 5 minutes; folds the closed days, then times each report.

export interface UsageBenchFigures {
  customers: number;
  sessions: number;
  customerDays: number;
  samples: number;
  fillSeconds: number;
  fold: { seconds: number; steps: number; rows: number; longestStepMs: number };
  /** Milliseconds per report, first run and second (warm cache). */
  reports: Record<string, [number, number]>;
}

const ROUTERS = 20;
const PLANS = 5;
const DAY = 86_400_000;

export function fillUsageBench(connection: Connection, input: { now: number; zone: string; customers: number; sessions: number }): { customerDays: number; samples: number } {
  // SQLite's own SQL and pragmas throughout: the bench runs on a SQLite file only.
  if (connection.dialect !== 'sqlite') throw new Error('the usage report bench fills a SQLite database only');
  const { sqlite } = connection;
  const { now, zone } = input;
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -262144');
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  const dayStarts = Array.from({ length: 365 }, (_, i) => today.minus({ days: 364 - i }));
  const dayNames = dayStarts.map((d) => d.toISODate()!);
  const dayMs = dayStarts.map((d) => d.toMillis());
  // The sessions table's indexes are built once at the end: ten million rows go in several times faster.
  const indexes = sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' AND sql IS NOT NULL").all() as Array<{ name: string; sql: string }>;
  for (const index of indexes) sqlite.exec(`DROP INDEX ${index.name}`);
  sqlite.transaction(() => {
    for (let p = 1; p <= PLANS; p++) sqlite.prepare('INSERT INTO plans (name, price_minor, currency, created_at) VALUES (?, ?, ?, ?)').run(`Bench ${p}`, p * 100_000, 'KES', now);
    for (let r = 1; r <= ROUTERS; r++) sqlite.prepare("INSERT INTO nas (name, ip, secret_sealed, created_at) VALUES (?, ?, 'x', ?)").run(`router-${r}`, `10.0.0.${r}`, now);
    const customer = sqlite.prepare("INSERT INTO customers (username, password_sealed, created_at, updated_at) VALUES (?, 'x', ?, ?)");
    const subscription = sqlite.prepare("INSERT INTO subscriptions (customer_id, plan_id, billing_kind, started_at, created_at, updated_at) VALUES (?, ?, 'prepaid', ?, ?, ?)");
    for (let c = 1; c <= input.customers; c++) {
      customer.run(`user${c}`, now, now);
      subscription.run(c, 1 + (c % PLANS), now, now, now);
    }
  })();
  const session = sqlite.prepare(`INSERT INTO sessions (nas_id, acct_session_id, username, started_at, updated_at, stopped_at, session_time, input_octets, output_octets, customer_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const customerDay = sqlite.prepare('INSERT INTO usage_customer_days (customer_id, day, bytes_down, bytes_up) VALUES (?, ?, ?, ?)');
  const routerDays = new Map<string, [number, number]>();
  const perCustomer = Math.floor(input.sessions / input.customers);
  let customerDays = 0;
  const batch = 2_000;
  for (let first = 1; first <= input.customers; first += batch) {
    sqlite.transaction(() => {
      for (let c = first; c < first + batch && c <= input.customers; c++) {
        const nasId = 1 + (c % ROUTERS);
        // Heavy users are few: bytes per session spread over three orders of magnitude.
        const weight = 10 ** (random() * 3);
        const days = Array.from({ length: perCustomer }, () => Math.floor(random() * 365)).sort((a, b) => a - b);
        let open: [number, number, number] | undefined;
        days.forEach((d, i) => {
          const down = Math.floor(weight * 1e6 * (0.5 + random()));
          const up = Math.floor(down / 8);
          const start = dayMs[d]! + Math.floor(random() * 20 * 3_600_000);
          const stopped = start + 3_600_000;
          session.run(nasId, `s${c}-${i}`, `user${c}`, start, stopped, d === 364 && i === days.length - 1 ? null : Math.min(stopped, now), 3600, up, down, c);
          const key = `${dayNames[d]}|${nasId}`;
          const sum = routerDays.get(key) ?? [0, 0];
          sum[0] += down;
          sum[1] += up;
          routerDays.set(key, sum);
          if (open && open[0] === d) {
            open[1] += down;
            open[2] += up;
          } else {
            if (open) customerDay.run(c, dayNames[open[0]], open[1], open[2]);
            customerDays += open ? 1 : 0;
            open = [d, down, up];
          }
        });
        if (open) {
          customerDay.run(c, dayNames[open[0]], open[1], open[2]);
          customerDays += 1;
        }
      }
    })();
  }
  for (const index of indexes) sqlite.exec(index.sql);
  let samples = 0;
  sqlite.transaction(() => {
    const daily = sqlite.prepare('INSERT INTO usage_daily (day, nas_id, bytes_down, bytes_up) VALUES (?, ?, ?, ?)');
    for (const [key, [down, up]] of routerDays) {
      const [day, nas] = key.split('|');
      daily.run(day, Number(nas), down, up);
    }
    const sample = sqlite.prepare('INSERT INTO nas_load_samples (at, nas_id, open_sessions) VALUES (?, ?, ?)');
    for (let at = now - 365 * DAY; at < now; at += 300_000) {
      for (let r = 1; r <= ROUTERS; r++) sample.run(at, r, Math.floor(random() * 400));
      samples += ROUTERS;
    }
  })();
  return { customerDays, samples };
}

function timed<T>(run: () => T): number {
  const started = performance.now();
  run();
  return Math.round(performance.now() - started);
}

/** Fills `connection` (a fresh, migrated database), folds and times each usage report. */
export function benchUsageReports(connection: Connection, input: { customers?: number; sessions?: number; zone?: string; now?: number } = {}): UsageBenchFigures {
  const zone = input.zone ?? 'Africa/Nairobi';
  const now = input.now ?? Date.now();
  const customers = input.customers ?? 100_000;
  const sessions = input.sessions ?? 10_000_000;
  const started = performance.now();
  const filled = fillUsageBench(connection, { now, zone, customers, sessions });
  const fillSeconds = Math.round((performance.now() - started) / 100) / 10;
  // Step by step as the daemon runs it, timing each: the longest is what RADIUS could wait.
  const foldStarted = performance.now();
  const fold = { seconds: 0, steps: 0, rows: 0, longestStepMs: 0 };
  for (let done = false; !done; ) {
    const stepStarted = performance.now();
    const step = connection.db.transaction((tx) => foldStep(tx, { now, zone }), { behavior: 'immediate' });
    fold.longestStepMs = Math.max(fold.longestStepMs, Math.round((performance.now() - stepStarted) * 10) / 10);
    fold.steps += 1;
    fold.rows += step.rows;
    done = step.done;
  }
  fold.seconds = Math.round((performance.now() - foldStarted) / 100) / 10;
  const months = monthsOf(defaultPeriod(now, zone), zone)!;
  const runs: Record<string, () => unknown> = {
    topUsers: () => topUsers(connection.db, { months, now, zone, limit: 100 }),
    usageByRouter: () => usageByRouter(connection.db, { months }),
    usageByPlan: () => usageByPlan(connection.db, { months, now, zone }),
    network7DaysHourly: () => networkReport(connection.db, { from: now - 7 * DAY, to: now, step: 'hour', zone }),
    network90DaysDaily: () => networkReport(connection.db, { from: now - 90 * DAY, to: now, step: 'day', zone }),
  };
  const reports: UsageBenchFigures['reports'] = {};
  for (const [name, run] of Object.entries(runs)) reports[name] = [timed(run), timed(run)];
  return { customers, sessions: perCustomerTotal(customers, sessions), customerDays: filled.customerDays, samples: filled.samples, fillSeconds, fold, reports };
}

const perCustomerTotal = (customers: number, sessions: number) => Math.floor(sessions / customers) * customers;

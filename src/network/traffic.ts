import { and, asc, eq, gt, lte, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { compileStatement } from '../db/compiled-statement.js';
import { preparedPer } from '../db/prepared.js';
import { routerHealthBuckets, routerInterfaceBuckets, routerUserBuckets } from '../db/schema/network.js';

// What the poller saw, kept in 5-minute buckets for the charts: each poll adds its counter
// deltas to the bucket it falls in and raises the bucket's maxima, so a bucket row is written
// a few times and never read back first (INSERT … ON CONFLICT DO UPDATE).

export const BUCKET_MS = 300_000;

export interface TrafficPoint {
  bucket: number;
  rxBytes: number;
  txBytes: number;
  rxMaxBps: number;
  txMaxBps: number;
}

export interface HealthPoint {
  bucket: number;
  polls: number;
  failures: number;
  cpuAvg: number;
  cpuMax: number;
  memoryUsedMax: number;
  memoryTotal: number;
  hotspotUsersMax: number;
  pppUsersMax: number;
}

/** One poll of one router, as the bucket writers take it: deltas since the previous poll. */
export interface PollSample {
  at: number;
  /** Undefined: the poll failed (counted as a failure in the health bucket). */
  health?: { cpuLoad: number; memoryUsed: number; memoryTotal: number; uptimeSeconds: number; hotspotUsers: number; pppUsers: number } | undefined;
  interfaces: ReadonlyArray<{ iface: string; rxBytes: number; txBytes: number; rxBps: number; txBps: number }>;
  /** Customer's view: up = from the customer. */
  users: ReadonlyArray<{ username: string; upBytes: number; downBytes: number; upBps: number; downBps: number }>;
}

export function bucketOf(at: number): number {
  return at - (at % BUCKET_MS);
}

// A poll of a busy router writes a row per customer (thousands) inside the group commit, so
// the three upserts are compiled once per connection (drizzle writes the SQL, better-sqlite3
// runs it): building each through drizzle cost ~50 times SQLite's own work.
// SQLite's max(a, b) is only an aggregate in PostgreSQL: the larger of two, written for both.
// (The bucket columns are NOT NULL, so SQLite's NULL-if-any-NULL never came into it.)
const larger = (a: AnyColumn, b: SQL) => sql`CASE WHEN ${a} >= ${b} THEN ${a} ELSE ${b} END`;

const statementsOf = preparedPer((db, sqlite) => {
  const p = (name: string) => sql.placeholder(name);
  const h = routerHealthBuckets;
  const i = routerInterfaceBuckets;
  const u = routerUserBuckets;
  return {
    health: compileStatement<Record<string, unknown>>(
      sqlite,
      db
        .insert(h)
        .values({ nasId: p('nasId'), bucket: p('bucket'), polls: p('polls'), failures: p('failures'), cpuMax: p('cpu'), cpuSum: p('cpu'), memoryUsedMax: p('memoryUsed'), memoryTotal: p('memoryTotal'), uptimeSeconds: p('uptimeSeconds'), hotspotUsersMax: p('hotspotUsers'), pppUsersMax: p('pppUsers') } as never)
        .onConflictDoUpdate({
          target: [h.nasId, h.bucket],
          set: {
            polls: sql`${h.polls} + 1`,
            failures: sql`${h.failures} + excluded.failures`,
            cpuMax: larger(h.cpuMax, sql`excluded.cpu_max`),
            cpuSum: sql`${h.cpuSum} + excluded.cpu_sum`,
            memoryUsedMax: larger(h.memoryUsedMax, sql`excluded.memory_used_max`),
            // A failed poll knows neither: it keeps what the bucket's good polls said.
            memoryTotal: larger(h.memoryTotal, sql`excluded.memory_total`),
            uptimeSeconds: sql`CASE WHEN excluded.failures = 0 THEN excluded.uptime_seconds ELSE ${h.uptimeSeconds} END`,
            hotspotUsersMax: larger(h.hotspotUsersMax, sql`excluded.hotspot_users_max`),
            pppUsersMax: larger(h.pppUsersMax, sql`excluded.ppp_users_max`),
          },
        }),
    ),
    iface: compileStatement<Record<string, unknown>>(
      sqlite,
      db
        .insert(i)
        .values({ nasId: p('nasId'), bucket: p('bucket'), iface: p('iface'), rxBytes: p('rxBytes'), txBytes: p('txBytes'), rxMaxBps: p('rxBps'), txMaxBps: p('txBps') } as never)
        .onConflictDoUpdate({
          target: [i.nasId, i.iface, i.bucket],
          set: {
            rxBytes: sql`${i.rxBytes} + excluded.rx_bytes`,
            txBytes: sql`${i.txBytes} + excluded.tx_bytes`,
            rxMaxBps: larger(i.rxMaxBps, sql`excluded.rx_max_bps`),
            txMaxBps: larger(i.txMaxBps, sql`excluded.tx_max_bps`),
          },
        }),
    ),
    user: compileStatement<Record<string, unknown>>(
      sqlite,
      db
        .insert(u)
        .values({ nasId: p('nasId'), bucket: p('bucket'), username: p('username'), upBytes: p('upBytes'), downBytes: p('downBytes'), upMaxBps: p('upBps'), downMaxBps: p('downBps') } as never)
        .onConflictDoUpdate({
          target: [u.nasId, u.bucket, u.username],
          set: {
            upBytes: sql`${u.upBytes} + excluded.up_bytes`,
            downBytes: sql`${u.downBytes} + excluded.down_bytes`,
            upMaxBps: larger(u.upMaxBps, sql`excluded.up_max_bps`),
            downMaxBps: larger(u.downMaxBps, sql`excluded.down_max_bps`),
          },
        }),
    ),
  };
});

/** Adds one poll to the buckets; run inside the caller's (group commit's) transaction. */
export function recordPollBuckets(db: Db, nasId: number, sample: PollSample): void {
  const statements = statementsOf(db);
  const bucket = bucketOf(sample.at);
  const h = sample.health;
  statements.health.run({
    nasId,
    bucket,
    polls: 1,
    failures: h ? 0 : 1,
    cpu: h?.cpuLoad ?? 0,
    memoryUsed: h?.memoryUsed ?? 0,
    memoryTotal: h?.memoryTotal ?? 0,
    uptimeSeconds: h?.uptimeSeconds ?? 0,
    hotspotUsers: h?.hotspotUsers ?? 0,
    pppUsers: h?.pppUsers ?? 0,
  });
  for (const i of sample.interfaces) {
    statements.iface.run({ nasId, bucket, iface: i.iface, rxBytes: i.rxBytes, txBytes: i.txBytes, rxBps: Math.round(i.rxBps), txBps: Math.round(i.txBps) });
  }
  for (const u of sample.users) {
    statements.user.run({ nasId, bucket, username: u.username, upBytes: u.upBytes, downBytes: u.downBytes, upBps: Math.round(u.upBps), downBps: Math.round(u.downBps) });
  }
}

/** Buckets that overlap from..to: a bucket starting up to 5 minutes before `from` still holds some of it. */
function overlapping(column: AnyColumn, range: { from: number; to: number }) {
  return and(gt(column, range.from - BUCKET_MS), lte(column, range.to));
}

/**
 * One router's traffic (all interfaces added, or one named) in 5-minute buckets from..to.
 * Added up, the maxima are each interface's peak summed: an upper bound of the router's peak.
 */
export function routerTraffic(db: Db, nasId: number, range: { from: number; to: number; iface?: string | undefined }): TrafficPoint[] {
  const b = routerInterfaceBuckets;
  return db
    .select({
      bucket: b.bucket,
      rxBytes: sql<number>`sum(${b.rxBytes})`,
      txBytes: sql<number>`sum(${b.txBytes})`,
      rxMaxBps: sql<number>`sum(${b.rxMaxBps})`,
      txMaxBps: sql<number>`sum(${b.txMaxBps})`,
    })
    .from(b)
    .where(and(eq(b.nasId, nasId), overlapping(b.bucket, range), range.iface === undefined ? undefined : eq(b.iface, range.iface)))
    .groupBy(b.bucket)
    .orderBy(asc(b.bucket))
    .all();
}

export function routerHealth(db: Db, nasId: number, range: { from: number; to: number }): HealthPoint[] {
  const h = routerHealthBuckets;
  return db
    .select()
    .from(h)
    .where(and(eq(h.nasId, nasId), overlapping(h.bucket, range)))
    .orderBy(asc(h.bucket))
    .all()
    .map((row) => {
      const good = row.polls - row.failures;
      return {
        bucket: row.bucket,
        polls: row.polls,
        failures: row.failures,
        cpuAvg: good > 0 ? Math.round(row.cpuSum / good) : 0,
        cpuMax: row.cpuMax,
        memoryUsedMax: row.memoryUsedMax,
        memoryTotal: row.memoryTotal,
        hotspotUsersMax: row.hotspotUsersMax,
        pppUsersMax: row.pppUsersMax,
      };
    });
}

/** Interfaces that have buckets in the range (for the chart's picker). */
export function routerInterfaces(db: Db, nasId: number, range: { from: number; to: number }): string[] {
  const b = routerInterfaceBuckets;
  return db
    .selectDistinct({ iface: b.iface })
    .from(b)
    .where(and(eq(b.nasId, nasId), overlapping(b.bucket, range)))
    .orderBy(asc(b.iface))
    .all()
    .map((r) => r.iface);
}

/** A customer's traffic as the routers counted it, 5-minute buckets (customer's view: up/down). */
export function userTraffic(db: Db, username: string, range: { from: number; to: number }): Array<{ bucket: number; nasId: number; upBytes: number; downBytes: number; upMaxBps: number; downMaxBps: number }> {
  const u = routerUserBuckets;
  return db
    .select({ bucket: u.bucket, nasId: u.nasId, upBytes: u.upBytes, downBytes: u.downBytes, upMaxBps: u.upMaxBps, downMaxBps: u.downMaxBps })
    .from(u)
    .where(and(eq(u.username, username), overlapping(u.bucket, range)))
    .orderBy(asc(u.bucket), asc(u.nasId))
    .all();
}

/** Every customer one router counted in the range, 5-minute buckets (customer's view: up/down). */
export function routerUserTraffic(db: Db, nasId: number, range: { from: number; to: number }): Array<{ bucket: number; username: string; upBytes: number; downBytes: number; upMaxBps: number; downMaxBps: number }> {
  const u = routerUserBuckets;
  return db
    .select({ bucket: u.bucket, username: u.username, upBytes: u.upBytes, downBytes: u.downBytes, upMaxBps: u.upMaxBps, downMaxBps: u.downMaxBps })
    .from(u)
    .where(and(eq(u.nasId, nasId), overlapping(u.bucket, range)))
    .orderBy(asc(u.bucket), asc(u.username))
    .all();
}

/** Rows one prune call deletes from each table at most: a long-overdue prune must not hold the group commit (and RADIUS behind it) for seconds. */
export const PRUNE_CHUNK = 5_000;

/**
 * Drops buckets past their keeping time (settings routers.bucketsKeepDays for the routers',
 * routers.userBucketsKeepDays for the customers', which are personal data), at most `chunk`
 * rows per table per call, oldest first by the `bucket` indexes. `more`: some are left, so call
 * again on a later tick.
 */
export function pruneRouterBuckets(db: Db, options: { now: number; keepDays: number; userKeepDays: number; chunk?: number }): { deleted: number; more: boolean } {
  const chunk = options.chunk ?? PRUNE_CHUNK;
  const before = options.now - options.keepDays * 86_400_000;
  const userBefore = options.now - options.userKeepDays * 86_400_000;
  // Rows picked by their primary key, not SQLite's rowid, which PostgreSQL has not got.
  const oldest = (table: typeof routerInterfaceBuckets | typeof routerHealthBuckets | typeof routerUserBuckets, key: AnyColumn[], limit: number) => {
    const columns = sql.join(key, sql`, `);
    return db.run(sql`DELETE FROM ${table} WHERE (${columns}) IN (SELECT ${columns} FROM ${table} WHERE ${table.bucket} < ${limit} ORDER BY ${table.bucket} LIMIT ${chunk})`).changes;
  };
  const i = routerInterfaceBuckets;
  const h = routerHealthBuckets;
  const u = routerUserBuckets;
  const counts = [oldest(i, [i.nasId, i.iface, i.bucket], before), oldest(h, [h.nasId, h.bucket], before), oldest(u, [u.nasId, u.bucket, u.username], userBefore)];
  return { deleted: counts.reduce((a, b) => a + b, 0), more: counts.some((n) => n >= chunk) };
}

import { and, asc, eq, gt, lt, lte, sql, type AnyColumn } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
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

/** Adds one poll to the buckets; run inside the caller's (group commit's) transaction. */
export function recordPollBuckets(db: Db, nasId: number, sample: PollSample): void {
  const bucket = bucketOf(sample.at);
  const h = sample.health;
  db.insert(routerHealthBuckets)
    .values({
      nasId,
      bucket,
      polls: 1,
      failures: h ? 0 : 1,
      cpuMax: h?.cpuLoad ?? 0,
      cpuSum: h?.cpuLoad ?? 0,
      memoryUsedMax: h?.memoryUsed ?? 0,
      memoryTotal: h?.memoryTotal ?? 0,
      uptimeSeconds: h?.uptimeSeconds ?? 0,
      hotspotUsersMax: h?.hotspotUsers ?? 0,
      pppUsersMax: h?.pppUsers ?? 0,
    })
    .onConflictDoUpdate({
      target: [routerHealthBuckets.nasId, routerHealthBuckets.bucket],
      set: {
        polls: sql`${routerHealthBuckets.polls} + 1`,
        failures: sql`${routerHealthBuckets.failures} + excluded.failures`,
        cpuMax: sql`max(${routerHealthBuckets.cpuMax}, excluded.cpu_max)`,
        cpuSum: sql`${routerHealthBuckets.cpuSum} + excluded.cpu_sum`,
        memoryUsedMax: sql`max(${routerHealthBuckets.memoryUsedMax}, excluded.memory_used_max)`,
        // A failed poll knows neither: it keeps what the bucket's good polls said.
        memoryTotal: sql`max(${routerHealthBuckets.memoryTotal}, excluded.memory_total)`,
        uptimeSeconds: sql`CASE WHEN excluded.failures = 0 THEN excluded.uptime_seconds ELSE ${routerHealthBuckets.uptimeSeconds} END`,
        hotspotUsersMax: sql`max(${routerHealthBuckets.hotspotUsersMax}, excluded.hotspot_users_max)`,
        pppUsersMax: sql`max(${routerHealthBuckets.pppUsersMax}, excluded.ppp_users_max)`,
      },
    })
    .run();
  for (const i of sample.interfaces) {
    db.insert(routerInterfaceBuckets)
      .values({ nasId, bucket, iface: i.iface, rxBytes: i.rxBytes, txBytes: i.txBytes, rxMaxBps: Math.round(i.rxBps), txMaxBps: Math.round(i.txBps) })
      .onConflictDoUpdate({
        target: [routerInterfaceBuckets.nasId, routerInterfaceBuckets.iface, routerInterfaceBuckets.bucket],
        set: {
          rxBytes: sql`${routerInterfaceBuckets.rxBytes} + excluded.rx_bytes`,
          txBytes: sql`${routerInterfaceBuckets.txBytes} + excluded.tx_bytes`,
          rxMaxBps: sql`max(${routerInterfaceBuckets.rxMaxBps}, excluded.rx_max_bps)`,
          txMaxBps: sql`max(${routerInterfaceBuckets.txMaxBps}, excluded.tx_max_bps)`,
        },
      })
      .run();
  }
  for (const u of sample.users) {
    db.insert(routerUserBuckets)
      .values({ nasId, bucket, username: u.username, upBytes: u.upBytes, downBytes: u.downBytes, upMaxBps: Math.round(u.upBps), downMaxBps: Math.round(u.downBps) })
      .onConflictDoUpdate({
        target: [routerUserBuckets.nasId, routerUserBuckets.bucket, routerUserBuckets.username],
        set: {
          upBytes: sql`${routerUserBuckets.upBytes} + excluded.up_bytes`,
          downBytes: sql`${routerUserBuckets.downBytes} + excluded.down_bytes`,
          upMaxBps: sql`max(${routerUserBuckets.upMaxBps}, excluded.up_max_bps)`,
          downMaxBps: sql`max(${routerUserBuckets.downMaxBps}, excluded.down_max_bps)`,
        },
      })
      .run();
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

/**
 * Drops buckets past their keeping time (settings routers.bucketsKeepDays for the routers',
 * routers.userBucketsKeepDays for the customers', which are personal data). Returns rows deleted.
 */
export function pruneRouterBuckets(db: Db, options: { now: number; keepDays: number; userKeepDays: number }): number {
  const before = options.now - options.keepDays * 86_400_000;
  const userBefore = options.now - options.userKeepDays * 86_400_000;
  return (
    db.delete(routerInterfaceBuckets).where(lt(routerInterfaceBuckets.bucket, before)).run().changes +
    db.delete(routerHealthBuckets).where(lt(routerHealthBuckets.bucket, before)).run().changes +
    db.delete(routerUserBuckets).where(lt(routerUserBuckets.bucket, userBefore)).run().changes
  );
}

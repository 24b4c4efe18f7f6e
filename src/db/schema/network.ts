import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { nas } from './aaa.js';

// The RouterOS API side of a router (issue 10). One row per NAS that Lango may also reach over
// the API: the NAS table keeps what RADIUS needs (address, secret), this keeps how to log in to
// the router and what Lango last learned from it. A side table, not columns on `nas`, because
// the poller writes what it learns here and every `nas` update reloads the RADIUS directory.

export const routerApi = sqliteTable('router_api', {
  nasId: integer('nas_id')
    .primaryKey()
    .references(() => nas.id),
  /** Address of the API service (often a tunnel address, not the RADIUS source IP). */
  host: text('host').notNull(),
  /** 8728 plain, 8729 TLS (api-ssl). */
  port: integer('port').notNull().default(8728),
  tls: integer('tls', { mode: 'boolean' }).notNull().default(false),
  username: text('username').notNull(),
  /** Sealed with the key file (crypto/secret-box.ts); never stored or logged in clear. */
  passwordSealed: text('password_sealed').notNull(),
  site: text('site'),
  model: text('model'),
  /** Polled for live monitoring; off = provisioning and actions only. */
  monitor: integer('monitor', { mode: 'boolean' }).notNull().default(true),
  /** Learned from /system/resource at each successful contact. */
  routerosVersion: text('routeros_version'),
  boardName: text('board_name'),
  lastContactAt: integer('last_contact_at'),
  /** The last failure: a RouterOsErrorKind (timeout, refused, auth, trap …), cleared by a success. */
  lastErrorKind: text('last_error_kind'),
  /** The router's own words for a trap, or the system's for a network error; never a password. */
  lastErrorDetail: text('last_error_detail'),
  lastErrorAt: integer('last_error_at'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Throughput per router interface in 5-minute buckets (bucket = start, ms, aligned to 300 000). */
export const routerInterfaceBuckets = sqliteTable(
  'router_interface_buckets',
  {
    nasId: integer('nas_id').notNull(),
    bucket: integer('bucket').notNull(),
    iface: text('iface').notNull(),
    /** Bytes the interface received / sent in the bucket (counter deltas, resets skipped). */
    rxBytes: integer('rx_bytes').notNull().default(0),
    txBytes: integer('tx_bytes').notNull().default(0),
    /** Highest polled rate in the bucket, bits per second. */
    rxMaxBps: integer('rx_max_bps').notNull().default(0),
    txMaxBps: integer('tx_max_bps').notNull().default(0),
  },
  // By bucket alone too: the daily prune deletes old buckets of every router.
  (t) => [primaryKey({ columns: [t.nasId, t.iface, t.bucket] }), index('router_interface_buckets_by_bucket').on(t.bucket)],
);

/** Router health in 5-minute buckets: reachability, CPU, memory, active users. */
export const routerHealthBuckets = sqliteTable(
  'router_health_buckets',
  {
    nasId: integer('nas_id').notNull(),
    bucket: integer('bucket').notNull(),
    polls: integer('polls').notNull().default(0),
    failures: integer('failures').notNull().default(0),
    cpuMax: integer('cpu_max').notNull().default(0),
    cpuSum: integer('cpu_sum').notNull().default(0),
    memoryUsedMax: integer('memory_used_max').notNull().default(0),
    memoryTotal: integer('memory_total').notNull().default(0),
    uptimeSeconds: integer('uptime_seconds').notNull().default(0),
    hotspotUsersMax: integer('hotspot_users_max').notNull().default(0),
    pppUsersMax: integer('ppp_users_max').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.nasId, t.bucket] }), index('router_health_buckets_by_bucket').on(t.bucket)],
);

/** Per-customer traffic as the router counts it (hotspot active, PPP simple queues), 5-minute buckets. */
export const routerUserBuckets = sqliteTable(
  'router_user_buckets',
  {
    nasId: integer('nas_id').notNull(),
    bucket: integer('bucket').notNull(),
    username: text('username').notNull(),
    /** Customer upload / download in the bucket (the router's in/out turned to the customer's view). */
    upBytes: integer('up_bytes').notNull().default(0),
    downBytes: integer('down_bytes').notNull().default(0),
    upMaxBps: integer('up_max_bps').notNull().default(0),
    downMaxBps: integer('down_max_bps').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.nasId, t.bucket, t.username] }),
    index('router_user_buckets_by_user').on(t.username, t.bucket),
    index('router_user_buckets_by_bucket').on(t.bucket),
  ],
);

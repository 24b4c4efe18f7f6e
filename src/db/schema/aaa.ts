import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers } from './billing.js';

export type MessageAuthenticatorPolicy = 'yes' | 'no' | 'auto';

/** A RADIUS client (router). Matched by the packet's source IP, never by NAS-IP-Address. */
export const nas = sqliteTable('nas', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  ip: text('ip').notNull().unique(),
  /** Shared secret, sealed with the key file (crypto/secret-box.ts); never stored in clear. */
  secretSealed: text('secret_sealed').notNull(),
  requireMessageAuthenticator: text('require_message_authenticator')
    .$type<MessageAuthenticatorPolicy>()
    .notNull()
    .default('auto'),
  /** Set the first time this NAS sent a valid Message-Authenticator: `auto` then means required, across restarts. */
  messageAuthenticatorSeenAt: integer('message_authenticator_seen_at'),
  createdAt: integer('created_at').notNull(),
});

/**
 * One row per (NAS, Acct-Session-Id, User-Name). Counters are the session's cumulative totals
 * (Gigawords folded in); upserts keep the larger value so a late or repeated packet never
 * lowers them. Times are UTC milliseconds.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    nasId: integer('nas_id')
      .notNull()
      .references(() => nas.id),
    acctSessionId: text('acct_session_id').notNull(),
    username: text('username').notNull(),
    startedAt: integer('started_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    stoppedAt: integer('stopped_at'),
    sessionTime: integer('session_time').notNull().default(0),
    inputOctets: integer('input_octets').notNull().default(0),
    outputOctets: integer('output_octets').notNull().default(0),
    inputPackets: integer('input_packets').notNull().default(0),
    outputPackets: integer('output_packets').notNull().default(0),
    framedIp: text('framed_ip'),
    callingStationId: text('calling_station_id'),
    calledStationId: text('called_station_id'),
    nasPortId: text('nas_port_id'),
    terminateCause: text('terminate_cause'),
    /** The customer and plan period this session's usage counts into (null: unknown user). */
    customerId: integer('customer_id'),
    periodStart: integer('period_start'),
  },
  (t) => [
    index('sessions_open_by_customer').on(t.customerId).where(sql`stopped_at IS NULL`),
    uniqueIndex('sessions_nas_session_user').on(t.nasId, t.acctSessionId, t.username),
    index('sessions_open_by_user').on(t.username).where(sql`stopped_at IS NULL`),
    index('sessions_open_by_nas').on(t.nasId).where(sql`stopped_at IS NULL`),
    index('sessions_started').on(t.startedAt),
    // A customer's or a username's session history, newest first (staff screens).
    index('sessions_by_customer').on(t.customerId, t.startedAt),
    index('sessions_by_user').on(t.username, t.startedAt),
  ],
);

export type EnforcementKind = 'coa' | 'disconnect';
export type EnforcementStatus = 'pending' | 'ack' | 'nak' | 'timeout' | 'failed';

/**
 * CoA and Disconnect requests to send to routers, written in the same transaction as the
 * accounting or operator action that called for them, drained by the daemon's enforcement
 * worker, with the router's answer recorded. The CLI and web enqueue here too.
 */
export const enforcementActions = sqliteTable(
  'enforcement_actions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sessionId: integer('session_id')
      .notNull()
      .references(() => sessions.id),
    kind: text('kind').$type<EnforcementKind>().notNull(),
    /** Why, in words: 'fup tier 2', 'data used up', 'operator', … */
    reason: text('reason').notNull(),
    /** For CoA: the new Mikrotik-Rate-Limit. */
    rateLimit: text('rate_limit'),
    status: text('status').$type<EnforcementStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    errorCause: text('error_cause'),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('enforcement_pending').on(t.status, t.id), index('enforcement_by_session').on(t.sessionId)],
);

export type NotificationKind =
  | 'data_80' | 'data_100' | 'time_100' | 'expiry_24h'
  | 'invoice_issued' | 'due_soon' | 'due_today' | 'overdue' | 'suspended' | 'reactivated'
  | 'renewed' | 'renewal_failed' | 'payment_received'
  /** A mobile-money request the customer cancelled, or that failed or expired: they are told why and how to retry. */
  | 'payment_failed'
  /** Login details for a voucher bought on the captive portal or given by an agent; ref 'voucher:<code>:<password mode>'. */
  | 'credentials';

/**
 * Events AAA and billing raise for the messaging issue to deliver (SMS); stored once per
 * customer, kind, period and subject, in the same transaction as what caused them.
 */
export const notificationEvents = sqliteTable(
  'notification_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    kind: text('kind').$type<NotificationKind>().notNull(),
    periodStart: integer('period_start').notNull(),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
    /** What the event is about beyond the period, e.g. 'invoice:INV-2026-000123'. */
    ref: text('ref').notNull().default(''),
  },
  (t) => [
    uniqueIndex('notification_once').on(t.customerId, t.kind, t.periodStart, t.ref),
    // The dispatcher reads only events not yet handed over: a small index however long the history.
    index('notification_undelivered').on(t.id).where(sql`${t.deliveredAt} IS NULL`),
  ],
);


/**
 * Traffic per day and router, added up by the accounting writer from each packet's counter
 * deltas (one upsert per day and router per group commit, not per packet): charts and reports
 * read days, never the sessions table. `day` is the operator's calendar day, 'YYYY-MM-DD'.
 */
export const usageDaily = sqliteTable(
  'usage_daily',
  {
    day: text('day').notNull(),
    nasId: integer('nas_id').notNull(),
    bytesDown: integer('bytes_down').notNull().default(0),
    bytesUp: integer('bytes_up').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.nasId] })],
);

/** Who was online on a day (a customer id, or 'u:' + username for unknown users): counted, never listed. */
export const usageUserDays = sqliteTable(
  'usage_user_days',
  {
    day: text('day').notNull(),
    user: text('user').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.user] })],
);

/**
 * Traffic per customer and day (the operator's calendar day), added up by the accounting
 * writer like usage_daily: the portal's 30-day chart reads 30 rows, and a PPPoE session that
 * runs for weeks is split across the days its bytes actually moved.
 */
export const usageCustomerDays = sqliteTable(
  'usage_customer_days',
  {
    customerId: integer('customer_id').notNull(),
    day: text('day').notNull(),
    bytesDown: integer('bytes_down').notNull().default(0),
    bytesUp: integer('bytes_up').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.day] })],
);

/** What an Access-Request got: let in, refused, or not answered at all (unknown router, bad signature). */
export type DecisionResult = 'accept' | 'reject' | 'ignored';

/**
 * The decision trace: one row per Access-Request decision, written off the RADIUS path in the
 * accounting group commit (src/aaa/decisions.ts), kept for a bounded number of days and rows.
 * `reason` is a code with staff words in the i18n catalogue (`trace.reason.*`): finer than the
 * customer's Reply-Message, which never tells an unknown user from a wrong password. No
 * foreign keys: a deleted router or an erased customer leaves its history readable.
 */
export const authDecisions = sqliteTable(
  'auth_decisions',
  {
    id: integer('id').primaryKey(),
    at: integer('at').notNull(),
    /** The router, or null when the packet came from an address that is no router of ours. */
    nasId: integer('nas_id'),
    nasIp: text('nas_ip').notNull(),
    username: text('username').notNull(),
    /** Calling-Station-Id as a normalised MAC (aa:bb:cc:dd:ee:ff), when it is one. */
    mac: text('mac'),
    customerId: integer('customer_id'),
    result: text('result').$type<DecisionResult>().notNull(),
    reason: text('reason').notNull(),
    /** JSON object of the values the reason's words need (an expiry time, a session and its router …). */
    detail: text('detail'),
    /** The reply attributes sent, as 'Name=value' joined by '; ' (never a password or a secret). */
    reply: text('reply'),
  },
  (t) => [
    index('auth_decisions_by_customer').on(t.customerId, t.id),
    index('auth_decisions_by_user').on(t.username, t.id),
    index('auth_decisions_by_mac').on(t.mac, t.id).where(sql`mac IS NOT NULL`),
  ],
);

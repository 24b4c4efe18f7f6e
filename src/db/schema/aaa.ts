import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
  },
  (t) => [
    uniqueIndex('sessions_nas_session_user').on(t.nasId, t.acctSessionId, t.username),
    index('sessions_open_by_user').on(t.username).where(sql`stopped_at IS NULL`),
    index('sessions_open_by_nas').on(t.nasId).where(sql`stopped_at IS NULL`),
    index('sessions_started').on(t.startedAt),
  ],
);

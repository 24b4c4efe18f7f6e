import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { StaffRole } from './staff.js';

/**
 * A key another system (an accounting package, a CRM, a reseller's shop) uses for /api/v1.
 * It acts with a staff role's permissions, so the one permission table covers the API too.
 * Only the token's SHA-256 is kept: it is 32 random bytes, so a slow hash adds nothing, and
 * every API call must look it up fast.
 */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    role: text('role').$type<StaffRole>().notNull(),
    tokenHash: text('token_hash').notNull(),
    /** The token's last four characters, shown in lists so staff can tell tokens apart. */
    hint: text('hint').notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    /** Refused after this moment (ms); null = no expiry. */
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
    revokedBy: text('revoked_by'),
  },
  (t) => [uniqueIndex('api_tokens_hash').on(t.tokenHash)],
);

export type WebhookEventType =
  | 'payment.received'
  | 'customer.created'
  | 'customer.suspended'
  | 'customer.reactivated'
  | 'customer.terminated'
  | 'subscription.renewed'
  | 'subscription.expired';

/** Where to POST events: the receiving URL and the secret that signs each delivery. */
export const webhookEndpoints = sqliteTable('webhook_endpoints', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  url: text('url').notNull(),
  /** Signing secret, sealed by the secret box (it must be read back to sign). */
  secretSealed: text('secret_sealed').notNull(),
  /** Event types sent here (JSON array); ['*'] = all. */
  events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  description: text('description'),
  createdAt: integer('created_at').notNull(),
  createdBy: text('created_by').notNull(),
});

/**
 * An event, written in the same transaction as the change it reports (an outbox): a payment
 * that commits always has its event, one that rolls back never does.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    type: text('type').$type<WebhookEventType>().notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('webhook_events_by_time').on(t.createdAt)],
);

export type WebhookDeliveryStatus = 'queued' | 'delivered' | 'failed';

/** One event to one endpoint: retried with backoff until delivered or given up. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventId: integer('event_id')
      .notNull()
      .references(() => webhookEvents.id),
    endpointId: integer('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id),
    status: text('status').$type<WebhookDeliveryStatus>().notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_once').on(t.eventId, t.endpointId),
    index('webhook_deliveries_due').on(t.nextAttemptAt, t.id).where(sql`${t.status} = 'queued'`),
    index('webhook_deliveries_by_endpoint').on(t.endpointId, t.id),
  ],
);

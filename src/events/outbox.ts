import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { preparedPer, sqliteOf } from '../db/prepared.js';
import { customers } from '../db/schema/billing.js';
import { changeCounters } from '../db/schema/change-counters.js';
import { webhookDeliveries, webhookEndpoints, webhookEvents, type WebhookEventType } from '../db/schema/integrations.js';

// The event outbox: a domain change and the event that reports it commit together, in the
// caller's transaction, with one delivery row per endpoint that wants it. Delivery happens
// later, outside the transaction (src/integrations/webhook-sender.ts), so a slow or dead
// receiver never holds a write lock or a RADIUS reply.

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  'payment.received',
  'customer.created',
  'customer.suspended',
  'customer.reactivated',
  'customer.terminated',
  'subscription.renewed',
  'subscription.expired',
];

/** What staff send from the page to check an endpoint: delivered to that one endpoint only. */
export const TEST_EVENT_TYPE = 'webhook.test';

export type EventData = Record<string, unknown>;

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * The counter in change_counters that endpoint writes bump (no trigger covers the table, so
 * every write goes through src/integrations/webhooks.ts, which calls endpointsChanged in the
 * same transaction).
 */
const COUNTER = 'webhook_endpoints';

interface Listener {
  id: number;
  all: boolean;
  types: ReadonlySet<string>;
}

const statements = preparedPer((db) => ({
  version: db.select({ version: changeCounters.version }).from(changeCounters).where(eq(changeCounters.name, COUNTER)).prepare(),
  username: db.select({ username: customers.username, kind: customers.kind }).from(customers).where(eq(customers.id, sql.placeholder('id'))).prepare(),
}));

// Per connection: the active endpoints as of a counter value. A payment or a billing run
// reads one row (the counter) per event, and nothing more when no endpoint is configured.
const listenersByConnection = new WeakMap<object, { version: number; listeners: Listener[] }>();

function listeners(db: Db): Listener[] {
  const version = statements(db).version.get()?.version ?? 0;
  const connection = sqliteOf(db);
  const cached = listenersByConnection.get(connection);
  if (cached && cached.version === version) return cached.listeners;
  const rows = db.select({ id: webhookEndpoints.id, events: webhookEndpoints.events }).from(webhookEndpoints).where(eq(webhookEndpoints.active, true)).all();
  const loaded = rows.map((r) => ({ id: r.id, all: r.events.includes('*'), types: new Set(r.events) }));
  listenersByConnection.set(connection, { version, listeners: loaded });
  return loaded;
}

/** Call in the transaction that adds, changes or removes an endpoint: every process reloads its list. */
export function endpointsChanged(db: Db): void {
  db.insert(changeCounters)
    .values({ name: COUNTER, version: 1 })
    .onConflictDoUpdate({ target: changeCounters.name, set: { version: sql`${changeCounters.version} + 1` } })
    .run();
}

/**
 * Records an event in the caller's transaction and queues it for every active endpoint that
 * subscribed to its type. `data` may be a function: it is called only when someone listens,
 * so a billing run renewing thousands of lines builds no payloads when no endpoint exists.
 * Answers the event's id, or null when nobody listens (then nothing is written).
 */
export function recordEvent(db: Db, type: WebhookEventType, data: EventData | (() => EventData), now: number): number | null {
  const targets = listeners(db).filter((l) => l.all || l.types.has(type));
  if (targets.length === 0) return null;
  return insertEvent(db, type, typeof data === 'function' ? data() : data, now, targets.map((l) => l.id));
}

/** A test event for one endpoint, whatever it subscribed to (staff's "send a test event"). */
export function recordTestEvent(db: Db, endpointId: number, data: EventData, now: number): number {
  return insertEvent(db, TEST_EVENT_TYPE as WebhookEventType, data, now, [endpointId]);
}

function insertEvent(db: Db, type: WebhookEventType, data: EventData, now: number, endpointIds: number[]): number {
  const { id } = db.insert(webhookEvents).values({ type, payload: data, createdAt: now }).returning({ id: webhookEvents.id }).get();
  db.insert(webhookDeliveries)
    .values(endpointIds.map((endpointId) => ({ eventId: id, endpointId, nextAttemptAt: now })))
    .run();
  return id;
}

/** The JSON body every delivery of an event carries: the same bytes on every retry. */
export interface EventEnvelope {
  id: string;
  type: string;
  createdAt: string;
  data: EventData;
}

export function eventEnvelope(event: { id: number; type: string; createdAt: number; payload: EventData }): EventEnvelope {
  return { id: eventMessageId(event.id), type: event.type, createdAt: new Date(event.createdAt).toISOString(), data: event.payload };
}

/** The id receivers de-duplicate on (webhook-id and the body's id): one per event. */
export function eventMessageId(eventId: number): string {
  return `evt_${eventId}`;
}

/**
 * The customer an event is about, by the names receivers know them by. A voucher's username is
 * its code, a working login: it never leaves Lango (`voucher: true` says why it is null).
 */
export function customerRef(db: Db, customerId: number): { customerId: number; username: string | null; voucher?: true } {
  const row = statements(db).username.get({ id: customerId });
  if (row?.kind === 'voucher') return { customerId, username: null, voucher: true };
  return { customerId, username: row?.username ?? null };
}

/**
 * For erasure (src/privacy): blanks the username in the events kept about a customer, so the
 * outbox keeps no name an erased customer had. Undelivered ones go out without it. Scans the
 * events table, which the webhook sender prunes to 30 days.
 */
export function forgetCustomerInEvents(db: Db, customerId: number): number {
  return db.run(sql`UPDATE webhook_events SET payload = json_set(payload, '$.username', NULL) WHERE json_extract(payload, '$.customerId') = ${customerId} AND json_extract(payload, '$.username') IS NOT NULL`).changes;
}

import { randomBytes } from 'node:crypto';
import { and, count, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { webhookDeliveries, webhookEndpoints, webhookEvents, type WebhookDeliveryStatus } from '../db/schema/integrations.js';
import { LangoError } from '../errors.js';
import { endpointsChanged, isWebhookEventType, recordTestEvent, WEBHOOK_EVENT_TYPES } from '../events/outbox.js';
import { recordAudit } from '../staff/audit.js';

// Webhook endpoints and their deliveries: every write here bumps the endpoints' counter in the
// same transaction, so the outbox (src/events/outbox.ts) in every process sees the change on
// its next event.

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
/** What lists show: never the sealed secret. */
export type WebhookEndpoint = Omit<WebhookEndpointRow, 'secretSealed'>;

const endpoint = ({ secretSealed: _sealed, ...rest }: WebhookEndpointRow): WebhookEndpoint => rest;

/** Standard Webhooks secrets: 'whsec_' and the base64 of the signing key. */
export const SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** The receiving URL if it is an absolute http(s) address, else undefined. */
export function webhookUrl(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length > 2000) return undefined;
  try {
    const url = new URL(trimmed);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The event types given, checked; '*' (all) stands alone. */
export function webhookEventList(types: readonly string[]): string[] | undefined {
  const unique = [...new Set(types.map((t) => t.trim()).filter((t) => t !== ''))];
  if (unique.length === 0) return undefined;
  if (unique.includes('*')) return ['*'];
  return unique.every(isWebhookEventType) ? unique : undefined;
}

export interface NewWebhookEndpoint {
  url: string;
  events: readonly string[];
  description?: string | undefined;
  actor: string;
  now: number;
}

/** Adds an endpoint and answers its signing secret in the clear, this once; audited. */
export function createWebhookEndpoint(db: Db, box: SecretBox, input: NewWebhookEndpoint): { secret: string; endpoint: WebhookEndpoint } {
  const url = webhookUrl(input.url);
  if (!url) throw new LangoError('INPUT_BAD_CHOICE', { value: input.url, option: 'url', allowed: 'an http:// or https:// address' });
  const events = webhookEventList(input.events);
  if (!events) throw new LangoError('INPUT_BAD_CHOICE', { value: input.events.join(','), option: 'events', allowed: ['*', ...WEBHOOK_EVENT_TYPES].join(', ') });
  const description = input.description?.trim().slice(0, 200) || null;
  const secret = newWebhookSecret();
  const secretSealed = box.seal(secret);
  return db.transaction((tx) => {
    const d = tx as Db;
    const row = d.insert(webhookEndpoints).values({ url, secretSealed, events, description, active: true, createdAt: input.now, createdBy: input.actor }).returning().get();
    endpointsChanged(d);
    // The URL may carry a receiver's token in its query: the audit keeps the origin and path only.
    recordAudit(d, input.actor, 'webhook.create', `webhook:${row.id}`, { url: auditUrl(url), events }, input.now);
    return { secret, endpoint: endpoint(row) };
  }, { behavior: 'immediate' });
}

function auditUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

export function listWebhookEndpoints(db: Db): WebhookEndpoint[] {
  return db.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.id)).all().map(endpoint);
}

export function findWebhookEndpoint(db: Db, id: number): WebhookEndpoint | undefined {
  const row = db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
  return row && endpoint(row);
}

function mustFind(db: Db, id: number): WebhookEndpoint {
  const found = findWebhookEndpoint(db, id);
  if (!found) throw new LangoError('INPUT_BAD_CHOICE', { value: String(id), option: 'id', allowed: 'the id of a webhook endpoint' });
  return found;
}

/**
 * Turns an endpoint on or off. Off, what was still waiting for it is given up ('failed', so
 * staff can send it again with "retry now" after turning it back on).
 */
export function setWebhookEndpointActive(db: Db, input: { id: number; active: boolean; actor: string; now: number }): WebhookEndpoint {
  return db.transaction((tx) => {
    const d = tx as Db;
    const found = mustFind(d, input.id);
    if (found.active === input.active) return found;
    const row = d.update(webhookEndpoints).set({ active: input.active }).where(eq(webhookEndpoints.id, input.id)).returning().get()!;
    if (!input.active) {
      d.update(webhookDeliveries)
        .set({ status: 'failed', lastError: 'endpoint turned off' })
        .where(and(eq(webhookDeliveries.endpointId, input.id), eq(webhookDeliveries.status, 'queued')))
        .run();
    }
    endpointsChanged(d);
    recordAudit(d, input.actor, input.active ? 'webhook.enable' : 'webhook.disable', `webhook:${input.id}`, { url: auditUrl(found.url) }, input.now);
    return endpoint(row);
  }, { behavior: 'immediate' });
}

/** Removes an endpoint and its delivery history (the events stay). */
export function deleteWebhookEndpoint(db: Db, input: { id: number; actor: string; now: number }): WebhookEndpoint {
  return db.transaction((tx) => {
    const d = tx as Db;
    const found = mustFind(d, input.id);
    d.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, input.id)).run();
    d.delete(webhookEndpoints).where(eq(webhookEndpoints.id, input.id)).run();
    endpointsChanged(d);
    recordAudit(d, input.actor, 'webhook.delete', `webhook:${input.id}`, { url: auditUrl(found.url) }, input.now);
    return found;
  }, { behavior: 'immediate' });
}

/** Queues a 'webhook.test' event for one endpoint (active or not: staff are checking it). */
export function sendTestWebhook(db: Db, input: { id: number; actor: string; now: number }): { eventId: number } {
  return db.transaction((tx) => {
    const d = tx as Db;
    mustFind(d, input.id);
    const eventId = recordTestEvent(d, input.id, { message: 'A test event from Lango.', sentBy: input.actor }, input.now);
    recordAudit(d, input.actor, 'webhook.test', `webhook:${input.id}`, { eventId }, input.now);
    return { eventId };
  }, { behavior: 'immediate' });
}

export interface DeliveryView {
  id: number;
  endpointId: number;
  eventId: number;
  type: string;
  createdAt: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: number | null;
}

/** The newest deliveries, of one endpoint or all, newest first; `before` pages on by id. */
export function listWebhookDeliveries(db: Db, options: { endpointId?: number; before?: number; limit?: number } = {}): DeliveryView[] {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  return db
    .select({
      id: webhookDeliveries.id,
      endpointId: webhookDeliveries.endpointId,
      eventId: webhookDeliveries.eventId,
      type: webhookEvents.type,
      createdAt: webhookEvents.createdAt,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      lastStatusCode: webhookDeliveries.lastStatusCode,
      lastError: webhookDeliveries.lastError,
      deliveredAt: webhookDeliveries.deliveredAt,
    })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(options.endpointId === undefined ? undefined : eq(webhookDeliveries.endpointId, options.endpointId), options.before === undefined ? undefined : lt(webhookDeliveries.id, options.before)))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit)
    .all();
}

/**
 * A failed delivery goes back in the queue for one more try now (its attempts are kept, so
 * a second failure gives it up again at once). Answers false when it was not failed.
 */
export function retryWebhookDelivery(db: Db, input: { id: number; actor: string; now: number }): boolean {
  return db.transaction((tx) => {
    const d = tx as Db;
    const changed = d
      .update(webhookDeliveries)
      .set({ status: 'queued', nextAttemptAt: input.now })
      .where(and(eq(webhookDeliveries.id, input.id), eq(webhookDeliveries.status, 'failed')))
      .run().changes;
    if (changed === 0) return false;
    recordAudit(d, input.actor, 'webhook.retry', `webhook-delivery:${input.id}`, {}, input.now);
    return true;
  }, { behavior: 'immediate' });
}

/**
 * For /metrics: deliveries waiting (through the partial index of queued rows) and given up
 * (a scan of the deliveries table: delivered rows are never pruned yet, so this grows with it).
 */
export function webhookBacklog(db: Db): { queued: number; failed: number } {
  const of = (status: WebhookDeliveryStatus) => db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.status, status)).get()?.n ?? 0;
  return { queued: of('queued'), failed: of('failed') };
}

/** How long sent and given-up deliveries (and their events) stay on the page. */
export const KEEP_HISTORY_DAYS = 30;

/**
 * Forgets deliveries that finished more than `keepDays` ago by their event's time, then the
 * events left with no delivery, `batch` rows at a time so no statement holds the write lock
 * for long. Deliveries still queued are kept. Answers how many events went.
 */
export function pruneWebhookHistory(db: Db, input: { now: number; keepDays?: number; batch?: number }): number {
  const before = input.now - (input.keepDays ?? KEEP_HISTORY_DAYS) * 86_400_000;
  const batch = input.batch ?? 1_000;
  return db.transaction((tx) => {
    const d = tx as Db;
    d.run(sql`DELETE FROM webhook_deliveries WHERE status != 'queued' AND event_id IN (SELECT id FROM webhook_events WHERE created_at < ${before} ORDER BY created_at LIMIT ${batch})`);
    return d.run(sql`DELETE FROM webhook_events WHERE id IN (SELECT e.id FROM webhook_events e WHERE e.created_at < ${before} AND NOT EXISTS (SELECT 1 FROM webhook_deliveries w WHERE w.event_id = e.id) ORDER BY e.created_at LIMIT ${batch})`).changes;
  }, { behavior: 'immediate' });
}

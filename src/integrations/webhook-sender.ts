import { createHmac } from 'node:crypto';
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { webhookDeliveries, webhookEndpoints, webhookEvents } from '../db/schema/integrations.js';
import { eventEnvelope, eventMessageId, TEST_EVENT_TYPE } from '../events/outbox.js';
import { pruneWebhookHistory, SECRET_PREFIX } from './webhooks.js';

// Delivers the outbox's webhook rows after commit: signed POSTs (Standard Webhooks), a few at
// a time, each cut off after a timeout, retried with back-off for about a day. It runs on the
// daemon's event loop but only awaits the network, so RADIUS never waits for a receiver.

/** Waits after the 1st, 2nd, … failed attempt; after the last one the delivery is given up (~25 h in all). */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000, 21_600_000, 21_600_000, 21_600_000, 21_600_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** The Standard Webhooks signature header value for one message. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export interface DrainResult {
  delivered: number;
  retried: number;
  failed: number;
}

export interface WebhookSender {
  /** Drains now and every `pollMs` (events the CLI recorded, retries that fell due). */
  start(): void;
  /** Stops polling and waits for the POSTs in flight to be recorded. */
  stop(): Promise<void>;
  /** Drain soon; coalesces with a drain in progress. */
  kick(): void;
  drainOnce(): Promise<DrainResult>;
}

export interface WebhookSenderOptions {
  db: Db;
  box: SecretBox;
  logger: Logger;
  now?: () => number;
  fetch?: typeof fetch;
  pollMs?: number;
  timeoutMs?: number;
  /** POSTs at once, at most. */
  inFlight?: number;
  /** Deliveries claimed per round trip to the database. */
  batchSize?: number;
}

interface Claimed {
  id: number;
  attempts: number;
  endpointId: number;
  url: string;
  secretSealed: string;
  active: boolean;
  event: { id: number; type: string; createdAt: number; payload: Record<string, unknown> };
}

type Outcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string; final?: boolean };

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { db, box, logger } = options;
  const now = options.now ?? Date.now;
  const post = options.fetch ?? fetch;
  const pollMs = options.pollMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const inFlight = Math.max(1, options.inFlight ?? 4);
  const batchSize = Math.max(1, options.batchSize ?? 20);
  // A claimed delivery is moved this far into the future, so a crash mid-POST only delays it.
  const leaseMs = timeoutMs + 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<DrainResult> | undefined;
  let again = false;
  let stopped = false;

  function claim(at: number): Claimed[] {
    return db.transaction((tx) => {
      const d = tx as Db;
      const rows = d
        .select({
          id: webhookDeliveries.id,
          attempts: webhookDeliveries.attempts,
          endpointId: webhookDeliveries.endpointId,
          url: webhookEndpoints.url,
          secretSealed: webhookEndpoints.secretSealed,
          active: webhookEndpoints.active,
          eventId: webhookEvents.id,
          type: webhookEvents.type,
          createdAt: webhookEvents.createdAt,
          payload: webhookEvents.payload,
        })
        .from(webhookDeliveries)
        .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .where(and(eq(webhookDeliveries.status, 'queued'), lte(webhookDeliveries.nextAttemptAt, at)))
        .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id))
        .limit(batchSize)
        .all();
      if (rows.length === 0) return [];
      d.update(webhookDeliveries)
        .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, nextAttemptAt: at + leaseMs })
        .where(inArray(webhookDeliveries.id, rows.map((r) => r.id)))
        .run();
      return rows.map((r) => ({
        id: r.id,
        attempts: r.attempts + 1,
        endpointId: r.endpointId,
        url: r.url,
        secretSealed: r.secretSealed,
        active: r.active,
        event: { id: r.eventId, type: r.type, createdAt: r.createdAt, payload: r.payload },
      }));
    }, { behavior: 'immediate' });
  }

  async function deliver(delivery: Claimed): Promise<Outcome> {
    // A test event reaches a turned-off endpoint too: staff send it to check the receiver.
    if (!delivery.active && delivery.event.type !== TEST_EVENT_TYPE) return { ok: false, statusCode: null, error: 'endpoint turned off', final: true };
    let secret: string;
    try {
      secret = box.open(delivery.secretSealed);
    } catch (err) {
      return { ok: false, statusCode: null, error: (err as Error).message, final: true };
    }
    const id = eventMessageId(delivery.event.id);
    const body = JSON.stringify(eventEnvelope(delivery.event));
    const timestamp = Math.floor(now() / 1000);
    try {
      const response = await post(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Lango-Webhooks/1',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(secret, id, timestamp, body),
        },
        body,
        // A redirect is an answer, not a delivery: following it could send the event elsewhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Only the status matters; the body is dropped unread.
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? { ok: true, statusCode: response.status } : { ok: false, statusCode: response.status, error: `HTTP ${response.status}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { ok: false, statusCode: null, error: String(reason).slice(0, 200) };
    }
  }

  function record(delivery: Claimed, outcome: Outcome, at: number): keyof DrainResult {
    // Only while still queued: staff turning the endpoint off (or deleting it) mid-send has the last word.
    const where = and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, 'queued'));
    if (outcome.ok) {
      db.update(webhookDeliveries).set({ status: 'delivered', deliveredAt: at, lastStatusCode: outcome.statusCode, lastError: null }).where(where).run();
      return 'delivered';
    }
    const giveUp = outcome.final === true || delivery.attempts >= MAX_ATTEMPTS;
    db.update(webhookDeliveries)
      .set({ status: giveUp ? 'failed' : 'queued', lastStatusCode: outcome.statusCode, lastError: outcome.error, nextAttemptAt: giveUp ? at : at + RETRY_DELAYS_MS[Math.min(delivery.attempts, RETRY_DELAYS_MS.length) - 1]! })
      .where(where)
      .run();
    if (giveUp) logger.warn({ delivery: delivery.id, endpoint: delivery.endpointId, attempts: delivery.attempts, error: outcome.error }, 'webhook delivery given up');
    return giveUp ? 'failed' : 'retried';
  }

  let prunedAt = 0;
  async function drain(): Promise<DrainResult> {
    const total: DrainResult = { delivered: 0, retried: 0, failed: 0 };
    // Old history goes once an hour, one small batch: the table never grows without end.
    if (now() - prunedAt >= 3_600_000) {
      prunedAt = now();
      pruneWebhookHistory(db, { now: prunedAt });
    }
    while (!stopped) {
      const batch = claim(now());
      if (batch.length === 0) break;
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const delivery = batch[next++]!;
          const outcome = await deliver(delivery);
          total[record(delivery, outcome, now())] += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(inFlight, batch.length) }, worker));
    }
    if (total.delivered + total.retried + total.failed > 0) logger.info({ ...total }, 'webhook drain');
    return total;
  }

  function drainOnce(): Promise<DrainResult> {
    if (running) return running.catch(() => undefined).then(() => drainOnce());
    const current = drain().finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    void drainOnce()
      .catch((err: unknown) => logger.error({ err }, 'webhook drain failed; will retry'))
      .finally(() => {
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    start() {
      stopped = false;
      kick();
      timer = setInterval(kick, pollMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
    kick,
    drainOnce,
  };
}

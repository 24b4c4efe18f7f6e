import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection, type Db } from '../db/connection.js';
import { webhookDeliveries, webhookEvents } from '../db/schema/integrations.js';
import { recordEvent } from '../events/outbox.js';
import { createWebhookSender, MAX_ATTEMPTS, RETRY_DELAYS_MS } from './webhook-sender.js';
import { createWebhookEndpoint, pruneWebhookHistory, retryWebhookDelivery, sendTestWebhook, setWebhookEndpointActive, webhookBacklog } from './webhooks.js';

let conn: Connection;
let server: Server;
let url: string;
/** What the receiver answers next (then 200 for ever). */
let answers: number[];
let received: Array<{ body: string; headers: IncomingHttpHeaders }>;
const box = createSecretBox(randomBytes(32));
const logger = pino({ level: 'silent' });

beforeEach(async () => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-webhooks-')), 'lango.db'));
  answers = [];
  received = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      res.statusCode = answers.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks?token=abc`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  conn.close();
});

const addEndpoint = (events = ['payment.received']) => createWebhookEndpoint(conn.db, box, { url, events, actor: 'cli:root', now: Date.now() });
const record = (at: number) => conn.db.transaction((tx) => recordEvent(tx as Db, 'payment.received', { paymentId: 1, receiptNumber: 'R-1', amountMinor: 150_000, currency: 'KES' }, at));
const delivery = () => conn.db.select().from(webhookDeliveries).get()!;

describe('the webhook sender', () => {
  it('POSTs the event once, signed so the Standard Webhooks library accepts it', async () => {
    const { secret } = addEndpoint();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const eventId = record(Date.now())!;
    const sender = createWebhookSender({ db: conn.db, box, logger });
    expect(await sender.drainOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(await sender.drainOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(received).toHaveLength(1);
    const [{ body, headers }] = received as [(typeof received)[0]];
    const verified = new Webhook(secret).verify(body, headers as Record<string, string>) as { id: string; type: string; data: unknown };
    expect(verified).toMatchObject({ id: `evt_${eventId}`, type: 'payment.received', data: { receiptNumber: 'R-1', amountMinor: 150_000, currency: 'KES' } });
    expect(headers['webhook-id']).toBe(`evt_${eventId}`);
    // Another secret's check fails: the signature is really tied to this endpoint's secret.
    expect(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(body, headers as Record<string, string>)).toThrow();
    expect(delivery()).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null });
  });

  it('retries after a 500 once the back-off has passed, and then delivers', async () => {
    addEndpoint();
    let clock = Date.UTC(2026, 2, 1, 8, 0);
    record(clock);
    answers = [500];
    const sender = createWebhookSender({ db: conn.db, box, logger, now: () => clock });
    expect(await sender.drainOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(delivery()).toMatchObject({ status: 'queued', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500', nextAttemptAt: clock + RETRY_DELAYS_MS[0] });
    clock += RETRY_DELAYS_MS[0] - 1;
    expect(await sender.drainOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clock += 1;
    expect(await sender.drainOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(received).toHaveLength(2);
    // Both tries carry the same message id, so a receiver that got the first can de-duplicate.
    expect(received[0]!.headers['webhook-id']).toBe(received[1]!.headers['webhook-id']);
    expect(received[0]!.body).toBe(received[1]!.body);
    expect(delivery()).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
  });

  it('gives up after the whole schedule (about a day), and "retry now" sends it once more', async () => {
    addEndpoint();
    const start = Date.UTC(2026, 2, 1, 8, 0);
    let clock = start;
    record(clock);
    answers = Array.from({ length: MAX_ATTEMPTS }, () => 503);
    const sender = createWebhookSender({ db: conn.db, box, logger, now: () => clock });
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await sender.drainOnce();
      clock = Math.max(clock, delivery().nextAttemptAt);
    }
    expect(received).toHaveLength(MAX_ATTEMPTS);
    expect(delivery()).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatusCode: 503 });
    const hours = (clock - start) / 3_600_000;
    expect(hours).toBeGreaterThan(20);
    expect(hours).toBeLessThan(30);
    expect(webhookBacklog(conn.db)).toEqual({ queued: 0, failed: 1 });
    clock += 86_400_000;
    expect(await sender.drainOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });

    expect(retryWebhookDelivery(conn.db, { id: delivery().id, actor: 'staff:amina', now: clock })).toBe(true);
    expect(await sender.drainOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(retryWebhookDelivery(conn.db, { id: delivery().id, actor: 'staff:amina', now: clock })).toBe(false);
  });

  it('records a receiver that does not answer in time as a timeout to try again, while others are delivered', async () => {
    addEndpoint();
    record(Date.now());
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { endpoint } = createWebhookEndpoint(conn.db, box, { url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, events: ['*'], actor: 'cli:root', now: Date.now() });
    sendTestWebhook(conn.db, { id: endpoint.id, actor: 'staff:amina', now: Date.now() });
    const sender = createWebhookSender({ db: conn.db, box, logger, timeoutMs: 200 });
    expect(await sender.drainOnce()).toEqual({ delivered: 1, retried: 1, failed: 0 });
    const late = conn.db.select().from(webhookDeliveries).all().find((d) => d.endpointId === endpoint.id)!;
    expect(late).toMatchObject({ status: 'queued', attempts: 1, lastStatusCode: null, lastError: 'no answer within 200 ms' });
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('gives up at once what waits for an endpoint staff turned off', async () => {
    const { endpoint } = addEndpoint();
    record(Date.now());
    setWebhookEndpointActive(conn.db, { id: endpoint.id, active: false, actor: 'staff:amina', now: Date.now() });
    expect(delivery()).toMatchObject({ status: 'failed', lastError: 'endpoint turned off' });
    expect(await createWebhookSender({ db: conn.db, box, logger }).drainOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(received).toEqual([]);
  });
});

describe('webhook history', () => {
  it('forgets finished deliveries and their events after 30 days, but never one still waiting', () => {
    addEndpoint(['*']);
    const day = 86_400_000;
    const start = Date.UTC(2026, 0, 1);
    record(start);
    record(start + day);
    conn.db.update(webhookDeliveries).set({ status: 'delivered' }).where(eq(webhookDeliveries.eventId, 1)).run();
    expect(pruneWebhookHistory(conn.db, { now: start + 40 * day })).toBe(1);
    expect(conn.db.select().from(webhookEvents).all().map((e) => e.id)).toEqual([2]);
    expect(conn.db.select().from(webhookDeliveries).all().map((d) => d.eventId)).toEqual([2]);
  });
});

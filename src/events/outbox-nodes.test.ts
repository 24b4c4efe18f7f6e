import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { createWebhookSender } from '../integrations/webhook-sender.js';
import { createWebhookEndpoint, setWebhookEndpointActive } from '../integrations/webhooks.js';
import { openTwoNodes, type TwoNodes } from '../jobs/test-fixtures.js';
import { recordEvent } from './outbox.js';

// Webhooks with two daemons on one database: each node caches which endpoints listen, and both
// drain the same deliveries.

const box = createSecretBox(randomBytes(32));
const logger = pino({ level: 'silent' });
let nodes: TwoNodes;

beforeEach(() => {
  nodes = openTwoNodes();
});
afterEach(() => nodes.close());

const record = (db: Db) => db.transaction((tx) => recordEvent(tx as Db, 'payment.received', { paymentId: 1, amountMinor: 150_000, currency: 'KES' }, Date.now()));
const addEndpoint = (db: Db) => createWebhookEndpoint(db, box, { url: 'http://127.0.0.1:9/hooks', events: ['payment.received'], actor: 'cli:root', now: Date.now() });

describe('the event outbox on two nodes', () => {
  it('queues events node B records for an endpoint added through node A after B last looked', () => {
    expect(record(nodes.b.db)).toBeNull();
    const endpoint = addEndpoint(nodes.a.db);
    expect(record(nodes.b.db)).not.toBeNull();

    setWebhookEndpointActive(nodes.a.db, { id: endpoint.endpoint.id, active: false, actor: 'cli:root', now: Date.now() });
    expect(record(nodes.b.db)).toBeNull();
  });

  it('POSTs an event once when both nodes drain at the same moment', async () => {
    addEndpoint(nodes.a.db);
    record(nodes.a.db);
    const post = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return new Response('ok', { status: 200 });
    });
    const first = createWebhookSender({ db: nodes.a.db, box, logger, fetch: post as typeof fetch });
    const second = createWebhookSender({ db: nodes.b.db, box, logger, fetch: post as typeof fetch });

    const [a, b] = await Promise.all([first.drainOnce(), second.drainOnce()]);

    expect(a.delivered + b.delivered).toBe(1);
    expect(post).toHaveBeenCalledTimes(1);
  });
});

import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTwoNodes, type TwoNodes } from '../jobs/test-fixtures.js';
import type { SmsGateway, SmsRequest } from './gateway.js';
import { findMessage, queueMessage } from './outbox.js';
import { CLAIM_MARGIN_MS, claim, createSmsSender, recoverInterrupted } from './sender.js';

// Two daemons sharing one database (several nodes on PostgreSQL) drain the same outbox.

const T0 = Date.UTC(2026, 10, 24, 9, 0);
let nodes: TwoNodes;

beforeEach(() => {
  nodes = openTwoNodes();
});
afterEach(() => nodes.close());

function queue(key: string, critical = false) {
  return queueMessage(nodes.a.db, { key, to: '+254712345678', language: 'en', body: `Hello from ${key}`, critical, now: T0 }).id;
}

/** A gateway that takes a moment to answer, so two senders overlap. */
function slowGateway(sent: number[]): SmsGateway {
  return {
    name: 'fake',
    batchSize: 2,
    async send(requests: SmsRequest[]) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      sent.push(...requests.map((r) => r.id));
      return requests.map((r) => ({ status: 'accepted' as const, gatewayMessageId: `id-${r.id}`, cost: null }));
    },
  };
}

describe('the outbox drained by two nodes at once', () => {
  it('sends each message once', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((key) => queue(key));
    const sent: number[] = [];
    const logger = pino({ level: 'silent' });
    const first = createSmsSender({ db: nodes.a.db, gateway: slowGateway(sent), logger, now: () => T0 });
    const second = createSmsSender({ db: nodes.b.db, gateway: slowGateway(sent), logger, now: () => T0 });

    const [x, y] = await Promise.all([first.drainOnce(), second.drainOnce()]);

    expect(x.sent + y.sent).toBe(ids.length);
    expect(x.sent).toBeGreaterThan(0);
    expect(y.sent).toBeGreaterThan(0);
    expect([...sent].sort((p, q) => p - q)).toEqual(ids);
    for (const id of ids) expect(findMessage(nodes.b.db, id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('leaves a message a peer is sending alone until its claim runs out', () => {
    const id = queue('receipt', true);
    const leaseMs = 60_000 + CLAIM_MARGIN_MS;
    expect(claim(nodes.a.db, 'fake', T0, 10, 'sms', leaseMs).map((m) => m.id)).toEqual([id]);
    expect(claim(nodes.b.db, 'fake', T0, 10)).toEqual([]);

    expect(recoverInterrupted(nodes.b.db, T0 + leaseMs - 1)).toEqual({ sent: 0, failed: 0, retried: 0, unknown: 0 });
    expect(findMessage(nodes.b.db, id)?.status).toBe('sending');

    // Node A died mid-send: node B treats it as an unknown answer (a receipt is sent again).
    expect(recoverInterrupted(nodes.b.db, T0 + leaseMs)).toMatchObject({ retried: 1 });
    expect(findMessage(nodes.b.db, id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect(recoverInterrupted(nodes.a.db, T0 + leaseMs)).toMatchObject({ retried: 0 });
  });

  it('takes back everything left sending when it is the only sender (SQLite, after kill -9)', () => {
    const id = queue('bulk');
    claim(nodes.a.db, 'fake', T0, 10);
    expect(recoverInterrupted(nodes.b.db, T0 + 1, 'sms', 'all')).toMatchObject({ unknown: 1 });
    expect(findMessage(nodes.b.db, id)?.status).toBe('unknown');
  });
});

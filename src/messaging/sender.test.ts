import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import type { SmsGateway, SmsRequest, SmsSendResult } from './gateway.js';
import { findMessage, queueMessage } from './outbox.js';
import { MAX_ATTEMPTS, claim, createSmsSender, retryDelayMs } from './sender.js';
import { openTestDatabase } from './test-fixtures.js';

let conn: Connection;
let clock: number;
let logLines: string[];
const T0 = Date.UTC(2026, 10, 24, 9, 0);

beforeEach(() => {
  conn = openTestDatabase();
  clock = T0;
  logLines = [];
});
afterEach(() => conn.close());

type Answer = SmsSendResult | 'throw';

/** A gateway that answers each message with what `answer` says and remembers every call. */
function fakeGateway(answer: (request: SmsRequest) => Answer, batchSize = 10) {
  const calls: SmsRequest[][] = [];
  const gateway: SmsGateway = {
    name: 'fake',
    batchSize,
    async send(requests) {
      calls.push([...requests]);
      const answers = requests.map(answer);
      if (answers.includes('throw')) throw new Error('connect ECONNREFUSED 127.0.0.1:443');
      return answers as SmsSendResult[];
    },
  };
  return { gateway, calls };
}

const accept = (request: SmsRequest): SmsSendResult => ({ status: 'accepted', gatewayMessageId: `ATXid_${request.id}`, cost: 'KES 0.8000' });

function senderFor(gateway: SmsGateway) {
  const logger = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
  // One daemon on its own database, as on SQLite.
  return createSmsSender({ db: conn.db, gateway, logger, now: () => clock, pollMs: 60_000, alone: true });
}

function queue(key: string, critical = false, body = `Hello from ${key}`) {
  return queueMessage(conn.db, { key, to: '+254712345678', language: 'en', body, critical, now: clock }).id;
}

describe('the SMS sender', () => {
  it('sends due messages in batches of the gateway’s size and records them as sent', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'].map((key) => queue(key));
    const { gateway, calls } = fakeGateway(accept, 2);

    expect(await senderFor(gateway).drainOnce()).toEqual({ sent: 5, failed: 0, retried: 0, unknown: 0 });

    expect(calls.map((batch) => batch.length)).toEqual([2, 2, 1]);
    expect(findMessage(conn.db, ids[0]!)).toMatchObject({ status: 'sent', attempts: 1, gateway: 'fake', gatewayMessageId: `ATXid_${ids[0]}`, cost: 'KES 0.8000', sentAt: T0, lastError: null });
  });

  it('backs off 30 s, doubling, on a retry answer, and fails the message at the eighth attempt', async () => {
    const id = queue('retry-me');
    const { gateway, calls } = fakeGateway(() => ({ status: 'retry', code: '500', description: 'InternalServerError' }));
    const sender = senderFor(gateway);
    const waits: number[] = [];
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      expect(await sender.drainOnce()).toMatchObject({ retried: 1 });
      const message = findMessage(conn.db, id)!;
      expect(message).toMatchObject({ status: 'queued', attempts: attempt, lastError: '500: InternalServerError' });
      waits.push((message.nextAttemptAt - clock) / 1000);
      // Not due yet: nothing is sent a moment before the back-off ends.
      clock = message.nextAttemptAt - 1;
      expect(await sender.drainOnce()).toEqual({ sent: 0, failed: 0, retried: 0, unknown: 0 });
      clock = message.nextAttemptAt;
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 960, 1920]);

    expect(await sender.drainOnce()).toMatchObject({ failed: 1 });
    expect(findMessage(conn.db, id)).toMatchObject({ status: 'failed', attempts: 8, finishedAt: clock });
    expect(calls).toHaveLength(8);
  });

  it('never waits more than an hour between tries', () => {
    expect(retryDelayMs(7)).toBe(1_920_000);
    expect(retryDelayMs(8)).toBe(3_600_000);
    expect(retryDelayMs(20)).toBe(3_600_000);
  });

  it('fails a rejected message at once', async () => {
    const id = queue('bad-number');
    const { gateway } = fakeGateway(() => ({ status: 'rejected', code: '403', description: 'InvalidPhoneNumber' }));
    expect(await senderFor(gateway).drainOnce()).toMatchObject({ failed: 1 });
    expect(findMessage(conn.db, id)).toMatchObject({ status: 'failed', attempts: 1, lastError: '403: InvalidPhoneNumber' });
  });

  it('re-sends a critical message after an unknown answer, but never a bulk one', async () => {
    const receipt = queue('receipt', true);
    const bulk = queue('bulk', false);
    let timeouts = true;
    const { gateway, calls } = fakeGateway((request) => (timeouts ? { status: 'unknown', description: 'timeout after 10000 ms' } : accept(request)));
    const sender = senderFor(gateway);

    expect(await sender.drainOnce()).toEqual({ sent: 0, failed: 0, retried: 1, unknown: 1 });
    expect(findMessage(conn.db, receipt)).toMatchObject({ status: 'queued', nextAttemptAt: T0 + 30_000 });
    expect(findMessage(conn.db, bulk)).toMatchObject({ status: 'unknown', finishedAt: T0 });

    timeouts = false;
    clock = T0 + 30_000;
    expect(await sender.drainOnce()).toEqual({ sent: 1, failed: 0, retried: 0, unknown: 0 });
    expect(findMessage(conn.db, receipt)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(calls.flat().map((r) => r.id)).toEqual([receipt, bulk, receipt]);
  });

  it('treats a gateway that throws as a retry for the whole batch', async () => {
    const ids = [queue('x', true), queue('y')];
    const { gateway } = fakeGateway(() => 'throw');
    expect(await senderFor(gateway).drainOnce()).toEqual({ sent: 0, failed: 0, retried: 2, unknown: 0 });
    for (const id of ids) expect(findMessage(conn.db, id)).toMatchObject({ status: 'queued', lastError: 'connect ECONNREFUSED 127.0.0.1:443' });
  });

  it('pauses while the gateway refuses whole batches, so the rest of the queue keeps its attempts', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'].map((key) => queue(key));
    let down = true;
    const { gateway, calls } = fakeGateway((request) => (down ? 'throw' : accept(request)), 2);
    const sender = senderFor(gateway);

    expect(await sender.drainOnce()).toEqual({ sent: 0, failed: 0, retried: 2, unknown: 0 });
    expect(ids.map((id) => findMessage(conn.db, id)!.attempts)).toEqual([1, 1, 0, 0, 0]);
    clock += 29_999;
    expect(await sender.drainOnce()).toEqual({ sent: 0, failed: 0, retried: 0, unknown: 0 });
    expect(calls).toHaveLength(1);

    down = false;
    clock += 1;
    expect(await sender.drainOnce()).toMatchObject({ sent: 5 });
  });

  it('sends critical messages before bulk ones queued earlier', async () => {
    queue('campaign:1:1');
    queue('campaign:1:2');
    const receipt = queue('receipt', true);
    const { gateway, calls } = fakeGateway(accept, 1);
    await senderFor(gateway).drainOnce();
    expect(calls[0]![0]!.id).toBe(receipt);
  });

  it('at start, handles messages a crash left sending as unknown answers', async () => {
    const receipt = queue('receipt', true);
    const bulk = queue('bulk');
    // The earlier process claimed both, then died before the gateway answered.
    expect(claim(conn.db, 'fake', clock, 10)).toHaveLength(2);
    const { gateway, calls } = fakeGateway(accept);
    const sender = senderFor(gateway);

    sender.start();
    await sender.stop();

    expect(findMessage(conn.db, receipt)).toMatchObject({ status: 'queued', attempts: 1, nextAttemptAt: T0 + 30_000 });
    expect(findMessage(conn.db, bulk)).toMatchObject({ status: 'unknown', attempts: 1 });
    expect(calls).toEqual([]);
  });

  it('waits at stop for the send in flight to be recorded', async () => {
    const id = queue('slow');
    let answer!: () => void;
    const gateway: SmsGateway = {
      name: 'fake',
      batchSize: 10,
      send: (requests) => new Promise((resolve) => (answer = () => resolve(requests.map(accept)))),
    };
    const sender = senderFor(gateway);
    sender.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(findMessage(conn.db, id)!.status).toBe('sending');
    const stopped = sender.stop();
    answer();
    await stopped;
    expect(findMessage(conn.db, id)!.status).toBe('sent');
  });

  it('masks credentials a driver’s error quotes from the URL it called', async () => {
    const id = queue('x');
    const gateway: SmsGateway = {
      name: 'http',
      batchSize: 1,
      send: async () => {
        throw new Error('GET https://isp:s3cret@sms.example.ss/api/send?user=isp&password=hunter2&to=%2B211912345678 failed');
      },
    };
    await senderFor(gateway).drainOnce();
    const stored = findMessage(conn.db, id)!.lastError!;
    expect(stored).toContain('sms.example.ss/api/send?user=***&password=***');
    for (const text of [stored, logLines.join('\n')]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('s3cret');
    }
  });

  it('never writes a message body to the log', async () => {
    queue('credentials', true, 'Skyline Net: your login is wanjiru, password k7#Pq2');
    queue('bulk', false, 'Skyline Net: offer for wanjiru');
    const answers: Answer[] = ['throw', 'throw'];
    const { gateway } = fakeGateway(() => answers.shift() ?? { status: 'rejected', code: '406', description: 'UserInBlacklist' });
    const sender = senderFor(gateway);
    await sender.drainOnce();
    clock += 60_000;
    await sender.drainOnce();
    const log = logLines.join('\n');
    expect(log).toContain('SMS');
    expect(log).not.toContain('k7#Pq2');
    expect(log).not.toContain('offer for');
  });
});

import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { deliveryReports } from '../db/schema/messaging.js';
import { applyDeliveryReport, lastReports } from './delivery.js';
import type { SmsGateway } from './gateway.js';
import { findMessage, queueMessage } from './outbox.js';
import { createSmsSender } from './sender.js';
import { openTestDatabase } from './test-fixtures.js';

let conn: Connection;
const now = Date.UTC(2026, 10, 24, 9, 0);
beforeEach(() => {
  conn = openTestDatabase();
});
afterEach(() => conn.close());

/** Sends every queued message through a gateway that accepts all; `during` runs inside the send call. */
async function sendAll(during: (ids: number[]) => void = () => undefined) {
  const gateway: SmsGateway = {
    name: 'at',
    batchSize: 10,
    async send(requests) {
      during(requests.map((r) => r.id));
      return requests.map((r) => ({ status: 'accepted', gatewayMessageId: `ATXid_${r.id}`, cost: null }));
    },
  };
  await createSmsSender({ db: conn.db, gateway, logger: pino({ level: 'silent' }), now: () => now }).drainOnce();
}

function queued(key: string) {
  return queueMessage(conn.db, { key, to: '+254712345678', language: 'en', body: 'Your internet is back on.', critical: false, now }).id;
}

describe('delivery reports', () => {
  it('moves a sent message to delivered and never back', async () => {
    const id = queued('m1');
    await sendAll();
    const report = (status: 'sent' | 'delivered' | 'failed') => applyDeliveryReport(conn.db, 'at', { gatewayMessageId: `ATXid_${id}`, status, failureReason: status === 'failed' ? 'DeliveryFailure' : null }, now + 5000);

    expect(report('delivered')).toEqual({ stored: true, messageId: id, moved: true });
    expect(findMessage(conn.db, id)).toMatchObject({ status: 'delivered', finishedAt: now + 5000 });
    // A late interim report and a contradicting final one change nothing.
    expect(report('sent')).toEqual({ stored: true, messageId: id, moved: false });
    expect(report('failed')).toEqual({ stored: true, messageId: id, moved: false });
    expect(findMessage(conn.db, id)!.status).toBe('delivered');
  });

  it('keeps a report received twice once', async () => {
    const id = queued('m2');
    await sendAll();
    const report = { gatewayMessageId: `ATXid_${id}`, status: 'failed' as const, failureReason: 'UserIsInactive' };
    expect(applyDeliveryReport(conn.db, 'at', report, now).moved).toBe(true);
    expect(applyDeliveryReport(conn.db, 'at', report, now + 1)).toEqual({ stored: false, messageId: id, moved: false });
    expect(findMessage(conn.db, id)).toMatchObject({ status: 'failed', lastError: 'not delivered: UserIsInactive' });
    expect(conn.db.select().from(deliveryReports).all()).toHaveLength(1);
  });

  it('stores and otherwise ignores a report for an id it never sent', () => {
    const id = queued('m3');
    expect(applyDeliveryReport(conn.db, 'at', { gatewayMessageId: 'ATXid_elsewhere', status: 'delivered', failureReason: null }, now)).toEqual({ stored: true, messageId: null, moved: false });
    // Same id from another gateway is another message.
    expect(applyDeliveryReport(conn.db, 'other', { gatewayMessageId: `ATXid_${id}`, status: 'delivered', failureReason: null }, now).messageId).toBeNull();
    expect(findMessage(conn.db, id)!.status).toBe('queued');
    expect(conn.db.select().from(deliveryReports).all()).toHaveLength(2);
  });

  it('applies a report that overtook the send call once the gateway’s id is recorded', async () => {
    const id = queued('m4');
    await sendAll((ids) => {
      for (const sent of ids) applyDeliveryReport(conn.db, 'at', { gatewayMessageId: `ATXid_${sent}`, status: 'delivered', failureReason: null }, now);
    });
    expect(findMessage(conn.db, id)).toMatchObject({ status: 'delivered', gatewayMessageId: `ATXid_${id}` });
  });

  it('gives each message its newest report for the outbox screen, and nothing for one never sent', async () => {
    const id = queued('m5');
    const other = queued('m6');
    await sendAll();
    applyDeliveryReport(conn.db, 'at', { gatewayMessageId: `ATXid_${id}`, status: 'sent', failureReason: null }, now + 1);
    applyDeliveryReport(conn.db, 'at', { gatewayMessageId: `ATXid_${id}`, status: 'failed', failureReason: 'UserIsInactive' }, now + 2);
    const never = queued('m7');
    const reports = lastReports(conn.db, [findMessage(conn.db, id)!, findMessage(conn.db, other)!, findMessage(conn.db, never)!]);
    expect(reports.get(id)).toEqual({ status: 'failed', failureReason: 'UserIsInactive', receivedAt: now + 2 });
    expect(reports.has(other)).toBe(false);
    expect(reports.has(never)).toBe(false);
  });
});

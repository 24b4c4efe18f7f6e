import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { messages } from '../db/schema/messaging.js';
import { LangoError } from '../errors.js';
import { auditTrail } from '../staff/index.js';
import { cancelMessage, findMessage, listMessages, queueMessage } from './outbox.js';
import { openTestDatabase } from './test-fixtures.js';

let conn: Connection;
const now = Date.UTC(2026, 10, 24, 9, 0);
beforeEach(() => {
  conn = openTestDatabase();
});
afterEach(() => conn.close());

function queue(key: string, body = 'Your internet is back on.') {
  return queueMessage(conn.db, { key, to: '+254712345678', language: 'en', body, critical: false, now });
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof LangoError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('the outbox', () => {
  it('queues a message once per key, due at once, with its parts and encoding', () => {
    const first = queue('event:1', 'مرحبا');
    expect(first.created).toBe(true);
    expect(queue('event:1', 'a different text').created).toBe(false);
    expect(queue('event:1').id).toBe(first.id);
    expect(findMessage(conn.db, first.id)).toMatchObject({ body: 'مرحبا', encoding: 'ucs2', parts: 1, status: 'queued', attempts: 0, nextAttemptAt: now, createdAt: now });
    expect(listMessages(conn.db)).toHaveLength(1);
  });

  it('refuses a number that is not E.164 and an empty text', () => {
    expect(code(() => queueMessage(conn.db, { key: 'x', to: '0712345678', language: 'en', body: 'hi there', critical: false, now }))).toBe('INPUT_BAD_PHONE');
    expect(code(() => queue('y', '  '))).toBe('INPUT_BAD_MESSAGE');
    expect(listMessages(conn.db)).toEqual([]);
  });

  it('lists newest first, by status, page by page', () => {
    const ids = ['a', 'b', 'c', 'd'].map((key) => queue(key).id);
    conn.db.update(messages).set({ status: 'sent' }).where(eq(messages.id, ids[1]!)).run();
    expect(listMessages(conn.db).map((m) => m.id)).toEqual([...ids].reverse());
    expect(listMessages(conn.db, { status: 'sent' }).map((m) => m.id)).toEqual([ids[1]]);
    expect(listMessages(conn.db, { status: ['queued'], limit: 2 }).map((m) => m.id)).toEqual([ids[3], ids[2]]);
    expect(listMessages(conn.db, { status: ['queued'], beforeId: ids[2] }).map((m) => m.id)).toEqual([ids[0]]);
  });

  it('filters by number, template or free text and creation time, and skips rows for a page', () => {
    const at = (key: string, to: string, template: string | null, created: number) =>
      queueMessage(conn.db, { key, to, language: 'en', template, body: 'Hello there', critical: false, now: created }).id;
    const a = at('a', '+254712345678', 'renewed', now);
    const b = at('b', '+254722000111', null, now + 60_000);
    const c = at('c', '+254712345678', null, now + 120_000);
    expect(listMessages(conn.db, { recipient: '+254712345678' }).map((m) => m.id)).toEqual([c, a]);
    expect(listMessages(conn.db, { template: 'renewed' }).map((m) => m.id)).toEqual([a]);
    expect(listMessages(conn.db, { template: null }).map((m) => m.id)).toEqual([c, b]);
    expect(listMessages(conn.db, { createdFrom: now + 60_000, createdBefore: now + 120_000 }).map((m) => m.id)).toEqual([b]);
    expect(listMessages(conn.db, { limit: 1, offset: 1 }).map((m) => m.id)).toEqual([b]);
  });

  it('lets staff cancel a queued message, audit-logged, but not one already sent', () => {
    const { id } = queue('event:2');
    expect(cancelMessage(conn.db, id, 'staff:4', now + 1)).toMatchObject({ status: 'cancelled', finishedAt: now + 1 });
    expect(auditTrail(conn.db, `message:${id}`)[0]).toMatchObject({ actor: 'staff:4', action: 'sms.cancel' });
    expect(code(() => cancelMessage(conn.db, id, 'staff:4'))).toBe('INPUT_MESSAGE_NOT_QUEUED');
    expect(code(() => cancelMessage(conn.db, 999, 'staff:4'))).toBe('INPUT_UNKNOWN_MESSAGE');
  });
});

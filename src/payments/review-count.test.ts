import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { annotateAttempt, createAttempt } from './attempts.js';
import { markCallbackReviewed, markProcessed, storeCallback } from './inbox.js';
import { countAwaitingReview } from './review-count.js';

let conn: Connection;
const NOW = Date.UTC(2026, 10, 24, 6);

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-review-count-')), 'lango.db'));
});
afterEach(() => conn.close());

const attempt = (key: string) => createAttempt(conn.db, { key, provider: 'mpesa', purpose: 'unsolicited', customerId: null, amountMinor: 100, currency: 'KES', phone: null, actor: 'system', now: NOW });
const callback = (dedupeKey: string) => storeCallback(conn.db, { provider: 'mpesa', route: 'stk', dedupeKey, body: '{}', sourceIp: '127.0.0.1', now: NOW }).row;

describe('payments awaiting review', () => {
  it('counts flagged attempts and flagged callbacks that no one has reviewed yet', () => {
    expect(countAwaitingReview(conn.db)).toBe(0);
    const flagged = attempt('00000000-0000-4000-8000-000000000001');
    annotateAttempt(conn.db, flagged.id, { reviewReason: 'unknown-account' }, NOW);
    const reviewed = attempt('00000000-0000-4000-8000-000000000002');
    annotateAttempt(conn.db, reviewed.id, { reviewReason: 'no-receipt', reviewedAt: NOW, reviewedBy: 'staff:amina' }, NOW);
    attempt('00000000-0000-4000-8000-000000000003');
    const strange = callback('a');
    markProcessed(conn.db, strange.id, 'unknown-request', NOW, { reviewReason: 'a callback for a request Lango never made' });
    const done = callback('b');
    markProcessed(conn.db, done.id, 'unknown-request', NOW, { reviewReason: 'a callback for a request Lango never made' });
    markCallbackReviewed(conn.db, done.id, 'staff:amina', NOW);
    markProcessed(conn.db, callback('c').id, 'settled', NOW);
    expect(countAwaitingReview(conn.db)).toBe(2);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCustomer, addPlan, customerBalance, listInvoices, subscriptionOf, trialBalance } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { listNotifications } from '../aaa/enforcement.js';
import { createAttempt, findAttempt, listAttempts } from './attempts.js';
import { approveFlagged, dismissFlagged, settleAttempt, settleUnsolicited } from './settle.js';
import type { ProviderOutcome } from './provider.js';

const box = createSecretBox(Buffer.alloc(32, 7));
const zone = 'Africa/Nairobi';
let conn: Connection;
let aliceId: number;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-pay-')), 'lango.db'));
  addPlan(conn.db, { name: 'Week', priceMinor: 50000, currency: 'KES', validityDays: 7, rateLimit: '5M/5M' } as never);
  aliceId = addCustomer(conn.db, box, { username: 'alice', password: 'pw', planName: 'Week', phone: '0712345678' } as never, zone).id;
});
afterEach(() => conn.close());

const paid = (receipt: string | null, extra: Partial<Extract<ProviderOutcome, { status: 'succeeded' }>> = {}): ProviderOutcome => ({ status: 'succeeded', receipt, code: '0', description: 'ok', ...(extra.amountMinor !== undefined ? { currency: 'KES' as const } : {}), ...extra });

function attempt(amountMinor = 50000, phone = '+254712345678') {
  return createAttempt(conn.db, { key: crypto.randomUUID(), provider: 'mpesa', purpose: 'wallet', customerId: aliceId, amountMinor, currency: 'KES', phone, accountReference: 'alice', actor: 'test', now: Date.now() });
}

function books() {
  for (const row of trialBalance(conn.db)) expect(row.total, `${row.currency} books`).toBe(0);
}

describe('settling a payment attempt', () => {
  it('credits a success once, however many times the provider repeats it', () => {
    const a = attempt();
    const kinds = Array.from({ length: 5 }, () => settleAttempt(conn.db, a.id, paid('NLJ7RT61SV', { amountMinor: 50000, phone: '+254712345678' }), 'callback', Date.now(), zone).kind);
    expect(kinds).toEqual(['credited', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(50000);
    expect(findAttempt(conn.db, a.id)).toMatchObject({ status: 'succeeded', receipt: 'NLJ7RT61SV', reviewReason: null });
    books();
  });

  it('credits nothing for a cancelled prompt and tells the customer', () => {
    const a = attempt();
    const result = settleAttempt(conn.db, a.id, { status: 'cancelled', code: '1032', description: 'Request cancelled by user', retryable: true }, 'callback', Date.now(), zone);
    expect(result.kind).toBe('closed');
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(0);
    expect(listNotifications(conn.db, aliceId).map((n) => n.kind)).toContain('payment_failed');
  });

  it('flags a success for another amount or another phone instead of crediting it', () => {
    const short = attempt();
    const other = attempt(50000, '+254700000001');
    expect(settleAttempt(conn.db, short.id, paid('RCPT000001', { amountMinor: 100 }), 'callback', Date.now(), zone)).toMatchObject({ kind: 'flagged' });
    expect(settleAttempt(conn.db, other.id, paid('RCPT000002', { amountMinor: 50000, phone: '+254799999999' }), 'callback', Date.now(), zone)).toMatchObject({ kind: 'flagged' });
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(0);
    expect(listAttempts(conn.db, { review: true })).toHaveLength(2);
  });

  it('credits what the billing manager approves after checking a flagged payment, once', () => {
    const a = attempt();
    settleAttempt(conn.db, a.id, paid('RCPT000003', { amountMinor: 40000 }), 'callback', Date.now(), zone);
    approveFlagged(conn.db, { attemptId: a.id, amountMinor: 40000, actor: 'staff:grace', now: Date.now(), zone });
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(40000);
    expect(() => approveFlagged(conn.db, { attemptId: a.id, actor: 'staff:grace', now: Date.now(), zone })).toThrow(/not waiting for review/);
    books();
  });

  it('flags a success that arrives after the attempt expired, and a dismissal needs a reason', () => {
    const a = attempt();
    settleAttempt(conn.db, a.id, { status: 'expired', code: '1037', description: 'DS timeout', retryable: true }, 'query', Date.now(), zone);
    expect(settleAttempt(conn.db, a.id, paid('RCPT000004'), 'callback', Date.now(), zone)).toMatchObject({ kind: 'flagged', reason: 'late-success' });
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(0);
    expect(() => dismissFlagged(conn.db, { attemptId: a.id, reason: '', actor: 'staff:grace', now: Date.now() })).toThrow();
    dismissFlagged(conn.db, { attemptId: a.id, reason: 'refunded by reversal', actor: 'staff:grace', now: Date.now() });
    expect(listAttempts(conn.db, { review: true })).toHaveLength(0);
  });

  it('credits a query-only success under the attempt key and takes the receipt when the callback brings it later', () => {
    const a = attempt();
    expect(settleAttempt(conn.db, a.id, paid(null), 'query', Date.now(), zone).kind).toBe('credited');
    expect(findAttempt(conn.db, a.id)).toMatchObject({ receipt: null, reviewReason: 'no-receipt' });
    expect(settleAttempt(conn.db, a.id, paid('RCPT000005', { amountMinor: 50000 }), 'callback', Date.now(), zone).kind).toBe('duplicate');
    expect(findAttempt(conn.db, a.id)).toMatchObject({ receipt: 'RCPT000005', reviewReason: null });
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(50000);
  });

  it('leaves the attempt open when the transaction fails half-way, so a rerun settles it once', () => {
    const a = attempt();
    // A write that fails inside the transaction, in each database's own trigger language.
    if (conn.dialect === 'postgres') {
      conn.sqlite.exec(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'disk gone'; END$$; CREATE TRIGGER boom BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION boom()`);
    } else conn.sqlite.exec(`CREATE TRIGGER boom BEFORE INSERT ON payments BEGIN SELECT RAISE(ABORT, 'disk gone'); END`);
    expect(() => settleAttempt(conn.db, a.id, paid('RCPT000006'), 'callback', Date.now(), zone)).toThrow(/disk gone/);
    expect(findAttempt(conn.db, a.id)!.status).toBe('pending');
    conn.sqlite.exec(conn.dialect === 'postgres' ? 'DROP TRIGGER boom ON payments; DROP FUNCTION boom()' : 'DROP TRIGGER boom');
    expect(settleAttempt(conn.db, a.id, paid('RCPT000006'), 'callback', Date.now(), zone).kind).toBe('credited');
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(50000);
    books();
  });
});

describe('paybill payments (C2B)', () => {
  const c2b = (receipt: string, accountReference: string, amountMinor = 50000) => ({ provider: 'mpesa', receipt, accountReference, amountMinor, currency: 'KES' as const, payerName: 'NICHOLAS', paidAt: Date.now(), now: Date.now(), zone });

  it('credits the account the payer typed, in any case or as a phone number, once', () => {
    expect(settleUnsolicited(conn.db, c2b('RKL51ZDR4F', 'ALICE')).kind).toBe('credited');
    expect(settleUnsolicited(conn.db, c2b('RKL51ZDR4F', 'ALICE')).kind).toBe('duplicate');
    expect(settleUnsolicited(conn.db, c2b('RKL51ZDR4G', '0712 345 678')).kind).toBe('credited');
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(100000);
    books();
  });

  it('holds money for an unknown account in suspense until staff assign it', () => {
    const result = settleUnsolicited(conn.db, c2b('RKL51ZDR4H', 'ALCIE'));
    expect(result).toMatchObject({ kind: 'flagged', reason: 'unknown-account' });
    books();
    expect(() => approveFlagged(conn.db, { attemptId: result.attempt.id, actor: 'staff:grace', now: Date.now(), zone })).toThrow();
    approveFlagged(conn.db, { attemptId: result.attempt.id, customerId: aliceId, amountMinor: 1, actor: 'staff:grace', now: Date.now(), zone });
    // Suspense money is exactly what arrived, whatever amount is typed.
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(50000);
    books();
  });
});

describe('renewal when money arrives', () => {
  it('restarts an expired prepaid package from the wallet at once, with an invoice paid from it', () => {
    conn.sqlite.exec(`UPDATE subscriptions SET status = 'expired'`);
    const a = attempt();
    const result = settleAttempt(conn.db, a.id, paid('RCPT000007', { amountMinor: 50000 }), 'callback', Date.now(), zone);
    expect(result).toMatchObject({ kind: 'credited', renewal: { kind: 'restarted' } });
    expect(subscriptionOf(conn.db, aliceId)!.status).toBe('active');
    expect(listInvoices(conn.db, { customerId: aliceId })[0]).toMatchObject({ status: 'paid', grossMinor: 50000 });
    expect(customerBalance(conn.db, aliceId, 'KES')).toMatchObject({ walletMinor: 0, dueMinor: 0 });
    books();
  });
});

describe('an STK payment that the paybill reports too (same M-Pesa receipt)', () => {
  const c2b = (receipt: string) => ({ provider: 'mpesa', receipt, accountReference: 'ALICE', amountMinor: 50000, currency: 'KES' as const, payerName: 'ALICE W', paidAt: Date.now(), now: Date.now(), zone });

  it('credits once when the query settled it first and the paybill brings the receipt', () => {
    const a = attempt();
    expect(settleAttempt(conn.db, a.id, paid(null), 'query', Date.now(), zone).kind).toBe('credited');
    expect(settleUnsolicited(conn.db, c2b('RCPT00C2B1')).kind).toBe('duplicate');
    expect(findAttempt(conn.db, a.id)).toMatchObject({ receipt: 'RCPT00C2B1', reviewReason: null });
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(50000);
    books();
  });

  it('credits once when the paybill confirmation comes before the STK callback', () => {
    const a = attempt();
    expect(settleUnsolicited(conn.db, c2b('RCPT00C2B2')).kind).toBe('credited');
    expect(findAttempt(conn.db, a.id)).toMatchObject({ status: 'succeeded', receipt: 'RCPT00C2B2' });
    expect(settleAttempt(conn.db, a.id, paid('RCPT00C2B2', { amountMinor: 50000 }), 'callback', Date.now(), zone).kind).toBe('duplicate');
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(50000);
    books();
  });
});

describe('the review list', () => {
  it('shows a late success again even after a person dismissed the expiry', () => {
    const a = attempt();
    settleAttempt(conn.db, a.id, { status: 'expired', code: 'LANGO_GAVE_UP', description: 'no answer', retryable: true }, 'query', Date.now(), zone);
    conn.sqlite.prepare(`UPDATE payment_attempts SET review_reason = 'expired without a final answer' WHERE id = ?`).run(a.id);
    dismissFlagged(conn.db, { attemptId: a.id, reason: 'abandoned prompt', actor: 'staff:grace', now: Date.now() });
    expect(listAttempts(conn.db, { review: true })).toHaveLength(0);
    settleAttempt(conn.db, a.id, paid('RCPT000LATE', { amountMinor: 50000 }), 'callback', Date.now(), zone);
    expect(listAttempts(conn.db, { review: true }).map((x) => x.id)).toEqual([a.id]);
  });

  it('refuses to credit an attempt that expired without any money reported', () => {
    const a = attempt();
    settleAttempt(conn.db, a.id, { status: 'expired', code: 'LANGO_GAVE_UP', description: 'no answer', retryable: true }, 'query', Date.now(), zone);
    conn.sqlite.prepare(`UPDATE payment_attempts SET review_reason = 'expired without a final answer' WHERE id = ?`).run(a.id);
    expect(() => approveFlagged(conn.db, { attemptId: a.id, actor: 'staff:grace', now: Date.now(), zone })).toThrow(/no money/);
    expect(customerBalance(conn.db, aliceId, 'KES').walletMinor).toBe(0);
  });
});

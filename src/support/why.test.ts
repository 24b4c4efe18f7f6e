import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DecisionInput } from '../aaa/decisions.js';
import { enqueueForSession, finishAction, listActions } from '../aaa/enforcement.js';
import { addNas } from '../aaa/nas.js';
import { createSessionWriter, listSessions, SILENT_CLOSED_CAUSE } from '../aaa/sessions.js';
import { accountingRecord } from '../aaa/test-fixtures.js';
import { addCustomer, findPlanByName, recordPayment, subscriptionOf, type CustomerSummary } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import type { Connection, Db } from '../db/connection.js';
import { authDecisions, notificationEvents } from '../db/schema/aaa.js';
import { messages } from '../db/schema/messaging.js';
import { vouchers } from '../db/schema/hotspot.js';
import { sellVoucher } from '../hotspot/index.js';
import { listMessages, queueMessage } from '../messaging/index.js';
import { openTestDatabase, zone } from '../messaging/test-fixtures.js';
import { closeAttempt, createAttempt, findAttempt, scheduleQuery } from '../payments/attempts.js';
import { auditTrail } from '../staff/index.js';
import { closeSilent, describeEntries, explain, findSubjects, queryPaymentNow, resendLogin, sessionState, type WhyEntry, type WhySubject } from './index.js';

// "Why?" in the domain: what a support person types becomes the accounts and devices it means,
// each subject's story comes back newest first from every source, each source bounded, and the
// one-step fixes change one thing only while it still applies.

const box = createSecretBox(Buffer.alloc(32, 7));
const MINUTE = 60_000;
const NOW = Date.UTC(2026, 10, 20, 9, 0, 0);
const INTERIM = 300;
const GRACE = 120;

let conn: Connection;
let db: Db;
let alice: CustomerSummary;
let nasId: number;

const explainAt = (subject: WhySubject, limit = 20) => explain(db, subject, { now: NOW, limit, interimSeconds: INTERIM, graceSeconds: GRACE });
const sources = (entries: WhyEntry[]) => entries.map((e) => e.source);
const keyOf = (s: WhySubject) => (s.kind === 'account' ? `account:${s.username}` : s.kind === 'mac' ? `mac:${s.mac}` : `attempt:${s.attemptId}`);

/** A stored decision, as the trace's recorder leaves one (written straight to its table: the recorder has its own tests). */
function decision(input: Partial<DecisionInput> & Pick<DecisionInput, 'at'>): void {
  const row = { nasId, nasIp: '10.0.0.1', username: 'alice', mac: null, customerId: alice.id, result: 'reject' as const, reason: 'simultaneous_use' as const, detail: { limit: 1 }, reply: null, ...input };
  db.insert(authDecisions).values({ ...row, detail: row.detail ? JSON.stringify(row.detail) : null }).run();
}

function session(acctSessionId: string, at: { start: number; lastHeard?: number; stop?: number }, customer: CustomerSummary = alice, mac: string | null = null): number {
  const writer = createSessionWriter(conn, { zone });
  const owner = { customerId: customer.id, periodStart: subscriptionOf(db, customer.id)?.periodStart ?? at.start };
  writer.record(accountingRecord({ nasId, acctSessionId, username: customer.username, eventTime: at.start, callingStationId: mac }), owner);
  if (at.lastHeard !== undefined) writer.record(accountingRecord({ nasId, acctSessionId, username: customer.username, eventTime: at.lastHeard, sessionTime: Math.floor((at.lastHeard - at.start) / 1000), callingStationId: mac }), owner);
  if (at.stop !== undefined) writer.record(accountingRecord({ nasId, acctSessionId, username: customer.username, eventTime: at.stop, sessionTime: Math.floor((at.stop - at.start) / 1000), callingStationId: mac, stop: { cause: 'User-Request' } }), owner);
  writer.flushDailyUsage();
  return listSessions(db, { username: customer.username }).find((s) => s.acctSessionId === acctSessionId)!.id;
}

function attempt(input: { key: string; customerId: number | null; phone?: string; at: number; purpose?: 'wallet' | 'hotspot' }) {
  return createAttempt(db, { key: input.key, provider: 'mpesa', purpose: input.purpose ?? 'wallet', customerId: input.customerId, amountMinor: 150000, currency: 'KES', phone: input.phone ?? null, actor: 'test', now: input.at, ...(input.purpose === 'hotspot' && { planId: findPlanByName(db, 'Home 5M')!.id }) });
}

beforeEach(() => {
  conn = openTestDatabase();
  db = conn.db;
  alice = addCustomer(db, box, { username: 'alice', password: 'alice-secret', planName: 'Home 5M', phone: '0712345678', mac: 'aa-bb-cc-00-00-01', fullName: 'Alice Wanjiru' }, zone);
  nasId = addNas(db, box, { name: 'tower', ip: '10.0.0.1', secret: 'tower-secret' }).id;
});
afterEach(() => conn.close());

describe('findSubjects', () => {
  it('finds a customer by exact username, by phone in local or international form, and by registered MAC in any notation', () => {
    addCustomer(db, box, { username: 'alice2', password: 'pw', planName: 'Home 5M' }, zone);
    expect(findSubjects(db, 'alice')).toEqual([expect.objectContaining({ kind: 'account', username: 'alice', matched: 'username', voucher: false })]);
    // Only a part typed: every account it is part of, to pick from.
    expect(findSubjects(db, 'alic').map(keyOf)).toEqual(['account:alice', 'account:alice2']);
    expect(findSubjects(db, 'wanjiru')).toEqual([expect.objectContaining({ username: 'alice', matched: 'name' })]);
    expect(findSubjects(db, '345678')).toEqual([expect.objectContaining({ username: 'alice', matched: 'phone' })]);
    for (const phone of ['0712345678', '+254 712 345 678', '254712345678', '0712-345-678']) {
      expect(findSubjects(db, phone).map(keyOf), phone).toEqual(['account:alice']);
    }
    for (const mac of ['AA:BB:CC:00:00:01', 'aabb.cc00.0001', 'aa-bb-cc-00-00-01']) {
      const found = findSubjects(db, mac).map(keyOf);
      expect(found, mac).toEqual(['account:alice']);
    }
    expect(findSubjects(db, '0799000111')).toEqual([]);
    expect(findSubjects(db, '   ')).toEqual([]);
  });

  it('finds a voucher by its code typed in lower case, by the phone it was sold to and by the device it is locked to', () => {
    const sold = sellVoucher(db, box, { plan: findPlanByName(db, 'Home 5M')!, phone: '+254700111222', seller: 'portal', now: NOW - 60 * MINUTE, actor: 'test' });
    db.update(vouchers).set({ lockedMac: 'DE:AD:BE:EF:00:01' }).where(eq(vouchers.customerId, sold.customerId)).run();
    expect(findSubjects(db, sold.code.toLowerCase())).toEqual([expect.objectContaining({ kind: 'account', username: sold.code, voucher: true, matched: 'voucher' })]);
    expect(findSubjects(db, '0700 111 222').map(keyOf)).toEqual([`account:${sold.code}`]);
    expect(findSubjects(db, 'dead.beef.0001').map(keyOf)).toEqual([`account:${sold.code}`]);
  });

  it('finds the account a receipt code paid, on an attempt or a credited payment, and a purchase with no account yet by its phone', () => {
    const paid = attempt({ key: 'a-1', customerId: alice.id, at: NOW - 30 * MINUTE });
    closeAttempt(db, paid.id, { status: 'succeeded', settledVia: 'callback', code: '0', description: 'ok', receipt: 'QKH7ABC123', now: NOW - 29 * MINUTE });
    expect(findSubjects(db, 'qkh7abc123')).toEqual([expect.objectContaining({ kind: 'account', username: 'alice', matched: 'receipt' })]);
    const { payment } = recordPayment(db, { customerId: alice.id, method: 'mpesa', reference: 'RTX9ZZ0001', amountMinor: 50000, currency: 'KES', receivedAt: NOW - 20 * MINUTE, actor: 'system', zone });
    expect(findSubjects(db, 'RTX9ZZ0001').map(keyOf)).toEqual(['account:alice']);
    expect(findSubjects(db, payment.receiptNumber).map(keyOf)).toEqual(['account:alice']);
    const pending = attempt({ key: 'h-1', customerId: null, phone: '+254733000444', at: NOW - 5 * MINUTE, purpose: 'hotspot' });
    expect(findSubjects(db, '0733000444')).toEqual([expect.objectContaining({ kind: 'attempt', attemptId: pending.id, matched: 'phone' })]);
  });

  it('finds by a device MAC the accounts its sessions belong to, or the device itself when no account answers to it', () => {
    const bob = addCustomer(db, box, { username: 'bob', password: 'pw', planName: 'Home 5M' }, zone);
    session('s-bob', { start: NOW - 10 * MINUTE }, bob, '11:22:33:44:55:66');
    decision({ at: NOW - 2 * MINUTE, username: 'carol', customerId: null, mac: '11:22:33:44:55:77', reason: 'unknown_user', detail: { method: 'pap' } });
    expect(findSubjects(db, '11-22-33-44-55-66').map(keyOf)).toEqual(['account:bob']);
    // Nobody owns the name the device tried: the device is still a subject, with its refusals.
    const device = findSubjects(db, '112233445577');
    expect(device.map(keyOf)).toEqual(['mac:11:22:33:44:55:77']);
    expect(sources(explainAt(device[0]!).entries)).toEqual(['decision']);
  });
});

describe('explain', () => {
  it('puts every source in one timeline, newest first, with the facts a support person asks first', () => {
    const sub = subscriptionOf(db, alice.id)!;
    const flagged = attempt({ key: 'a-2', customerId: alice.id, at: NOW - 50 * MINUTE });
    closeAttempt(db, flagged.id, { status: 'succeeded', settledVia: 'callback', code: '0', description: 'ok', receipt: 'QFLAG00001', reviewReason: 'late-success', now: NOW - 49 * MINUTE });
    const waiting = attempt({ key: 'a-3', customerId: alice.id, phone: '+254712345678', at: NOW - 8 * MINUTE });
    scheduleQuery(db, waiting.id, NOW + MINUTE, NOW - 8 * MINUTE);
    recordPayment(db, { customerId: alice.id, method: 'mpesa', reference: 'QPAID00001', amountMinor: 150000, currency: 'KES', receivedAt: NOW - 45 * MINUTE, actor: 'system', zone });
    const ended = session('s-ended', { start: NOW - 40 * MINUTE, stop: NOW - 35 * MINUTE });
    enqueueForSession(db, ended, 'disconnect', 'operator', null, NOW - 36 * MINUTE);
    finishAction(db, listActions(db, ended)[0]!.id, { outcome: 'nak', attempts: 1, seconds: 0.1, errorCauseName: 'Session-Context-Not-Found' }, NOW - 36 * MINUTE + 500);
    const silent = session('s-silent', { start: NOW - 10 * MINUTE });
    decision({ at: NOW - MINUTE, detail: { limit: 1, session: silent, acctSessionId: 's-silent', router: 'tower' } });
    queueMessage(db, { key: 'msg-1', customerId: alice.id, to: '+254712345678', language: 'en', template: 'payment_received', body: 'Received KES 1500, thank you', critical: true, now: NOW - 44 * MINUTE });

    const story = explainAt({ kind: 'account', customerId: alice.id, username: 'alice', name: null, voucher: false, matched: 'username' });
    expect(story.account).toMatchObject({ username: 'alice', status: 'active', plan: 'Home 5M', devicesOnline: 1, deviceLimit: 1, phone: '+254712345678', voucher: null });
    const ats = story.entries.map((e) => e.at);
    expect([...ats].sort((a, b) => b - a)).toEqual(ats);
    expect(new Set(sources(story.entries))).toEqual(new Set(['attempt', 'payment', 'plan', 'decision', 'session', 'action', 'message']));
    // The subscription began when the customer was added (now, on the real clock), so its start and end lead.
    const recent = story.entries.filter((e) => e.source !== 'plan');
    expect(recent.map((e) => e.source)).toEqual(['decision', 'attempt', 'session', 'session', 'action', 'message', 'payment', 'attempt']);
    expect(story.entries.filter((e) => e.source === 'plan').map((e) => (e as { event: string }).event)).toEqual(['ends', 'activated']);
    expect(sub.periodStart).not.toBeNull();

    const silentEntry = story.entries.find((e) => e.source === 'session' && e.session.id === silent)!;
    expect(silentEntry).toMatchObject({ state: 'silent', canClose: true, silentSeconds: 600 });
    expect(story.entries.find((e) => e.source === 'session' && e.session.id === ended)).toMatchObject({ state: 'ended', canClose: false });
    expect(story.entries.find((e) => e.source === 'attempt' && e.attempt.id === flagged.id)).toMatchObject({ canApply: true, canQueryNow: false });
    expect(story.entries.find((e) => e.source === 'attempt' && e.attempt.id === waiting.id)).toMatchObject({ canApply: false, canQueryNow: true });
    // The SMS shows its kind and state, never its text.
    expect(JSON.stringify(story.entries.filter((e) => e.source === 'message'))).not.toContain('thank you');

    const words = describeEntries(db, story, 'en', zone);
    const said = (source: WhyEntry['source']) => words.filter((w) => w.entry.source === source).map((w) => `${w.what} | ${w.detail.join(' · ')}`);
    expect(said('decision')[0]).toContain('Refused');
    expect(said('decision')[0]).toContain('as alice on tower');
    expect(said('session')[0]).toContain('open, but the router has said nothing for 10 min');
    expect(said('action')[0]).toContain('Disconnect sent to the router: the router refused it (NAK)');
    expect(said('action')[0]).toContain('Session-Context-Not-Found');
    expect(said('attempt').join('\n')).toContain('waiting for a person');
    expect(said('attempt').join('\n')).toContain('from +2547…678');
    expect(said('attempt').join('\n')).not.toContain('+254712345678');
    expect(said('message')[0]).toContain('SMS: ');
    const arabic = describeEntries(db, story, 'ar', zone);
    expect(arabic.find((w) => w.entry.source === 'session')!.what).toContain('مفتوحة');
  });

  it('reads at most `limit` rows from each source, however long the history', () => {
    // Oldest first, as the recorder writes them (the trace is read by id, which grows with time).
    for (let i = 30; i >= 1; i--) decision({ at: NOW - i * MINUTE });
    for (let i = 0; i < 12; i++) queueMessage(db, { key: `m-${i}`, customerId: alice.id, to: '+254712345678', language: 'en', template: null, body: `hello ${i}`, critical: false, now: NOW - i * MINUTE });
    const story = explainAt({ kind: 'account', customerId: alice.id, username: 'alice', name: null, voucher: false, matched: 'username' }, 5);
    expect(story.entries.filter((e) => e.source === 'decision')).toHaveLength(5);
    expect(story.entries.filter((e) => e.source === 'message')).toHaveLength(5);
    // The newest five, not any five.
    expect(story.entries.filter((e) => e.source === 'decision').map((e) => e.at)).toEqual([1, 2, 3, 4, 5].map((i) => NOW - i * MINUTE));
  });

  it('tells live, silent, stale and ended sessions apart by how long the router has said nothing', () => {
    const at = (secondsQuiet: number) => sessionState({ stoppedAt: null, updatedAt: NOW - secondsQuiet * 1000 }, NOW, INTERIM, GRACE);
    expect(at(0)).toBe('live');
    expect(at(INTERIM + GRACE)).toBe('live');
    expect(at(INTERIM + GRACE + 1)).toBe('silent');
    expect(at(3 * INTERIM + GRACE)).toBe('silent');
    expect(at(3 * INTERIM + GRACE + 1)).toBe('stale');
    expect(sessionState({ stoppedAt: NOW - 1000, updatedAt: NOW - 1000 }, NOW, INTERIM, GRACE)).toBe('ended');
  });
});

describe('the one-step fixes', () => {
  it('closes a silent session as Lango-Stale-Closed, audit-logged, and leaves a live one alone', () => {
    const silent = session('s-silent', { start: NOW - 10 * MINUTE });
    const live = session('s-live', { start: NOW - 10 * MINUTE, lastHeard: NOW - MINUTE });
    expect(closeSilent(db, { sessionId: live, actor: 'staff:otieno', now: NOW, interimSeconds: INTERIM, graceSeconds: GRACE })).toEqual({ kind: 'not-silent' });
    expect(closeSilent(db, { sessionId: silent, actor: 'staff:otieno', now: NOW, interimSeconds: INTERIM, graceSeconds: GRACE })).toMatchObject({ kind: 'closed' });
    expect(closeSilent(db, { sessionId: silent, actor: 'staff:otieno', now: NOW, interimSeconds: INTERIM, graceSeconds: GRACE })).toEqual({ kind: 'not-silent' });
    const rows = listSessions(db, { username: 'alice' });
    expect(rows.find((s) => s.id === silent)).toMatchObject({ stoppedAt: NOW, terminateCause: SILENT_CLOSED_CAUSE });
    expect(rows.find((s) => s.id === live)).toMatchObject({ stoppedAt: null });
    expect(auditTrail(db, `customer:${alice.id}`).filter((a) => a.action === 'session.close-stale')).toEqual([expect.objectContaining({ actor: 'staff:otieno', detail: expect.objectContaining({ session: silent, nas: 'tower' }) })]);
  });

  it('re-sends a customer’s login details with their password, once a minute, and a voucher’s the way its sale did', () => {
    expect(resendLogin(db, box, { customerId: alice.id, actor: 'staff:otieno', now: NOW })).toEqual({ kind: 'queued', phone: '+254712345678' });
    const sent = listMessages(db, { customerId: alice.id, template: 'credentials' });
    expect(sent).toHaveLength(1);
    // The text carries the password, so no outbox screen shows it.
    expect(sent[0]!.body).not.toContain('alice-secret');
    expect(db.select().from(messages).where(eq(messages.id, sent[0]!.id)).get()!.body).toContain('your WiFi login is alice, password alice-secret');
    expect(resendLogin(db, box, { customerId: alice.id, actor: 'staff:otieno', now: NOW + 20_000 })).toEqual({ kind: 'too-soon', seconds: 40 });
    expect(resendLogin(db, box, { customerId: alice.id, actor: 'staff:otieno', now: NOW + 61_000 })).toMatchObject({ kind: 'queued' });
    expect(listMessages(db, { customerId: alice.id, template: 'credentials' })).toHaveLength(2);
    const audit = auditTrail(db, `customer:${alice.id}`).filter((a) => a.action === 'customer.resend-login');
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain('alice-secret');
    expect(JSON.stringify(audit)).not.toContain('712345678');

    const nophone = addCustomer(db, box, { username: 'dan', password: 'pw', planName: 'Home 5M' }, zone);
    expect(resendLogin(db, box, { customerId: nophone.id, actor: 'staff:otieno', now: NOW })).toEqual({ kind: 'no-phone' });

    const sold = sellVoucher(db, box, { plan: findPlanByName(db, 'Home 5M')!, phone: '+254700111222', seller: 'portal', now: NOW - 60 * MINUTE, actor: 'test' });
    expect(resendLogin(db, box, { customerId: sold.customerId, actor: 'staff:otieno', now: NOW })).toMatchObject({ kind: 'queued' });
    const events = db.select().from(notificationEvents).where(eq(notificationEvents.customerId, sold.customerId)).all();
    expect(events).toEqual([expect.objectContaining({ kind: 'credentials', ref: `voucher:${sold.code}:code`, periodStart: NOW })]);
  });

  it('moves a pending payment’s provider query to now, and refuses one that is closed', () => {
    const waiting = attempt({ key: 'a-4', customerId: alice.id, at: NOW - 8 * MINUTE });
    scheduleQuery(db, waiting.id, NOW + 5 * MINUTE, NOW - 8 * MINUTE);
    expect(queryPaymentNow(db, { attemptId: waiting.id, actor: 'staff:otieno', now: NOW })).toMatchObject({ kind: 'scheduled' });
    expect(findAttempt(db, waiting.id)!.nextQueryAt).toBe(NOW);
    closeAttempt(db, waiting.id, { status: 'failed', settledVia: 'query', code: '1032', description: 'cancelled', now: NOW + 1000 });
    expect(queryPaymentNow(db, { attemptId: waiting.id, actor: 'staff:otieno', now: NOW + 2000 })).toEqual({ kind: 'not-pending' });
    expect(auditTrail(db, `attempt:${waiting.id}`).map((a) => a.action)).toEqual(['payment.query-now']);
  });
});

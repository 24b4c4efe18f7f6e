import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { en as traceEn } from '../i18n/trace.js';
import { ar as traceAr } from '../i18n/trace.js';
import { createDecisionWriter, decisionReasons, decisionsOf, describeDecision, eraseDecisionPersonalData, pruneDecisions, recentDecisions, type DecisionInput, type DecisionReason } from './decisions.js';

const zone = 'Africa/Juba';
const at = DateTime.fromISO('2026-11-24T15:30', { zone }).toMillis();
const row = (reason: DecisionReason, detail: Record<string, string | number> = {}, nasIp = '10.0.0.1') => ({ reason, detail: JSON.stringify(detail), nasIp, at });

// One sample detail per reason, as the access handler and the recorder store them.
const SAMPLES: Record<DecisionReason, Record<string, string | number>> = {
  accepted: {},
  accepted_overdue: { addressList: 'lango-overdue' },
  unknown_user: { method: 'pap' },
  wrong_password: { method: 'mschapv2' },
  no_credentials: {},
  too_many_attempts: {},
  voucher_revoked: {},
  voucher_unused_expired: { useBefore: at - 86_400_000 },
  voucher_wrong_place: {},
  voucher_locked: { device: '02:00:00:00:00:01' },
  voucher_lock_race: {},
  suspended: {},
  overdue: {},
  terminated: {},
  no_plan: {},
  plan_paused: {},
  plan_expired: { expiresAt: DateTime.fromISO('2026-11-24T14:02', { zone }).toMillis() },
  outside_window: { from: '22:00', to: '06:00' },
  data_used_up: { used: 5_012_345_678, allowance: 5_000_000_000 },
  time_used_up: { used: 10_800, allowance: 10_800 },
  simultaneous_use: { limit: 1, session: 17, acctSessionId: '81a00002', router: 'kilimani-ccr' },
  mac_binding: { registered: '02:00:00:00:00:02' },
  unknown_nas: {},
  missing_message_authenticator: { router: 'kilimani-ccr' },
  bad_message_authenticator: { router: 'kilimani-ccr' },
  proxy_state_without_message_authenticator: { router: 'kilimani-ccr' },
  eap_without_message_authenticator: { router: 'kilimani-ccr' },
};

describe('decision words', () => {
  it('says every reason in English and Arabic, with nothing left unfilled', () => {
    for (const reason of decisionReasons) {
      expect(traceEn.reason[reason], reason).toBeTruthy();
      expect(traceAr.reason?.[reason], reason).toBeTruthy();
      const words = { en: describeDecision(row(reason, SAMPLES[reason], '10.9.9.9'), 'en', zone), ar: describeDecision(row(reason, SAMPLES[reason], '10.9.9.9'), 'ar', zone) };
      for (const text of Object.values(words)) {
        expect(text, reason).not.toMatch(/\{\{|undefined|trace\./);
        expect(text.length, reason).toBeGreaterThan(3);
      }
      expect(words.ar, reason).not.toBe(words.en);
    }
  });

  it('gives the details the support desk asks for', () => {
    const say = (reason: DecisionReason, nasIp?: string) => describeDecision(row(reason, SAMPLES[reason], nasIp), 'en', zone);
    expect(say('plan_expired')).toBe('Plan expired at 14:02');
    expect(say('data_used_up')).toBe('Data allowance used (5.0 GB of 5 GB)');
    expect(say('time_used_up')).toBe('Time allowance used (3:00 of 3:00 hours)');
    expect(say('simultaneous_use')).toBe('Simultaneous-use limit 1 reached by session 81a00002 on router kilimani-ccr');
    expect(say('outside_window')).toBe('Outside the plan window 22:00–06:00');
    expect(say('unknown_nas', '10.9.9.9')).toBe('Unknown NAS 10.9.9.9: not answered');
    expect(say('missing_message_authenticator')).toBe('Missing Message-Authenticator (router kilimani-ccr requires it): not answered');
    expect(say('wrong_password')).toBe('Wrong password (MS-CHAPv2)');
    expect(say('unknown_user')).toBe('No such user (PAP)');
    expect(say('voucher_locked')).toBe('Voucher locked to another device (02:00:00:00:00:01)');
    expect(describeDecision(row('plan_expired', SAMPLES.plan_expired), 'ar', zone)).toBe('انتهت الباقة عند 14:02');
  });

  it('says how often a repeated decision came, and when the last time was', () => {
    const repeated = row('wrong_password', { method: 'pap', repeats: 37, lastAt: DateTime.fromISO('2026-11-24T15:44', { zone }).toMillis() });
    expect(describeDecision(repeated, 'en', zone)).toBe('Wrong password (PAP) — 37 times, the last at 15:44');
    expect(describeDecision(repeated, 'ar', zone)).toBe('كلمة مرور خاطئة (PAP) — 37 مرة، آخرها عند 15:44');
  });

  it('formats times in the operator zone, with the date when it is another day', () => {
    // Juba is UTC+2, Nairobi UTC+3: the same moment, read where the operator is.
    expect(describeDecision(row('plan_expired', SAMPLES.plan_expired), 'en', 'Africa/Nairobi')).toBe('Plan expired at 15:02');
    expect(describeDecision(row('voucher_unused_expired', SAMPLES.voucher_unused_expired), 'en', zone)).toBe('Voucher not used before 2026-11-23 15:30');
  });

  it('says what it can when a detail is missing, and shows an unknown code as it is', () => {
    expect(describeDecision(row('plan_expired'), 'en', zone)).toBe('Plan expired');
    expect(describeDecision(row('simultaneous_use', { limit: 2 }), 'en', zone)).toBe('Simultaneous-use limit 2 reached');
    expect(describeDecision({ reason: 'from_the_future', detail: null, nasIp: '10.0.0.1', at }, 'en', zone)).toBe('from_the_future');
  });
});

describe('decision rows', () => {
  let conn: Connection;
  const DAY = 86_400_000;
  const NOW = Date.UTC(2026, 10, 24);
  const input = (i: number, extra: Partial<DecisionInput> = {}): DecisionInput => ({
    at: NOW - (100 - i) * DAY,
    nasId: 1,
    nasIp: '10.0.0.1',
    username: `user${i % 3}`,
    mac: i % 2 ? '02:00:00:00:00:01' : null,
    customerId: i % 3,
    result: 'reject',
    reason: 'wrong_password',
    detail: { method: 'pap' },
    reply: 'Reply-Message=Wrong username or password.',
    ...extra,
  });
  const ids = () => (conn.sqlite.prepare('SELECT id FROM auth_decisions ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);

  beforeEach(() => {
    conn = openDatabase(':memory:');
  });
  afterEach(() => conn.close());

  it('prunes decisions older than the kept days, a chunk of ids at a time', () => {
    // Day 1 … day 100 before now, one decision each.
    createDecisionWriter(conn.sqlite).insert(Array.from({ length: 100 }, (_, i) => input(i + 1)));
    expect(pruneDecisions(conn.db, { now: NOW, keepDays: 14, keepRows: 1_000_000, chunk: 50 })).toEqual({ deleted: 50, more: true });
    expect(pruneDecisions(conn.db, { now: NOW, keepDays: 14, keepRows: 1_000_000, chunk: 50 })).toEqual({ deleted: 35, more: false });
    // Kept: the decisions at most 14 days old.
    expect(ids()).toEqual(Array.from({ length: 15 }, (_, i) => 86 + i));
    expect(pruneDecisions(conn.db, { now: NOW, keepDays: 14, keepRows: 1_000_000 })).toEqual({ deleted: 0, more: false });
  });

  it('prunes down to the kept number of rows, newest kept', () => {
    createDecisionWriter(conn.sqlite).insert(Array.from({ length: 100 }, (_, i) => input(i + 1, { at: NOW })));
    let step = pruneDecisions(conn.db, { now: NOW, keepDays: 14, keepRows: 30, chunk: 40 });
    expect(step).toEqual({ deleted: 40, more: true });
    step = pruneDecisions(conn.db, { now: NOW, keepDays: 14, keepRows: 30, chunk: 40 });
    expect(step).toEqual({ deleted: 30, more: false });
    expect(ids()).toEqual(Array.from({ length: 30 }, (_, i) => 71 + i));
  });

  it('prunes nothing from an empty trace', () => {
    expect(pruneDecisions(conn.db, { now: NOW, keepDays: 1, keepRows: 1 })).toEqual({ deleted: 0, more: false });
  });

  it('reads a subject newest first, and pages back by id', () => {
    createDecisionWriter(conn.sqlite).insert(Array.from({ length: 9 }, (_, i) => input(i + 1)));
    const mine = recentDecisions(conn.db, { username: 'user1' }, { limit: 2 });
    expect(mine.map((r) => r.id)).toEqual([7, 4]);
    expect(recentDecisions(conn.db, { username: 'user1' }, { beforeId: 4 }).map((r) => r.id)).toEqual([1]);
    expect(recentDecisions(conn.db, { mac: '02:00:00:00:00:01' }).map((r) => r.id)).toEqual([9, 7, 5, 3, 1]);
  });

  it('blanks who and which device on erasure, and exports a customer’s decisions', () => {
    createDecisionWriter(conn.sqlite).insert([input(1), input(2), input(4, { customerId: null, username: 'user1', reason: 'unknown_user' })]);
    expect(decisionsOf(conn.db, 1)).toHaveLength(1);
    eraseDecisionPersonalData(conn.db, 1, 'user1');
    const after = conn.sqlite.prepare('SELECT username, mac, customer_id, reason, detail, reply FROM auth_decisions ORDER BY id').all();
    expect(after).toEqual([
      { username: '', mac: null, customer_id: 1, reason: 'wrong_password', detail: null, reply: null },
      { username: 'user2', mac: null, customer_id: 2, reason: 'wrong_password', detail: '{"method":"pap"}', reply: 'Reply-Message=Wrong username or password.' },
      { username: '', mac: null, customer_id: null, reason: 'unknown_user', detail: null, reply: null },
    ]);
  });
});

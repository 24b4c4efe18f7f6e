import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { createGroupCommit, type GroupCommit } from '../db/group-commit.js';
import { encodeRequest } from '../radius/authenticators.js';
import { decodePacket, encodeAttribute } from '../radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../radius/dictionary.js';
import { Code } from '../radius/packet.js';
import { resolveAttributes } from './attributes.js';
import { createDecisionRecorder, type DecisionRecorder, type PendingDecision } from './decision-recorder.js';

const dictionary = loadDictionary(defaultDictionaryPath());
const a = resolveAttributes(dictionary);
const secret = Buffer.from('recorder-secret');
const T0 = Date.UTC(2026, 10, 24, 9, 0);

let conn: Connection;
let commit: GroupCommit;
let submits: number;
let committed: number;

const turn = () => new Promise((resolve) => setImmediate(resolve));
const rows = () => conn.sqlite.prepare('SELECT * FROM auth_decisions ORDER BY id').all() as Array<Record<string, unknown>>;

function request(attributes: Buffer[]) {
  return decodePacket(encodeRequest({ code: Code.AccessRequest, identifier: 7, attributes: Buffer.concat(attributes), secret, messageAuthenticator: true }), dictionary);
}

function decision(username: string, extra: Partial<PendingDecision> = {}): PendingDecision {
  return { at: T0, nasId: 1, nasIp: '10.0.0.1', username, customerId: 5, result: 'reject', reason: 'wrong_password', detail: { method: 'pap' }, ...extra };
}

function recorder(options: { maxPending?: number; delayMs?: number; onDropped?: (rows: number) => void; now?: () => number } = {}): DecisionRecorder {
  return createDecisionRecorder({ sqlite: conn.sqlite, commit, dictionary, attributes: a, customerOf: (u) => (u === 'amina' ? 42 : undefined), delayMs: 0, ...options });
}

beforeEach(() => {
  conn = openDatabase(':memory:');
  const real = createGroupCommit(conn.sqlite, { onBatch: () => committed++ });
  submits = 0;
  committed = 0;
  // Counts the items the recorder hands to the group commit.
  commit = {
    submit: (work, done) => {
      submits++;
      real.submit(work, done);
    },
    flush: () => real.flush(),
    get pending() {
      return real.pending;
    },
  };
});

afterEach(() => conn.close());

describe('the decision recorder', () => {
  it('writes decisions only in the group commit, with one item per turn for all of them', async () => {
    const trace = recorder();
    for (const name of ['amina', 'baraka', 'chebet']) trace.record(decision(name));
    expect(rows()).toHaveLength(0);
    expect(trace.pending).toBe(3);
    expect(submits).toBe(1);
    await turn();
    expect(committed).toBe(1);
    expect(rows().map((r) => r.username)).toEqual(['amina', 'baraka', 'chebet']);
    expect(rows()[0]).toMatchObject({ nas_id: 1, nas_ip: '10.0.0.1', customer_id: 5, result: 'reject', reason: 'wrong_password', detail: '{"method":"pap"}', at: T0 });
    expect(trace.pending).toBe(0);

    // The next turn's decisions are a new item.
    trace.record(decision('daudi'));
    expect(submits).toBe(2);
    await turn();
    expect(rows()).toHaveLength(4);
  });

  it('keeps the same decision within a minute as one row, and writes its count when the minute closes', async () => {
    const trace = recorder();
    trace.record(decision('amina', { at: T0 }));
    await turn();
    for (let i = 1; i <= 4; i++) trace.record(decision('amina', { at: T0 + i * 1000 }));
    // Another reason, another detail (CHAP, not PAP), another user: rows of their own.
    trace.record(decision('amina', { at: T0 + 5000, reason: 'plan_expired', detail: undefined }));
    trace.record(decision('amina', { at: T0 + 5000, detail: { method: 'chap' } }));
    trace.record(decision('baraka', { at: T0 + 5000 }));
    await turn();
    expect(rows()).toHaveLength(4);
    expect(rows()[0]!.detail).toBe('{"method":"pap"}');
    trace.record(decision('amina', { at: T0 + 61_000 }));
    await turn();
    expect(rows().map((r) => [r.username, r.reason, JSON.parse(String(r.detail ?? 'null'))])).toEqual([
      ['amina', 'wrong_password', { method: 'pap', repeats: 5, lastAt: T0 + 4000 }],
      ['amina', 'plan_expired', null],
      ['amina', 'wrong_password', { method: 'chap' }],
      ['baraka', 'wrong_password', { method: 'pap' }],
      ['amina', 'wrong_password', { method: 'pap' }],
    ]);
  });

  it('tells devices apart, and writes every open count at shutdown', async () => {
    const trace = recorder();
    const from = (mac: string) => request([encodeAttribute(a.userName, 'amina'), encodeAttribute(a.callingStationId, mac)]);
    trace.record(decision('amina', { request: from('02:00:00:00:00:01') }));
    trace.record(decision('amina', { request: from('02:00:00:00:00:02') }));
    await turn();
    trace.record(decision('amina', { at: T0 + 10_000, request: from('02:00:00:00:00:01') }));
    trace.record(decision('amina', { at: T0 + 20_000, request: from('02:00:00:00:00:01') }));
    trace.flush();
    commit.flush();
    expect(rows().map((r) => [r.mac, JSON.parse(String(r.detail))])).toEqual([
      ['02:00:00:00:00:01', { method: 'pap', repeats: 3, lastAt: T0 + 20_000 }],
      ['02:00:00:00:00:02', { method: 'pap' }],
    ]);
  });

  it('with logins alone, waits for a batch up to delayMs and then writes all of them in one item', async () => {
    // Long enough that two event-loop turns on a loaded machine stay inside it.
    const trace = recorder({ delayMs: 1_000 });
    trace.record(decision('amina'));
    await turn();
    trace.record(decision('baraka'));
    await turn();
    expect(submits).toBe(0);
    expect(rows()).toHaveLength(0);
    for (let waited = 0; submits === 0 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    await turn();
    expect(submits).toBe(1);
    expect(rows().map((r) => r.username)).toEqual(['amina', 'baraka']);
  });

  it('rides a batch that is forming this turn (accounting) without waiting', async () => {
    const trace = recorder({ delayMs: 60_000 });
    commit.submit(() => {}, () => {});
    trace.record(decision('amina'));
    expect(submits).toBe(2);
    await turn();
    expect(committed).toBe(1);
    expect(rows()).toHaveLength(1);
  });

  it('hands its buffer to the group commit at once when flushed (shutdown)', () => {
    const trace = recorder({ delayMs: 60_000 });
    trace.record(decision('amina'));
    trace.flush();
    commit.flush();
    expect(rows()).toHaveLength(1);
  });

  it('writes more than one insert chunk in the same item', async () => {
    const trace = recorder();
    for (let i = 0; i < 120; i++) trace.record(decision(`user${i}`));
    expect(submits).toBe(1);
    await turn();
    expect(rows()).toHaveLength(120);
    expect(rows()[119]!.username).toBe('user119');
  });

  it('holds at most maxPending decisions and counts the ones beyond it', async () => {
    const dropped: number[] = [];
    const trace = recorder({ maxPending: 5, onDropped: (n) => dropped.push(n) });
    for (let i = 0; i < 8; i++) trace.record(decision(`user${i}`));
    expect(trace.pending).toBe(5);
    expect(trace.dropped).toBe(3);
    expect(dropped).toEqual([1, 1, 1]);
    await turn();
    expect(rows()).toHaveLength(5);
    // Room again once written.
    trace.record(decision('late'));
    await turn();
    expect(rows()).toHaveLength(6);
  });

  it('gives up the rows of a commit that failed, and submits again for the next decision', () => {
    const failing: GroupCommit = { submit: (_work, done) => done(new Error('disk full')), flush: () => {}, pending: 0 };
    const dropped: number[] = [];
    const trace = createDecisionRecorder({ sqlite: conn.sqlite, commit: failing, dictionary, attributes: a, delayMs: 0, onDropped: (n) => dropped.push(n) });
    trace.record(decision('amina'));
    trace.record(decision('baraka'));
    expect(trace.dropped).toBe(2);
    expect(dropped).toEqual([1, 1]);
    expect(trace.pending).toBe(0);
  });

  it('writes the calling device as a MAC and the reply attributes in words, never a secret', async () => {
    const trace = recorder();
    const reply = Buffer.concat([
      encodeAttribute(a.mikrotikRateLimit, '2M/4M'),
      encodeAttribute(a.sessionTimeout, 3600),
      encodeAttribute(a.msChap2Success, Buffer.from('S=0123456789ABCDEF0123456789ABCDEF01234567')),
      encodeAttribute(a.msMppeSendKey, Buffer.alloc(34, 7)),
      encodeAttribute(a.msMppeRecvKey, Buffer.alloc(34, 8)),
    ]);
    trace.record(decision('amina', { result: 'accept', reason: 'accepted', detail: undefined, request: request([encodeAttribute(a.userName, 'amina'), encodeAttribute(a.callingStationId, 'aa-bb-cc-dd-ee-0f')]), reply }));
    trace.record(decision('baraka', { request: request([encodeAttribute(a.userName, 'baraka'), encodeAttribute(a.callingStationId, 'not a mac')]) }));
    await turn();
    const [accepted, refused] = rows();
    expect(accepted).toMatchObject({ mac: 'AA:BB:CC:DD:EE:0F', reply: 'Mikrotik-Rate-Limit=2M/4M; Session-Timeout=3600', detail: null });
    expect(String(accepted!.reply)).not.toMatch(/MS-CHAP2-Success|MPPE/);
    expect(refused).toMatchObject({ mac: null, reply: null });
  });

  it('records an unknown NAS once a minute per address with a count, reading the user from the datagram', async () => {
    let now = T0;
    const trace = recorder({ now: () => now });
    const datagram = encodeRequest({ code: Code.AccessRequest, identifier: 1, attributes: Buffer.concat([encodeAttribute(a.userName, 'amina'), encodeAttribute(a.callingStationId, '02:00:00:00:00:09')]), secret, messageAuthenticator: true });
    for (let i = 0; i < 50; i++) trace.ignored({ reason: 'unknown_nas', source: '10.9.9.9', datagram });
    trace.ignored({ reason: 'unknown_nas', source: '10.9.9.8', datagram: Buffer.from('garbage') });
    now += 61_000;
    trace.ignored({ reason: 'unknown_nas', source: '10.9.9.9', datagram });
    await turn();
    expect(rows()[0]!.detail).toBe(JSON.stringify({ repeats: 50, lastAt: T0 }));
    expect(rows().map((r) => [r.nas_ip, r.username, r.mac, r.customer_id, r.nas_id, r.result, r.reason])).toEqual([
      ['10.9.9.9', 'amina', '02:00:00:00:00:09', 42, null, 'ignored', 'unknown_nas'],
      ['10.9.9.8', '', null, null, null, 'ignored', 'unknown_nas'],
      ['10.9.9.9', 'amina', '02:00:00:00:00:09', 42, null, 'ignored', 'unknown_nas'],
    ]);
  });

  it('writes at most 100 new unknown-NAS rows a minute, however many addresses a flood forges, and counts the rest as dropped', async () => {
    let now = T0;
    const trace = recorder({ now: () => now });
    for (let i = 0; i < 150; i++) trace.ignored({ reason: 'unknown_nas', source: `10.8.${i >> 8}.${i & 255}`, datagram: Buffer.from('x') });
    // A repeat from an address already written is still counted on its row.
    trace.ignored({ reason: 'unknown_nas', source: '10.8.0.0', datagram: Buffer.from('x') });
    await turn();
    expect(rows()).toHaveLength(100);
    expect(trace.dropped).toBe(50);
    now += 60_000;
    trace.ignored({ reason: 'unknown_nas', source: '10.9.0.1', datagram: Buffer.from('x') });
    await turn();
    expect(rows()).toHaveLength(101);
  });

  it('records a missing Message-Authenticator once a minute per router and user, naming the router', async () => {
    const trace = recorder({ now: () => T0 });
    const packet = request([encodeAttribute(a.userName, 'amina')]);
    const client = { id: 3, name: 'kilimani' };
    for (let i = 0; i < 3; i++) trace.ignored({ reason: 'missing_message_authenticator', source: '10.0.0.3', client, packet });
    trace.ignored({ reason: 'missing_message_authenticator', source: '10.0.0.3', client, packet: request([encodeAttribute(a.userName, 'baraka')]) });
    // Drops that are no decision about a login are not traced.
    trace.ignored({ reason: 'wrong_port', source: '10.0.0.3', client, packet });
    await turn();
    expect(rows().map((r) => [r.username, r.customer_id, r.nas_id, r.reason, r.detail])).toEqual([
      ['amina', 42, 3, 'missing_message_authenticator', '{"router":"kilimani","repeats":3,"lastAt":' + T0 + '}'],
      ['baraka', null, 3, 'missing_message_authenticator', '{"router":"kilimani"}'],
    ]);
  });
});

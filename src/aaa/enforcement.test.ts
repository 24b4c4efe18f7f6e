import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { addCustomer, addPlan, createSubscriberLookup, type Subscriber } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import type { CoaClient, DynamicAuthResult } from '../radius/coa-client.js';
import { defaultDictionaryPath, loadDictionary } from '../radius/dictionary.js';
import type { RadiusClient } from '../radius/server.js';
import { resolveAttributes } from './attributes.js';
import { consequencesOf, enqueueExpired, enqueueForSession, EnforcementWorker, listActions, listNotifications, recordExpiryWarnings } from './enforcement.js';
import type { EnforcementKind } from '../db/schema/aaa.js';
import { addNas } from './nas.js';
import { closeStaleSessions, createSessionWriter, listSessions, type AccountingRecord } from './sessions.js';
import { accountingRecord } from './test-fixtures.js';
import { createUsageReader } from './usage.js';

const box = createSecretBox(Buffer.alloc(32, 9));
const MB = 1_000_000;
let conn: Connection;
let nasId: number;

beforeEach(() => {
  conn = openDatabase(':memory:');
  nasId = addNas(conn.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' }).id;
});
afterEach(() => conn.close());

const record = (overrides: Partial<AccountingRecord>): AccountingRecord =>
  accountingRecord({ nasId, acctSessionId: 's1', username: 'u', eventTime: 1_000_000, ...overrides });

describe('what usage calls for', () => {
  const plan = (extra: Partial<Subscriber>): Subscriber =>
    ({ dataBytes: 10 * MB, dataCounts: 'total', rateLimit: '2M/2M', fupTiers: [{ afterBytes: 5 * MB, rateLimit: '512k/512k' }], timeAllowanceSeconds: null, ...extra }) as Subscriber;
  const change = (before: number, after: number, seconds = 0) => ({
    sessionId: 1,
    owner: { customerId: 1, periodStart: 0 },
    added: { input: 0, output: after - before, seconds },
    totals: { input: 0, output: after, seconds },
  });

  it('asks for the tier speed exactly when the tier is crossed', () => {
    expect(consequencesOf(change(4 * MB, 6 * MB), plan({})).coaRate).toBe('512k/512k');
    expect(consequencesOf(change(6 * MB, 7 * MB), plan({})).coaRate).toBeNull();
  });

  it('asks for a disconnect, not a speed change, when the bundle runs out', () => {
    expect(consequencesOf(change(4 * MB, 11 * MB), plan({}))).toEqual({ coaRate: null, disconnect: 'data allowance used up', notifications: ['data_80', 'data_100'] });
  });

  it('counts download only when the plan says so', () => {
    const downloadOnly = plan({ dataCounts: 'download' });
    const upload = { sessionId: 1, owner: { customerId: 1, periodStart: 0 }, added: { input: 20 * MB, output: 0, seconds: 0 }, totals: { input: 20 * MB, output: 0, seconds: 0 } };
    expect(consequencesOf(upload, downloadOnly).disconnect).toBeNull();
  });

  it('asks for a disconnect when the online time runs out', () => {
    const timed = plan({ dataBytes: null, fupTiers: [], timeAllowanceSeconds: 3600 });
    const c = { sessionId: 1, owner: { customerId: 1, periodStart: 0 }, added: { input: 0, output: 0, seconds: 100 }, totals: { input: 0, output: 0, seconds: 3650 } };
    expect(consequencesOf(c, timed)).toEqual({ coaRate: null, disconnect: 'time allowance used up', notifications: ['time_100'] });
  });
});

describe('housekeeping', () => {
  it('closes sessions silent for three interim intervals and the grace, and then they stop counting', () => {
    addPlan(conn.db, { name: 'P', priceMinor: 1, currency: 'KES', interimIntervalSeconds: 60 });
    const customer = addCustomer(conn.db, box, { username: 'u', password: 'x', planName: 'P' });
    const writer = createSessionWriter(conn);
    writer.record(record({ eventTime: 1_000_000 }), { customerId: customer.id, periodStart: 0 });
    writer.record(record({ acctSessionId: 's2', eventTime: 1_200_000 }), { customerId: customer.id, periodStart: 0 });
    const usage = createUsageReader(conn);
    expect(usage(customer.id, 0, 0).openSessions).toBe(2);
    // 3 x 60 s + 30 s grace = 210 s: s1 (silent 300 s) is stale, s2 (silent 100 s) is not.
    expect(closeStaleSessions(conn.db, 1_300_000, 300, 30)).toBe(1);
    expect(listSessions(conn.db, { active: true }).map((s) => s.acctSessionId)).toEqual(['s2']);
    expect(listSessions(conn.db).find((s) => s.acctSessionId === 's1')?.terminateCause).toBe('Lango-Stale');
  });

  it('queues one Disconnect per open session of an expired plan, once', () => {
    addPlan(conn.db, { name: 'Hour', priceMinor: 1, currency: 'KES', durationSeconds: 3600 });
    const customer = addCustomer(conn.db, box, { username: 'u', password: 'x', planName: 'Hour' });
    createSessionWriter(conn).record(record({}), { customerId: customer.id, periodStart: customer.activatedAt! });
    expect(enqueueExpired(conn.db, customer.expiresAt! - 1)).toBe(0);
    expect(enqueueExpired(conn.db, customer.expiresAt! + 1)).toBe(1);
    expect(enqueueExpired(conn.db, customer.expiresAt! + 2)).toBe(0);
    expect(listActions(conn.db).map((a) => [a.kind, a.reason])).toEqual([['disconnect', 'plan expired']]);
  });

  it('warns once when a plan ends within a day', () => {
    addPlan(conn.db, { name: 'Week', priceMinor: 1, currency: 'KES', durationSeconds: 7 * 86400 });
    const customer = addCustomer(conn.db, box, { username: 'u', password: 'x', planName: 'Week' });
    expect(recordExpiryWarnings(conn.db, customer.expiresAt! - 2 * 86_400_000)).toBe(0);
    expect(recordExpiryWarnings(conn.db, customer.expiresAt! - 3_600_000)).toBe(1);
    expect(recordExpiryWarnings(conn.db, customer.expiresAt! - 1_800_000)).toBe(0);
    expect(listNotifications(conn.db, customer.id).map((n) => n.kind)).toEqual(['expiry_24h']);
    expect(createSubscriberLookup(conn.db).byUsername('u')?.expiresAt).toBe(customer.expiresAt);
  });
});

describe('logging off through the RouterOS API when a Disconnect fails', () => {
  const attributes = resolveAttributes(loadDictionary(defaultDictionaryPath()));
  const router: RadiusClient = { id: 0, name: 'R1', ip: '127.0.0.1', secret: Buffer.from('testing123'), requireMessageAuthenticator: 'auto', messageAuthenticatorSeen: false };
  const timeout: DynamicAuthResult = { outcome: 'timeout', attempts: 3, seconds: 9 };
  let sessionsMade = 0;

  /** Sends one action of `kind` for a new session, the router answering `result`; returns the action as recorded and the fallback. */
  async function enforce(kind: EnforcementKind, result: DynamicAuthResult, fallback: () => Promise<boolean> = async () => true, before?: (worker: EnforcementWorker) => void) {
    const acctSessionId = `81a0000${++sessionsMade}`;
    createSessionWriter(conn).record(record({ acctSessionId, framedIp: '10.5.0.2' }), null);
    const session = listSessions(conn.db).find((s) => s.acctSessionId === acctSessionId)!;
    enqueueForSession(conn.db, session.id, kind, 'data allowance used up', kind === 'coa' ? '512k/512k' : null);
    const apiFallback = vi.fn(fallback);
    const coa = { send: async () => result } as unknown as CoaClient;
    const worker = new EnforcementWorker({ db: conn.db, coa, routerById: () => ({ ...router, id: nasId }), coaPort: 3799, attributes, logger: pino({ level: 'silent' }), apiFallback });
    before?.(worker);
    worker.kick();
    const recorded = () => listActions(conn.db, session.id).find((a) => a.kind === kind);
    await vi.waitFor(() => expect(recorded()?.status).not.toBe('pending'));
    return { action: recorded()!, apiFallback, sessionId: session.id, acctSessionId };
  }

  it('records an unanswered Disconnect the API carried out as acknowledged, by RouterOS API', async () => {
    const { action, apiFallback, acctSessionId } = await enforce('disconnect', timeout);
    expect(action).toMatchObject({ status: 'ack', attempts: 3, errorCause: 'by RouterOS API' });
    expect(apiFallback).toHaveBeenCalledWith({ nasId, username: 'u', framedIp: '10.5.0.2', acctSessionId });
  });

  it('keeps the CoA result when the API could not log the user off either', async () => {
    const nobody = await enforce('disconnect', timeout, async () => false);
    expect(nobody.apiFallback).toHaveBeenCalledOnce();
    expect(nobody.action).toMatchObject({ status: 'timeout', attempts: 3, errorCause: null });
    const unreachable = await enforce('disconnect', timeout, async () => Promise.reject(new Error('router did not answer')));
    expect(unreachable.action).toMatchObject({ status: 'timeout', attempts: 3, errorCause: null });
  });

  it('never uses the API for a session the router says is gone, a Disconnect never sent, or after stopping', async () => {
    const gone = await enforce('disconnect', { outcome: 'nak', errorCause: 503, errorCauseName: 'Session-Context-Not-Found', attempts: 1, seconds: 0 });
    expect(gone.action).toMatchObject({ status: 'nak', errorCause: 'Session-Context-Not-Found' });
    expect(gone.apiFallback).not.toHaveBeenCalled();
    const neverSent = await enforce('disconnect', { outcome: 'timeout', attempts: 0, seconds: 0 });
    expect(neverSent.apiFallback).not.toHaveBeenCalled();
    const stopping = await enforce('disconnect', timeout, undefined, (worker) => worker.stop());
    expect(stopping.apiFallback).not.toHaveBeenCalled();
    expect(stopping.action.status).toBe('timeout');
  });

  it('never uses the API for a CoA: only for the Disconnect that follows an unanswered one', async () => {
    const coa = await enforce('coa', timeout);
    expect(coa.action).toMatchObject({ status: 'timeout', errorCause: null });
    await vi.waitFor(() => expect(listActions(conn.db, coa.sessionId).find((a) => a.kind === 'disconnect')?.status).toBe('ack'));
    expect(coa.apiFallback).toHaveBeenCalledOnce();
  });
});

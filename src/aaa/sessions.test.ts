import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { onPostgres } from '../../tests/support/postgres.js';
import { addNas } from './nas.js';
import { addCustomer, addPlan } from '../billing/index.js';
import { DateTime } from 'luxon';
import { createGroupCommit } from '../db/group-commit.js';
import { closeSessionsGoneFromRouter, createSessionWriter, listSessions, unwrapCounter, type AccountingRecord, type SessionWriter, type UsageOwner } from './sessions.js';
import { accountingRecord } from './test-fixtures.js';

const T0 = Date.UTC(2025, 0, 15, 8, 0, 0);

describe('sessions', () => {
  let dir: string;
  let conn: Connection;
  let writer: SessionWriter;
  let nasA: number;
  let nasB: number;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lango-sessions-'));
    conn = openDatabase(path.join(dir, 'lango.db'));
    const box = createSecretBox(Buffer.alloc(32, 1));
    nasA = addNas(conn.db, box, { name: 'tower-a', ip: '10.0.0.1', secret: 'testing123' }).id;
    nasB = addNas(conn.db, box, { name: 'tower-b', ip: '10.0.0.2', secret: 'testing123' }).id;
    writer = createSessionWriter(conn);
  });

  afterEach(() => {
    conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function event(overrides: Partial<AccountingRecord>): AccountingRecord {
    return accountingRecord({
      nasId: nasA,
      acctSessionId: '81a00002',
      username: 'bob',
      eventTime: T0,
      framedIp: '10.5.50.7',
      callingStationId: 'AA:BB:CC:DD:EE:FF',
      calledStationId: 'hotspot1',
      nasPortId: 'bridge1',
      ...overrides,
    });
  }
  const interim = (seconds: number, octets: number, overrides: Partial<AccountingRecord> = {}) =>
    event({
      eventTime: T0 + seconds * 1000,
      sessionTime: seconds,
      inputOctets: octets,
      outputOctets: octets * 10,
      inputPackets: Math.floor(octets / 100),
      outputPackets: Math.floor(octets / 10),
      ...overrides,
    });
  const rows = () => listSessions(conn.db);
  const only = () => {
    const all = rows();
    expect(all).toHaveLength(1);
    return all[0]!;
  };

  it('keeps one row from Start through Interim to Stop, with the final counters', () => {
    writer.record(event({}), null);
    writer.record(interim(300, 1_000), null);
    writer.record(interim(600, 5_000, { stop: { cause: 'User-Request' } }), null);
    expect(only()).toEqual({
      id: expect.any(Number),
      nas: 'tower-a',
      acctSessionId: '81a00002',
      username: 'bob',
      startedAt: T0,
      updatedAt: T0 + 600_000,
      stoppedAt: T0 + 600_000,
      sessionTime: 600,
      inputOctets: 5_000,
      outputOctets: 50_000,
      framedIp: '10.5.50.7',
      callingStationId: 'AA:BB:CC:DD:EE:FF',
      terminateCause: 'User-Request',
      customerId: null,
    });
  });

  it('frees the device when a session that began before a renewal stops after it', () => {
    const box = createSecretBox(Buffer.alloc(32, 1));
    addPlan(conn.db, { name: 'Month', priceMinor: 100, currency: 'KES', validityMonths: 1 });
    const customer = addCustomer(conn.db, box, { username: 'bob', password: 'pw', planName: 'Month' });
    const oldPeriod: UsageOwner = { customerId: customer.id, periodStart: T0 - 86_400_000 };
    writer.record(event({}), oldPeriod);
    // The renewal moved the period on; policy now asks about the new one.
    expect(writer.usageNow(customer.id, T0, 0).openSessions).toBe(1);
    // A Stop that adds no usage (the router cut it at once) must still free the device.
    writer.record(event({ eventTime: T0 + 1000, stop: { cause: 'Admin-Reset' } }), oldPeriod);
    expect(writer.usageNow(customer.id, T0, 0).openSessions).toBe(0);
  });

  it('lets a customer at the limit log in again once a session is closed outside the writer', () => {
    const box = createSecretBox(Buffer.alloc(32, 1));
    addPlan(conn.db, { name: 'Month', priceMinor: 100, currency: 'KES', validityMonths: 1 });
    const customer = addCustomer(conn.db, box, { username: 'bob', password: 'pw', planName: 'Month' });
    const owner: UsageOwner = { customerId: customer.id, periodStart: T0 };
    writer.record(event({}), owner);
    expect(writer.usageNow(customer.id, T0, 0, 1).openSessions).toBe(1);
    // `lango router sync`, in its own process, closes the session the router forgot.
    const [open] = listSessions(conn.db, { active: true });
    expect(closeSessionsGoneFromRouter(conn.db, nasA, [open!.id], T0 + 60_000, T0 + 60_000)).toBe(1);
    expect(writer.usageNow(customer.id, T0, 0, 1).openSessions).toBe(0);
  });

  it('stores counters beyond 2^32 exactly', () => {
    const big = 7 * 4294967296 + 123;
    writer.record(interim(60, 0, { inputOctets: big, outputOctets: big * 2 }), null);
    expect(only()).toMatchObject({ inputOctets: big, outputOctets: big * 2 });
  });

  it('never lowers counters on a repeated or older Interim-Update', () => {
    writer.record(event({}), null);
    writer.record(interim(600, 5_000), null);
    writer.record(interim(600, 5_000), null);
    writer.record(interim(300, 1_000), null);
    expect(only()).toMatchObject({ sessionTime: 600, inputOctets: 5_000, outputOctets: 50_000, updatedAt: T0 + 600_000 });
  });

  it('does not reopen a stopped session on a late Interim-Update', () => {
    writer.record(event({}), null);
    writer.record(interim(600, 5_000, { stop: { cause: 'Idle-Timeout' } }), null);
    writer.record(interim(300, 1_000), null);
    // Even an interim that claims more traffic than the Stop must not undo the Stop.
    writer.record(interim(900, 9_000), null);
    const row = only();
    expect(row.stoppedAt).toBe(T0 + 600_000);
    expect(row.terminateCause).toBe('Idle-Timeout');
    expect(listSessions(conn.db, { active: true })).toEqual([]);
  });

  it('keeps the first Stop when a Stop is retransmitted with another cause', () => {
    writer.record(interim(600, 5_000, { stop: { cause: 'User-Request' } }), null);
    writer.record(interim(600, 5_000, { eventTime: T0 + 605_000, stop: { cause: 'Lost-Carrier' } }), null);
    expect(only()).toMatchObject({ stoppedAt: T0 + 600_000, terminateCause: 'User-Request' });
  });

  it('creates the row from an Interim-Update whose Start was lost, dating the start back by the session time', () => {
    writer.record(interim(1_800, 2_000), null);
    expect(only()).toMatchObject({ startedAt: T0, updatedAt: T0 + 1_800_000, stoppedAt: null, sessionTime: 1_800, inputOctets: 2_000 });
  });

  it('keeps the earliest start when the Start arrives after an Interim-Update', () => {
    writer.record(interim(300, 1_000), null);
    writer.record(event({ eventTime: T0 + 2_000 }), null);
    expect(only()).toMatchObject({ startedAt: T0, sessionTime: 300, inputOctets: 1_000 });
  });

  it('takes a Framed-IP-Address that changed mid-session, but keeps a known one when none is sent', () => {
    writer.record(event({}), null);
    writer.record(interim(300, 1_000, { framedIp: '10.5.50.8' }), null);
    writer.record(interim(600, 2_000, { framedIp: null, callingStationId: null }), null);
    expect(only()).toMatchObject({ framedIp: '10.5.50.8', callingStationId: 'AA:BB:CC:DD:EE:FF' });
  });

  it('keeps separate rows for the same Acct-Session-Id on two NASes', () => {
    writer.record(event({ nasId: nasA }), null);
    writer.record(event({ nasId: nasB }), null);
    expect(rows().map((r) => r.nas).sort()).toEqual(['tower-a', 'tower-b']);
  });

  it('closes only the open sessions of the given NAS and returns how many', () => {
    writer.record(event({ acctSessionId: 'a1' }), null);
    writer.record(event({ acctSessionId: 'a2', username: 'alice' }), null);
    writer.record(interim(60, 10, { acctSessionId: 'a3', username: 'carol', stop: { cause: 'User-Request' } }), null);
    writer.record(event({ acctSessionId: 'b1', nasId: nasB }), null);

    const at = T0 + 3_600_000;
    expect(writer.closeNasSessions(nasA, at, 'NAS-Reboot')).toBe(2);

    const byId = new Map(rows().map((r) => [r.acctSessionId, r]));
    for (const id of ['a1', 'a2']) {
      expect(byId.get(id)).toMatchObject({ stoppedAt: at, updatedAt: at, terminateCause: 'NAS-Reboot' });
    }
    expect(byId.get('a3')).toMatchObject({ stoppedAt: T0 + 60_000, terminateCause: 'User-Request' });
    expect(byId.get('b1')).toMatchObject({ stoppedAt: null, terminateCause: null });

    expect(writer.closeNasSessions(nasA, at + 1_000, 'NAS-Reboot')).toBe(0);
    expect(rows().find((r) => r.acctSessionId === 'a1')?.stoppedAt).toBe(at);
  });

  it('lists only open sessions with active: true, newest first', () => {
    writer.record(event({ acctSessionId: 's1', username: 'u1', eventTime: T0 }), null);
    writer.record(event({ acctSessionId: 's2', username: 'u2', eventTime: T0 + 1_000 }), null);
    writer.record(event({ acctSessionId: 's3', username: 'u3', eventTime: T0 + 2_000 }), null);
    writer.record(event({ acctSessionId: 's2', username: 'u2', eventTime: T0 + 5_000, sessionTime: 4, stop: { cause: 'User-Request' } }), null);

    expect(listSessions(conn.db, { active: true }).map((r) => r.acctSessionId)).toEqual(['s3', 's1']);
    expect(listSessions(conn.db).map((r) => r.acctSessionId)).toEqual(['s3', 's2', 's1']);
    expect(listSessions(conn.db, { limit: 1 }).map((r) => r.acctSessionId)).toEqual(['s3']);
  });

  describe('usage', () => {
    let owner: UsageOwner;
    beforeEach(() => {
      const box = createSecretBox(Buffer.alloc(32, 1));
      addPlan(conn.db, { name: 'P', priceMinor: 100, currency: 'KES' });
      const customer = addCustomer(conn.db, box, { username: 'bob', password: 'x', planName: 'P' });
      owner = { customerId: customer.id, periodStart: T0 };
    });
    const totals = () => conn.sqlite.prepare('SELECT input_octets AS input, output_octets AS output, online_seconds AS seconds FROM usage').all();

    const at = (seconds: number, input: number, output: number, overrides: Partial<AccountingRecord> = {}) =>
      interim(seconds, 0, { inputOctets: input, outputOctets: output, ...overrides });

    it('adds what each packet adds to the customer period, once', () => {
      writer.record(event({}), owner);
      expect(writer.record(at(300, 100, 1_000), owner)?.added).toEqual({ input: 100, output: 1_000, seconds: 300 });
      expect(writer.record(at(300, 100, 1_000), owner)).toBeNull(); // duplicate
      expect(writer.record(at(200, 50, 500), owner)).toBeNull(); // late, older
      const change = writer.record(at(600, 200, 5_000, { stop: { cause: 'User-Request' } }), owner);
      expect(change?.totals).toEqual({ input: 200, output: 5_000, seconds: 600 });
      expect(totals()).toEqual([{ input: 200, output: 5_000, seconds: 600 }]);
    });

    it('counts a 32-bit counter that wrapped on a NAS without Gigawords', () => {
      writer.record(at(100, 0, 4_294_000_000), owner);
      const change = writer.record(at(200, 0, 1_000_000), owner);
      expect(change?.added.output).toBe(2 ** 32 + 1_000_000 - 4_294_000_000);
      expect(totals()).toEqual([{ input: 0, output: 2 ** 32 + 1_000_000, seconds: 200 }]);
    });

    it('keeps counting a session into the period it began in', () => {
      writer.record(at(100, 0, 1_000), owner);
      writer.record(at(200, 0, 2_000), { customerId: owner.customerId, periodStart: T0 + 999 });
      expect(conn.sqlite.prepare('SELECT period_start AS p, output_octets AS o FROM usage').all()).toEqual([{ p: T0, o: 2_000 }]);
    });
  });

  it('filters sessions by state, user, router, IP, device and start time, newest first, one page at a time', () => {
    writer.record(event({ acctSessionId: 's1', username: 'alice', eventTime: T0, framedIp: '10.0.0.11', callingStationId: 'AA-BB-CC-00-00-01' }), null);
    writer.record(event({ acctSessionId: 's2', username: 'alice', eventTime: T0 + 60_000, framedIp: '10.0.0.12', stop: { cause: 'User-Request' } }), null);
    writer.record(event({ acctSessionId: 's3', username: 'bob', nasId: nasB, eventTime: T0 + 120_000, framedIp: '10.0.0.13' }), null);
    const ids = (filter: Parameters<typeof listSessions>[1]) => listSessions(conn.db, filter).map((s) => s.acctSessionId);
    expect(ids({})).toEqual(['s3', 's2', 's1']);
    expect(ids({ active: true })).toEqual(['s3', 's1']);
    expect(ids({ ended: true })).toEqual(['s2']);
    expect(ids({ username: 'alice' })).toEqual(['s2', 's1']);
    expect(ids({ nasId: nasB })).toEqual(['s3']);
    expect(ids({ ip: '10.0.0.12' })).toEqual(['s2']);
    expect(ids({ mac: 'aa:bb:cc:00:00:01' })).toEqual(['s1']);
    expect(ids({ from: T0 + 60_000, to: T0 + 120_000 })).toEqual(['s2']);
    expect(ids({ limit: 2, offset: 1 })).toEqual(['s2', 's1']);
  });

  it('treats a small drop as a late packet and a huge drop without Gigawords as a wrap', () => {
    expect(unwrapCounter(5_000, 4_000, false)).toBe(4_000);
    expect(unwrapCounter(4_294_000_000, 10, false)).toBe(2 ** 32 + 10);
    expect(unwrapCounter(4_294_000_000, 10, true)).toBe(10);
  });

  describe('daily roll-up', () => {
    const zone = 'Africa/Nairobi';
    const local = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
    let now: number;
    let daily: SessionWriter;
    beforeEach(() => {
      now = local('2026-11-23T22:00');
      daily = createSessionWriter(conn, { zone, clock: () => now });
    });
    const traffic = () => conn.sqlite.prepare('SELECT day, nas_id AS "nasId", bytes_down AS down, bytes_up AS up FROM usage_daily ORDER BY day, nas_id').all();
    const userDays = () => conn.sqlite.prepare('SELECT day, "user" FROM usage_user_days ORDER BY day, "user"').all();
    const totals = () => conn.sqlite.prepare('SELECT SUM(output_octets) AS down, SUM(input_octets) AS up FROM sessions').get();
    /** Records through a real group commit, as the daemon does, and waits for the batch. */
    function commitAll(records: Array<() => void>): Promise<Array<Error | undefined>> {
      const commit = createGroupCommit(conn.sqlite, { beforeCommit: () => daily.flushDailyUsage(), onRollback: () => daily.forget() });
      return Promise.all(records.map((work) => new Promise<Error | undefined>((resolve) => commit.submit(work, resolve))));
    }

    it('adds each packet’s counter delta once: a retransmission adds nothing, a Stop only what it adds beyond the Interim', async () => {
      await commitAll([
        () => daily.record(event({}), null),
        () => daily.record(interim(300, 1_000), null),
        () => daily.record(interim(300, 1_000), null), // retransmitted
        () => daily.record(interim(200, 500), null), // late, smaller totals
      ]);
      expect(traffic()).toEqual([{ day: '2026-11-23', nasId: nasA, down: 10_000, up: 1_000 }]);
      await commitAll([() => daily.record(interim(600, 1_500, { stop: { cause: 'User-Request' } }), null)]);
      await commitAll([() => daily.record(interim(600, 1_500, { stop: { cause: 'User-Request' } }), null)]); // Stop again, after the mirror let go
      expect(traffic()).toEqual([{ day: '2026-11-23', nasId: nasA, down: 15_000, up: 1_500 }]);
      expect(totals()).toEqual({ down: 15_000, up: 1_500 });
      expect(userDays()).toEqual([{ day: '2026-11-23', user: 'u:bob' }]);
    });

    it('keeps routers apart and sums many sessions into one row per day and router', async () => {
      await commitAll([
        () => daily.record(interim(60, 100, { acctSessionId: 'a1', username: 'ann' }), null),
        () => daily.record(interim(60, 200, { acctSessionId: 'a2', username: 'ben' }), null),
        () => daily.record(interim(60, 400, { acctSessionId: 'b1', username: 'cat', nasId: nasB }), null),
      ]);
      expect(traffic()).toEqual([
        { day: '2026-11-23', nasId: nasA, down: 3_000, up: 300 },
        { day: '2026-11-23', nasId: nasB, down: 4_000, up: 400 },
      ]);
      expect(totals()).toEqual({ down: 7_000, up: 700 });
      expect(userDays()).toEqual(['u:ann', 'u:ben', 'u:cat'].map((user) => ({ day: '2026-11-23', user })));
    });

    it('counts a customer by id, a Start with no traffic yet too, and an open session again on the next day in Nairobi', async () => {
      const box = createSecretBox(Buffer.alloc(32, 1));
      addPlan(conn.db, { name: 'P', priceMinor: 100, currency: 'KES' });
      const customer = addCustomer(conn.db, box, { username: 'bob', password: 'x', planName: 'P' });
      const owner = { customerId: customer.id, periodStart: T0 };
      await commitAll([() => daily.record(event({}), owner)]);
      expect(userDays()).toEqual([{ day: '2026-11-23', user: String(customer.id) }]);
      expect(traffic()).toEqual([]);

      now = local('2026-11-23T23:55');
      await commitAll([() => daily.record(interim(300, 1_000), owner)]);
      // 00:05 in Nairobi is still 21:05 UTC on the 23rd: the operator's day decides.
      now = local('2026-11-24T00:05');
      await commitAll([() => daily.record(interim(900, 3_000), owner)]);
      expect(traffic()).toEqual([
        { day: '2026-11-23', nasId: nasA, down: 10_000, up: 1_000 },
        { day: '2026-11-24', nasId: nasA, down: 20_000, up: 2_000 },
      ]);
      expect(userDays()).toEqual([
        { day: '2026-11-23', user: String(customer.id) },
        { day: '2026-11-24', user: String(customer.id) },
      ]);
    });

    const customerDays = () => conn.sqlite.prepare('SELECT customer_id AS "customerId", day, bytes_down AS down, bytes_up AS up FROM usage_customer_days ORDER BY customer_id, day').all();
    const twoCustomers = () => {
      const box = createSecretBox(Buffer.alloc(32, 1));
      addPlan(conn.db, { name: 'P', priceMinor: 100, currency: 'KES' });
      const bob = addCustomer(conn.db, box, { username: 'bob', password: 'x', planName: 'P' }).id;
      const eve = addCustomer(conn.db, box, { username: 'eve', password: 'x', planName: 'P' }).id;
      return { bob: { customerId: bob, periodStart: T0 }, eve: { customerId: eve, periodStart: T0 } };
    };

    it('adds up each known customer’s traffic per day, one row per customer and day, all their sessions and routers together', async () => {
      const { bob, eve } = twoCustomers();
      await commitAll([
        () => daily.record(event({}), bob),
        () => daily.record(interim(300, 1_000), bob),
        () => daily.record(interim(300, 1_000), bob), // retransmitted: adds nothing
        () => daily.record(interim(60, 200, { acctSessionId: 'phone', nasId: nasB }), bob),
        () => daily.record(interim(60, 50, { acctSessionId: 'e1', username: 'eve' }), eve),
        () => daily.record(interim(60, 7, { acctSessionId: 'v1', username: 'voucher-9' }), null), // nobody Lango knows
      ]);
      expect(customerDays()).toEqual([
        { customerId: bob.customerId, day: '2026-11-23', down: 12_000, up: 1_200 },
        { customerId: eve.customerId, day: '2026-11-23', down: 500, up: 50 },
      ]);
      // Past midnight in Nairobi the same session counts on the new day, with what it added since.
      now = local('2026-11-24T00:05');
      await commitAll([() => daily.record(interim(900, 3_000), bob)]);
      await commitAll([() => daily.record(interim(1_200, 3_500, { stop: { cause: 'User-Request' } }), bob)]);
      expect(customerDays()).toEqual([
        { customerId: bob.customerId, day: '2026-11-23', down: 12_000, up: 1_200 },
        { customerId: bob.customerId, day: '2026-11-24', down: 25_000, up: 2_500 },
        { customerId: eve.customerId, day: '2026-11-23', down: 500, up: 50 },
      ]);
    });

    // Counts the writes through a SQLite function called from temporary triggers.
    it.skipIf(onPostgres())('writes a customer’s day once per group commit, however many packets it holds', async () => {
      const { bob } = twoCustomers();
      const writes: string[] = [];
      conn.sqlite.function('seen', (sql: unknown) => (writes.push(String(sql)), null));
      conn.sqlite.exec("CREATE TEMP TRIGGER count_customer_days AFTER INSERT ON usage_customer_days BEGIN SELECT seen('insert'); END");
      conn.sqlite.exec("CREATE TEMP TRIGGER count_customer_day_updates AFTER UPDATE ON usage_customer_days BEGIN SELECT seen('update'); END");
      await commitAll(Array.from({ length: 50 }, (_, i) => () => daily.record(interim(60 * (i + 1), 100 * (i + 1)), bob)));
      expect(writes).toEqual(['insert']);
      await commitAll(Array.from({ length: 50 }, (_, i) => () => daily.record(interim(60 * (i + 51), 100 * (i + 51)), bob)));
      expect(writes).toEqual(['insert', 'update']);
      expect(customerDays()).toEqual([{ customerId: bob.customerId, day: '2026-11-23', down: 100_000, up: 10_000 }]);
    });

    it('drops what a failed record staged for its customer, keeps its batch-mates’, and counts the retry once', async () => {
      const { bob, eve } = twoCustomers();
      const outcomes = await commitAll([
        () => daily.record(interim(60, 100, { acctSessionId: 'ok', username: 'eve' }), eve),
        () => {
          daily.record(interim(60, 900), bob);
          throw new Error('enforcement failed');
        },
      ]);
      expect(outcomes.map((e) => e?.message)).toEqual([undefined, 'enforcement failed']);
      expect(customerDays()).toEqual([{ customerId: eve.customerId, day: '2026-11-23', down: 1_000, up: 100 }]);
      await commitAll([() => daily.record(interim(60, 900), bob)]);
      expect(customerDays()).toEqual([
        { customerId: bob.customerId, day: '2026-11-23', down: 9_000, up: 900 },
        { customerId: eve.customerId, day: '2026-11-23', down: 1_000, up: 100 },
      ]);
    });

    it('keeps neither the session row nor its roll-up when its record fails, and keeps its batch-mates’ both', async () => {
      const outcomes = await commitAll([
        () => daily.record(interim(60, 100, { acctSessionId: 'ok', username: 'ann' }), null),
        () => {
          daily.record(interim(60, 900, { acctSessionId: 'bad', username: 'ben' }), null);
          throw new Error('enforcement failed');
        },
      ]);
      expect(outcomes.map((e) => e?.message)).toEqual([undefined, 'enforcement failed']);
      expect(listSessions(conn.db).map((r) => r.acctSessionId)).toEqual(['ok']);
      expect(traffic()).toEqual([{ day: '2026-11-23', nasId: nasA, down: 1_000, up: 100 }]);
      expect(userDays()).toEqual([{ day: '2026-11-23', user: 'u:ann' }]);
      // The NAS retries the failed one: now it counts, once.
      await commitAll([() => daily.record(interim(60, 900, { acctSessionId: 'bad', username: 'ben' }), null)]);
      expect(traffic()).toEqual([{ day: '2026-11-23', nasId: nasA, down: 10_000, up: 1_000 }]);
      expect(userDays()).toEqual([{ day: '2026-11-23', user: 'u:ann' }, { day: '2026-11-23', user: 'u:ben' }]);
    });
  });
});

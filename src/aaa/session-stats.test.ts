import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { sessions } from '../db/schema/aaa.js';
import { createGroupCommit } from '../db/group-commit.js';
import { addNas } from './nas.js';
import { countOpenSessions, dailyActivity, lastAccountingByNas, pruneUserDays } from './session-stats.js';
import { createSessionWriter, type AccountingRecord } from './sessions.js';

const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const NOW = at('2026-11-24T09:00');
let conn: Connection;
let tower: number;
let mast: number;
let next = 0;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-session-stats-')), 'lango.db'));
  const box = createSecretBox(Buffer.alloc(32, 2));
  tower = addNas(conn.db, box, { name: 'tower', ip: '10.0.0.1', secret: 'testing123' }).id;
  mast = addNas(conn.db, box, { name: 'mast', ip: '10.0.0.2', secret: 'testing123' }).id;
});
afterEach(() => conn.close());

/** A session as accounting leaves it: totals, last update, and the stop time once stopped. */
function session(input: { username: string; customerId?: number; start: string; end: string; stopped?: boolean; down?: number; up?: number; nasId?: number }) {
  const updatedAt = at(input.end);
  conn.db
    .insert(sessions)
    .values({
      nasId: input.nasId ?? tower,
      acctSessionId: `s-${++next}`,
      username: input.username,
      customerId: input.customerId ?? null,
      startedAt: at(input.start),
      updatedAt,
      stoppedAt: input.stopped === false ? null : updatedAt,
      outputOctets: input.down ?? 0,
      inputOctets: input.up ?? 0,
    })
    .run();
}

describe('session figures', () => {
  it('counts the sessions open now', () => {
    session({ username: 'alice', start: '2026-11-24T08:00', end: '2026-11-24T08:55', stopped: false });
    session({ username: 'bob', start: '2026-11-24T07:00', end: '2026-11-24T08:00' });
    session({ username: 'carol', start: '2026-11-20T07:00', end: '2026-11-24T08:50', stopped: false, nasId: mast });
    expect(countOpenSessions(conn.db)).toBe(2);
  });

  /**
   * Accounting packets through the daemon's writer and group commit, each arriving at its `at`
   * (unknown users, counted by name: sessions.test.ts shows customers counted by id).
   */
  async function packets(list: Array<{ at: string; user: string; session?: string; nasId?: number; down?: number; up?: number; stop?: boolean }>) {
    let arrival = 0;
    const writer = createSessionWriter(conn, { zone, clock: () => arrival });
    const commit = createGroupCommit(conn.sqlite, { beforeCommit: () => writer.flushDailyUsage(), onRollback: () => writer.forget() });
    for (const p of list) {
      arrival = at(p.at);
      const record: AccountingRecord = {
        nasId: p.nasId ?? tower, acctSessionId: p.session ?? p.user, username: p.user, eventTime: arrival, sessionTime: 0,
        inputOctets: p.up ?? 0, outputOctets: p.down ?? 0, inputPackets: 0, outputPackets: 0, framedIp: null, callingStationId: null,
        calledStationId: null, nasPortId: null, stop: p.stop ? { cause: 'User-Request' } : null, gigawords: true,
      };
      await new Promise<void>((resolve, reject) => commit.submit(() => void writer.record(record, null), (err) => (err ? reject(err) : resolve())));
    }
  }

  it('counts each account once a day it sent accounting, and each day’s traffic on the day it was reported', async () => {
    await packets([
      // Two sessions of alice's on one day: one active user, both sessions' bytes.
      { at: '2026-11-23T08:00', user: 'alice', session: 'a1' },
      { at: '2026-11-23T09:00', user: 'alice', session: 'a1', down: 1000, up: 100, stop: true },
      { at: '2026-11-23T20:00', user: 'alice', session: 'a2', down: 500, up: 50, stop: true },
      // Across midnight: what the last Interim before it reported counts on the 22nd, the rest on the 23rd.
      { at: '2026-11-22T21:00', user: 'bob' },
      { at: '2026-11-22T23:55', user: 'bob', down: 1000, up: 100 },
      { at: '2026-11-23T00:05', user: 'bob', down: 1200, up: 120 },
      { at: '2026-11-23T09:00', user: 'bob', down: 4000, up: 400, stop: true },
      // Open for days, quiet, on another router: online every day it sent an Interim.
      { at: '2026-11-22T10:00', user: 'carol', nasId: mast },
      { at: '2026-11-23T10:00', user: 'carol', nasId: mast },
      { at: '2026-11-24T08:00', user: 'carol', nasId: mast },
      // Before the window: not counted.
      { at: '2026-10-20T03:00', user: 'dan', down: 99, up: 9 },
      // A voucher or unknown user without a customer id counts by name.
      { at: '2026-11-24T07:30', user: 'guest-7', down: 10, up: 1 },
    ]);

    const activity = dailyActivity(conn.db, { now: NOW, zone, days: 3 });
    expect(activity.days).toEqual([at('2026-11-22T00:00'), at('2026-11-23T00:00'), at('2026-11-24T00:00')]);
    expect(activity.activeUsers).toEqual([2, 3, 2]);
    expect(activity.bytesDown).toEqual([1000, 1000 + 500 + 3000, 10]);
    expect(activity.bytesUp).toEqual([100, 100 + 50 + 300, 1]);
  });

  it('keeps who was online for 400 days', async () => {
    await packets([
      { at: '2025-10-19T12:00', user: 'old' },
      { at: '2025-10-20T12:00', user: 'kept' },
    ]);
    expect(pruneUserDays(conn.db, { now: NOW, zone })).toBe(1);
    expect(conn.sqlite.prepare('SELECT day FROM usage_user_days').pluck().all()).toEqual(['2025-10-20']);
  });

  it('keeps each customer’s daily traffic for 400 days, like who was online', () => {
    const customer = (id: number) => conn.sqlite.prepare("INSERT INTO customers (id, username, password_sealed, status, created_at, updated_at) VALUES (?, ?, 'x', 'active', 0, 0)").run(id, `c${id}`);
    customer(1);
    customer(2);
    const day = conn.sqlite.prepare('INSERT INTO usage_customer_days (customer_id, day, bytes_down, bytes_up) VALUES (?, ?, 10, 1)');
    for (const [id, d] of [[1, '2025-10-19'], [1, '2025-10-20'], [2, '2024-01-01'], [2, '2026-11-24']] as const) day.run(id, d);
    expect(pruneUserDays(conn.db, { now: NOW, zone })).toBe(2);
    expect(conn.sqlite.prepare('SELECT customer_id AS id, day FROM usage_customer_days ORDER BY customer_id, day').all()).toEqual([
      { id: 1, day: '2025-10-20' },
      { id: 2, day: '2026-11-24' },
    ]);
  });

  it('has a zero for every day without sessions', () => {
    const activity = dailyActivity(conn.db, { now: NOW, zone });
    expect(activity.days).toHaveLength(30);
    expect(activity.activeUsers).toEqual(new Array(30).fill(0));
    expect(activity.bytesDown).toEqual(new Array(30).fill(0));
  });

  it('tells when each router last reported a session: open ones, and ones started since the given time', () => {
    session({ username: 'alice', start: '2026-11-24T08:00', end: '2026-11-24T08:55', stopped: false });
    session({ username: 'bob', start: '2026-11-24T08:56', end: '2026-11-24T08:58', nasId: mast });
    session({ username: 'carol', start: '2026-11-24T06:00', end: '2026-11-24T06:30', nasId: mast });
    expect(lastAccountingByNas(conn.db, at('2026-11-24T08:50'))).toEqual(new Map([[tower, at('2026-11-24T08:55')], [mast, at('2026-11-24T08:58')]]));
    expect(lastAccountingByNas(conn.db, at('2026-11-24T08:59'))).toEqual(new Map([[tower, at('2026-11-24T08:55')]]));
    // Only the routers asked about (those the daemon has not heard from itself).
    expect(lastAccountingByNas(conn.db, at('2026-11-24T08:50'), [mast])).toEqual(new Map([[mast, at('2026-11-24T08:58')]]));
    expect(lastAccountingByNas(conn.db, at('2026-11-24T08:50'), [])).toEqual(new Map());
  });
});

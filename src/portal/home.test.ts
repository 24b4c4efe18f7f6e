import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPlan } from '../billing/plans.js';
import { setCustomerPlan } from '../billing/customers.js';
import type { Connection } from '../db/connection.js';
import { portalHome, SESSIONS_SHOWN } from './home.js';
import { portalDb, T0 } from './test-fixtures.js';

let conn: Connection;
let alice: number;
let bob: number;
const ZONE = 'Africa/Nairobi';
const GB = 1_000_000_000;

beforeEach(() => {
  ({ conn, alice, bob } = portalDb());
  addPlan(conn.db, { name: 'Home 10M', priceMinor: 150_000, currency: 'KES', durationSeconds: 30 * 86_400, rateLimit: '5M/10M', dataBytes: 50 * GB, fupTiers: [{ afterBytes: 2 * GB, rateLimit: '1M/2M' }] });
  setCustomerPlan(conn.db, 'alice', 'Home 10M', ZONE, T0);
  setCustomerPlan(conn.db, 'bob', 'Home 10M', ZONE, T0);
  conn.sqlite.prepare("INSERT INTO nas (name, ip, secret_sealed, created_at) VALUES ('tower', '10.0.0.1', 'x', ?)").run(T0);
});
afterEach(() => conn.close());

const addSession = (customerId: number, username: string, id: string, mac: string, startedAt: number) =>
  conn.sqlite
    .prepare('INSERT INTO sessions (nas_id, acct_session_id, username, customer_id, started_at, updated_at, calling_station_id, input_octets, output_octets) VALUES (1, ?, ?, ?, ?, ?, ?, 100, 200)')
    .run(id, username, customerId, startedAt, startedAt, mac);

describe('the portal home', () => {
  it('shows the plan, days left, usage against the limit and the speed of the FUP tier reached', () => {
    conn.sqlite.prepare('INSERT INTO usage (customer_id, period_start, input_octets, output_octets, online_seconds, updated_at) VALUES (?, ?, ?, ?, 0, ?)').run(alice, T0, 1 * GB, 2 * GB, T0);
    const home = portalHome(conn.db, alice, T0 + 10 * 86_400_000 + 1, ZONE)!;
    expect(home.plan).toEqual({ name: 'Home 10M', priceMinor: 150_000, currency: 'KES' });
    expect(home.status).toBe('active');
    expect(home.daysLeft).toBe(20);
    expect(home.data).toEqual({ usedBytes: 3 * GB, limitBytes: 50 * GB });
    expect(home.speedNow).toBe('1M/2M');
    expect(home.balance).toEqual({ currency: 'KES', dueMinor: 0, walletMinor: 0 });
    expect(home.nextBill).toEqual({ kind: 'renewal', at: T0 + 30 * 86_400_000, priceMinor: 150_000, currency: 'KES' });
    // Bob has used nothing: the plan's own speed.
    expect(portalHome(conn.db, bob, T0 + 1, ZONE)!.speedNow).toBe('5M/10M');
  });

  it('names the oldest open invoice as the next bill, with what is left to pay', () => {
    const invoice = conn.sqlite.prepare(
      "INSERT INTO invoices (number, kind, key, customer_id, currency, status, issued_at, due_at, net_minor, tax_minor, gross_minor, paid_minor, created_at, actor) VALUES (?, 'invoice', ?, ?, 'KES', ?, ?, ?, 100000, 0, 100000, ?, ?, 'test')",
    );
    invoice.run('INV-1', 'k1', alice, 'paid', T0, T0 + 1, 100_000, T0);
    invoice.run('INV-2', 'k2', alice, 'partially_paid', T0, T0 + 5 * 86_400_000, 40_000, T0);
    invoice.run('INV-3', 'k3', alice, 'issued', T0, T0 + 9 * 86_400_000, 0, T0);
    invoice.run('INV-4', 'k4', bob, 'overdue', T0, T0 + 86_400_000, 0, T0);
    expect(portalHome(conn.db, alice, T0, ZONE)!.nextBill).toEqual({ kind: 'invoice', number: 'INV-2', dueMinor: 60_000, dueAt: T0 + 5 * 86_400_000, currency: 'KES' });
    expect(portalHome(conn.db, bob, T0, ZONE)!.nextBill).toMatchObject({ kind: 'invoice', number: 'INV-4' });
  });

  it('lists only the customer’s own sessions, the last twenty', () => {
    for (let i = 0; i < SESSIONS_SHOWN + 3; i++) addSession(alice, 'alice', `a-${i}`, 'AA:BB:CC:00:00:07', T0 + i * 1000);
    addSession(bob, 'bob', 'b-1', 'AA:BB:CC:00:00:08', T0 + 500);
    const mine = portalHome(conn.db, alice, T0 + 100_000, ZONE)!.sessions;
    expect(mine).toHaveLength(SESSIONS_SHOWN);
    expect(mine.every((s) => s.customerId === alice && s.callingStationId === 'AA:BB:CC:00:00:07')).toBe(true);
    expect(mine[0]!.acctSessionId).toBe(`a-${SESSIONS_SHOWN + 2}`);
    expect(portalHome(conn.db, bob, T0 + 100_000, ZONE)!.sessions.map((s) => s.acctSessionId)).toEqual(['b-1']);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addNas } from '../aaa/nas.js';
import { addCustomer, addPlan } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { getSetting } from '../settings/index.js';
import { foldClosedDays, foldStep, pruneNasLoadSamples, sampleNasLoad } from './rollups.js';

const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const NOW = at('2026-11-24T09:00');
const box = createSecretBox(Buffer.alloc(32, 3));
let conn: Connection;
let alice: number;
let bob: number;
let carol: number;

const addDay = (customerId: number, day: string, down: number, up: number) =>
  conn.sqlite.prepare('INSERT INTO usage_customer_days (customer_id, day, bytes_down, bytes_up) VALUES (?, ?, ?, ?)').run(customerId, day, down, up);
const months = () => conn.sqlite.prepare('SELECT month, customer_id AS id, bytes_down AS down, bytes_up AS up FROM usage_customer_months ORDER BY month, customer_id').all();
const planDays = () => conn.sqlite.prepare('SELECT day, plan_id AS plan, customers, bytes_down AS down, bytes_up AS up FROM usage_plan_days ORDER BY day, plan_id').all();

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-rollups-')), 'lango.db'));
  addPlan(conn.db, { name: 'Home', priceMinor: 100_000, currency: 'KES', durationSeconds: 30 * 86_400 });
  addPlan(conn.db, { name: 'Office', priceMinor: 500_000, currency: 'KES', durationSeconds: 30 * 86_400 });
  alice = addCustomer(conn.db, box, { username: 'alice', password: 'pw-alice-1', planName: 'Home' }).id;
  bob = addCustomer(conn.db, box, { username: 'bob', password: 'pw-bob-12', planName: 'Office' }).id;
  carol = addCustomer(conn.db, box, { username: 'carol', password: 'pw-carol-1' }).id;
  addDay(alice, '2026-10-05', 100, 10);
  addDay(alice, '2026-10-20', 200, 20);
  addDay(alice, '2026-11-23', 50, 5);
  addDay(alice, '2026-11-24', 7, 1); // today: still open
  addDay(bob, '2026-10-05', 1000, 100);
  addDay(bob, '2026-11-01', 300, 30);
  addDay(carol, '2026-11-23', 5, 5);
});
afterEach(() => conn.close());

const plan = (name: string) => conn.sqlite.prepare('SELECT id FROM plans WHERE name = ?').pluck().get(name) as number;

describe('the usage fold', () => {
  it('adds every closed day into months per customer and days per plan, leaving today open', () => {
    foldClosedDays(conn.db, { now: NOW, zone });
    expect(months()).toEqual([
      { month: '2026-10', id: alice, down: 300, up: 30 },
      { month: '2026-10', id: bob, down: 1000, up: 100 },
      { month: '2026-11', id: alice, down: 50, up: 5 },
      { month: '2026-11', id: bob, down: 300, up: 30 },
      { month: '2026-11', id: carol, down: 5, up: 5 },
    ]);
    const home = plan('Home');
    const office = plan('Office');
    expect(planDays()).toEqual([
      { day: '2026-10-05', plan: Math.min(home, office), customers: 1, down: home < office ? 100 : 1000, up: home < office ? 10 : 100 },
      { day: '2026-10-05', plan: Math.max(home, office), customers: 1, down: home < office ? 1000 : 100, up: home < office ? 100 : 10 },
      { day: '2026-10-20', plan: home, customers: 1, down: 200, up: 20 },
      { day: '2026-11-01', plan: office, customers: 1, down: 300, up: 30 },
      { day: '2026-11-23', plan: 0, customers: 1, down: 5, up: 5 },
      { day: '2026-11-23', plan: home, customers: 1, down: 50, up: 5 },
    ]);
    expect(getSetting(conn.db, 'reports.foldedThrough')).toEqual({ through: '2026-11-23', pending: null });
  });

  it('gives the same roll-ups when run twice, and on the next day adds only that day', () => {
    foldClosedDays(conn.db, { now: NOW, zone });
    const once = { months: months(), plans: planDays() };
    expect(foldClosedDays(conn.db, { now: NOW, zone })).toEqual({ steps: 1, rows: 0 });
    expect({ months: months(), plans: planDays() }).toEqual(once);
    foldClosedDays(conn.db, { now: at('2026-11-25T00:30'), zone });
    expect(months()).toContainEqual({ month: '2026-11', id: alice, down: 57, up: 6 });
    expect(planDays()).toContainEqual({ day: '2026-11-24', plan: plan('Home'), customers: 1, down: 7, up: 1 });
  });

  it('keeps its place between steps, so stopping half way and going on counts each day once', () => {
    conn.sqlite.prepare("INSERT INTO settings (key, value, updated_at, actor) VALUES ('reports.foldedThrough', ?, 0, 'test')").run(JSON.stringify({ through: '2026-10-31', pending: null }));
    const first = conn.db.transaction((tx) => foldStep(tx, { now: NOW, zone, customersPerStep: 1 }));
    expect(first.done).toBe(false);
    expect(getSetting(conn.db, 'reports.foldedThrough')).toEqual({ through: '2026-10-31', pending: { until: '2026-11-23', afterCustomer: 1 } });
    expect(months()).toEqual([{ month: '2026-11', id: alice, down: 50, up: 5 }]);
    foldClosedDays(conn.db, { now: NOW, zone });
    expect(months()).toEqual([
      { month: '2026-11', id: alice, down: 50, up: 5 },
      { month: '2026-11', id: bob, down: 300, up: 30 },
      { month: '2026-11', id: carol, down: 5, up: 5 },
    ]);
  });
});

describe('the open-sessions sampler', () => {
  it('counts open sessions per router, a 0 for a quiet one, and prunes old samples', () => {
    const tower = addNas(conn.db, box, { name: 'tower', ip: '10.0.0.1', secret: 'testing123' }).id;
    const mast = addNas(conn.db, box, { name: 'mast', ip: '10.0.0.2', secret: 'testing123' }).id;
    const session = conn.sqlite.prepare('INSERT INTO sessions (nas_id, acct_session_id, username, started_at, updated_at, stopped_at) VALUES (?, ?, ?, 0, 0, ?)');
    session.run(tower, 'a', 'alice', null);
    session.run(tower, 'b', 'bob', null);
    session.run(tower, 'c', 'carol', 5);
    expect(sampleNasLoad(conn.db, NOW - 401 * 86_400_000)).toBe(2);
    expect(sampleNasLoad(conn.db, NOW)).toBe(2);
    const samples = () => conn.sqlite.prepare('SELECT at, nas_id AS nas, open_sessions AS open FROM nas_load_samples ORDER BY at, nas_id').all();
    expect(samples()).toContainEqual({ at: NOW, nas: tower, open: 2 });
    expect(samples()).toContainEqual({ at: NOW, nas: mast, open: 0 });
    expect(pruneNasLoadSamples(conn.db, { now: NOW, keepDays: 400 })).toBe(2);
    expect(samples()).toHaveLength(2);
  });
});

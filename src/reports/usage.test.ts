import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addNas } from '../aaa/nas.js';
import { addCustomer, addPlan } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { monthsOf } from './money.js';
import { foldClosedDays, foldStep } from './rollups.js';
import { networkReport, topUsers, usageByPlan, usageByRouter } from './usage.js';

const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const NOW = at('2026-11-24T09:00');
const box = createSecretBox(Buffer.alloc(32, 4));
const months = monthsOf({ from: '2026-10', to: '2026-11' }, zone)!;
let conn: Connection;
let alice: number;
let bob: number;
let carol: number;
let tower: number;
let mast: number;

const addDay = (customerId: number, day: string, down: number, up: number) =>
  conn.sqlite.prepare('INSERT INTO usage_customer_days (customer_id, day, bytes_down, bytes_up) VALUES (?, ?, ?, ?)').run(customerId, day, down, up);
const addRouterDay = (nasId: number, day: string, down: number, up: number) =>
  conn.sqlite.prepare('INSERT INTO usage_daily (day, nas_id, bytes_down, bytes_up) VALUES (?, ?, ?, ?)').run(day, nasId, down, up);

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-usage-')), 'lango.db'));
  addPlan(conn.db, { name: 'Home', priceMinor: 100_000, currency: 'KES', durationSeconds: 30 * 86_400 });
  addPlan(conn.db, { name: 'Office', priceMinor: 500_000, currency: 'KES', durationSeconds: 30 * 86_400 });
  alice = addCustomer(conn.db, box, { username: 'alice', password: 'pw-alice-1', planName: 'Home', fullName: 'Alice A' }).id;
  bob = addCustomer(conn.db, box, { username: 'bob', password: 'pw-bob-12', planName: 'Office' }).id;
  carol = addCustomer(conn.db, box, { username: 'carol', password: 'pw-carol-1' }).id;
  tower = addNas(conn.db, box, { name: 'tower', ip: '10.0.0.1', secret: 'testing123' }).id;
  mast = addNas(conn.db, box, { name: 'mast', ip: '10.0.0.2', secret: 'testing123' }).id;
  addDay(alice, '2026-09-30', 9_999, 9_999); // before the period
  addDay(alice, '2026-10-05', 100, 10);
  addDay(alice, '2026-10-20', 200, 20);
  addDay(alice, '2026-11-23', 50, 5);
  addDay(alice, '2026-11-24', 700, 1); // today: not folded yet
  addDay(bob, '2026-10-05', 1000, 100);
  addDay(bob, '2026-11-01', 300, 30);
  addDay(carol, '2026-11-23', 5, 5);
});
afterEach(() => conn.close());

const input = { months, now: NOW, zone };

describe('top data users', () => {
  it('ranks customers by bytes down and up over the period, counting folded months and the days still open', () => {
    foldClosedDays(conn.db, { now: NOW, zone });
    expect(topUsers(conn.db, input)).toEqual([
      { customerId: bob, username: 'bob', fullName: null, plan: 'Office', down: 1300, up: 130 },
      { customerId: alice, username: 'alice', fullName: 'Alice A', plan: 'Home', down: 1050, up: 36 },
      { customerId: carol, username: 'carol', fullName: null, plan: null, down: 5, up: 5 },
    ]);
    expect(topUsers(conn.db, { ...input, limit: 1 }).map((u) => u.username)).toEqual(['bob']);
  });

  it('gives the same figures before the fold, half way through it and after it', () => {
    const before = topUsers(conn.db, input);
    conn.db.transaction((tx) => foldStep(tx, { now: NOW, zone, customersPerStep: 1 }));
    expect(topUsers(conn.db, input)).toEqual(before);
    foldClosedDays(conn.db, { now: NOW, zone });
    expect(topUsers(conn.db, input)).toEqual(before);
    expect(before[0]).toMatchObject({ username: 'bob', down: 1300 });
  });

  it('reads a month already folded from the monthly roll-up alone', () => {
    foldClosedDays(conn.db, { now: NOW, zone });
    const october = monthsOf({ from: '2026-10', to: '2026-10' }, zone)!;
    expect(topUsers(conn.db, { ...input, months: october }).map((u) => [u.username, u.down, u.up])).toEqual([['bob', 1000, 100], ['alice', 300, 30]]);
  });
});

describe('usage per router and per plan', () => {
  it('adds each router’s days up by month', () => {
    addRouterDay(tower, '2026-10-01', 10, 1);
    addRouterDay(tower, '2026-10-31', 20, 2);
    addRouterDay(mast, '2026-10-15', 5, 5);
    addRouterDay(tower, '2026-11-24', 7, 7);
    addRouterDay(tower, '2026-12-01', 1_000, 1_000); // after the period
    expect(usageByRouter(conn.db, { months })).toEqual([
      { month: '2026-10', nasId: mast, router: 'mast', down: 5, up: 5 },
      { month: '2026-10', nasId: tower, router: 'tower', down: 30, up: 3 },
      { month: '2026-11', nasId: tower, router: 'tower', down: 7, up: 7 },
    ]);
  });

  it('adds traffic up by plan and month with the busiest day’s customers, the same before and after the fold', () => {
    const dave = addCustomer(conn.db, box, { username: 'dave', password: 'pw-dave-12', planName: 'Home' }).id;
    addDay(dave, '2026-10-05', 40, 4);
    const expected = [
      { month: '2026-10', planId: expect.any(Number), plan: 'Home', peakCustomers: 2, down: 340, up: 34 },
      { month: '2026-10', planId: expect.any(Number), plan: 'Office', peakCustomers: 1, down: 1000, up: 100 },
      { month: '2026-11', planId: expect.any(Number), plan: 'Home', peakCustomers: 1, down: 750, up: 6 },
      { month: '2026-11', planId: expect.any(Number), plan: 'Office', peakCustomers: 1, down: 300, up: 30 },
      { month: '2026-11', planId: 0, plan: null, peakCustomers: 1, down: 5, up: 5 },
    ];
    expect(usageByPlan(conn.db, input)).toEqual(expected);
    foldClosedDays(conn.db, { now: NOW, zone });
    expect(usageByPlan(conn.db, input)).toEqual(expected);
  });
});

describe('network utilisation', () => {
  it('gives each router’s peak and mean open sessions per hour, and its traffic per day', () => {
    const sample = conn.sqlite.prepare('INSERT INTO nas_load_samples (at, nas_id, open_sessions) VALUES (?, ?, ?)');
    sample.run(at('2026-11-24T08:00'), tower, 10);
    sample.run(at('2026-11-24T08:05'), tower, 20);
    sample.run(at('2026-11-24T08:05'), mast, 3);
    sample.run(at('2026-11-24T09:00'), tower, 4);
    sample.run(at('2026-11-22T09:00'), tower, 99); // before the range
    addRouterDay(tower, '2026-11-24', 7, 1);
    addRouterDay(tower, '2026-11-22', 99, 99);
    const report = networkReport(conn.db, { from: at('2026-11-24T00:00'), to: NOW + 1, step: 'hour', zone });
    expect(report.load).toEqual([
      { start: at('2026-11-24T08:00'), nasId: mast, router: 'mast', peak: 3, average: 3, samples: 1 },
      { start: at('2026-11-24T08:00'), nasId: tower, router: 'tower', peak: 20, average: 15, samples: 2 },
      { start: at('2026-11-24T09:00'), nasId: tower, router: 'tower', peak: 4, average: 4, samples: 1 },
    ]);
    expect(report.traffic).toEqual([{ day: '2026-11-24', nasId: tower, router: 'tower', down: 7, up: 1 }]);
    const daily = networkReport(conn.db, { from: at('2026-11-22T00:00'), to: NOW + 1, step: 'day', zone });
    expect(daily.load.filter((p) => p.nasId === tower)).toEqual([
      { start: at('2026-11-22T00:00'), nasId: tower, router: 'tower', peak: 99, average: 99, samples: 1 },
      { start: at('2026-11-24T00:00'), nasId: tower, router: 'tower', peak: 20, average: 11.3, samples: 3 },
    ]);
  });
});

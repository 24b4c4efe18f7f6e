import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { activateCustomer, addCustomer, findCustomer } from './customers.js';
import { addPlan } from './plans.js';
import { createSubscriberLookup } from './customers.js';

const box = createSecretBox(Buffer.alloc(32, 3));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
let daemon: Connection;
let other: Connection;

beforeEach(() => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lango-subscribers-')), 'lango.db');
  daemon = openDatabase(file);
  // A second connection to the same file stands in for the CLI or web UI in another process.
  other = openDatabase(file);
  addPlan(other.db, { name: 'Day', priceMinor: 5000, currency: 'KES', durationSeconds: 86400, rateLimit: '1M/2M' });
  addCustomer(other.db, box, { username: 'alice', password: 'pw', planName: 'Day' });
});

afterEach(() => {
  daemon.close();
  other.close();
});

describe('subscriber lookup for the RADIUS path', () => {
  it('finds a customer with the plan limits in one call', () => {
    const find = createSubscriberLookup(daemon.db).byUsername;
    expect(find('alice')).toMatchObject({ username: 'alice', status: 'active', planName: 'Day', rateLimit: '1M/2M', durationSeconds: 86400 });
    expect(find('nobody')).toBeUndefined();
  });

  it('sees a suspension made by another process from the next event-loop turn', async () => {
    const find = createSubscriberLookup(daemon.db).byUsername;
    expect(find('alice')?.status).toBe('active');
    other.sqlite.prepare("UPDATE customers SET status = 'suspended' WHERE username = 'alice'").run();
    await nextTurn();
    expect(find('alice')?.status).toBe('suspended');
  });

  it('sees a new customer that was unknown a moment ago', async () => {
    const find = createSubscriberLookup(daemon.db).byUsername;
    expect(find('bob')).toBeUndefined();
    addCustomer(other.db, box, { username: 'bob', password: 'pw2' });
    await nextTurn();
    expect(find('bob')?.username).toBe('bob');
  });

  it('sees a changed plan speed and a changed password', async () => {
    const find = createSubscriberLookup(daemon.db).byUsername;
    const before = find('alice')!;
    other.sqlite.prepare("UPDATE plans SET rate_limit = '5M/10M' WHERE name = 'Day'").run();
    other.sqlite.prepare('UPDATE customers SET password_sealed = ? WHERE username = ?').run(box.seal('new-pw'), 'alice');
    await nextTurn();
    const after = find('alice')!;
    expect(after.rateLimit).toBe('5M/10M');
    expect(box.open(after.passwordSealed)).toBe('new-pw');
    expect(after.passwordSealed).not.toBe(before.passwordSealed);
  });

  it('forgets only the customer that changed, so a billing run does not empty the cache', async () => {
    addCustomer(other.db, box, { username: 'bob', password: 'pw-bob', planName: 'Day' });
    const find = createSubscriberLookup(daemon.db).byUsername;
    const alice = find('alice');
    const bob = find('bob');
    other.sqlite.prepare("UPDATE subscriptions SET period_end = period_end + 1 WHERE customer_id = (SELECT id FROM customers WHERE username = 'bob')").run();
    await nextTurn();
    expect(find('alice')).toBe(alice); // the very same cached object: no query
    expect(find('bob')).not.toBe(bob);
    expect(find('bob')!.expiresAt).toBe(bob!.expiresAt! + 1);
    other.sqlite.prepare("UPDATE plans SET rate_limit = '3M/3M' WHERE name = 'Day'").run();
    await nextTurn();
    expect(find('alice')).not.toBe(alice); // a plan change forgets everyone on it
  });

  it('keeps at most the number of entries it was told to remember', async () => {
    const find = createSubscriberLookup(daemon.db, { remember: 2 }).byUsername;
    for (const name of ['a', 'b', 'c', 'alice']) find(name);
    expect(find('alice')?.username).toBe('alice');
  });

  it('finds a customer by registered device MAC for MAC authentication, in any MAC spelling', async () => {
    addCustomer(other.db, box, { username: 'kiosk', password: 'x', planName: 'Day', mac: 'aa-bb-cc-dd-ee-01' });
    const lookup = createSubscriberLookup(daemon.db);
    expect(lookup.byMac('AA:BB:CC:DD:EE:01')?.username).toBe('kiosk');
    expect(lookup.byMac('AA:BB:CC:DD:EE:02')).toBeUndefined();
  });
});

describe('customers', () => {
  it('starts a purchase plan now and a first-login plan at the first login', () => {
    addPlan(other.db, { name: 'Hotspot Day', priceMinor: 5000, currency: 'KES', durationSeconds: 86400, validityStarts: 'first_login' });
    const pppoe = addCustomer(other.db, box, { username: 'p1', password: 'x', planName: 'Day' });
    expect(pppoe.expiresAt! - pppoe.activatedAt!).toBe(86400_000);
    const hotspot = addCustomer(other.db, box, { username: 'h1', password: 'x', planName: 'Hotspot Day' });
    expect(hotspot.activatedAt).toBeNull();
    activateCustomer(other.db, hotspot.id, 1000, 2000);
    activateCustomer(other.db, hotspot.id, 5000, 6000); // a second first login changes nothing
    expect(findCustomer(other.db, 'h1')).toMatchObject({ activatedAt: 1000, expiresAt: 2000 });
  });

  it('refuses a bad MAC, a MAC registered to someone else and a bad static IP, writing nothing', () => {
    addCustomer(other.db, box, { username: 'm1', password: 'x', mac: 'AA:BB:CC:DD:EE:FF' });
    expect(() => addCustomer(other.db, box, { username: 'm2', password: 'x', mac: 'AA:BB:CC' })).toThrow(/not a MAC address/);
    expect(() => addCustomer(other.db, box, { username: 'm2', password: 'x', mac: 'aabb.ccdd.eeff' })).toThrow(/already registered to m1/);
    expect(() => addCustomer(other.db, box, { username: 'm2', password: 'x', staticIp: '10.0.0' })).toThrow(/not an IP address/);
    expect(findCustomer(other.db, 'm2')).toBeUndefined();
  });
});

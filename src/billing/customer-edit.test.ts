import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { sessions, nas } from '../db/schema/aaa.js';
import { messages } from '../db/schema/messaging.js';
import { customerHistory } from './customer-history.js';
import { editCustomer } from './customer-edit.js';
import { listCustomersPage, searchCustomers } from './customer-search.js';
import { addCustomer, createSubscriberLookup, findCustomer, setCustomerStatus } from './customers.js';
import { addPlan } from './plans.js';
import { recordEvent } from './timeline.js';

const box = createSecretBox(Buffer.alloc(32, 7));
let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-customer-edit-')), 'lango.db'));
  addPlan(conn.db, { name: 'Day', priceMinor: 5000, currency: 'KES', durationSeconds: 86400, rateLimit: '1M/2M' });
  addPlan(conn.db, { name: 'Week', priceMinor: 25000, currency: 'KES', durationSeconds: 7 * 86400, rateLimit: '2M/4M' });
});

afterEach(() => conn.close());

describe('editing a customer', () => {
  it('changes only what differs and reports each field before and after, never the password', () => {
    addCustomer(conn.db, box, { username: 'alice', password: 'old-pass', fullName: 'Alice W', phone: '0712345678' });
    const edit = editCustomer(conn.db, box, 'alice', { fullName: 'Alice Wanjiru', phone: '+254 712 345 678', email: '', password: 'new-pass' }, 1000);
    expect(edit.before).toEqual({ fullName: 'Alice W' });
    expect(edit.after).toEqual({ fullName: 'Alice Wanjiru' });
    expect(edit.passwordChanged).toBe(true);
    expect(JSON.stringify(edit)).not.toContain('new-pass');
    expect(box.open(createSubscriberLookup(conn.db).byUsername('alice')!.passwordSealed)).toBe('new-pass');
  });

  it('refuses a bad phone number and changes nothing', () => {
    addCustomer(conn.db, box, { username: 'bob', password: 'pw', fullName: 'Bob' });
    expect(() => editCustomer(conn.db, box, 'bob', { fullName: 'Robert', phone: '12ab' }, 1000)).toThrow(/not a phone number/);
    expect(findCustomer(conn.db, 'bob')!.fullName).toBe('Bob');
  });

  it('binds a device in any notation, refuses one registered to someone else, and clearing turns binding off', () => {
    addCustomer(conn.db, box, { username: 'carol', password: 'pw', mac: 'aa-bb-cc-00-00-01' });
    addCustomer(conn.db, box, { username: 'dan', password: 'pw' });
    expect(() => editCustomer(conn.db, undefined, 'dan', { mac: 'AABB.CC00.0001', macBinding: true }, 1000)).toThrow(/already registered to carol/);
    const bound = editCustomer(conn.db, undefined, 'dan', { mac: 'aabb.cc00.0002', macBinding: true }, 1000);
    expect(bound.customer).toMatchObject({ mac: 'AA:BB:CC:00:00:02', macBinding: true });
    const cleared = editCustomer(conn.db, undefined, 'dan', { mac: null }, 2000);
    expect(cleared.customer).toMatchObject({ mac: null, macBinding: false });
    expect(cleared.before).toEqual({ mac: 'AA:BB:CC:00:00:02', macBinding: true });
  });
});

describe('the customer list', () => {
  it('lists the newest first, filtered by status and plan, a page at a time', () => {
    const realNow = Date.now;
    try {
      ['a1', 'a2', 'a3', 'a4'].forEach((username, i) => {
        Date.now = () => 1_000_000 + i * 1000;
        addCustomer(conn.db, box, { username, password: 'pw', planName: i % 2 === 0 ? 'Day' : 'Week' });
      });
    } finally {
      Date.now = realNow;
    }
    setCustomerStatus(conn.db, 'a3', 'suspended');
    expect(listCustomersPage(conn.db).map((c) => c.username)).toEqual(['a4', 'a3', 'a2', 'a1']);
    expect(listCustomersPage(conn.db, { limit: 2, offset: 2 }).map((c) => c.username)).toEqual(['a2', 'a1']);
    expect(listCustomersPage(conn.db, { status: 'suspended' }).map((c) => c.username)).toEqual(['a3']);
    const week = findCustomer(conn.db, 'a2')!;
    expect(week.plan).toBe('Week');
    const weekId = conn.sqlite.prepare("SELECT id FROM plans WHERE name = 'Week'").get() as { id: number };
    expect(listCustomersPage(conn.db, { planId: weekId.id }).map((c) => c.username)).toEqual(['a4', 'a2']);
    expect(searchCustomers(conn.db, 'a', 10, { status: 'active', offset: 1 }).map((c) => c.username)).toEqual(['a2', 'a4']);
  });
});

describe('the customer history', () => {
  it('merges account events, sessions starting and stopping and SMS, newest first, a page at a time', () => {
    const c = addCustomer(conn.db, box, { username: 'eve', password: 'pw', phone: '0712000001' });
    const router = conn.db.insert(nas).values({ name: 'r1', ip: '10.0.0.1', secretSealed: box.seal('s'), createdAt: 0 } as never).returning().get();
    conn.db.insert(sessions).values({ nasId: router.id, acctSessionId: 's1', username: 'eve', startedAt: 1000, updatedAt: 3000, stoppedAt: 3000, customerId: c.id, framedIp: '10.5.0.2' }).run();
    conn.db.insert(sessions).values({ nasId: router.id, acctSessionId: 's2', username: 'eve', startedAt: 5000, updatedAt: 5000, customerId: c.id }).run();
    recordEvent(conn.db, c.id, 'payment_received', 'mpesa', { receipt: 'RCT-1', amountMinor: 5000, currency: 'KES' }, 2000);
    conn.db.insert(messages).values({ key: 'm1', customerId: c.id, recipient: '+254712000001', language: 'en', body: 'Thank you', parts: 1, encoding: 'gsm7', nextAttemptAt: 4000, createdAt: 4000 }).run();
    const all = customerHistory(conn.db, c.id, { limit: 10 }).filter((item) => item.at >= 1000 && item.at <= 5000);
    expect(all.map((item) => `${item.at}:${item.kind}`)).toEqual(['5000:session_started', '4000:message', '3000:session_stopped', '2000:payment_received', '1000:session_started']);
    const page2 = customerHistory(conn.db, c.id, { offset: 1, limit: 2 });
    expect(page2.map((item) => item.kind)).toEqual(['message', 'session_stopped']);
  });

  it('hides the text of a message that carries a secret, such as a re-sent password', () => {
    const c = addCustomer(conn.db, box, { username: 'fay', password: 'pw', phone: '0712000002' });
    conn.db.insert(messages).values({ key: 'secret:login:1', customerId: c.id, recipient: '+254712000002', language: 'en', body: 'Your password is hunter22', parts: 1, encoding: 'gsm7', nextAttemptAt: 4000, createdAt: 4000 }).run();
    const [item] = customerHistory(conn.db, c.id, { limit: 10 }).filter((entry) => entry.kind === 'message');
    expect(item).toMatchObject({ kind: 'message' });
    expect(JSON.stringify(item)).not.toContain('hunter22');
  });
});

import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { subscriberChanges } from '../db/schema/change-counters.js';
import { openTwoNodes, type TwoNodes } from '../jobs/test-fixtures.js';
import { createBatch } from '../hotspot/vouchers.js';
import { activateCustomer, addCustomer, CHANGES_KEPT_MS, createSubscriberLookup, pruneSubscriberChanges, setCustomerStatus } from './customers.js';
import { addPlan } from './plans.js';

// The RADIUS lookup's memory with two daemons on one database: a change made through one node
// must reach the other's cache by its next packet, and one node's housekeeping must not delete
// change records the other has not read yet.

const box = createSecretBox(Buffer.alloc(32, 4));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
let nodes: TwoNodes;

beforeEach(() => {
  nodes = openTwoNodes();
  addPlan(nodes.a.db, { name: 'Home 5M', priceMinor: 150000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
  addCustomer(nodes.a.db, box, { username: 'alice', password: 'pw', planName: 'Home 5M' });
});
afterEach(() => nodes.close());

describe('the subscriber lookup on two nodes', () => {
  it('refuses on node B a customer suspended through node A from B’s next packet', async () => {
    const onB = createSubscriberLookup(nodes.b.db);
    expect(onB.byUsername('alice')?.status).toBe('active');

    setCustomerStatus(nodes.a.db, 'alice', 'suspended');
    await nextTurn();

    expect(onB.byUsername('alice')?.status).toBe('suspended');
  });

  it('reads the changes at most once per poll interval when one is set (PostgreSQL), and applies them at the first lookup after it', async () => {
    let clock = Date.now();
    const onB = createSubscriberLookup(nodes.b.db, { now: () => clock, minPollMs: 50 });
    expect(onB.byUsername('alice')?.status).toBe('active');

    setCustomerStatus(nodes.a.db, 'alice', 'suspended');
    await nextTurn();
    clock += 20;
    // Inside the interval: still the remembered answer, and no read of the change table.
    expect(onB.byUsername('alice')?.status).toBe('active');
    await nextTurn();
    clock += 40;
    expect(onB.byUsername('alice')?.status).toBe('suspended');
  });

  it('answers on node B for a customer node A added after B looked the name up in vain', async () => {
    const onB = createSubscriberLookup(nodes.b.db);
    expect(onB.byUsername('bob')).toBeUndefined();

    addCustomer(nodes.a.db, box, { username: 'bob', password: 'pw', planName: 'Home 5M' });
    await nextTurn();

    expect(onB.byUsername('bob')?.username).toBe('bob');
  });

  it('keeps change records until every node has had time to read them', async () => {
    let clock = Date.now();
    const onA = createSubscriberLookup(nodes.a.db, { now: () => clock });
    const onB = createSubscriberLookup(nodes.b.db, { now: () => clock });
    expect(onB.byUsername('alice')?.status).toBe('active');

    setCustomerStatus(nodes.a.db, 'alice', 'suspended');
    await nextTurn();
    expect(onA.byUsername('alice')?.status).toBe('suspended');
    // Node A has applied the change, but B has not read it: nothing may go yet.
    expect(onA.prunableUpTo(clock)).toBe(0);
    expect(pruneSubscriberChanges(nodes.a.db, onA.prunableUpTo(clock))).toBe(0);

    // Five minutes on, A's housekeeping deletes what it applied back then. Node B, silent all
    // that time, cannot know what went unread: it forgets what it remembered.
    clock += CHANGES_KEPT_MS;
    expect(onA.prunableUpTo(clock)).toBe(onA.seenChangesUpTo());
    expect(pruneSubscriberChanges(nodes.a.db, onA.prunableUpTo(clock))).toBeGreaterThan(0);
    await nextTurn();
    expect(onB.byUsername('alice')?.status).toBe('suspended');
  });

  it('applies a change record that becomes visible after a later one was read (PostgreSQL commit order)', async () => {
    const onB = createSubscriberLookup(nodes.b.db);
    const alice = onB.byUsername('alice')!;
    const last = nodes.a.db.select({ id: sql<number>`max(${subscriberChanges.id})` }).from(subscriberChanges).get()!.id;

    // Two writers took ids last+1 and last+2; the second committed first.
    nodes.a.db.insert(subscriberChanges).values({ id: last + 2, customerId: alice.id + 1000, scope: 'one' }).run();
    await nextTurn();
    expect(onB.byUsername('alice')).toBe(alice);

    nodes.a.db.insert(subscriberChanges).values({ id: last + 1, customerId: alice.id, scope: 'one' }).run();
    await nextTurn();
    const again = onB.byUsername('alice');
    expect(again).not.toBe(alice);
    expect(again).toEqual(alice);
  });

  it('gives a MAC-locked voucher to the first device whose login commits when two devices use it on both nodes at once', () => {
    const { codes } = createBatch(nodes.a.db, box, { planName: 'Home 5M', count: 1, macLock: true, actor: 'staff:mercy', now: Date.now() });
    const voucher = codes[0]!.customerId;
    const now = Date.now();
    // Both nodes found the voucher unlocked; node A's login commits first.
    expect(activateCustomer(nodes.a.db, voucher, now, now + 3_600_000, '02:AA:00:00:00:01')).toBe(true);
    expect(activateCustomer(nodes.b.db, voucher, now, now + 3_600_000, '02:AA:00:00:00:02')).toBe(false);
    // The same device again is the holder, not a rival.
    expect(activateCustomer(nodes.b.db, voucher, now, now + 3_600_000, '02:AA:00:00:00:01')).toBe(true);
  });
});

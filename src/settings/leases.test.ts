import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTwoNodes, type TwoNodes } from '../jobs/test-fixtures.js';
import { holdLease, LeaseKeeper } from './leases.js';

let nodes: TwoNodes;

beforeEach(() => {
  nodes = openTwoNodes();
});
afterEach(() => nodes.close());

describe('a lease on work one node does for all', () => {
  it('is held by one node until it runs out, then taken by the other', () => {
    const now = Date.now();
    expect(holdLease(nodes.a.db, 'node-duties', 'node-a:1', now, 30_000)).toBe(true);
    expect(holdLease(nodes.b.db, 'node-duties', 'node-b:1', now + 1, 30_000)).toBe(false);
    expect(holdLease(nodes.a.db, 'node-duties', 'node-a:1', now + 10_000, 30_000)).toBe(true);
    expect(holdLease(nodes.b.db, 'node-duties', 'node-b:1', now + 39_999, 30_000)).toBe(false);
    expect(holdLease(nodes.b.db, 'node-duties', 'node-b:1', now + 40_000, 30_000)).toBe(true);
    expect(holdLease(nodes.a.db, 'node-duties', 'node-a:1', now + 40_001, 30_000)).toBe(false);
  });

  it('stops counting as held when its renewal is late, and passes on at once after a clean stop', () => {
    let clock = Date.now();
    const a = new LeaseKeeper(nodes.a.db, 'node-duties', 'node-a:1', { now: () => clock });
    const b = new LeaseKeeper(nodes.b.db, 'node-duties', 'node-b:1', { now: () => clock });
    expect(a.renew()).toBe(true);
    expect(b.renew()).toBe(false);
    clock += 30_000;
    expect(a.held).toBe(false);

    expect(a.renew()).toBe(true);
    a.stop();
    expect(b.renew()).toBe(true);
    b.stop();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTwoNodes, type TwoNodes } from '../jobs/test-fixtures.js';
import { activityOfAllNodes, NasActivity, routerState, shareActivity } from './nas-activity.js';

let nodes: TwoNodes;

beforeEach(() => {
  nodes = openTwoNodes();
});
afterEach(() => nodes.close());

describe('router activity on two nodes', () => {
  it('shows a router up on node B while it only talks to node A', () => {
    const now = Date.now();
    const onA = new NasActivity();
    const onB = new NasActivity();
    onA.seen(7, now - 1000);
    onB.seen(7, now - 3_600_000);
    onB.seen(8, now - 2000);

    shareActivity(nodes.a.db, 'node-a:1', onA, now);
    const seenByB = activityOfAllNodes(nodes.b.db, onB);

    expect(seenByB.get(7)).toBe(now - 1000);
    expect(routerState(seenByB.get(7), now)).toBe('up');
    expect(seenByB.get(8)).toBe(now - 2000);
  });

  it('forgets what a node shared once it has been silent for a day', () => {
    const now = Date.now();
    const gone = new NasActivity();
    gone.seen(7, now - 90_000_000);
    shareActivity(nodes.a.db, 'node-a:1', gone, now - 90_000_000);
    shareActivity(nodes.b.db, 'node-b:1', new NasActivity(), now);

    expect(activityOfAllNodes(nodes.b.db, new NasActivity()).has(7)).toBe(false);
  });
});

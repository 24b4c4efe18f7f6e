import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addNas } from '../aaa/nas.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { BUCKET_MS, pruneRouterBuckets, recordPollBuckets, routerHealth, routerInterfaces, routerTraffic, userTraffic } from './traffic.js';

const box = createSecretBox(Buffer.alloc(32, 3));
const DAY = 86_400_000;
const T0 = 1_000 * BUCKET_MS;
let conn: Connection;
let r1: number;

beforeEach(() => {
  conn = openDatabase(':memory:');
  r1 = addNas(conn.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' }).id;
});
afterEach(() => conn.close());

const health = (cpuLoad: number, hotspotUsers = 2) => ({ cpuLoad, memoryUsed: 100, memoryTotal: 1000, uptimeSeconds: 60, hotspotUsers, pppUsers: 1 });

describe('router buckets', () => {
  it('adds the bytes of polls in one 5-minute bucket and keeps their highest rates', () => {
    recordPollBuckets(conn.db, r1, { at: T0 + 10_000, health: health(10), interfaces: [{ iface: 'ether1', rxBytes: 1000, txBytes: 200, rxBps: 800, txBps: 160 }], users: [{ username: 'alice', upBytes: 50, downBytes: 500, upBps: 40, downBps: 400 }] });
    recordPollBuckets(conn.db, r1, { at: T0 + 40_000, health: health(30, 5), interfaces: [{ iface: 'ether1', rxBytes: 3000, txBytes: 100, rxBps: 2400, txBps: 80 }, { iface: 'ether2', rxBytes: 10, txBytes: 20, rxBps: 8, txBps: 16 }], users: [{ username: 'alice', upBytes: 70, downBytes: 700, upBps: 56, downBps: 560 }] });
    recordPollBuckets(conn.db, r1, { at: T0 + BUCKET_MS + 1, health: health(20), interfaces: [{ iface: 'ether1', rxBytes: 5, txBytes: 5, rxBps: 4, txBps: 4 }], users: [] });
    const range = { from: T0, to: T0 + 2 * BUCKET_MS };
    expect(routerTraffic(conn.db, r1, { ...range, iface: 'ether1' })).toEqual([
      { bucket: T0, rxBytes: 4000, txBytes: 300, rxMaxBps: 2400, txMaxBps: 160 },
      { bucket: T0 + BUCKET_MS, rxBytes: 5, txBytes: 5, rxMaxBps: 4, txMaxBps: 4 },
    ]);
    expect(routerTraffic(conn.db, r1, range)[0]).toMatchObject({ rxBytes: 4010, txBytes: 320 });
    expect(routerInterfaces(conn.db, r1, range)).toEqual(['ether1', 'ether2']);
    expect(userTraffic(conn.db, 'alice', range)).toEqual([{ bucket: T0, nasId: r1, upBytes: 120, downBytes: 1200, upMaxBps: 56, downMaxBps: 560 }]);
    expect(routerHealth(conn.db, r1, range)[0]).toEqual({ bucket: T0, polls: 2, failures: 0, cpuAvg: 20, cpuMax: 30, memoryUsedMax: 100, memoryTotal: 1000, hotspotUsersMax: 5, pppUsersMax: 1 });
  });

  it('counts a failed poll without spoiling the average of the good ones', () => {
    recordPollBuckets(conn.db, r1, { at: T0, health: health(40), interfaces: [], users: [] });
    recordPollBuckets(conn.db, r1, { at: T0 + 1000, interfaces: [], users: [] });
    expect(routerHealth(conn.db, r1, { from: T0, to: T0 })).toEqual([expect.objectContaining({ polls: 2, failures: 1, cpuAvg: 40, memoryTotal: 1000 })]);
  });

  it('forgets customers’ buckets sooner than the routers’', () => {
    const now = T0 + 30 * DAY;
    recordPollBuckets(conn.db, r1, { at: T0, health: health(1), interfaces: [{ iface: 'ether1', rxBytes: 1, txBytes: 1, rxBps: 1, txBps: 1 }], users: [{ username: 'alice', upBytes: 1, downBytes: 1, upBps: 1, downBps: 1 }] });
    expect(pruneRouterBuckets(conn.db, { now, keepDays: 400, userKeepDays: 14 })).toEqual({ deleted: 1, more: false });
    expect(userTraffic(conn.db, 'alice', { from: 0, to: now })).toEqual([]);
    expect(routerTraffic(conn.db, r1, { from: 0, to: now })).toHaveLength(1);
    expect(pruneRouterBuckets(conn.db, { now, keepDays: 20, userKeepDays: 14 })).toEqual({ deleted: 2, more: false });
  });

  it('prunes a long backlog a chunk at a time, oldest first, and says when more is left', () => {
    for (let n = 0; n < 5; n++) recordPollBuckets(conn.db, r1, { at: T0 + n * BUCKET_MS, health: health(1), interfaces: [], users: [] });
    const prune = () => pruneRouterBuckets(conn.db, { now: T0 + 30 * DAY, keepDays: 20, userKeepDays: 14, chunk: 2 });
    expect(prune()).toEqual({ deleted: 2, more: true });
    expect(routerHealth(conn.db, r1, { from: 0, to: T0 + 30 * DAY }).map((p) => p.bucket)).toEqual([T0 + 2 * BUCKET_MS, T0 + 3 * BUCKET_MS, T0 + 4 * BUCKET_MS]);
    expect(prune()).toEqual({ deleted: 2, more: true });
    expect(prune()).toEqual({ deleted: 1, more: false });
    expect(prune()).toEqual({ deleted: 0, more: false });
  });
});

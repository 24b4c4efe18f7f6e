import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from 'pino';
import { addNas } from '../aaa/nas.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { RouterOsError, type RouterOsEndpoint, type RouterOsItem, type RouterOsSession } from '../routeros/types.js';
import { RouterMonitor } from './monitor.js';
import { findRouterApi, setRouterApi } from './registry.js';
import { routerHealth, routerTraffic, userTraffic } from './traffic.js';

const box = createSecretBox(Buffer.alloc(32, 5));
let conn: Connection;
let r1: number;
let clock: number;

/** What the fake router answers; tests move the counters between polls. */
const router = {
  rx: 1_000_000,
  tx: 500_000,
  hotspotIn: 1000,
  hotspotOut: 10_000,
  queue: '2000/20000',
  /** False: carol's plan has no rate limit, so the router has no simple queue for her. */
  queued: true,
  pppRx: 5,
  pppTx: 5,
  down: undefined as RouterOsError | undefined,
  connects: 0,
  endpoints: [] as RouterOsEndpoint[],
};

function reply(command: string): RouterOsItem[] {
  switch (command) {
    case '/system/resource/print':
      return [{ 'cpu-load': '12', 'free-memory': '600', 'total-memory': '1000', uptime: '1d2h3m4s', version: '7.16.2 (stable)', 'board-name': 'hAP ac2' }];
    case '/interface/print':
      return [
        { name: 'ether1', type: 'ether', running: 'true', disabled: 'false', 'rx-byte': String(router.rx), 'tx-byte': String(router.tx) },
        { name: '<pppoe-carol>', type: 'pppoe-in', running: 'true', disabled: 'false', 'rx-byte': String(router.pppRx), 'tx-byte': String(router.pppTx) },
      ];
    case '/ip/hotspot/active/print':
      return [{ '.id': '*1', user: 'alice', address: '10.5.0.2', 'mac-address': 'AA:BB:CC:00:00:01', uptime: '5m', 'bytes-in': String(router.hotspotIn), 'bytes-out': String(router.hotspotOut) }];
    case '/ppp/active/print':
      return [{ '.id': '*9', name: 'carol', address: '10.6.0.2', 'caller-id': 'AA:BB:CC:00:00:03', uptime: '1h', 'session-id': '0x81A00002' }];
    case '/queue/simple/print':
      if (!router.queued) return [];
      return [{ name: '<pppoe-carol>', target: '10.6.0.2/32', 'max-limit': '1000000/4000000', bytes: router.queue, rate: '800/8000' }];
    default:
      throw new RouterOsError('trap', 'no such command prefix');
  }
}

async function connect(endpoint: RouterOsEndpoint): Promise<RouterOsSession> {
  router.connects += 1;
  router.endpoints.push(endpoint);
  if (router.down) throw router.down;
  let connected = true;
  return {
    routerosVersion: '7.16.2',
    get connected() {
      return connected;
    },
    close: async () => {
      connected = false;
    },
    run: async (command) => {
      if (router.down) {
        connected = false;
        throw router.down;
      }
      return { items: reply(command), done: {} };
    },
  };
}

function fakeLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_obj: unknown, msg?: string) => lines.push({ level, msg: msg ?? '' });
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as unknown as Logger;
  return { logger, lines };
}

function monitor(logger: Logger, pollMs = 10_000) {
  return new RouterMonitor({
    db: conn.db,
    box,
    logger,
    connect,
    pollMs,
    timeoutMs: 1000,
    write: (work, done) => {
      conn.db.transaction(() => work());
      done(null);
    },
    now: () => clock,
  });
}

beforeEach(() => {
  conn = openDatabase(':memory:');
  r1 = addNas(conn.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' }).id;
  setRouterApi(conn.db, box, r1, { host: '127.0.0.1', port: 18728, username: 'lango', password: 'api-pass' });
  Object.assign(router, { rx: 1_000_000, tx: 500_000, hotspotIn: 1000, hotspotOut: 10_000, queue: '2000/20000', queued: true, pppRx: 5, pppTx: 5, down: undefined, connects: 0, endpoints: [] });
  clock = 3_000_000_000;
});
afterEach(() => conn.close());

describe('live monitoring', () => {
  it('waits for the first poll, then shows rates from counter deltas over the real time between polls', async () => {
    const { logger, lines } = fakeLogger();
    const m = monitor(logger);
    await m.pollNow(r1);
    const first = m.live(r1)!;
    expect(first).toMatchObject({ state: 'up', resource: { cpuLoad: 12, uptimeSeconds: 93_784, version: '7.16.2 (stable)', boardName: 'hAP ac2' } });
    expect(first.interfaces).toEqual([{ name: 'ether1', running: true, rxBps: 0, txBps: 0, rxBytes: 1_000_000, txBytes: 500_000 }]);
    // A PPP user's first rate is the queue's own.
    expect(first.users.find((u) => u.username === 'carol')).toMatchObject({ service: 'ppp', upBps: 800, downBps: 8000, maxLimit: '1000000/4000000', mac: 'AA:BB:CC:00:00:03' });

    clock += 4000;
    router.rx += 1_000_000;
    router.tx += 100_000;
    router.hotspotIn += 500; // from the customer: their upload
    router.hotspotOut += 5000;
    router.queue = '4000/60000';
    await m.pollNow(r1);
    const second = m.live(r1)!;
    expect(second.interfaces[0]).toMatchObject({ rxBps: 2_000_000, txBps: 200_000 });
    expect(second.users).toEqual([
      expect.objectContaining({ username: 'alice', service: 'hotspot', id: '*1', upBps: 1000, downBps: 10_000 }),
      expect.objectContaining({ username: 'carol', upBps: 4000, downBps: 80_000 }),
    ]);
    // Per interface, never added up: a bridge and its ports would count the same packets twice.
    expect(second.window.map((p) => p.interfaces)).toEqual([{ ether1: [0, 0] }, { ether1: [2_000_000, 200_000] }]);
    expect(router.connects).toBe(1);

    const range = { from: clock - 3_600_000, to: clock };
    expect(routerTraffic(conn.db, r1, range).reduce((s, p) => s + p.rxBytes, 0)).toBe(1_000_000);
    expect(userTraffic(conn.db, 'alice', range).reduce((s, p) => s + p.upBytes, 0)).toBe(500);
    expect(userTraffic(conn.db, 'carol', range).reduce((s, p) => s + p.downBytes, 0)).toBe(40_000);
    expect(routerHealth(conn.db, r1, range).reduce((s, p) => s + p.polls, 0)).toBe(2);
    expect(findRouterApi(conn.db, r1)).toMatchObject({ routerosVersion: '7.16.2 (stable)', boardName: 'hAP ac2', lastContactAt: clock - 4000 });
    expect(lines.filter((l) => l.level === 'info')).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('api-pass');
  });

  it('counts a PPP customer without a rate limit by their own <pppoe-…> interface, upload being what the router received', async () => {
    router.queued = false;
    const m = monitor(fakeLogger().logger);
    await m.pollNow(r1);
    expect(m.live(r1)!.users.find((u) => u.username === 'carol')).toMatchObject({ upBps: 0, downBps: 0, maxLimit: null });
    clock += 4000;
    router.pppRx += 1000;
    router.pppTx += 20_000;
    await m.pollNow(r1);
    const live = m.live(r1)!;
    expect(live.users.find((u) => u.username === 'carol')).toMatchObject({ upBps: 2000, downBps: 40_000 });
    // Still not one of the router's interfaces: customers come and go.
    expect(live.interfaces.map((i) => i.name)).toEqual(['ether1']);
    expect(userTraffic(conn.db, 'carol', { from: 0, to: clock })).toEqual([expect.objectContaining({ upBytes: 1000, downBytes: 20_000 })]);
  });

  it('counts nothing for a counter that went down (the router rebooted)', async () => {
    const m = monitor(fakeLogger().logger);
    await m.pollNow(r1);
    clock += 5000;
    router.rx = 10;
    await m.pollNow(r1);
    expect(m.live(r1)!.interfaces[0]!.rxBps).toBe(0);
    expect(routerTraffic(conn.db, r1, { from: 0, to: clock })[0]).toMatchObject({ rxBytes: 0 });
  });

  it('says a router is down once, with the reason, and records the failure once', async () => {
    const { logger, lines } = fakeLogger();
    const m = monitor(logger);
    await m.pollNow(r1);
    router.down = new RouterOsError('timeout', 'no answer');
    for (let i = 0; i < 3; i++) {
      clock += 10_000;
      await m.pollNow(r1);
    }
    expect(m.live(r1)).toMatchObject({ state: 'down', error: { kind: 'timeout', detail: null }, users: [] });
    expect(m.live(r1)!.window.map((p) => p.interfaces)).toEqual([{ ether1: [0, 0] }, {}, {}, {}]);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('did not answer in time');
    expect(findRouterApi(conn.db, r1)).toMatchObject({ lastErrorKind: 'timeout' });
    expect(routerHealth(conn.db, r1, { from: 0, to: clock })[0]).toMatchObject({ polls: 4, failures: 3 });
    router.down = undefined;
    clock += 10_000;
    await m.pollNow(r1);
    expect(m.live(r1)!.state).toBe('up');
    expect(findRouterApi(conn.db, r1)).toMatchObject({ lastErrorKind: null, lastContactAt: clock });
  });

  it('retries a dead router with a growing wait, not at every poll', async () => {
    vi.useFakeTimers();
    try {
      router.down = new RouterOsError('refused', 'connect ECONNREFUSED');
      const m = monitor(fakeLogger().logger, 1000);
      clock = Date.now();
      const timerClock = setInterval(() => (clock = Date.now()), 100);
      m.start();
      await vi.advanceTimersByTimeAsync(16_000);
      // Tries at 0, 1, 3, 7 and 15 s rather than 16 times.
      expect(router.connects).toBe(5);
      clearInterval(timerClock);
      await m.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('picks up routers added or changed while running, and leaves routers with monitoring off alone', async () => {
    const m = monitor(fakeLogger().logger);
    const r2 = addNas(conn.db, box, { name: 'R2', ip: '10.0.0.2', secret: 'testing123' }).id;
    setRouterApi(conn.db, box, r2, { host: '127.0.0.2', username: 'lango', password: 'x', monitor: false });
    await m.pollNow(r1);
    expect(m.states()).toEqual(new Map([[r1, 'up'], [r2, 'off']]));
    expect(await m.pollNow(r2)).toMatchObject({ state: 'off' });
    setRouterApi(conn.db, box, r1, { host: '127.0.0.3', username: 'lango', password: 'new' }, clock + 1);
    await m.pollNow(r1);
    expect(router.endpoints.map((e) => [e.host, e.password])).toEqual([['127.0.0.1', 'api-pass'], ['127.0.0.3', 'new']]);
    await m.stop();
  });
});

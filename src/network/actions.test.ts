import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addNas } from '../aaa/nas.js';
import { createSessionWriter, listSessions, type AccountingRecord } from '../aaa/sessions.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { RouterOsError, type RouterOsItem, type RouterOsSession } from '../routeros/types.js';
import { activeUsers, closeSessionsMissingFromRouter, createApiKicker, kickUser, type ActiveUser, type ApiKick } from './actions.js';
import { setRouterApi } from './registry.js';

const box = createSecretBox(Buffer.alloc(32, 4));

/** A router's active lists behind the session interface: print (with one ?prop=value query) and remove. */
function fakeRouter(menus: Record<string, RouterOsItem[]>): RouterOsSession & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    routerosVersion: '7.16',
    connected: true,
    close: async () => undefined,
    run: async (command, words = []) => {
      const menu = command.slice(0, command.lastIndexOf('/'));
      const items = menus[menu] ?? [];
      if (command.endsWith('/print')) {
        const query = words.find((w) => w.startsWith('?'));
        const [key, value] = query ? query.slice(1).split('=') : [];
        return { items: items.filter((i) => key === undefined || i[key] === value).map((i) => ({ ...i })), done: {} };
      }
      const id = words.find((w) => w.startsWith('=.id='))!.slice(5);
      const at = items.findIndex((i) => i['.id'] === id);
      if (at < 0) throw new RouterOsError('trap', 'no such item (4)');
      items.splice(at, 1);
      removed.push(`${menu} ${id}`);
      return { items: [], done: {} };
    },
  };
}

describe('who is on a router, and logging one off', () => {
  it('lists hotspot and PPP users as one list', async () => {
    const router = fakeRouter({
      '/ip/hotspot/active': [{ '.id': '*1', user: 'alice', address: '10.5.0.2', 'mac-address': 'AA:BB:CC:00:00:01', uptime: '5m' }],
      '/ppp/active': [{ '.id': '*9', name: 'carol', address: '10.6.0.2', 'caller-id': 'AA:BB:CC:00:00:03', uptime: '1h', 'session-id': '0x81A00002' }],
    });
    expect(await activeUsers(router)).toEqual([
      { service: 'hotspot', id: '*1', username: 'alice', address: '10.5.0.2', mac: 'AA:BB:CC:00:00:01', sessionId: null, uptime: '5m' },
      { service: 'ppp', id: '*9', username: 'carol', address: '10.6.0.2', mac: 'AA:BB:CC:00:00:03', sessionId: '0x81A00002', uptime: '1h' },
    ]);
  });

  it('removes only the user’s entries, narrowed by address when one is given', async () => {
    const router = fakeRouter({
      '/ip/hotspot/active': [
        { '.id': '*1', user: 'alice', address: '10.5.0.2' },
        { '.id': '*2', user: 'alice', address: '10.5.0.3' },
        { '.id': '*3', user: 'bob', address: '10.5.0.4' },
      ],
      '/ppp/active': [{ '.id': '*9', name: 'alice', address: '10.6.0.2' }],
    });
    expect(await kickUser(router, { username: 'alice', address: '10.5.0.3' })).toEqual({ removed: 1 });
    expect(router.removed).toEqual(['/ip/hotspot/active *2']);
    expect(await kickUser(router, { username: 'alice' })).toEqual({ removed: 2 });
    expect(await kickUser(router, { username: 'nobody' })).toEqual({ removed: 0 });
    expect((await activeUsers(router)).map((u) => u.username)).toEqual(['bob']);
  });
  it('kicks only the PPP session the Disconnect was for, never the customer’s newer one', async () => {
    const router = fakeRouter({
      '/ppp/active': [
        { '.id': '*9', name: 'carol', address: '10.6.0.2', 'session-id': '0x81A00003' },
        { '.id': '*8', name: 'carol', address: '10.6.0.2', 'session-id': '0x81A00002' },
      ],
    });
    expect(await kickUser(router, { username: 'carol', address: '10.6.0.2', acctSessionId: '81a00001' })).toEqual({ removed: 0 });
    expect(await kickUser(router, { username: 'carol', address: '10.6.0.2', acctSessionId: '81a00002' })).toEqual({ removed: 1 });
    expect(router.removed).toEqual(['/ppp/active *8']);
  });
});

describe('the Disconnect fallback over the API', () => {
  let conn: Connection;
  beforeEach(() => {
    conn = openDatabase(':memory:');
  });
  afterEach(() => conn.close());

  const routerWithApi = (name: string, ip: string) => {
    const nasId = addNas(conn.db, box, { name, ip, secret: 'testing123' }).id;
    setRouterApi(conn.db, box, nasId, { host: ip, username: 'lango', password: 'pw' });
    return nasId;
  };
  const kick = (nasId: number, username: string): ApiKick => ({ nasId, username, framedIp: null, acctSessionId: null });

  it('logs users off one API session at a time per router, queued kicks sharing it', async () => {
    const r1 = routerWithApi('R1', '10.0.0.1');
    const r2 = routerWithApi('R2', '10.0.0.2');
    const users = (names: string[]) => names.map((user, i) => ({ '.id': `*${i + 1}`, user }));
    const routers = new Map([
      ['10.0.0.1', fakeRouter({ '/ip/hotspot/active': users(['a', 'b', 'c']) })],
      ['10.0.0.2', fakeRouter({ '/ip/hotspot/active': users(['d']) })],
    ]);
    const logins: string[] = [];
    let open = 0;
    let mostOpen = 0;
    const kicker = createApiKicker({
      db: conn.db,
      box,
      timeoutMs: 1000,
      connect: async (endpoint) => {
        logins.push(endpoint.host);
        mostOpen = Math.max(mostOpen, ++open);
        const router = routers.get(endpoint.host)!;
        return { ...router, close: async () => void open-- };
      },
    });
    const results = await Promise.all([kick(r1, 'a'), kick(r1, 'b'), kick(r2, 'd'), kick(r1, 'c'), kick(r1, 'nobody')].map(kicker));
    expect(results).toEqual([true, true, true, true, false]);
    expect(logins.sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(mostOpen).toBe(2);
    expect(routers.get('10.0.0.1')!.removed).toEqual(['/ip/hotspot/active *1', '/ip/hotspot/active *2', '/ip/hotspot/active *3']);
  });

  it('says false for a router without API access and gives the reason when it cannot be reached', async () => {
    const noApi = addNas(conn.db, box, { name: 'R0', ip: '10.0.0.9', secret: 'testing123' }).id;
    const down = routerWithApi('R1', '10.0.0.1');
    const kicker = createApiKicker({
      db: conn.db,
      box,
      timeoutMs: 1000,
      connect: async () => Promise.reject(new RouterOsError('timeout', 'no answer')),
    });
    expect(await kicker(kick(noApi, 'a'))).toBe(false);
    await expect(kicker(kick(down, 'a'))).rejects.toThrow(/did not answer in time/);
  });
});

describe('closing sessions the router forgot', () => {
  let conn: Connection;
  let nasId: number;
  beforeEach(() => {
    conn = openDatabase(':memory:');
    nasId = addNas(conn.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' }).id;
  });
  afterEach(() => conn.close());

  const start = (acctSessionId: string, username: string, eventTime: number, framedIp: string | null = null): AccountingRecord => ({
    nasId, acctSessionId, username, eventTime, sessionTime: 0, inputOctets: 0, outputOctets: 0, inputPackets: 0, outputPackets: 0,
    framedIp, callingStationId: null, calledStationId: null, nasPortId: null, stop: null, gigawords: false,
  });
  const hotspot = (username: string, address: string | null): ActiveUser => ({ service: 'hotspot', id: '*1', username, address, mac: null, sessionId: null, uptime: null });
  const ppp = (username: string, sessionId: string | null): ActiveUser => ({ service: 'ppp', id: '*2', username, address: null, mac: null, sessionId, uptime: null });

  it('closes what the router no longer lists and leaves what it lists, or may not have listed yet', () => {
    const writer = createSessionWriter(conn);
    const listedAt = 10_000_000;
    writer.record(start('h1', 'alice', 1_000_000, '10.5.0.2'), null); // listed
    writer.record(start('h2', 'bob', 1_000_000, '10.5.0.3'), null); // gone
    writer.record(start('h3', 'alice', 1_000_000, '10.5.0.9'), null); // alice is on, but from another address: gone
    writer.record(start('81a00002', 'carol', 1_000_000), null); // listed, same PPP session id
    writer.record(start('81a00001', 'carol', 1_000_000), null); // carol's earlier PPP session: gone
    writer.record(start('h4', 'dave', listedAt - 30_000, '10.5.0.4'), null); // a Start in flight
    const result = closeSessionsMissingFromRouter(conn.db, nasId, [hotspot('alice', '10.5.0.2'), ppp('carol', '0x81A00002')], listedAt);
    expect(result).toEqual({ closed: 3, stillOpen: 3 });
    const closed = listSessions(conn.db, { ended: true });
    expect(closed.map((s) => s.acctSessionId).sort()).toEqual(['81a00001', 'h2', 'h3']);
    expect(closed.every((s) => s.terminateCause === 'Lango-Router-Sync' && s.stoppedAt === listedAt)).toBe(true);
  });
});

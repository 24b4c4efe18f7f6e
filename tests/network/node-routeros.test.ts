import { RouterOSAPI } from 'node-routeros';
import { afterEach, describe, expect, it } from 'vitest';
import { startRouterOsEmulator, type RouterOsEmulator } from '../../scripts/emulators/routeros.js';

// Issue 10 asks that npm node-routeros 1.6.9 connect to the emulator unchanged: proof that the
// emulator speaks the wire protocol as real routers do, not just as our own client expects.
// The last test pins the bug that is why Lango does not use node-routeros at run time
// (mikrotik.md §8): on RouterOS 7.18+ a print that matches nothing answers `!empty`, which
// node-routeros throws on outside its promise chain, and the write never settles.

const routers: RouterOsEmulator[] = [];
const clients: RouterOSAPI[] = [];

afterEach(async () => {
  for (const api of clients.splice(0)) await api.close().catch(() => undefined);
  for (const router of routers.splice(0)) await router.close();
});

async function connected(version?: string): Promise<{ router: RouterOsEmulator; api: RouterOSAPI }> {
  const router = await startRouterOsEmulator({ username: 'lango', password: 's3cret', ...(version && { version }) });
  routers.push(router);
  const api = new RouterOSAPI({ host: '127.0.0.1', port: router.port, user: 'lango', password: 's3cret', timeout: 5 });
  // Once connected, node-routeros re-emits socket errors as 'error' events: a test must not die of one.
  api.on('error', () => undefined);
  await api.connect();
  clients.push(api);
  return { router, api };
}

describe('node-routeros 1.6.9 against the emulator', () => {
  it('connects, prints items, adds one and reads the new .id back', async () => {
    const { router, api } = await connected();
    const interfaces = await api.write('/interface/print', ['=stats=', '?type=ether']);
    expect(interfaces.map((i) => i.name)).toEqual(['ether1', 'ether2']);
    expect(Number(interfaces[0]!['rx-byte'])).toBeGreaterThan(0);

    const added = await api.write('/ip/hotspot/walled-garden/add', ['=dst-host=pay.example.co.ke', '=action=allow', '=comment=Lango portal']);
    expect(added).toEqual([{ ret: '*1' }]);
    const garden = await api.write('/ip/hotspot/walled-garden/print', ['?comment=Lango portal']);
    expect(garden).toEqual([expect.objectContaining({ '.id': '*1', 'dst-host': 'pay.example.co.ke', action: 'allow' })]);
    expect(router.items('/ip/hotspot/walled-garden')).toHaveLength(1);
    expect(router.connections).toBe(1);
  });

  it('rejects a write with the message of the router’s !trap', async () => {
    const { api } = await connected();
    await expect(api.write('/radius/add', ['=address=203.0.113.10', '=colour=blue'])).rejects.toThrow('unknown parameter colour');
    // The connection is still usable after the trap.
    expect(await api.write('/system/identity/print')).toEqual([{ name: 'MikroTik' }]);
  });

  it('rejects the connection when the password is wrong', async () => {
    const router = await startRouterOsEmulator({ username: 'lango', password: 's3cret' });
    routers.push(router);
    const api = new RouterOSAPI({ host: '127.0.0.1', port: router.port, user: 'lango', password: 'wrong', timeout: 5 });
    await expect(api.connect()).rejects.toMatchObject({ errno: 'CANTLOGIN' });
  });

  it('never settles a print that matches nothing on RouterOS 7.18, throwing outside its promise (the bug Lango avoids)', async () => {
    const { api } = await connected('7.18.2');
    const thrown: unknown[] = [];
    const catcher = (error: unknown): void => {
      thrown.push(error);
    };
    process.on('uncaughtException', catcher);
    try {
      const print = api.write('/ip/hotspot/active/print').then(
        () => 'settled',
        () => 'settled',
      );
      const outcome = await Promise.race([print, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2000))]);
      expect(outcome).toBe('still waiting');
      expect(thrown).toEqual([expect.objectContaining({ name: 'RosException', message: 'Tried to process unknown reply: !empty' })]);
    } finally {
      process.off('uncaughtException', catcher);
    }
  });
});

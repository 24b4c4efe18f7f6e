import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addNas } from '../aaa/nas.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { RouterOsError, type RouterOsItem, type RouterOsReply, type RouterOsSession } from '../routeros/types.js';
import { setSetting } from '../settings/index.js';
import { formatRouterOsDuration, parseRouterOsDuration } from '../routeros/durations.js';
import { applySetup, planSetup, setupCommands, setupTargetFor, SetupStepFailed, type SetupTarget } from './provisioning.js';

// A router as a few menus in memory: prints (with .proplist), add and set, and a trap on demand.
const SINGLE = new Set(['/radius/incoming', '/ppp/aaa']);

class FakeRouter implements RouterOsSession {
  readonly connected = true;
  readonly writes: string[][] = [];
  /** An API user without the "sensitive" policy: /radius prints leave out the secret. */
  hideSecrets = false;
  private next = 1;
  constructor(
    readonly menus: Record<string, RouterOsItem[]>,
    readonly routerosVersion: string | undefined = '7.16.2',
    private readonly refuse?: { command: string; message: string },
  ) {}

  async run(command: string, words: readonly string[] = []): Promise<RouterOsReply> {
    const menu = command.slice(0, command.lastIndexOf('/'));
    const verb = command.slice(command.lastIndexOf('/') + 1);
    const items = this.menus[menu];
    if (!items) throw new RouterOsError('trap', 'no such command prefix', 0);
    const attrs = Object.fromEntries(words.filter((w) => w.startsWith('=')).map((w) => [w.slice(1, w.indexOf('=', 1)), w.slice(w.indexOf('=', 1) + 1)]));
    if (verb === 'print') {
      const props = attrs['.proplist']?.split(',');
      const hidden = (k: string) => this.hideSecrets && menu === '/radius' && k === 'secret';
      return { items: items.map((item) => Object.fromEntries(Object.entries(item).filter(([k]) => (!props || props.includes(k)) && !hidden(k)))), done: {} };
    }
    this.writes.push([command, ...words]);
    if (this.refuse?.command === command) throw new RouterOsError('trap', this.refuse.message, 1);
    const { '.id': id, ...values } = attrs;
    if (verb === 'add') {
      const newId = `*${this.next++}`;
      items.push({ '.id': newId, ...values });
      return { items: [], done: { ret: newId } };
    }
    const item = SINGLE.has(menu) ? items[0] : items.find((i) => i['.id'] === id);
    if (!item) throw new RouterOsError('trap', 'no such item', 0);
    Object.assign(item, values);
    return { items: [], done: {} };
  }

  async close(): Promise<void> {}
}

/** A router fresh out of the box, as RouterOS prints it over the API. */
function freshRouter(version = '7.16.2', refuse?: { command: string; message: string }): FakeRouter {
  return new FakeRouter(
    {
      '/radius': [],
      '/radius/incoming': [{ accept: 'false', port: '3799' }],
      '/ip/hotspot/profile': [
        { '.id': '*0', name: 'default', 'use-radius': 'false', 'radius-accounting': 'true', 'radius-interim-update': '0s' },
        { '.id': '*1', name: 'hsprof1', 'use-radius': 'false', 'radius-accounting': 'true', 'radius-interim-update': '0s' },
      ],
      '/ppp/aaa': [{ 'use-radius': 'false', accounting: 'true', 'interim-update': '0s' }],
      '/ip/hotspot/walled-garden': [{ '.id': '*9', 'dst-host': 'ops.example.org', action: 'allow' }],
    },
    version,
    refuse,
  );
}

const target: SetupTarget = {
  nasId: 1,
  nasName: 'R1',
  radiusAddress: '10.8.0.1',
  secret: 'the-shared-secret',
  authPort: 1812,
  acctPort: 1813,
  coaPort: 3799,
  interimSeconds: 300,
  walledGarden: ['portal.example.co.ke', 'ops.example.org'],
};

describe('setting up a router', () => {
  it('lists every change a fresh router needs, never showing the secret', async () => {
    const plan = await planSetup(freshRouter(), target);
    expect(plan.routerosVersion).toBe('7.16.2');
    expect(plan.changes.map((c) => `${c.action} ${c.menu} ${c.item}`)).toEqual([
      'add /radius Lango RADIUS client',
      'set /radius/incoming RADIUS incoming (CoA and Disconnect)',
      'set /ip/hotspot/profile hotspot profile default',
      'set /ip/hotspot/profile hotspot profile hsprof1',
      'set /ppp/aaa PPP AAA',
      'add /ip/hotspot/walled-garden walled garden portal.example.co.ke',
    ]);
    expect(plan.changes[0]!.after).toMatchObject({ address: '10.8.0.1', secret: '••••', service: 'hotspot,ppp', timeout: '3s', comment: 'Lango', 'require-message-auth': 'yes-for-request-resp' });
    expect(plan.changes[1]).toMatchObject({ before: { accept: 'false' }, after: { accept: 'yes' } });
    expect(plan.changes[2]).toMatchObject({ id: '*0', before: { 'use-radius': 'false' }, after: { 'use-radius': 'yes' } });
    expect(plan.changes[4]).toMatchObject({ before: { 'use-radius': 'false', 'interim-update': '0s' }, after: { 'use-radius': 'yes', 'interim-update': '5m' } });
    expect(JSON.stringify(plan)).not.toContain('the-shared-secret');
  });

  it('makes the changes, after which a second plan finds nothing to change and a second apply writes nothing', async () => {
    const router = freshRouter();
    const { applied } = await applySetup(router, target);
    expect(applied).toHaveLength(6);
    expect(router.menus['/radius']).toEqual([expect.objectContaining({ address: '10.8.0.1', secret: 'the-shared-secret', service: 'hotspot,ppp', 'authentication-port': '1812', comment: 'Lango' })]);
    expect(router.menus['/radius/incoming']).toEqual([{ accept: 'yes', port: '3799' }]);
    expect((await planSetup(router, target)).changes).toEqual([]);
    const writes = router.writes.length;
    expect((await applySetup(router, target)).applied).toEqual([]);
    expect(router.writes).toHaveLength(writes);
  });

  it('reads the router\'s own spellings as the same values, and keeps services the operator added', async () => {
    const router = freshRouter();
    router.menus['/radius']!.push({ '.id': '*4', address: '10.8.0.1', secret: 'the-shared-secret', service: 'login,ppp,hotspot', 'authentication-port': '1812', 'accounting-port': '1813', timeout: '3000ms', comment: 'office', 'require-message-auth': 'yes-for-request-resp', disabled: 'false' });
    router.menus['/radius/incoming'] = [{ accept: 'true', port: '3799' }];
    router.menus['/ppp/aaa'] = [{ 'use-radius': 'true', accounting: 'yes', 'interim-update': '00:05:00' }];
    for (const profile of router.menus['/ip/hotspot/profile']!) Object.assign(profile, { 'use-radius': 'true', 'radius-interim-update': 'received' });
    const plan = await planSetup(router, { ...target, walledGarden: ['OPS.example.org'] });
    // Found by its address; only the comment differs.
    expect(plan.changes).toEqual([{ menu: '/radius', action: 'set', id: '*4', item: 'Lango RADIUS client', itemKey: 'radiusClient', itemValues: {}, before: { comment: 'office' }, after: { comment: 'Lango' } }]);
    expect(plan.secretUnreadable).toBe(false);
  });

  it('changes a secret that differs without showing either one', async () => {
    const router = freshRouter();
    await applySetup(router, target);
    const plan = await planSetup(router, { ...target, secret: 'a-new-secret' });
    expect(plan.changes).toEqual([{ menu: '/radius', action: 'set', id: '*1', item: 'Lango RADIUS client', itemKey: 'radiusClient', itemValues: {}, before: { secret: '••••' }, after: { secret: '••••' } }]);
  });

  it('names each item for the staff pages\' catalogue too', async () => {
    const plan = await planSetup(freshRouter(), target);
    expect(plan.changes.map((c) => [c.itemKey, c.itemValues])).toEqual([
      ['radiusClient', {}],
      ['radiusIncoming', {}],
      ['hotspotProfile', { name: 'default' }],
      ['hotspotProfile', { name: 'hsprof1' }],
      ['pppAaa', {}],
      ['walledGarden', { host: 'portal.example.co.ke' }],
    ]);
  });

  it('does not change a secret the router will not show, says so, and writes it only with other changes to the entry', async () => {
    const router = freshRouter();
    router.hideSecrets = true;
    await applySetup(router, target);
    // Set up already: a secret it cannot read is not a change, and a second run stays empty.
    const plan = await planSetup(router, { ...target, secret: 'a-new-secret' });
    expect(plan).toMatchObject({ changes: [], secretUnreadable: true });
    expect((await applySetup(router, target)).applied).toEqual([]);

    router.menus['/radius']![0]!.timeout = '10s';
    const { applied, secretUnreadable } = await applySetup(router, { ...target, secret: 'a-new-secret' });
    expect(secretUnreadable).toBe(true);
    expect(applied).toEqual([expect.objectContaining({ menu: '/radius', action: 'set', before: { timeout: '10s', secret: '••••' }, after: { timeout: '3s', secret: '••••' } })]);
    expect(router.menus['/radius']![0]).toMatchObject({ timeout: '3s', secret: 'a-new-secret' });
  });

  it('leaves require-message-auth alone on RouterOS older than 7.15, which does not have it', async () => {
    const plan = await planSetup(freshRouter('6.49.10 (long-term)'), target);
    expect(plan.changes[0]!.after).not.toHaveProperty('require-message-auth');
  });

  it('stops at a change the router refuses, saying which one and what the router said', async () => {
    const router = freshRouter('7.16.2', { command: '/ip/hotspot/profile/set', message: 'failure: profile is in use' });
    const failure = await applySetup(router, target).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(SetupStepFailed);
    expect(failure).toMatchObject({ kind: 'trap', message: 'hotspot profile default (/ip/hotspot/profile set): failure: profile is in use' });
    expect((failure as SetupStepFailed).applied.map((c) => c.menu)).toEqual(['/radius', '/radius/incoming']);
    expect(router.menus['/ppp/aaa']![0]!['use-radius']).toBe('false');
  });

  it('names the menu when reading it is refused', async () => {
    const router = freshRouter();
    delete router.menus['/ppp/aaa'];
    await expect(planSetup(router, target)).rejects.toMatchObject({ kind: 'trap', message: '/ppp/aaa print: no such command prefix' });
  });

  it('prints the same configuration as lines to paste, with the secret only when asked', () => {
    const script = setupCommands({ ...target, secret: 'zq"9$x' }, { showSecret: false });
    expect(script).toContain('/radius/add address=10.8.0.1 secret="PASTE-THE-SHARED-SECRET" service=hotspot,ppp authentication-port=1812 accounting-port=1813 timeout=3s comment="Lango"');
    expect(script).toContain('/radius/incoming/set accept=yes port=3799');
    expect(script).toContain('/ip/hotspot/profile/set [find] use-radius=yes radius-accounting=yes radius-interim-update=received');
    expect(script).toContain('/ppp/aaa/set use-radius=yes accounting=yes interim-update=5m');
    expect(script).toContain('/ip/hotspot/walled-garden/add dst-host=portal.example.co.ke action=allow comment="Lango"');
    expect(script).toContain('# /ip/firewall/filter/add chain=input protocol=udp src-address=10.8.0.1 dst-port=3799 action=accept');
    expect(script).not.toContain('zq');
    expect(setupCommands({ ...target, secret: 'zq"9$x' }, { showSecret: true })).toContain('secret="zq\\"9\\$x"');
  });

  it('reads and writes RouterOS durations', () => {
    expect([parseRouterOsDuration('3s'), parseRouterOsDuration('3000ms'), parseRouterOsDuration('00:00:03'), parseRouterOsDuration('3')]).toEqual([3000, 3000, 3000, 3000]);
    expect([parseRouterOsDuration('1h2m3s'), parseRouterOsDuration('1d00:00:01'), parseRouterOsDuration('soon')]).toEqual([3_723_000, 86_401_000, undefined]);
    expect([parseRouterOsDuration('1w2d3h4m5s'), parseRouterOsDuration('4s120ms')]).toEqual([(9 * 86_400 + 3 * 3600 + 4 * 60 + 5) * 1000, 4120]);
    expect([formatRouterOsDuration(300_000), formatRouterOsDuration(90_000), formatRouterOsDuration(0), formatRouterOsDuration(86_400_000), formatRouterOsDuration(1100)]).toEqual(['5m', '1m30s', '0s', '1d', '1s100ms']);
  });
});

describe('what setup needs to know', () => {
  it('gathers the secret, the ports and the walled garden, and asks for the RADIUS address first', () => {
    const box = createSecretBox(Buffer.alloc(32, 3));
    const conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-setup-')), 'lango.db'));
    try {
      const r1 = addNas(conn.db, box, { name: 'R1', ip: '192.168.88.1', secret: 'testing123' }).id;
      const facts = { authPort: 1812, acctPort: 1813, coaPort: 3799, interimSeconds: 300 };
      const refused = (() => {
        try {
          setupTargetFor(conn.db, box, r1, facts);
        } catch (err) {
          return err instanceof LangoError ? err.code : err;
        }
      })();
      expect(refused).toBe('ROUTER_NO_RADIUS_ADDRESS');
      setSetting(conn.db, 'routers.radiusAddress', '10.8.0.1', 'test');
      setSetting(conn.db, 'payments.publicUrl', 'https://Portal.example.co.ke/pay', 'test');
      setSetting(conn.db, 'routers.walledGarden', ['portal.example.co.ke', '*.safaricom.co.ke'], 'test');
      expect(setupTargetFor(conn.db, box, r1, facts)).toEqual({ nasId: r1, nasName: 'R1', radiusAddress: '10.8.0.1', secret: 'testing123', ...facts, walledGarden: ['portal.example.co.ke', '*.safaricom.co.ke'] });
      expect(() => setupTargetFor(conn.db, box, 999, facts)).toThrow(LangoError);
    } finally {
      conn.close();
    }
  });
});

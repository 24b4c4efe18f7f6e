import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRouterOsEmulator, type RouterOsEmulator } from '../../scripts/emulators/routeros.js';
import { t } from '../../src/i18n/index.js';
import { langoAsync, langoJson, langoOk } from '../support/peers.js';

// "Set up this router" from the terminal, end to end: the real `lango` CLI on a fresh database
// against a RouterOS API emulator on loopback. The operator adds a router, gives Lango its API
// login and the address routers reach Lango at, sees what setup would change, applies it, and a
// second run has nothing to change and writes nothing. A wrong API password and a router that
// refuses a property are said in plain words.

const SECRET = 'r1-shared-secret-77';
const API_PASSWORD = 'api-pass-2024';

let env: { env: Record<string, string> };
let router: RouterOsEmulator;
let oldRouter: RouterOsEmulator;
let hidingRouter: RouterOsEmulator;

const writes = (commands: string[][]) => commands.filter((c) => /\/(add|set|remove)$/.test(c[0] ?? ''));
const yes = (value: string | undefined) => value === 'yes' || value === 'true';

beforeAll(async () => {
  router = await startRouterOsEmulator({ username: 'lango', password: API_PASSWORD, version: '7.16.2' });
  // Firmware that does not know one property setup writes.
  oldRouter = await startRouterOsEmulator({ username: 'lango', password: API_PASSWORD, unknownProperties: ['radius-interim-update'] });
  // An API user without the "sensitive" policy: the router does not show it the RADIUS secret.
  hidingRouter = await startRouterOsEmulator({ username: 'lango', password: API_PASSWORD, hideSecrets: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-router-setup-'));
  env = { env: { ...(process.env as Record<string, string>), LANGO_DB: path.join(dir, 'lango.db'), LANGO_KEY_FILE: path.join(dir, 'secret.key') } };
  for (const args of [
    ['nas', 'add', '--name', 'R1', '--ip', '127.0.0.1', '--secret', SECRET],
    ['nas', 'add', '--name', 'R2', '--ip', '127.0.0.2', '--secret', 'r2-shared-secret'],
    ['nas', 'add', '--name', 'R3', '--ip', '127.0.0.3', '--secret', 'r3-shared-secret'],
    ['router', 'api', '--name', 'R1', '--host', '127.0.0.1', '--port', String(router.port), '--user', 'lango', '--password', API_PASSWORD],
    ['router', 'api', '--name', 'R2', '--host', '127.0.0.1', '--port', String(oldRouter.port), '--user', 'lango', '--password', API_PASSWORD],
    ['router', 'api', '--name', 'R3', '--host', '127.0.0.1', '--port', String(hidingRouter.port), '--user', 'lango', '--password', API_PASSWORD],
  ]) {
    langoOk(env, ...args);
  }
}, 60_000);

afterAll(async () => {
  await router?.close();
  await oldRouter?.close();
  await hidingRouter?.close();
});

describe('lango router setup', () => {
  it('asks for the address routers reach Lango at before anything else', async () => {
    const run = await langoAsync(env, 'router', 'setup', '--name', 'R1');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(t('network.errors.noRadiusAddress'));
    langoOk(env, 'settings', 'set', '--key', 'routers.radiusAddress', '--value', '10.8.0.1');
    langoOk(env, 'settings', 'set', '--key', 'payments.publicUrl', '--value', 'https://portal.example.co.ke');
  });

  it('shows what it would change, changes it with --apply, and then has nothing left to change', async () => {
    const look = await langoAsync(env, 'router', 'setup', '--name', 'R1');
    expect(look.status, look.stderr).toBe(0);
    for (const item of ['Lango RADIUS client', 'RADIUS incoming', 'hotspot profile', 'PPP AAA', 'walled garden portal.example.co.ke', 'Run again with --apply']) {
      expect(look.stdout).toContain(item);
    }
    expect(look.stdout).not.toContain(SECRET);
    expect(writes(router.commands)).toEqual([]);

    const apply = await langoAsync(env, 'router', 'setup', '--name', 'R1', '--apply');
    expect(apply.status, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Changed on router R1');
    expect(apply.stdout).not.toContain(SECRET);

    expect(router.items('/radius')).toEqual([
      expect.objectContaining({ address: '10.8.0.1', secret: SECRET, 'authentication-port': '1812', 'accounting-port': '1813', comment: 'Lango', 'require-message-auth': 'yes-for-request-resp' }),
    ]);
    expect(router.items('/radius')[0]!.service!.split(',').sort()).toEqual(['hotspot', 'ppp']);
    const incoming = router.items('/radius/incoming')[0]!;
    expect(yes(incoming.accept)).toBe(true);
    expect(incoming.port).toBe('3799');
    for (const profile of router.items('/ip/hotspot/profile')) {
      expect(yes(profile['use-radius']) && yes(profile['radius-accounting'])).toBe(true);
      expect(profile['radius-interim-update']).toBe('received');
    }
    const aaa = router.items('/ppp/aaa')[0]!;
    expect(yes(aaa['use-radius']) && yes(aaa.accounting)).toBe(true);
    expect(router.items('/ip/hotspot/walled-garden')).toContainEqual(expect.objectContaining({ 'dst-host': 'portal.example.co.ke', comment: 'Lango' }));

    const before = writes(router.commands).length;
    const again = await langoAsync(env, 'router', 'setup', '--name', 'R1', '--apply');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to change');
    expect(writes(router.commands)).toHaveLength(before);

    const [listed] = langoJson<Array<{ nasName: string; routerosVersion: string | null; lastContactAt: number | null; lastErrorKind: string | null }>>(env, 'router', 'list');
    expect(listed).toMatchObject({ nasName: 'R1', routerosVersion: expect.stringContaining('7.16.2'), lastErrorKind: null });
    expect(listed!.lastContactAt).toBeGreaterThan(0);
  });

  it('says plainly when the router refuses the API password, and lists it as the last error', async () => {
    langoOk(env, 'router', 'api', '--name', 'R1', '--host', '127.0.0.1', '--port', String(router.port), '--user', 'lango', '--password', 'not-the-password');
    const run = await langoAsync(env, 'router', 'setup', '--name', 'R1');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(t('network.apiErrors.auth'));
    expect(run.stderr).not.toContain('not-the-password');
    expect(langoOk(env, 'router', 'list')).toContain(t('network.apiErrors.auth'));
    langoOk(env, 'router', 'api', '--name', 'R1', '--host', '127.0.0.1', '--port', String(router.port), '--user', 'lango', '--password', API_PASSWORD);
  });

  it('shows the router\'s own words when it refuses a change, naming the change', async () => {
    const run = await langoAsync(env, 'router', 'setup', '--name', 'R2', '--apply');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('The router refused a command');
    expect(run.stderr).toMatch(/hotspot profile \S+ \(\/ip\/hotspot\/profile set\): .*radius-interim-update/);
    // A refused command is not a router that cannot be reached: the row keeps saying it answers.
    expect(langoJson<Array<{ nasName: string; lastErrorKind: string | null }>>(env, 'router', 'list')).toContainEqual(expect.objectContaining({ nasName: 'R2', lastErrorKind: null }));
  });

  it('finishes on a router that will not show the secret, and says the secret was not compared', async () => {
    const apply = await langoAsync(env, 'router', 'setup', '--name', 'R3', '--apply');
    expect(apply.status, apply.stderr).toBe(0);
    expect(hidingRouter.items('/radius')).toEqual([expect.objectContaining({ secret: 'r3-shared-secret', comment: 'Lango' })]);

    const before = writes(hidingRouter.commands).length;
    const again = await langoAsync(env, 'router', 'setup', '--name', 'R3', '--apply');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to change');
    expect(again.stdout).toContain("The router did not show the RADIUS secret to this API user, so it was not compared: give the user the 'sensitive' policy, or paste the /radius line from `lango router commands --show-secret`.");
    expect(writes(hidingRouter.commands)).toHaveLength(before);
    const look = await langoAsync(env, 'router', 'setup', '--name', 'R3', '--json');
    expect(JSON.parse(look.stdout)).toMatchObject({ changes: [], secretUnreadable: true });
  });

  it('prints the commands to paste, with the shared secret only when asked', () => {
    const script = langoOk(env, 'router', 'commands', '--name', 'R1');
    expect(script).toContain('/radius/add address=10.8.0.1 secret="PASTE-THE-SHARED-SECRET" service=hotspot,ppp');
    expect(script).toContain('/ip/hotspot/walled-garden/add dst-host=portal.example.co.ke action=allow');
    expect(script).not.toContain(SECRET);
    expect(langoOk(env, 'router', 'commands', '--name', 'R1', '--show-secret')).toContain(`secret="${SECRET}"`);
  });
});

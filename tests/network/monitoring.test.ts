import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startRouterOsEmulator, type RouterOsEmulator } from '../../scripts/emulators/routeros.js';
import { encodeReply, verifyRequestAuthenticator } from '../../src/radius/authenticators.js';
import { decodePacket, describeAttribute, encodeAttribute } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';
import { Code } from '../../src/radius/packet.js';
import { langoAsync, langoJson, langoOk, radclient, until, type RunResult } from '../support/peers.js';

// Issue 10 end to end: the real daemon polls an emulated MikroTik over the RouterOS API, the
// CLI asks it who is on, logs one off and closes the sessions it forgot, a router that stops
// answering is reported once while RADIUS carries on, and a Disconnect nobody acknowledges is
// done through the API instead.

const SECRET = 'monitor-secret';
const dictionary = loadDictionary(defaultDictionaryPath());
let router: RouterOsEmulator;
let daemon: Daemon;
let coaPeer: dgram.Socket;
const disconnects: Array<Record<string, unknown>> = [];

interface Traffic {
  interfaces: Array<{ name: string; buckets: Array<{ rxBytes: number; txBytes: number }> }>;
  users: Array<{ username: string; upBytes: number; downBytes: number }>;
  health: Array<{ polls: number }>;
}

/** The CLI while the emulator runs in this process: asynchronously, so it can answer. */
async function cli(...args: string[]): Promise<RunResult> {
  return langoAsync(daemon, ...args);
}
async function cliJson<T>(...args: string[]): Promise<T> {
  const run = await cli(...args, '--json');
  expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as T;
}
const auth = (user: string) => radclient(`User-Name = "${user}"\nUser-Password = "pw-${user}"\nMessage-Authenticator = 0x00\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
const acct = (lines: string[]) => radclient(`${lines.join('\n')}\n`, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
const openSessions = () => langoJson<Array<{ username: string; terminateCause: string | null }>>(daemon, 'sessions', '--active').map((s) => s.username).sort();
const total = (traffic: Traffic) => ({
  iface: traffic.interfaces.flatMap((i) => i.buckets).reduce((s, b) => s + b.rxBytes + b.txBytes, 0),
  users: Object.fromEntries(['alice', 'bob', 'carol'].map((u) => [u, traffic.users.filter((x) => x.username === u).reduce((s, x) => s + x.upBytes + x.downBytes, 0)])),
});

beforeAll(async () => {
  router = await startRouterOsEmulator({ username: 'lango', password: 'api-pass' });
  router.addHotspotUser({ user: 'alice', address: '10.5.0.2', macAddress: 'AA:BB:CC:00:00:01', inRate: 20_000, outRate: 200_000 });
  router.addHotspotUser({ user: 'bob', address: '10.5.0.3', macAddress: 'AA:BB:CC:00:00:02', inRate: 10_000, outRate: 50_000 });
  router.addPppUser({ user: 'carol', address: '10.6.0.2', macAddress: 'AA:BB:CC:00:00:03', sessionId: '0x81A00003' });

  // A router whose CoA listener refuses every Disconnect (Error-Cause 506, Resources
  // Unavailable): the session is still there, so the API fallback logs the user off. A 503
  // (Session-Context-Not-Found) would mean it is gone already, and gets no fallback.
  coaPeer = dgram.createSocket('udp4');
  coaPeer.on('message', (msg, rinfo) => {
    const packet = decodePacket(msg, dictionary);
    if (!verifyRequestAuthenticator(packet, Buffer.from(SECRET))) return;
    disconnects.push(Object.fromEntries(packet.attributes.map((x) => describeAttribute(dictionary, x))));
    const reply = encodeReply({
      code: packet.code === Code.CoaRequest ? Code.CoaNak : Code.DisconnectNak,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      attributes: encodeAttribute(dictionary.require('Error-Cause'), 506),
      secret: Buffer.from(SECRET),
      messageAuthenticator: true,
    });
    coaPeer.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => coaPeer.bind(0, '127.0.0.1', resolve));

  // Set up before the daemon starts: the poll interval is read at start.
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-monitor-'));
  const env = { ...(process.env as Record<string, string>), LANGO_DB: path.join(dir, 'lango.db'), LANGO_KEY_FILE: path.join(dir, 'secret.key') };
  const setup = (...args: string[]) => {
    const run = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js'), ...args], { env, encoding: 'utf8' });
    expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  };
  setup('settings', 'set', '--key', 'routers.pollSeconds', '--value', '5');
  setup('settings', 'set', '--key', 'routers.apiTimeoutSeconds', '--value', '2');
  setup('nas', 'add', '--name', 'R1', '--ip', '127.0.0.1', '--secret', SECRET);
  setup('router', 'api', '--name', 'R1', '--host', '127.0.0.1', '--port', String(router.port), '--user', 'lango', '--password', 'api-pass');
  setup('plan', 'add', '--name', 'Month', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/5M');
  for (const user of ['alice', 'bob', 'carol']) setup('customer', 'add', '--username', user, '--password', `pw-${user}`, '--plan', 'Month');
  daemon = await startDaemon({ dir, env: { LANGO_COA_PORT: String((coaPeer.address() as AddressInfo).port) } });

  // Lango's side: the three logged in two minutes ago (Acct-Delay-Time), so a sync may close them.
  for (const [user, id, ip] of [['alice', 'hs-alice', '10.5.0.2'], ['bob', 'hs-bob', '10.5.0.3'], ['carol', '81a00003', '10.6.0.2']] as const) {
    expect(auth(user).stdout).toContain('Access-Accept');
    expect(acct(['Acct-Status-Type = Start', `User-Name = "${user}"`, `Acct-Session-Id = "${id}"`, `Framed-IP-Address = ${ip}`, 'Acct-Delay-Time = 120']).status).toBe(0);
  }
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await router?.close();
  coaPeer?.close();
});

describe('routers over the RouterOS API', () => {
  it('counts traffic per interface and per customer, lists, kicks, syncs, falls back from CoA and reports a dead router once', async () => {
    // Polls every 5 s: after two there are deltas, after a third they have grown.
    const first = await until('two polls of traffic', async () => {
      const t = await cliJson<Traffic>('router', 'traffic', '--name', 'R1');
      const sum = total(t);
      return sum.iface > 0 && sum.users.alice! > 0 && sum.users.carol! > 0 ? sum : undefined;
    }, 20_000, 1000);
    const later = await until('a third poll', async () => {
      const sum = total(await cliJson<Traffic>('router', 'traffic', '--name', 'R1'));
      return sum.iface > first.iface && sum.users.alice! > first.users.alice! ? sum : undefined;
    }, 15_000, 1000);
    expect(later.users.bob).toBeGreaterThan(0);

    const users = await cliJson<Array<{ service: string; username: string; address: string }>>('router', 'users', '--name', 'R1');
    expect(users.map((u) => `${u.service} ${u.username} ${u.address}`).sort()).toEqual(['hotspot alice 10.5.0.2', 'hotspot bob 10.5.0.3', 'ppp carol 10.6.0.2']);

    const kicked = await cli('router', 'kick', '--name', 'R1', '--user', 'alice');
    expect(kicked.status, kicked.stderr).toBe(0);
    expect(kicked.stdout).toContain('Logged alice off router R1');
    expect(router.items('/ip/hotspot/active').map((i) => i.user)).toEqual(['bob']);

    // The emulated router sends no Stop: alice's session is still open in Lango until a sync.
    expect(openSessions()).toEqual(['alice', 'bob', 'carol']);
    const synced = await cli('router', 'sync', '--name', 'R1');
    expect(synced.status, synced.stderr).toBe(0);
    expect(synced.stdout).toContain('Closed 1 session(s)');
    expect(openSessions()).toEqual(['bob', 'carol']);
    expect(langoJson<Array<{ username: string; terminateCause: string }>>(daemon, 'sessions').find((s) => s.username === 'alice')!.terminateCause).toBe('Lango-Router-Sync');

    // A suspension's Disconnect is refused by the router; the daemon logs bob off through the API.
    langoOk(daemon, 'customer', 'suspend', '--username', 'bob');
    await until('bob gone from the router', () => (router.items('/ip/hotspot/active').length === 0 ? true : undefined), 20_000, 200);
    expect(disconnects.some((d) => d['User-Name'] === 'bob')).toBe(true);
    const action = await until('the Disconnect recorded', () => langoJson<Array<{ kind: string; status: string; errorCause: string | null }>>(daemon, 'sessions', 'actions').find((a) => a.kind === 'disconnect' && a.status !== 'pending'), 5000, 200);
    expect(action).toMatchObject({ status: 'ack', errorCause: 'by RouterOS API' });
    expect(daemon.logs().join('\n')).toContain('logged off through the RouterOS API instead');

    // The router stops answering: said once, not at every poll, and RADIUS does not wait for it.
    router.setResponsive(false);
    const downLines = () => daemon.logs().filter((l) => l.includes('router R1: API down'));
    await until('the router reported down', () => (downLines().length > 0 ? true : undefined), 15_000, 200);
    expect(downLines()[0]).toContain('did not answer in time');
    const started = Date.now();
    expect(auth('alice').stdout).toContain('Access-Accept');
    expect(Date.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 8000));
    expect(downLines()).toHaveLength(1);
    expect(daemon.logs().join('\n')).not.toContain('api-pass');
  }, 90_000);
});

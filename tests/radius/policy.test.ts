import dgram from 'node:dgram';
import { DateTime } from 'luxon';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { encodeReply, verifyMessageAuthenticator, verifyRequestAuthenticator } from '../../src/radius/authenticators.js';
import { decodePacket, describeAttribute, encodeAttribute } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';
import { Code } from '../../src/radius/packet.js';
import { langoJson, langoOk, radclient } from '../support/peers.js';

// Issue 3 end to end: radclient is the router for logins and accounting; a small CoA listener
// in the test stands in for the router's /radius incoming, so Lango's CoA and Disconnect
// requests cross loopback and are checked with Lango's own verification code.

const SECRET = 'policy-secret';
const dictionary = loadDictionary(defaultDictionaryPath());
let daemon: Daemon;
let listener: dgram.Socket;
const received: Array<{ code: number; attributes: Record<string, unknown> }> = [];
let answer: 'ack' | 'nak' = 'ack';

const MB = 1_000_000;
const auth = (user: string, password: string, extra: string[] = []) =>
  radclient(`User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n${extra.join('\n')}\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
const acct = (lines: string[]) => radclient(`${lines.join('\n')}\n`, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
const waitFor = async (predicate: () => boolean, ms = 8000) => {
  const until = Date.now() + ms;
  while (!predicate() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return predicate();
};
const replyOf = (run: { stdout: string }) => run.stdout.slice(run.stdout.indexOf('Received'));

beforeAll(async () => {
  listener = dgram.createSocket('udp4');
  listener.on('message', (msg, rinfo) => {
    const packet = decodePacket(msg, dictionary);
    if (!verifyRequestAuthenticator(packet, Buffer.from(SECRET))) return;
    if (packet.messageAuthenticatorOffset >= 0 && !verifyMessageAuthenticator(packet, Buffer.from(SECRET))) return;
    received.push({ code: packet.code, attributes: Object.fromEntries(packet.attributes.map((x) => describeAttribute(dictionary, x))) });
    const ok = answer === 'ack';
    const code = packet.code === Code.CoaRequest ? (ok ? Code.CoaAck : Code.CoaNak) : ok ? Code.DisconnectAck : Code.DisconnectNak;
    const attributes = ok ? Buffer.alloc(0) : encodeAttribute(dictionary.require('Error-Cause'), 'Unsupported-Attribute');
    listener.send(encodeReply({ code, identifier: packet.identifier, requestAuthenticator: packet.authenticator, attributes, secret: Buffer.from(SECRET), messageAuthenticator: true }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => listener.bind(0, '127.0.0.1', resolve));
  daemon = await startDaemon({ env: { LANGO_COA_PORT: String((listener.address() as AddressInfo).port), LANGO_TIMEZONE: 'Africa/Nairobi' } });
  const ok = (...args: string[]) => langoOk(daemon, ...args);
  ok('nas', 'add', '--name', 'hs1', '--ip', '127.0.0.1', '--secret', SECRET);
  ok('plan', 'add', '--name', 'Bundle', '--price', '50', '--currency', 'KES', '--duration', '1d', '--rate', '2M/4M', '--data', '10MB', '--fup', '5MB:512k/1M', '--idle', '5m', '--pool', 'hs-pool');
  ok('plan', 'add', '--name', 'Big', '--price', '500', '--currency', 'KES', '--months', '1', '--data', '6GB', '--rate', '5M/10M');
  ok('plan', 'add', '--name', 'Three Hours', '--price', '30', '--currency', 'KES', '--time', '3h', '--starts', 'first-login', '--duration', '7d');
  ok('plan', 'add', '--name', 'Family', '--price', '900', '--currency', 'KES', '--shared', '2');
  ok('customer', 'add', '--username', 'alice', '--password', 'pw-alice', '--plan', 'Bundle');
  ok('customer', 'add', '--username', 'bigu', '--password', 'pw-big', '--plan', 'Big');
  ok('customer', 'add', '--username', 'tim', '--password', 'pw-tim', '--plan', 'Three Hours');
  ok('customer', 'add', '--username', 'solo', '--password', 'pw-solo', '--plan', 'Bundle');
  ok('customer', 'add', '--username', 'fam', '--password', 'pw-fam', '--plan', 'Family');
  ok('customer', 'add', '--username', 'kiosk', '--password', 'pw-kiosk', '--plan', 'Bundle', '--mac', '02:00:00:00:00:01');
  ok('customer', 'add', '--username', 'locked', '--password', 'pw-locked', '--plan', 'Bundle', '--mac', '02:00:00:00:00:02', '--mac-binding');
});

afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
  listener.close();
});

describe('Access-Accept computed from what remains', () => {
  it('gives the plan speed, the bytes left, Idle-Timeout and the pool', () => {
    const run = auth('alice', 'pw-alice');
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const reply = replyOf(run);
    expect(reply).toContain('Mikrotik-Rate-Limit = "2M/4M"');
    expect(reply).toContain('Mikrotik-Total-Limit = 10000000');
    expect(reply).toContain('Idle-Timeout = 300');
    expect(reply).toContain('Framed-Pool = "hs-pool"');
    expect(reply).toMatch(/Session-Timeout = 8[56]\d\d\d/); // a day from purchase
  });

  it('gives a PPPoE customer a static address and a plan its address list', () => {
    langoOk(daemon, 'plan', 'add', '--name', 'Static', '--price', '10', '--currency', 'KES', '--address-list', 'paid-users');
    langoOk(daemon, 'customer', 'add', '--username', 'office', '--password', 'pw-office', '--plan', 'Static', '--static-ip', '10.20.0.5');
    const reply = replyOf(auth('office', 'pw-office'));
    expect(reply).toContain('Framed-IP-Address = 10.20.0.5');
    expect(reply).toContain('Mikrotik-Address-List = "paid-users"');
  });

  it('refuses a login once the plan has expired, in words', async () => {
    langoOk(daemon, 'plan', 'add', '--name', 'Blink', '--price', '1', '--currency', 'KES', '--duration', '1s');
    langoOk(daemon, 'customer', 'add', '--username', 'late', '--password', 'pw-late', '--plan', 'Blink');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const run = auth('late', 'pw-late', ['Response-Packet-Type = Access-Reject']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Your package has expired.');
  });

  it('splits a remaining allowance above 4 GiB into Total-Limit and Gigawords', () => {
    const reply = replyOf(auth('bigu', 'pw-big'));
    expect(reply).toContain(`Mikrotik-Total-Limit = ${6_000_000_000 % 2 ** 32}`);
    expect(reply).toContain('Mikrotik-Total-Limit-Gigawords = 1');
  });

  it('starts a first-login plan at the first login and sets Session-Timeout to the time allowance', async () => {
    expect(langoJson<{ activatedAt: number | null }>(daemon, 'customer', 'show', '--username', 'tim').activatedAt).toBeNull();
    const reply = replyOf(auth('tim', 'pw-tim'));
    expect(reply).toContain('Session-Timeout = 10800');
    const shown = langoJson<{ activatedAt: number; expiresAt: number }>(daemon, 'customer', 'show', '--username', 'tim');
    expect(shown.expiresAt - shown.activatedAt).toBe(7 * 86400_000);
  });

  it('counts online time against the time allowance', () => {
    expect(acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "tim-1"', 'User-Name = "tim"']).status).toBe(0);
    expect(acct(['Acct-Status-Type = Stop', 'Acct-Session-Id = "tim-1"', 'User-Name = "tim"', 'Acct-Session-Time = 3600']).status).toBe(0);
    expect(replyOf(auth('tim', 'pw-tim'))).toContain('Session-Timeout = 7200');
  });
});

describe('usage, FUP and live enforcement', () => {
  it('slows a session down with a CoA when it crosses the FUP tier, then disconnects it when the bundle is used up', async () => {
    const id = ['Acct-Session-Id = "alice-1"', 'User-Name = "alice"', 'Framed-IP-Address = 10.5.50.9'];
    expect(acct(['Acct-Status-Type = Start', ...id]).status).toBe(0);
    expect(acct(['Acct-Status-Type = Interim-Update', ...id, 'Acct-Session-Time = 60', `Acct-Output-Octets = ${3 * MB}`]).status).toBe(0);
    expect(received).toHaveLength(0);

    expect(acct(['Acct-Status-Type = Interim-Update', ...id, 'Acct-Session-Time = 120', `Acct-Output-Octets = ${6 * MB}`]).status).toBe(0);
    expect(await waitFor(() => received.some((r) => r.code === Code.CoaRequest))).toBe(true);
    const coa = received.find((r) => r.code === Code.CoaRequest)!;
    expect(coa.attributes).toMatchObject({ 'User-Name': 'alice', 'Acct-Session-Id': 'alice-1', 'Framed-IP-Address': '10.5.50.9', 'Mikrotik-Rate-Limit': '512k/1M' });
    expect(langoJson<{ remaining: { bytes: number } }>(daemon, 'customer', 'show', '--username', 'alice').remaining.bytes).toBe(4 * MB);

    expect(acct(['Acct-Status-Type = Interim-Update', ...id, 'Acct-Session-Time = 180', `Acct-Output-Octets = ${11 * MB}`]).status).toBe(0);
    expect(await waitFor(() => received.some((r) => r.code === Code.DisconnectRequest))).toBe(true);
    const disconnect = received.find((r) => r.code === Code.DisconnectRequest)!;
    expect(disconnect.attributes).toMatchObject({ 'User-Name': 'alice', 'Acct-Session-Id': 'alice-1' });
    expect(disconnect.attributes).not.toHaveProperty('Mikrotik-Rate-Limit');

    const actions = await (async () => {
      await waitFor(() => langoJson<Array<{ status: string }>>(daemon, 'sessions', 'actions').every((a) => a.status !== 'pending'));
      return langoJson<Array<{ kind: string; status: string; reason: string }>>(daemon, 'sessions', 'actions');
    })();
    expect(actions.map((a) => [a.kind, a.status, a.reason])).toEqual([
      ['disconnect', 'ack', 'data allowance used up'],
      ['coa', 'ack', 'fup tier reached'],
    ]);
  });

  it('refuses the next login once the bundle is used up, in words, and stored the usage events', () => {
    const run = auth('alice', 'pw-alice', ['Response-Packet-Type = Access-Reject']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Reply-Message = "Your data bundle is used up. Buy more on the login page."');
    const shown = langoJson<{ notifications: Array<{ kind: string }>; remaining: { bytes: number } }>(daemon, 'customer', 'show', '--username', 'alice');
    // A one-day bundle also gets its expiry warning once housekeeping runs (every 30 s), so only usage events are compared.
    expect(shown.notifications.map((n) => n.kind).filter((k) => k.startsWith('data_'))).toEqual(['data_80', 'data_100']);
    expect(shown.remaining.bytes).toBe(0);
  });

  it('gives a login after the FUP tier the slower speed and only the bytes left', () => {
    const id = ['Acct-Session-Id = "solo-0"', 'User-Name = "solo"'];
    expect(acct(['Acct-Status-Type = Start', ...id]).status).toBe(0);
    expect(acct(['Acct-Status-Type = Stop', ...id, 'Acct-Session-Time = 60', `Acct-Output-Octets = ${7 * MB}`, 'Acct-Terminate-Cause = User-Request']).status).toBe(0);
    const reply = replyOf(auth('solo', 'pw-solo'));
    expect(reply).toContain('Mikrotik-Rate-Limit = "512k/1M"');
    expect(reply).toContain(`Mikrotik-Total-Limit = ${3 * MB}`);
  });

  it('counts a retransmitted interim once', () => {
    const id = ['Acct-Session-Id = "big-1"', 'User-Name = "bigu"'];
    const interim = ['Acct-Status-Type = Interim-Update', ...id, 'Acct-Session-Time = 60', 'Acct-Output-Octets = 1000', 'Acct-Output-Gigawords = 1'];
    expect(acct(interim).status).toBe(0);
    expect(acct(interim).status).toBe(0);
    const shown = langoJson<{ usage: { outputOctets: number } }>(daemon, 'customer', 'show', '--username', 'bigu');
    expect(shown.usage.outputOctets).toBe(2 ** 32 + 1000);
  });

  it('falls back to Disconnect when the router refuses a CoA', async () => {
    expect(acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "op-1"', 'User-Name = "fam"']).status).toBe(0);
    const session = langoJson<Array<{ id: number; acctSessionId: string }>>(daemon, 'sessions', '--active').find((s) => s.acctSessionId === 'op-1')!;
    answer = 'nak';
    const before = received.length;
    langoOk(daemon, 'sessions', 'rate', '--id', String(session.id), '--rate', '1M/1M');
    expect(await waitFor(() => received.slice(before).some((r) => r.code === Code.DisconnectRequest))).toBe(true);
    answer = 'ack';
    await waitFor(() => langoJson<Array<{ status: string }>>(daemon, 'sessions', 'actions', '--id', String(session.id)).length === 2 && langoJson<Array<{ status: string }>>(daemon, 'sessions', 'actions', '--id', String(session.id)).every((a) => a.status !== 'pending'));
    const actions = langoJson<Array<{ kind: string; status: string; errorCause: string | null }>>(daemon, 'sessions', 'actions', '--id', String(session.id));
    expect(actions.map((a) => [a.kind, a.status, a.errorCause])).toEqual([
      ['disconnect', 'nak', 'Unsupported-Attribute'],
      ['coa', 'nak', 'Unsupported-Attribute'],
    ]);
  });
});

describe('time-of-day windows in the operator zone (Africa/Nairobi)', () => {
  const clock = (hours: number) => `${String(((hours % 24) + 24) % 24).padStart(2, '0')}:00`;
  const hour = () => DateTime.now().setZone('Africa/Nairobi').hour;

  it('refuses a login outside the window and says when the package works', () => {
    const from = clock(hour() + 2);
    const to = clock(hour() + 3);
    langoOk(daemon, 'plan', 'add', '--name', 'Later', '--price', '10', '--currency', 'KES', '--window', `${from}-${to}`);
    langoOk(daemon, 'customer', 'add', '--username', 'owl', '--password', 'pw-owl', '--plan', 'Later');
    const run = auth('owl', 'pw-owl', ['Response-Packet-Type = Access-Reject']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`This package works only between ${from} and ${to}.`);
  });

  it('lets a login in inside a window that crosses midnight or not, with Session-Timeout at its end', () => {
    const end = DateTime.now().setZone('Africa/Nairobi').startOf('hour').plus({ hours: 2 });
    langoOk(daemon, 'plan', 'add', '--name', 'Now', '--price', '10', '--currency', 'KES', '--window', `${clock(hour() - 1)}-${clock(hour() + 2)}`);
    langoOk(daemon, 'customer', 'add', '--username', 'lark', '--password', 'pw-lark', '--plan', 'Now');
    const reply = replyOf(auth('lark', 'pw-lark'));
    const timeout = Number(/Session-Timeout = (\d+)/.exec(reply)?.[1]);
    expect(Math.abs(timeout - end.diffNow('seconds').seconds)).toBeLessThan(5);
  });
});

describe('who may log in', () => {
  it('allows one device on a one-device plan, and the second again after the first stops', () => {
    expect(acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "solo-1"', 'User-Name = "solo"']).status).toBe(0);
    const second = auth('solo', 'pw-solo', ['Response-Packet-Type = Access-Reject']);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('already online on 1 device(s)');
    expect(acct(['Acct-Status-Type = Stop', 'Acct-Session-Id = "solo-1"', 'User-Name = "solo"', 'Acct-Session-Time = 10']).status).toBe(0);
    expect(auth('solo', 'pw-solo').status).toBe(0);
  });

  it('does not count a session that stopped reporting, and closes it as stale at the next start', async () => {
    langoOk(daemon, 'customer', 'add', '--username', 'ghost', '--password', 'pw-ghost', '--plan', 'Bundle');
    // A Start the router sent long ago and nothing since: 3 interims (300 s) + 120 s grace have passed.
    const longAgo = Math.floor(Date.now() / 1000) - 3600;
    expect(acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "ghost-1"', 'User-Name = "ghost"', `Event-Timestamp = ${longAgo}`]).status).toBe(0);
    expect(auth('ghost', 'pw-ghost').status).toBe(0); // the one-device plan is not blocked by it

    const again = await startDaemon({ dir: daemon.dir, env: { LANGO_COA_PORT: String((listener.address() as AddressInfo).port) } });
    try {
      const closed = await waitFor(() => langoJson<Array<{ acctSessionId: string; terminateCause: string | null }>>(again, 'sessions').some((s) => s.acctSessionId === 'ghost-1' && s.terminateCause === 'Lango-Stale'));
      expect(closed).toBe(true);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });

  it('lets a two-device plan have two sessions and refuses the third', () => {
    expect(acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "fam-2"', 'User-Name = "fam"']).status).toBe(0);
    // fam-op-1 (previous test) and fam-2 are open: the plan allows 2.
    expect(auth('fam', 'pw-fam', ['Response-Packet-Type = Access-Reject']).stdout).toContain('already online on 2 device(s)');
  });

  it('logs a registered device in by MAC, and only from that device', () => {
    const mac = radclient('User-Name = "02:00:00:00:00:01"\nUser-Password = ""\nCalling-Station-Id = "02-00-00-00-00-01"\nMessage-Authenticator = 0x00\n', `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
    expect(mac.status, mac.stdout + mac.stderr).toBe(0);
    const spoof = radclient('User-Name = "02:00:00:00:00:01"\nUser-Password = ""\nCalling-Station-Id = "02:00:00:00:00:99"\nMessage-Authenticator = 0x00\nResponse-Packet-Type = Access-Reject\n', `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
    expect(spoof.status).toBe(0);
  });

  it('refuses a MAC-bound account from another device', () => {
    expect(auth('locked', 'pw-locked', ['Calling-Station-Id = "02:00:00:00:00:02"']).status).toBe(0);
    const other = auth('locked', 'pw-locked', ['Calling-Station-Id = "02:00:00:00:00:03"', 'Response-Packet-Type = Access-Reject']);
    expect(other.status).toBe(0);
    expect(other.stdout).toContain('locked to another device');
  });

  it('disconnects and refuses a suspended customer', async () => {
    expect(acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "kiosk-1"', 'User-Name = "kiosk"']).status).toBe(0);
    const before = received.length;
    langoOk(daemon, 'customer', 'suspend', '--username', 'kiosk');
    expect(await waitFor(() => received.slice(before).some((r) => r.code === Code.DisconnectRequest && r.attributes['Acct-Session-Id'] === 'kiosk-1'))).toBe(true);
    expect(auth('kiosk', 'pw-kiosk', ['Response-Packet-Type = Access-Reject']).stdout).toContain('Your account is suspended');
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import type { SessionView } from '../../src/aaa/sessions.js';
import { Code } from '../../src/radius/packet.js';
import { signedRequest } from '../support/packets.js';
import { exchange, langoJson, langoOk, metrics, radclient, sample } from '../support/peers.js';

// Accounting end to end: what radclient sends must be in `lango sessions`, exactly once,
// with counters that never go backwards; and garbage must not stop the daemon.

const SECRET = 'acct-secret-1';
let daemon: Daemon;

type Session = SessionView;

const acct = (lines: string[], secret = SECRET) => radclient(`${lines.join('\n')}\n`, `127.0.0.1:${daemon.acctPort}`, 'acct', secret);
const sessions = (...flags: string[]) => langoJson<Session[]>(daemon, 'sessions', ...flags);
const session = (id: string) => sessions().filter((s) => s.acctSessionId === id);

beforeAll(async () => {
  daemon = await startDaemon();
  langoOk(daemon, 'nas', 'add', '--name', 'hs1', '--ip', '127.0.0.1', '--secret', SECRET);
  langoOk(daemon, 'nas', 'add', '--name', 'hs2', '--ip', '127.0.0.2', '--secret', SECRET);
});

afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
});

describe('Accounting-Request over radclient', () => {
  it('records start, interim and stop in one session row that lango sessions shows', () => {
    const id = ['Acct-Session-Id = "81a00002"', 'User-Name = "alice"'];
    expect(acct(['Acct-Status-Type = Start', ...id, 'Framed-IP-Address = 10.5.50.7', 'Calling-Station-Id = "AA:BB:CC:DD:EE:FF"']).status).toBe(0);
    expect(sessions('--active').map((s) => s.acctSessionId)).toContain('81a00002');
    expect(acct(['Acct-Status-Type = Interim-Update', ...id, 'Acct-Session-Time = 300', 'Acct-Input-Octets = 1000', 'Acct-Output-Octets = 50000']).status).toBe(0);
    const stop = acct([
      'Acct-Status-Type = Stop',
      ...id,
      'Acct-Session-Time = 600',
      'Acct-Input-Octets = 2000',
      'Acct-Output-Octets = 90000',
      'Acct-Output-Gigawords = 1',
      'Acct-Terminate-Cause = User-Request',
    ]);
    expect(stop.status, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stdout).toContain('Received Accounting-Response');
    const [row, ...others] = session('81a00002');
    expect(others).toHaveLength(0);
    expect(row).toMatchObject({
      username: 'alice',
      nas: 'hs1',
      sessionTime: 600,
      inputOctets: 2000,
      outputOctets: 2 ** 32 + 90000,
      framedIp: '10.5.50.7',
      callingStationId: 'AA:BB:CC:DD:EE:FF',
      terminateCause: 'User-Request',
    });
    expect(row!.stoppedAt).not.toBeNull();
    expect(sessions('--active').map((s) => s.acctSessionId)).not.toContain('81a00002');
  });

  it('answers a retransmitted packet from the duplicate cache and writes it once', async () => {
    const packet = signedRequest(Code.AccountingRequest, 77, SECRET, [
      ['Acct-Status-Type', 'Interim-Update'],
      ['Acct-Session-Id', 'dup-0001'],
      ['User-Name', 'bob'],
      ['Acct-Session-Time', 120],
      ['Acct-Output-Octets', 4096],
    ]);
    const before = sample(await metrics(daemon), 'lango_radius_duplicates_total', { type: 'accounting' });
    const replies = await exchange(daemon.acctPort, [packet, packet, packet], { gapMs: 100, waitMs: 200 });
    expect(replies).toHaveLength(3);
    expect(replies[1]!.equals(replies[0]!)).toBe(true);
    const after = await metrics(daemon);
    expect(sample(after, 'lango_radius_duplicates_total', { type: 'accounting' })).toBe(before + 2);
    expect(session('dup-0001')).toHaveLength(1);
    expect(session('dup-0001')[0]!.outputOctets).toBe(4096);
  });

  it('never lowers counters when an older interim arrives late or the same one is sent again', () => {
    const id = ['Acct-Session-Id = "ooo-1"', 'User-Name = "carol"'];
    expect(acct(['Acct-Status-Type = Interim-Update', ...id, 'Acct-Session-Time = 900', 'Acct-Output-Octets = 9000']).status).toBe(0);
    expect(acct(['Acct-Status-Type = Interim-Update', ...id, 'Acct-Session-Time = 300', 'Acct-Output-Octets = 3000']).status).toBe(0);
    expect(acct(['Acct-Status-Type = Interim-Update', ...id, 'Acct-Session-Time = 900', 'Acct-Output-Octets = 9000']).status).toBe(0);
    const [row] = session('ooo-1');
    expect(row).toMatchObject({ sessionTime: 900, outputOctets: 9000 });
  });

  it('does not reopen a stopped session when a late interim arrives', () => {
    const id = ['Acct-Session-Id = "late-1"', 'User-Name = "dan"'];
    expect(acct(['Acct-Status-Type = Stop', ...id, 'Acct-Session-Time = 60', 'Acct-Terminate-Cause = Idle-Timeout']).status).toBe(0);
    expect(acct(['Acct-Status-Type = Interim-Update', ...id, 'Acct-Session-Time = 30']).status).toBe(0);
    expect(session('late-1')[0]).toMatchObject({ terminateCause: 'Idle-Timeout' });
    expect(session('late-1')[0]!.stoppedAt).not.toBeNull();
  });

  it('closes every open session of a router that sends Accounting-On, and only that router', () => {
    for (const n of [1, 2]) expect(acct(['Acct-Status-Type = Start', `Acct-Session-Id = "boot-${n}"`, `User-Name = "u${n}"`]).status).toBe(0);
    expect(acct(['Packet-Src-IP-Address = 127.0.0.2', 'Acct-Status-Type = Start', 'Acct-Session-Id = "other-1"', 'User-Name = "u3"']).status).toBe(0);
    const on = acct(['Acct-Status-Type = Accounting-On', 'NAS-IP-Address = 127.0.0.1']);
    expect(on.status, on.stdout + on.stderr).toBe(0);
    const active = sessions('--active').map((s) => s.acctSessionId);
    expect(active).not.toContain('boot-1');
    expect(active).not.toContain('boot-2');
    expect(active).toContain('other-1');
    expect(session('boot-1')[0]!.terminateCause).toBe('NAS-Reboot');
  });

  it('gives no reply and writes nothing when the request authenticator is wrong', () => {
    const run = acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "forged-1"', 'User-Name = "eve"'], 'wrong-secret');
    expect(run.status).toBe(1);
    expect(session('forged-1')).toHaveLength(0);
  });

  it('accepts a Message-Authenticator in accounting and answers in a form radclient verifies', () => {
    const run = acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "ma-1"', 'User-Name = "fay"', 'Message-Authenticator = 0x00']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(session('ma-1')).toHaveLength(1);
  });

  it('drops accounting whose Message-Authenticator is wrong even though the authenticator is right', async () => {
    const packet = signedRequest(Code.AccountingRequest, 9, SECRET, [['Acct-Status-Type', 'Start'], ['Acct-Session-Id', 'ma-bad'], ['User-Name', 'hal']], { messageAuthenticator: true });
    // Corrupt the HMAC, then re-sign the MD5 authenticator so only the HMAC is wrong.
    packet[25] = packet[25]! ^ 0xff;
    packet.fill(0, 4, 20);
    createHash('md5').update(packet).update(SECRET).digest().copy(packet, 4);
    expect(await exchange(daemon.acctPort, [packet])).toHaveLength(0);
    expect(session('ma-bad')).toHaveLength(0);
  });
});

describe('bad input', () => {
  it('keeps answering after a barrage of malformed packets, each dropped and counted', async () => {
    const garbage: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const kind = i % 6;
      const length = 20 + (i % 60);
      const p = randomBytes(length);
      p[0] = [1, 4, 12, 2, 43, 99][kind]!;
      if (kind === 0) p.writeUInt16BE(length + 10, 2); // Length past the datagram
      else if (kind === 1) p.writeUInt16BE(length, 2); // random attributes, bad authenticator at best
      else if (kind === 2) p.writeUInt16BE(3, 2); // Length below the minimum
      else if (kind === 3) (p.writeUInt16BE(length, 2), (p[20] = 1), (p[21] = 1)); // attribute length 1
      else p.writeUInt16BE(length, 2);
      garbage.push(i % 50 === 0 ? p.subarray(0, 7) : p);
    }
    await exchange(daemon.acctPort, garbage.slice(0, 1500), { waitMs: 50 });
    await exchange(daemon.authPort, garbage.slice(1500), { waitMs: 300 });
    const text = await metrics(daemon);
    const drops = text
      .split('\n')
      .filter((l) => l.startsWith('lango_radius_drops_total{'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(drops).toBeGreaterThanOrEqual(2900);
    for (const reason of ['bad_length', 'too_short', 'bad_authenticator']) {
      expect(sample(text, 'lango_radius_drops_total', { reason }), reason).toBeGreaterThan(0);
    }
    expect(acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "after-1"', 'User-Name = "gus"']).status).toBe(0);
    const health = await fetch(`http://127.0.0.1:${daemon.httpPort}/healthz`);
    expect(health.status).toBe(200);
  });
});

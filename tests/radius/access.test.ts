import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { decryptMppeKey } from '../../src/radius/auth/mppe-key-encryption.js';
import { verifyResponse } from '../../src/radius/authenticators.js';
import { decodePacket, describeAttribute } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';
import { Code } from '../../src/radius/packet.js';
import { signedRequest } from '../support/packets.js';
import { exchange, lango, langoOk, metrics, radclient, sample } from '../support/peers.js';

// Access-Request end to end: the daemon in its own process, Debian's radclient as the NAS.
// Each 127.0.0.x source address is a separate router with its own Message-Authenticator policy.

const SECRET = 'testing123';
const dictionary = loadDictionary(defaultDictionaryPath());
let daemon: Daemon;

const auth = (lines: string[], secret = SECRET) => radclient(`${lines.join('\n')}\n`, `127.0.0.1:${daemon.authPort}`, 'auth', secret);
const from = (ip: string) => `Packet-Src-IP-Address = ${ip}`;
const MA = 'Message-Authenticator = 0x00';

beforeAll(async () => {
  daemon = await startDaemon({ env: { LANGO_LOG_LEVEL: 'debug' } });
  const ok = (...args: string[]) => langoOk(daemon, ...args);
  ok('nas', 'add', '--name', 'main', '--ip', '127.0.0.1', '--secret', SECRET, '--require-message-authenticator', 'yes');
  ok('nas', 'add', '--name', 'strict', '--ip', '127.0.0.2', '--secret', SECRET, '--require-message-authenticator', 'yes');
  ok('nas', 'add', '--name', 'legacy', '--ip', '127.0.0.3', '--secret', SECRET, '--require-message-authenticator', 'no');
  ok('nas', 'add', '--name', 'learner', '--ip', '127.0.0.4', '--secret', SECRET, '--require-message-authenticator', 'auto');
  ok('plan', 'add', '--name', '1 Hour', '--price', '20', '--currency', 'KES', '--duration', '1h', '--rate', '2M/4M', '--data', '1GB');
  ok('customer', 'add', '--username', 'alice', '--password', 's3cret-Pw', '--plan', '1 Hour');
  ok('customer', 'add', '--username', 'User', '--password', 'clientPass', '--plan', '1 Hour');
  ok('customer', 'add', '--username', 'noplan', '--password', 'pw-noplan');
});

afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
});

describe('Access-Request over radclient', () => {
  it('accepts PAP with the plan limits a MikroTik enforces, Message-Authenticator first', () => {
    const run = auth(['User-Name = "alice"', 'User-Password = "s3cret-Pw"', MA]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Received Access-Accept');
    const reply = run.stdout.slice(run.stdout.indexOf('Received'));
    expect(reply.split('\n')[1]).toMatch(/^\s*Message-Authenticator = 0x[0-9a-f]{32}/);
    expect(reply).toContain('Mikrotik-Rate-Limit = "2M/4M"');
    // Counts down from the purchase moment (customer add), so a second or two may have passed.
    expect(reply).toMatch(/Session-Timeout = 3(5[5-9]\d|600)\b/);
    expect(reply).toContain('Mikrotik-Total-Limit = 1000000000');
    expect(reply).toContain('Acct-Interim-Interval = 300');
  });

  it('rejects a wrong PAP password with a Reply-Message a customer understands', () => {
    const run = auth(['User-Name = "alice"', 'User-Password = "guess"', MA, 'Response-Packet-Type = Access-Reject']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Received Access-Reject');
    expect(run.stdout).toContain('Reply-Message = "Wrong username or password."');
  });

  it('rejects an unknown user exactly like a wrong password', () => {
    const run = auth(['User-Name = "mallory"', 'User-Password = "s3cret-Pw"', MA, 'Response-Packet-Type = Access-Reject']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Reply-Message = "Wrong username or password."');
  });

  it('rejects a customer without a plan and says so', () => {
    const run = auth(['User-Name = "noplan"', 'User-Password = "pw-noplan"', MA, 'Response-Packet-Type = Access-Reject']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Reply-Message = "You have no active package.');
  });

  it('accepts CHAP, using the Request Authenticator as the challenge when CHAP-Challenge is absent', () => {
    const run = auth(['User-Name = "alice"', 'CHAP-Password = "s3cret-Pw"', MA]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Received Access-Accept');
  });

  it('accepts CHAP with an explicit CHAP-Challenge, as MikroTik hotspot sends it', () => {
    const run = auth(['User-Name = "alice"', 'CHAP-Password = "s3cret-Pw"', 'CHAP-Challenge = 0x0123456789abcdef0123456789abcdef', MA]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const wrong = auth(['User-Name = "alice"', 'CHAP-Password = "nope"', 'CHAP-Challenge = 0x0123456789abcdef0123456789abcdef', MA, 'Response-Packet-Type = Access-Reject']);
    expect(wrong.status).toBe(0);
  });

  it('accepts MS-CHAPv1 from radtest and returns the MPPE keys', () => {
    const run = radclient(
      `User-Name = "alice"\nMS-CHAP-Password = "s3cret-Pw"\n${MA}\n`,
      `127.0.0.1:${daemon.authPort}`,
      'auth',
      SECRET,
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('MS-CHAP-MPPE-Keys = 0x0000000000000000');
    expect(run.stdout).toContain('MS-MPPE-Encryption-Policy = Encryption-Allowed');
  });

  it('answers MS-CHAPv2 with the RFC 2759 authenticator response and RFC 3079 MPPE keys', async () => {
    const request = signedRequest(
      Code.AccessRequest,
      42,
      SECRET,
      [
        ['User-Name', 'User'],
        ['MS-CHAP-Challenge', Buffer.from('5B5D7C7D7B3F2F3E3C2C602132262628', 'hex')],
        [
          'MS-CHAP2-Response',
          Buffer.concat([
            Buffer.from([0x42, 0]),
            Buffer.from('21402324255E262A28295F2B3A337C7E', 'hex'),
            Buffer.alloc(8),
            Buffer.from('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF', 'hex'),
          ]),
        ],
      ],
      { messageAuthenticator: true },
    );
    const [raw] = await exchange(daemon.authPort, [request]);
    expect(raw).toBeDefined();
    const reply = decodePacket(raw!, dictionary);
    const requestAuthenticator = request.subarray(4, 20);
    expect(verifyResponse(reply, requestAuthenticator, Buffer.from(SECRET))).toBe(true);
    expect(reply.code).toBe(Code.AccessAccept);
    expect(raw![20]).toBe(80); // Message-Authenticator is the first attribute
    const get = (name: string) => {
      const def = dictionary.require(name);
      return reply.attributes.find((x) => x.vendor === def.vendor && x.type === def.type)?.value;
    };
    expect(get('MS-CHAP2-Success')!.toString('latin1')).toBe('\x42S=407A5589115FD0D6209F510FE9C04566932CDA56');
    const key = (name: string) => decryptMppeKey(get(name)!, Buffer.from(SECRET), requestAuthenticator)!.toString('hex').toUpperCase();
    expect(key('MS-MPPE-Send-Key')).toBe('8B7CDC149B993A1BA118CB153F56DCCB');
    expect(key('MS-MPPE-Recv-Key')).toBe('D5F0E9521E3EA9589645E86051C82226');
  });

  it('rejects a wrong MS-CHAPv2 response with MS-CHAP-Error 691', async () => {
    const request = signedRequest(
      Code.AccessRequest,
      43,
      SECRET,
      [['User-Name', 'User'], ['MS-CHAP-Challenge', Buffer.alloc(16, 1)], ['MS-CHAP2-Response', Buffer.concat([Buffer.from([7, 0]), Buffer.alloc(48, 9)])]],
      { messageAuthenticator: true },
    );
    const [raw] = await exchange(daemon.authPort, [request]);
    const reply = decodePacket(raw!, dictionary);
    expect(reply.code).toBe(Code.AccessReject);
    const described = reply.attributes.map((x) => describeAttribute(dictionary, x));
    const error = described.find(([name]) => name === 'MS-CHAP-Error')?.[1] as Buffer;
    expect(error.toString('latin1')).toMatch(/^\x07E=691 R=0/);
  });
});

describe('Message-Authenticator policy (BlastRADIUS)', () => {
  it('drops an Access-Request without Message-Authenticator from a router that must send it', async () => {
    const before = sample(await metrics(daemon), 'lango_radius_drops_total', { reason: 'missing_message_authenticator' });
    const run = auth([from('127.0.0.2'), 'User-Name = "alice"', 'User-Password = "s3cret-Pw"']);
    expect(run.status).toBe(1);
    expect(run.stderr + run.stdout).toMatch(/No reply/);
    expect(sample(await metrics(daemon), 'lango_radius_drops_total', { reason: 'missing_message_authenticator' })).toBe(before + 1);
    expect(auth([from('127.0.0.2'), 'User-Name = "alice"', 'User-Password = "s3cret-Pw"', MA]).status).toBe(0);
  });

  it('serves a legacy router without Message-Authenticator but still refuses Proxy-State without it', () => {
    expect(auth([from('127.0.0.3'), 'User-Name = "alice"', 'User-Password = "s3cret-Pw"']).status).toBe(0);
    const proxied = auth([from('127.0.0.3'), 'User-Name = "alice"', 'User-Password = "s3cret-Pw"', 'Proxy-State = 0x01020304']);
    expect(proxied.status).toBe(1);
  });

  it('echoes Proxy-State when the request is authenticated', () => {
    const run = auth([from('127.0.0.3'), 'User-Name = "alice"', 'User-Password = "s3cret-Pw"', 'Proxy-State = 0x01020304', MA]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout.slice(run.stdout.indexOf('Received'))).toContain('Proxy-State = 0x01020304');
  });

  it('learns in auto mode: once a router has sent Message-Authenticator, it must keep sending it', () => {
    expect(auth([from('127.0.0.4'), 'User-Name = "alice"', 'User-Password = "s3cret-Pw"']).status).toBe(0);
    expect(auth([from('127.0.0.4'), 'User-Name = "alice"', 'User-Password = "s3cret-Pw"', MA]).status).toBe(0);
    expect(auth([from('127.0.0.4'), 'User-Name = "alice"', 'User-Password = "s3cret-Pw"']).status).toBe(1);
    const list = JSON.parse(lango(daemon, 'nas', 'list', '--json').stdout) as Array<{ name: string; messageAuthenticatorSeenAt: number | null }>;
    expect(list.find((n) => n.name === 'learner')?.messageAuthenticatorSeenAt).toBeGreaterThan(0);
  });

  it('gives no reply at all to a request signed with the wrong secret', () => {
    const run = auth(['User-Name = "alice"', 'User-Password = "s3cret-Pw"', MA], 'not-the-secret');
    expect(run.status).toBe(1);
    expect(run.stderr + run.stdout).toMatch(/No reply/);
  });

  it('ignores and logs a router it does not know', async () => {
    const run = auth([from('127.0.0.9'), 'User-Name = "alice"', 'User-Password = "s3cret-Pw"', MA]);
    expect(run.status).toBe(1);
    expect(sample(await metrics(daemon), 'lango_radius_drops_total', { reason: 'unknown_nas' })).toBeGreaterThanOrEqual(1);
    expect(daemon.logs().some((l) => l.includes('unknown NAS 127.0.0.9') && l.includes('lango nas add'))).toBe(true);
  });
});

describe('Status-Server (RFC 5997)', () => {
  it('answers on the authentication port with Access-Accept', () => {
    const run = radclient(`${MA}\n`, `127.0.0.1:${daemon.authPort}`, 'status', SECRET);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Received Access-Accept');
  });

  it('answers on the accounting port with Accounting-Response', () => {
    const run = radclient(`${MA}\n`, `127.0.0.1:${daemon.acctPort}`, 'status', SECRET);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Received Accounting-Response');
  });

  it('drops Status-Server without Message-Authenticator', () => {
    const run = radclient('Reply-Message = "ping"\n', `127.0.0.1:${daemon.authPort}`, 'status', SECRET);
    expect(run.status).toBe(1);
  });
});

describe('logging', () => {
  it('never writes the shared secret or a password to the log, even at debug level', () => {
    const text = daemon.logs().join('\n');
    expect(text).toContain('Access-Accept'); // the debug decision trace is there
    for (const secret of [SECRET, 's3cret-Pw', 'clientPass', 'pw-noplan']) expect(text).not.toContain(secret);
  });
});

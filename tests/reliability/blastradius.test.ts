import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { computeChapPassword } from '../../src/radius/auth/chap.js';
import { hideUserPassword } from '../../src/radius/auth/pap.js';
import { encodeReply, encodeRequest, verifyMessageAuthenticator, verifyRequestAuthenticator, verifyResponse } from '../../src/radius/authenticators.js';
import { decodePacket, encodeAttribute, type AttributeValue } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';
import { md5 } from '../../src/radius/md5.js';
import { Attr, Code, findAttribute, type Packet } from '../../src/radius/packet.js';
import { langoJson, langoJsonAsync, langoOk, metrics, radclient, sample, until } from '../support/peers.js';

// BlastRADIUS (CVE-2024-3596) end to end against the daemon in its own process, with raw UDP so
// every byte of every reply is checked here rather than trusted to a client library:
// - every Access-* reply carries Message-Authenticator as its first attribute, and it verifies;
// - a router whose policy requires Message-Authenticator gets no reply at all without one (a
//   reply is exactly what an attacker would splice), counted in /metrics; a wrong one is dropped;
// - the ACK/NAK a router sends back to a Disconnect-Request is believed only when it verifies.
// Lango never sends Access-Challenge (no EAP), so there is none to check.

const SECRET = 'blast-secret-7Q';
const secret = Buffer.from(SECRET);
const dictionary = loadDictionary(defaultDictionaryPath());
const STRICT = '127.0.0.1'; // require-message-authenticator yes
const LEGACY = '127.0.0.2'; // require-message-authenticator no

let daemon: Daemon;
let voucher: { code: string; password: string };

// The router's /radius incoming, played by a socket: each session's Disconnect gets the answers
// scripted for it, one per datagram received (retransmissions included).
const nas = dgram.createSocket('udp4');
type Answer = (request: Packet) => Buffer | undefined;
const script = new Map<string, Answer[]>();
const seen = new Map<string, number>();

beforeAll(async () => {
  nas.on('message', (raw, rinfo) => {
    const request = decodePacket(raw, dictionary);
    if (!verifyRequestAuthenticator(request, secret) || !verifyMessageAuthenticator(request, secret)) return;
    const session = findAttribute(request, 44)?.toString('utf8') ?? '';
    const count = seen.get(session) ?? 0;
    seen.set(session, count + 1);
    const answers = script.get(session) ?? [];
    const reply = answers[Math.min(count, answers.length - 1)]?.(request);
    if (reply) nas.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => nas.bind(0, '127.0.0.1', resolve));
  daemon = await startDaemon({ env: { LANGO_COA_PORT: String((nas.address() as AddressInfo).port) } });
  const ok = (...args: string[]) => langoOk(daemon, ...args);
  ok('nas', 'add', '--name', 'strict', '--ip', STRICT, '--secret', SECRET, '--require-message-authenticator', 'yes');
  ok('nas', 'add', '--name', 'legacy', '--ip', LEGACY, '--secret', SECRET, '--require-message-authenticator', 'no');
  ok('plan', 'add', '--name', 'Day', '--price', '50', '--currency', 'KES', '--duration', '1d', '--rate', '2M/4M');
  ok('customer', 'add', '--username', 'alice', '--password', 'alice-Pw-91', '--plan', 'Day');
  // The RFC 2759 §9.2 example account, so MS-CHAPv2 can use the published vector.
  ok('customer', 'add', '--username', 'User', '--password', 'clientPass', '--plan', 'Day');
  for (const name of ['dis-a', 'dis-b', 'dis-c', 'dis-d']) ok('customer', 'add', '--username', name, '--password', `pw-${name}-1`, '--plan', 'Day');
  const created = langoJson<{ codes: Array<{ code: string; password: string }> }>(daemon, 'voucher', 'create', '--plan', 'Day', '--count', '1');
  voucher = created.codes[0]!;
  ok('voucher', 'revoke', '--code', voucher.code, '--reason', 'card reported stolen');
});

afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
  await new Promise<void>((resolve) => nas.close(() => resolve()));
});

const attrs = (list: Array<[string, AttributeValue]>) => Buffer.concat(list.map(([name, value]) => encodeAttribute(dictionary.require(name), value)));

/** An Access-Request as a router builds it; `build` gets the Request Authenticator (PAP hides the password with it). */
function accessRequest(build: (authenticator: Buffer) => Buffer, messageAuthenticator: boolean): Buffer {
  const authenticator = randomBytes(16);
  return encodeRequest({ code: Code.AccessRequest, identifier: authenticator[0]!, authenticator, attributes: build(authenticator), secret, messageAuthenticator });
}

const pap = (user: string, password: string) => (auth: Buffer) => attrs([['User-Name', user], ['User-Password', hideUserPassword(Buffer.from(password), secret, auth)]]);
const chap = (user: string, password: string) => (auth: Buffer) => attrs([['User-Name', user], ['CHAP-Password', computeChapPassword(7, Buffer.from(password), auth)]]);
const mschapv2 = (ntResponse: Buffer) => () =>
  attrs([
    ['User-Name', 'User'],
    ['MS-CHAP-Challenge', Buffer.from('5B5D7C7D7B3F2F3E3C2C602132262628', 'hex')],
    ['MS-CHAP2-Response', Buffer.concat([Buffer.from([0x42, 0]), Buffer.from('21402324255E262A28295F2B3A337C7E', 'hex'), Buffer.alloc(8), ntResponse])],
  ]);
const RFC2759_NT_RESPONSE = Buffer.from('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF', 'hex');

/**
 * Sends one request from `from` and returns the reply as soon as it comes, or undefined when
 * none came within `waitMs` (a dropped request is only ever seen as silence).
 */
async function ask(request: Buffer, from: string, waitMs = 500): Promise<Buffer | undefined> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, from, resolve));
  try {
    return await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      socket.once('message', (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      socket.send(request, daemon.authPort, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

/** What a router checks, and what BlastRADIUS needs: MA first, HMAC right, Response Authenticator right. */
function expectSealed(raw: Buffer, request: Buffer): Packet {
  const reply = decodePacket(raw, dictionary);
  const requestAuthenticator = request.subarray(4, 20);
  expect(reply.identifier).toBe(request[1]);
  expect(raw[20]).toBe(Attr.MessageAuthenticator);
  expect(raw[21]).toBe(18);
  expect(reply.messageAuthenticatorOffset).toBe(22);
  expect(verifyMessageAuthenticator(reply, secret, requestAuthenticator)).toBe(true);
  expect(verifyResponse(reply, requestAuthenticator, secret)).toBe(true);
  return reply;
}

const drops = async (reason: string) => sample(await metrics(daemon), 'lango_radius_drops_total', { reason });
// Silence for 500 ms says no reply came; the counter, polled, says the packet was read and dropped
// (a loaded machine may take longer than the silence to get to it).
const dropsReach = (reason: string, count: number) =>
  until(`${count} ${reason} drop(s) counted`, async () => ((await drops(reason)) >= count ? true : undefined));

describe('every Access-* reply carries a verifying Message-Authenticator first', () => {
  const cases: Array<[string, (auth: Buffer) => Buffer, number]> = [
    ['PAP, right password', pap('alice', 'alice-Pw-91'), Code.AccessAccept],
    ['PAP, wrong password', pap('alice', 'not-her-password'), Code.AccessReject],
    ['PAP, unknown user', pap('nobody-here', 'alice-Pw-91'), Code.AccessReject],
    ['CHAP, right password', chap('alice', 'alice-Pw-91'), Code.AccessAccept],
    ['CHAP, wrong password', chap('alice', 'guess'), Code.AccessReject],
    ['MS-CHAPv2, right response', mschapv2(RFC2759_NT_RESPONSE), Code.AccessAccept],
    ['MS-CHAPv2, wrong response', mschapv2(Buffer.alloc(24, 9)), Code.AccessReject],
    ['a revoked voucher', (auth) => pap(voucher.code, voucher.password)(auth), Code.AccessReject],
  ];

  for (const [name, build, code] of cases) {
    it(`answers ${name} from a router that requires it with ${code === Code.AccessAccept ? 'Access-Accept' : 'Access-Reject'}, sealed`, async () => {
      const request = accessRequest(build, true);
      const raw = await ask(request, STRICT, 5000);
      expect(raw, 'no reply').toBeDefined();
      expect(expectSealed(raw!, request).code).toBe(code);
    });

    it(`answers ${name} from a legacy router that sent no Message-Authenticator, still sealed`, async () => {
      const request = accessRequest(build, false);
      const raw = await ask(request, LEGACY, 5000);
      expect(raw, 'no reply').toBeDefined();
      expect(expectSealed(raw!, request).code).toBe(code);
    });
  }

  it('answers Status-Server with a sealed Access-Accept', async () => {
    const request = encodeRequest({ code: Code.StatusServer, identifier: 9, attributes: Buffer.alloc(0), secret, messageAuthenticator: true });
    const raw = await ask(request, STRICT, 5000);
    expect(expectSealed(raw!, request).code).toBe(Code.AccessAccept);
  });
});

describe('requests that could carry a BlastRADIUS collision get no reply', () => {
  it('drops an Access-Request without Message-Authenticator from a router that requires it, and counts it', async () => {
    const before = await drops('missing_message_authenticator');
    expect(await ask(accessRequest(pap('alice', 'alice-Pw-91'), false), STRICT)).toBeUndefined();
    await dropsReach('missing_message_authenticator', before + 1);
    expect(await drops('missing_message_authenticator')).toBe(before + 1);
  });

  it('drops an Access-Request whose Message-Authenticator is wrong, whatever the router policy, and counts it', async () => {
    const before = await drops('bad_message_authenticator');
    for (const from of [STRICT, LEGACY]) {
      const request = accessRequest(pap('alice', 'alice-Pw-91'), true);
      request[22] = request[22]! ^ 0xff;
      expect(await ask(request, from)).toBeUndefined();
    }
    await dropsReach('bad_message_authenticator', before + 2);
    expect(await drops('bad_message_authenticator')).toBe(before + 2);
  });

  it('drops a request signed with another secret: no reply an attacker could study', async () => {
    const request = encodeRequest({ code: Code.AccessRequest, identifier: 3, attributes: attrs([['User-Name', 'alice']]), secret: Buffer.from('some-other-secret'), messageAuthenticator: true });
    const before = await drops('bad_message_authenticator');
    expect(await ask(request, STRICT)).toBeUndefined();
    await dropsReach('bad_message_authenticator', before + 1);
    expect(await drops('bad_message_authenticator')).toBe(before + 1);
  });

  it('drops Proxy-State without Message-Authenticator even from a legacy router: that is where the collision hides', async () => {
    const before = await drops('proxy_state_without_message_authenticator');
    const request = accessRequest((auth) => Buffer.concat([pap('alice', 'alice-Pw-91')(auth), attrs([['Proxy-State', randomBytes(60)]])]), false);
    expect(await ask(request, LEGACY)).toBeUndefined();
    await dropsReach('proxy_state_without_message_authenticator', before + 1);
    expect(await drops('proxy_state_without_message_authenticator')).toBe(before + 1);
  });

  it('agrees with radclient: its Access-Request without Message-Authenticator gets no reply from a strict router', () => {
    const run = radclient('User-Name = "alice"\nUser-Password = "alice-Pw-91"\n', `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/No reply/);
  });
});

describe('Disconnect answers are believed only when they verify', () => {
  const ack = (request: Packet, options: { ma?: boolean } = {}) =>
    encodeReply({ code: Code.DisconnectAck, identifier: request.identifier, requestAuthenticator: request.authenticator, attributes: Buffer.alloc(0), secret, messageAuthenticator: options.ma ?? true });
  // The NAK says the router has no such session (Error-Cause 503): no API fallback, a clear final state.
  const nak = (request: Packet) =>
    encodeReply({ code: Code.DisconnectNak, identifier: request.identifier, requestAuthenticator: request.authenticator, attributes: attrs([['Error-Cause', 503]]), secret, messageAuthenticator: true });
  const forgedAuthenticator: Answer = (request) => {
    const out = ack(request);
    randomBytes(16).copy(out, 4);
    return out;
  };
  // The Response Authenticator is right (computed over the packet as sent) but the HMAC is not.
  const badMessageAuthenticator: Answer = (request) => {
    const out = ack(request);
    out[22] = out[22]! ^ 0xff;
    request.authenticator.copy(out, 4);
    md5([out, secret]).copy(out, 4);
    return out;
  };

  async function disconnect(username: string, answers: Answer[]): Promise<{ status: string; attempts: number }> {
    const acctSessionId = `${username}-1`;
    script.set(acctSessionId, answers);
    const start = radclient(`Acct-Status-Type = Start\nAcct-Session-Id = "${acctSessionId}"\nUser-Name = "${username}"\nFramed-IP-Address = 10.5.50.7\n`, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
    expect(start.status, start.stdout + start.stderr).toBe(0);
    const session = langoJson<Array<{ id: number; acctSessionId: string }>>(daemon, 'sessions', '--active').find((s) => s.acctSessionId === acctSessionId)!;
    langoOk(daemon, 'sessions', 'disconnect', '--id', String(session.id));
    // Polled without blocking: the fake NAS in this process must answer meanwhile.
    return until(`the Disconnect for ${username} to finish`, async () => {
      const [action] = await langoJsonAsync<Array<{ status: string; attempts: number }>>(daemon, 'sessions', 'actions', '--id', String(session.id));
      return action && action.status !== 'pending' ? action : undefined;
    });
  }

  it('believes a genuine Disconnect-ACK on the first try', async () => {
    expect((await disconnect('dis-d', [(r) => ack(r)])).status).toBe('ack');
  });

  it('ignores a Disconnect-ACK with a forged Response Authenticator, retries, and records the genuine answer', async () => {
    // The router's first answer is the forged ACK and only a retransmission gets the NAK: a
    // recorded NAK means the ACK was not believed.
    const action = await disconnect('dis-a', [forgedAuthenticator, nak]);
    expect(action.status).toBe('nak');
    expect(action.attempts).toBeGreaterThanOrEqual(2);
    expect(daemon.logs().some((line) => line.includes('CoA reply failed authentication'))).toBe(true);
    expect(sample(await metrics(daemon), 'lango_coa_replies_ignored_total', { reason: 'bad_authenticator' })).toBeGreaterThanOrEqual(1);
  });

  it('ignores a Disconnect-ACK whose Message-Authenticator is wrong even though its Response Authenticator is right', async () => {
    const action = await disconnect('dis-b', [badMessageAuthenticator, nak]);
    expect(action.status).toBe('nak');
    expect(action.attempts).toBeGreaterThanOrEqual(2);
    expect(sample(await metrics(daemon), 'lango_coa_replies_ignored_total', { reason: 'bad_message_authenticator' })).toBeGreaterThanOrEqual(1);
  });

  it('believes a Disconnect-ACK without Message-Authenticator when its Response Authenticator is right (RFC 5176 makes it optional)', async () => {
    // Pinned on purpose: Lango's own Disconnect-Request carries MA first and no attacker-chosen
    // bytes, so there is no prefix to collide; routers that omit MA in answers keep working.
    expect((await disconnect('dis-c', [(r) => ack(r, { ma: false })])).status).toBe('ack');
  });
});

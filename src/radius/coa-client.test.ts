import dgram from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeReply, verifyMessageAuthenticator, verifyRequestAuthenticator } from './authenticators.js';
import { CoaClient, type CoaTiming, type DynamicAuthTarget, type IgnoredReason } from './coa-client.js';
import { decodePacket, describeAttribute, encodeAttribute } from './codec.js';
import { defaultDictionaryPath, loadDictionary } from './dictionary.js';
import { hmacMd5, md5 } from './md5.js';
import { Attr, Code, type Packet } from './packet.js';

const dictionary = loadDictionary(defaultDictionaryPath());
const SECRET = Buffer.from('coa-secret-1');
const FAST: CoaTiming = { initialMs: 50, maxMs: 200, maxDurationMs: 1000, maxCount: 5 };

const attr = (name: string, value: string | number) => encodeAttribute(dictionary.require(name), value);
const identification = () => Buffer.concat([attr('User-Name', 'alice'), attr('Acct-Session-Id', '81a00002')]);

interface Received {
  raw: Buffer;
  packet: Packet;
  rinfo: dgram.RemoteInfo;
  authenticatorOk: boolean;
  messageAuthenticatorOk: boolean;
}

/** A NAS in miniature: verifies what arrives with Lango's own maths and answers as told. */
class StubNas {
  readonly received: Received[] = [];
  readonly socket = dgram.createSocket('udp4');
  answer: (request: Received) => Buffer | undefined = () => undefined;

  async start(): Promise<number> {
    this.socket.on('message', (raw, rinfo) => {
      const packet = decodePacket(raw, dictionary);
      const request: Received = {
        raw,
        packet,
        rinfo,
        authenticatorOk: verifyRequestAuthenticator(packet, SECRET),
        messageAuthenticatorOk: verifyMessageAuthenticator(packet, SECRET),
      };
      this.received.push(request);
      const reply = this.answer(request);
      if (reply) this.reply(reply, request);
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return this.socket.address().port;
  }

  reply(bytes: Buffer, to: Received): void {
    this.socket.send(bytes, to.rinfo.port, to.rinfo.address);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

function answer(request: Received, code: number, attributes: Buffer = Buffer.alloc(0), secret: Buffer = SECRET): Buffer {
  return encodeReply({
    code,
    identifier: request.packet.identifier,
    requestAuthenticator: request.packet.authenticator,
    attributes,
    secret,
    messageAuthenticator: true,
  });
}

let nas: StubNas;
let client: CoaClient;
let target: DynamicAuthTarget;
let ignored: IgnoredReason[];

async function startClient(timing: CoaTiming = FAST): Promise<void> {
  client = new CoaClient({ dictionary, bind: '127.0.0.1', timing, observer: { ignored: (reason) => ignored.push(reason) } });
  await client.start();
}

beforeEach(async () => {
  nas = new StubNas();
  ignored = [];
  target = { address: '127.0.0.1', port: await nas.start(), secret: SECRET, name: 'stub' };
});

afterEach(async () => {
  await client?.close();
  await nas.close();
  // Every request of every test was well-formed with MA first, as radclient and a NAS check it.
  for (const r of nas.received) {
    expect(r.authenticatorOk && r.messageAuthenticatorOk).toBe(true);
    expect(r.raw[20]).toBe(Attr.MessageAuthenticator);
  }
});

describe('CoaClient', () => {
  it('gets a CoA-ACK for a rate change, sending the new rate and a current Event-Timestamp', async () => {
    await startClient();
    nas.answer = (r) => answer(r, Code.CoaAck);
    const sent = Math.floor(Date.now() / 1000);
    const result = await client.send('coa', target, Buffer.concat([identification(), attr('Mikrotik-Rate-Limit', '1M/4M')]));
    expect(result).toMatchObject({ outcome: 'ack', attempts: 1 });
    expect(result.errorCause).toBeUndefined();
    expect(result.seconds).toBeGreaterThanOrEqual(0);
    expect(result.seconds).toBeLessThan(1);

    const [request] = nas.received;
    expect(request?.packet.code).toBe(Code.CoaRequest);
    const described = Object.fromEntries(request!.packet.attributes.map((a) => describeAttribute(dictionary, a)));
    expect(described).toMatchObject({ 'User-Name': 'alice', 'Acct-Session-Id': '81a00002', 'Mikrotik-Rate-Limit': '1M/4M' });
    expect(Math.abs(Number(described['Event-Timestamp']) - sent)).toBeLessThanOrEqual(2);
  });

  it('reports a Disconnect-NAK with Error-Cause 503 by number and dictionary name', async () => {
    await startClient();
    nas.answer = (r) => answer(r, Code.DisconnectNak, attr('Error-Cause', 503));
    const result = await client.send('disconnect', target, identification());
    expect(result).toMatchObject({ outcome: 'nak', errorCause: 503, errorCauseName: 'Session-Context-Not-Found', attempts: 1 });
    expect(nas.received[0]?.packet.code).toBe(Code.DisconnectRequest);
  });

  it('retransmits the identical bytes until the NAS answers the third send', async () => {
    await startClient();
    nas.answer = (r) => (nas.received.length >= 3 ? answer(r, Code.CoaAck) : undefined);
    const result = await client.send('coa', target, identification());
    expect(result).toMatchObject({ outcome: 'ack', attempts: 3 });
    expect(nas.received).toHaveLength(3);
    const [first, ...rest] = nas.received;
    for (const r of rest) {
      expect(r.raw.equals(first!.raw)).toBe(true);
      expect(r.rinfo.port).toBe(first!.rinfo.port);
    }
    // IRT 50 ms ±10 %, then about twice that: the third send comes after ≈ 150 ms.
    expect(result.seconds).toBeGreaterThan(0.12);
  });

  it('times out after MRC sends when the NAS never answers', async () => {
    await startClient();
    const result = await client.send('disconnect', target, identification());
    expect(result.outcome).toBe('timeout');
    expect(result.attempts).toBe(5);
    expect(nas.received).toHaveLength(5);
    expect(new Set(nas.received.map((r) => r.raw.toString('hex'))).size).toBe(1);
    // Sends at ≈ 0, 50, 150, 350, 550 ms (MRT 200 caps the last gap), then one more RT of waiting.
    expect(result.seconds).toBeGreaterThan(0.6);
    expect(result.seconds).toBeLessThan(1);
  });

  it('gives up at MRD even when MRC would allow more sends', async () => {
    await startClient({ initialMs: 50, maxMs: 200, maxDurationMs: 250, maxCount: 10 });
    const result = await client.send('coa', target, identification());
    expect(result.outcome).toBe('timeout');
    // Sends at 0, 45–55 and 126–176 ms; with ±10 % jitter the fourth cannot come before 272 ms.
    expect(result.attempts).toBe(3);
    expect(result.seconds).toBeGreaterThanOrEqual(0.24);
    expect(result.seconds).toBeLessThan(0.4);
  });

  it('ignores a reply signed with another secret and ends in a timeout', async () => {
    await startClient();
    nas.answer = (r) => answer(r, Code.CoaAck, Buffer.alloc(0), Buffer.from('not-the-secret'));
    const result = await client.send('coa', target, identification());
    expect(result).toMatchObject({ outcome: 'timeout', attempts: 5 });
    expect(ignored).toEqual(Array(5).fill('bad_authenticator'));
  });

  it('accepts an ACK whose Message-Authenticator hashes a zero authenticator, as FreeRADIUS signs it', async () => {
    await startClient();
    nas.answer = (r) => freeRadiusStyleAck(r, Code.DisconnectAck, SECRET);
    const result = await client.send('disconnect', target, identification());
    expect(result).toMatchObject({ outcome: 'ack', attempts: 1 });
    expect(ignored).toEqual([]);
  });

  it('ignores an ACK whose Message-Authenticator fits neither basis although its Response Authenticator is right', async () => {
    await startClient();
    nas.answer = (r) => freeRadiusStyleAck(r, Code.CoaAck, SECRET, Buffer.from('other-hmac-key'));
    const result = await client.send('coa', target, identification());
    expect(result.outcome).toBe('timeout');
    expect(ignored).toEqual(Array(5).fill('bad_message_authenticator'));
  });

  it('accepts only the right code from the target address and port', async () => {
    await startClient();
    const stranger = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve));
    nas.answer = (r) => {
      nas.reply(answer(r, Code.DisconnectAck), r); // a Disconnect-ACK cannot answer a CoA
      stranger.send(answer(r, Code.CoaAck), r.rinfo.port, r.rinfo.address); // right bytes, wrong source port
      setTimeout(() => nas.reply(answer(r, Code.CoaNak, attr('Error-Cause', 401)), r), 20);
      return undefined;
    };
    const result = await client.send('coa', target, identification());
    stranger.close();
    expect(result).toMatchObject({ outcome: 'nak', errorCause: 401, errorCauseName: 'Unsupported-Attribute', attempts: 1 });
    expect([...ignored].sort()).toEqual(['unexpected_code', 'unknown_source']);
  });

  it('completes 300 concurrent requests to one target, never reusing an outstanding Identifier', async () => {
    await startClient({ initialMs: 5000, maxMs: 5000, maxDurationMs: 10_000, maxCount: 2 });
    // Hold every answer until 256 requests are in (the client is then out of Identifiers), and
    // answer those in reverse so freed Ids come back out of order.
    const held: Received[] = [];
    const unanswered = new Map<number, string>();
    const reused: number[] = [];
    const ack = (r: Received) => {
      unanswered.delete(r.packet.identifier);
      nas.reply(answer(r, Code.CoaAck), r);
    };
    nas.answer = (r) => {
      const known = unanswered.get(r.packet.identifier);
      if (known !== undefined && known !== r.packet.authenticator.toString('hex')) reused.push(r.packet.identifier);
      unanswered.set(r.packet.identifier, r.packet.authenticator.toString('hex'));
      if (nas.received.length > 256) ack(r);
      else {
        held.push(r);
        if (held.length === 256) for (const h of held.reverse()) ack(h);
      }
      return undefined;
    };
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => client.send('coa', target, Buffer.concat([attr('User-Name', `user${i}`), attr('Acct-Session-Id', `s${i}`)]))),
    );
    expect(results.every((r) => r.outcome === 'ack' && r.attempts === 1)).toBe(true);
    expect(nas.received).toHaveLength(300);
    expect(new Set(held.map((r) => r.packet.identifier)).size).toBe(256);
    expect(reused).toEqual([]);
    expect(new Set(nas.received.map((r) => describeAttribute(dictionary, r.packet.attributes[1]!)[1])).size).toBe(300);
  });

  it('puts Message-Authenticator first in every CoA and Disconnect request', async () => {
    await startClient();
    nas.answer = (r) => answer(r, r.packet.code === Code.CoaRequest ? Code.CoaAck : Code.DisconnectAck);
    await client.send('coa', target, Buffer.concat([identification(), attr('Session-Timeout', 3600)]));
    await client.send('disconnect', target, identification());
    expect(nas.received.map((r) => [r.packet.code, r.packet.attributes[0]?.type, r.packet.messageAuthenticatorOffset])).toEqual([
      [Code.CoaRequest, Attr.MessageAuthenticator, 22],
      [Code.DisconnectRequest, Attr.MessageAuthenticator, 22],
    ]);
  });

  it('resolves a pending request as a timeout when closed', async () => {
    await startClient({ initialMs: 5000, maxDurationMs: 10_000 });
    const pending = client.send('disconnect', target, identification());
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.close();
    expect(await pending).toMatchObject({ outcome: 'timeout', attempts: 1 });
  });

  it('refuses attributes that already carry a Message-Authenticator', async () => {
    await startClient();
    const withMa = Buffer.concat([identification(), Buffer.from([Attr.MessageAuthenticator, 18]), Buffer.alloc(16)]);
    await expect(client.send('coa', target, withMa)).rejects.toThrow(/Message-Authenticator/);
    expect(nas.received).toHaveLength(0);
  });
});

/**
 * FreeRADIUS's rad_sign for CoA/Disconnect replies: MA = HMAC over the packet with a zero
 * authenticator field, then the Response Authenticator over the request's authenticator.
 */
function freeRadiusStyleAck(request: Received, code: number, secret: Buffer, hmacKey: Buffer = secret): Buffer {
  const out = Buffer.alloc(38);
  out[0] = code;
  out[1] = request.packet.identifier;
  out.writeUInt16BE(out.length, 2);
  out[20] = Attr.MessageAuthenticator;
  out[21] = 18;
  hmacMd5(hmacKey, [out]).copy(out, 22);
  request.packet.authenticator.copy(out, 4);
  md5([out, secret]).copy(out, 4);
  return out;
}

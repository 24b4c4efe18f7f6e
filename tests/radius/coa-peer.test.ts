import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeReply, encodeRequest, verifyMessageAuthenticator, verifyRequestAuthenticator } from '../../src/radius/authenticators.js';
import { decodePacket, describeAttribute, encodeAttribute } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';
import { hmacMd5, md5 } from '../../src/radius/md5.js';
import { Attr, Code, type Packet } from '../../src/radius/packet.js';

// Debian's radclient (freeradius-utils 3.2.1) plays Lango's role here and a stub socket plays the
// NAS: radclient's CoA/Disconnect-Requests are an independent reference for Lango's request maths,
// and radclient's verdict on the stub's replies is one for Lango's reply maths.

const SECRET = 'testing123';
const secret = Buffer.from(SECRET);
const dictionary = loadDictionary(defaultDictionaryPath());

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Async on purpose: the stub has to answer while radclient waits. One try, 1 s timeout. */
function radclient(input: string, port: number, command: 'coa' | 'disconnect'): Promise<Run> {
  const child = spawn('radclient', ['-x', '-r', '1', '-t', '1', `127.0.0.1:${port}`, command, SECRET]);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const socket = dgram.createSocket('udp4');
let port: number;
let captured: { raw: Buffer; packet: Packet }[];
let answer: (packet: Packet) => Buffer | undefined;

beforeAll(async () => {
  socket.on('message', (raw, rinfo) => {
    const packet = decodePacket(raw, dictionary);
    captured.push({ raw, packet });
    const reply = answer(packet);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  port = socket.address().port;
});

afterAll(() => new Promise<void>((resolve) => socket.close(() => resolve())));

beforeEach(() => {
  captured = [];
  answer = () => undefined;
});

const named = (packet: Packet) => Object.fromEntries(packet.attributes.map((a) => describeAttribute(dictionary, a)));
const output = (run: Run) => run.stdout + run.stderr;

describe('CoA and Disconnect against radclient', () => {
  it('accepts radclient’s CoA-Request, rebuilds its exact bytes, and radclient accepts Lango’s CoA-ACK', async () => {
    answer = (request) =>
      encodeReply({
        code: Code.CoaAck,
        identifier: request.identifier,
        requestAuthenticator: request.authenticator,
        attributes: Buffer.alloc(0),
        secret,
        messageAuthenticator: true,
      });
    // MA on the first line: radclient computes it where it stands, so its packet has Lango's layout.
    const run = await radclient(
      'Message-Authenticator = 0x00\nUser-Name = "alice"\nAcct-Session-Id = "81a00002"\nMikrotik-Rate-Limit = "1M/4M"\n',
      port,
      'coa',
    );
    expect(run.status, output(run)).toBe(0);
    expect(run.stdout).toContain('Received CoA-ACK');

    expect(captured).toHaveLength(1);
    const { raw, packet } = captured[0]!;
    expect(packet.code).toBe(Code.CoaRequest);
    expect(verifyRequestAuthenticator(packet, secret)).toBe(true);
    expect(verifyMessageAuthenticator(packet, secret)).toBe(true);
    expect(named(packet)).toMatchObject({ 'User-Name': 'alice', 'Acct-Session-Id': '81a00002', 'Mikrotik-Rate-Limit': '1M/4M' });
    const rebuilt = encodeRequest({
      code: Code.CoaRequest,
      identifier: packet.identifier,
      attributes: raw.subarray(20 + 18),
      secret,
      messageAuthenticator: true,
    });
    expect(rebuilt.toString('hex')).toBe(raw.toString('hex'));
  });

  it('accepts radclient’s Disconnect-Request with MA last, and radclient reads the Error-Cause of Lango’s Disconnect-NAK', async () => {
    answer = (request) =>
      encodeReply({
        code: Code.DisconnectNak,
        identifier: request.identifier,
        requestAuthenticator: request.authenticator,
        attributes: encodeAttribute(dictionary.require('Error-Cause'), 503),
        secret,
        messageAuthenticator: true,
      });
    const run = await radclient(
      'User-Name = "alice"\nAcct-Session-Id = "81a00002"\nResponse-Packet-Type = Disconnect-NAK\nMessage-Authenticator = 0x00\n',
      port,
      'disconnect',
    );
    expect(run.status, output(run)).toBe(0);
    expect(run.stdout).toContain('Received Disconnect-NAK');
    expect(run.stdout).toMatch(/Error-Cause = Session-Context-Not-Found/);

    const { packet } = captured[0]!;
    expect(packet.code).toBe(Code.DisconnectRequest);
    expect(packet.attributes.at(-1)?.type).toBe(Attr.MessageAuthenticator);
    expect(verifyRequestAuthenticator(packet, secret)).toBe(true);
    expect(verifyMessageAuthenticator(packet, secret)).toBe(true);
    // Response-Packet-Type is radclient's own pseudo-attribute and must not reach the wire.
    expect(packet.attributes.map((a) => a.type)).toEqual([Attr.UserName, 44, Attr.MessageAuthenticator]);
  });

  it('radclient 3.2.1 discards a CoA-ACK whose MA hashes a zero authenticator (FreeRADIUS rad_sign style)', async () => {
    // Why CoaClient tries the RFC 5176 basis first and zeros only as a fallback: the two
    // FreeRADIUS code paths disagree, and the RFC basis is the one radclient verifies.
    answer = (request) => {
      const out = Buffer.alloc(38);
      out[0] = Code.CoaAck;
      out[1] = request.identifier;
      out.writeUInt16BE(38, 2);
      out[20] = Attr.MessageAuthenticator;
      out[21] = 18;
      hmacMd5(secret, [out]).copy(out, 22);
      request.authenticator.copy(out, 4);
      md5([out, secret]).copy(out, 4);
      return out;
    };
    const run = await radclient('User-Name = "alice"\nAcct-Session-Id = "81a00002"\nMessage-Authenticator = 0x00\n', port, 'coa');
    expect(run.status).toBe(1);
    expect(output(run)).toContain('invalid Message-Authenticator');
    expect(run.stdout).not.toContain('Received CoA-ACK');
  });
});

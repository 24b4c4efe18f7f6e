import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAfricasTalking, type AtEmulator } from '../../scripts/emulators/africas-talking.js';
import { africasTalking } from '../../src/messaging/gateways/africas-talking.js';
import { httpGateway, kannelPreset } from '../../src/messaging/gateways/http.js';
import type { SmsGateway, SmsRequest } from '../../src/messaging/gateway.js';

// SMS drivers over loopback: Africa's Talking against its emulator (payments.md §3.1–3.2), the
// generic HTTP driver against a small server standing in for an aggregator or Kannel (§3.3).

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A tiny HTTP peer: records every request and answers with `reply`. */
async function startPeer(): Promise<{ url: string; seen: Seen[]; reply: (req: Seen, res: ServerResponse) => void; close(): Promise<void> }> {
  const peer = {
    url: '',
    seen: [] as Seen[],
    reply: (_req: Seen, res: ServerResponse) => void res.writeHead(200).end('OK'),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      peer.seen.push(seen);
      peer.reply(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  peer.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return peer;
}

/** A loopback port nobody listens on (fetch refuses well-known "bad ports" such as 1 outright). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sms = (id: number, to: string, text = 'Your receipt: KES 500 received.'): SmsRequest => ({ id, to, text });

describe("Africa's Talking driver against the emulator", () => {
  let at: AtEmulator;
  let dlrPeer: Awaited<ReturnType<typeof startPeer>>;

  beforeAll(async () => {
    dlrPeer = await startPeer();
    at = await startAfricasTalking({ username: 'lango', apiKey: 'at-key-93c1', dlrUrl: `${dlrPeer.url}/cb/tok/dlr` });
  });
  afterAll(async () => {
    await at.close();
    await dlrPeer.close();
  });
  afterEach(() => {
    at.reset();
    dlrPeer.seen.length = 0;
  });

  function driver(extra: Record<string, unknown> = {}): SmsGateway {
    return africasTalking.create(africasTalking.configSchema.parse({ username: 'lango', apiKey: 'at-key-93c1', from: 'LANGO', baseUrl: at.url, ...extra }));
  }

  it('sends one text to several numbers in one form-encoded call and reads each result', async () => {
    const results = await driver().send([sms(1, '+254711000001'), sms(2, '+254711000002'), sms(3, '+254711000003')]);
    expect(at.requests).toHaveLength(1);
    const call = at.requests[0]!;
    expect(call.headers).toMatchObject({ apikey: 'at-key-93c1', accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' });
    expect(Object.fromEntries(new URLSearchParams(call.body))).toEqual({
      username: 'lango',
      to: '+254711000001,+254711000002,+254711000003',
      message: 'Your receipt: KES 500 received.',
      from: 'LANGO',
      bulkSMSMode: '1',
      enqueue: '1',
    });
    expect(results).toHaveLength(3);
    for (const [i, result] of results.entries()) {
      expect(result).toEqual({ status: 'accepted', gatewayMessageId: at.sent[i]!.messageId, cost: 'KES 0.8000' });
      expect(at.sent[i]!.to).toBe(`+25471100000${i + 1}`);
    }
  });

  it('does not ask to enqueue a single message', async () => {
    await driver().send([sms(1, '+254711000001')]);
    expect(new URLSearchParams(at.requests[0]!.body).get('enqueue')).toBeNull();
  });

  it('matches per-number status codes to the requests by number, in request order', async () => {
    at.script('+254711000002', { statusCode: 403 });
    at.script('+254711000003', { statusCode: 405 });
    at.script('+254711000004', { statusCode: 406 });
    const results = await driver().send([sms(1, '+254711000004'), sms(2, '+254711000003'), sms(3, '+254711000002'), sms(4, '+254711000001')]);
    expect(results.map((r) => [r.status, 'code' in r ? r.code : null])).toEqual([
      ['rejected', 'UserInBlacklist'],
      ['retry', 'InsufficientBalance'],
      ['rejected', 'InvalidPhoneNumber'],
      ['accepted', null],
    ]);
  });

  it('sends different texts, and the same number twice, in separate calls', async () => {
    const results = await driver().send([sms(1, '+254711000001', 'A'), sms(2, '+254711000002', 'B'), sms(3, '+254711000001', 'A'), sms(4, '+254711000003', 'A')]);
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(at.requests.map((r) => [new URLSearchParams(r.body).get('message'), new URLSearchParams(r.body).get('to')])).toEqual([
      ['A', '+254711000001,+254711000003'],
      ['B', '+254711000002'],
      ['A', '+254711000001'],
    ]);
  });

  it('splits a long list into calls of at most batchSize numbers', async () => {
    const messages = [1, 2, 3, 4, 5].map((i) => sms(i, `+25471100000${i}`));
    const results = await driver({ batchSize: 2 }).send(messages);
    expect(at.requests.map((r) => new URLSearchParams(r.body).get('to')!.split(',').length)).toEqual([2, 2, 1]);
    expect(results.filter((r) => r.status === 'accepted')).toHaveLength(5);
  });

  it('rejects a number that is not E.164 without calling Africa\'s Talking', async () => {
    expect(await driver().send([sms(1, '0711000001')])).toMatchObject([{ status: 'rejected', code: 'InvalidPhoneNumber' }]);
    expect(at.requests).toEqual([]);
  });

  it('retries every message with AUTH on a wrong API key, and names no key', async () => {
    const results = await driver({ apiKey: 'wrong-at-key-77' }).send([sms(1, '+254711000001'), sms(2, '+254711000002')]);
    expect(results).toMatchObject([{ status: 'retry', code: 'AUTH' }, { status: 'retry', code: 'AUTH' }]);
    expect(JSON.stringify(results)).not.toMatch(/wrong-at-key-77|at-key-93c1/);
  });

  it('reports every message of a call that times out as unknown', async () => {
    at.script('+254711000002', { hang: true });
    const results = await driver({ timeoutMs: 1000 }).send([sms(1, '+254711000001'), sms(2, '+254711000002')]);
    expect(results).toMatchObject([{ status: 'unknown' }, { status: 'unknown' }]);
  });

  it('retries when Africa\'s Talking cannot be reached at all', async () => {
    const results = await driver({ baseUrl: `http://127.0.0.1:${await closedPort()}` }).send([sms(1, '+254711000001')]);
    expect(results).toMatchObject([{ status: 'retry', code: 'NETWORK' }]);
  });

  it('reads the delivery reports the emulator posts, form-encoded', async () => {
    const gateway = driver();
    at.script('+254711000002', { statusCode: 101 });
    const [first, second] = await gateway.send([sms(1, '+254711000001'), sms(2, '+254711000002')]);
    const firstId = first!.status === 'accepted' ? first!.gatewayMessageId! : '';
    const secondId = second!.status === 'accepted' ? second!.gatewayMessageId! : '';
    expect(await at.deliveryReport(firstId, 'Success')).toBe(200);
    expect(await at.deliveryReport(secondId, 'Failed', 'UserInBlackList')).toBe(200);
    expect(dlrPeer.seen.map((s) => [s.url, s.headers['content-type']])).toEqual([
      ['/cb/tok/dlr', 'application/x-www-form-urlencoded'],
      ['/cb/tok/dlr', 'application/x-www-form-urlencoded'],
    ]);
    expect(Object.fromEntries(new URLSearchParams(dlrPeer.seen[0]!.body))).toMatchObject({ id: firstId, status: 'Success', phoneNumber: '+254711000001' });
    expect(gateway.parseDeliveryReport!(dlrPeer.seen[0]!.body)).toEqual({ gatewayMessageId: firstId, status: 'delivered', failureReason: null });
    expect(gateway.parseDeliveryReport!(dlrPeer.seen[1]!.body)).toEqual({ gatewayMessageId: secondId, status: 'failed', failureReason: 'UserInBlackList' });
  });

  it('takes scripts and delivery reports over its control endpoints', async () => {
    const scripted = await fetch(`${at.url}/__emulator/script`, { method: 'POST', body: JSON.stringify({ number: '+254711000009', statusCode: 407 }) });
    expect(scripted.status).toBe(204);
    expect(await driver().send([sms(1, '+254711000009')])).toMatchObject([{ status: 'retry', code: 'CouldNotRoute' }]);
    const state = (await (await fetch(`${at.url}/__emulator/state`)).json()) as { sent: Array<{ to: string; statusCode: number }> };
    expect(state.sent).toMatchObject([{ to: '+254711000009', statusCode: 407 }]);
  });

  it('answers a wrong API key with 401 in plain text', async () => {
    const response = await fetch(`${at.url}/version1/messaging`, {
      method: 'POST',
      headers: { apiKey: 'nope', Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=lango&to=%2B254711000001&message=hi',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('text/plain');
  });
});

describe('generic HTTP driver against a small gateway', () => {
  let peer: Awaited<ReturnType<typeof startPeer>>;

  beforeAll(async () => {
    peer = await startPeer();
  });
  afterAll(async () => {
    await peer.close();
  });
  afterEach(() => {
    peer.seen.length = 0;
    peer.reply = (_req, res) => void res.writeHead(200).end('OK');
  });

  const driver = (settings: Record<string, unknown>) => httpGateway.create(httpGateway.configSchema.parse(settings));

  it('posts a form with basic auth and reads success and the message id from JSON', async () => {
    peer.reply = (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: { status: 'ok', id: 'gw-771' } }));
    const gateway = driver({
      url: `${peer.url}/api/send`,
      auth: 'basic',
      authUser: 'isp',
      authSecret: 'pw-5521',
      fields: { to: '{to}', message: '{text}', sender: '{from}', ref: '{ref}' },
      from: 'LANGO',
      numberFormat: 'national',
      countryCode: '211',
      success: { jsonPath: 'result.status', equals: 'ok' },
      messageId: { jsonPath: 'result.id' },
    });
    expect(await gateway.send([sms(9, '+211912345678')])).toEqual([{ status: 'accepted', gatewayMessageId: 'gw-771', cost: null }]);
    const seen = peer.seen[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.headers.authorization).toBe(`Basic ${Buffer.from('isp:pw-5521').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(seen.body))).toEqual({ to: '0912345678', message: 'Your receipt: KES 500 received.', sender: 'LANGO', ref: '9' });
  });

  it('posts JSON with a bearer token, comma-joined numbers in batches, and one id per message', async () => {
    peer.reply = (req, res) => {
      const count = (JSON.parse(req.body) as { to: string }).to.split(',').length;
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ids: Array.from({ length: count }, (_, i) => `id-${peer.seen.length}-${i}`) }));
    };
    const gateway = driver({ url: `${peer.url}/v2/sms`, auth: 'bearer', authSecret: 'tok-1', bodyType: 'json', fields: { to: '{to}', text: '{text}' }, numberFormat: 'digits', batchSize: 2, messageId: { jsonPath: 'ids' } });
    const results = await gateway.send([sms(1, '+211912000001'), sms(2, '+211912000002'), sms(3, '+211912000003')]);
    expect(peer.seen.map((s) => JSON.parse(s.body))).toEqual([
      { to: '211912000001,211912000002', text: 'Your receipt: KES 500 received.' },
      { to: '211912000003', text: 'Your receipt: KES 500 received.' },
    ]);
    expect(peer.seen[0]!.headers.authorization).toBe('Bearer tok-1');
    expect(peer.seen[0]!.headers['content-type']).toBe('application/json');
    expect(results.map((r) => r.status === 'accepted' && r.gatewayMessageId)).toEqual(['id-1-0', 'id-1-1', 'id-2-0']);
  });

  it("speaks Kannel's sendsms GET through the preset, using the outbox id as the gateway id", async () => {
    peer.reply = (_req, res) => void res.writeHead(202, { 'content-type': 'text/plain' }).end('0: Accepted for delivery');
    const gateway = driver(kannelPreset({ baseUrl: peer.url, username: 'lango', password: 'kannel-pw', from: 'LANGO', dlrUrl: 'http://127.0.0.1/cb/tok/dlr' }));
    expect(await gateway.send([sms(31, '+211912345678', 'مرحبا')])).toEqual([{ status: 'accepted', gatewayMessageId: '31', cost: null }]);
    const seen = peer.seen[0]!;
    expect(seen.method).toBe('GET');
    const query = new URL(seen.url, peer.url).searchParams;
    expect([query.get('username'), query.get('password'), query.get('to'), query.get('text'), query.get('dlr-url')]).toEqual([
      'lango',
      'kannel-pw',
      '+211912345678',
      'مرحبا',
      'http://127.0.0.1/cb/tok/dlr?id=31&status=%d',
    ]);
  });

  it('authenticates with a custom header or a query parameter', async () => {
    await driver({ url: `${peer.url}/send`, auth: 'header', authName: 'X-Api-Key', authSecret: 'hk', fields: { to: '{to}' } }).send([sms(1, '+211912345678')]);
    await driver({ url: `${peer.url}/send?x=1`, auth: 'query', authName: 'apikey', authSecret: 'qk', bodyType: 'none', fields: { to: '{to}' } }).send([sms(1, '+211912345678')]);
    expect(peer.seen[0]!.headers['x-api-key']).toBe('hk');
    const query = new URL(peer.seen[1]!.url, peer.url).searchParams;
    expect([query.get('x'), query.get('apikey'), query.get('to')]).toEqual(['1', 'qk', '+211912345678']);
    expect(peer.seen[1]!.method).toBe('POST');
    expect(peer.seen[1]!.body).toBe('');
  });

  it('retries when a 200 answer does not match the success pattern', async () => {
    peer.reply = (_req, res) => void res.writeHead(200).end('ERR: no credit');
    const results = await driver({ url: `${peer.url}/send`, success: { bodyMatches: '^OK' } }).send([sms(1, '+211912345678')]);
    expect(results).toMatchObject([{ status: 'retry', code: 'REFUSED' }]);
    expect(results[0]!.status === 'retry' && results[0]!.description).toContain('ERR: no credit');
  });

  it('rejects on a status configured as permanent and retries other errors', async () => {
    const gateway = driver({ url: `${peer.url}/send`, rejectStatuses: [400] });
    peer.reply = (_req, res) => void res.writeHead(400).end('invalid number');
    expect(await gateway.send([sms(1, '+211912345678')])).toMatchObject([{ status: 'rejected', code: 'HTTP_400' }]);
    peer.reply = (_req, res) => void res.writeHead(503).end('busy');
    expect(await gateway.send([sms(1, '+211912345678')])).toMatchObject([{ status: 'retry', code: 'HTTP_503' }]);
    peer.reply = (_req, res) => void res.writeHead(401).end('who are you');
    expect(await gateway.send([sms(1, '+211912345678')])).toMatchObject([{ status: 'retry', code: 'AUTH' }]);
  });

  it('reports a gateway that does not answer in time as unknown, and never leaks the secret', async () => {
    peer.reply = () => {}; // never answers
    const results = await driver({ url: `${peer.url}/send`, auth: 'query', authName: 'key', authSecret: 'sec-9931', timeoutMs: 1000 }).send([sms(1, '+211912345678')]);
    expect(results).toMatchObject([{ status: 'unknown' }]);
    expect(JSON.stringify(results)).not.toContain('sec-9931');
  });

  it('rejects a number it cannot write in the national form without calling the gateway', async () => {
    const results = await driver({ url: `${peer.url}/send`, numberFormat: 'national', countryCode: '211' }).send([sms(1, '+254711000001')]);
    expect(results).toMatchObject([{ status: 'rejected', code: 'NUMBER_FORMAT' }]);
    expect(peer.seen).toEqual([]);
  });
});

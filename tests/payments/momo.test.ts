import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMomo, type MomoEmulator } from '../../scripts/emulators/momo.js';
import { momo } from '../../src/payments/providers/momo/index.js';
import type { InitiateRequest, PaymentProvider, ProviderOutcome } from '../../src/payments/provider.js';

// The MoMo client against the MoMo emulator over loopback: the wire contract of payments.md §2,
// in the 'mtnuganda' style (UGX, whole shillings), since the sandbox's EUR has no place in the ledger.

interface Received {
  method: string;
  path: string;
  body: string;
}

let emulator: MomoEmulator;
let listener: Server;
let listenerUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  emulator = await startMomo({ targetEnvironment: 'mtnuganda', currency: 'UGX', callbackHost: '127.0.0.1', slowSuccessMs: 300 });
  listener = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/cb/0123456789abcdef/collection`;
});

afterAll(async () => {
  await emulator.close();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

afterEach(async () => {
  await emulator.callbacksSettled();
  emulator.reset();
  received.length = 0;
});

function client(extra: Record<string, unknown> = {}): PaymentProvider {
  return momo.create(
    momo.configSchema.parse({
      targetEnvironment: emulator.targetEnvironment,
      currency: 'UGX',
      baseUrl: emulator.url,
      apiUser: emulator.apiUser,
      apiKey: emulator.apiKey,
      subscriptionKey: emulator.subscriptionKey,
      ...extra,
    }),
  );
}

function request(msisdn: string, extra: Partial<InitiateRequest> = {}): InitiateRequest {
  return {
    key: randomUUID(),
    amountMinor: 5000,
    currency: 'UGX',
    phone: `+${msisdn}`,
    accountReference: 'ACC-1042',
    description: "Lango's internet 7 days",
    callbackUrl: listenerUrl,
    ...extra,
  };
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('MoMo request to pay against the emulator', () => {
  it('is accepted with the attempt key as reference, then succeeds with the receipt on query', async () => {
    const momoClient = client();
    const req = request('256772123456');
    expect(await momoClient.initiate(req)).toEqual({ kind: 'accepted', providerRef: req.key });

    const sent = emulator.requests.find((r) => r.path === '/collection/v1_0/requesttopay')!;
    expect(sent.headers['x-reference-id']).toBe(req.key);
    expect(sent.headers['x-callback-url']).toBe(listenerUrl);
    expect(sent.headers['x-target-environment']).toBe('mtnuganda');
    expect(JSON.parse(sent.body)).toEqual({
      amount: '5000',
      currency: 'UGX',
      externalId: req.key,
      payer: { partyIdType: 'MSISDN', partyId: '256772123456' },
      payerMessage: 'Langos internet 7 days',
      payeeNote: 'ACC-1042',
    });

    const outcome = await momoClient.query(req.key, req.key);
    expect(outcome).toMatchObject({ status: 'succeeded', amountMinor: 5000, currency: 'UGX', phone: '+256772123456', code: 'SUCCESSFUL' });
    expect(outcome.status === 'succeeded' && outcome.receipt).toMatch(/^\d+$/);
    expect(outcome.status === 'succeeded' && outcome.receipt).toBe(emulator.payment(req.key)?.financialTransactionId);
  });

  it('receives the callback once by PUT and reads it as an untrusted hint about the attempt', async () => {
    const momoClient = client();
    const req = request('256772123457');
    await momoClient.initiate(req);
    await emulator.callbacksSettled();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', path: '/cb/0123456789abcdef/collection' });
    expect(emulator.callbacksSent).toMatchObject([{ method: 'PUT', status: 200 }]);

    const route = momoClient.callbacks[0]!;
    expect(route.methods).toContain('PUT');
    const meaning = route.parse(JSON.parse(received[0]!.body));
    expect(meaning).toMatchObject({ kind: 'attempt', providerRef: req.key, trusted: false, outcome: { status: 'succeeded', amountMinor: 5000 } });
    expect(route.dedupeKey(meaning)).toBe(`${req.key}:SUCCESSFUL`);
  });

  it('sends the callback by POST, with the reason as an object, when scripted so', async () => {
    emulator.script('256772000001', { status: 'FAILED', reason: 'NOT_ENOUGH_FUNDS', callbackMethod: 'POST', reasonAsObject: true });
    const momoClient = client();
    const req = request('256772000001');
    await momoClient.initiate(req);
    await emulator.callbacksSettled();
    expect(received[0]?.method).toBe('POST');
    expect(JSON.parse(received[0]!.body).reason).toEqual({ code: 'NOT_ENOUGH_FUNDS', message: expect.any(String) });
    const meaning = momoClient.callbacks[0]!.parse(JSON.parse(received[0]!.body));
    expect(meaning).toMatchObject({ providerRef: req.key, outcome: { status: 'failed', code: 'NOT_ENOUGH_FUNDS', retryable: true } });
    expect(await momoClient.query(req.key, req.key)).toMatchObject({ status: 'failed', code: 'NOT_ENOUGH_FUNDS' });
  });

  it('sends no callback when it is dropped, and the status query still tells the outcome', async () => {
    emulator.script('256772000002', { status: 'SUCCESSFUL', dropCallback: true });
    const momoClient = client();
    const req = request('256772000002');
    expect(await momoClient.initiate(req)).toMatchObject({ kind: 'accepted' });
    await emulator.callbacksSettled();
    expect(received).toEqual([]);
    expect(await momoClient.query(req.key, req.key)).toMatchObject({ status: 'succeeded' });
  });

  it('follows the 2026 sandbox numbers: failed, declined, timed out, stuck, and slow success', async () => {
    const momoClient = client();
    const expected: Array<[string, Partial<ProviderOutcome>]> = [
      ['46733123450', { status: 'failed' }],
      ['46733123451', { status: 'cancelled' }],
      ['46733123452', { status: 'expired' }],
      ['46733123453', { status: 'pending' }],
    ];
    for (const [msisdn, outcome] of expected) {
      const req = request(msisdn);
      expect(await momoClient.initiate(req)).toMatchObject({ kind: 'accepted' });
      expect(await momoClient.query(req.key, req.key), msisdn).toMatchObject(outcome);
    }

    const slow = request('46733123454');
    await momoClient.initiate(slow);
    expect(await momoClient.query(slow.key, slow.key)).toMatchObject({ status: 'pending', code: 'CREATED' });
    const later = await until(() => momoClient.query(slow.key, slow.key), (o) => o.status !== 'pending');
    expect(later).toMatchObject({ status: 'succeeded' });
  });

  it('treats a second request with the same key as accepted and creates no second payment', async () => {
    const momoClient = client();
    const req = request('256772123458');
    expect(await momoClient.initiate(req)).toMatchObject({ kind: 'accepted' });
    expect(await momoClient.initiate(req)).toEqual({ kind: 'accepted', providerRef: req.key });
    const posts = emulator.requests.filter((r) => r.path === '/collection/v1_0/requesttopay');
    expect(posts).toHaveLength(2);
    await emulator.callbacksSettled();
    expect(received).toHaveLength(1);
  });

  it('rejects a request in a currency the environment does not take', async () => {
    const eur = await startMomo({ targetEnvironment: 'sandbox' });
    try {
      const momoClient = momo.create(
        momo.configSchema.parse({ targetEnvironment: 'sandbox', currency: 'UGX', baseUrl: eur.url, apiUser: eur.apiUser, apiKey: eur.apiKey, subscriptionKey: eur.subscriptionKey }),
      );
      expect(await momoClient.initiate(request('256772123456'))).toMatchObject({ kind: 'rejected', code: 'INVALID_CURRENCY', retryable: false });
    } finally {
      await eur.close();
    }
  });

  it('rejects a callback URL whose host is not the registered one', async () => {
    const req = request('256772123456', { callbackUrl: 'http://cb.example.net/cb/x/collection' });
    expect(await client().initiate(req)).toMatchObject({ kind: 'rejected', code: 'INVALID_CALLBACK_URL_HOST' });
  });

  it('sends no callback header when the attempt has no callback URL', async () => {
    const req = request('256772123456', { callbackUrl: '' });
    expect(await client().initiate(req)).toMatchObject({ kind: 'accepted' });
    expect(emulator.requests.find((r) => r.path === '/collection/v1_0/requesttopay')?.headers).not.toHaveProperty('x-callback-url');
  });
});

describe('MoMo when the answer is unclear', () => {
  it('reports a 500 as unknown; the query then says NOT_FOUND and the same key may be sent again', async () => {
    emulator.fault({ route: 'requesttopay', status: 500 });
    const momoClient = client();
    const req = request('256772123456');
    expect(await momoClient.initiate(req)).toMatchObject({ kind: 'unknown', providerRef: req.key });
    const lost = await momoClient.query(req.key, req.key);
    expect(lost).toMatchObject({ status: 'failed', code: 'NOT_FOUND' });
    expect(lost.status === 'failed' && lost.description).toMatch(/never reached MoMo/);
    expect(await momoClient.initiate(req)).toEqual({ kind: 'accepted', providerRef: req.key });
    expect(await momoClient.query(req.key, req.key)).toMatchObject({ status: 'succeeded' });
  });

  it('reports a timeout as unknown; when the request got through, sending it again is accepted by its 409', async () => {
    emulator.fault({ route: 'requesttopay', hang: true, afterProcessing: true });
    const momoClient = client({ timeoutMs: 1000 });
    const req = request('256772123456');
    const result = await momoClient.initiate(req);
    expect(result).toMatchObject({ kind: 'unknown', providerRef: req.key });
    expect(result.kind === 'unknown' && result.description).toMatch(/did not answer within 1000 ms/);
    expect(await momoClient.query(req.key, req.key)).toMatchObject({ status: 'succeeded' });
    expect(await momoClient.initiate(req)).toEqual({ kind: 'accepted', providerRef: req.key });
    expect(emulator.requests.filter((r) => r.path === '/collection/v1_0/requesttopay')).toHaveLength(2);
  });

  it('reports a status query MoMo cannot answer as unknown', async () => {
    const momoClient = client({ timeoutMs: 1000 });
    const req = request('256772123456');
    await momoClient.initiate(req);
    emulator.fault({ route: 'status', status: 503 });
    expect(await momoClient.query(req.key, req.key)).toMatchObject({ status: 'unknown' });
    emulator.fault({ route: 'status', hang: true });
    expect(await momoClient.query(req.key, req.key)).toMatchObject({ status: 'unknown' });
    expect(await momoClient.query(req.key, req.key)).toMatchObject({ status: 'succeeded' });
  });

  it('reports an unreachable MoMo as unknown without throwing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const momoClient = client({ baseUrl: `http://127.0.0.1:${port}` });
    const req = request('256772123456');
    expect(await momoClient.query(req.key, req.key)).toMatchObject({ status: 'unknown' });
  });
});

describe('MoMo tokens', () => {
  it('fetches one token for concurrent requests and reuses it', async () => {
    const momoClient = client();
    await Promise.all([momoClient.initiate(request('256772123456')), momoClient.initiate(request('256772123456')), momoClient.initiate(request('256772123456'))]);
    await momoClient.initiate(request('256772123456'));
    expect(emulator.requests.filter((r) => r.path === '/collection/token/')).toHaveLength(1);
  });

  it('fetches a new token and retries once when MoMo answers 401', async () => {
    const momoClient = client();
    await momoClient.initiate(request('256772123456'));
    emulator.expireTokens();
    const req = request('256772123456');
    expect(await momoClient.initiate(req)).toMatchObject({ kind: 'accepted' });
    expect(emulator.requests.filter((r) => r.path === '/collection/token/')).toHaveLength(2);
    expect(emulator.payment(req.key)).toBeDefined();
  });

  it('refreshes the token before it expires by the injected clock', async () => {
    let now = 0;
    const config = momo.configSchema.parse({ targetEnvironment: 'mtnuganda', currency: 'UGX', baseUrl: emulator.url, apiUser: emulator.apiUser, apiKey: emulator.apiKey, subscriptionKey: emulator.subscriptionKey });
    const momoClient = momo.create(config, { now: () => now });
    await momoClient.initiate(request('256772123456'));
    now = 56 * 60_000;
    await momoClient.initiate(request('256772123456'));
    expect(emulator.requests.filter((r) => r.path === '/collection/token/')).toHaveLength(2);
  });

  it('sends the token request with Basic credentials, the subscription key and no body', async () => {
    await client().initiate(request('256772123456'));
    const token = emulator.requests.find((r) => r.path === '/collection/token/')!;
    expect(token.body).toBe('');
    expect(token.headers['authorization']).toBe(`Basic ${Buffer.from(`${emulator.apiUser}:${emulator.apiKey}`).toString('base64')}`);
    expect(token.headers['ocp-apim-subscription-key']).toBe(emulator.subscriptionKey);
  });

  it('rejects with AUTH on a wrong API key and never puts a secret in the description', async () => {
    const wrongKey = 'wrong-key-5f2b9a';
    const result = await client({ apiKey: wrongKey }).initiate(request('256772123456'));
    expect(result).toMatchObject({ kind: 'rejected', code: 'AUTH', retryable: false });
    const text = JSON.stringify(result);
    for (const secret of [wrongKey, emulator.subscriptionKey, emulator.apiKey]) expect(text).not.toContain(secret);
    expect(emulator.requests.filter((r) => r.path === '/collection/v1_0/requesttopay')).toHaveLength(0);
  });

  it('rejects with AUTH on a wrong subscription key', async () => {
    const result = await client({ subscriptionKey: 'not-the-key' }).initiate(request('256772123456'));
    expect(result).toMatchObject({ kind: 'rejected', code: 'AUTH' });
    expect(JSON.stringify(result)).not.toContain('not-the-key');
  });
});

describe('MoMo emulator contract', () => {
  const subscription = () => ({ 'Ocp-Apim-Subscription-Key': emulator.subscriptionKey });

  it('provisions an API user once (201, then 409), shows it and issues a key that gets a token', async () => {
    const id = randomUUID();
    const create = () =>
      fetch(`${emulator.url}/v1_0/apiuser`, { method: 'POST', headers: { ...subscription(), 'X-Reference-Id': id, 'Content-Type': 'application/json' }, body: JSON.stringify({ providerCallbackHost: '127.0.0.1' }) });
    const first = await create();
    expect(first.status).toBe(201);
    expect(await first.text()).toBe('');
    expect((await create()).status).toBe(409);
    const shown = await fetch(`${emulator.url}/v1_0/apiuser/${id}`, { headers: subscription() });
    expect(await shown.json()).toEqual({ providerCallbackHost: '127.0.0.1', targetEnvironment: 'mtnuganda' });
    const keyed = await fetch(`${emulator.url}/v1_0/apiuser/${id}/apikey`, { method: 'POST', headers: subscription() });
    expect(keyed.status).toBe(201);
    const { apiKey } = (await keyed.json()) as { apiKey: string };

    const provisioned = client({ apiUser: id, apiKey });
    expect(await provisioned.initiate(request('256772123456'))).toMatchObject({ kind: 'accepted' });
  });

  it('refuses a token request that carries a body', async () => {
    const response = await fetch(`${emulator.url}/collection/token/`, {
      method: 'POST',
      headers: { ...subscription(), Authorization: `Basic ${Buffer.from(`${emulator.apiUser}:${emulator.apiKey}`).toString('base64')}` },
      body: '{}',
    });
    expect(response.status).toBe(400);
  });

  it('validates a request to pay: v4 reference, string amount, digits-only payer, notes without apostrophes', async () => {
    const tokenResponse = await fetch(`${emulator.url}/collection/token/`, {
      method: 'POST',
      headers: { ...subscription(), Authorization: `Basic ${Buffer.from(`${emulator.apiUser}:${emulator.apiKey}`).toString('base64')}` },
    });
    const { access_token, expires_in } = (await tokenResponse.json()) as { access_token: string; expires_in: unknown };
    expect(typeof expires_in).toBe('number');
    const good = { amount: '500', currency: 'UGX', externalId: 'x', payer: { partyIdType: 'MSISDN', partyId: '256772123456' }, payerMessage: 'ok', payeeNote: 'ok' };
    const post = (body: unknown, reference: string = randomUUID()) =>
      fetch(`${emulator.url}/collection/v1_0/requesttopay`, {
        method: 'POST',
        headers: { ...subscription(), Authorization: `Bearer ${access_token}`, 'X-Reference-Id': reference, 'X-Target-Environment': 'mtnuganda', 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(good, 'not-a-uuid')).status).toBe(400);
    expect((await post(good, '0f8b6c1e-9d2a-1c1b-8a4e-2f1d3c5b7a90')).status).toBe(400); // v1, not v4
    expect((await post({ ...good, amount: 500 })).status).toBe(400);
    expect((await post({ ...good, amount: '500.50' })).status).toBe(400);
    expect((await post({ ...good, payer: { partyIdType: 'MSISDN', partyId: '+256772123456' } })).status).toBe(400);
    expect((await post({ ...good, payerMessage: "Lango's" })).status).toBe(400);
    expect((await post({ ...good, payeeNote: 'x'.repeat(161) })).status).toBe(400);
    const conflict = randomUUID();
    expect((await post(good, conflict)).status).toBe(202);
    const again = await post(good, conflict);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'RESOURCE_ALREADY_EXIST' });
  });

  it('answers the status of an unknown reference with 404', async () => {
    const momoClient = client();
    const key = randomUUID();
    expect(await momoClient.query(key, key)).toMatchObject({ status: 'failed', code: 'NOT_FOUND' });
  });

  it('takes scripts over its control endpoint and shows its state', async () => {
    const scripted = await fetch(`${emulator.url}/__emulator/script`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ msisdn: '256772000009', status: 'FAILED', reason: 'PAYER_NOT_FOUND' }),
    });
    expect(scripted.status).toBe(204);
    const req = request('256772000009');
    await client().initiate(req);
    const state = (await (await fetch(`${emulator.url}/__emulator/state`)).json()) as { payments: Array<{ referenceId: string; status: string; reason: string }> };
    expect(state.payments).toMatchObject([{ referenceId: req.key, status: 'FAILED', reason: 'PAYER_NOT_FOUND' }]);
  });
});

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_PASSKEY, startDaraja, type DarajaEmulator, type StkScript } from '../../scripts/emulators/daraja.js';
import type { CallbackMeaning, InitiateRequest, ProviderOutcome } from '../../src/payments/provider.js';
import { mpesa, type MpesaConfig, type MpesaProvider } from '../../src/payments/providers/mpesa/index.js';
import { until } from '../support/peers.js';

// The real M-Pesa client against the Daraja emulator, both over loopback: the emulator POSTs its
// callbacks to a small receiver standing in for Lango's web edge, which feeds them to the
// provider's own callback routes. Delays are tens of milliseconds so the file stays fast.

const SECRET = 'lango-secret';
// Hex path tokens: base64 could spell "exe", "cmd" or "sql", which Daraja refuses in any URL.
const PATH_TOKEN = randomBytes(16).toString('hex');
const KNOWN_ACCOUNTS = new Set(['ACC1042']);

interface Delivery {
  route: string;
  raw: string;
  body: unknown;
  meaning: CallbackMeaning;
  dedupeKey: string;
}

let emulator: DarajaEmulator;
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];
/** Everything the client handed back, checked at the end for leaked secrets. */
const seenByLango: unknown[] = [];

function configFor(overrides: Partial<MpesaConfig> = {}, url = emulator.url): MpesaConfig {
  return mpesa.configSchema.parse({
    baseUrl: url,
    shortcode: '174379',
    consumerKey: 'lango-key',
    consumerSecret: SECRET,
    passkey: SANDBOX_PASSKEY,
    timeoutMs: 2000,
    ...overrides,
  });
}

function providerFor(overrides: Partial<MpesaConfig> = {}, options: { now?: () => number; url?: string } = {}): MpesaProvider {
  return mpesa.create(configFor(overrides, options.url), options.now ? { now: options.now } : {});
}

function payment(phone: string, overrides: Partial<InitiateRequest> = {}): InitiateRequest {
  return {
    key: '0b9d6a3e-5c1f-4e0a-9d1e-2f3a4b5c6d7e',
    amountMinor: 150_000,
    currency: 'KES',
    phone,
    accountReference: 'ACC-1042',
    description: 'Home 10 Mbps',
    callbackUrl: `${receiverUrl}/cb/${PATH_TOKEN}/stk`,
    ...overrides,
  };
}

async function initiate(provider: MpesaProvider, request: InitiateRequest) {
  const result = await provider.initiate(request);
  seenByLango.push(result);
  return result;
}

async function query(provider: MpesaProvider, ref: string): Promise<ProviderOutcome> {
  const outcome = await provider.query(ref, 'key');
  seenByLango.push(outcome);
  return outcome;
}

async function accepted(provider: MpesaProvider, request: InitiateRequest): Promise<string> {
  const result = await initiate(provider, request);
  if (result.kind !== 'accepted') throw new Error(`push not accepted: ${JSON.stringify(result)}`);
  return result.providerRef;
}

/** Everything here happens in this process, so look often and give up soon. */
const waitFor = <T>(find: () => T | undefined, what: string) => until(what, find, 3000, 10);

function stkDeliveries(ref: string): Delivery[] {
  return deliveries.filter((d) => d.meaning.kind === 'attempt' && d.meaning.providerRef === ref);
}

async function stkOutcome(ref: string): Promise<ProviderOutcome> {
  const delivery = await waitFor(() => stkDeliveries(ref)[0], `the callback for ${ref}`);
  if (delivery.meaning.kind !== 'attempt') throw new Error('not an STK callback');
  return delivery.meaning.outcome;
}

function script(msisdn: string, s: StkScript): string {
  emulator.script(msisdn, { delayMs: 30, ...s });
  return `+${msisdn}`;
}

beforeAll(async () => {
  emulator = await startDaraja({ port: 0 });
  // Stands in for Lango's callbacks plugin: /cb/<token>/<route path>; "late/…" never answers.
  const routes = mpesa.create(configFor()).callbacks;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const prefix = `/cb/${PATH_TOKEN}/`;
      const path = req.url?.startsWith(prefix) ? req.url.slice(prefix.length) : undefined;
      if (path?.startsWith('late/')) return;
      const route = routes.find((r) => r.path === path);
      if (!route) return res.writeHead(404).end();
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      let meaning: CallbackMeaning;
      try {
        body = JSON.parse(raw);
        meaning = route.parse(body);
      } catch {
        return res.writeHead(400).end();
      }
      deliveries.push({ route: route.route, raw, body, meaning, dedupeKey: route.dedupeKey(meaning) });
      const accepted = meaning.kind !== 'validation' || KNOWN_ACCOUNTS.has(meaning.accountReference);
      const reply = route.reply({ accepted, ...(accepted && { reference: 'LANGO-PAY-1' }) });
      res.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await emulator?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

beforeEach(() => {
  emulator.reset();
  deliveries.length = 0;
});

describe('M-Pesa client against the Daraja emulator: tokens', () => {
  it('serves several calls, even concurrent ones, with one token', async () => {
    const provider = providerFor();
    const refs = await Promise.all(['254711000001', '254711000002', '254711000003'].map((msisdn) => accepted(provider, payment(`+${msisdn}`))));
    expect(refs).toHaveLength(3);
    await query(provider, refs[0]!);
    expect(emulator.tokensIssued).toBe(1);
  });

  it('fetches a new token a minute before the old one runs out', async () => {
    let shift = 0;
    const provider = providerFor({}, { now: () => Date.now() + shift });
    await accepted(provider, payment('+254711000004'));
    shift = 3545 * 1000;
    await accepted(provider, payment('+254711000005'));
    expect(emulator.tokensIssued).toBe(2);
  });

  it('refreshes once and retries when Daraja says the token has expired', async () => {
    const lines: string[] = [];
    const shortLived = await startDaraja({ tokenTtlSeconds: 1, logger: (line) => lines.push(line) });
    try {
      const frozen = Date.now();
      // The client's clock stands still, so only Daraja's 404.001.03 can tell it the token died.
      const provider = providerFor({}, { now: () => frozen, url: shortLived.url });
      await accepted(provider, payment('+254711000006'));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await accepted(provider, payment('+254711000007'));
      expect(shortLived.tokensIssued).toBe(2);
      expect(shortLived.pushes).toHaveLength(2);
      expect(lines.filter((line) => line.startsWith('POST /mpesa/stkpush/v1/processrequest'))).toEqual([
        'POST /mpesa/stkpush/v1/processrequest → 200',
        'POST /mpesa/stkpush/v1/processrequest → 404',
        'POST /mpesa/stkpush/v1/processrequest → 200',
      ]);
    } finally {
      await shortLived.close();
    }
  });

  it('fails the push without trying it when the consumer secret is wrong, and says so without the secret', async () => {
    const provider = providerFor({ consumerSecret: 'wrong-secret-123' });
    const result = await initiate(provider, payment('+254711000008'));
    expect(result).toMatchObject({ kind: 'rejected', code: 'AUTH_FAILED', retryable: false });
    expect(JSON.stringify(result)).not.toMatch(/wrong-secret-123|bGFuZ28ta2V5Ondyb25n/);
    expect(emulator.pushes).toHaveLength(0);
  });
});

describe('M-Pesa client against the Daraja emulator: STK push', () => {
  it('pays: the push is accepted, the callback arrives and reads as succeeded with receipt, amount and phone', async () => {
    const phone = script('254708374149', { resultCode: 0 });
    const ref = await accepted(providerFor(), payment(phone));
    expect(ref).toMatch(/^ws_CO_\d+$/);
    expect(await stkOutcome(ref)).toEqual({
      status: 'succeeded',
      receipt: expect.stringMatching(/^[A-Z0-9]{10}$/),
      amountMinor: 150_000,
      currency: 'KES',
      phone: '+254708374149',
      code: '0',
      description: 'The service request is processed successfully.',
    });
    // Written 1500.00 on the wire, as in Safaricom's sample.
    expect(stkDeliveries(ref)[0]?.raw).toContain('{"Name":"Amount","Value":1500.00}');
    await waitFor(() => emulator.callbacksSent[0], 'the callback record');
    expect(emulator.callbacksSent[0]).toMatchObject({ kind: 'stk', status: 200, answer: { ResultCode: 0, ResultDesc: 'Accepted' } });
    expect(emulator.pushes[0]?.body).toMatchObject({ AccountReference: 'ACC1042', TransactionDesc: 'Home 10 Mbps', Amount: 1500 });
  });

  it('reads cancelled (1032), timed out (1037) and insufficient funds (1) as the attempt\'s end', async () => {
    const provider = providerFor();
    const cancelled = await accepted(provider, payment(script('254722000001', { resultCode: 1032 })));
    const timedOut = await accepted(provider, payment(script('254722000002', { resultCode: 1037 })));
    const broke = await accepted(provider, payment(script('254722000003', { resultCode: 1 })));
    expect(await stkOutcome(cancelled)).toMatchObject({ status: 'cancelled', code: '1032', description: 'Request cancelled by user' });
    expect(await stkOutcome(timedOut)).toMatchObject({ status: 'expired', code: '1037', retryable: true });
    expect(await stkOutcome(broke)).toMatchObject({ status: 'failed', code: '1', retryable: false });
    for (const ref of [cancelled, timedOut, broke]) expect(stkDeliveries(ref)[0]?.body).not.toHaveProperty('Body.stkCallback.CallbackMetadata');
  });

  it('delivers a callback sent four times as four identical deliveries with one dedupe key', async () => {
    const ref = await accepted(providerFor(), payment(script('254722000004', { duplicates: 3 })));
    await waitFor(() => (stkDeliveries(ref).length === 4 ? true : undefined), 'four deliveries');
    const copies = stkDeliveries(ref);
    expect(new Set(copies.map((d) => d.dedupeKey))).toEqual(new Set([ref]));
    for (const copy of copies) expect(copy.body).toEqual(copies[0]!.body);
  });

  it('finds a payment whose callback never came by query: pending while the prompt is open, then paid without receipt', async () => {
    const provider = providerFor();
    const ref = await accepted(provider, payment(script('254722000005', { drop: true, delayMs: 400 })));
    expect(await query(provider, ref)).toEqual({ status: 'pending', code: '500.001.1001', description: 'The transaction is being processed' });
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await query(provider, ref)).toEqual({ status: 'succeeded', receipt: null, code: '0', description: 'The service request is processed successfully.' });
    expect(stkDeliveries(ref)).toHaveLength(0);
    expect(emulator.callbacksSent).toHaveLength(0);
    // The withheld callback turns up late after all, now with the receipt the query could not give.
    await emulator.resendLastCallback(ref, 1);
    expect(await stkOutcome(ref)).toMatchObject({ status: 'succeeded', receipt: expect.stringMatching(/^[A-Z0-9]{10}$/) });
  });

  it('reads the query\'s string result codes as the callback would', async () => {
    const provider = providerFor();
    const ref = await accepted(provider, payment(script('254722000006', { resultCode: 1032, drop: true, delayMs: 0 })));
    expect(await query(provider, ref)).toMatchObject({ status: 'cancelled', code: '1032' });
  });

  it('parses a callback whose ResultCode is a string and whose Balance has no value', async () => {
    const ref = await accepted(providerFor(), payment(script('254722000007', { stringResultCode: true, balanceWithoutValue: true })));
    expect(await stkOutcome(ref)).toMatchObject({ status: 'succeeded', amountMinor: 150_000 });
    const body = stkDeliveries(ref)[0]!.body as { Body: { stkCallback: { ResultCode: unknown; CallbackMetadata: { Item: unknown[] } } } };
    expect(body.Body.stkCallback.ResultCode).toBe('0');
    expect(body.Body.stkCallback.CallbackMetadata.Item).toContainEqual({ Name: 'Balance' });
  });

  it('reports the amount and phone the callback carries, so the core can spot a mismatch', async () => {
    const ref = await accepted(providerFor(), payment(script('254722000008', { amount: 1, phone: '254799999999' })));
    expect(await stkOutcome(ref)).toMatchObject({ status: 'succeeded', amountMinor: 100, phone: '+254799999999' });
  });

  it('is refused by Daraja when the CallBackURL contains "mpesa", and reports the push rejected for good', async () => {
    const result = await initiate(providerFor(), payment('+254722000009', { callbackUrl: `${receiverUrl}/mpesa/${PATH_TOKEN}/stk` }));
    expect(result).toEqual({ kind: 'rejected', code: '400.002.02', description: 'HTTP 400: 400.002.02 Bad Request - Invalid CallBackURL', retryable: false });
    expect(emulator.pushes).toHaveLength(0);
  });

  it('refuses a number that is not a Kenyan mobile without any HTTP call', async () => {
    const result = await initiate(providerFor(), payment('+211912345678'));
    expect(result).toMatchObject({ kind: 'rejected', code: 'PHONE_NOT_KENYAN_MOBILE', retryable: false });
    expect(emulator.tokensIssued).toBe(0);
    expect(emulator.pushes).toHaveLength(0);
  });

  it('is told to wait when the customer already has a prompt open', async () => {
    const provider = providerFor();
    const phone = script('254722000010', { delayMs: 500 });
    await accepted(provider, payment(phone));
    expect(await initiate(provider, payment(phone))).toMatchObject({ kind: 'rejected', code: '500.001.1001', retryable: true });
  });

  it('is refused with wrong credentials when the passkey is wrong', async () => {
    const result = await initiate(providerFor({ passkey: 'not-the-passkey' }), payment('+254722000011'));
    expect(result).toMatchObject({ kind: 'rejected', code: '500.001.1001', retryable: false });
    expect(JSON.stringify(result)).not.toContain('not-the-passkey');
  });

  it('calls a query that trips Spike Arrest unknown, to be asked again later', async () => {
    const strict = await startDaraja({ queryMinIntervalMs: 1000 });
    try {
      const provider = providerFor({}, { url: strict.url });
      strict.script('254722000014', { drop: true, delayMs: 0 });
      const ref = await accepted(provider, payment('+254722000014'));
      expect(await query(provider, ref)).toMatchObject({ status: 'succeeded' });
      expect(await query(provider, ref)).toEqual({ status: 'unknown', description: 'HTTP 500: 500.003.02 Spike Arrest Violation' });
    } finally {
      await strict.close();
    }
  });

  it('calls a query about an id Daraja does not know unknown, never failed', async () => {
    expect(await query(providerFor(), 'ws_CO_01012026000000000123456')).toMatchObject({ status: 'unknown' });
  });

  it('calls a push Daraja never answers unknown, and fails one whose token never came', async () => {
    // Hands out tokens, then never answers a push: the prompt may or may not be on the phone.
    const silent = createServer((req, res) => {
      if (req.url?.startsWith('/oauth/') && req.headers.authorization?.startsWith('Basic ')) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token":"t0k3n","expires_in":"3599"}');
      }
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const result = await initiate(providerFor({ timeoutMs: 200 }, { url }), payment('+254722000012'));
      expect(result).toEqual({ kind: 'unknown', description: 'no answer from Daraja /mpesa/stkpush/v1/processrequest within 200 ms' });
      expect(await query(providerFor({ timeoutMs: 200 }, { url }), 'ws_CO_1')).toMatchObject({ status: 'unknown' });
      // Here the token call is what hangs: nothing was pushed, so the attempt may fail at once.
      const noToken = await initiate(providerFor({ timeoutMs: 200 }, { url: `${url}/hang` }), payment('+254722000012'));
      expect(noToken).toMatchObject({ kind: 'rejected', code: 'TOKEN_UNAVAILABLE', retryable: true });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('takes scripts and shows its state through the control endpoints', async () => {
    const scripted = await fetch(`${emulator.url}/__emulator/script`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ msisdn: '254722000013', resultCode: 2001, delayMs: 20 }),
    });
    expect(scripted.status).toBe(200);
    const ref = await accepted(providerFor(), payment('+254722000013'));
    expect(await stkOutcome(ref)).toMatchObject({ status: 'failed', code: '2001', retryable: true });
    const state = (await (await fetch(`${emulator.url}/__emulator/state`)).json()) as { pushes: Array<{ checkoutRequestId: string; body: object }> };
    expect(state.pushes.map((p) => p.checkoutRequestId)).toEqual([ref]);
    expect(state.pushes[0]!.body).not.toHaveProperty('Password');
  });
});

describe('M-Pesa client against the Daraja emulator: C2B', () => {
  const urls = () => ({ confirmationUrl: `${receiverUrl}/cb/${PATH_TOKEN}/c2b/confirm`, validationUrl: `${receiverUrl}/cb/${PATH_TOKEN}/c2b/validate` });

  it('registers its URLs, and the sandbox lets it register again', async () => {
    const provider = providerFor();
    expect(await provider.registerC2bUrls({ ...urls(), version: 2 })).toEqual({ ok: true });
    expect(await provider.registerC2bUrls({ ...urls(), version: 1 })).toEqual({ ok: true });
    expect(emulator.registrations).toEqual([{ shortCode: '174379', version: 1, responseType: 'Completed', ...urls() }]);
  });

  it('registers only once in production, as Daraja allows', async () => {
    const production = await startDaraja({ productionRegistration: true });
    try {
      const provider = providerFor({}, { url: production.url });
      expect(await provider.registerC2bUrls({ ...urls(), version: 2 })).toEqual({ ok: true });
      expect(await provider.registerC2bUrls({ ...urls(), version: 2 })).toEqual({ ok: false, code: '500.003.1001', description: 'Urls are already registered' });
    } finally {
      await production.close();
    }
  });

  it('is refused when a URL contains a word Daraja forbids', async () => {
    const result = await providerFor().registerC2bUrls({ ...urls(), validationUrl: `${receiverUrl}/cb/${PATH_TOKEN}/safaricom/validate`, version: 2 });
    expect(result).toEqual({ ok: false, code: '400.002.02', description: 'Bad Request - Invalid ValidationURL' });
  });

  it('rejects a payment to an unknown account at validation, and no confirmation follows', async () => {
    await providerFor().registerC2bUrls({ ...urls(), version: 2 });
    const result = await emulator.simulateC2B({ amount: 250, billRef: 'nope 99' });
    expect(result).toMatchObject({ validation: 'rejected', resultCode: 'C2B00012', confirmed: false });
    expect(deliveries.map((d) => d.meaning)).toEqual([{ kind: 'validation', receipt: result.transId, accountReference: 'NOPE99', amountMinor: 25_000, currency: 'KES' }]);
  });

  it('accepts a payment to a known account and reads the confirmation as money received', async () => {
    await providerFor().registerC2bUrls({ ...urls(), version: 2 });
    const result = await emulator.simulateC2B({ amount: '250', billRef: ' acc 1042', msisdn: '254708374126', firstName: 'NICHOLAS', lastName: 'OTIENO' });
    expect(result).toEqual({ transId: expect.stringMatching(/^[A-Z0-9]{10}$/), validation: 'accepted', confirmed: true });
    const confirmation = deliveries.find((d) => d.route === 'c2b-confirmation');
    expect(confirmation?.meaning).toEqual({
      kind: 'unsolicited',
      receipt: result.transId,
      accountReference: 'ACC1042',
      amountMinor: 25_000,
      currency: 'KES',
      payerName: 'NICHOLAS OTIENO',
      paidAt: expect.any(Number),
    });
    expect(confirmation?.dedupeKey).toBe(result.transId);
    expect(confirmation?.body).toMatchObject({ TransAmount: '250.00', MSISDN: '2547 ***** 126', ThirdPartyTransID: 'LANGO-PAY-1', OrgAccountBalance: '250.00' });
    expect(Math.abs((confirmation?.meaning as { paidAt: number }).paidAt - Date.now())).toBeLessThan(5000);
  });

  it('lets a payment through when validation is late under Completed, and stops it under Cancelled', async () => {
    const impatient = await startDaraja({ validationTimeoutMs: 150 });
    try {
      const late = { confirmationUrl: urls().confirmationUrl, validationUrl: `${receiverUrl}/cb/${PATH_TOKEN}/late/c2b/validate` };
      await providerFor({ c2bResponseType: 'Completed' }, { url: impatient.url }).registerC2bUrls({ ...late, version: 1 });
      expect(await impatient.simulateC2B({ amount: 100, billRef: 'ACC1042' })).toMatchObject({ validation: 'timeout', confirmed: true });
      expect(deliveries.find((d) => d.route === 'c2b-confirmation')?.body).toMatchObject({ MSISDN: expect.stringMatching(/^[0-9a-f]{64}$/) });
      await providerFor({ c2bResponseType: 'Cancelled' }, { url: impatient.url }).registerC2bUrls({ ...late, version: 1 });
      expect(await impatient.simulateC2B({ amount: 100, billRef: 'ACC1042' })).toMatchObject({ validation: 'timeout', confirmed: false });
    } finally {
      await impatient.close();
    }
  });
});

describe('M-Pesa client secrecy', () => {
  it('never hands back the consumer secret, the passkey or the password in any result', () => {
    expect(seenByLango.length).toBeGreaterThan(10);
    const text = JSON.stringify(seenByLango);
    for (const secret of [SECRET, SANDBOX_PASSKEY, Buffer.from(`174379${SANDBOX_PASSKEY}`).toString('base64').slice(0, 40)]) {
      expect(text).not.toContain(secret);
    }
  });
});

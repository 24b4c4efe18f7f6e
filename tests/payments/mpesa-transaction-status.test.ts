import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_PASSKEY, startDaraja, type DarajaEmulator } from '../../scripts/emulators/daraja.js';
import type { CallbackMeaning, ReceiptLookupUrls } from '../../src/payments/provider.js';
import { mpesa, type MpesaConfig, type MpesaProvider } from '../../src/payments/providers/mpesa/index.js';
import { until } from '../support/peers.js';

// Daraja's Transaction Status between the real M-Pesa client and the emulator, over loopback:
// the client asks about a receipt, the emulator acknowledges, then POSTs the Result envelope to
// ResultURL, where a small receiver stands in for Lango's callback edge and reads it with the
// provider's own route. Receipts the emulator issued (a push whose callback it dropped, a paybill
// payment) are found with payer and amount; others come back "not found".

const PATH_TOKEN = randomBytes(16).toString('hex');
const CREDENTIAL = 'sealed-initiator-credential';

interface Delivery {
  route: string;
  meaning: CallbackMeaning;
}

let emulator: DarajaEmulator;
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];

function providerFor(overrides: Partial<MpesaConfig> = {}): MpesaProvider {
  return mpesa.create(
    mpesa.configSchema.parse({ baseUrl: emulator.url, shortcode: '174379', consumerKey: 'lango-key', consumerSecret: 'lango-secret', passkey: SANDBOX_PASSKEY, initiatorName: 'testapi', securityCredential: CREDENTIAL, timeoutMs: 2000, ...overrides }),
  );
}

const urls = (): ReceiptLookupUrls => ({ result: `${receiverUrl}/cb/${PATH_TOKEN}/status/result`, timeout: `${receiverUrl}/cb/${PATH_TOKEN}/status/timeout` });

async function answerTo(conversationId: string | null): Promise<Extract<CallbackMeaning, { kind: 'receipt' }>> {
  const delivery = await until(
    `the Transaction Status result for ${conversationId}`,
    () => deliveries.find((d) => d.meaning.kind === 'receipt' && d.meaning.conversationId === conversationId),
    3000,
    10,
  );
  if (delivery.meaning.kind !== 'receipt') throw new Error('not a receipt answer');
  return delivery.meaning;
}

async function ask(provider: MpesaProvider, receipt: string) {
  const ack = await provider.lookupReceipt!(receipt, urls());
  if (ack.kind !== 'accepted') throw new Error(`lookup not accepted: ${JSON.stringify(ack)}`);
  return { ack, answer: await answerTo(ack.conversationId) };
}

beforeAll(async () => {
  emulator = await startDaraja({ port: 0, securityCredential: CREDENTIAL, statusResultDelayMs: 20 });
  const routes = providerFor().callbacks;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const prefix = `/cb/${PATH_TOKEN}/`;
      const path = req.url?.startsWith(prefix) ? req.url.slice(prefix.length) : undefined;
      const route = routes.find((r) => r.path === path);
      if (!route) return res.writeHead(404).end();
      let meaning: CallbackMeaning;
      try {
        meaning = route.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        return res.writeHead(400).end();
      }
      deliveries.push({ route: route.route, meaning });
      const reply = route.reply({ accepted: true });
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

describe('Daraja Transaction Status against the emulator', () => {
  it('finds the receipt of a push whose callback was dropped, with the payer and the amount, at the ResultURL', async () => {
    emulator.script('254708374149', { drop: true, delayMs: 10 });
    const push = await providerFor().initiate({ key: 'k', amountMinor: 2000, currency: 'KES', phone: '+254708374149', accountReference: 'WIFI', description: '1 Hour', callbackUrl: `${receiverUrl}/cb/${PATH_TOKEN}/stk` });
    expect(push.kind).toBe('accepted');
    const pushed = emulator.pushes.at(-1)!;
    const receipt = (pushed.callback as { Body: { stkCallback: { CallbackMetadata: { Item: Array<{ Name: string; Value?: unknown }> } } } }).Body.stkCallback.CallbackMetadata.Item.find((i) => i.Name === 'MpesaReceiptNumber')!.Value as string;
    await until('the prompt to be answered', () => (Date.now() >= pushed.outcomeAt ? true : undefined), 3000, 10);
    expect(deliveries.filter((d) => d.route === 'stk')).toEqual([]);

    const { ack, answer } = await ask(providerFor(), receipt);
    expect(ack.conversationId).toMatch(/^AG_\d{8}_/);
    expect(answer).toMatchObject({ originatorConversationId: ack.originatorConversationId, result: { outcome: 'completed', receipt, amountMinor: 2000, currency: 'KES', phone: '+254708374149' } });
    expect(emulator.statusQueries.at(-1)).toMatchObject({ receipt, resultCode: 0, resultUrl: urls().result, timeoutUrl: urls().timeout });
  });

  it('finds a paybill payment by its TransID', async () => {
    // No URLs registered: the payment completes and nobody is told, but M-Pesa knows it.
    const paid = await emulator.simulateC2B({ amount: 50, billRef: 'ACC1042', msisdn: '254708374150' });
    const { answer } = await ask(providerFor(), paid.transId);
    expect(answer.result).toMatchObject({ outcome: 'completed', receipt: paid.transId, amountMinor: 5000, phone: '+254708374150' });
  });

  it('answers "not found" for a receipt it never issued', async () => {
    const { answer } = await ask(providerFor(), 'TZZ0000000');
    expect(answer.result).toMatchObject({ outcome: 'not-found', code: '1' });
  });

  it('answers 2001 for an initiator credential it does not accept, which reads as no answer rather than not found', async () => {
    const { answer } = await ask(providerFor({ securityCredential: 'wrong' }), 'TZZ0000001');
    expect(answer.result).toMatchObject({ outcome: 'failed', code: '2001' });
  });

  it('refuses a malformed question at once, as Daraja does, and the client reads it as refused', async () => {
    const ack = await providerFor().lookupReceipt!('SHORT', urls());
    expect(ack).toMatchObject({ kind: 'refused', description: expect.stringContaining('Invalid TransactionID') });
    const forbidden = await providerFor().lookupReceipt!('TZZ0000002', { ...urls(), result: `${receiverUrl}/mpesa/result` });
    expect(forbidden).toMatchObject({ kind: 'refused', description: expect.stringContaining('Invalid ResultURL') });
    expect(emulator.statusQueries).toEqual([]);
  });

  it('offers no receipt lookup without the initiator credentials', () => {
    expect(providerFor({ initiatorName: undefined, securityCredential: undefined }).lookupReceipt).toBeUndefined();
  });
});

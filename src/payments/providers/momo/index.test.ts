import { describe, expect, it } from 'vitest';
import { momo } from './index.js';

const settings = { targetEnvironment: 'mtnuganda', currency: 'UGX', apiUser: 'c72025f5-5cd1-4630-99e4-8ba4722fad56', apiKey: 'k', subscriptionKey: 's' };

function provider(extra: Record<string, unknown> = {}) {
  return momo.create(momo.configSchema.parse({ ...settings, ...extra }));
}

describe('MoMo provider module', () => {
  it('keeps the API key and the subscription key sealed', () => {
    expect(momo.name).toBe('momo');
    expect([...momo.secretFields].sort()).toEqual(['apiKey', 'subscriptionKey']);
  });

  it('defaults to the sandbox host, or the production proxy when asked', () => {
    expect(momo.configSchema.parse(settings)).toMatchObject({ baseUrl: 'https://sandbox.momodeveloper.mtn.com', timeoutMs: 10_000, queryAfterMs: 60_000, giveUpAfterMs: 600_000 });
    expect(momo.configSchema.parse({ ...settings, environment: 'production' })).toMatchObject({ baseUrl: 'https://proxy.momoapi.mtn.com' });
  });

  it('refuses EUR, which the ledger cannot hold, with a hint', () => {
    const result = momo.configSchema.safeParse({ ...settings, targetEnvironment: 'sandbox', currency: 'EUR' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('mtnuganda');
  });

  it('takes one currency in whole units: steps of 1 for UGX and 100 for KES', () => {
    expect(provider()).toMatchObject({ name: 'momo', currencies: ['UGX'], amountStepMinor: 1 });
    expect(provider({ currency: 'KES', targetEnvironment: 'mtnkenya' })).toMatchObject({ currencies: ['KES'], amountStepMinor: 100 });
  });

  it('rejects before any call an amount, currency, phone or key MoMo would refuse', async () => {
    const kes = provider({ currency: 'KES' });
    const request = { key: '0f8b6c1e-9d2a-4c1b-8a4e-2f1d3c5b7a90', amountMinor: 1550, currency: 'KES' as const, phone: '+254712345678', accountReference: 'A1', description: 'Internet', callbackUrl: '' };
    expect(await kes.initiate(request)).toMatchObject({ kind: 'rejected', code: 'AMOUNT_STEP', retryable: false });
    expect(await kes.initiate({ ...request, amountMinor: 1500, currency: 'UGX' })).toMatchObject({ kind: 'rejected', code: 'CURRENCY' });
    expect(await kes.initiate({ ...request, amountMinor: 1500, phone: '0712345678' })).toMatchObject({ kind: 'rejected', code: 'BAD_PHONE' });
    expect(await kes.initiate({ ...request, amountMinor: 1500, key: '01JD2Q7X' })).toMatchObject({ kind: 'rejected', code: 'BAD_KEY' });
  });
});

describe('MoMo callback route', () => {
  const [route] = provider().callbacks;

  it('serves one path without the provider name, by PUT and POST', () => {
    expect(route).toMatchObject({ path: 'collection', route: 'collection', methods: ['PUT', 'POST'] });
    expect(route!.path).not.toMatch(/momo|mtn/i);
  });

  it('finds the attempt by externalId and marks the callback as a hint to confirm', () => {
    const meaning = route!.parse({
      financialTransactionId: '23503452',
      externalId: '0f8b6c1e-9d2a-4c1b-8a4e-2f1d3c5b7a90',
      amount: '1500',
      currency: 'UGX',
      payer: { partyIdType: 'MSISDN', partyId: '256772123456' },
      status: 'SUCCESSFUL',
    });
    expect(meaning).toMatchObject({ kind: 'attempt', providerRef: '0f8b6c1e-9d2a-4c1b-8a4e-2f1d3c5b7a90', trusted: false, outcome: { status: 'succeeded', receipt: '23503452' } });
    expect(route!.dedupeKey(meaning)).toBe('0f8b6c1e-9d2a-4c1b-8a4e-2f1d3c5b7a90:SUCCESSFUL');
  });

  it('gives a failure and a success of the same payment different dedupe keys', () => {
    const failed = route!.parse(JSON.stringify({ externalId: 'ref-1', status: 'FAILED', reason: 'APPROVAL_REJECTED' }));
    expect(failed).toMatchObject({ outcome: { status: 'cancelled' } });
    expect(route!.dedupeKey(failed)).toBe('ref-1:FAILED');
    expect(route!.dedupeKey({ ...failed })).toBe('ref-1:FAILED');
  });

  it('throws on a body that is not a MoMo status object', () => {
    expect(() => route!.parse({ hello: 'world' })).toThrow();
    expect(() => route!.parse({ status: 'SUCCESSFUL' })).toThrow(/externalId/);
    expect(() => route!.parse('not json')).toThrow();
  });

  it('answers 200 with an empty object', () => {
    expect(route!.reply({ accepted: true })).toEqual({ status: 200, body: {} });
  });
});

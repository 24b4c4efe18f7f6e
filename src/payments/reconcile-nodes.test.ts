import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openTwoNodes, type TwoNodes } from '../jobs/test-fixtures.js';
import { claimQuery, createAttempt, findAttempt, recordProviderRef } from './attempts.js';
import type { PaymentProvider, ProviderOutcome } from './provider.js';
import { reconcilePayments } from './reconcile.js';
import type { ProviderRegistry } from './registry.js';

// STK/MoMo polling by two daemons sharing one database: each open attempt is asked about by one.

const box = createSecretBox(Buffer.alloc(32, 3));
let nodes: TwoNodes;

beforeEach(() => {
  nodes = openTwoNodes();
});
afterEach(() => nodes.close());

function waitingAttempt(now: number) {
  const attempt = createAttempt(nodes.a.db, { key: crypto.randomUUID(), provider: 'mpesa', purpose: 'wallet', customerId: null, amountMinor: 50000, currency: 'KES', phone: '+254712345678', actor: 'test', now });
  recordProviderRef(nodes.a.db, attempt.id, `ws_CO_${attempt.id}`, now, now);
  return attempt.id;
}

describe('payment status queries from two nodes', () => {
  it('asks the provider once when both nodes reconcile at the same moment', async () => {
    const now = Date.now();
    const id = waitingAttempt(now - 60_000);
    const query = vi.fn(async (): Promise<ProviderOutcome> => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { status: 'pending', code: '500.001.1001', description: 'still processing' };
    });
    const provider = { name: 'mpesa', giveUpAfterMs: 3_600_000, callbacks: [], query } as unknown as PaymentProvider;
    const providers = { get: () => provider, configured: () => [] } as unknown as ProviderRegistry;
    const options = { now: Date.now, zone: 'Africa/Nairobi', logger: pino({ level: 'silent' }), callbackUrl: () => 'https://example.test/cb', box };

    const [a, b] = await Promise.all([reconcilePayments(nodes.a.db, providers, options), reconcilePayments(nodes.b.db, providers, options)]);

    expect(query).toHaveBeenCalledTimes(1);
    expect(a.asked + b.asked).toBe(1);
    expect(findAttempt(nodes.b.db, id)).toMatchObject({ status: 'pending', queries: 1 });
  });

  it('takes an attempt only if no other node moved it since it was read', () => {
    const now = Date.now();
    const id = waitingAttempt(now);
    const due = findAttempt(nodes.a.db, id)!;
    expect(claimQuery(nodes.a.db, due, now + 120_000)).toBe(true);
    expect(claimQuery(nodes.b.db, due, now + 120_000)).toBe(false);
    expect(findAttempt(nodes.b.db, id)?.nextQueryAt).toBe(now + 120_000);
  });
});

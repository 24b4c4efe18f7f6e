import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { notify } from '../billing/index.js';
import { attemptsDueForQuery, claimQuery, closeAttempt, countQuery, markAcknowledged, scheduleQuery, unaskableOpenAttempts, type Attempt } from './attempts.js';
import { processCallback } from './callbacks.js';
import { unprocessedCallbacks } from './inbox.js';
import type { PaymentProvider } from './provider.js';
import type { ProviderRegistry } from './registry.js';
import { settleAttempt } from './settle.js';

export interface ReconcileResult {
  asked: number;
  settled: number;
  expired: number;
  reprocessed: number;
}

/** Back-off between status queries: providers rate-limit fast pollers (Daraja's Spike Arrest). */
const QUERY_BACKOFF_MS = [30_000, 60_000, 120_000, 300_000];
const BATCH = 25;
/** How long a node's claim on one attempt holds: a provider query, maybe a resend, each cut off well within it. */
const QUERY_CLAIM_MS = 120_000;

/**
 * Settles what callbacks did not: callbacks stored but not acted on (a crash in between), and
 * open attempts past their provider's wait, by asking the provider. "Still processing" and
 * transport errors stay open and are asked again later with back-off; past the provider's hard
 * limit the attempt expires and is flagged, since a late success is possible.
 */
export async function reconcilePayments(
  db: Db,
  providers: ProviderRegistry,
  options: { now: () => number; zone: string; logger: Logger; callbackUrl: (provider: string) => string; box: SecretBox; signal?: AbortSignal },
): Promise<ReconcileResult> {
  const result: ReconcileResult = { asked: 0, settled: 0, expired: 0, reprocessed: 0 };
  for (const row of unprocessedCallbacks(db)) {
    const provider = safeGet(providers, row.provider, options.logger);
    const route = provider?.callbacks.find((r) => r.route === row.route);
    if (!provider || !route) continue;
    try {
      const meaning = route.parse(JSON.parse(row.body));
      processCallback(db, provider, row, meaning, options.now(), options.zone, options.box);
      result.reprocessed++;
    } catch (err) {
      options.logger.error({ err, inbox: row.id }, 'a stored payment callback could not be processed; it stays for the next pass');
    }
  }

  for (const attempt of attemptsDueForQuery(db, options.now(), BATCH)) {
    if (options.signal?.aborted) break;
    // Another node sharing the database may be asking about it already.
    if (!claimQuery(db, attempt, options.now() + QUERY_CLAIM_MS)) continue;
    const provider = safeGet(providers, attempt.provider, options.logger);
    if (!provider || attempt.providerRef === null) {
      // Nothing to ask (provider no longer set up): out of the way of the others, and given up
      // on by the sweep below like any attempt nobody can ask about.
      scheduleQuery(db, attempt.id, null, options.now());
      continue;
    }
    try {
      result.asked++;
      const outcome = await provider.query(attempt.providerRef, attempt.key, options.signal);
      const now = options.now();
      if (outcome.status === 'pending' || outcome.status === 'unknown') {
        if (now - attempt.createdAt >= provider.giveUpAfterMs) {
          result.expired += giveUp(db, attempt, now, outcome.status === 'pending' ? 'still pending at the provider' : `provider unreachable: ${outcome.description}`);
        } else {
          countQuery(db, attempt.id, now + QUERY_BACKOFF_MS[Math.min(attempt.queries, QUERY_BACKOFF_MS.length - 1)]!, now);
        }
        continue;
      }
      if (outcome.status === 'failed' && outcome.code === 'NOT_FOUND' && attempt.status === 'unknown') {
        // The provider never got the request whose initiation timed out; the same id may be
        // sent again (MoMo answers 409 if it did get it after all). Unless the provider clearly
        // refuses it, the attempt stays open: a second timeout is not a failure either.
        const answer = await resend(provider, attempt, options.callbackUrl);
        if (answer !== 'rejected') {
          if (answer === 'accepted') markAcknowledged(db, attempt.id, options.now() + provider.queryAfterMs, options.now());
          else countQuery(db, attempt.id, options.now() + QUERY_BACKOFF_MS[0]!, options.now());
          continue;
        }
      }
      const settlement = settleAttempt(db, attempt.id, outcome, 'query', now, options.zone, options.box);
      if (settlement.kind !== 'open' && settlement.kind !== 'duplicate') result.settled++;
    } catch (err) {
      // One attempt that cannot be settled must not hold back the others: asked again later.
      options.logger.error({ err, attempt: attempt.id }, 'a payment attempt could not be reconciled; it is asked about again later');
      countQuery(db, attempt.id, options.now() + QUERY_BACKOFF_MS[QUERY_BACKOFF_MS.length - 1]!, options.now());
    }
  }


  for (const provider of providers.configured()) {
    const p = safeGet(providers, provider, options.logger);
    if (!p) continue;
    for (const attempt of unaskableOpenAttempts(db, options.now() - p.giveUpAfterMs)) {
      if (attempt.provider === provider) result.expired += giveUp(db, attempt, options.now(), 'no answer from the provider and nothing to ask it by');
    }
  }
  return result;
}

function giveUp(db: Db, attempt: Attempt, now: number, why: string): number {
  return db.transaction((tx) => {
    const closed = closeAttempt(tx as Db, attempt.id, { status: 'expired', settledVia: 'query', code: 'LANGO_GAVE_UP', description: why, reviewReason: `expired without a final answer (${why}); a late success is possible`, now });
    // The customer hears "not completed", as for a prompt that timed out.
    if (closed && attempt.customerId !== null) notify(tx as Db, attempt.customerId, 'payment_failed', now, `attempt:${attempt.key}`);
    return closed ? 1 : 0;
  }, { behavior: 'immediate' });
}

async function resend(provider: PaymentProvider, attempt: Attempt, callbackUrl: (provider: string) => string): Promise<'accepted' | 'rejected' | 'unknown'> {
  if (attempt.phone === null) return 'rejected';
  const answer = await provider.initiate({
    key: attempt.key,
    amountMinor: attempt.amountMinor,
    currency: attempt.currency,
    phone: attempt.phone,
    accountReference: attempt.accountReference ?? '',
    description: attempt.invoiceNumber ?? 'Internet',
    callbackUrl: callbackUrl(provider.name),
  });
  return answer.kind;
}

function safeGet(providers: ProviderRegistry, name: string, logger: Logger): PaymentProvider | undefined {
  try {
    return providers.get(name);
  } catch (err) {
    logger.error({ err, provider: name }, 'payment provider configuration is not valid; its attempts wait');
    return undefined;
  }
}

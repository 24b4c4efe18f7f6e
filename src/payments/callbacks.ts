import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { findAttemptByProviderRef, findUnacknowledged, recordProviderRef, scheduleQuery } from './attempts.js';
import { markProcessed, storeCallback, type InboxRow } from './inbox.js';
import type { CallbackMeaning, CallbackRoute, PaymentProvider } from './provider.js';
import { applyReceiptResult } from './receipt-lookup.js';
import { acceptsAccount, settleAttempt, settleUnsolicited, type Settlement } from './settle.js';

/** How long a callback naming an unknown request waits for its attempt (the push answer may still be on its way). */
const UNKNOWN_REQUEST_GRACE_MS = 60_000;
/** Window in which a callback may match an attempt whose initiation timed out. */
const UNACKNOWLEDGED_WINDOW_MS = 30 * 60_000;

export type CallbackAnswer = { status: number; body: unknown; meaning?: CallbackMeaning; settlement?: Settlement; duplicate?: boolean; confirm?: boolean };

export class CallbackBodyError extends Error {}

/**
 * One provider callback, start to finish, synchronously: schema check, raw body stored once
 * (durable before the answer), then acted on. Validation questions are answered from the
 * customer table. A callback that must be confirmed first (MoMo) schedules an immediate status
 * query; the caller kicks the reconciler.
 */
export function receiveCallback(db: Db, provider: PaymentProvider, route: CallbackRoute, input: { body: unknown; rawBody: string; sourceIp: string; now: number; zone: string; box: SecretBox }): CallbackAnswer {
  let meaning: CallbackMeaning;
  try {
    meaning = route.parse(input.body);
  } catch (err) {
    throw new CallbackBodyError((err as Error).message);
  }
  const stored = storeCallback(db, { provider: provider.name, route: route.route, dedupeKey: route.dedupeKey(meaning), body: input.rawBody, sourceIp: input.sourceIp, now: input.now });
  if (meaning.kind === 'validation') {
    const accepted = acceptsAccount(db, meaning.accountReference, meaning.currency) && meaning.amountMinor > 0;
    if (!stored.duplicate) markProcessed(db, stored.row.id, accepted ? 'accepted' : 'rejected: unknown account', input.now);
    return { ...route.reply({ accepted, reference: meaning.accountReference }), meaning };
  }
  if (stored.duplicate && stored.row.processedAt !== null) return { ...route.reply({ accepted: true }), meaning, duplicate: true };
  const outcome = processCallback(db, provider, stored.row, meaning, input.now, input.zone, input.box);
  return { ...route.reply({ accepted: true }), meaning, ...outcome };
}

/**
 * Acts on a stored callback; also what start-up and the reconciler run for rows a crash left
 * unprocessed. One transaction: the credit and "processed" land together (one fsync, not two,
 * on the thread that also answers RADIUS), so a crash can never leave a credited callback
 * looking unprocessed.
 */
export function processCallback(db: Db, provider: PaymentProvider, row: InboxRow, meaning: CallbackMeaning, now: number, zone: string, box: SecretBox): { settlement?: Settlement; confirm?: boolean } {
  // Immediate, like the settlement inside it: a deferred transaction that reads first and then
  // writes gets SQLITE_BUSY at once (no busy wait) when another connection wrote meanwhile.
  return db.transaction(() => actOnCallback(db, provider, row, meaning, now, zone, box), { behavior: 'immediate' });
}

function actOnCallback(db: Db, provider: PaymentProvider, row: InboxRow, meaning: CallbackMeaning, now: number, zone: string, box: SecretBox): { settlement?: Settlement; confirm?: boolean } {
  if (meaning.kind === 'validation') {
    markProcessed(db, row.id, 'answered', now);
    return {};
  }
  if (meaning.kind === 'receipt') {
    const applied = applyReceiptResult(db, provider, meaning, now, zone, box);
    if (applied.lookups === 0) {
      // Left for a moment: the acknowledgement naming this question may still be on its way.
      if (now - row.receivedAt < UNKNOWN_REQUEST_GRACE_MS) return {};
      markProcessed(db, row.id, 'no lookup asked this', now);
      return {};
    }
    const result = `lookup ${applied.status}${applied.settlement ? `: ${describe(applied.settlement)}` : ''}`;
    markProcessed(db, row.id, result, now, { attemptId: applied.settlement?.attempt.id ?? null });
    return applied.settlement ? { settlement: applied.settlement } : {};
  }
  if (meaning.kind === 'unsolicited') {
    const settlement = settleUnsolicited(db, { provider: provider.name, ...meaning, now, zone, box });
    markProcessed(db, row.id, describe(settlement), now, { attemptId: settlement.attempt.id });
    return { settlement };
  }
  let attempt = findAttemptByProviderRef(db, provider.name, meaning.providerRef);
  if (!attempt && meaning.outcome.status === 'succeeded' && meaning.outcome.phone && meaning.outcome.amountMinor !== undefined) {
    attempt = findUnacknowledged(db, provider.name, meaning.outcome.phone, meaning.outcome.amountMinor, now - UNACKNOWLEDGED_WINDOW_MS);
    if (attempt) recordProviderRef(db, attempt.id, meaning.providerRef, null, now);
  }
  if (!attempt) {
    // Left unprocessed for a moment: the push answer naming this reference may still be in flight.
    if (now - row.receivedAt < UNKNOWN_REQUEST_GRACE_MS) return {};
    markProcessed(db, row.id, 'unknown request', now, { reviewReason: `callback for a request Lango never made (${meaning.providerRef})` });
    return {};
  }
  if (!meaning.trusted) {
    if (attempt.status === 'pending' || attempt.status === 'unknown') {
      // A hint only: ask the provider before any money moves.
      scheduleQuery(db, attempt.id, now, now);
      markProcessed(db, row.id, 'to confirm by query', now, { attemptId: attempt.id });
      return { confirm: true };
    }
    // News of success for an attempt already closed (expired, failed): nothing is credited, but
    // a person must check, since the payer may have paid.
    if (meaning.outcome.status === 'succeeded') {
      const settlement = settleAttempt(db, attempt.id, meaning.outcome, 'callback', now, zone, box);
      markProcessed(db, row.id, describe(settlement), now, { attemptId: attempt.id });
      return { settlement };
    }
    markProcessed(db, row.id, 'duplicate', now, { attemptId: attempt.id });
    return {};
  }
  const settlement = settleAttempt(db, attempt.id, meaning.outcome, 'callback', now, zone, box);
  markProcessed(db, row.id, describe(settlement), now, { attemptId: attempt.id });
  return { settlement };
}

function describe(settlement: Settlement): string {
  switch (settlement.kind) {
    case 'credited':
      return `credited: receipt ${settlement.receiptNumber}`;
    case 'flagged':
      return `flagged: ${settlement.reason}`;
    case 'closed':
      return `closed: ${settlement.attempt.status}`;
    default:
      return settlement.kind;
  }
}

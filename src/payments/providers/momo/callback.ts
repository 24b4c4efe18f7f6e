import type { Currency } from '../../../db/schema/billing.js';
import type { CallbackMeaning, CallbackRoute } from '../../provider.js';
import { momoStatusObject, outcomeOf } from './status.js';

// MoMo's callback (§2.6): the status object, by PUT or POST, once, unsigned. It is only a hint:
// the meaning is marked untrusted and the core confirms with query() before crediting.
//
// The attempt is found by `externalId`, which Lango sets to the attempt's key, the same value as
// the X-Reference-Id it chose: the callback body carries externalId, not always the reference.

const rawStatuses = new WeakMap<CallbackMeaning, string>();

function parseBody(body: unknown): unknown {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    return JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8')) as unknown;
  }
  return body;
}

export function momoCallbackRoute(currency: Currency): CallbackRoute {
  return {
    path: 'collection',
    route: 'collection',
    methods: ['PUT', 'POST'],
    parse(body) {
      const status = momoStatusObject.parse(parseBody(body));
      const providerRef = status.externalId?.trim() || status.referenceId?.trim();
      if (!providerRef) throw new Error('MoMo callback without externalId');
      const meaning: CallbackMeaning = { kind: 'attempt', providerRef, outcome: outcomeOf(status, currency), trusted: false };
      rawStatuses.set(meaning, status.status.trim().toUpperCase());
      return meaning;
    },
    dedupeKey(meaning) {
      if (meaning.kind !== 'attempt') throw new Error('a MoMo callback is always about an attempt');
      // The status as MoMo wrote it; derived from the outcome when the meaning was rebuilt elsewhere.
      const outcome = meaning.outcome;
      const derived = outcome.status === 'succeeded' ? 'SUCCESSFUL' : outcome.status === 'pending' ? 'PENDING' : outcome.status === 'unknown' ? 'UNKNOWN' : 'FAILED';
      return `${meaning.providerRef}:${rawStatuses.get(meaning) ?? derived}`;
    },
    reply() {
      return { status: 200, body: {} };
    },
  };
}

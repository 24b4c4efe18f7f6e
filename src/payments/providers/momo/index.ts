import { minorDigits } from '../../../billing/index.js';
import type { InitiateResult, PaymentProvider, ProviderModule, ProviderOutcome } from '../../provider.js';
import { momoCallbackRoute } from './callback.js';
import { answerCode, createCollectionApi, describeAnswer } from './collection-api.js';
import { momoConfigSchema, type MomoConfig } from './config.js';
import { sanitisePayerText } from './payer-text.js';
import { minorToAmount, momoStatusObject, outcomeOf } from './status.js';

// MTN MoMo Open API, Collections (reference: payments.md §2). Lango chooses the payment's id:
// X-Reference-Id = externalId = the attempt's idempotency key (a UUID v4), so initiation is
// idempotent. After an unclear initiate, the reconciliation job asks query(); only when that
// says NOT_FOUND may it call initiate() again with the same key: MoMo answers 409 if the first
// request got through after all, which initiate() reports as accepted.
//
// Amounts: MoMo takes a string of whole units (integers for UGX). Whether it takes decimals
// for two-digit currencies is not documented, so amountStepMinor is one whole unit: 1 for UGX,
// 100 for KES, SSP and USD; prices are rounded up at plan level, never cut here.

export type { MomoConfig } from './config.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const momo: ProviderModule<MomoConfig> = {
  name: 'momo',
  configSchema: momoConfigSchema,
  secretFields: ['apiKey', 'subscriptionKey'],
  create(config, options = {}): PaymentProvider {
    const now = options.now ?? Date.now;
    const api = createCollectionApi(config, now);
    const currency = config.currency;

    async function initiate(request: Parameters<PaymentProvider['initiate']>[0], signal?: AbortSignal): Promise<InitiateResult> {
      if (request.currency !== currency) {
        return { kind: 'rejected', code: 'CURRENCY', description: `MoMo here takes ${currency} only, not ${request.currency}`, retryable: false };
      }
      if (!UUID_V4.test(request.key)) {
        return { kind: 'rejected', code: 'BAD_KEY', description: 'the attempt key must be a UUID v4 to serve as MoMo X-Reference-Id', retryable: false };
      }
      let amount: string;
      try {
        amount = minorToAmount(request.amountMinor, currency);
      } catch {
        return { kind: 'rejected', code: 'AMOUNT_STEP', description: `MoMo takes whole ${currency} only (steps of ${10 ** minorDigits(currency)} minor units)`, retryable: false };
      }
      if (!/^\+\d{8,15}$/.test(request.phone)) {
        return { kind: 'rejected', code: 'BAD_PHONE', description: 'the phone number is not in E.164 form', retryable: false };
      }
      const result = await api.requestToPay(
        request.key,
        {
          amount,
          currency,
          externalId: request.key,
          payer: { partyIdType: 'MSISDN', partyId: request.phone.slice(1) },
          payerMessage: sanitisePayerText(request.description),
          payeeNote: sanitisePayerText(request.accountReference),
        },
        request.callbackUrl || null,
        signal,
      );
      if (result.kind === 'no-token') {
        // The request to pay was never sent: the attempt can fail now and the customer retry.
        const auth = result.status === 401 || result.status === 403;
        return { kind: 'rejected', code: auth ? 'AUTH' : 'TOKEN_UNAVAILABLE', description: result.description, retryable: !auth };
      }
      if (result.kind === 'no-answer') return { kind: 'unknown', description: result.description, providerRef: request.key };
      const { status } = result;
      if (status >= 200 && status <= 299) return { kind: 'accepted', providerRef: request.key };
      // Same X-Reference-Id again: an earlier request with this key got through.
      if (status === 409) return { kind: 'accepted', providerRef: request.key };
      if (status === 400 || status === 401 || status === 403 || status === 404) {
        const code = answerCode(result.body) ?? (status === 400 ? 'BAD_REQUEST' : status === 404 ? 'NOT_FOUND' : 'AUTH');
        return { kind: 'rejected', code, description: describeAnswer(result), retryable: false };
      }
      // 5xx, 429 and anything else: MoMo may or may not have the request. Ask, don't re-send.
      return { kind: 'unknown', description: describeAnswer(result), providerRef: request.key };
    }

    async function query(providerRef: string, key: string, signal?: AbortSignal): Promise<ProviderOutcome> {
      const reference = providerRef || key;
      const result = await api.status(reference, signal);
      if (result.kind !== 'answer') return { status: 'unknown', description: result.description };
      if (result.status === 404) {
        return {
          status: 'failed',
          code: 'NOT_FOUND',
          description: 'MoMo has no payment with this reference: the request to pay never reached MoMo (it may be sent again with the same key)',
          retryable: true,
        };
      }
      if (result.status !== 200) return { status: 'unknown', description: describeAnswer(result) };
      const parsed = momoStatusObject.safeParse(result.body);
      if (!parsed.success) return { status: 'unknown', description: 'MoMo answered the status request with a body Lango does not understand' };
      return outcomeOf(parsed.data, currency);
    }

    return {
      name: 'momo',
      currencies: [currency],
      amountStepMinor: 10 ** minorDigits(currency),
      queryAfterMs: config.queryAfterMs,
      giveUpAfterMs: config.giveUpAfterMs,
      initiate,
      query,
      callbacks: [momoCallbackRoute(currency)],
    };
  },
};

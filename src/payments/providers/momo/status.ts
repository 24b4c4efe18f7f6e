import { z } from 'zod';
import { isCurrency, minorDigits } from '../../../billing/index.js';
import type { Currency } from '../../../db/schema/billing.js';
import type { ProviderOutcome } from '../../provider.js';

// MoMo's request-to-pay status object (the status GET's answer and the callback's body, §2.5 and
// §2.6) translated into a ProviderOutcome. Tolerant on purpose: numbers where strings are
// documented, `reason` as a plain string (current docs) or {code, message} (older SDK models).

const text = z.union([z.string(), z.number()]).transform(String);

export const momoStatusObject = z.looseObject({
  status: z.string().min(1),
  referenceId: text.optional().nullable(),
  externalId: text.optional().nullable(),
  financialTransactionId: text.optional().nullable(),
  amount: text.optional().nullable(),
  currency: z.string().optional().nullable(),
  payer: z.looseObject({ partyIdType: z.string().optional().nullable(), partyId: text.optional().nullable() }).optional().nullable(),
  reason: z.union([z.string(), z.looseObject({ code: z.string().optional().nullable(), message: z.string().optional().nullable() })]).optional().nullable(),
});

export type MomoStatusObject = z.output<typeof momoStatusObject>;

type FailedStatus = 'failed' | 'cancelled' | 'expired';

/** §2.5's reason table. `retryable`: the customer may simply try again (top up, answer the prompt in time). */
const REASONS: Record<string, { status: FailedStatus | 'pending'; retryable: boolean; description: string }> = {
  NOT_ENOUGH_FUNDS: { status: 'failed', retryable: true, description: 'The MoMo wallet does not hold enough money.' },
  PAYER_LIMIT_REACHED: { status: 'failed', retryable: false, description: "The payer's MoMo transaction limit is reached." },
  PAYER_NOT_FOUND: { status: 'failed', retryable: false, description: 'The number is not a MoMo wallet.' },
  SENDER_ACCOUNT_NOT_ACTIVE: { status: 'failed', retryable: false, description: "The payer's MoMo wallet is not active." },
  COULD_NOT_PERFORM_TRANSACTION: { status: 'expired', retryable: true, description: 'The payer did not approve in time.' },
  APPROVAL_REJECTED: { status: 'cancelled', retryable: true, description: 'The payer declined the request.' },
  TRANSACTION_CANCELED: { status: 'cancelled', retryable: true, description: 'The payer cancelled the request.' },
  EXPIRED: { status: 'expired', retryable: true, description: 'The payment request expired.' },
  NOT_ALLOWED: { status: 'failed', retryable: false, description: 'MoMo does not allow this merchant to collect: check the MoMo settings.' },
  NOT_ALLOWED_TARGET_ENVIRONMENT: { status: 'failed', retryable: false, description: 'MoMo refused the target environment: check the MoMo settings.' },
  INVALID_CURRENCY: { status: 'failed', retryable: false, description: "MoMo refused the currency: check that it is the environment's currency." },
  INVALID_CALLBACK_URL_HOST: { status: 'failed', retryable: false, description: 'MoMo refused the callback host: check the host registered for the API user.' },
  INTERNAL_PROCESSING_ERROR: { status: 'failed', retryable: true, description: 'MoMo could not process the payment (often not enough money in the wallet).' },
  SERVICE_UNAVAILABLE: { status: 'pending', retryable: true, description: 'MoMo is unavailable; the status will be asked again.' },
};

/** The reason's code, whichever shape MoMo used. */
export function reasonCode(reason: MomoStatusObject['reason']): string | null {
  if (reason === undefined || reason === null) return null;
  if (typeof reason === 'string') return reason.trim() || null;
  return reason.code?.trim() || null;
}

function reasonMessage(reason: MomoStatusObject['reason']): string | null {
  return reason !== null && typeof reason === 'object' ? (reason.message?.trim() || null) : null;
}

/** "1500" UGX → 1500; "15.50" USD → 1550; undefined when it is not a plain decimal amount. */
export function amountToMinor(amount: string, currency: Currency): number | undefined {
  const digits = minorDigits(currency);
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.replace(/0+$/, '').length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + (digits > 0 ? Number(fraction.padEnd(digits, '0').slice(0, digits)) : 0);
}

/** 1500 UGX → "1500"; 1500 KES cents → "15". MoMo is sent whole units only: a fraction throws. */
export function minorToAmount(amountMinor: number, currency: Currency): string {
  const step = 10 ** minorDigits(currency);
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor % step !== 0) {
    throw new RangeError(`amount ${amountMinor} is not a whole number of ${currency}`);
  }
  return String(amountMinor / step);
}

/** Translates a status object; `currency` is the configured one, used when MoMo's is missing or foreign. */
export function outcomeOf(status: MomoStatusObject, currency: Currency): ProviderOutcome {
  const state = status.status.trim().toUpperCase();
  if (state === 'SUCCESSFUL') {
    const answered = status.currency?.trim().toUpperCase();
    const paidIn: Currency | undefined = answered === undefined ? currency : isCurrency(answered) ? answered : undefined;
    const amountMinor = status.amount ? amountToMinor(status.amount, paidIn ?? currency) : undefined;
    const partyId = status.payer?.partyIdType?.toUpperCase() === 'MSISDN' ? status.payer.partyId?.replace(/^\+/, '') : undefined;
    return {
      status: 'succeeded',
      receipt: status.financialTransactionId?.trim() || null,
      ...(amountMinor !== undefined ? { amountMinor } : {}),
      ...(paidIn !== undefined ? { currency: paidIn } : {}),
      phone: partyId && /^\d{6,15}$/.test(partyId) ? `+${partyId}` : null,
      code: 'SUCCESSFUL',
      description: paidIn === undefined ? `Paid, but in ${answered}, a currency Lango does not keep` : 'Paid',
    };
  }
  if (state === 'FAILED') {
    const code = reasonCode(status.reason) ?? 'FAILED';
    const known = REASONS[code.toUpperCase()];
    const detail = reasonMessage(status.reason);
    if (known?.status === 'pending') return { status: 'pending', code, description: known.description };
    if (known) return { status: known.status, code, description: known.description, retryable: known.retryable };
    return { status: 'failed', code, description: detail ?? `MoMo reported the payment failed (${code}).`, retryable: true };
  }
  // PENDING, and anything else not final (one team saw CREATED in the sandbox): ask again later.
  return { status: 'pending', code: state, description: state === 'PENDING' ? 'Waiting for the payer to approve.' : `MoMo reported ${state}.` };
}

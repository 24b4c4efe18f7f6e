import { normalisePhone } from '../../../billing/index.js';
import type { InitiateRequest, InitiateResult, ProviderOutcome } from '../../provider.js';
import type { CallAnswer } from './client.js';
import type { MpesaConfig } from './config.js';
import { stkPassword } from './password.js';
import { isKnownResultCode, outcomeOfFailure, resultCodeText } from './result-codes.js';
import { describeAnswer } from './transport.js';

export const STK_PUSH_PATH = '/mpesa/stkpush/v1/processrequest';
export const STK_QUERY_PATH = '/mpesa/stkpushquery/v1/query';

/** E.164 → Daraja's MSISDN (2547… / 2541…, no '+'); undefined for anything but a Kenyan mobile. */
export function darajaMsisdn(phone: string): string | undefined {
  const e164 = normalisePhone(phone, 'KE');
  return e164 && /^\+254[17]\d{8}$/.test(e164) ? e164.slice(1) : undefined;
}

/**
 * AccountReference: at most 12 letters and digits (longer text can push the prompt past its 182
 * characters and fail with 1025). Empty after cleaning → derived from the attempt key, since Daraja
 * refuses an empty reference.
 */
export function stkAccountReference(text: string, key: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
  return cleaned || key.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toUpperCase() || 'LANGO';
}

/** TransactionDesc: at most 13 printable characters. */
export function stkTransactionDesc(text: string): string {
  const cleaned = text.replace(/\p{Cc}/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 13).trim();
  return cleaned || 'Payment';
}

export type StkPushBody = Record<string, string | number>;

/** Everything Lango can refuse before the wire, or the push body. */
export function buildStkPush(
  config: MpesaConfig,
  request: InitiateRequest,
  timestamp: string,
): { ok: true; body: StkPushBody } | { ok: false; result: Extract<InitiateResult, { kind: 'rejected' }> } {
  const refuse = (code: string, description: string) => ({ ok: false as const, result: { kind: 'rejected' as const, code, description, retryable: false } });
  if (request.currency !== 'KES') return refuse('CURRENCY_NOT_SUPPORTED', `M-Pesa takes KES only, not ${request.currency}`);
  if (!Number.isSafeInteger(request.amountMinor) || request.amountMinor % 100 !== 0) {
    return refuse('AMOUNT_NOT_WHOLE', 'M-Pesa moves whole shillings only: the amount must be a multiple of 100 cents');
  }
  if (request.amountMinor < 100) return refuse('AMOUNT_TOO_SMALL', 'M-Pesa takes at least KES 1');
  const msisdn = darajaMsisdn(request.phone);
  if (!msisdn) return refuse('PHONE_NOT_KENYAN_MOBILE', 'M-Pesa needs a Kenyan mobile number (+2547… or +2541…)');
  // Numbers where Safaricom's own sample request has numbers.
  return {
    ok: true,
    body: {
      BusinessShortCode: Number(config.shortcode),
      Password: stkPassword(config.shortcode, config.passkey, timestamp),
      Timestamp: timestamp,
      TransactionType: config.transactionType,
      Amount: request.amountMinor / 100,
      PartyA: Number(msisdn),
      PartyB: Number(config.partyB ?? config.shortcode),
      PhoneNumber: Number(msisdn),
      CallBackURL: request.callbackUrl,
      AccountReference: stkAccountReference(request.accountReference, request.key),
      TransactionDesc: stkTransactionDesc(request.description),
    },
  };
}

// 500.001.1001 carries several causes; only the message tells them apart (payments.md §1.3).
const SUBSCRIBER_BUSY = /lock subscriber|already in process/i;

/** Daraja's answer to a push → what the attempt becomes. */
export function interpretPushAnswer(answer: CallAnswer): InitiateResult {
  switch (answer.kind) {
    case 'transport':
      return { kind: 'unknown', description: answer.description };
    case 'no-token':
      // Nothing reached the STK endpoint, so the attempt certainly was not pushed.
      return { kind: 'rejected', code: answer.refused ? 'AUTH_FAILED' : 'TOKEN_UNAVAILABLE', description: answer.description, retryable: !answer.refused };
    case 'ok': {
      const { ResponseCode, CheckoutRequestID, ResponseDescription, errorCode } = answer.body;
      const description = typeof ResponseDescription === 'string' ? ResponseDescription : `HTTP ${answer.status}`;
      if (ResponseCode !== undefined && resultCodeText(String(ResponseCode)) === '0') {
        if (typeof CheckoutRequestID === 'string' && CheckoutRequestID !== '') return { kind: 'accepted', providerRef: CheckoutRequestID };
        return { kind: 'unknown', description: 'Daraja accepted the push but sent no CheckoutRequestID' };
      }
      if (ResponseCode !== undefined) return { kind: 'rejected', code: String(ResponseCode), description, retryable: false };
      if (typeof errorCode === 'string') return { kind: 'rejected', code: errorCode, description: describeAnswer({ kind: 'error', status: answer.status, errorCode }), retryable: false };
      return { kind: 'unknown', description: `Daraja answered HTTP ${answer.status} without a ResponseCode` };
    }
    case 'error': {
      const { errorCode, errorMessage = '', status } = answer;
      const description = describeAnswer(answer);
      if (errorCode === undefined) {
        if (status >= 500) return { kind: 'unknown', description };
        return { kind: 'rejected', code: `HTTP_${status}`, description, retryable: false };
      }
      if (errorCode === '500.001.1001') {
        return { kind: 'rejected', code: errorCode, description, retryable: SUBSCRIBER_BUSY.test(errorMessage) };
      }
      // Busy, spike arrest, quota, internal error: nothing was queued, try again later.
      if (/^500\.003\./.test(errorCode)) return { kind: 'rejected', code: errorCode, description, retryable: true };
      return { kind: 'rejected', code: errorCode, description, retryable: status >= 500 };
    }
  }
}

export function buildStkQuery(config: MpesaConfig, checkoutRequestId: string, timestamp: string): Record<string, string> {
  return {
    BusinessShortCode: config.shortcode,
    Password: stkPassword(config.shortcode, config.passkey, timestamp),
    Timestamp: timestamp,
    CheckoutRequestID: checkoutRequestId,
  };
}

// Daraja's standard answer while the prompt is still open (payments.md §1.6).
const BEING_PROCESSED = /being processed/i;

/** Daraja's answer to a query → where the attempt stands. Anything unclear is 'unknown', never 'failed'. */
export function interpretQueryAnswer(answer: CallAnswer): ProviderOutcome {
  switch (answer.kind) {
    case 'transport':
    case 'no-token':
      return { status: 'unknown', description: answer.description };
    case 'error':
      if (answer.errorMessage !== undefined && BEING_PROCESSED.test(answer.errorMessage)) {
        return { status: 'pending', ...(answer.errorCode !== undefined && { code: answer.errorCode }), description: answer.errorMessage };
      }
      return { status: 'unknown', description: describeAnswer(answer) };
    case 'ok': {
      const { ResultCode, ResultDesc, errorMessage } = answer.body;
      if (typeof errorMessage === 'string' && BEING_PROCESSED.test(errorMessage)) return { status: 'pending', description: errorMessage };
      if (typeof ResultCode !== 'string' && typeof ResultCode !== 'number') {
        return { status: 'unknown', description: `Daraja answered the query (HTTP ${answer.status}) without a ResultCode` };
      }
      const code = resultCodeText(ResultCode);
      const description = typeof ResultDesc === 'string' ? ResultDesc : undefined;
      // The query carries no receipt, amount or phone: the payment settles with receipt null and is matched later.
      if (code === '0') return { status: 'succeeded', receipt: null, code, description: description ?? 'Paid (confirmed by query)' };
      // A code the table does not know (Daraja has answered e.g. 4999 "still under processing")
      // is not a failure here: the attempt stays open, and the callback or a later query decides.
      if (!isKnownResultCode(code)) return { status: 'pending', code, description: description ?? `M-Pesa result code ${code}` };
      return outcomeOfFailure(code, description);
    }
  }
}

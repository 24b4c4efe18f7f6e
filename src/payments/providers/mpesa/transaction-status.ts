import { z } from 'zod';
import { normalisePhone } from '../../../billing/index.js';
import type { CallbackMeaning, CallbackRoute, ReceiptLookupAck, ReceiptLookupUrls, ReceiptResult } from '../../provider.js';
import type { CallAnswer } from './client.js';
import type { MpesaConfig } from './config.js';
import { parseEatTimestamp } from './eat-time.js';
import { shillingsToMinor } from './callbacks.js';
import { resultCodeText } from './result-codes.js';
import { describeAnswer } from './transport.js';

// Daraja's Transaction Status: "what happened to receipt X?", asked with the initiator's
// credentials, acknowledged at once with a ConversationID, answered later by a POST of a
// `Result` envelope to ResultURL (or to QueueTimeOutURL when M-Pesa gives up). Lango uses it
// for a receipt a customer types whose STK callback never came: the STK query knows no receipt
// (payments.md §1.6), this does, with the payer and the amount.

export const TRANSACTION_STATUS_PATH = '/mpesa/transactionstatus/v1/query';

/** Whether this configuration can ask: the initiator's name and its security credential are both set. */
export function canLookUpReceipts(config: MpesaConfig): boolean {
  return Boolean(config.initiatorName && config.securityCredential);
}

export function buildTransactionStatus(config: MpesaConfig, receipt: string, urls: ReceiptLookupUrls): Record<string, string> {
  // The receiving party: the paybill (identifier 4, organisation shortcode), or for a till the
  // till number (identifier 2). Daraja's pages only show the shortcode form [U for tills].
  const till = config.transactionType === 'CustomerBuyGoodsOnline';
  return {
    Initiator: config.initiatorName ?? '',
    SecurityCredential: config.securityCredential ?? '',
    CommandID: 'TransactionStatusQuery',
    TransactionID: receipt,
    PartyA: till ? (config.partyB ?? config.shortcode) : config.shortcode,
    IdentifierType: till ? '2' : '4',
    ResultURL: urls.result,
    QueueTimeOutURL: urls.timeout,
    Remarks: 'Receipt check',
    Occasion: 'Customer self-help',
  };
}

/** Daraja's acknowledgement of the question; the answer itself arrives at ResultURL. */
export function interpretLookupAck(answer: CallAnswer): ReceiptLookupAck {
  switch (answer.kind) {
    case 'transport':
      return { kind: 'unknown', description: answer.description };
    case 'no-token':
      return { kind: answer.refused ? 'refused' : 'unknown', description: answer.description };
    case 'ok': {
      const { ResponseCode, ConversationID, OriginatorConversationID, ResponseDescription } = answer.body;
      const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
      if (ResponseCode !== undefined && resultCodeText(String(ResponseCode)) === '0') {
        const conversationId = text(ConversationID);
        const originatorConversationId = text(OriginatorConversationID);
        // Without either id the answer could never be tied back to the question.
        if (!conversationId && !originatorConversationId) return { kind: 'unknown', description: 'Daraja accepted the lookup but sent no ConversationID' };
        return { kind: 'accepted', conversationId, originatorConversationId };
      }
      return { kind: 'refused', description: typeof ResponseDescription === 'string' ? ResponseDescription : `HTTP ${answer.status} without ResponseCode 0` };
    }
    case 'error':
      // Busy, spike arrest, quota, 5xx: nothing is known, ask again later; anything else is ours to fix.
      if (answer.status >= 500 || /^500\.003\./.test(answer.errorCode ?? '')) return { kind: 'unknown', description: describeAnswer(answer) };
      return { kind: 'refused', description: describeAnswer(answer) };
  }
}

const parameter = z.object({ Key: z.string(), Value: z.union([z.string(), z.number()]).nullish() });
const id = z.union([z.string(), z.number()]).nullish().transform((value) => (value === null || value === undefined || String(value).trim() === '' ? null : String(value).trim()));
const resultBody = z.object({
  Result: z.object({
    ResultType: z.union([z.number(), z.string()]).optional(),
    ResultCode: z.union([z.number(), z.string().trim().min(1)]),
    ResultDesc: z.string().optional(),
    OriginatorConversationID: id,
    ConversationID: id,
    TransactionID: id,
    ResultParameters: z
      .object({ ResultParameter: z.union([z.array(parameter), parameter.transform((item) => [item])]) })
      .nullish(),
  }),
});

/**
 * Result codes that say Lango could not get an answer, rather than that the receipt is unknown:
 * 2001 the initiator's credentials were refused (staff must fix them), 1037 no answer in time,
 * 26 system busy. Daraja documents no code for an unknown receipt [U]; every other non-zero
 * code reads as "not found".
 */
const NO_ANSWER_CODES = new Set(['2001', '1037', '26']);

/** "2547XXXXXXXX - NAME" or "07XXXXXXXX - NAME" → E.164; null when masked or unreadable (nothing is matched on a guess). */
export function debitPartyPhone(text: string | null): string | null {
  if (!text) return null;
  const head = (text.split(' - ')[0] ?? '').replace(/\s+/g, '');
  if (!/^\+?\d{9,13}$/.test(head)) return null;
  return normalisePhone(head, 'KE') ?? null;
}

/** A Transaction Status result → the answer to the lookup with those ids. */
export function parseTransactionStatusResult(body: unknown): Extract<CallbackMeaning, { kind: 'receipt' }> {
  const result = resultBody.parse(body).Result;
  if (!result.ConversationID && !result.OriginatorConversationID) throw new Error('Transaction Status result without ConversationID or OriginatorConversationID');
  const ids = { conversationId: result.ConversationID, originatorConversationId: result.OriginatorConversationID };
  const code = resultCodeText(result.ResultCode);
  const description = result.ResultDesc?.trim() || `M-Pesa result code ${code}`;
  if (code !== '0') {
    return { kind: 'receipt', ...ids, result: { outcome: NO_ANSWER_CODES.has(code) ? 'failed' : 'not-found', code, description } };
  }
  const items = result.ResultParameters?.ResultParameter ?? [];
  // Found by Key, never by position; some payloads repeat a key (the docs' own sample does): the first wins.
  const value = (key: string) => {
    const found = items.find((item) => item.Key === key)?.Value;
    return found === null || found === undefined ? undefined : found;
  };
  // ReceiptNo, never TransactionID: that is the id of the status query itself ("MBN0000000" in Daraja's sample).
  const receipt = String(value('ReceiptNo') ?? '').trim().toUpperCase();
  const state = String(value('TransactionStatus') ?? '').trim();
  if (state.toLowerCase() !== 'completed') return { kind: 'receipt', ...ids, result: { outcome: 'not-completed', receipt, state: state || 'unknown' } };
  if (receipt === '') throw new Error('completed Transaction Status result without ReceiptNo');
  const amount = value('Amount');
  if (amount === undefined) throw new Error('completed Transaction Status result without Amount');
  const party = value('DebitPartyName');
  const when = value('FinalisedTime') ?? value('InitiatedTime');
  const answer: ReceiptResult = {
    outcome: 'completed',
    receipt,
    amountMinor: shillingsToMinor(amount),
    currency: 'KES',
    phone: debitPartyPhone(party === undefined ? null : String(party)),
    paidAt: when === undefined ? null : (parseEatTimestamp(when) ?? null),
  };
  return { kind: 'receipt', ...ids, result: answer };
}

const timeoutBody = z.object({
  Result: z.object({ ResultCode: z.union([z.number(), z.string()]).optional(), ResultDesc: z.string().optional(), OriginatorConversationID: id, ConversationID: id }),
});

/**
 * What M-Pesa posts to QueueTimeOutURL when it gives up on the question. Its body is not
 * documented [U]; read as the same envelope, tolerantly, and always as "no answer".
 */
export function parseTransactionStatusTimeout(body: unknown): Extract<CallbackMeaning, { kind: 'receipt' }> {
  const result = timeoutBody.parse(body).Result;
  if (!result.ConversationID && !result.OriginatorConversationID) throw new Error('Transaction Status timeout without ConversationID or OriginatorConversationID');
  const code = result.ResultCode === undefined ? 'TIMEOUT' : resultCodeText(result.ResultCode);
  return {
    kind: 'receipt',
    conversationId: result.ConversationID,
    originatorConversationId: result.OriginatorConversationID,
    result: { outcome: 'failed', code, description: result.ResultDesc?.trim() || 'M-Pesa gave up waiting for an answer' },
  };
}

function dedupeKeyOf(meaning: CallbackMeaning): string {
  if (meaning.kind !== 'receipt') throw new Error('not a Transaction Status answer');
  return meaning.conversationId ?? meaning.originatorConversationId ?? '';
}

// Paths avoid the words Daraja refuses in URLs ("query", "mpesa"…, payments.md §1.8).
export const transactionStatusResultRoute: CallbackRoute = {
  path: 'status/result',
  methods: ['POST'],
  route: 'transaction-status',
  parse: parseTransactionStatusResult,
  dedupeKey: dedupeKeyOf,
  reply: () => ({ status: 200, body: { ResultCode: 0, ResultDesc: 'Accepted' } }),
};

export const transactionStatusTimeoutRoute: CallbackRoute = {
  path: 'status/timeout',
  methods: ['POST'],
  route: 'transaction-status-timeout',
  parse: parseTransactionStatusTimeout,
  dedupeKey: dedupeKeyOf,
  reply: () => ({ status: 200, body: { ResultCode: 0, ResultDesc: 'Accepted' } }),
};

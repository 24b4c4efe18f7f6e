import { describe, expect, it } from 'vitest';
import { mpesa } from './index.js';
import { buildTransactionStatus, debitPartyPhone, interpretLookupAck, parseTransactionStatusResult, parseTransactionStatusTimeout } from './transaction-status.js';

const config = mpesa.configSchema.parse({ shortcode: '174379', consumerKey: 'k', consumerSecret: 's', passkey: 'p', initiatorName: 'testapi', securityCredential: 'cred' });
const urls = { result: 'https://pay.example.net/cb/abc/status/result', timeout: 'https://pay.example.net/cb/abc/status/timeout' };

/** Daraja's own sample result, with the payer as the brief names it. */
function completed(parameters: Array<{ Key: string; Value?: unknown }>, code: unknown = 0) {
  return {
    Result: {
      ConversationID: 'AG_20180223_0000493344ae97d86f75',
      OriginatorConversationID: '3213-416199-2',
      ReferenceData: { ReferenceItem: { Key: 'Occasion' } },
      ResultCode: code,
      ResultDesc: 'The service request is processed successfully.',
      ResultParameters: { ResultParameter: parameters },
      ResultType: 0,
      TransactionID: 'MBN0000000',
    },
  };
}

const paidParameters = [
  { Key: 'DebitPartyName', Value: '254708374149 - John Doe' },
  { Key: 'CreditPartyName', Value: '174379 - Lango' },
  { Key: 'InitiatedTime', Value: 20261125101400 },
  { Key: 'DebitPartyCharges' },
  { Key: 'TransactionStatus', Value: 'Completed' },
  { Key: 'FinalisedTime', Value: 20261125101412 },
  { Key: 'Amount', Value: 20 },
  { Key: 'ReceiptNo', Value: 'TAH5J2K991' },
];

describe('Daraja Transaction Status', () => {
  it('asks about the receipt with the initiator, the paybill as PartyA (identifier 4) and both URLs', () => {
    expect(buildTransactionStatus(config, 'TAH5J2K991', urls)).toMatchObject({ Initiator: 'testapi', SecurityCredential: 'cred', CommandID: 'TransactionStatusQuery', TransactionID: 'TAH5J2K991', PartyA: '174379', IdentifierType: '4', ResultURL: urls.result, QueueTimeOutURL: urls.timeout });
    const till = mpesa.configSchema.parse({ ...config, transactionType: 'CustomerBuyGoodsOnline', partyB: '5566778' });
    expect(buildTransactionStatus(till, 'TAH5J2K991', urls)).toMatchObject({ PartyA: '5566778', IdentifierType: '2' });
  });

  it('reads a completed payment: receipt, whole shillings, the payer as E.164 and the time in EAT', () => {
    const meaning = parseTransactionStatusResult(completed(paidParameters));
    expect(meaning).toEqual({
      kind: 'receipt',
      conversationId: 'AG_20180223_0000493344ae97d86f75',
      originatorConversationId: '3213-416199-2',
      result: { outcome: 'completed', receipt: 'TAH5J2K991', amountMinor: 2000, currency: 'KES', phone: '+254708374149', paidAt: Date.UTC(2026, 10, 25, 7, 14, 12) },
    });
  });

  it('takes string codes and amounts, a national payer number and a single parameter object', () => {
    const meaning = parseTransactionStatusResult(completed([{ Key: 'ReceiptNo', Value: 'tah5j2k991' }, { Key: 'TransactionStatus', Value: 'Completed' }, { Key: 'Amount', Value: '20.00' }, { Key: 'DebitPartyName', Value: '0708374149 - Jane' }], '0'));
    expect(meaning.result).toMatchObject({ outcome: 'completed', receipt: 'TAH5J2K991', amountMinor: 2000, phone: '+254708374149', paidAt: null });
    const single = completed([]);
    (single.Result.ResultParameters as unknown as { ResultParameter: unknown }).ResultParameter = { Key: 'TransactionStatus', Value: 'Cancelled' };
    expect(parseTransactionStatusResult(single).result).toEqual({ outcome: 'not-completed', receipt: '', state: 'Cancelled' });
    expect(() => parseTransactionStatusResult(completed([{ Key: 'TransactionStatus', Value: 'Completed' }, { Key: 'Amount', Value: 20 }]))).toThrow(/ReceiptNo/);
  });

  it('matches nobody on a masked or missing payer number', () => {
    expect(debitPartyPhone('2547 ***** 149 - John')).toBeNull();
    expect(debitPartyPhone('Safaricom333')).toBeNull();
    expect(debitPartyPhone(null)).toBeNull();
    expect(debitPartyPhone('254708374149 - JOHN DOE')).toBe('+254708374149');
  });

  it('reads a transaction that exists but did not complete, an unknown receipt, and a refused initiator apart', () => {
    const declined = parseTransactionStatusResult(completed([{ Key: 'ReceiptNo', Value: 'TAH5J2K991' }, { Key: 'TransactionStatus', Value: 'Declined' }]));
    expect(declined.result).toEqual({ outcome: 'not-completed', receipt: 'TAH5J2K991', state: 'Declined' });
    const unknown = parseTransactionStatusResult({ Result: { ResultType: 0, ResultCode: 1, ResultDesc: 'The transaction could not be found.', ConversationID: 'AG_1', OriginatorConversationID: 'o-1' } });
    expect(unknown.result).toEqual({ outcome: 'not-found', code: '1', description: 'The transaction could not be found.' });
    const refused = parseTransactionStatusResult({ Result: { ResultCode: 2001, ResultDesc: 'The initiator information is invalid.', ConversationID: 'AG_2' } });
    expect(refused).toMatchObject({ conversationId: 'AG_2', originatorConversationId: null, result: { outcome: 'failed', code: '2001' } });
  });

  it('refuses a body that names no question, and reads the queue time-out as no answer', () => {
    expect(() => parseTransactionStatusResult({ Result: { ResultCode: 0 } })).toThrow(/ConversationID/);
    expect(() => parseTransactionStatusResult({ Body: {} })).toThrow();
    expect(parseTransactionStatusTimeout({ Result: { OriginatorConversationID: 'o-3' } })).toEqual({ kind: 'receipt', conversationId: null, originatorConversationId: 'o-3', result: { outcome: 'failed', code: 'TIMEOUT', description: 'M-Pesa gave up waiting for an answer' } });
  });

  it('reads the acknowledgement: accepted with its ids, refused for a bad request, unknown when busy or unreachable', () => {
    expect(interpretLookupAck({ kind: 'ok', status: 200, body: { OriginatorConversationID: 'o-1', ConversationID: 'AG_1', ResponseCode: '0' } })).toEqual({ kind: 'accepted', conversationId: 'AG_1', originatorConversationId: 'o-1' });
    expect(interpretLookupAck({ kind: 'ok', status: 200, body: { ResponseCode: '0' } }).kind).toBe('unknown');
    expect(interpretLookupAck({ kind: 'error', status: 400, errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid Initiator' }).kind).toBe('refused');
    expect(interpretLookupAck({ kind: 'error', status: 500, errorCode: '500.003.02', errorMessage: 'Spike Arrest Violation' }).kind).toBe('unknown');
    expect(interpretLookupAck({ kind: 'transport', description: 'no answer' }).kind).toBe('unknown');
  });

  it('keeps the security credential sealed with the other secrets, and offers lookups only with both initiator fields', () => {
    expect(mpesa.secretFields).toContain('securityCredential');
    expect(mpesa.create(config).lookupReceipt).toBeTypeOf('function');
    expect(mpesa.create(mpesa.configSchema.parse({ ...config, securityCredential: undefined })).lookupReceipt).toBeUndefined();
    expect(mpesa.create(config).callbacks.map((r) => r.path)).toEqual(expect.arrayContaining(['status/result', 'status/timeout']));
  });
});

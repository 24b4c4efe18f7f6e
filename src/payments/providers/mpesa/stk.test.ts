import { describe, expect, it } from 'vitest';
import type { InitiateRequest } from '../../provider.js';
import { mpesaConfigSchema } from './config.js';
import { buildStkPush, buildStkQuery, darajaMsisdn, interpretPushAnswer, interpretQueryAnswer, stkAccountReference, stkTransactionDesc } from './stk.js';

const config = mpesaConfigSchema.parse({
  shortcode: '174379',
  consumerKey: 'key',
  consumerSecret: 'secret',
  passkey: 'bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919',
});

const request: InitiateRequest = {
  key: '0b9d6a3e-5c1f-4e0a-9d1e-2f3a4b5c6d7e',
  amountMinor: 150_000,
  currency: 'KES',
  phone: '+254708374149',
  accountReference: 'ACC-1042',
  description: 'Internet plan 10 Mbps',
  callbackUrl: 'https://pay.example.net/cb/4f1c/stk',
};

describe('STK push request', () => {
  it('builds the body Daraja expects, with the password made from the same timestamp', () => {
    const push = buildStkPush(config, request, '20210628092408');
    expect(push).toEqual({
      ok: true,
      body: {
        BusinessShortCode: 174379,
        Password: 'MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMjEwNjI4MDkyNDA4',
        Timestamp: '20210628092408',
        TransactionType: 'CustomerPayBillOnline',
        Amount: 1500,
        PartyA: 254708374149,
        PartyB: 174379,
        PhoneNumber: 254708374149,
        CallBackURL: 'https://pay.example.net/cb/4f1c/stk',
        AccountReference: 'ACC1042',
        TransactionDesc: 'Internet plan',
      },
    });
  });

  it('pays the till, not the store number, for buy-goods', () => {
    const till = mpesaConfigSchema.parse({ ...config, transactionType: 'CustomerBuyGoodsOnline', partyB: '5123456' });
    const push = buildStkPush(till, request, '20210628092408');
    expect(push.ok && push.body).toMatchObject({ BusinessShortCode: 174379, PartyB: 5123456, TransactionType: 'CustomerBuyGoodsOnline' });
  });

  it('refuses amounts with cents, below one shilling, or not in KES, before the wire', () => {
    expect(buildStkPush(config, { ...request, amountMinor: 150_050 }, '20210628092408')).toMatchObject({ ok: false, result: { kind: 'rejected', code: 'AMOUNT_NOT_WHOLE', retryable: false } });
    expect(buildStkPush(config, { ...request, amountMinor: 0 }, '20210628092408')).toMatchObject({ ok: false, result: { code: 'AMOUNT_TOO_SMALL' } });
    expect(buildStkPush(config, { ...request, currency: 'SSP' }, '20210628092408')).toMatchObject({ ok: false, result: { code: 'CURRENCY_NOT_SUPPORTED' } });
  });

  it('refuses phones that are not Kenyan mobiles', () => {
    for (const phone of ['+211912345678', '+256772123456', '+254201234567', 'not a phone']) {
      expect(buildStkPush(config, { ...request, phone }, '20210628092408'), phone).toMatchObject({ ok: false, result: { code: 'PHONE_NOT_KENYAN_MOBILE' } });
    }
  });

  it('sends Kenyan numbers as 2547… or 2541… without the plus', () => {
    expect(darajaMsisdn('+254712345678')).toBe('254712345678');
    expect(darajaMsisdn('0110 123 456')).toBe('254110123456');
  });

  it('keeps the account reference to 12 letters and digits and the description to 13 characters', () => {
    expect(stkAccountReference('  Flat 4B, Block C — Kilimani ', request.key)).toBe('Flat4BBlockC');
    expect(stkAccountReference('—', request.key)).toBe('0B9D6A3E5C1F');
    expect(stkTransactionDesc('Hotspot\n1 day pass')).toBe('Hotspot 1 day');
    expect(stkTransactionDesc('   ')).toBe('Payment');
  });

  it('builds a query with its own password', () => {
    expect(buildStkQuery(config, 'ws_CO_1', '20210628092408')).toEqual({
      BusinessShortCode: '174379',
      Password: 'MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMjEwNjI4MDkyNDA4',
      Timestamp: '20210628092408',
      CheckoutRequestID: 'ws_CO_1',
    });
  });
});

describe('STK push answers', () => {
  it('takes ResponseCode "0" as accepted, keyed by the CheckoutRequestID', () => {
    expect(interpretPushAnswer({ kind: 'ok', status: 200, body: { MerchantRequestID: 'm', CheckoutRequestID: 'ws_CO_1007202409152617172396192', ResponseCode: '0' } })).toEqual({
      kind: 'accepted',
      providerRef: 'ws_CO_1007202409152617172396192',
    });
  });

  it('calls an acceptance without CheckoutRequestID unknown, since the prompt may be out', () => {
    expect(interpretPushAnswer({ kind: 'ok', status: 200, body: { ResponseCode: '0' } }).kind).toBe('unknown');
  });

  it('fails a field refusal for good and a busy subscriber or rate limit for now', () => {
    expect(interpretPushAnswer({ kind: 'error', status: 400, errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid PhoneNumber' })).toEqual({
      kind: 'rejected',
      code: '400.002.02',
      description: 'HTTP 400: 400.002.02 Bad Request - Invalid PhoneNumber',
      retryable: false,
    });
    const locked = 'Unable to lock subscriber, a transaction is already in process for the current subscriber';
    expect(interpretPushAnswer({ kind: 'error', status: 500, errorCode: '500.001.1001', errorMessage: locked })).toMatchObject({ kind: 'rejected', retryable: true });
    expect(interpretPushAnswer({ kind: 'error', status: 500, errorCode: '500.001.1001', errorMessage: '[MerchantValidate] - Wrong credentials' })).toMatchObject({ kind: 'rejected', retryable: false });
    expect(interpretPushAnswer({ kind: 'error', status: 500, errorCode: '500.003.02', errorMessage: 'Spike Arrest Violation' })).toMatchObject({ kind: 'rejected', retryable: true });
    expect(interpretPushAnswer({ kind: 'error', status: 500, errorCode: '500.003.03', errorMessage: 'Quota Violation' })).toMatchObject({ kind: 'rejected', retryable: true });
  });

  it('calls timeouts and bare 5xx unknown, never rejected', () => {
    expect(interpretPushAnswer({ kind: 'transport', description: 'no answer within 10000 ms' }).kind).toBe('unknown');
    expect(interpretPushAnswer({ kind: 'error', status: 502 }).kind).toBe('unknown');
  });

  it('fails without a push when no token could be had', () => {
    expect(interpretPushAnswer({ kind: 'no-token', refused: true, description: 'refused' })).toMatchObject({ kind: 'rejected', code: 'AUTH_FAILED', retryable: false });
    expect(interpretPushAnswer({ kind: 'no-token', refused: false, description: 'unreachable' })).toMatchObject({ kind: 'rejected', code: 'TOKEN_UNAVAILABLE', retryable: true });
  });
});

describe('STK query answers', () => {
  const answer = (ResultCode: string) => ({ kind: 'ok' as const, status: 200, body: { ResponseCode: '0', ResultCode, ResultDesc: 'desc', CheckoutRequestID: 'ws_CO_1' } });

  it('reads "being processed" as pending', () => {
    expect(interpretQueryAnswer({ kind: 'error', status: 500, errorCode: '500.001.1001', errorMessage: 'The transaction is being processed' })).toEqual({
      status: 'pending',
      code: '500.001.1001',
      description: 'The transaction is being processed',
    });
  });

  it('reads "0" as paid, with no receipt since the query carries none', () => {
    expect(interpretQueryAnswer(answer('0'))).toEqual({ status: 'succeeded', receipt: null, code: '0', description: 'desc' });
  });

  it('maps the documented result codes to cancelled, expired and failed', () => {
    const expected: Record<string, [string, boolean]> = {
      '1032': ['cancelled', true],
      '1019': ['expired', true],
      '1037': ['expired', true],
      '1': ['failed', false],
      '2': ['failed', false],
      '3': ['failed', false],
      '4': ['failed', false],
      '8': ['failed', false],
      '17': ['failed', false],
      '26': ['failed', true],
      '1001': ['failed', true],
      '1025': ['failed', true],
      '9999': ['failed', true],
      '2001': ['failed', true],
      '2028': ['failed', false],
      SFC_IC0003: ['failed', false],
      '8006': ['failed', false],
    };
    for (const [code, [status, retryable]] of Object.entries(expected)) {
      expect(interpretQueryAnswer(answer(code)), code).toEqual({ status, code, description: 'desc', retryable });
    }
  });

  it('keeps an attempt open on a query result code it does not know (4999 "still under processing")', () => {
    expect(interpretQueryAnswer(answer('4999'))).toEqual({ status: 'pending', code: '4999', description: 'desc' });
  });

  it('never calls a query error failed: rate limits, unknown ids and silence are unknown', () => {
    expect(interpretQueryAnswer({ kind: 'error', status: 500, errorCode: '500.003.02', errorMessage: 'Spike Arrest Violation' }).status).toBe('unknown');
    expect(interpretQueryAnswer({ kind: 'error', status: 400, errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid CheckoutRequestID' }).status).toBe('unknown');
    expect(interpretQueryAnswer({ kind: 'transport', description: 'no answer' }).status).toBe('unknown');
    expect(interpretQueryAnswer({ kind: 'no-token', refused: false, description: 'no token' }).status).toBe('unknown');
    expect(interpretQueryAnswer({ kind: 'ok', status: 200, body: { ResponseCode: '0' } }).status).toBe('unknown');
  });
});

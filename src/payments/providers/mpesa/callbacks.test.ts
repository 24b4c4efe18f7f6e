import { describe, expect, it } from 'vitest';
import {
  c2bConfirmationRoute,
  c2bValidationRoute,
  parseC2bConfirmation,
  parseC2bValidation,
  parseStkCallback,
  shillingsToMinor,
  stkCallbackRoute,
} from './callbacks.js';

// Safaricom's documented success callback, verbatim (payments.md §1.4): Amount 1.00, Balance without Value.
const documentedSuccess = `{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",
  "ResultCode":0,"ResultDesc":"The service request is processed successfully.",
  "CallbackMetadata":{"Item":[{"Name":"Amount","Value":1.00},{"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"},
    {"Name":"Balance"},{"Name":"TransactionDate","Value":20191219102115},{"Name":"PhoneNumber","Value":254708374149}]}}}}`;

function stk(callback: Record<string, unknown>) {
  return { Body: { stkCallback: { MerchantRequestID: '29115-34620561-1', CheckoutRequestID: 'ws_CO_191220191020363925', ...callback } } };
}

// The documented C2B body (payments.md §1.7).
const c2b = {
  TransactionType: 'Pay Bill',
  TransID: 'RKL51ZDR4F',
  TransTime: '20231121121325',
  TransAmount: '5.00',
  BusinessShortCode: '600966',
  BillRefNumber: 'ACC1042',
  InvoiceNumber: '',
  OrgAccountBalance: '25.00',
  ThirdPartyTransID: '',
  MSISDN: '2547 ***** 126',
  FirstName: 'NICHOLAS',
  MiddleName: '',
  LastName: '',
};

describe('STK callbacks', () => {
  it('reads the documented success: receipt, amount 1.00 as 100 cents, phone with +, Balance without Value', () => {
    const meaning = parseStkCallback(JSON.parse(documentedSuccess));
    expect(meaning).toEqual({
      kind: 'attempt',
      providerRef: 'ws_CO_191220191020363925',
      trusted: true,
      outcome: {
        status: 'succeeded',
        receipt: 'NLJ7RT61SV',
        amountMinor: 100,
        currency: 'KES',
        phone: '+254708374149',
        code: '0',
        description: 'The service request is processed successfully.',
      },
    });
    expect(stkCallbackRoute.dedupeKey(meaning)).toBe('ws_CO_191220191020363925');
  });

  it('finds metadata items by name, whatever their order, and without a Balance item at all', () => {
    const meaning = parseStkCallback(
      stk({
        ResultCode: 0,
        CallbackMetadata: {
          Item: [
            { Name: 'PhoneNumber', Value: 254712345678 },
            { Name: 'TransactionDate', Value: 20261123143005 },
            { Name: 'MpesaReceiptNumber', Value: 'TKN3X5Q2AB' },
            { Name: 'Amount', Value: '250.00' },
          ],
        },
      }),
    );
    expect(meaning.outcome).toMatchObject({ status: 'succeeded', receipt: 'TKN3X5Q2AB', amountMinor: 25_000, phone: '+254712345678' });
  });

  it('reads a ResultCode sent as a string, for success and for failure', () => {
    const paid = parseStkCallback(JSON.parse(documentedSuccess.replace('"ResultCode":0', '"ResultCode":"0"')));
    expect(paid.outcome.status).toBe('succeeded');
    expect(parseStkCallback(stk({ ResultCode: 'SFC_IC0003', ResultDesc: 'The operator does not exist' })).outcome).toEqual({
      status: 'failed',
      code: 'SFC_IC0003',
      description: 'The operator does not exist',
      retryable: false,
    });
  });

  it('maps cancelled, timed-out and unfunded prompts, which carry no metadata', () => {
    expect(parseStkCallback(stk({ ResultCode: 1032, ResultDesc: 'Request cancelled by user' })).outcome).toMatchObject({ status: 'cancelled', code: '1032' });
    expect(parseStkCallback(stk({ ResultCode: 1037, ResultDesc: 'DS timeout user cannot be reached' })).outcome).toMatchObject({ status: 'expired', code: '1037', retryable: true });
    expect(parseStkCallback(stk({ ResultCode: '1', ResultDesc: 'The balance is insufficient for the transaction.' })).outcome).toMatchObject({ status: 'failed', code: '1', retryable: false });
  });

  it('keeps an unknown result code verbatim as a failure', () => {
    expect(parseStkCallback(stk({ ResultCode: 4999 })).outcome).toEqual({ status: 'failed', code: '4999', description: 'M-Pesa result code 4999', retryable: false });
  });

  it('reports a phone that is not a number as null, for the core to flag', () => {
    const body = JSON.parse(documentedSuccess.replace('"Value":254708374149', '"Value":"0xdeadbeef"'));
    expect(parseStkCallback(body).outcome).toMatchObject({ status: 'succeeded', phone: null });
  });

  it('refuses bodies that are not an STK callback', () => {
    for (const bad of [
      {},
      null,
      'ResultCode=0',
      { Body: {} },
      stk({ ResultCode: 0 }),
      stk({ ResultCode: 0, CallbackMetadata: { Item: [{ Name: 'Amount', Value: 1 }] } }),
      stk({ ResultCode: 0, CallbackMetadata: { Item: [{ Name: 'MpesaReceiptNumber', Value: 'NLJ7RT61SV' }, { Name: 'Amount', Value: 'one' }] } }),
      stk({ ResultCode: null }),
      { Body: { stkCallback: { ResultCode: 0 } } },
      c2b,
    ]) {
      expect(() => parseStkCallback(bad), JSON.stringify(bad)).toThrow();
    }
  });

  it('answers Daraja with ResultCode 0 Accepted', () => {
    expect(stkCallbackRoute.reply({ accepted: true })).toEqual({ status: 200, body: { ResultCode: 0, ResultDesc: 'Accepted' } });
    expect(stkCallbackRoute).toMatchObject({ path: 'stk', route: 'stk', methods: ['POST'] });
  });
});

describe('C2B callbacks', () => {
  it('reads a validation request: TransAmount "5.00" is 500 cents in KES', () => {
    const meaning = parseC2bValidation({ ...c2b, OrgAccountBalance: '' });
    expect(meaning).toEqual({ kind: 'validation', receipt: 'RKL51ZDR4F', accountReference: 'ACC1042', amountMinor: 500, currency: 'KES' });
    expect(c2bValidationRoute.dedupeKey(meaning)).toBe('RKL51ZDR4F');
  });

  it('matches the account the customer typed after trimming, uppercasing and dropping spaces', () => {
    expect(parseC2bValidation({ ...c2b, BillRefNumber: '  acc 10 42 ' }).accountReference).toBe('ACC1042');
    expect(parseC2bValidation({ ...c2b, BillRefNumber: '' }).accountReference).toBe('');
  });

  it('reads whole-shilling amounts written without decimals or with thousands separators', () => {
    expect(parseC2bValidation({ ...c2b, TransAmount: '10' }).amountMinor).toBe(1000);
    expect(shillingsToMinor('1,500.50')).toBe(150_050);
    expect(shillingsToMinor(1.0)).toBe(100);
  });

  it('reads a confirmation as money already moved, with the payer\'s names and the EAT payment time', () => {
    const meaning = parseC2bConfirmation({ ...c2b, MiddleName: 'K', LastName: 'OTIENO' });
    expect(meaning).toEqual({
      kind: 'unsolicited',
      receipt: 'RKL51ZDR4F',
      accountReference: 'ACC1042',
      amountMinor: 500,
      currency: 'KES',
      payerName: 'NICHOLAS K OTIENO',
      paidAt: Date.UTC(2023, 10, 21, 9, 13, 25),
    });
    expect(parseC2bConfirmation(c2b).payerName).toBe('NICHOLAS');
    expect(c2bConfirmationRoute.dedupeKey(meaning)).toBe('RKL51ZDR4F');
  });

  it('refuses C2B bodies without a usable receipt, amount or time', () => {
    for (const bad of [{}, { ...c2b, TransID: '' }, { ...c2b, TransAmount: 'five' }, { ...c2b, TransAmount: '0.00' }, { ...c2b, TransAmount: '-5' }, JSON.parse(documentedSuccess)]) {
      expect(() => parseC2bValidation(bad), JSON.stringify(bad)).toThrow();
    }
    expect(() => parseC2bConfirmation({ ...c2b, TransTime: '2023-11-21' })).toThrow();
    expect(() => parseC2bConfirmation({ ...c2b, TransTime: undefined })).toThrow();
  });

  it('answers a validation with acceptance and Lango\'s reference, or with C2B00012 for an unknown account', () => {
    expect(c2bValidationRoute.reply({ accepted: true, reference: 'PAY42' })).toEqual({ status: 200, body: { ResultCode: '0', ResultDesc: 'Accepted', ThirdPartyTransID: 'PAY42' } });
    expect(c2bValidationRoute.reply({ accepted: true })).toEqual({ status: 200, body: { ResultCode: '0', ResultDesc: 'Accepted' } });
    expect(c2bValidationRoute.reply({ accepted: false })).toEqual({ status: 200, body: { ResultCode: 'C2B00012', ResultDesc: 'Rejected' } });
  });

  it('always answers a confirmation with success, since the money has moved', () => {
    expect(c2bConfirmationRoute.reply({ accepted: false })).toEqual({ status: 200, body: { ResultCode: 0, ResultDesc: 'Success' } });
    expect([c2bValidationRoute.route, c2bConfirmationRoute.route]).toEqual(['c2b-validation', 'c2b-confirmation']);
  });
});

import { describe, expect, it } from 'vitest';
import { amountToMinor, minorToAmount, momoStatusObject, outcomeOf } from './status.js';

const paid = {
  financialTransactionId: '23503452',
  externalId: '0f8b6c1e-9d2a-4c1b-8a4e-2f1d3c5b7a90',
  amount: '1500',
  currency: 'UGX',
  payer: { partyIdType: 'MSISDN', partyId: '256772123456' },
  status: 'SUCCESSFUL',
};

function outcome(body: unknown, currency: 'UGX' | 'KES' = 'UGX') {
  return outcomeOf(momoStatusObject.parse(body), currency);
}

describe('MoMo status objects', () => {
  it('reads a successful payment with its receipt, amount, currency and phone', () => {
    expect(outcome(paid)).toEqual({
      status: 'succeeded',
      receipt: '23503452',
      amountMinor: 1500,
      currency: 'UGX',
      phone: '+256772123456',
      code: 'SUCCESSFUL',
      description: 'Paid',
    });
  });

  it('converts a two-digit currency amount into minor units', () => {
    expect(outcome({ ...paid, currency: 'KES', amount: '15' }, 'KES')).toMatchObject({ amountMinor: 1500, currency: 'KES' });
  });

  it('leaves the currency out when MoMo paid in one Lango does not keep', () => {
    const result = outcome({ ...paid, currency: 'EUR' });
    expect(result).toMatchObject({ status: 'succeeded', amountMinor: 1500 });
    expect(result).not.toHaveProperty('currency');
    expect(result.status === 'succeeded' && result.description).toContain('EUR');
  });

  it('accepts numbers where MoMo documents strings', () => {
    expect(outcome({ ...paid, amount: 1500, financialTransactionId: 23503452 })).toMatchObject({ receipt: '23503452', amountMinor: 1500 });
  });

  it('maps each documented failure reason to failed, cancelled or expired', () => {
    const cases: Array<[string, string, boolean]> = [
      ['NOT_ENOUGH_FUNDS', 'failed', true],
      ['PAYER_LIMIT_REACHED', 'failed', false],
      ['PAYER_NOT_FOUND', 'failed', false],
      ['SENDER_ACCOUNT_NOT_ACTIVE', 'failed', false],
      ['COULD_NOT_PERFORM_TRANSACTION', 'expired', true],
      ['APPROVAL_REJECTED', 'cancelled', true],
      ['TRANSACTION_CANCELED', 'cancelled', true],
      ['EXPIRED', 'expired', true],
      ['NOT_ALLOWED', 'failed', false],
      ['NOT_ALLOWED_TARGET_ENVIRONMENT', 'failed', false],
      ['INVALID_CURRENCY', 'failed', false],
      ['INVALID_CALLBACK_URL_HOST', 'failed', false],
      ['INTERNAL_PROCESSING_ERROR', 'failed', true],
    ];
    for (const [reason, status, retryable] of cases) {
      expect(outcome({ ...paid, status: 'FAILED', reason }), reason).toMatchObject({ status, code: reason, retryable });
    }
  });

  it('reads a reason given as {code, message} like a plain string', () => {
    expect(outcome({ ...paid, status: 'FAILED', reason: { code: 'APPROVAL_REJECTED', message: 'Rejected by payer' } })).toMatchObject({
      status: 'cancelled',
      code: 'APPROVAL_REJECTED',
    });
  });

  it('keeps a failure blamed on an unavailable service pending', () => {
    expect(outcome({ ...paid, status: 'FAILED', reason: 'SERVICE_UNAVAILABLE' })).toMatchObject({ status: 'pending', code: 'SERVICE_UNAVAILABLE' });
  });

  it('fails with a retryable outcome on an unknown or missing reason', () => {
    expect(outcome({ ...paid, status: 'FAILED', reason: 'SOMETHING_NEW' })).toMatchObject({ status: 'failed', code: 'SOMETHING_NEW', retryable: true });
    expect(outcome({ ...paid, status: 'FAILED' })).toMatchObject({ status: 'failed', code: 'FAILED', retryable: true });
  });

  it('treats PENDING, CREATED and any other non-final status as pending', () => {
    for (const status of ['PENDING', 'CREATED', 'ONGOING']) expect(outcome({ ...paid, status })).toMatchObject({ status: 'pending', code: status });
  });
});

describe('MoMo amounts', () => {
  it('sends whole units: integers for UGX, shillings for KES cents', () => {
    expect(minorToAmount(1500, 'UGX')).toBe('1500');
    expect(minorToAmount(1500, 'KES')).toBe('15');
  });

  it('refuses a fraction of a unit, zero and negatives rather than rounding', () => {
    expect(() => minorToAmount(1550, 'KES')).toThrow(RangeError);
    expect(() => minorToAmount(0, 'UGX')).toThrow(RangeError);
    expect(() => minorToAmount(-5, 'UGX')).toThrow(RangeError);
  });

  it('reads decimal amounts back into minor units and refuses finer ones', () => {
    expect(amountToMinor('15.5', 'KES')).toBe(1550);
    expect(amountToMinor('15.00', 'KES')).toBe(1500);
    expect(amountToMinor('1500.0', 'UGX')).toBe(1500);
    expect(amountToMinor('1500.5', 'UGX')).toBeUndefined();
    expect(amountToMinor('1e3', 'UGX')).toBeUndefined();
  });
});

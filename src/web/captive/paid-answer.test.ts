import { describe, expect, it } from 'vitest';
import type { Language } from '../../i18n/index.js';
import { describePaid, formatWhen, type PaidContext, type PaidFinding } from './paid-answer.js';

// The sentences "I paid but I'm not online" answers with, for every finding, in both languages.

const zone = 'Africa/Nairobi';
// 25 November 2026, 10:30 in Nairobi.
const NOW = Date.UTC(2026, 10, 25, 7, 30);
const AT_1014 = Date.UTC(2026, 10, 25, 7, 14);
const captive: PaidContext = { via: 'receipt', provider: 'mpesa', contact: '0700 123 456', zone, now: NOW };

const say = (finding: PaidFinding, language: Language = 'en', context: Partial<PaidContext> = {}) => describePaid(finding, language, { ...captive, ...context });
const message = (finding: PaidFinding, language: Language = 'en', context: Partial<PaidContext> = {}) => {
  const answer = say(finding, language, context);
  return answer.message;
};

describe('the answers to "I paid but I\'m not online"', () => {
  it('shows the code the payment bought, ready to log in with', () => {
    expect(say({ kind: 'voucher', code: 'K7P2QX9M', password: 'K7P2QX9M' })).toEqual({ state: 'paid', message: 'Payment found. Your code:', code: 'K7P2QX9M', password: 'K7P2QX9M' });
    expect(say({ kind: 'voucher', code: 'K7P2QX9M', password: 'K7P2QX9M' }, 'ar')).toMatchObject({ state: 'paid', message: 'وجدنا الدفعة. رمزك:' });
  });

  it('says when and that the code was used on another device', () => {
    expect(message({ kind: 'used-elsewhere', at: AT_1014 })).toBe('This code was already used on another device at 10:14. It works on that device only; if that was not you, call 0700 123 456.');
    expect(message({ kind: 'used-elsewhere', at: AT_1014 }, 'ar')).toContain('الساعة 10:14');
    expect(message({ kind: 'used-elsewhere', at: AT_1014 - 86_400_000 })).toContain('at 2026-11-24 10:14');
  });

  it('names the account a paybill payer typed, and whom to call', () => {
    const paybill: PaidFinding = { kind: 'account', customerId: 7, reference: '1234', amountMinor: 5000, currency: 'KES', at: AT_1014 };
    expect(message(paybill)).toBe('This payment went to account 1234, not to a Wi-Fi package. If that account is not yours, call 0700 123 456.');
    expect(message(paybill, 'ar')).toBe('ذهبت هذه الدفعة إلى الحساب 1234، لا إلى باقة واي فاي. إن لم يكن هذا الحساب لك فاتصل بـ 0700 123 456.');
    expect(message(paybill, 'en', { contact: null })).toContain('call the Wi-Fi staff');
  });

  it('names no account for a prompt Lango sent, nor for a phone number anyone could type', () => {
    const prompt: PaidFinding = { kind: 'account', customerId: 7, reference: null, amountMinor: 5000, currency: 'KES', at: AT_1014 };
    expect(message(prompt)).toBe('This payment was for an internet account, not a Wi-Fi package: log in with that account above.');
    expect(message({ ...prompt, reference: '1234' }, 'en', { via: 'phone' })).not.toContain('1234');
    expect(message(prompt, 'ar')).toBe('كانت هذه الدفعة لحساب إنترنت، لا لباقة واي فاي: ادخل بذلك الحساب في الأعلى.');
  });

  it('on the portal, tells the signed-in customer their own payment from one that went to another account', () => {
    const own: PaidFinding = { kind: 'account', customerId: 7, reference: null, amountMinor: 5000, currency: 'KES', at: AT_1014 };
    expect(message(own, 'en', { customerId: 7 })).toBe('This payment is on your account already: KES\u00a050.00, received 10:14.');
    expect(message({ ...own, customerId: 8, reference: '1234' }, 'en', { customerId: 7 })).toBe('This payment went to account 1234, not yours. Call 0700 123 456 to have it moved.');
    expect(message({ ...own, customerId: 8, reference: '1234' }, 'ar', { customerId: 7 })).toBe('ذهبت هذه الدفعة إلى الحساب 1234، وهو ليس حسابك. اتصل بـ 0700 123 456 لنقلها.');
    expect(message({ ...own, customerId: 8 }, 'en', { customerId: 7 })).not.toMatch(/account \w+,/);
  });

  it('explains money held in suspense or for review', () => {
    expect(message({ kind: 'suspense', reference: 'NOBODY7' })).toBe('This payment went to account NOBODY7, which we do not know. Call 0700 123 456 and we will sort it out.');
    expect(message({ kind: 'review' })).toBe('We have your payment, but the staff must check it before it counts. Call 0700 123 456.');
    expect(message({ kind: 'review' }, 'ar')).toBe('وصلتنا دفعتك، لكن يجب أن يراجعها الموظفون قبل احتسابها. اتصل بـ 0700 123 456.');
  });

  it('keeps the page polling while M-Pesa is asked, and says "try again in a minute" after', () => {
    expect(say({ kind: 'asking', key: 'k-1' })).toEqual({ state: 'pending', key: 'k-1', message: 'We are asking M-Pesa about this payment…' });
    expect(message({ kind: 'waiting' })).toBe('We are still waiting for M-Pesa to confirm this payment. Try again in a minute.');
    expect(message({ kind: 'waiting' }, 'ar')).toBe('ما زلنا ننتظر تأكيد M-Pesa لهذه الدفعة. حاول مرة أخرى بعد دقيقة.');
    expect(message({ kind: 'waiting' }, 'en', { provider: 'other' })).toBe('We are still waiting for mobile money to confirm this payment. Try again in a minute.');
    expect(message({ kind: 'unavailable' })).toBe('We could not get an answer from M-Pesa just now. Try again in a minute.');
  });

  it('says plainly when the code is unknown, not a code at all, or cannot be checked here', () => {
    expect(message({ kind: 'unknown' })).toBe('We cannot find this code. Check it in your M-Pesa SMS and type it again.');
    expect(message({ kind: 'unknown' }, 'ar')).toBe('لا نجد هذا الرمز. تحقّق منه في رسالة M-Pesa واكتبه مرة أخرى.');
    expect(message({ kind: 'bad-input', value: 'hello!' })).toBe('"hello!" is neither a payment code nor a phone number. Check your payment SMS.');
    expect(message({ kind: 'ask-phone' })).toBe('We cannot check codes right now. Type the phone number you paid with instead.');
    expect(message({ kind: 'unmatched' })).toBe('M-Pesa confirms this payment, but it was not for anything we were waiting for. Call 0700 123 456.');
  });

  it('says why a request did not go through, with the purchase\'s own words', () => {
    expect(message({ kind: 'not-paid', status: 'cancelled', code: '1032' })).toBe('The payment was cancelled on the phone. Nothing was paid.');
    expect(message({ kind: 'not-paid', status: 'failed', code: '1' })).toBe('There is not enough money on that phone for this package. Top up, then try again.');
    expect(message({ kind: 'not-paid', status: 'failed', code: null })).toBe('M-Pesa says this payment did not go through. Nothing was paid.');
    expect(message({ kind: 'not-paid', status: 'failed', code: null }, 'ar')).toBe('يقول M-Pesa إن هذه الدفعة لم تتم. لم يُدفع شيء.');
  });

  it('on the phone path, says the same whatever that phone paid, so a typed number reveals nothing about its owner', () => {
    const same = 'We checked the payments from this number. If one bought a Wi-Fi package in the last day, its code has gone to that phone again by SMS: type it under "I have a voucher". If you paid just now, try again in a minute, or type the code from your M-Pesa SMS.';
    const findings: PaidFinding[] = [
      { kind: 'sms-sent', phoneEnd: '149' },
      { kind: 'no-payment' },
      { kind: 'waiting' },
      { kind: 'review' },
      { kind: 'not-paid', status: 'failed', code: '1' },
      { kind: 'not-paid', status: 'cancelled', code: '1032' },
      { kind: 'account', customerId: 7, reference: '1234', amountMinor: 5000, currency: 'KES', at: AT_1014 },
    ];
    for (const finding of findings) expect(message(finding, 'en', { via: 'phone' }), finding.kind).toBe(same);
    expect(message({ kind: 'sms-sent', phoneEnd: '149' }, 'ar', { via: 'phone' })).not.toContain('149');
  });

  it('has every answer in Arabic, with nothing left untranslated or unfilled', () => {
    const findings: Array<[PaidFinding, Partial<PaidContext>]> = [
      [{ kind: 'voucher', code: 'K7P2QX9M', password: 'K7P2QX9M' }, {}],
      [{ kind: 'used-elsewhere', at: AT_1014 }, {}],
      [{ kind: 'asking', key: 'k' }, {}],
      [{ kind: 'account', customerId: 7, reference: '1234', amountMinor: 5000, currency: 'KES', at: AT_1014 }, {}],
      [{ kind: 'account', customerId: 7, reference: null, amountMinor: 5000, currency: 'KES', at: AT_1014 }, {}],
      [{ kind: 'account', customerId: 7, reference: null, amountMinor: 5000, currency: 'KES', at: AT_1014 }, { customerId: 7 }],
      [{ kind: 'account', customerId: 8, reference: '1234', amountMinor: 5000, currency: 'KES', at: AT_1014 }, { customerId: 7 }],
      [{ kind: 'suspense', reference: 'NOBODY7' }, {}],
      [{ kind: 'review' }, {}],
      [{ kind: 'waiting' }, {}],
      [{ kind: 'not-paid', status: 'expired', code: '1037' }, {}],
      [{ kind: 'not-paid', status: 'failed', code: null }, {}],
      [{ kind: 'unmatched' }, {}],
      [{ kind: 'unknown' }, {}],
      [{ kind: 'ask-phone' }, {}],
      [{ kind: 'unavailable' }, {}],
      [{ kind: 'sms-sent', phoneEnd: '149' }, { via: 'phone' }],
      [{ kind: 'no-payment' }, { via: 'phone' }],
      [{ kind: 'bad-input', value: 'hello!' }, {}],
    ];
    for (const [finding, context] of findings) {
      const english = message(finding, 'en', context);
      const arabic = message(finding, 'ar', context);
      expect(arabic, finding.kind).toMatch(/[\u0600-\u06ff]/);
      expect(arabic, finding.kind).not.toBe(english);
      expect(`${english} ${arabic}`, finding.kind).not.toMatch(/\{\{|undefined/);
    }
  });

  it('writes the time in the operator\'s zone', () => {
    expect(formatWhen(AT_1014, zone, NOW)).toBe('10:14');
    expect(formatWhen(AT_1014, 'UTC', NOW)).toBe('07:14');
  });
});

import { DateTime } from 'luxon';
import { formatMoney } from '../../billing/index.js';
import type { Currency } from '../../db/schema/billing.js';
import { t, type Language } from '../../i18n/index.js';
import type { en as paidCatalogue } from '../../i18n/portal/paid.js';
import type { ReceiptFinding } from '../../payments/index.js';
import { failureReason } from './purchase-answer.js';

// What POST /hotspot/paid and GET /hotspot/paid/:key answer ("I paid but I'm not online"): a
// finding about the payment, in the customer's words and language, with the code to log in
// with when there is one. The portal's "my account does not show it" uses the same words.

/** A payment finding as the page sees it: the voucher after the device check, or why the input was not understood. */
export type PaidFinding =
  | Exclude<ReceiptFinding, { kind: 'voucher' }>
  | { kind: 'voucher'; code: string; password: string }
  /** The voucher this payment bought is held by another device, which started using it at `at`. */
  | { kind: 'used-elsewhere'; at: number }
  | { kind: 'bad-input'; value: string };

export type PaidAnswer =
  | { state: 'pending'; key: string; message: string }
  | { state: 'paid'; message: string; code: string; password: string }
  | { state: 'info'; message: string };

/** Which provider the sentences name: M-Pesa when it is set up, else "mobile money". */
export function paidProvider(providers: ReadonlyArray<{ name: string }>): PaidContext['provider'] {
  return providers.some((p) => p.name === 'mpesa') ? 'mpesa' : 'other';
}

export interface PaidContext {
  /** How the customer identified the payment: a phone number reveals less than a receipt. */
  via: 'receipt' | 'phone';
  /** 'mpesa' → "M-Pesa" in the sentences; anything else → "mobile money". */
  provider: 'mpesa' | 'other';
  /** The operator's phone number, or null (the sentences then say "the Wi-Fi staff"). */
  contact: string | null;
  zone: string;
  now: number;
  /** On the customer portal: the signed-in customer, whose own payments are "yours". */
  customerId?: number;
}

/** "10:14" today, "2026-11-24 10:14" on another day, in the operator's zone. */
export function formatWhen(at: number, zone: string, now: number): string {
  const when = DateTime.fromMillis(at, { zone });
  return when.hasSame(DateTime.fromMillis(now, { zone }), 'day') ? when.toFormat('HH:mm') : when.toFormat('yyyy-MM-dd HH:mm');
}

export function describePaid(finding: PaidFinding, language: Language, context: PaidContext): PaidAnswer {
  const provider = t(context.provider === 'mpesa' ? 'portal.selfService.paid.providerMpesa' : 'portal.selfService.paid.providerOther', {}, language);
  const contact = context.contact ?? t('portal.selfService.paid.contactFallback', {}, language);
  const say = (key: keyof typeof paidCatalogue, values: Record<string, unknown> = {}) => t(`portal.selfService.paid.${key}`, { provider, contact, ...values }, language);
  const info = (message: string): PaidAnswer => ({ state: 'info', message });
  // Anyone can type anyone's number: whatever the phone's payments are, the answer is the same
  // sentence, and only that phone hears more (its code again by SMS, when one was bought).
  if (context.via === 'phone' && finding.kind !== 'bad-input' && finding.kind !== 'asking') return info(say('phoneChecked'));
  switch (finding.kind) {
    case 'voucher':
      return { state: 'paid', message: say('found'), code: finding.code, password: finding.password };
    case 'used-elsewhere':
      return info(say('usedElsewhere', { time: formatWhen(finding.at, context.zone, context.now) }));
    case 'asking':
      return { state: 'pending', key: finding.key, message: say('asking') };
    case 'account': {
      if (context.customerId !== undefined) {
        if (finding.customerId === context.customerId) {
          const amount = formatMoney(finding.amountMinor, finding.currency as Currency, language === 'ar' ? 'ar-u-nu-latn' : 'en');
          return info(say('yourAccount', { amount, time: formatWhen(finding.at, context.zone, context.now) }));
        }
        // Only the account the payer typed may be named; a prompt's account is someone else's business.
        return info(finding.reference ? say('notYours', { account: finding.reference }) : say('unmatched'));
      }
      if (context.via === 'phone' || !finding.reference) return info(say('accountPayment'));
      return info(say('otherAccount', { account: finding.reference }));
    }
    case 'suspense':
      return info(say('suspense', { account: finding.reference }));
    case 'review':
      return info(say('review'));
    case 'waiting':
      return info(say('waiting'));
    case 'not-paid':
      // A lookup knows only that the transaction did not complete; an attempt knows why.
      if (finding.code === null && finding.status === 'failed') return info(say('notCompleted'));
      return info(t(`portal.buy.${failureReason({ state: 'failed', reason: finding.status, code: finding.code })}`, {}, language));
    case 'unmatched':
      return info(say('unmatched'));
    case 'unknown':
      return info(say('notFound'));
    case 'ask-phone':
      return info(say('askPhone'));
    case 'unavailable':
      return info(say('unavailable'));
    case 'sms-sent':
    case 'no-payment':
      return info(say('phoneChecked'));
    case 'bad-input':
      return info(say('badInput', { value: finding.value }));
  }
}

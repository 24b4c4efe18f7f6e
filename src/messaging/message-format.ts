import { DateTime } from 'luxon';
import { formatMoney, paymentMethodName } from '../billing/index.js';
import type { Currency, Language } from '../db/schema/billing.js';

// How amounts and dates read in an SMS. Arabic texts keep Latin digits: receipt numbers,
// M-Pesa codes and phone numbers around them are Latin, and mixed digit shapes confuse readers.
const LOCALE: Record<Language, { money: string; date: string }> = {
  en: { money: 'en', date: 'en-GB' },
  ar: { money: 'ar-u-nu-latn', date: 'ar-u-nu-latn' },
};

export function formatAmount(minor: number, currency: Currency, language: Language): string {
  return formatMoney(minor, currency, LOCALE[language].money);
}

/** A calendar day in the operator's zone: "8 Feb 2026". */
export function formatDay(at: number, zone: string, language: Language): string {
  const locale = LOCALE[language].date;
  return DateTime.fromMillis(at, { zone }).setLocale(locale).toLocaleString({ day: 'numeric', month: language === 'ar' ? 'long' : 'short', year: 'numeric' });
}

/** A moment in the operator's zone, for packages that end mid-day: "8 Feb 2026, 15:00". */
export function formatMoment(at: number, zone: string, language: Language): string {
  const locale = LOCALE[language].date;
  return DateTime.fromMillis(at, { zone })
    .setLocale(locale)
    .toLocaleString({ day: 'numeric', month: language === 'ar' ? 'long' : 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/** Mobile money by its brand; cash and bank transfers in the customer's language. */
export function formatMethod(method: string, language: Language): string {
  return paymentMethodName(method, language);
}

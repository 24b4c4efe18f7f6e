import { LangoError } from '../errors.js';
import type { Currency } from '../db/schema/billing.js';

export const currencies: readonly Currency[] = ['KES', 'SSP', 'UGX', 'USD'];

export function isCurrency(value: string): value is Currency {
  return (currencies as readonly string[]).includes(value);
}

/** ISO 4217 minor-unit digits, from the runtime's ICU data rather than a hand-kept table (UGX: 0, KES: 2). */
export function minorDigits(currency: Currency): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** "49.50" KES -> 4950. Refuses more decimals than the currency has, negatives and exponents. */
export function parseMoney(text: string, currency: Currency): number {
  const digits = minorDigits(currency);
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(text.trim());
  if (!match || (match[2] !== undefined && match[2].length > digits)) {
    throw new LangoError('INPUT_BAD_MONEY', { value: text, currency });
  }
  const fraction = (match[2] ?? '').padEnd(digits, '0');
  return Number(match[1]) * 10 ** digits + (digits > 0 ? Number(fraction) : 0);
}

export function formatMoney(minor: number, currency: Currency, locale = 'en'): string {
  const digits = minorDigits(currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits }).format(minor / 10 ** digits);
}

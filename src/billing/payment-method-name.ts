import type { Language } from '../db/schema/billing.js';
import { t } from '../i18n/index.js';

// The one list of how a payment's method reads to people, for receipts, SMS and staff pages.

/** Mobile money by the brand customers know, the same in every language. */
const BRANDS: Record<string, string> = { mpesa: 'M-Pesa', momo: 'MTN MoMo', airtel: 'Airtel Money', orange: 'Orange Money' };
const WORDS = { cash: 'paymentMethods.cash', bank: 'paymentMethods.bank', adjustment: 'paymentMethods.adjustment' } as const;

/** 'cash' → 'Cash' or 'نقدًا', 'mpesa' → 'M-Pesa'; a method nobody named yet reads as stored. */
export function paymentMethodName(method: string, language: Language): string {
  if (Object.hasOwn(WORDS, method)) return t(WORDS[method as keyof typeof WORDS], {}, language);
  return Object.hasOwn(BRANDS, method) ? BRANDS[method]! : method;
}

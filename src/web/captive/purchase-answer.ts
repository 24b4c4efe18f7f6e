import { t, type Language } from '../../i18n/index.js';
import type { PurchaseStatus } from '../../payments/index.js';

// What GET /hotspot/buy/:key answers: the purchase's state with a sentence ready to show, in
// the page language. The page script needs nothing else to decide what to do next.

export type PurchaseAnswer =
  | { state: 'pending'; message: string }
  | { state: 'paid'; message: string; code: string; password: string }
  | { state: 'failed'; reason: FailureReason; message: string };

export type FailureReason = 'cancelled' | 'expired' | 'insufficient' | 'failed';

/**
 * Provider result codes that mean "not enough money": M-Pesa ResultCode 1 (payments.md §1.5),
 * MoMo NOT_ENOUGH_FUNDS (§2.5). Payments reports them as plain 'failed'; customers deserve to
 * know it was the balance, since topping up is what fixes it.
 */
const INSUFFICIENT = new Set(['1', 'NOT_ENOUGH_FUNDS']);

export function failureReason(status: Extract<PurchaseStatus, { state: 'failed' }>): FailureReason {
  if (status.reason !== 'failed') return status.reason;
  return status.code !== null && INSUFFICIENT.has(status.code) ? 'insufficient' : 'failed';
}

export function describePurchase(status: PurchaseStatus, language: Language): PurchaseAnswer {
  switch (status.state) {
    case 'pending':
      return { state: 'pending', message: t('portal.buy.waiting', {}, language) };
    case 'paid':
      return { state: 'paid', message: t('portal.buy.paid', {}, language), code: status.code, password: status.password };
    case 'failed': {
      const reason = failureReason(status);
      return { state: 'failed', reason, message: t(`portal.buy.${reason}`, {}, language) };
    }
  }
}

import { t, type Language, type MessageKey } from '../i18n/index.js';

const REASONS: Record<string, MessageKey> = {
  'unknown-account': 'staff.staffPayments.queue.reasons.unknownAccount',
  'account-currency-or-status': 'staff.staffPayments.queue.reasons.accountCurrencyOrStatus',
  'no-receipt': 'staff.staffPayments.queue.reasons.noReceipt',
  'late-success': 'staff.staffPayments.queue.reasons.lateSuccess',
  'second-receipt': 'staff.staffPayments.queue.reasons.secondReceipt',
  'double-credit': 'staff.staffPayments.queue.reasons.doubleCredit',
};

/**
 * Why a payment waits for a person, in the reader's words: the review queue and the support
 * desk's Why? say it alike. A reason without words (an older or free-text one) shows as stored.
 */
export function reviewReasonWords(reason: string, language: Language): string {
  const key = REASONS[reason];
  return key ? t(key, {}, language) : reason;
}

import os from 'node:os';
import { DateTime } from 'luxon';
import { findCustomer, parseMoney, type CustomerSummary } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';

// What staff type at the terminal, turned into domain values with plain refusals.

export const actor = () => `cli:${os.userInfo().username}`;

export function customerOf(db: Db, username: string): CustomerSummary {
  const customer = findCustomer(db, username);
  if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username });
  return customer;
}

/** Amounts as typed by a cashier, in the customer's currency; a leading '-' for debits where allowed. */
export function amount(text: string, currency: CustomerSummary['currency'], allowNegative = false): number {
  const negative = allowNegative && text.trim().startsWith('-');
  const minor = parseMoney(negative ? text.trim().slice(1) : text, currency);
  return negative ? -minor : minor;
}

/** A date or date-time typed in the operator's zone, e.g. 2026-03-01 or 2026-03-01T14:30. */
export function moment(text: string | undefined, zone: string, option: string): number {
  if (text === undefined) return Date.now();
  const parsed = DateTime.fromISO(text, { zone });
  if (!parsed.isValid) throw new LangoError('INPUT_BAD_CHOICE', { value: text, option, allowed: 'a date like 2026-03-01 or 2026-03-01T14:30' });
  return parsed.toMillis();
}

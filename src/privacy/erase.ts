import { eraseDecisionPersonalData } from '../aaa/decisions.js';
import { eraseSessionPersonalData } from '../aaa/personal-data.js';
import { findCustomer } from '../billing/customers.js';
import { customerBalance } from '../billing/ledger.js';
import { customerRow, eraseCustomerPersonalData } from '../billing/personal-data.js';
import type { Db } from '../db/connection.js';
import { forgetCustomerInEvents } from '../events/outbox.js';
import { eraseFieldPersonalData, fieldAuditSubjectsOf } from '../field/personal-data.js';
import { eraseMessagePersonalData } from '../messaging/personal-data.js';
import { eraseRouterTrafficPersonalData } from '../network/personal-data.js';
import { erasePaymentPersonalData } from '../payments/personal-data.js';
import { erasePortalPersonalData } from '../portal/personal-data.js';
import { recordAudit } from '../staff/audit.js';
import { eraseAuditPersonalData } from '../staff/personal-data.js';
import { eraseTicketPersonalData } from '../support/personal-data.js';
import { createScrub } from './scrub.js';

/**
 * Why an erasure did not happen. 'balance': the customer still owes money or has wallet money
 * Lango owes back; erasing would leave a debt (or a refund) nobody can chase, so the operator
 * settles it first or passes force on purpose.
 */
export type EraseRefusal = 'not-found' | 'not-customer' | 'not-terminated' | 'balance';

export type EraseOutcome = { kind: 'erased'; customerId: number; again: boolean } | { kind: 'refused'; reason: EraseRefusal; dueMinor?: number; walletMinor?: number };

export interface EraseInput {
  username: string;
  /** Who asked, as the audit log writes it: 'staff:amina', 'cli:root'. */
  actor: string;
  /** Erase although the balance is not zero. */
  force?: boolean;
  now?: number;
}

/**
 * Erases a terminated customer's personal data in one transaction: name, phone, email,
 * addresses, MAC and static IP on the account; recipients and texts of their messages; MAC and
 * address of their sessions; username and device in their login decisions; the routers' 5-minute counts of their traffic; paying phones and payer names in payment requests and raw
 * callbacks; ticket texts; portal sessions and codes; the same values inside audit and
 * event details. Invoices, payments, the ledger, session times and bytes stay, and so does
 * the username (the account's key for the router and the ledger). Running it again is harmless.
 */
export function eraseCustomer(db: Db, input: EraseInput): EraseOutcome {
  const now = input.now ?? Date.now();
  return db.transaction((tx) => {
    const d = tx as Db;
    const summary = findCustomer(d, input.username);
    if (!summary) return { kind: 'refused', reason: 'not-found' } as const;
    const row = customerRow(d, summary.id)!;
    // Vouchers hold no person; closing them is the hotspot's job.
    if (row.kind !== 'customer') return { kind: 'refused', reason: 'not-customer' } as const;
    if (row.status !== 'terminated') return { kind: 'refused', reason: 'not-terminated' } as const;
    const balance = customerBalance(d, row.id, row.currency);
    if (!input.force && (balance.dueMinor !== 0 || balance.walletMinor !== 0)) return { kind: 'refused', reason: 'balance', dueMinor: balance.dueMinor, walletMinor: balance.walletMinor } as const;
    const again = row.erasedAt !== null;
    // A second run has nothing left to look for in free text; it still blanks the columns a late row may have filled.
    const scrub = createScrub(again ? { fullName: null, phone: null, email: null, mac: null, staticIp: null, billingAddress: null, serviceLocation: null } : row);
    eraseCustomerPersonalData(d, row.id, scrub, now);
    eraseSessionPersonalData(d, row.id);
    eraseDecisionPersonalData(d, row.id, row.username);
    eraseRouterTrafficPersonalData(d, row.id);
    eraseMessagePersonalData(d, row.id, scrub);
    erasePaymentPersonalData(d, row.id, scrub);
    eraseTicketPersonalData(d, row.id, scrub);
    erasePortalPersonalData(d, row.id);
    eraseFieldPersonalData(d, row.id, scrub);
    eraseAuditPersonalData(d, row.id, scrub, fieldAuditSubjectsOf(d, row.id));
    forgetCustomerInEvents(d, row.id);
    // Who erased whom, and nothing of what was erased.
    recordAudit(d, input.actor, 'customer.erase', `customer:${row.id}`, { force: input.force === true && (balance.dueMinor !== 0 || balance.walletMinor !== 0), again }, now);
    return { kind: 'erased', customerId: row.id, again } as const;
  }, { behavior: 'immediate' });
}

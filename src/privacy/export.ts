import { decisionsOf } from '../aaa/decisions.js';
import { networkRecordsOf } from '../aaa/personal-data.js';
import { findCustomer } from '../billing/customers.js';
import { billingRecordsOf, customerRow } from '../billing/personal-data.js';
import type { Db } from '../db/connection.js';
import { fieldRecordsOf } from '../field/personal-data.js';
import { messagesOf } from '../messaging/personal-data.js';
import { routerTrafficRecordsOf } from '../network/personal-data.js';
import { paymentAttemptsOf } from '../payments/personal-data.js';
import { portalSignInsOf } from '../portal/personal-data.js';
import { recordAudit } from '../staff/audit.js';
import { auditEntriesAbout } from '../staff/personal-data.js';
import { ticketsOf } from '../support/personal-data.js';

/**
 * Everything Lango holds about one customer as one JSON document, for a customer who asks
 * for their data. Each domain reads its own tables; this only puts the parts together.
 * Times are milliseconds since 1970 (UTC), money integer minor units with its currency.
 * Passwords are named, never included; staff's internal ticket notes are left out.
 */
export const EXPORT_FORMAT = 'lango.customer-data';
export const EXPORT_VERSION = 1;

export type CustomerDataExport = NonNullable<ReturnType<typeof exportCustomerData>>;

export function exportCustomerData(db: Db, username: string, now = Date.now()) {
  const customer = findCustomer(db, username);
  if (!customer) return undefined;
  const billing = billingRecordsOf(db, customer.id)!;
  const network = networkRecordsOf(db, customer.id);
  const field = fieldRecordsOf(db, customer.id);
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date(now).toISOString(),
    account: billing.account,
    balance: billing.balance,
    subscriptions: billing.subscriptions,
    history: billing.events,
    invoices: billing.invoices,
    payments: billing.payments,
    paymentAttempts: paymentAttemptsOf(db, customer.id),
    sessions: network.sessions,
    dailyUsage: network.dailyUsage,
    loginDecisions: decisionsOf(db, customer.id),
    routerTraffic: routerTrafficRecordsOf(db, customer.id),
    messages: messagesOf(db, customer.id),
    tickets: ticketsOf(db, customer.id),
    portalSignIns: portalSignInsOf(db, customer.id),
    equipment: field.equipment,
    fieldJobs: field.jobs,
    audit: auditEntriesAbout(db, customer.id, customer.username).map((e) => ({ at: e.at, actor: e.actor, action: e.action, detail: e.detail })),
  };
}

/** The document as a file's text: indented, so a person can read it too. */
export function exportText(data: CustomerDataExport): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** The export a person asked for, with who took it in the audit log (the document itself stays out of the log). */
export function exportCustomerDataFor(db: Db, username: string, actor: string, now = Date.now()): CustomerDataExport | undefined {
  return db.transaction((tx) => {
    const data = exportCustomerData(tx as Db, username, now);
    if (data) recordAudit(tx as Db, actor, 'customer.export', `customer:${data.account.id}`, {}, now);
    return data;
  }, { behavior: 'immediate' });
}

/** When the customer's personal data was erased (ms), or null; undefined for no such customer. */
export function erasedAt(db: Db, customerId: number): number | null | undefined {
  return customerRow(db, customerId)?.erasedAt;
}

import { and, desc, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { preparedPer } from '../db/prepared.js';
import { customers, plans, subscriptions, type BillingKind, type Currency, type CustomerStatus, type Language } from '../db/schema/billing.js';
import { invoices, payments, type InvoiceStatus, type PaymentMethod } from '../db/schema/ledger.js';

// Read-only facts messaging puts into SMS texts. Billing owns these tables, so the queries live
// here; messaging reaches them through billing's index and never writes.

export interface CustomerFacts {
  id: number;
  username: string;
  /** Full name, else the username: what a message greets. */
  name: string;
  /** E.164 with '+', or null: no SMS can reach this customer. */
  phone: string | null;
  language: Language;
  currency: Currency;
  status: CustomerStatus;
  plan: string | null;
  planPriceMinor: number | null;
  planCurrency: Currency | null;
  /** End of the current period (renewal, expiry or invoice); null when the plan never ends. */
  periodEnd: number | null;
}

export interface InvoiceFacts {
  number: string;
  customerId: number;
  currency: Currency;
  status: InvoiceStatus;
  grossMinor: number;
  /** What is still to pay on it. */
  balanceMinor: number;
  dueAt: number;
}

export interface ReceiptFacts {
  receiptNumber: string;
  customerId: number;
  amountMinor: number;
  currency: Currency;
  method: PaymentMethod;
  reference: string;
  receivedAt: number;
}

/** Which customers a bulk SMS goes to; every field given narrows the list. */
export interface RecipientFilter {
  status?: CustomerStatus | undefined;
  /** Plan name. */
  plan?: string | undefined;
  billingKind?: BillingKind | undefined;
  language?: Language | undefined;
  /** true: has an overdue invoice; false: has none. */
  overdue?: boolean | undefined;
}

export interface Recipient {
  customerId: number;
  username: string;
  name: string;
  phone: string;
  language: Language;
}

const p = <T extends string>(name: T) => sql.placeholder(name);

// The dispatcher asks these once per notification, hundreds at a time after a billing run.
const q = preparedPer((db: Db) => ({
  customer: db
    .select({
      id: customers.id,
      username: customers.username,
      fullName: customers.fullName,
      phone: customers.phone,
      language: customers.language,
      currency: customers.currency,
      status: customers.status,
      plan: plans.name,
      planPriceMinor: plans.priceMinor,
      planCurrency: plans.currency,
      periodEnd: subscriptions.periodEnd,
    })
    .from(customers)
    .leftJoin(subscriptions, eq(subscriptions.customerId, customers.id))
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(customers.id, p('id')))
    .prepare(),
  invoice: db
    .select({ number: invoices.number, customerId: invoices.customerId, currency: invoices.currency, status: invoices.status, grossMinor: invoices.grossMinor, paidMinor: invoices.paidMinor, dueAt: invoices.dueAt })
    .from(invoices)
    .where(eq(invoices.number, p('number')))
    .prepare(),
  receipt: db
    .select({ receiptNumber: payments.receiptNumber, customerId: payments.customerId, amountMinor: payments.amountMinor, currency: payments.currency, method: payments.method, reference: payments.reference, receivedAt: payments.receivedAt })
    .from(payments)
    .where(eq(payments.receiptNumber, p('number')))
    .prepare(),
}));

export function factsOfCustomer(db: Db, customerId: number): CustomerFacts | undefined {
  const row = q(db).customer.get({ id: customerId });
  if (!row) return undefined;
  const { fullName, ...rest } = row;
  return { ...rest, name: fullName?.trim() || row.username };
}

export function factsOfInvoice(db: Db, number: string): InvoiceFacts | undefined {
  const row = q(db).invoice.get({ number });
  if (!row) return undefined;
  const { paidMinor, ...rest } = row;
  const balanceMinor = row.status === 'paid' || row.status === 'void' ? 0 : Math.max(0, row.grossMinor - paidMinor);
  return { ...rest, balanceMinor };
}

export function factsOfReceipt(db: Db, receiptNumber: string): ReceiptFacts | undefined {
  return q(db).receipt.get({ number: receiptNumber });
}

/** Customers with a phone number who match the filter, in id order. */
export function listRecipients(db: Db, filter: RecipientFilter): Recipient[] {
  const conditions: Array<SQL | undefined> = [
    isNotNull(customers.phone),
    filter.status === undefined ? undefined : eq(customers.status, filter.status),
    filter.plan === undefined ? undefined : eq(plans.name, filter.plan),
    filter.billingKind === undefined ? undefined : eq(subscriptions.billingKind, filter.billingKind),
    filter.language === undefined ? undefined : eq(customers.language, filter.language),
    filter.overdue === undefined
      ? undefined
      : filter.overdue
        ? sql`exists (select 1 from ${invoices} where ${invoices.customerId} = ${customers.id} and ${invoices.status} = 'overdue')`
        : sql`not exists (select 1 from ${invoices} where ${invoices.customerId} = ${customers.id} and ${invoices.status} = 'overdue')`,
  ];
  return db
    .select({ customerId: customers.id, username: customers.username, fullName: customers.fullName, phone: customers.phone, language: customers.language })
    .from(customers)
    .leftJoin(subscriptions, eq(subscriptions.customerId, customers.id))
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .where(and(...conditions))
    .orderBy(customers.id)
    .all()
    .map(({ fullName, phone, ...rest }) => ({ ...rest, phone: phone!, name: fullName?.trim() || rest.username }));
}

/** The currency most customers are billed in: what operator-wide figures (SMS costs) are shown in. */
export function mainCurrency(db: Db): Currency {
  const row = db
    .select({ currency: customers.currency, n: sql<number>`count(*)` })
    .from(customers)
    .groupBy(customers.currency)
    .orderBy(desc(sql`count(*)`), customers.currency)
    .limit(1)
    .get();
  return row?.currency ?? 'KES';
}

import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers, subscriptions, type Currency } from './billing.js';

/**
 * The chart of accounts. Customer accounts are per customer and currency (`receivable:42`,
 * `wallet:42`); the rest are the operator's (`revenue:service`, `tax:VAT`, `cash`, `mpesa`, …).
 * Balances are never stored: they are the sum of entries.
 */
export type LedgerAccountKind = 'asset' | 'liability' | 'income' | 'expense';

export const ledgerAccounts = sqliteTable('ledger_accounts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  code: text('code').notNull(),
  currency: text('currency').$type<Currency>().notNull(),
  kind: text('kind').$type<LedgerAccountKind>().notNull(),
  customerId: integer('customer_id').references(() => customers.id),
}, (t) => [uniqueIndex('ledger_account_code').on(t.code, t.currency)]);

export type LedgerTransactionKind = 'invoice' | 'credit_note' | 'payment' | 'allocation' | 'refund' | 'adjustment' | 'void';

/**
 * One balanced posting. `key` makes every posting idempotent: a renewal, a provider callback
 * or a rerun of the billing job posts under a key that can exist once.
 */
export const ledgerTransactions = sqliteTable(
  'ledger_transactions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull().unique(),
    kind: text('kind').$type<LedgerTransactionKind>().notNull(),
    customerId: integer('customer_id').references(() => customers.id),
    occurredAt: integer('occurred_at').notNull(),
    createdAt: integer('created_at').notNull(),
    description: text('description').notNull(),
    /** Who: 'system', 'cli:<os user>', 'staff:<id>'. */
    actor: text('actor').notNull(),
    reason: text('reason'),
  },
  (t) => [index('ledger_transactions_by_customer').on(t.customerId, t.occurredAt)],
);

/** Debits positive, credits negative; each transaction's entries sum to zero per currency. */
export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    transactionId: integer('transaction_id')
      .notNull()
      .references(() => ledgerTransactions.id),
    accountId: integer('account_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    amountMinor: integer('amount_minor').notNull(),
  },
  (t) => [index('ledger_entries_by_account').on(t.accountId), index('ledger_entries_by_transaction').on(t.transactionId)],
);

export type InvoiceKind = 'invoice' | 'credit_note';
export type InvoiceStatus = 'issued' | 'partially_paid' | 'paid' | 'overdue' | 'void';

/** Gap-free numbering: the counter moves in the same transaction as the document it numbers. */
export const documentSeries = sqliteTable('document_series', {
  code: text('code').primaryKey(),
  lastNumber: integer('last_number').notNull().default(0),
});

/** Issued documents are never edited: a credit note corrects one; only status and paid amount move. */
export const invoices = sqliteTable(
  'invoices',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    number: text('number').notNull().unique(),
    kind: text('kind').$type<InvoiceKind>().notNull(),
    /** What the document is for, once: 'renewal:<subscription>:<period start>', 'change:…', 'manual:…'. */
    key: text('key').notNull().unique(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    subscriptionId: integer('subscription_id').references(() => subscriptions.id),
    currency: text('currency').$type<Currency>().notNull(),
    status: text('status').$type<InvoiceStatus>().notNull(),
    issuedAt: integer('issued_at').notNull(),
    dueAt: integer('due_at').notNull(),
    periodStart: integer('period_start'),
    periodEnd: integer('period_end'),
    netMinor: integer('net_minor').notNull(),
    taxMinor: integer('tax_minor').notNull(),
    grossMinor: integer('gross_minor').notNull(),
    /** Sum of allocations; kept beside them for listing, updated in the same transaction. */
    paidMinor: integer('paid_minor').notNull().default(0),
    /** Credit note: the invoice it corrects. */
    correctsId: integer('corrects_id'),
    createdAt: integer('created_at').notNull(),
    actor: text('actor').notNull(),
  },
  (t) => [index('invoices_open_by_customer').on(t.customerId, t.status, t.issuedAt), index('invoices_by_due').on(t.status, t.dueAt), index('invoices_issued').on(t.issuedAt)],
);

export interface InvoiceLineTax {
  code: string;
  name: string;
  rateBasisPoints: number;
  baseMinor: number;
  amountMinor: number;
}

export const invoiceLines = sqliteTable(
  'invoice_lines',
  {
    invoiceId: integer('invoice_id')
      .notNull()
      .references(() => invoices.id),
    position: integer('position').notNull(),
    description: text('description').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceMinor: integer('unit_price_minor').notNull(),
    discountMinor: integer('discount_minor').notNull(),
    netMinor: integer('net_minor').notNull(),
    taxMinor: integer('tax_minor').notNull(),
    grossMinor: integer('gross_minor').notNull(),
    taxes: text('taxes', { mode: 'json' }).$type<InvoiceLineTax[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.invoiceId, t.position] })],
);

/** Which money paid which invoice: partial payments are allocated oldest invoice first. */
export const allocations = sqliteTable(
  'allocations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    invoiceId: integer('invoice_id')
      .notNull()
      .references(() => invoices.id),
    transactionId: integer('transaction_id')
      .notNull()
      .references(() => ledgerTransactions.id),
    amountMinor: integer('amount_minor').notNull(),
  },
  (t) => [index('allocations_by_invoice').on(t.invoiceId)],
);

/** cash and bank are entered by staff; any other value names the payment provider module (mpesa, momo…). */
export type PaymentMethod = 'cash' | 'bank' | 'adjustment' | (string & {});

/** Money received, each once (`reference` is the receipt, bank or provider code). */
export const payments = sqliteTable(
  'payments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    method: text('method').$type<PaymentMethod>().notNull(),
    reference: text('reference').notNull(),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    receivedAt: integer('received_at').notNull(),
    receiptNumber: text('receipt_number').notNull().unique(),
    transactionId: integer('transaction_id')
      .notNull()
      .references(() => ledgerTransactions.id),
    actor: text('actor').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('payments_once').on(t.method, t.reference),
    // Money received per day and month (the dashboard, reports) reads only this index.
    index('payments_by_received').on(t.receivedAt, t.currency, t.amountMinor),
    // Revenue per payment method reads only this one.
    index('payments_by_received_method').on(t.receivedAt, t.method, t.currency, t.amountMinor),
    index('payments_by_customer').on(t.customerId, t.receivedAt),
  ],
);

/** A named, ordered list of taxes a plan's price carries (Kenya: excise duty, then VAT on top). */
export const taxClasses = sqliteTable('tax_classes', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  inclusive: integer('inclusive', { mode: 'boolean' }).notNull(),
});

export const taxRules = sqliteTable(
  'tax_rules',
  {
    classCode: text('class_code')
      .notNull()
      .references(() => taxClasses.code),
    position: integer('position').notNull(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    rateBasisPoints: integer('rate_basis_points').notNull(),
    compound: integer('compound', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.classCode, t.position] })],
);

/** Time-limited discounts on a plan's charges (or on every plan when planId is null). */
export const promotions = sqliteTable('promotions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  code: text('code').notNull().unique(),
  label: text('label').notNull(),
  planId: integer('plan_id'),
  percentBasisPoints: integer('percent_basis_points'),
  amountMinor: integer('amount_minor'),
  startsAt: integer('starts_at'),
  endsAt: integer('ends_at'),
  createdAt: integer('created_at').notNull(),
});

/**
 * An arrangement to pay an invoice's arrears in parts: while each part is paid by its date the
 * invoice is not overdue and the account is not suspended for it.
 */
export const instalments = sqliteTable(
  'instalments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    invoiceId: integer('invoice_id')
      .notNull()
      .references(() => invoices.id),
    dueAt: integer('due_at').notNull(),
    amountMinor: integer('amount_minor').notNull(),
    createdAt: integer('created_at').notNull(),
    actor: text('actor').notNull(),
  },
  (t) => [uniqueIndex('instalments_by_invoice').on(t.invoiceId, t.dueAt)],
);

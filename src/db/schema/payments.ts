import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers, plans, type Currency } from './billing.js';
import { payments } from './ledger.js';

/**
 * pending: written before any HTTP call; unknown: the provider may or may not have it (a
 * timeout on initiation), never re-pushed automatically; the rest are final, reached once.
 */
export type AttemptStatus = 'pending' | 'unknown' | 'succeeded' | 'failed' | 'cancelled' | 'expired';
/** What the money is for: the wallet (renews or reactivates as it covers), or one invoice. */
export type AttemptPurpose = 'wallet' | 'invoice' | 'unsolicited' | 'hotspot';
/** How the outcome became known. */
export type SettledVia = 'callback' | 'query' | 'c2b' | 'staff';

/**
 * One row per request for money through a provider (M-Pesa STK push, MoMo request-to-pay),
 * and one per unsolicited provider payment (M-Pesa C2B paybill). The row exists before the
 * provider is called; callbacks and queries close it exactly once (status moves only out of
 * pending/unknown). `reviewReason` set = the billing manager must look (amount or phone
 * mismatch, success after expiry, a payment for an unknown account, a success without receipt).
 */
export const paymentAttempts = sqliteTable(
  'payment_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Idempotency key (UUID v4): MoMo's X-Reference-Id; the ledger key of the payment. */
    key: text('key').notNull().unique(),
    provider: text('provider').notNull(),
    purpose: text('purpose').$type<AttemptPurpose>().notNull(),
    customerId: integer('customer_id').references(() => customers.id),
    invoiceNumber: text('invoice_number'),
    /** Hotspot purchases: the plan bought; the voucher sold becomes the attempt's customer on success. */
    planId: integer('plan_id').references(() => plans.id),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    /** E.164 of the paying handset; null for C2B, whose MSISDN arrives hashed or masked. */
    phone: text('phone'),
    /** What the payer typed or was shown as account (C2B BillRefNumber, STK AccountReference). */
    accountReference: text('account_reference'),
    status: text('status').$type<AttemptStatus>().notNull().default('pending'),
    /** The provider's id for the request: Daraja CheckoutRequestID, MoMo reference id. */
    providerRef: text('provider_ref'),
    /** The provider's unique transaction code: M-Pesa receipt, MoMo financialTransactionId. */
    receipt: text('receipt'),
    settledVia: text('settled_via').$type<SettledVia>(),
    resultCode: text('result_code'),
    resultDesc: text('result_desc'),
    reviewReason: text('review_reason'),
    reviewedAt: integer('reviewed_at'),
    reviewedBy: text('reviewed_by'),
    /** The ledger payment this attempt produced, once credited. */
    paymentId: integer('payment_id').references(() => payments.id),
    actor: text('actor').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    finishedAt: integer('finished_at'),
    /** When the reconciliation job next asks the provider; null = not to be asked. */
    nextQueryAt: integer('next_query_at'),
    queries: integer('queries').notNull().default(0),
  },
  (t) => [
    uniqueIndex('payment_attempts_provider_ref').on(t.provider, t.providerRef),
    uniqueIndex('payment_attempts_receipt').on(t.provider, t.receipt),
    index('payment_attempts_due_query').on(t.status, t.nextQueryAt),
    index('payment_attempts_customer').on(t.customerId, t.createdAt),
    index('payment_attempts_review').on(t.reviewReason, t.reviewedAt),
    // A phone's requests, newest first: "I paid but I'm not online" and the support desk's Why?.
    index('payment_attempts_by_phone').on(t.phone, t.id).where(sql`phone IS NOT NULL`),
  ],
);

/**
 * Every provider callback, stored raw before it is acted on and before the provider gets its
 * 200: the evidence, and the retry source after a crash (unprocessed rows are settled at
 * start). A replay hits the unique key and only counts a duplicate.
 */
export const paymentInbox = sqliteTable(
  'payment_inbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    provider: text('provider').notNull(),
    /** Which callback: 'stk', 'c2b-validation', 'c2b-confirmation', 'collection'… */
    route: text('route').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    body: text('body').notNull(),
    sourceIp: text('source_ip').notNull(),
    receivedAt: integer('received_at').notNull(),
    duplicates: integer('duplicates').notNull().default(0),
    processedAt: integer('processed_at'),
    /** What processing did: 'settled', 'duplicate', 'pending', 'unknown-request', 'flagged: …'. */
    result: text('result'),
    attemptId: integer('attempt_id').references(() => paymentAttempts.id),
    /** Set when a person must look (a callback for a request Lango never made). */
    reviewReason: text('review_reason'),
    reviewedAt: integer('reviewed_at'),
    reviewedBy: text('reviewed_by'),
  },
  (t) => [uniqueIndex('payment_inbox_once').on(t.provider, t.route, t.dedupeKey), index('payment_inbox_unprocessed').on(t.processedAt)],
);

/**
 * asking: the provider was asked and its answer has not come; found: the provider knows the
 * payment (and `attemptId` names the attempt it settled, when one matched); unmatched: it knows
 * the payment but no request of ours fits it; not-paid: it knows the transaction, which did not
 * complete; not-found: it does not know the code; failed: no answer (refused, timed out).
 */
export type ReceiptLookupStatus = 'asking' | 'found' | 'unmatched' | 'not-paid' | 'not-found' | 'failed';

/**
 * A customer's "I paid but I'm not online" with a receipt code Lango does not know yet, asked
 * of the provider (Daraja's Transaction Status, answered later at a callback URL). `key` is what
 * the page polls: random, so knowing it is the right to see what the lookup found. Kept a week.
 */
export const receiptLookups = sqliteTable(
  'receipt_lookups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull().unique(),
    provider: text('provider').notNull(),
    /** The receipt code as typed, upper case, no spaces. */
    receipt: text('receipt').notNull(),
    /** The asking device's MAC (the router visit's), to tell it from a device that used the code. */
    mac: text('mac'),
    status: text('status').$type<ReceiptLookupStatus>().notNull(),
    /** The provider's ids for the question, which its answer carries (Daraja ConversationID, OriginatorConversationID). */
    conversationId: text('conversation_id'),
    originatorConversationId: text('originator_conversation_id'),
    resultCode: text('result_code'),
    resultDesc: text('result_desc'),
    /** The attempt the answer settled or matched. */
    attemptId: integer('attempt_id').references(() => paymentAttempts.id),
    createdAt: integer('created_at').notNull(),
    answeredAt: integer('answered_at'),
  },
  (t) => [
    index('receipt_lookups_conversation').on(t.conversationId),
    index('receipt_lookups_originator').on(t.originatorConversationId),
    index('receipt_lookups_receipt').on(t.receipt, t.createdAt),
    index('receipt_lookups_created').on(t.createdAt),
  ],
);

/**
 * Provider credentials (consumer secret, passkey, API key…) and callback path tokens, sealed
 * with the key file like network passwords: a copied database gives none of them away.
 */
export const secrets = sqliteTable('secrets', {
  name: text('name').primaryKey(),
  sealed: text('sealed').notNull(),
  updatedAt: integer('updated_at').notNull(),
  actor: text('actor').notNull(),
});

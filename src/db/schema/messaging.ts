import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers, type Language } from './billing.js';

/**
 * queued → sending → sent → delivered | failed; `unknown` when a send timed out (the gateway
 * may have it: critical messages such as receipts and credentials are re-sent, bulk never);
 * `cancelled` by staff. Delivery reports only move a message forward.
 */
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'unknown' | 'cancelled';
export type MessageEncoding = 'gsm7' | 'ucs2';

/**
 * A message whose key starts with this carries a secret (a sign-in code, a re-sent password):
 * the gateway gets the body, but no screen or command shows it, since whoever reads the outbox
 * or a customer's history could otherwise sign in as the person it is for.
 */
export const SECRET_KEY_PREFIX = 'secret:';

/**
 * The outbox. A message row is written in the same transaction as what causes it (or, for
 * notification events billing and AAA raise, by the dispatcher in one transaction with marking
 * the event handed over), under a unique `key` so a retried cause cannot queue it twice. The
 * sender delivers after commit, with retries and back-off.
 */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull().unique(),
    channel: text('channel').$type<'sms' | 'email'>().notNull().default('sms'),
    customerId: integer('customer_id').references(() => customers.id),
    /** E.164 with '+' (sms), or an email address (email). */
    recipient: text('recipient').notNull(),
    /** Email only: the subject line. */
    subject: text('subject'),
    language: text('language').$type<Language>().notNull(),
    /** Template key it was rendered from (e.g. 'payment_received'); null for free text. */
    template: text('template'),
    body: text('body').notNull(),
    parts: integer('parts').notNull(),
    encoding: text('encoding').$type<MessageEncoding>().notNull(),
    /** Re-sent after an unknown outcome: a duplicate receipt beats a lost password. */
    critical: integer('critical', { mode: 'boolean' }).notNull().default(false),
    status: text('status').$type<MessageStatus>().notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    gateway: text('gateway'),
    gatewayMessageId: text('gateway_message_id'),
    /** The gateway's own cost text, e.g. 'KES 0.8000': parsed for reports, never computed. */
    cost: text('cost'),
    campaignId: integer('campaign_id').references(() => campaigns.id),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    // The sender's claim: queued only, critical first, oldest due first — read in index order, no sort.
    index('messages_queued').on(sql`${t.critical} DESC`, t.nextAttemptAt, t.id).where(sql`${t.status} = 'queued'`),
    index('messages_gateway_id').on(t.gateway, t.gatewayMessageId), index('messages_customer').on(t.customerId, t.createdAt),
    // The outbox screen's "sent to this phone" filter, newest first.
    index('messages_recipient').on(t.recipient, t.id),
  ],
);

/** Operator's wording of a message per event and language; absent = the catalogue's default. */
export const messageTemplates = sqliteTable(
  'message_templates',
  {
    key: text('key').notNull(),
    language: text('language').$type<Language>().notNull(),
    body: text('body').notNull(),
    updatedAt: integer('updated_at').notNull(),
    actor: text('actor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.language] })],
);

/** A bulk SMS: the filter, the text, what the preview promised, and who sent it. */
export const campaigns = sqliteTable('campaigns', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** JSON of the customer filter (status, plan, …) as the sender saw it. */
  filter: text('filter').notNull(),
  body: text('body').notNull(),
  recipients: integer('recipients').notNull(),
  parts: integer('parts').notNull(),
  createdAt: integer('created_at').notNull(),
  actor: text('actor').notNull(),
});

/** Delivery reports as received (gateways send them late, twice, out of order). */
export const deliveryReports = sqliteTable(
  'delivery_reports',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    gateway: text('gateway').notNull(),
    gatewayMessageId: text('gateway_message_id').notNull(),
    status: text('status').notNull(),
    failureReason: text('failure_reason'),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [uniqueIndex('delivery_reports_once').on(t.gateway, t.gatewayMessageId, t.status)],
);

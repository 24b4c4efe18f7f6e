import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers } from './billing.js';

export type TicketStatus = 'open' | 'waiting_customer' | 'resolved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export type TicketCategory = 'no_internet' | 'slow' | 'billing' | 'installation' | 'equipment' | 'other';
export type TicketAuthor = 'customer' | 'staff';

/**
 * A support ticket: opened by the customer from the portal or by staff from a call. The SLA
 * clock is `firstResponseDueAt` / `resolveDueAt`, fixed when the ticket opens from its priority.
 */
export const tickets = sqliteTable(
  'tickets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    subject: text('subject').notNull(),
    category: text('category').$type<TicketCategory>().notNull().default('other'),
    priority: text('priority').$type<TicketPriority>().notNull().default('normal'),
    status: text('status').$type<TicketStatus>().notNull().default('open'),
    /** Staff username it is assigned to; null = nobody yet. */
    assignee: text('assignee'),
    /** 'customer' or the staff username who opened it for the customer. */
    openedBy: text('opened_by').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    firstResponseDueAt: integer('first_response_due_at'),
    firstRespondedAt: integer('first_responded_at'),
    resolveDueAt: integer('resolve_due_at'),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [index('tickets_by_customer').on(t.customerId, t.updatedAt), index('tickets_by_status').on(t.status, t.updatedAt), index('tickets_by_assignee').on(t.assignee, t.status)],
);

/** What was said on a ticket. Internal notes are staff-only: never shown to the customer nor sent by SMS. */
export const ticketMessages = sqliteTable(
  'ticket_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ticketId: integer('ticket_id')
      .notNull()
      .references(() => tickets.id),
    author: text('author').$type<TicketAuthor>().notNull(),
    /** The staff username for staff messages; null for the customer's. */
    staffUsername: text('staff_username'),
    internal: integer('internal', { mode: 'boolean' }).notNull().default(false),
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('ticket_messages_by_ticket').on(t.ticketId, t.id)],
);

export type ArticleLanguage = 'en' | 'ar';

/**
 * A knowledge-base article: short help customers read on the portal and the hotspot page before
 * opening a ticket. The text lives per language in kb_article_texts; English is the fallback.
 */
export const kbArticles = sqliteTable(
  'kb_articles',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').notNull(),
    category: text('category').notNull().default('general'),
    /** Display order, lowest first. */
    position: integer('position').notNull().default(0),
    published: integer('published', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Staff username of the last change. */
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [uniqueIndex('kb_articles_slug').on(t.slug), index('kb_articles_by_position').on(t.published, t.position)],
);

/** An article's title and plain-text body in one language. */
export const kbArticleTexts = sqliteTable(
  'kb_article_texts',
  {
    articleId: integer('article_id')
      .notNull()
      .references(() => kbArticles.id),
    language: text('language').$type<ArticleLanguage>().notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.language] })],
);

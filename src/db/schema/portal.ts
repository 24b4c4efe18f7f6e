import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { customers } from './billing.js';

/**
 * A customer signed in to the self-service portal (/portal). As for staff, only the SHA-256 of
 * the cookie's random token is kept; the CSRF token goes in every form of the session.
 */
export const portalSessions = sqliteTable(
  'portal_sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tokenHash: text('token_hash').notNull().unique(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    csrfToken: text('csrf_token').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('portal_sessions_by_customer').on(t.customerId), index('portal_sessions_by_expiry').on(t.expiresAt)],
);

/**
 * A sign-in code sent by SMS: the browser holds a random token (its SHA-256 is kept here) and
 * types the code; the code is kept only hashed. Five minutes, five tries, a new one after 60 s.
 * customerId is null when the number typed has no account: the page cannot tell the difference.
 */
export const portalSignInCodes = sqliteTable(
  'portal_sign_in_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tokenHash: text('token_hash').notNull().unique(),
    customerId: integer('customer_id').references(() => customers.id),
    codeHash: text('code_hash').notNull(),
    sentAt: integer('sent_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    tries: integer('tries').notNull().default(0),
  },
  (t) => [index('portal_codes_by_customer').on(t.customerId), index('portal_codes_by_expiry').on(t.expiresAt)],
);

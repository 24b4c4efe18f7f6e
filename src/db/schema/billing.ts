import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export type Currency = 'KES' | 'SSP' | 'UGX' | 'USD';
export type CustomerStatus = 'active' | 'suspended' | 'terminated';

/** What a customer buys. Money is integer minor units beside its currency, never REAL. */
export const plans = sqliteTable('plans', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  priceMinor: integer('price_minor').notNull(),
  currency: text('currency').$type<Currency>().notNull(),
  /** Validity of one purchase in seconds; null = no time limit. */
  durationSeconds: integer('duration_seconds'),
  /** Mikrotik-Rate-Limit string, router view: rx/tx = customer upload/download. */
  rateLimit: text('rate_limit'),
  /** Data allowance in bytes (upload + download); null = unlimited. */
  dataBytes: integer('data_bytes'),
  createdAt: integer('created_at').notNull(),
});

export const customers = sqliteTable('customers', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  /**
   * Network password, sealed (AES-256-GCM) with the key file: CHAP and MS-CHAPv2 need the
   * clear text, so a one-way hash cannot serve here (staff and portal logins use argon2).
   */
  passwordSealed: text('password_sealed').notNull(),
  planId: integer('plan_id').references(() => plans.id),
  status: text('status').$type<CustomerStatus>().notNull().default('active'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});


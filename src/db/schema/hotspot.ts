import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { customers, plans, type Currency } from './billing.js';

/** How a voucher's password is made: the code itself, empty (login by code alone), or a separate random one. */
export type VoucherPasswordMode = 'code' | 'blank' | 'random';

/** One printing of vouchers: the plan, how codes look, what they cost, where and until when they work. */
export const voucherBatches = sqliteTable('voucher_batches', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Printed on cards and reports, e.g. 'B-0007'. */
  name: text('name').notNull().unique(),
  planId: integer('plan_id')
    .notNull()
    .references(() => plans.id),
  count: integer('count').notNull(),
  codeLength: integer('code_length').notNull(),
  prefix: text('prefix').notNull().default(''),
  passwordMode: text('password_mode').$type<VoucherPasswordMode>().notNull(),
  priceMinor: integer('price_minor').notNull(),
  currency: text('currency').$type<Currency>().notNull(),
  /** An unused code stops working after this (ms); null = never. */
  useBefore: integer('use_before'),
  /** The first device to log in with a code keeps it. */
  macLock: integer('mac_lock', { mode: 'boolean' }).notNull().default(false),
  /** Router ids (JSON array) the codes work at; null = every router. */
  nasIds: text('nas_ids', { mode: 'json' }).$type<number[] | null>(),
  /** Who sells the batch (a shop, an agent), for sales per seller. */
  seller: text('seller'),
  /** The staff form's one-time key: the same form sent twice makes one batch. */
  createKey: text('create_key').unique(),
  createdAt: integer('created_at').notNull(),
  actor: text('actor').notNull(),
});

/** One code. Its account (customers row, kind 'voucher') carries the plan, usage and sessions. */
export const vouchers = sqliteTable(
  'vouchers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    batchId: integer('batch_id')
      .notNull()
      .references(() => voucherBatches.id),
    customerId: integer('customer_id')
      .notNull()
      .unique()
      .references(() => customers.id),
    code: text('code').notNull().unique(),
    /** Position in the batch, printed on the card for stock-taking. */
    serial: integer('serial').notNull(),
    /** The device that first logged in, when the batch locks codes to it. */
    lockedMac: text('locked_mac'),
    revokedAt: integer('revoked_at'),
    revokedBy: text('revoked_by'),
    revokeReason: text('revoke_reason'),
  },
  (t) => [index('vouchers_batch').on(t.batchId, t.serial)],
);

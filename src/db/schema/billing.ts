import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export type Currency = 'KES' | 'SSP' | 'UGX' | 'USD';
export type CustomerStatus = 'active' | 'suspended' | 'terminated';
export type BillingKind = 'prepaid' | 'postpaid';
export type ValidityStarts = 'purchase' | 'first_login';
export type DataCounts = 'total' | 'download';
/** After `afterBytes` of counted data in the period, the speed drops to `rateLimit`. */
export interface FupTier {
  afterBytes: number;
  rateLimit: string;
}

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
  billingKind: text('billing_kind').$type<BillingKind>().notNull().default('prepaid'),
  /** Calendar-month validity (e.g. 1 = a month, 31 Jan → 28/29 Feb); exclusive with durationSeconds. */
  validityMonths: integer('validity_months'),
  /** Hotspot habit: the clock starts at the first login; PPPoE habit: at purchase. */
  validityStarts: text('validity_starts').$type<ValidityStarts>().notNull().default('purchase'),
  /** Online time allowed per period, in seconds; null = unlimited. */
  timeAllowanceSeconds: integer('time_allowance_seconds'),
  /** Whether the data allowance and FUP count upload + download or download only. */
  dataCounts: text('data_counts').$type<DataCounts>().notNull().default('total'),
  fupTiers: text('fup_tiers', { mode: 'json' }).$type<FupTier[]>().notNull().default([]),
  /** Simultaneous sessions allowed (Simultaneous-Use). */
  sharedUsers: integer('shared_users').notNull().default(1),
  idleTimeoutSeconds: integer('idle_timeout_seconds'),
  interimIntervalSeconds: integer('interim_interval_seconds'),
  /** Time-of-day window in minutes after local midnight (operator's zone); end < start crosses midnight. */
  windowStartMinute: integer('window_start_minute'),
  windowEndMinute: integer('window_end_minute'),
  addressList: text('address_list'),
  ipPool: text('ip_pool'),
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
  /** Start of the current plan period; null while a first-login plan waits for its first login. */
  activatedAt: integer('activated_at'),
  /** End of the current plan period; null when the plan has no validity. */
  expiresAt: integer('expires_at'),
  /** Registered device MAC (AA:BB:CC:DD:EE:FF): MAC authentication, and MAC binding when on. */
  mac: text('mac').unique(),
  macBinding: integer('mac_binding', { mode: 'boolean' }).notNull().default(false),
  /** PPPoE static address sent as Framed-IP-Address. */
  staticIp: text('static_ip'),
});

/**
 * What a customer used in one plan period, summed from accounting deltas. The accounting
 * writer is its only writer; policy reads it.
 */
export const usage = sqliteTable(
  'usage',
  {
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    periodStart: integer('period_start').notNull(),
    inputOctets: integer('input_octets').notNull().default(0),
    outputOctets: integer('output_octets').notNull().default(0),
    onlineSeconds: integer('online_seconds').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.periodStart] })],
);

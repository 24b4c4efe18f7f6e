import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export type Currency = 'KES' | 'SSP' | 'UGX' | 'USD';
export type CustomerStatus = 'active' | 'suspended' | 'terminated';
export type BillingKind = 'prepaid' | 'postpaid';
export type ValidityStarts = 'purchase' | 'first_login';
export type DataCounts = 'total' | 'download';
export type BillingCycle = 'daily' | 'weekly' | 'monthly' | 'quarterly';
export type SubscriptionStatus = 'active' | 'paused' | 'cancelled' | 'expired';
export type SuspensionReason = 'overdue' | 'staff';
export type Language = 'en' | 'ar';
/** A person with an account, or a hotspot voucher (its code is the username). */
export type CustomerKind = 'customer' | 'voucher';
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
  /** Postpaid plans bill per cycle; prepaid plans run for their validity and renew from the wallet. */
  cycle: text('cycle').$type<BillingCycle>(),
  /** Tax class code (tax_classes); null = the operator's default class. */
  taxClass: text('tax_class'),
  /** Postpaid: price per started GB beyond the data allowance; null = no overage billing. */
  overagePerGbMinor: integer('overage_per_gb_minor'),
  /** Prepaid: the plan a subscription moves to when the wallet cannot pay a renewal; null = it expires. */
  gracePlanId: integer('grace_plan_id'),
});

export const customers = sqliteTable('customers', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  /**
   * Network password, sealed (AES-256-GCM) with the key file: CHAP and MS-CHAPv2 need the
   * clear text, so a one-way hash cannot serve here (staff and portal logins use argon2).
   */
  passwordSealed: text('password_sealed').notNull(),
  status: text('status').$type<CustomerStatus>().notNull().default('active'),
  /** Why a suspended account is suspended: only 'overdue' lifts itself when a payment clears the balance. */
  suspendedReason: text('suspended_reason').$type<SuspensionReason>(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  /** Registered device MAC (AA:BB:CC:DD:EE:FF): MAC authentication, and MAC binding when on. */
  mac: text('mac').unique(),
  macBinding: integer('mac_binding', { mode: 'boolean' }).notNull().default(false),
  /** PPPoE static address sent as Framed-IP-Address. */
  staticIp: text('static_ip'),
  fullName: text('full_name'),
  /** E.164, e.g. +254712345678. */
  phone: text('phone'),
  email: text('email'),
  billingAddress: text('billing_address'),
  serviceLocation: text('service_location'),
  language: text('language').$type<Language>().notNull().default('en'),
  /** The account's currency: invoices, wallet and payments are in it. */
  currency: text('currency').$type<Currency>().notNull().default('KES'),
  taxExempt: integer('tax_exempt', { mode: 'boolean' }).notNull().default(false),
  /**
   * Vouchers are accounts too, so RADIUS, plans, usage, sessions and CoA treat them exactly as
   * customers; the kind keeps them out of customer lists and reports.
   */
  kind: text('kind').$type<CustomerKind>().notNull().default('customer'),
  /** The self-service portal's password (argon2id), apart from the network one; null = sign in by SMS code only. */
  portalPasswordHash: text('portal_password_hash'),
  /** Wrong portal passwords or codes in a row; the fifth locks portal sign-in for fifteen minutes. */
  portalFailedSignIns: integer('portal_failed_sign_ins').notNull().default(0),
  /** Portal sign-in refused until this moment (ms); null = not locked. */
  portalLockedUntil: integer('portal_locked_until'),
  /** Personal data erased (ms): name, phone, email, addresses and MAC blanked; the ledger kept. */
  erasedAt: integer('erased_at'),
},
  // Found by the phone they paid from (support's Why?, the captive page's self-help, paybill references).
  (t) => [index('customers_by_phone').on(t.phone).where(sql`phone IS NOT NULL`)],
);

/**
 * What a customer is subscribed to: one row per customer, changed in place by renewals,
 * plan changes and status changes (each leaves a timeline event). The current period is
 * [periodStart, periodEnd): for prepaid plans the plan's validity, after which it renews from
 * the wallet or expires; for postpaid plans the billing cycle, invoiced at its end.
 */
export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .unique()
      .references(() => customers.id),
    planId: integer('plan_id')
      .notNull()
      .references(() => plans.id),
    status: text('status').$type<SubscriptionStatus>().notNull().default('active'),
    billingKind: text('billing_kind').$type<BillingKind>().notNull(),
    /** Postpaid: the cycle and its anchor day (calendar.ts); null for prepaid. */
    cycle: text('cycle').$type<BillingCycle>(),
    anchorDay: integer('anchor_day'),
    startedAt: integer('started_at').notNull(),
    /** Null while a first-login plan waits for its first login. */
    periodStart: integer('period_start'),
    /** Next renewal or invoice; null when the plan never ends. */
    periodEnd: integer('period_end'),
    autoRenew: integer('auto_renew', { mode: 'boolean' }).notNull().default(true),
    /** A plan change the operator scheduled for the next renewal. */
    nextPlanId: integer('next_plan_id').references(() => plans.id),
    /** When the customer (or staff) paused the line; null = not paused. Resuming moves periodEnd on by the pause. */
    pausedAt: integer('paused_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('subscriptions_due').on(t.status, t.periodEnd)],
);

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

export type TimelineKind =
  | 'subscribed' | 'plan_changed' | 'renewed' | 'renewal_failed' | 'expired' | 'moved_to_grace_plan'
  | 'invoice_issued' | 'credit_note_issued' | 'payment_received' | 'adjustment' | 'reminder'
  | 'suspended' | 'reactivated' | 'status_changed' | 'instalments_arranged';

/** Everything that happened to a customer's account, newest last: who, what, when. */
export const customerEvents = sqliteTable(
  'customer_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    kind: text('kind').$type<TimelineKind>().notNull(),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('customer_events_by_customer').on(t.customerId, t.at), index('customer_events_by_kind').on(t.kind, t.at)],
);

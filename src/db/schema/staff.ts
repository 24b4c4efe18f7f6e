import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { plans, type Currency } from './billing.js';

export type StaffRole = 'admin' | 'billing_manager' | 'support' | 'technician' | 'agent';

export const staff = sqliteTable('staff', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  /** argon2id hash; staff passwords are never needed in clear. */
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<StaffRole>().notNull(),
  mustChangePassword: integer('must_change_password', { mode: 'boolean' }).notNull().default(true),
  createdAt: integer('created_at').notNull(),
  /** Wrong passwords in a row since the last sign-in or lock; the fifth locks the account. */
  failedSignIns: integer('failed_sign_ins').notNull().default(0),
  /** Sign-in refused, even with the right password, until this moment (ms); null = not locked. */
  lockedUntil: integer('locked_until'),
  passwordChangedAt: integer('password_changed_at'),
  /** Set by an administrator: no sign-in until enabled again (ms); null = active. */
  disabledAt: integer('disabled_at'),
  lastSignInAt: integer('last_sign_in_at'),
  /** E.164 with '+', for sign-in codes by SMS; null = none. */
  phone: text('phone'),
  /** Sign-in needs a code by SMS as well as the password (needs `phone`). */
  smsSignIn: integer('sms_sign_in', { mode: 'boolean' }).notNull().default(false),
  /** The TOTP (RFC 6238) secret, base32, sealed by the secret box; null = two-step sign-in off. */
  totpSecret: text('totp_secret'),
  /** The last time step a TOTP code was accepted for: the same code is not taken twice. */
  totpLastStep: integer('totp_last_step'),
  /** The language this person chose for the staff pages; null = the browser's. */
  language: text('language').$type<'en' | 'ar'>(),
  /** For alerts and ticket notices by email; null = none. */
  email: text('email'),
});

/**
 * A sign-in half done: the password was right and a second factor is awaited. Not a session:
 * it opens no page, lives minutes, and only its token's SHA-256 is kept. The SMS code is kept
 * hashed, with its own expiry and tries.
 */
export const staffPendingSignIns = sqliteTable(
  'staff_pending_sign_ins',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tokenHash: text('token_hash').notNull().unique(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    smsCodeHash: text('sms_code_hash'),
    smsExpiresAt: integer('sms_expires_at'),
    smsTries: integer('sms_tries').notNull().default(0),
  },
  (t) => [index('staff_pending_by_expiry').on(t.expiresAt)],
);

/**
 * A signed-in browser. Only a SHA-256 of the cookie's random token is kept, so a copy of the
 * database signs nobody in. The CSRF token is per session and goes in every form.
 */
export const staffSessions = sqliteTable(
  'staff_sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tokenHash: text('token_hash').notNull().unique(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    csrfToken: text('csrf_token').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('staff_sessions_by_staff').on(t.staffId), index('staff_sessions_by_expiry').on(t.expiresAt)],
);

/** 'cash', or the provider module that prompted the recipient's phone (mpesa, momo…). */
export type AgentSaleMethod = 'cash' | (string & {});

/**
 * A token an agent issued from the token page. Cash sales carry their code at once; a mobile
 * money sale names its payment attempt, and its code is the voucher the settlement sold.
 */
export const agentSales = sqliteTable(
  'agent_sales',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The form's one-time key (UUID): a double-tapped "issue" makes one sale. */
    key: text('key').notNull().unique(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    method: text('method').$type<AgentSaleMethod>().notNull(),
    planId: integer('plan_id')
      .notNull()
      .references(() => plans.id),
    priceMinor: integer('price_minor').notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    /** E.164 of the recipient. */
    phone: text('phone').notNull(),
    /** The voucher code; null for mobile money sales (read from the attempt once paid). */
    code: text('code'),
    attemptKey: text('attempt_key'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('agent_sales_by_staff').on(t.staffId, t.createdAt)],
);

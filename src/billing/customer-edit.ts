import { isIPv4 } from 'node:net';
import { and, eq, ne } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { customers } from '../db/schema/billing.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { findCustomer, type CustomerSummary } from './customers.js';
import { normaliseMac } from './mac.js';
import { normalisePhone } from './phone.js';

/** A customer's details as staff edit them; absent fields stay as they are, null clears one. */
export interface CustomerChanges {
  fullName?: string | null;
  phone?: string | null;
  email?: string | null;
  mac?: string | null;
  macBinding?: boolean;
  staticIp?: string | null;
  /** A new network password (sealed before it is stored). */
  password?: string;
}

/** What an edit changed, field by field, for the audit log: never the password, only that it changed. */
export interface CustomerEdit {
  customer: CustomerSummary;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  passwordChanged: boolean;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/;
const EDITABLE = ['fullName', 'phone', 'email', 'mac', 'macBinding', 'staticIp'] as const;

/**
 * Changes a customer's details (not the username: payments and the router know them by it).
 * Checks everything first, so a bad value changes nothing; runs inside the caller's transaction
 * when there is one.
 */
export function editCustomer(db: Db, box: SecretBox | undefined, username: string, changes: CustomerChanges, now: number): CustomerEdit {
  const current = findCustomer(db, username);
  if (!current) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username });
  const next: Partial<Record<(typeof EDITABLE)[number], unknown>> = {};
  if (changes.fullName !== undefined) next.fullName = changes.fullName === null || changes.fullName.trim() === '' ? null : changes.fullName.trim();
  if (changes.phone !== undefined) {
    if (changes.phone === null || changes.phone.trim() === '') next.phone = null;
    else {
      const phone = normalisePhone(changes.phone, getSetting(db, 'operator.country'));
      if (phone === undefined) throw new LangoError('INPUT_BAD_PHONE', { value: changes.phone });
      next.phone = phone;
    }
  }
  if (changes.email !== undefined) {
    const email = changes.email === null ? '' : changes.email.trim();
    if (email !== '' && !EMAIL.test(email)) throw new LangoError('INPUT_BAD_EMAIL', { value: email });
    next.email = email === '' ? null : email;
  }
  if (changes.mac !== undefined) {
    if (changes.mac === null || changes.mac.trim() === '') next.mac = null;
    else {
      const mac = normaliseMac(changes.mac);
      if (mac === undefined) throw new LangoError('INPUT_BAD_MAC', { value: changes.mac });
      next.mac = mac;
    }
  }
  if (changes.macBinding !== undefined) next.macBinding = changes.macBinding;
  const mac = (next.mac === undefined ? current.mac : next.mac) as string | null;
  // Binding to no device would lock the customer out: without a MAC, binding is off.
  if (mac === null && (next.macBinding ?? current.macBinding)) next.macBinding = false;
  if (changes.staticIp !== undefined) {
    const ip = changes.staticIp === null ? '' : changes.staticIp.trim();
    if (ip !== '' && !isIPv4(ip)) throw new LangoError('INPUT_BAD_IP', { value: ip });
    next.staticIp = ip === '' ? null : ip;
  }
  if (changes.password !== undefined && (changes.password.length < 1 || changes.password.length > 128)) throw new LangoError('INPUT_BAD_PASSWORD');
  if (changes.password !== undefined && !box) throw new Error('a new password needs the secret box');
  if (mac !== null && mac !== current.mac) {
    const owner = db.select({ username: customers.username }).from(customers).where(and(eq(customers.mac, mac), ne(customers.id, current.id))).get();
    if (owner) throw new LangoError('INPUT_DUPLICATE_MAC', { mac, username: owner.username });
  }
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const field of EDITABLE) {
    if (next[field] === undefined || next[field] === current[field]) continue;
    before[field] = current[field];
    after[field] = next[field];
  }
  const passwordChanged = changes.password !== undefined;
  if (Object.keys(after).length > 0 || passwordChanged) {
    db.update(customers)
      .set({ ...after, ...(passwordChanged && { passwordSealed: box!.seal(changes.password!) }), updatedAt: now })
      .where(eq(customers.id, current.id))
      .run();
  }
  return { customer: findCustomer(db, current.username)!, before, after, passwordChanged };
}

import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { and, asc, eq } from 'drizzle-orm';
import { normalisePhone } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import { customers } from '../db/schema/billing.js';
import { getSetting } from '../settings/index.js';
import { clearWrongTries, countWrongTry, lockedUntil } from './lockout.js';
import { createSession, endSessions } from './sessions.js';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export interface PortalAccount {
  id: number;
  username: string;
  phone: string | null;
  language: 'en' | 'ar';
}

const account = { id: customers.id, username: customers.username, phone: customers.phone, language: customers.language };

/**
 * The customer a sign-in form names: a phone number in any usual spelling (0712…, +254…),
 * else a username. Vouchers have no portal. The oldest account wins when a number is shared.
 */
export function findPortalAccount(db: Db, identifier: string): PortalAccount | undefined {
  const text = identifier.trim();
  if (text.length === 0 || text.length > 64) return undefined;
  // A local number (07…, 09…) is read in the operator's country, as everywhere else.
  const phone = normalisePhone(text, getSetting(db, 'operator.country'));
  if (phone) {
    const byPhone = db.select(account).from(customers).where(and(eq(customers.phone, phone), eq(customers.kind, 'customer'))).orderBy(asc(customers.id)).limit(1).get();
    if (byPhone) return byPhone;
  }
  return db.select(account).from(customers).where(and(eq(customers.username, text), eq(customers.kind, 'customer'))).get();
}

export type SignInResult =
  | { kind: 'signed-in'; customerId: number; token: string; csrfToken: string; expiresAt: number }
  /** Unknown phone or username, no portal password yet, or a wrong one: the same answer. */
  | { kind: 'wrong' }
  | { kind: 'locked'; until: number };

// Verified against when there is no account or no password, so every "wrong" takes as long.
let dummyHash: Promise<string> | undefined;

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

/** Phone or username and the portal password: five wrong in a row lock for fifteen minutes. */
export async function signInWithPassword(db: Db, identifier: string, password: string, now: number, ttlMs?: number): Promise<SignInResult> {
  const found = findPortalAccount(db, identifier);
  const hash = found && db.select({ hash: customers.portalPasswordHash }).from(customers).where(eq(customers.id, found.id)).get()?.hash;
  if (found) {
    const until = lockedUntil(db, found.id, now);
    if (until !== undefined) return { kind: 'locked', until };
  }
  let right = false;
  if (hash && password.length <= PASSWORD_MAX) right = await argon2.verify(hash, password);
  else {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await argon2.verify(await dummyHash, password.slice(0, PASSWORD_MAX));
  }
  if (!found) return { kind: 'wrong' };
  return db.transaction((tx) => {
    const d = tx as Db;
    // Read again after the slow hash: a lock set meanwhile (guesses in parallel) still holds.
    const until = lockedUntil(d, found.id, now);
    if (until !== undefined) return { kind: 'locked', until } as const;
    if (!right) return countWrongTry(d, found.id, now);
    clearWrongTries(d, found.id);
    return { kind: 'signed-in', customerId: found.id, ...createSession(d, found.id, now, ttlMs) } as const;
  }, { behavior: 'immediate' });
}

/**
 * Sets the portal password of a signed-in customer (first time, or after a code sign-in when
 * it was forgotten): the session proves who they are. Other portal sessions end.
 */
export async function setPortalPassword(db: Db, input: { customerId: number; password: string; now: number; keepSessionId?: number }): Promise<'set' | 'weak'> {
  const row = db.select({ username: customers.username }).from(customers).where(eq(customers.id, input.customerId)).get();
  if (!row) throw new Error(`no customer ${input.customerId}`);
  if (input.password.length < PASSWORD_MIN || input.password.length > PASSWORD_MAX || input.password.toLowerCase() === row.username.toLowerCase()) return 'weak';
  const hash = await hashPassword(input.password);
  db.transaction((tx) => {
    const d = tx as Db;
    d.update(customers).set({ portalPasswordHash: hash, updatedAt: input.now }).where(eq(customers.id, input.customerId)).run();
    endSessions(d, input.customerId, input.keepSessionId);
  }, { behavior: 'immediate' });
  return 'set';
}

import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers } from '../db/schema/billing.js';
import { portalSessions } from '../db/schema/portal.js';

/** Wrong portal passwords or codes in a row that lock portal sign-in, and for how long. */
export const LOCK_AFTER = 5;
export const LOCK_MS = 15 * 60_000;

/** The moment a customer's portal lock ends, when locked now. */
export function lockedUntil(d: Db, customerId: number, now: number): number | undefined {
  const row = d.select({ until: customers.portalLockedUntil }).from(customers).where(eq(customers.id, customerId)).get();
  return row?.until != null && row.until > now ? row.until : undefined;
}

/**
 * One more wrong password or code, inside the caller's transaction: the fifth in a row locks
 * portal sign-in for fifteen minutes and ends the customer's portal sessions. Passwords and
 * codes share the count. The network login is not touched.
 */
export function countWrongTry(d: Db, customerId: number, now: number): { kind: 'wrong' } | { kind: 'locked'; until: number } {
  const row = d.select({ failed: customers.portalFailedSignIns, until: customers.portalLockedUntil }).from(customers).where(eq(customers.id, customerId)).get();
  if (!row) return { kind: 'wrong' };
  const lockOver = row.until !== null && row.until <= now;
  const failed = (lockOver ? 0 : row.failed) + 1;
  if (failed >= LOCK_AFTER) {
    const until = now + LOCK_MS;
    d.update(customers).set({ portalFailedSignIns: 0, portalLockedUntil: until }).where(eq(customers.id, customerId)).run();
    d.delete(portalSessions).where(eq(portalSessions.customerId, customerId)).run();
    return { kind: 'locked', until };
  }
  d.update(customers).set({ portalFailedSignIns: failed, portalLockedUntil: null }).where(eq(customers.id, customerId)).run();
  return { kind: 'wrong' };
}

/** A sign-in that worked: the count starts again. */
export function clearWrongTries(d: Db, customerId: number): void {
  d.update(customers).set({ portalFailedSignIns: 0, portalLockedUntil: null }).where(eq(customers.id, customerId)).run();
}

/**
 * Staff lift a portal lock before its fifteen minutes are over (the customer called, and staff
 * know who they are), inside the caller's transaction so the audit record goes with it. Wrong
 * tries so far are forgotten too. Answers when the lifted lock would have ended; null when
 * portal sign-in was not locked.
 */
export function unlockPortal(d: Db, customerId: number, now: number): { wasLockedUntil: number | null } {
  const until = lockedUntil(d, customerId, now) ?? null;
  clearWrongTries(d, customerId);
  return { wasLockedUntil: until };
}

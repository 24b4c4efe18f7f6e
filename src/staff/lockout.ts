import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { staff } from '../db/schema/staff.js';
import { recordAudit } from './audit.js';
import { endSessions } from './sessions.js';

/** Wrong passwords (or sign-in codes) in a row that lock an account, and for how long. */
export const LOCK_AFTER = 5;
export const LOCK_MS = 15 * 60_000;

/**
 * One more wrong password or code for an account, inside the caller's transaction: the fifth
 * in a row locks it for fifteen minutes and ends its sessions. Passwords and codes share the
 * count, so a stolen password does not buy unlimited guesses at the code.
 */
export function countWrongTry(d: Db, staffId: number, now: number): { kind: 'wrong' } | { kind: 'locked'; until: number } {
  const current = d.select({ username: staff.username, lockedUntil: staff.lockedUntil, failed: staff.failedSignIns }).from(staff).where(eq(staff.id, staffId)).get();
  if (!current) return { kind: 'wrong' };
  const lockOver = current.lockedUntil !== null && current.lockedUntil <= now;
  const failed = (lockOver ? 0 : current.failed) + 1;
  if (failed >= LOCK_AFTER) {
    const until = now + LOCK_MS;
    d.update(staff).set({ failedSignIns: 0, lockedUntil: until }).where(eq(staff.id, staffId)).run();
    endSessions(d, staffId);
    recordAudit(d, 'system', 'staff.lock', `staff:${staffId}`, { username: current.username, after: LOCK_AFTER, until }, now);
    return { kind: 'locked', until };
  }
  d.update(staff).set({ failedSignIns: failed, lockedUntil: null }).where(eq(staff.id, staffId)).run();
  return { kind: 'wrong' };
}

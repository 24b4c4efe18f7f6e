import { and, eq, lte, ne } from 'drizzle-orm';
import { hashToken, randomToken, sameToken } from '../crypto/tokens.js';
import type { Db } from '../db/connection.js';
import { staff, staffSessions, type StaffRole } from '../db/schema/staff.js';

/** A sign-in lasts one working day at most; then the browser signs in again. */
export const SESSION_TTL_MS = 12 * 3_600_000;

export interface StaffMember {
  id: number;
  username: string;
  role: StaffRole;
  mustChangePassword: boolean;
}

export interface StaffSession {
  id: number;
  staff: StaffMember;
  /** Goes in every form of this session; a POST without it is refused. */
  csrfToken: string;
  expiresAt: number;
  /** The language they chose for the staff pages; null = not chosen yet (the browser's is used). */
  language: 'en' | 'ar' | null;
}

/** Opens a session for a member of staff; returns the cookie's token, which is not stored. Drops expired sessions on the way. */
export function createSession(db: Db, staffId: number, now: number, ttlMs = SESSION_TTL_MS): { token: string; csrfToken: string; expiresAt: number } {
  const token = randomToken();
  const csrfToken = randomToken();
  const expiresAt = now + ttlMs;
  db.transaction((tx) => {
    const d = tx as Db;
    d.delete(staffSessions).where(lte(staffSessions.expiresAt, now)).run();
    d.insert(staffSessions).values({ tokenHash: hashToken(token), staffId, csrfToken, createdAt: now, expiresAt }).run();
  }, { behavior: 'immediate' });
  return { token, csrfToken, expiresAt };
}

/** The session a cookie's token opens, with who it belongs to; undefined when unknown or expired. */
export function sessionFor(db: Db, token: string | undefined, now: number): StaffSession | undefined {
  if (!token || token.length > 128) return undefined;
  const row = db
    .select({
      id: staffSessions.id,
      csrfToken: staffSessions.csrfToken,
      expiresAt: staffSessions.expiresAt,
      staffId: staff.id,
      username: staff.username,
      role: staff.role,
      mustChangePassword: staff.mustChangePassword,
      language: staff.language,
    })
    .from(staffSessions)
    .innerJoin(staff, eq(staff.id, staffSessions.staffId))
    .where(eq(staffSessions.tokenHash, hashToken(token)))
    .get();
  if (!row || row.expiresAt <= now) return undefined;
  return {
    id: row.id,
    csrfToken: row.csrfToken,
    expiresAt: row.expiresAt,
    language: row.language,
    staff: { id: row.staffId, username: row.username, role: row.role, mustChangePassword: row.mustChangePassword },
  };
}

/** Ends the session the token opens (signing out); nothing happens for an unknown token. */
export function signOut(db: Db, token: string | undefined): void {
  if (!token) return;
  db.delete(staffSessions).where(eq(staffSessions.tokenHash, hashToken(token))).run();
}

/** Ends every session of a member of staff but `keepId` (after a password change, a role change, a lock). */
export function endSessions(db: Db, staffId: number, keepId?: number): number {
  return db
    .delete(staffSessions)
    .where(and(eq(staffSessions.staffId, staffId), keepId === undefined ? undefined : ne(staffSessions.id, keepId)))
    .run().changes;
}

/** Compares a form's CSRF token with the session's in constant time. */
export function csrfMatches(session: Pick<StaffSession, 'csrfToken'>, given: unknown): boolean {
  return sameToken(session.csrfToken, given);
}

export { hashToken, randomToken } from '../crypto/tokens.js';

import { and, eq, lte, ne } from 'drizzle-orm';
import { hashToken, randomToken } from '../crypto/tokens.js';
import type { Db } from '../db/connection.js';
import { customers, type Language } from '../db/schema/billing.js';
import { portalSessions } from '../db/schema/portal.js';

/** A portal sign-in lasts a week on the customer's own phone. */
export const SESSION_TTL_MS = 7 * 86_400_000;

export interface PortalSession {
  id: number;
  customerId: number;
  username: string;
  language: Language;
  /** The customer has a portal password (else the home page offers to set one). */
  hasPassword: boolean;
  /** Goes in every form of this session; a POST without it is refused. */
  csrfToken: string;
  expiresAt: number;
}

/** Opens a session (inside or outside a transaction); returns the cookie's token, which is not stored. */
export function createSession(d: Db, customerId: number, now: number, ttlMs = SESSION_TTL_MS): { token: string; csrfToken: string; expiresAt: number } {
  const token = randomToken();
  const csrfToken = randomToken();
  const expiresAt = now + ttlMs;
  d.delete(portalSessions).where(lte(portalSessions.expiresAt, now)).run();
  d.insert(portalSessions).values({ tokenHash: hashToken(token), customerId, csrfToken, createdAt: now, expiresAt }).run();
  return { token, csrfToken, expiresAt };
}

/** The session a cookie's token opens; undefined when unknown, expired, or the account is closed. */
export function sessionFor(db: Db, token: string | undefined, now: number): PortalSession | undefined {
  if (!token || token.length > 128) return undefined;
  const row = db
    .select({
      id: portalSessions.id,
      csrfToken: portalSessions.csrfToken,
      expiresAt: portalSessions.expiresAt,
      customerId: customers.id,
      username: customers.username,
      language: customers.language,
      passwordHash: customers.portalPasswordHash,
      kind: customers.kind,
    })
    .from(portalSessions)
    .innerJoin(customers, eq(customers.id, portalSessions.customerId))
    .where(eq(portalSessions.tokenHash, hashToken(token)))
    .get();
  if (!row || row.expiresAt <= now || row.kind !== 'customer') return undefined;
  return { id: row.id, customerId: row.customerId, username: row.username, language: row.language, hasPassword: row.passwordHash !== null, csrfToken: row.csrfToken, expiresAt: row.expiresAt };
}

export function signOut(db: Db, token: string | undefined): void {
  if (token) db.delete(portalSessions).where(eq(portalSessions.tokenHash, hashToken(token))).run();
}

/** Ends every portal session of a customer but `keepId` (after a password change). */
export function endSessions(d: Db, customerId: number, keepId?: number): number {
  return d
    .delete(portalSessions)
    .where(and(eq(portalSessions.customerId, customerId), keepId === undefined ? undefined : ne(portalSessions.id, keepId)))
    .run().changes;
}

export { hashToken, randomToken, sameToken } from '../crypto/tokens.js';

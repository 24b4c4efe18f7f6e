import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { portalSessions, portalSignInCodes } from '../db/schema/portal.js';

// The customer's portal sign-ins: only the sessions still kept (they expire after a week).

export function portalSignInsOf(db: Db, customerId: number) {
  return db.select({ createdAt: portalSessions.createdAt, expiresAt: portalSessions.expiresAt }).from(portalSessions).where(eq(portalSessions.customerId, customerId)).orderBy(asc(portalSessions.createdAt)).all();
}

/** Ends every portal session and forgets every sign-in code of the customer. Run inside the caller's transaction. */
export function erasePortalPersonalData(db: Db, customerId: number): void {
  db.delete(portalSessions).where(eq(portalSessions.customerId, customerId)).run();
  db.delete(portalSignInCodes).where(eq(portalSignInCodes.customerId, customerId)).run();
}

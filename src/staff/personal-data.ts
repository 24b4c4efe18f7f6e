import { eq, inArray, like, or } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { auditLog } from '../db/schema/operations.js';
import type { Scrub } from '../privacy/scrub.js';
import { searchAudit, type AuditEntry } from './audit.js';

// Audit entries about one customer, for a personal-data export and for erasure.

export function auditEntriesAbout(db: Db, customerId: number, username: string): AuditEntry[] {
  return searchAudit(db, { subjects: [`customer:${customerId}`], username, limit: 10_000 }).reverse();
}

/**
 * Scrubs the customer's personal values out of the audit details that hold them (a customer's
 * creation records the name and phone typed). Who did what, and when, stays: the log keeps its
 * shape, only the values go. Run inside the caller's transaction.
 */
export function eraseAuditPersonalData(db: Db, customerId: number, scrub: Scrub, otherSubjects: readonly string[] = []): void {
  // Also the entries of things that were about them (their jobs' completion notes, their modem's moves).
  const subjects = [`customer:${customerId}`, ...otherSubjects];
  const holding = or(inArray(auditLog.subject, subjects), ...scrub.identifiers.map((v) => like(auditLog.detail, `%${v}%`)));
  for (const entry of db.select({ id: auditLog.id, detail: auditLog.detail }).from(auditLog).where(holding).all()) {
    const detail = scrub.json(entry.detail);
    if (JSON.stringify(detail) !== JSON.stringify(entry.detail)) db.update(auditLog).set({ detail }).where(eq(auditLog.id, entry.id)).run();
  }
}

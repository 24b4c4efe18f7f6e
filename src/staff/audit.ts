import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { auditLog } from '../db/schema/operations.js';

export type AuditEntry = typeof auditLog.$inferSelect;

/**
 * Appends what a member of staff did, in the same transaction as the change itself, so an
 * action and its record exist together or not at all. `detail` never holds secrets.
 */
export function recordAudit(db: Db, actor: string, action: string, subject: string, detail: Record<string, unknown>, at = Date.now()): void {
  db.insert(auditLog).values({ actor, action, subject, detail, at }).run();
}

export function auditTrail(db: Db, subject?: string, limit = 200): AuditEntry[] {
  return db
    .select()
    .from(auditLog)
    .where(subject === undefined ? undefined : eq(auditLog.subject, subject))
    .orderBy(desc(auditLog.id))
    .limit(limit)
    .all();
}

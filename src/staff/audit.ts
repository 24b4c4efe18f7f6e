import { and, desc, eq, gte, inArray, lt, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
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

export interface AuditSearch {
  /** 'amina' finds what staff:amina did; 'cli:root' or 'system' match as written. */
  actor?: string;
  /** An action or the start of one: 'customer.' finds every customer change. */
  action?: string;
  /**
   * Subjects as stored ('customer:12', 'invoice:INV-2026-0001'), matched exactly; the caller
   * turns what a person typed (a customer's username) into these.
   */
  subjects?: readonly string[];
  /** Also entries whose detail names this username (a customer or staff member by name). */
  username?: string;
  /** Anywhere in the action, subject or detail. */
  text?: string;
  /** From this moment (ms, inclusive) until that one (exclusive). */
  from?: number;
  until?: number;
  limit?: number;
  offset?: number;
}

/** `%` and `_` typed by a person are letters, not wildcards. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const contains = (column: AnyColumn, text: string) => sql`${column} LIKE ${`%${escapeLike(text)}%`} ESCAPE '\\'`;

/**
 * The audit log, newest first, narrowed by any of actor, action, subject, text and time. The
 * actor, subject and time conditions use the log's indexes (by actor, by subject, by time);
 * free text scans what those leave.
 */
export function searchAudit(db: Db, search: AuditSearch = {}): AuditEntry[] {
  const conditions: Array<SQL | undefined> = [];
  const actor = search.actor?.trim();
  if (actor) conditions.push(actor.includes(':') || actor === 'system' ? eq(auditLog.actor, actor) : inArray(auditLog.actor, [`staff:${actor}`, actor]));
  const action = search.action?.trim();
  if (action) conditions.push(action.endsWith('.') ? sql`${auditLog.action} LIKE ${`${escapeLike(action)}%`} ESCAPE '\\'` : or(eq(auditLog.action, action), sql`${auditLog.action} LIKE ${`${escapeLike(action)}.%`} ESCAPE '\\'`));
  const subjects = search.subjects?.filter((s) => s.length > 0) ?? [];
  const username = search.username?.trim();
  if (subjects.length > 0 || username) {
    conditions.push(
      or(
        ...(subjects.length > 0 ? [inArray(auditLog.subject, [...subjects])] : []),
        ...(username ? [sql`json_extract(${auditLog.detail}, '$.username') = ${username}`] : []),
      ),
    );
  }
  const text = search.text?.trim();
  if (text) conditions.push(or(contains(auditLog.action, text), contains(auditLog.subject, text), contains(auditLog.detail, text), contains(auditLog.actor, text)));
  if (search.from !== undefined) conditions.push(gte(auditLog.at, search.from));
  if (search.until !== undefined) conditions.push(lt(auditLog.at, search.until));
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(search.limit ?? 50)
    .offset(search.offset ?? 0)
    .all();
}

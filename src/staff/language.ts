import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { staff } from '../db/schema/staff.js';
import { recordAudit } from './audit.js';

// The language a member of staff reads the staff pages in. Kept on their account rather than
// only in a cookie, so a shared counter PC or a new phone shows their language once they sign in.

export type StaffLanguage = NonNullable<typeof staff.$inferSelect.language>;

/**
 * Stores the chosen language. A person switching their own pages is not audited (it is a
 * preference, and would flood the log); `actor` is given when someone else sets it (the CLI).
 * Answers false when there is no such account.
 */
export function setStaffLanguage(db: Db, input: { staffId: number; language: StaffLanguage; now: number; actor?: string }): boolean {
  return db.transaction((tx) => {
    const d = tx as Db;
    const before = d.select({ username: staff.username, language: staff.language }).from(staff).where(eq(staff.id, input.staffId)).get();
    if (!before) return false;
    if (before.language === input.language) return true;
    d.update(staff).set({ language: input.language }).where(eq(staff.id, input.staffId)).run();
    if (input.actor !== undefined) {
      recordAudit(d, input.actor, 'staff.language', `staff:${input.staffId}`, { username: before.username, before: { language: before.language }, after: { language: input.language } }, input.now);
    }
    return true;
  }, { behavior: 'immediate' });
}

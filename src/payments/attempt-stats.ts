import { desc, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { paymentAttempts, paymentInbox, type AttemptStatus } from '../db/schema/payments.js';

// Figures about payment attempts for /metrics and the health alerts: counted, never listed.

/** Attempts by status (the payment_attempts_due_query index leads with status: an index-only count). */
export function countAttemptsByStatus(db: Db): Partial<Record<AttemptStatus, number>> {
  const rows = db.select({ status: paymentAttempts.status, n: sql<number>`count(*)` }).from(paymentAttempts).groupBy(paymentAttempts.status).all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Provider callbacks stored so far (one row per callback). */
export function countCallbacks(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(paymentInbox).get()?.n ?? 0;
}

const FINISHED: AttemptStatus[] = ['succeeded', 'failed', 'cancelled', 'expired'];

/** Statuses of the last `count` finished attempts, newest first (by id: the order they were made). */
export function lastFinishedStatuses(db: Db, count: number): AttemptStatus[] {
  if (count <= 0) return [];
  return db
    .select({ status: paymentAttempts.status })
    .from(paymentAttempts)
    .where(inArray(paymentAttempts.status, FINISHED))
    .orderBy(desc(paymentAttempts.id))
    .limit(count)
    .all()
    .map((r) => r.status);
}

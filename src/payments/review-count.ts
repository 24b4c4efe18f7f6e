import { sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';

/**
 * How many payments wait for a person (the staff payments queue): flagged attempts and
 * callbacks for requests Lango never made, not yet reviewed. Counted, not listed, for the
 * dashboard. Attempts: the payment_attempts_review index; callbacks: a scan of the inbox (small: one row per provider callback, and no index on review_reason).
 */
export function countAwaitingReview(db: Db): number {
  const attempts = db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM payment_attempts WHERE review_reason IS NOT NULL AND reviewed_at IS NULL`)!.n;
  const callbacks = db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM payment_inbox WHERE review_reason IS NOT NULL AND reviewed_at IS NULL`)!.n;
  return attempts + callbacks;
}

import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { paymentInbox } from '../db/schema/payments.js';

export type InboxRow = typeof paymentInbox.$inferSelect;

/**
 * Stores a callback's raw body once per (provider, route, provider id) before anything acts
 * on it; a replay only counts a duplicate. With synchronous=FULL the row is on disk when this
 * returns, so the provider's 200 never outruns the evidence.
 */
export function storeCallback(db: Db, input: { provider: string; route: string; dedupeKey: string; body: string; sourceIp: string; now: number }): { row: InboxRow; duplicate: boolean } {
  return db.transaction((tx) => {
    const inserted = tx
      .insert(paymentInbox)
      .values({ provider: input.provider, route: input.route, dedupeKey: input.dedupeKey, body: input.body, sourceIp: input.sourceIp, receivedAt: input.now })
      .onConflictDoNothing()
      .returning()
      .get();
    if (inserted) return { row: inserted, duplicate: false };
    const where = and(eq(paymentInbox.provider, input.provider), eq(paymentInbox.route, input.route), eq(paymentInbox.dedupeKey, input.dedupeKey));
    const row = tx.update(paymentInbox).set({ duplicates: sql`${paymentInbox.duplicates} + 1` }).where(where).returning().get()!;
    return { row, duplicate: true };
  }, { behavior: 'immediate' });
}

export function markProcessed(db: Db, id: number, result: string, now: number, extra: { attemptId?: number | null; reviewReason?: string | null } = {}): void {
  db.update(paymentInbox)
    .set({ processedAt: now, result, attemptId: extra.attemptId ?? null, reviewReason: extra.reviewReason ?? null })
    .where(eq(paymentInbox.id, id))
    .run();
}

/** Callbacks stored but never acted on: a crash came between the two. Settled again at start. */
/** Stored but not acted on, among one provider's callbacks with these ids (a lookup's early answer). */
export function unprocessedCallbacksWithKeys(db: Db, provider: string, dedupeKeys: readonly string[]): InboxRow[] {
  if (dedupeKeys.length === 0) return [];
  return db
    .select()
    .from(paymentInbox)
    .where(and(eq(paymentInbox.provider, provider), inArray(paymentInbox.dedupeKey, [...dedupeKeys]), isNull(paymentInbox.processedAt)))
    .orderBy(asc(paymentInbox.id))
    .all();
}

export function unprocessedCallbacks(db: Db): InboxRow[] {
  return db.select().from(paymentInbox).where(isNull(paymentInbox.processedAt)).orderBy(asc(paymentInbox.id)).all();
}

export function flaggedCallbacks(db: Db): InboxRow[] {
  return db.select().from(paymentInbox).where(and(isNotNull(paymentInbox.reviewReason), isNull(paymentInbox.reviewedAt))).orderBy(asc(paymentInbox.id)).all();
}

export function findCallback(db: Db, id: number): InboxRow | undefined {
  return db.select().from(paymentInbox).where(eq(paymentInbox.id, id)).get();
}

export function markCallbackReviewed(db: Db, id: number, actor: string, now: number): boolean {
  return db.update(paymentInbox).set({ reviewedAt: now, reviewedBy: actor }).where(and(eq(paymentInbox.id, id), isNotNull(paymentInbox.reviewReason), isNull(paymentInbox.reviewedAt))).run().changes === 1;
}

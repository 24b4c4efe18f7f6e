import { eq, lt } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { requestKeys } from '../db/schema/operations.js';

/** How long a key is remembered: far longer than any link stays down with a form queued. */
export const REQUEST_KEY_DAYS = 30;

export interface RequestKey {
  /** The form's idempotency key (a UUID made in the browser when the form was sent). */
  key: string;
  /** Who sent it ('staff:alice', 'customer:12'). */
  sender: string;
  /** What it does ('payments.record'). */
  action: string;
  now: number;
}

export type Once =
  /** The change ran now; `result` is stored under the key. */
  | { kind: 'done'; result: string }
  /** The key was seen before from the same sender: the change did not run again. */
  | { kind: 'repeat'; result: string }
  /** The key belongs to another sender: nothing ran, and their result is not shown. */
  | { kind: 'not-yours' };

/**
 * Carries out a form once per idempotency key: in one transaction the key is looked up, `run`
 * makes the change (with the transaction's handle) and the key is stored with what `run`
 * answered. A retry of the same form (a queued form sent again after a lost answer, a double
 * tap) gets the first answer back and changes nothing. If `run` throws, nothing is kept, the
 * key included, so the retry meets the same refusal.
 *
 * A key another sender presents is refused rather than run: keys are random and made in one
 * person's browser, so a second sender means a bug or a replay, and running it afresh could
 * make the same change twice under another name, while answering with the stored result would
 * show one person's receipt to another.
 */
export function once(db: Db, request: RequestKey, run: (tx: Db) => string): Once {
  return db.transaction((tx) => {
    const d = tx as Db;
    const seen = d.select({ sender: requestKeys.sender, result: requestKeys.result }).from(requestKeys).where(eq(requestKeys.key, request.key)).get();
    if (seen) return seen.sender === request.sender ? { kind: 'repeat', result: seen.result } : { kind: 'not-yours' };
    const result = run(d);
    d.insert(requestKeys).values({ key: request.key, sender: request.sender, action: request.action, result, createdAt: request.now }).run();
    return { kind: 'done', result };
  }, { behavior: 'immediate' });
}

/** Forgets keys older than REQUEST_KEY_DAYS (housekeeping); returns how many went. */
export function pruneRequestKeys(db: Db, now: number): number {
  return db.delete(requestKeys).where(lt(requestKeys.createdAt, now - REQUEST_KEY_DAYS * 86_400_000)).run().changes;
}

import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { promotions } from '../db/schema/ledger.js';
import { LangoError } from '../errors.js';
import { recordAudit } from '../staff/index.js';

export type PromotionRow = typeof promotions.$inferSelect;

const CODE = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * A time-limited discount on a plan's charges (every plan when planId is null): a percentage
 * or a fixed amount off each renewal or cycle invoice that starts inside [startsAt, endsAt).
 */
export function addPromotion(db: Db, input: { code: string; label: string; planId: number | null; percentBasisPoints: number | null; amountMinor: number | null; startsAt: number | null; endsAt: number | null; actor: string }): PromotionRow {
  if (!CODE.test(input.code)) throw new LangoError('INPUT_BAD_NAME', { value: input.code });
  if ((input.percentBasisPoints === null) === (input.amountMinor === null)) throw new LangoError('INPUT_BAD_DISCOUNT');
  if (input.percentBasisPoints !== null && (!Number.isInteger(input.percentBasisPoints) || input.percentBasisPoints <= 0 || input.percentBasisPoints > 10_000)) throw new LangoError('INPUT_BAD_DISCOUNT');
  if (input.amountMinor !== null && (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0)) throw new LangoError('INPUT_BAD_DISCOUNT');
  if (input.startsAt !== null && input.endsAt !== null && input.endsAt <= input.startsAt) throw new LangoError('INPUT_BAD_DISCOUNT');
  return db.transaction((tx) => {
    if (tx.select({ id: promotions.id }).from(promotions).where(eq(promotions.code, input.code)).get()) throw new LangoError('INPUT_DUPLICATE_PLAN_NAME', { name: input.code });
    const { actor, ...fields } = input;
    const row = tx.insert(promotions).values({ ...fields, createdAt: Date.now() }).returning().get();
    recordAudit(tx as Db, actor, 'promotion.add', `promotion:${row.code}`, fields);
    return row;
  }, { behavior: 'immediate' });
}

export function listPromotions(db: Db): PromotionRow[] {
  return db.select().from(promotions).orderBy(asc(promotions.code)).all();
}

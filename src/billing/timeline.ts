import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { compileStatement } from '../db/compiled-statement.js';
import { preparedPer } from '../db/prepared.js';
import { customerEvents, type TimelineKind } from '../db/schema/billing.js';

export type TimelineEvent = typeof customerEvents.$inferSelect;

const insert = preparedPer((db: Db, sqlite) =>
  compileStatement<Record<string, unknown>>(
    sqlite,
    db.insert(customerEvents).values({ customerId: sql.placeholder('customerId'), kind: sql.placeholder('kind'), actor: sql.placeholder('actor'), detail: sql.placeholder('detail'), at: sql.placeholder('at') } as never),
  ),
);

/** One line in the customer's history; written in the same transaction as what it describes. */
export function recordEvent(db: Db, customerId: number, kind: TimelineKind, actor: string, detail: Record<string, unknown>, at: number): void {
  insert(db).run({ customerId, kind, actor, detail, at });
}

export function timelineOf(db: Db, customerId: number): TimelineEvent[] {
  return db.select().from(customerEvents).where(eq(customerEvents.customerId, customerId)).orderBy(asc(customerEvents.at), asc(customerEvents.id)).all();
}

/** When the account's status last changed (suspended, reactivated, closed), or null: for "was this suspension there before …?". */
export function lastStatusChangeAt(db: Db, customerId: number): number | null {
  const row = db
    .select({ at: customerEvents.at })
    .from(customerEvents)
    .where(and(eq(customerEvents.customerId, customerId), inArray(customerEvents.kind, ['suspended', 'reactivated', 'status_changed'])))
    .orderBy(desc(customerEvents.at))
    .limit(1)
    .get();
  return row?.at ?? null;
}

import { asc, eq, sql } from 'drizzle-orm';
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

import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customerEvents, type TimelineKind } from '../db/schema/billing.js';

export type TimelineEvent = typeof customerEvents.$inferSelect;

/** One line in the customer's history; written in the same transaction as what it describes. */
export function recordEvent(db: Db, customerId: number, kind: TimelineKind, actor: string, detail: Record<string, unknown>, at: number): void {
  db.insert(customerEvents).values({ customerId, kind, actor, detail, at }).run();
}

export function timelineOf(db: Db, customerId: number): TimelineEvent[] {
  return db.select().from(customerEvents).where(eq(customerEvents.customerId, customerId)).orderBy(asc(customerEvents.at), asc(customerEvents.id)).all();
}

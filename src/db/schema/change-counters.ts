import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Version counters bumped by triggers (migrations/0001) on every write to the tables behind
 * them, from any process: `subscribers` (customers, plans) and `routers` (nas). In-memory
 * copies on the RADIUS path compare one number instead of re-reading rows, so a change made by
 * the CLI or the web UI applies to the next packet.
 */
export const changeCounters = sqliteTable('change_counters', {
  name: text('name').primaryKey(),
  version: integer('version').notNull().default(0),
});

export type ChangeCounter = 'subscribers' | 'routers';

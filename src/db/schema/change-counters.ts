import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Version counters bumped by triggers (migrations/0001) on every write to the tables behind
 * them, from any process: `routers` (nas). The in-memory router directory compares one number
 * instead of re-reading rows, so a router added by the CLI or the web UI is served from its
 * next packet. (Subscribers moved to per-customer records, below, in migration 0006.)
 */
export const changeCounters = sqliteTable('change_counters', {
  name: text('name').primaryKey(),
  version: integer('version').notNull().default(0),
});

export type ChangeCounter = 'routers';

export type SubscriberChangeScope = 'one' | 'new' | 'all';

/**
 * Which subscribers changed, written by triggers (migrations/0006) on customers, subscriptions
 * and plans, from any process. The RADIUS lookup reads the rows after the last one it saw once
 * per event-loop turn and forgets only those customers: a billing run renewing thousands of
 * subscriptions no longer empties the whole cache. 'new' also forgets names looked up in vain
 * (a customer was added or renamed); 'all' forgets everything (a plan changed). The daemon
 * deletes rows it has read.
 */
export const subscriberChanges = sqliteTable('subscriber_changes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  customerId: integer('customer_id'),
  scope: text('scope').$type<SubscriberChangeScope>().notNull(),
});

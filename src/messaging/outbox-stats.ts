import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { messages } from '../db/schema/messaging.js';

export interface OutboxBacklog {
  queued: number;
  failed: number;
  /** created_at of the oldest message still queued; null = none queued. */
  oldestQueuedAt: number | null;
}

/**
 * How the outbox is doing, for /metrics and the health alerts. Queued messages come from the
 * messages_queued partial index; failed ones are a scan of the status column (no index on it:
 * acceptable once a minute and per scrape, the table holds months of SMS at most).
 */
export function outboxBacklog(db: Db, channel: 'sms' | 'email' = 'sms'): OutboxBacklog {
  // One channel at a time: an SMTP outage must not read as "SMS are waiting".
  const queued = db.select({ n: sql<number>`count(*)`, oldest: sql<number | null>`min(${messages.createdAt})` }).from(messages).where(and(eq(messages.status, 'queued'), eq(messages.channel, channel))).get();
  const failed = db.select({ n: sql<number>`count(*)` }).from(messages).where(and(eq(messages.status, 'failed'), eq(messages.channel, channel))).get();
  return { queued: queued?.n ?? 0, failed: failed?.n ?? 0, oldestQueuedAt: queued?.oldest ?? null };
}

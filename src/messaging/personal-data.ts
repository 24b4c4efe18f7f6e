import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { messages } from '../db/schema/messaging.js';
import type { Scrub } from '../privacy/scrub.js';

// The messages Lango sent (or meant to send) to one customer.

export function messagesOf(db: Db, customerId: number) {
  return db
    .select({ id: messages.id, channel: messages.channel, recipient: messages.recipient, subject: messages.subject, body: messages.body, template: messages.template, status: messages.status, createdAt: messages.createdAt, sentAt: messages.sentAt })
    .from(messages)
    .where(eq(messages.customerId, customerId))
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .all();
}

/**
 * Blanks the recipient, subject and text of every message to the customer, and cancels any not
 * yet sent (nothing is left to send it to). Counts and costs stay. Run inside the caller's transaction.
 */
export function eraseMessagePersonalData(db: Db, customerId: number, scrub: Scrub): void {
  db.update(messages).set({ status: 'cancelled' }).where(and(eq(messages.customerId, customerId), inArray(messages.status, ['queued']))).run();
  db.update(messages).set({ recipient: '', subject: null, body: '' }).where(eq(messages.customerId, customerId)).run();
  // A gateway's error can quote the number it refused.
  for (const m of db.select({ id: messages.id, lastError: messages.lastError }).from(messages).where(eq(messages.customerId, customerId)).all()) {
    if (m.lastError && scrub.holds(m.lastError)) db.update(messages).set({ lastError: scrub.text(m.lastError) }).where(eq(messages.id, m.id)).run();
  }
}

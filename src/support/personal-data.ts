import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { ticketMessages, tickets } from '../db/schema/support.js';
import type { Scrub } from '../privacy/scrub.js';

// One customer's tickets, for a personal-data export and for erasure.

/**
 * The customer's tickets with the messages they can see on the portal: their own and staff
 * replies. Internal notes are staff's working notes and stay out of the export, as they stay
 * out of the portal.
 */
export function ticketsOf(db: Db, customerId: number) {
  const rows = db.select().from(tickets).where(eq(tickets.customerId, customerId)).orderBy(asc(tickets.createdAt), asc(tickets.id)).all();
  const replies =
    rows.length === 0
      ? []
      : db
          .select({ ticketId: ticketMessages.ticketId, author: ticketMessages.author, body: ticketMessages.body, createdAt: ticketMessages.createdAt })
          .from(ticketMessages)
          .where(and(inArray(ticketMessages.ticketId, rows.map((t) => t.id)), eq(ticketMessages.internal, false)))
          .orderBy(asc(ticketMessages.createdAt), asc(ticketMessages.id))
          .all();
  return rows.map((t) => ({
    id: t.id,
    subject: t.subject,
    category: t.category,
    status: t.status,
    createdAt: t.createdAt,
    resolvedAt: t.resolvedAt,
    messages: replies.filter((m) => m.ticketId === t.id).map(({ ticketId: _, ...m }) => m),
  }));
}

/** Replaces the subject and every message (internal notes too) of the customer's tickets; the tickets' dates and statuses stay for support statistics. */
export function eraseTicketPersonalData(db: Db, customerId: number, scrub: Scrub): void {
  const ids = db.select({ id: tickets.id }).from(tickets).where(eq(tickets.customerId, customerId)).all().map((t) => t.id);
  if (ids.length === 0) return;
  db.update(tickets).set({ subject: scrub.erased }).where(inArray(tickets.id, ids)).run();
  db.update(ticketMessages).set({ body: scrub.erased }).where(inArray(ticketMessages.ticketId, ids)).run();
}

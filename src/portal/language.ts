import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers, type Language } from '../db/schema/billing.js';

/**
 * Keeps the language a customer chose in the portal on their account, so the SMS Lango sends
 * them (reminders, receipts, sign-in codes) and their next sign-in on another phone use it.
 * A customer's own preference: not audited. Only a real change writes (every customers update
 * makes the RADIUS subscriber cache reload the row). Answers whether it changed.
 */
export function setPortalLanguage(db: Db, input: { customerId: number; language: Language; now: number }): boolean {
  return (
    db
      .update(customers)
      .set({ language: input.language, updatedAt: input.now })
      .where(and(eq(customers.id, input.customerId), ne(customers.language, input.language)))
      .run().changes > 0
  );
}

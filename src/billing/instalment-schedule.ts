import { asc, inArray } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { instalments } from '../db/schema/ledger.js';

export type Instalment = typeof instalments.$inferSelect;

export function instalmentsOf(db: Db, invoiceIds: number[]): Map<number, Instalment[]> {
  const byInvoice = new Map<number, Instalment[]>();
  if (invoiceIds.length === 0) return byInvoice;
  for (const row of db.select().from(instalments).where(inArray(instalments.invoiceId, invoiceIds)).orderBy(asc(instalments.dueAt)).all()) {
    byInvoice.set(row.invoiceId, [...(byInvoice.get(row.invoiceId) ?? []), row]);
  }
  return byInvoice;
}

/** The due date of the first part that payments so far do not cover, or null when all due parts are covered. */
export function firstUncoveredDue(parts: Instalment[], paidMinor: number): number | null {
  let cumulative = 0;
  for (const part of parts) {
    cumulative += part.amountMinor;
    if (cumulative > paidMinor) return part.dueAt;
  }
  return null;
}

import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import { instalments, invoices, type InvoiceStatus } from '../db/schema/ledger.js';
import { LangoError } from '../errors.js';
import { recordAudit } from '../staff/index.js';
import { liftOverdueSuspension } from './invoices.js';
import { recordEvent } from './timeline.js';
import { zoneFor } from './zone.js';

import type { Instalment } from './instalment-schedule.js';

export interface InstalmentRequest {
  invoiceNumber: string;
  count: number;
  /** Days between parts, or a number of calendar months. */
  every: { days: number } | { months: number };
  firstDueAt: number;
  actor: string;
  at: number;
  zone: string;
}

/**
 * Arrears in parts: what an open invoice still owes is split into `count` parts (equal, the
 * first carrying the remainder) due one period apart. An overdue invoice under an arrangement
 * is no longer overdue, so an account suspended only for it is reactivated at once; it becomes
 * overdue again the day a part is not covered by payments.
 */
export function arrangeInstalments(db: Db, input: InstalmentRequest): Instalment[] {
  if (!Number.isInteger(input.count) || input.count < 2 || input.count > 24) throw new LangoError('INPUT_BAD_COUNT', { value: String(input.count), option: 'count', min: 2, max: 24 });
  return db.transaction((tx) => {
    const d = tx as Db;
    const invoice = d.select().from(invoices).where(and(eq(invoices.number, input.invoiceNumber), eq(invoices.kind, 'invoice'))).get();
    if (!invoice || !(['issued', 'partially_paid', 'overdue'] as InvoiceStatus[]).includes(invoice.status)) throw new LangoError('INPUT_UNKNOWN_INVOICE', { number: input.invoiceNumber });
    const owed = invoice.grossMinor - invoice.paidMinor;
    // An arrangement replaces any earlier one for the same invoice; paid parts stay counted as paid.
    d.delete(instalments).where(eq(instalments.invoiceId, invoice.id)).run();
    const part = Math.floor(owed / input.count);
    const first = DateTime.fromMillis(input.firstDueAt, { zone: zoneFor(input.zone) });
    const rows = Array.from({ length: input.count }, (_, i) => ({
      invoiceId: invoice.id,
      // Paid so far counts towards the first parts, so the schedule covers the whole gross.
      amountMinor: (i === 0 ? part + (owed - part * input.count) : part) + (i === 0 ? invoice.paidMinor : 0),
      dueAt: ('days' in input.every ? first.plus({ days: input.every.days * i }) : first.plus({ months: input.every.months * i })).toMillis(),
      createdAt: input.at,
      actor: input.actor,
    }));
    const saved = rows.map((row) => d.insert(instalments).values(row).returning().get());
    if (invoice.status === 'overdue') {
      d.update(invoices).set({ status: invoice.paidMinor > 0 ? 'partially_paid' : 'issued' }).where(eq(invoices.id, invoice.id)).run();
      liftOverdueSuspension(d, invoice.customerId, input.at, input.actor);
    }
    const plan = saved.map((s) => ({ dueAt: s.dueAt, amountMinor: s.amountMinor }));
    recordEvent(d, invoice.customerId, 'instalments_arranged', input.actor, { invoice: invoice.number, parts: plan }, input.at);
    recordAudit(d, input.actor, 'invoice.instalments', `invoice:${invoice.number}`, { parts: plan }, input.at);
    return saved;
  }, { behavior: 'immediate' });
}

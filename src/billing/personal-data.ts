import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customerEvents, customers, plans, subscriptions } from '../db/schema/billing.js';
import { invoiceLines, invoices, payments } from '../db/schema/ledger.js';
import type { Scrub } from '../privacy/scrub.js';
import { customerBalance } from './ledger.js';

// One customer's account as billing holds it, for a personal-data export and for erasure.
// Invoices, payments and the ledger are financial records: exported whole, never erased.

export type CustomerRow = typeof customers.$inferSelect;

export function customerRow(db: Db, customerId: number): CustomerRow | undefined {
  return db.select().from(customers).where(eq(customers.id, customerId)).get();
}

/** Everything billing holds about one customer; secrets are named, never included. */
export function billingRecordsOf(db: Db, customerId: number) {
  const row = customerRow(db, customerId);
  if (!row) return undefined;
  const { passwordSealed, portalPasswordHash, ...account } = row;
  const subscription = db
    .select({ subscription: subscriptions, plan: plans.name })
    .from(subscriptions)
    .innerJoin(plans, eq(subscriptions.planId, plans.id))
    .where(eq(subscriptions.customerId, customerId))
    .all()
    .map((s) => ({ ...s.subscription, planName: s.plan }));
  const invoiceRows = db.select().from(invoices).where(eq(invoices.customerId, customerId)).orderBy(asc(invoices.issuedAt), asc(invoices.id)).all();
  const lines = invoiceRows.length === 0 ? [] : db.select().from(invoiceLines).where(inArray(invoiceLines.invoiceId, invoiceRows.map((i) => i.id))).orderBy(asc(invoiceLines.invoiceId), asc(invoiceLines.position)).all();
  return {
    account: {
      ...account,
      // Sealed and hashed passwords stay in Lango: the export says they exist, not what they are.
      networkPassword: passwordSealed ? 'set (not exported)' : 'not set',
      portalPassword: portalPasswordHash ? 'set (not exported)' : 'not set',
    },
    subscriptions: subscription,
    // Plan and status changes, payments and invoices as they happened (customer_events).
    events: db.select().from(customerEvents).where(eq(customerEvents.customerId, customerId)).orderBy(asc(customerEvents.at), asc(customerEvents.id)).all(),
    invoices: invoiceRows.map((invoice) => ({ ...invoice, lines: lines.filter((l) => l.invoiceId === invoice.id) })),
    payments: db.select().from(payments).where(eq(payments.customerId, customerId)).orderBy(asc(payments.receivedAt), asc(payments.id)).all(),
    balance: customerBalance(db, customerId, row.currency),
  };
}

/**
 * Blanks the account's personal fields and scrubs them out of its event details; the username
 * stays (sessions, the ledger's actors and the router know the account by it), as do the
 * invoices, payments and ledger. Run inside the caller's transaction. Idempotent.
 */
export function eraseCustomerPersonalData(db: Db, customerId: number, scrub: Scrub, now: number): void {
  const row = customerRow(db, customerId);
  if (!row) return;
  db.update(customers)
    .set({
      fullName: `Erased customer #${customerId}`,
      phone: null,
      email: null,
      billingAddress: null,
      serviceLocation: null,
      mac: null,
      macBinding: false,
      staticIp: null,
      portalPasswordHash: null,
      portalFailedSignIns: 0,
      portalLockedUntil: null,
      updatedAt: now,
      erasedAt: row.erasedAt ?? now,
    })
    .where(eq(customers.id, customerId))
    .run();
  for (const event of db.select().from(customerEvents).where(eq(customerEvents.customerId, customerId)).all()) {
    const detail = scrub.json(event.detail);
    if (JSON.stringify(detail) !== JSON.stringify(event.detail)) db.update(customerEvents).set({ detail }).where(eq(customerEvents.id, event.id)).run();
  }
}

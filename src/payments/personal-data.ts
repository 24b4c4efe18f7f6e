import { asc, eq, inArray, like, or } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { paymentAttempts, paymentInbox, receiptLookups } from '../db/schema/payments.js';
import type { Scrub } from '../privacy/scrub.js';

// One customer's mobile-money requests, for a personal-data export and for erasure.

export function paymentAttemptsOf(db: Db, customerId: number) {
  return db
    .select({
      id: paymentAttempts.id,
      provider: paymentAttempts.provider,
      purpose: paymentAttempts.purpose,
      invoiceNumber: paymentAttempts.invoiceNumber,
      amountMinor: paymentAttempts.amountMinor,
      currency: paymentAttempts.currency,
      phone: paymentAttempts.phone,
      accountReference: paymentAttempts.accountReference,
      status: paymentAttempts.status,
      receipt: paymentAttempts.receipt,
      resultDesc: paymentAttempts.resultDesc,
      createdAt: paymentAttempts.createdAt,
      finishedAt: paymentAttempts.finishedAt,
    })
    .from(paymentAttempts)
    .where(eq(paymentAttempts.customerId, customerId))
    .orderBy(asc(paymentAttempts.createdAt), asc(paymentAttempts.id))
    .all();
}

/**
 * Blanks the paying phone of the customer's attempts and scrubs the raw provider callbacks
 * (M-Pesa sends the payer's names and MSISDN) tied to them or naming the customer's phone, and
 * forgets which devices looked them up by receipt.
 * Amounts, receipts and results stay: they back the payments in the ledger. Run inside the
 * caller's transaction.
 */
export function erasePaymentPersonalData(db: Db, customerId: number, scrub: Scrub): void {
  const attempts = db.select().from(paymentAttempts).where(eq(paymentAttempts.customerId, customerId)).all();
  for (const a of attempts) {
    db.update(paymentAttempts)
      .set({
        phone: null,
        accountReference: a.accountReference === null ? null : scrub.text(a.accountReference),
        resultDesc: a.resultDesc === null ? null : scrub.text(a.resultDesc),
        reviewReason: a.reviewReason === null ? null : scrub.text(a.reviewReason),
      })
      .where(eq(paymentAttempts.id, a.id))
      .run();
  }
  const ids = attempts.map((a) => a.id);
  // The devices that asked about these payments on the captive page.
  if (ids.length > 0) db.update(receiptLookups).set({ mac: null }).where(inArray(receiptLookups.attemptId, ids)).run();
  const touching = or(ids.length === 0 ? undefined : inArray(paymentInbox.attemptId, ids), ...scrub.identifiers.map((v) => like(paymentInbox.body, `%${v}%`)));
  if (touching === undefined) return;
  for (const row of db.select({ id: paymentInbox.id, body: paymentInbox.body }).from(paymentInbox).where(touching).all()) {
    let body: string;
    try {
      body = JSON.stringify(scrub.json(JSON.parse(row.body)));
    } catch {
      body = scrub.text(row.body);
    }
    if (body !== row.body) db.update(paymentInbox).set({ body }).where(eq(paymentInbox.id, row.id)).run();
  }
}

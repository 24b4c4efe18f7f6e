import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addNas } from '../aaa/nas.js';
import { addCustomer, setCustomerStatus } from '../billing/customers.js';
import { issueInvoice } from '../billing/invoices.js';
import { recordPayment } from '../billing/payments.js';
import { addPlan } from '../billing/plans.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { sessions } from '../db/schema/aaa.js';
import { queueMessage } from '../messaging/outbox.js';
import { createAttempt } from '../payments/attempts.js';
import { markProcessed, storeCallback } from '../payments/inbox.js';
import { createSession } from '../portal/sessions.js';
import { recordAudit } from '../staff/audit.js';
import { addStaff } from '../staff/index.js';
import { openTicket, staffMessage } from '../support/tickets.js';

// For privacy's tests: a customer with a bit of everything Lango keeps about a person.

export const box = createSecretBox(Buffer.alloc(32, 9));
export const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
export const person = {
  username: 'wanjiku',
  fullName: 'Wanjiku Kamau',
  phone: '+254712345678',
  email: 'wanjiku@example.org',
  mac: 'AA:BB:CC:11:22:33',
  staticIp: '10.9.8.7',
  billingAddress: 'Plot 12, Ngong Road',
  serviceLocation: 'Kilimani block C',
};

export async function privacyDb(): Promise<{ conn: Connection; customerId: number; neighbourId: number }> {
  const conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-privacy-')), 'lango.db'));
  const db = conn.db;
  await addStaff(db, { username: 'amina', role: 'support', password: 'support-pass-1' });
  addPlan(db, { name: 'Home 10', priceMinor: 200_000, currency: 'KES', durationSeconds: 30 * 86_400, rateLimit: '10M/10M' });
  const { id: customerId } = addCustomer(db, box, { ...person, password: 'net-secret-pw', planName: 'Home 10' });
  const neighbourId = addCustomer(db, box, { username: 'otieno', password: 'pw-2', fullName: 'Otieno Ouma', phone: '+254733000111', planName: 'Home 10' }).id;
  recordAudit(db, 'staff:amina', 'customer.create', `customer:${customerId}`, { username: person.username, after: { fullName: person.fullName, phone: person.phone, email: person.email, mac: person.mac } }, T0);
  const { invoice } = issueInvoice(db, {
    key: 'test:invoice:1',
    customerId,
    subscriptionId: null,
    currency: 'KES',
    taxExempt: false,
    issuedAt: T0,
    dueAt: T0 + 7 * 86_400_000,
    periodStart: null,
    periodEnd: null,
    lines: [{ description: 'Installation', quantity: 1, unitPriceMinor: 150_000, taxClass: null, discounts: [], revenue: 'service' }],
    actor: 'staff:amina',
    zone: 'Africa/Nairobi',
  });
  const attempt = createAttempt(db, { key: 'attempt-1', provider: 'mpesa', purpose: 'invoice', customerId, invoiceNumber: invoice.number, amountMinor: invoice.grossMinor, currency: 'KES', phone: person.phone, accountReference: person.username, actor: `customer:${person.username}`, now: T0 + 1000 });
  const { row } = storeCallback(db, {
    provider: 'mpesa',
    route: 'stk',
    dedupeKey: 'ws_CO_1',
    body: JSON.stringify({ Body: { stkCallback: { ResultCode: 0, CallbackMetadata: { Item: [{ Name: 'Amount', Value: invoice.grossMinor / 100 }, { Name: 'MpesaReceiptNumber', Value: 'SGH12345' }, { Name: 'PhoneNumber', Value: 254712345678 }] } } } }),
    sourceIp: '196.201.214.200',
    now: T0 + 2000,
  });
  markProcessed(db, row.id, 'settled', T0 + 2500, { attemptId: attempt.id });
  recordPayment(db, { customerId, method: 'mpesa', reference: 'SGH12345', amountMinor: invoice.grossMinor, currency: 'KES', receivedAt: T0 + 3000, actor: 'system', zone: 'Africa/Nairobi' });
  const router = addNas(db, box, { name: 'kilimani-ccr', ip: '10.0.0.1', secret: 'radius-secret' });
  db.insert(sessions).values({ nasId: router.id, acctSessionId: 'A1', username: person.username, customerId, startedAt: T0 + 5000, updatedAt: T0 + 65_000, stoppedAt: T0 + 65_000, sessionTime: 60, inputOctets: 1000, outputOctets: 50_000, framedIp: person.staticIp, callingStationId: 'AA-BB-CC-11-22-33', terminateCause: 'User-Request' }).run();
  queueMessage(db, { key: 'test:sms:1', customerId, to: person.phone, language: 'en', body: `Hello ${person.fullName}, your invoice ${invoice.number} is paid.`, critical: false, now: T0 + 4000 });
  const ticket = openTicket(db, { customerId, subject: 'Slow at night', body: `Please call me on ${person.phone}`, openedBy: 'customer', now: T0 + 6000 });
  staffMessage(db, { ticketId: ticket.id, staff: 'amina', body: 'We have checked the line.', internal: false, now: T0 + 7000 });
  staffMessage(db, { ticketId: ticket.id, staff: 'amina', body: 'Internal: customer was rude', internal: true, now: T0 + 8000 });
  createSession(db, customerId, T0 + 9000);
  setCustomerStatus(db, person.username, 'terminated', T0 + 10_000);
  return { conn, customerId, neighbourId };
}

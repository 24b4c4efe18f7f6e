import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { addCustomer, addPlan, recordPayment, setCustomerStatus } from '../billing/index.js';
import { addVoucherAccount } from '../billing/customers.js';
import { adjustWallet } from '../billing/payments.js';
import { runBilling } from '../billing/run.js';
import { addCustomerAt } from '../billing/test-fixtures.js';
import { setSetting } from '../settings/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection, type Db } from '../db/connection.js';
import { webhookDeliveries, webhookEvents } from '../db/schema/integrations.js';
import { createWebhookEndpoint, deleteWebhookEndpoint, setWebhookEndpointActive } from '../integrations/webhooks.js';
import { eventEnvelope, forgetCustomerInEvents, recordEvent } from './outbox.js';

let conn: Connection;
let other: Connection;
const box = createSecretBox(randomBytes(32));
const T0 = Date.UTC(2026, 2, 1, 8, 0);

beforeEach(() => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lango-outbox-')), 'lango.db');
  conn = openDatabase(file);
  // A second connection stands for the CLI: endpoints it adds must reach the daemon's cache.
  other = openDatabase(file);
});
afterEach(() => {
  other.close();
  conn.close();
});

const endpoint = (db: Db, events: string[], url = 'https://books.example/hooks') => createWebhookEndpoint(db, box, { url, events, actor: 'cli:root', now: T0 }).endpoint;
const events = () => conn.db.select().from(webhookEvents).all();
const deliveries = () => conn.db.select().from(webhookDeliveries).all();

describe('the event outbox', () => {
  it('writes nothing at all when no endpoint is configured', () => {
    expect(conn.db.transaction((tx) => recordEvent(tx as Db, 'payment.received', { paymentId: 1 }, T0))).toBeNull();
    expect(events()).toEqual([]);
  });

  it('queues one delivery per active endpoint subscribed to the type, or to everything', () => {
    const payments = endpoint(conn.db, ['payment.received']);
    const everything = endpoint(conn.db, ['*'], 'https://crm.example/in');
    endpoint(conn.db, ['customer.suspended'], 'https://sms.example/in');
    const off = endpoint(conn.db, ['payment.received'], 'https://old.example/in');
    setWebhookEndpointActive(conn.db, { id: off.id, active: false, actor: 'cli:root', now: T0 });

    const id = conn.db.transaction((tx) => recordEvent(tx as Db, 'payment.received', { paymentId: 7 }, T0));
    expect(id).not.toBeNull();
    expect(deliveries().map((d) => d.endpointId).sort()).toEqual([payments.id, everything.id].sort());
    expect(deliveries().every((d) => d.status === 'queued' && d.nextAttemptAt === T0 && d.eventId === id)).toBe(true);
  });

  it('leaves no event when the transaction that recorded it rolls back', () => {
    endpoint(conn.db, ['*']);
    expect(() =>
      conn.db.transaction((tx) => {
        recordEvent(tx as Db, 'customer.suspended', { customerId: 1 }, T0);
        throw new Error('the change failed');
      }),
    ).toThrow('the change failed');
    expect(events()).toEqual([]);
    expect(deliveries()).toEqual([]);
  });

  it('sees an endpoint another process added, and stops queueing for one it removed', () => {
    expect(recordEvent(conn.db, 'customer.created', { customerId: 1 }, T0)).toBeNull();
    const added = endpoint(other.db, ['customer.created']);
    expect(recordEvent(conn.db, 'customer.created', { customerId: 2 }, T0)).not.toBeNull();
    deleteWebhookEndpoint(other.db, { id: added.id, actor: 'cli:root', now: T0 });
    expect(recordEvent(conn.db, 'customer.created', { customerId: 3 }, T0)).toBeNull();
  });

  it('reports a payment once, with the receipt, the customer and the amount, and no password', () => {
    endpoint(conn.db, ['payment.received', 'customer.suspended']);
    const customer = addCustomer(conn.db, box, { username: 'wanjiku', password: 'secret-net-1', currency: 'KES' });
    const input = { customerId: customer.id, method: 'cash' as const, reference: 'RB-0042', amountMinor: 150_000, currency: 'KES' as const, receivedAt: T0, actor: 'cli:root', zone: 'Africa/Nairobi' };
    const { payment } = recordPayment(conn.db, input);
    recordPayment(conn.db, input);
    setCustomerStatus(conn.db, 'wanjiku', 'suspended', T0);
    const [paid, suspended, ...rest] = events();
    expect(rest).toEqual([]);
    expect(eventEnvelope(paid!)).toEqual({
      id: `evt_${paid!.id}`,
      type: 'payment.received',
      createdAt: new Date(payment.createdAt).toISOString(),
      data: { paymentId: payment.id, receiptNumber: payment.receiptNumber, customerId: customer.id, username: 'wanjiku', amountMinor: 150_000, currency: 'KES', method: 'cash', reference: 'RB-0042', receivedAt: new Date(T0).toISOString() },
    });
    expect(suspended).toMatchObject({ type: 'customer.suspended', payload: { customerId: customer.id, username: 'wanjiku', status: 'suspended', previousStatus: 'active', reason: 'staff' } });
    expect(JSON.stringify(events())).not.toContain('secret-net-1');
    // Erasure blanks the name the events kept.
    expect(forgetCustomerInEvents(conn.db, customer.id)).toBe(2);
    expect(JSON.stringify(events())).not.toContain('wanjiku');
  });

  it('never sends a voucher code (a working login) as the username or the reference', () => {
    endpoint(conn.db, ['payment.received']);
    const plan = addPlan(conn.db, { name: 'Day pass', priceMinor: 5000, currency: 'KES', validityMonths: 1, rateLimit: '2M/2M' });
    const id = addVoucherAccount(conn.db, { username: 'K7QX2M9P', passwordSealed: 'x', plan, now: T0 })!;
    recordPayment(conn.db, { customerId: id, method: 'cash', reference: 'T-K7QX2M9P', amountMinor: 5000, currency: 'KES', receivedAt: T0, actor: 'cli:root', zone: 'Africa/Nairobi' });
    const [paid] = events();
    expect(paid!.payload).toMatchObject({ customerId: id, username: null, voucher: true, reference: null, amountMinor: 5000 });
    expect(JSON.stringify(events())).not.toContain('K7QX2M9P');
  });

  it('reports the billing run: a renewal, a package that runs out, an overdue suspension and the payment that lifts it', async () => {
    const zone = 'Africa/Nairobi';
    const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
    const noPause = () => Promise.resolve();
    endpoint(conn.db, ['*']);
    setSetting(conn.db, 'billing.anchor', 1, 'test');
    addPlan(conn.db, { name: 'Monthly prepaid', priceMinor: 150000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
    addPlan(conn.db, { name: 'Home 5M', priceMinor: 100000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '5M/5M' });
    const prepaid = addCustomerAt(conn.db, box, 'achieng', 'Monthly prepaid', at('2026-01-31T12:00'), zone);
    adjustWallet(conn.db, { customerId: prepaid.id, amountMinor: 200000, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: at('2026-01-31T12:00') });
    const postpaid = addCustomerAt(conn.db, box, 'akinyi', 'Home 5M', at('2026-01-01T09:00'), zone);
    await runBilling(conn.db, { now: at('2026-02-01T00:05'), zone, pause: noPause });
    await runBilling(conn.db, { now: at('2026-02-12T00:05'), zone, pause: noPause });
    await runBilling(conn.db, { now: at('2026-02-28T13:00'), zone, pause: noPause });
    recordPayment(conn.db, { customerId: postpaid.id, method: 'cash', reference: 'R-100', amountMinor: 100000, currency: 'KES', receivedAt: at('2026-03-01T10:00'), actor: 'cli:test', zone });
    await runBilling(conn.db, { now: at('2026-03-31T12:01'), zone, pause: noPause });

    const seen = events().map((e) => [e.type, (e.payload as { username?: string }).username]);
    expect(seen).toEqual([
      ['customer.created', 'achieng'],
      ['customer.created', 'akinyi'],
      ['customer.suspended', 'akinyi'],
      ['subscription.renewed', 'achieng'],
      ['payment.received', 'akinyi'],
      ['customer.reactivated', 'akinyi'],
      ['subscription.expired', 'achieng'],
      // February's bill, unpaid by its due date, suspends akinyi again.
      ['customer.suspended', 'akinyi'],
    ]);
    expect(events().find((e) => e.type === 'subscription.renewed')!.payload).toMatchObject({ plan: 'Monthly prepaid', amountMinor: 150000, currency: 'KES', periodEnd: new Date(at('2026-03-31T12:00')).toISOString() });
    expect(events().find((e) => e.type === 'customer.suspended')!.payload).toMatchObject({ reason: 'overdue', previousStatus: 'active' });
  });
});

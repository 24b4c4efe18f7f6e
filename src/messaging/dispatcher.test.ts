import { DateTime } from 'luxon';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueInvoice, recordPayment } from '../billing/index.js';
import type { Connection } from '../db/connection.js';
import { notificationEvents, type NotificationKind } from '../db/schema/aaa.js';
import { dispatchNotifications } from './dispatcher.js';
import { listMessages } from './outbox.js';
import { setTemplate } from './templates.js';
import { addTestCustomer, openTestDatabase, zone } from './test-fixtures.js';

let conn: Connection;
beforeEach(() => {
  conn = openTestDatabase();
});
afterEach(() => conn.close());

const local = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();

function raise(customerId: number, kind: NotificationKind, ref = '', createdAt = Date.now()): number {
  return conn.db.insert(notificationEvents).values({ customerId, kind, periodStart: createdAt, ref, createdAt }).returning().get().id;
}

function pay(customerId: number, reference: string, amountMinor: number) {
  return recordPayment(conn.db, { customerId, method: 'mpesa', reference, amountMinor, currency: 'KES', receivedAt: Date.now(), actor: 'system', zone }).payment;
}

function undelivered() {
  return conn.db.select().from(notificationEvents).all().filter((e) => e.deliveredAt === null);
}

describe('dispatching notification events', () => {
  it('renders each event in the customer’s language, with the account currency and the receipt number', () => {
    const wanjiru = addTestCustomer(conn, { username: 'wanjiru', fullName: 'Wanjiru Kamau', phone: '0712345678' });
    const deng = addTestCustomer(conn, { username: 'deng', fullName: 'Deng Garang', phone: '+211912345678', language: 'ar' });
    const first = pay(wanjiru.id, 'SGH7KQ2L9X', 150000);
    const second = pay(deng.id, 'SGH7KQ2L9Y', 50000);

    const result = dispatchNotifications(conn.db, { now: Date.now(), zone });

    expect(result).toMatchObject({ events: 2, queued: 2, withoutPhone: 0, skipped: 0 });
    const [toDeng, toWanjiru] = listMessages(conn.db);
    expect(toWanjiru).toMatchObject({ recipient: '+254712345678', language: 'en', template: 'payment_received', critical: true, status: 'queued', encoding: 'gsm7', parts: 1 });
    expect(toWanjiru!.body).toBe(`Skyline Net: Thank you Wanjiru Kamau, we received KES 1,500.00 (ref SGH7KQ2L9X). Receipt ${first.receiptNumber}.`);
    expect(toDeng).toMatchObject({ recipient: '+211912345678', language: 'ar', encoding: 'ucs2' });
    expect(toDeng!.body).toContain('شكرا Deng Garang');
    expect(toDeng!.body).toContain(second.receiptNumber);
    expect(toDeng!.body).toMatch(/500\.00\sKES/);
    expect(toWanjiru!.key).toMatch(/^event:\d+$/);
  });

  it('puts invoice dates in the operator’s time zone', () => {
    const customer = addTestCustomer(conn, { username: 'otieno', phone: '0722000001' });
    // 01:00 in Nairobi on 9 February is still 8 February in UTC.
    issueInvoice(conn.db, {
      key: 'manual:router', customerId: customer.id, subscriptionId: null, currency: 'KES', taxExempt: false,
      issuedAt: local('2026-02-01T10:00'), dueAt: local('2026-02-09T01:00'), periodStart: null, periodEnd: null, actor: 'test', zone,
      lines: [{ description: 'Router', quantity: 1, unitPriceMinor: 290000, taxClass: null, discounts: [], revenue: 'service' }],
    });
    dispatchNotifications(conn.db, { now: Date.now(), zone });
    const [message] = listMessages(conn.db);
    expect(message).toMatchObject({ template: 'invoice_issued', critical: false });
    expect(message!.body).toBe('Skyline Net: Hi otieno, invoice INV-2026-000001 for KES 2,900.00 is due on 9 Feb 2026. Thank you for paying on time.');
  });

  it('changes nothing when run again', () => {
    const customer = addTestCustomer(conn, { username: 'akinyi', phone: '0733000002' });
    raise(customer.id, 'data_80');
    raise(customer.id, 'renewed', 'subscription:1');
    expect(dispatchNotifications(conn.db, { now: Date.now(), zone }).queued).toBe(2);
    const before = listMessages(conn.db);

    expect(dispatchNotifications(conn.db, { now: Date.now() + 1000, zone })).toEqual({ events: 0, queued: 0, withoutPhone: 0, skipped: 0 });
    expect(listMessages(conn.db)).toEqual(before);
    expect(undelivered()).toEqual([]);
  });

  it('hands over events of a customer without a phone with no message', () => {
    const customer = addTestCustomer(conn, { username: 'nophone' });
    raise(customer.id, 'data_100');
    expect(dispatchNotifications(conn.db, { now: Date.now(), zone })).toEqual({ events: 1, queued: 0, withoutPhone: 1, skipped: 0 });
    expect(listMessages(conn.db)).toEqual([]);
    expect(undelivered()).toEqual([]);
  });

  it('takes the oldest events first, up to the limit', () => {
    const customer = addTestCustomer(conn, { username: 'halima', phone: '0744000003', language: 'ar' });
    const oldest = raise(customer.id, 'data_80');
    raise(customer.id, 'data_100');
    expect(dispatchNotifications(conn.db, { now: Date.now(), zone, limit: 1 }).events).toBe(1);
    expect(listMessages(conn.db).map((m) => m.key)).toEqual([`event:${oldest}`]);
    expect(listMessages(conn.db)[0]!.body).toContain('80% من بيانات باقة Home 5M');
    expect(undelivered()).toHaveLength(1);
  });

  it('skips a reminder for an invoice paid meanwhile, and events too old to be news', () => {
    const customer = addTestCustomer(conn, { username: 'baraka', phone: '0755000004' });
    const { invoice } = issueInvoice(conn.db, {
      key: 'manual:install', customerId: customer.id, subscriptionId: null, currency: 'KES', taxExempt: false,
      issuedAt: Date.now(), dueAt: Date.now(), periodStart: null, periodEnd: null, actor: 'test', zone,
      lines: [{ description: 'Installation', quantity: 1, unitPriceMinor: 100000, taxClass: null, discounts: [], revenue: 'service' }],
    });
    pay(customer.id, 'PAYS-INSTALL', 100000);
    raise(customer.id, 'due_today', `invoice:${invoice.number}:0`);
    raise(customer.id, 'data_80', '', Date.now() - 3 * 86_400_000);

    const result = dispatchNotifications(conn.db, { now: Date.now(), zone });

    // invoice_issued and due_today: nothing left to pay; data_80: three days old.
    expect(result).toEqual({ events: 4, queued: 1, withoutPhone: 0, skipped: 3 });
    expect(listMessages(conn.db).map((m) => m.template)).toEqual(['payment_received']);
    expect(undelivered()).toEqual([]);
  });

  it('does not let one text that renders empty hold back the rest', () => {
    setTemplate(conn.db, 'data_80', 'en', '{{support}}', 'staff:1');
    const customer = addTestCustomer(conn, { username: 'juma', phone: '0766000005' });
    raise(customer.id, 'data_80');
    raise(customer.id, 'data_100');
    expect(dispatchNotifications(conn.db, { now: Date.now(), zone })).toMatchObject({ events: 2, queued: 1, skipped: 1 });
    expect(conn.db.select().from(notificationEvents).where(eq(notificationEvents.kind, 'data_80')).get()!.deliveredAt).not.toBeNull();
  });
});

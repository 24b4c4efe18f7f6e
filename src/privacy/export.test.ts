import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { EXPORT_FORMAT, exportCustomerData, exportText } from './export.js';
import { person, privacyDb, T0 } from './test-fixtures.js';

let conn: Connection;

beforeEach(async () => {
  conn = (await privacyDb()).conn;
});

afterEach(() => conn.close());

describe('exporting one customer\'s data', () => {
  it('puts every part Lango holds about the customer in one versioned document', () => {
    const data = exportCustomerData(conn.db, person.username, T0 + 20_000)!;
    expect(data).toMatchObject({ format: EXPORT_FORMAT, version: 1, exportedAt: new Date(T0 + 20_000).toISOString() });
    expect(data.account).toMatchObject({ username: person.username, fullName: person.fullName, phone: person.phone, email: person.email, mac: person.mac, billingAddress: person.billingAddress, networkPassword: 'set (not exported)' });
    expect(data.subscriptions[0]).toMatchObject({ planName: 'Home 10' });
    expect(data.invoices).toHaveLength(1);
    expect(data.invoices[0]!.lines[0]).toMatchObject({ description: 'Installation' });
    expect(data.payments[0]).toMatchObject({ reference: 'SGH12345', method: 'mpesa' });
    expect(data.paymentAttempts[0]).toMatchObject({ phone: person.phone, provider: 'mpesa' });
    expect(data.sessions[0]).toMatchObject({ router: 'kilimani-ccr', mac: 'AA-BB-CC-11-22-33', framedIp: person.staticIp, inputOctets: 1000 });
    expect(data.messages.some((m) => m.recipient === person.phone && m.body.includes(person.fullName))).toBe(true);
    expect(data.tickets[0]!.subject).toBe('Slow at night');
    expect(data.portalSignIns).toHaveLength(1);
    expect(data.history.some((e) => e.kind === 'payment_received')).toBe(true);
    expect(data.audit.some((a) => a.action === 'customer.create')).toBe(true);
    expect(data.equipment).toEqual([]);
    expect(data.fieldJobs).toEqual([]);
  });

  it('leaves out passwords, sealed secrets and staff\'s internal ticket notes', () => {
    const text = exportText(exportCustomerData(conn.db, person.username)!);
    const row = conn.sqlite.prepare('SELECT password_sealed FROM customers WHERE username = ?').get(person.username) as { password_sealed: string };
    expect(text).not.toContain(row.password_sealed);
    expect(text).not.toContain('net-secret-pw');
    expect(text).not.toMatch(/passwordSealed|portalPasswordHash|token_?hash|csrf/i);
    expect(text).not.toContain('radius-secret');
    expect(text).not.toContain('customer was rude');
    expect(text).toContain('We have checked the line.');
  });

  it('finds nobody for an unknown username', () => {
    expect(exportCustomerData(conn.db, 'nobody')).toBeUndefined();
  });
});

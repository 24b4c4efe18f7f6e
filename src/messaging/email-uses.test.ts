import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import type { Connection } from '../db/connection.js';
import { runAlerts, type AlertSources } from '../operations/alerts.js';
import { setSetting } from '../settings/index.js';
import { addStaff, auditTrail, findStaffAccount, setStaffDisabled, setStaffEmail } from '../staff/index.js';
import { openTicket, staffMessage } from '../support/index.js';
import { setupEmail } from './email.js';
import { listMessages } from './outbox.js';
import { addTestCustomer, openTestDatabase } from './test-fixtures.js';

// Where email is queued besides SMS: a staff reply on a help request, and health alerts.

const T0 = Date.UTC(2026, 10, 24, 7, 0);
const box = createSecretBox(Buffer.alloc(32, 9));

let conn: Connection;
beforeEach(() => {
  conn = openTestDatabase();
  setupEmail(conn.db, box, { host: 'smtp.skyline.example', enabled: true }, 'test', T0);
});
afterEach(() => conn.close());

const emails = () => listMessages(conn.db, { channel: 'email', limit: 1000 }).reverse();

describe('a staff reply by email', () => {
  beforeEach(async () => {
    await addStaff(conn.db, { username: 'otieno', role: 'support', password: 'support-pass-1' });
  });
  const ticketFor = (customerId: number) => openTicket(conn.db, { customerId, subject: 'No internet since morning', body: 'The light is red.', category: 'no_internet', openedBy: 'customer', now: T0 });
  const reply = (ticketId: number, internal = false) => staffMessage(conn.db, { ticketId, staff: 'otieno', body: 'We replaced the cable.', internal, now: T0 + 60_000 });

  it("goes to a customer with an address, in the customer's language, besides the SMS", () => {
    const amal = addTestCustomer(conn, { username: 'amal', phone: '+211912000222', email: 'amal@example.net', language: 'ar', fullName: 'Amal Deng' });
    const ticket = ticketFor(amal.id);
    const result = reply(ticket.id);
    expect(result.smsId).not.toBeNull();
    expect(result.emailId).not.toBeNull();
    const [mail] = emails();
    expect(mail).toMatchObject({ recipient: 'amal@example.net', language: 'ar', customerId: amal.id, parts: 0, status: 'queued' });
    expect(mail!.subject).toBe(`Skyline Net: رد على طلب المساعدة #${ticket.id} (No internet since morning)`);
    expect(mail!.body).toContain('مرحبًا Amal Deng،');
    expect(mail!.body).toContain('We replaced the cable.');
  });

  it('is not sent for an internal note, to a customer without an address, or while email is off', () => {
    const withAddress = addTestCustomer(conn, { username: 'alice', phone: '+254712345678', email: 'alice@example.net' });
    const without = addTestCustomer(conn, { username: 'bob', phone: '+254722000111' });
    expect(reply(ticketFor(withAddress.id).id, true).emailId).toBeNull();
    expect(reply(ticketFor(without.id).id).emailId).toBeNull();
    setSetting(conn.db, 'email.enabled', false, 'test');
    expect(reply(ticketFor(withAddress.id).id).emailId).toBeNull();
    expect(emails()).toHaveLength(0);
  });
});

describe('health alerts by email', () => {
  const sources = (now: number, bavail: number): AlertSources => ({ now, lastPacketAt: new Map(), routerName: (id) => `R${id}`, diskSpace: () => ({ blocks: 1000, bavail }), lastBackup: () => null, lastPaymentStatuses: () => [] });

  it('go to active admins with an address in their language and to alerts.emails in English, once per start and once per clear', async () => {
    const amina = (await addStaff(conn.db, { username: 'amina', role: 'admin', now: T0 })).staff.id;
    const gone = (await addStaff(conn.db, { username: 'gone', role: 'admin', now: T0 })).staff.id;
    const juma = (await addStaff(conn.db, { username: 'juma', role: 'agent', now: T0 })).staff.id;
    expect(setStaffEmail(conn.db, { actor: 'test', id: amina, email: 'amina@skyline.example', now: T0 }).kind).toBe('done');
    expect(setStaffEmail(conn.db, { actor: 'test', id: gone, email: 'gone@skyline.example', now: T0 }).kind).toBe('done');
    expect(setStaffEmail(conn.db, { actor: 'test', id: juma, email: 'juma@skyline.example', now: T0 }).kind).toBe('done');
    expect(setStaffEmail(conn.db, { actor: 'test', id: juma, email: 'not an address', now: T0 }).kind).toBe('bad-email');
    setStaffDisabled(conn.db, { actor: 'test', id: gone, disabled: true, now: T0 });
    conn.sqlite.prepare(`UPDATE staff SET language = 'ar' WHERE id = ?`).run(amina);
    setSetting(conn.db, 'alerts.emails', ['noc@partner.example', 'AMINA@skyline.example'], 'test');

    runAlerts(conn.db, sources(T0, 50));
    runAlerts(conn.db, sources(T0 + 60_000, 50));
    runAlerts(conn.db, sources(T0 + 120_000, 500));
    const sent = emails();
    expect(sent.map((m) => [m.recipient, m.language])).toEqual([
      ['amina@skyline.example', 'ar'],
      ['noc@partner.example', 'en'],
      ['amina@skyline.example', 'ar'],
      ['noc@partner.example', 'en'],
    ]);
    expect(sent[1]!.subject).toBe('Skyline Net: Lango alert: only 5% of the database disk is free. Free some space.');
    expect(sent[3]!.body).toContain('Lango resolved: the database disk has enough free space again.');
    expect(sent[0]!.body).toContain('تنبيه');
    expect(sent.every((m) => m.critical && m.template === 'alert.diskFull')).toBe(true);
    expect(findStaffAccount(conn.db, amina)!.email).toBe('amina@skyline.example');
    expect(auditTrail(conn.db, `staff:${amina}`).some((a) => a.action === 'staff.email')).toBe(true);
  });

  it('are not emailed while email is off', async () => {
    const amina = (await addStaff(conn.db, { username: 'amina', role: 'admin', now: T0 })).staff.id;
    setStaffEmail(conn.db, { actor: 'test', id: amina, email: 'amina@skyline.example', now: T0 });
    setSetting(conn.db, 'email.enabled', false, 'test');
    expect(runAlerts(conn.db, sources(T0, 50)).started).toEqual(['diskFull']);
    expect(emails()).toHaveLength(0);
  });
});

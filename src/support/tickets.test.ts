import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { listMessages } from '../messaging/index.js';
import { addTestCustomer, openTestDatabase } from '../messaging/test-fixtures.js';
import { setSetting } from '../settings/index.js';
import { addStaff, auditTrail, setStaffDisabled } from '../staff/index.js';
import {
  assignTicket,
  countOverdue,
  customerReply,
  customerResolve,
  listCustomerTickets,
  listTickets,
  openTicket,
  setTicketPriority,
  setTicketStatus,
  staffMessage,
  ticketForCustomer,
  ticketForStaff,
  ticketStaff,
  TicketError,
  type TicketRefusal,
} from './index.js';

const T0 = Date.UTC(2026, 2, 2, 7, 0, 0);
const HOUR = 3_600_000;

let conn: Connection;
let alice: number;
let bob: number;
let amal: number;
let wanjiku: number;

function refusal(fn: () => unknown): TicketRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof TicketError) return err.reason;
    throw err;
  }
  throw new Error('expected a TicketError');
}

beforeEach(async () => {
  conn = openTestDatabase();
  alice = addTestCustomer(conn, { username: 'alice', phone: '+254712345678', fullName: 'Alice Wanjiru' }).id;
  bob = addTestCustomer(conn, { username: 'bob', phone: '+254722000111' }).id;
  amal = addTestCustomer(conn, { username: 'amal', phone: '+211912000222', language: 'ar' }).id;
  await addStaff(conn.db, { username: 'otieno', role: 'support', password: 'support-pass-1' });
  wanjiku = (await addStaff(conn.db, { username: 'wanjiku', role: 'technician', password: 'tech-pass-1' })).staff.id;
  await addStaff(conn.db, { username: 'agent-1', role: 'agent', password: 'agent-pass-1' });
});
afterEach(() => conn.close());

const open = (customerId = alice, now = T0) => openTicket(conn.db, { customerId, subject: 'No internet since morning', body: 'The router light is red.', category: 'no_internet', openedBy: 'customer', now });
const reply = (ticketId: number, now: number, internal = false, body = 'We are checking the line.') => staffMessage(conn.db, { ticketId, staff: 'otieno', body, internal, now });
const ticketSms = () => listMessages(conn.db).filter((m) => m.key.startsWith('ticket-reply:'));

describe('a ticket’s status', () => {
  it('opens, waits on the customer after a staff reply, and opens again when the customer answers', () => {
    const ticket = open();
    expect(ticket).toMatchObject({ status: 'open', priority: 'normal', category: 'no_internet', openedBy: 'customer', firstRespondedAt: null });
    expect(reply(ticket.id, T0 + HOUR).ticket).toMatchObject({ status: 'waiting_customer', firstRespondedAt: T0 + HOUR, updatedAt: T0 + HOUR });
    expect(customerReply(conn.db, { customerId: alice, ticketId: ticket.id, body: 'Still red.', now: T0 + 2 * HOUR })).toMatchObject({ status: 'open', updatedAt: T0 + 2 * HOUR });
    // The first response is the first reply only.
    expect(reply(ticket.id, T0 + 3 * HOUR).ticket.firstRespondedAt).toBe(T0 + HOUR);
  });

  it('is resolved by the customer, reopened by their next message with a fresh resolve clock, and a closed ticket takes no more messages', () => {
    const ticket = open();
    expect(customerResolve(conn.db, { customerId: alice, ticketId: ticket.id, now: T0 + HOUR })).toMatchObject({ status: 'resolved', resolvedAt: T0 + HOUR });
    // A closing word from staff leaves it resolved.
    expect(reply(ticket.id, T0 + 2 * HOUR, false, 'Glad it works.').ticket).toMatchObject({ status: 'resolved', resolvedAt: T0 + HOUR });
    const reopened = customerReply(conn.db, { customerId: alice, ticketId: ticket.id, body: 'It is down again.', now: T0 + 100 * HOUR });
    expect(reopened).toMatchObject({ status: 'open', resolvedAt: null, resolveDueAt: T0 + 148 * HOUR });
    expect(setTicketStatus(conn.db, { ticketId: ticket.id, status: 'closed', actor: 'otieno', now: T0 + 101 * HOUR })).toMatchObject({ status: 'closed', resolvedAt: T0 + 101 * HOUR });
    expect(refusal(() => customerReply(conn.db, { customerId: alice, ticketId: ticket.id, body: 'Hello?', now: T0 + 102 * HOUR }))).toBe('closed');
    expect(refusal(() => reply(ticket.id, T0 + 102 * HOUR))).toBe('closed');
    expect(refusal(() => customerResolve(conn.db, { customerId: alice, ticketId: ticket.id, now: T0 + 102 * HOUR }))).toBe('closed');
    // Staff may open it again, and then write on it.
    setTicketStatus(conn.db, { ticketId: ticket.id, status: 'open', actor: 'otieno', now: T0 + 103 * HOUR });
    expect(reply(ticket.id, T0 + 104 * HOUR).ticket.status).toBe('waiting_customer');
    expect(auditTrail(conn.db, `ticket:${ticket.id}`).map((a) => a.action)).toEqual(['ticket.reply', 'ticket.status', 'ticket.status', 'ticket.reply']);
  });

  it('refuses empty or over-long subjects and messages, unknown choices, and a staff member who may not work tickets', () => {
    expect(refusal(() => openTicket(conn.db, { customerId: alice, subject: '  ', body: 'x', openedBy: 'customer', now: T0 }))).toBe('subject');
    expect(refusal(() => openTicket(conn.db, { customerId: alice, subject: 'x'.repeat(121), body: 'x', openedBy: 'customer', now: T0 }))).toBe('subject');
    expect(refusal(() => openTicket(conn.db, { customerId: alice, subject: 'Help', body: 'x'.repeat(4001), openedBy: 'customer', now: T0 }))).toBe('body');
    expect(refusal(() => openTicket(conn.db, { customerId: alice, subject: 'Help', body: 'x', category: 'weather', openedBy: 'customer', now: T0 }))).toBe('bad-choice');
    expect(refusal(() => openTicket(conn.db, { customerId: 9999, subject: 'Help', body: 'x', openedBy: 'customer', now: T0 }))).toBe('unknown-customer');
    const ticket = open();
    expect(refusal(() => staffMessage(conn.db, { ticketId: ticket.id, staff: 'agent-1', body: 'hi', internal: false, now: T0 }))).toBe('unknown-staff');
    expect(refusal(() => assignTicket(conn.db, { ticketId: ticket.id, assignee: 'agent-1', actor: 'otieno', now: T0 }))).toBe('unknown-staff');
    expect(refusal(() => setTicketStatus(conn.db, { ticketId: ticket.id, status: 'pending', actor: 'otieno', now: T0 }))).toBe('bad-choice');
    expect(refusal(() => reply(9999, T0))).toBe('unknown-ticket');
    expect(ticketStaff(conn.db)).toEqual(['otieno', 'wanjiku']);
  });
});

describe('the SLA clock', () => {
  it('sets due times from the priority, moves them when the priority changes, and counts a ticket overdue until it is answered and resolved', () => {
    const ticket = open();
    expect(ticket).toMatchObject({ firstResponseDueAt: T0 + 8 * HOUR, resolveDueAt: T0 + 48 * HOUR });
    const urgent = setTicketPriority(conn.db, { ticketId: ticket.id, priority: 'urgent', actor: 'otieno', now: T0 + 10 * 60_000 });
    expect(urgent).toMatchObject({ priority: 'urgent', firstResponseDueAt: T0 + HOUR, resolveDueAt: T0 + 4 * HOUR });

    const late = T0 + 2 * HOUR;
    expect(listTickets(conn.db, { overdue: true }, late).map((t) => t.id)).toEqual([ticket.id]);
    expect(countOverdue(conn.db, late)).toBe(1);
    expect(countOverdue(conn.db, T0 + 30 * 60_000)).toBe(0);
    // Answered: the first-response promise is met, the resolve one still runs.
    reply(ticket.id, late);
    expect(countOverdue(conn.db, T0 + 3 * HOUR)).toBe(0);
    expect(listTickets(conn.db, {}, T0 + 5 * HOUR)[0]!.overdue).toBe(true);
    setTicketStatus(conn.db, { ticketId: ticket.id, status: 'resolved', actor: 'otieno', now: T0 + 6 * HOUR });
    expect(countOverdue(conn.db, T0 + 100 * HOUR)).toBe(0);
  });

  it('reads the hours from the support.slaHours setting', () => {
    setSetting(conn.db, 'support.slaHours', { urgent: { firstResponse: 0.5, resolve: 2 }, high: { firstResponse: 2, resolve: 8 }, normal: { firstResponse: 4, resolve: 24 }, low: { firstResponse: 48, resolve: 240 } }, 'test');
    expect(open()).toMatchObject({ firstResponseDueAt: T0 + 4 * HOUR, resolveDueAt: T0 + 24 * HOUR });
  });
});

describe('what the customer sees', () => {
  it('shows the customer replies but never internal notes, and another customer’s ticket not at all', () => {
    const ticket = open();
    reply(ticket.id, T0 + HOUR, true, 'Line fault at the Kilimani cabinet; technician booked.');
    reply(ticket.id, T0 + 2 * HOUR, false, 'A technician comes tomorrow at 10.');
    const seen = ticketForCustomer(conn.db, alice, ticket.id)!;
    expect(seen.messages.map((m) => [m.author, m.body])).toEqual([
      ['customer', 'The router light is red.'],
      ['staff', 'A technician comes tomorrow at 10.'],
    ]);
    expect(JSON.stringify(seen)).not.toContain('Kilimani');
    expect(JSON.stringify(seen)).not.toContain('otieno');
    expect(ticketForStaff(conn.db, ticket.id, T0)!.messages.map((m) => m.internal)).toEqual([false, true, false]);

    expect(ticketForCustomer(conn.db, bob, ticket.id)).toBeUndefined();
    expect(refusal(() => customerReply(conn.db, { customerId: bob, ticketId: ticket.id, body: 'mine?', now: T0 }))).toBe('unknown-ticket');
    expect(refusal(() => customerResolve(conn.db, { customerId: bob, ticketId: ticket.id, now: T0 }))).toBe('unknown-ticket');
    expect(listCustomerTickets(conn.db, bob)).toEqual([]);
    expect(listCustomerTickets(conn.db, alice).map((t) => t.id)).toEqual([ticket.id]);
  });

  it('keeps the last-update time when staff add an internal note', () => {
    const ticket = open();
    reply(ticket.id, T0 + HOUR, true, 'Checking the radius log.');
    expect(listCustomerTickets(conn.db, alice)[0]!.updatedAt).toBe(T0);
  });
});

describe('the SMS to the customer', () => {
  it('is queued for a staff reply only, in the customer’s language, with the ticket number', () => {
    const ticket = open();
    expect(reply(ticket.id, T0 + HOUR, true).smsId).toBeNull();
    expect(ticketSms()).toEqual([]);
    customerReply(conn.db, { customerId: alice, ticketId: ticket.id, body: 'Any news?', now: T0 + 2 * HOUR });
    expect(ticketSms()).toEqual([]);

    const sent = reply(ticket.id, T0 + 3 * HOUR);
    const sms = ticketSms();
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ id: sent.smsId, recipient: '+254712345678', language: 'en', customerId: alice, status: 'queued' });
    expect(sms[0]!.body).toBe(`Skyline Net: we answered your help request #${ticket.id}. Read it in the customer portal.`);

    const arabic = openTicket(conn.db, { customerId: amal, subject: 'بطء', body: 'الإنترنت بطيء', openedBy: 'customer', now: T0 });
    setSetting(conn.db, 'payments.publicUrl', 'https://isp.example.net/', 'test');
    reply(arabic.id, T0 + HOUR);
    const amalSms = ticketSms().find((m) => m.customerId === amal)!;
    expect(amalSms.language).toBe('ar');
    expect(amalSms.body).toContain(`https://isp.example.net/portal/tickets/${arabic.id}`);
    expect(amalSms.body).toContain('رددنا');
  });

  it('is skipped, with the reply still saved, when the customer has no phone', () => {
    const nophone = addTestCustomer(conn, { username: 'nophone' }).id;
    const ticket = open(nophone);
    const result = reply(ticket.id, T0 + HOUR);
    expect(result.smsId).toBeNull();
    expect(result.ticket.status).toBe('waiting_customer');
  });
});

describe('staff work on tickets', () => {
  it('opens a ticket for a customer with a chosen priority, assigns it, filters the list, and audits each step', () => {
    const ticket = openTicket(conn.db, { customerId: bob, subject: 'Bill looks wrong', body: 'Called: charged twice in March.', category: 'billing', priority: 'high', openedBy: { staff: 'otieno' }, now: T0 });
    expect(ticket).toMatchObject({ openedBy: 'otieno', priority: 'high', firstResponseDueAt: T0 + 4 * HOUR });
    expect(ticketForCustomer(conn.db, bob, ticket.id)!.messages[0]).toMatchObject({ author: 'staff', body: 'Called: charged twice in March.' });
    open(alice, T0 + 1);

    assignTicket(conn.db, { ticketId: ticket.id, assignee: 'wanjiku', actor: 'otieno', now: T0 + 2 });
    expect(listTickets(conn.db, { assignee: 'wanjiku' }, T0).map((t) => t.id)).toEqual([ticket.id]);
    expect(listTickets(conn.db, { assignee: null }, T0).map((t) => t.username)).toEqual(['alice']);
    expect(listTickets(conn.db, { category: 'billing', priority: 'high', customerId: bob, status: 'open' }, T0)).toHaveLength(1);
    expect(listTickets(conn.db, {}, T0).map((t) => t.username)).toEqual(['alice', 'bob']);
    expect(listTickets(conn.db, { limit: 1, offset: 1 }, T0).map((t) => t.username)).toEqual(['bob']);

    setStaffDisabled(conn.db, { actor: 'staff:admin', id: wanjiku, disabled: true, now: T0 });
    expect(refusal(() => assignTicket(conn.db, { ticketId: ticket.id, assignee: 'wanjiku', actor: 'otieno', now: T0 }))).toBe('unknown-staff');
    assignTicket(conn.db, { ticketId: ticket.id, assignee: null, actor: 'otieno', now: T0 + 3 });
    expect(auditTrail(conn.db, `ticket:${ticket.id}`).map((a) => [a.actor, a.action])).toEqual([
      ['staff:otieno', 'ticket.assign'],
      ['staff:otieno', 'ticket.assign'],
      ['staff:otieno', 'ticket.open'],
    ]);
  });
});

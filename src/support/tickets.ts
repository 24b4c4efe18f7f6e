import { and, asc, desc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { findCustomerById } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import { customers } from '../db/schema/billing.js';
import { ticketMessages, tickets, type TicketAuthor, type TicketCategory, type TicketPriority, type TicketStatus } from '../db/schema/support.js';
import { t } from '../i18n/index.js';
import { isSendableNumber, queueMessage } from '../messaging/index.js';
import { emailEnabled, isEmailAddress, queueEmail } from '../messaging/email.js';
import { getSetting } from '../settings/index.js';
import { can, findStaff, findStaffAccount, listStaffAccounts, recordAudit } from '../staff/index.js';

// Support tickets: a customer opens one from the portal (or staff open it for them from a
// call), both sides write on it, staff keep internal notes the customer never sees, and each
// ticket carries an SLA clock fixed from its priority. The customer's view is built here, not
// in the page, so no screen can leak a note by forgetting a filter.

export type { TicketAuthor, TicketCategory, TicketPriority, TicketStatus };
export const ticketStatuses: readonly TicketStatus[] = ['open', 'waiting_customer', 'resolved', 'closed'];
export const ticketPriorities: readonly TicketPriority[] = ['urgent', 'high', 'normal', 'low'];
export const ticketCategories: readonly TicketCategory[] = ['no_internet', 'slow', 'billing', 'installation', 'equipment', 'other'];

export const SUBJECT_MAX = 120;
export const BODY_MAX = 4000;
const HOUR = 3_600_000;

export type TicketRefusal =
  /** Subject empty or longer than SUBJECT_MAX. */
  | 'subject'
  /** Message empty or longer than BODY_MAX. */
  | 'body'
  | 'unknown-ticket'
  | 'unknown-customer'
  /** Not a staff member who may work tickets (unknown, disabled, or a role without tickets.reply). */
  | 'unknown-staff'
  | 'bad-choice'
  /** A closed ticket takes no more messages or changes but reopening by staff. */
  | 'closed';

/** Something a person asked that a ticket cannot do; the page says which, in its own words. */
export class TicketError extends Error {
  constructor(readonly reason: TicketRefusal) {
    super(`ticket refused: ${reason}`);
  }
}

export type Ticket = typeof tickets.$inferSelect;
export type TicketMessage = typeof ticketMessages.$inferSelect;

/** A ticket with who it is for, as lists show it. */
export interface TicketSummary extends Ticket {
  username: string;
  fullName: string | null;
  /** Past a due time while still open or waiting on the customer. */
  overdue: boolean;
}

/** What the customer may see of a ticket: no assignee, no internal notes. */
export interface CustomerTicket {
  id: number;
  subject: string;
  category: TicketCategory;
  status: TicketStatus;
  createdAt: number;
  updatedAt: number;
  messages: Array<{ id: number; author: TicketAuthor; body: string; createdAt: number }>;
}

export interface StaffTicket {
  ticket: TicketSummary;
  customer: { id: number; username: string; fullName: string | null; phone: string | null; language: 'en' | 'ar' };
  messages: TicketMessage[];
}

const isChoice = <T extends string>(list: readonly T[], value: unknown): value is T => typeof value === 'string' && (list as readonly string[]).includes(value);

function cleanSubject(text: string): string {
  const subject = text.replace(/\s+/g, ' ').trim();
  if (subject.length === 0 || subject.length > SUBJECT_MAX) throw new TicketError('subject');
  return subject;
}

function cleanBody(text: string): string {
  const body = text.replace(/\r\n?/g, '\n').trim();
  if (body.length === 0 || body.length > BODY_MAX) throw new TicketError('body');
  return body;
}

/** The due times a priority gives a ticket opened at `openedAt` (settings `support.slaHours`). */
export function slaDue(db: Db, priority: TicketPriority, openedAt: number): { firstResponseDueAt: number; resolveDueAt: number } {
  const hours = getSetting(db, 'support.slaHours')[priority];
  return { firstResponseDueAt: openedAt + Math.round(hours.firstResponse * HOUR), resolveDueAt: openedAt + Math.round(hours.resolve * HOUR) };
}

/**
 * Overdue: still open or waiting on the customer, and either nobody from staff has answered by
 * the first-response time or it is not resolved by the resolve time.
 */
export function isOverdue(ticket: Pick<Ticket, 'status' | 'firstRespondedAt' | 'firstResponseDueAt' | 'resolveDueAt'>, now: number): boolean {
  if (ticket.status !== 'open' && ticket.status !== 'waiting_customer') return false;
  const lateFirst = ticket.firstRespondedAt === null && ticket.firstResponseDueAt !== null && ticket.firstResponseDueAt < now;
  const lateResolve = ticket.resolveDueAt !== null && ticket.resolveDueAt < now;
  return lateFirst || lateResolve;
}

/** The same rule as isOverdue, as SQL for the list's filter. */
const overdueSql = (now: number) =>
  and(
    inArray(tickets.status, ['open', 'waiting_customer']),
    or(and(isNull(tickets.firstRespondedAt), lt(tickets.firstResponseDueAt, now)), lt(tickets.resolveDueAt, now)),
  );

/** Staff who may be given tickets: enabled, with a role that works them. */
function checkStaff(db: Db, username: string): string {
  const found = findStaff(db, username);
  const account = found && findStaffAccount(db, found.id);
  if (!account || account.disabledAt !== null || !can(account.role, 'tickets.reply')) throw new TicketError('unknown-staff');
  return account.username;
}

export interface OpenTicketInput {
  customerId: number;
  subject: string;
  body: string;
  category?: string | undefined;
  /** Only staff choose a priority; a customer's ticket starts as 'normal'. */
  priority?: string | undefined;
  /** 'customer', or the staff username opening it for the customer (audited). */
  openedBy: 'customer' | { staff: string };
  now: number;
}

/**
 * Opens a ticket with its first message and its SLA clock. When staff open it for a customer
 * (from a call), the first message is theirs and visible to the customer: it is what the
 * customer told them.
 */
export function openTicket(db: Db, input: OpenTicketInput): Ticket {
  const subject = cleanSubject(input.subject);
  const body = cleanBody(input.body);
  const category = input.category === undefined || input.category === '' ? 'other' : input.category;
  if (!isChoice(ticketCategories, category)) throw new TicketError('bad-choice');
  const priority = input.openedBy === 'customer' || input.priority === undefined || input.priority === '' ? 'normal' : input.priority;
  if (!isChoice(ticketPriorities, priority)) throw new TicketError('bad-choice');
  return db.transaction((tx) => {
    const d = tx as Db;
    const customer = d.select({ id: customers.id }).from(customers).where(and(eq(customers.id, input.customerId), eq(customers.kind, 'customer'))).get();
    if (!customer) throw new TicketError('unknown-customer');
    const staff = input.openedBy === 'customer' ? null : checkStaff(d, input.openedBy.staff);
    const ticket = d
      .insert(tickets)
      .values({ customerId: customer.id, subject, category, priority, status: 'open', openedBy: staff ?? 'customer', createdAt: input.now, updatedAt: input.now, ...slaDue(d, priority, input.now) })
      .returning()
      .get();
    d.insert(ticketMessages).values({ ticketId: ticket.id, author: staff ? 'staff' : 'customer', staffUsername: staff, internal: false, body, createdAt: input.now }).run();
    if (staff) recordAudit(d, `staff:${staff}`, 'ticket.open', `ticket:${ticket.id}`, { customerId: customer.id, subject, category, priority }, input.now);
    return ticket;
  }, { behavior: 'immediate' });
}

function ticketRow(db: Db, id: number): Ticket {
  const row = db.select().from(tickets).where(eq(tickets.id, id)).get();
  if (!row) throw new TicketError('unknown-ticket');
  return row;
}

/**
 * The customer writes on their own ticket. A ticket waiting on them or resolved opens again
 * (resolved ones with a fresh resolve clock: it is a new promise); a closed one takes nothing.
 * Another customer's ticket is 'unknown-ticket', the same as one that does not exist.
 */
export function customerReply(db: Db, input: { customerId: number; ticketId: number; body: string; now: number }): Ticket {
  const body = cleanBody(input.body);
  return db.transaction((tx) => {
    const d = tx as Db;
    const ticket = d.select().from(tickets).where(and(eq(tickets.id, input.ticketId), eq(tickets.customerId, input.customerId))).get();
    if (!ticket) throw new TicketError('unknown-ticket');
    if (ticket.status === 'closed') throw new TicketError('closed');
    d.insert(ticketMessages).values({ ticketId: ticket.id, author: 'customer', internal: false, body, createdAt: input.now }).run();
    const reopened = ticket.status === 'resolved' ? { resolvedAt: null, resolveDueAt: slaDue(d, ticket.priority, input.now).resolveDueAt } : {};
    return d.update(tickets).set({ status: 'open', updatedAt: input.now, ...reopened }).where(eq(tickets.id, ticket.id)).returning().get()!;
  }, { behavior: 'immediate' });
}

/** The customer says their problem is solved. Only their own, and only one still open or waiting. */
export function customerResolve(db: Db, input: { customerId: number; ticketId: number; now: number }): Ticket {
  return db.transaction((tx) => {
    const d = tx as Db;
    const ticket = d.select().from(tickets).where(and(eq(tickets.id, input.ticketId), eq(tickets.customerId, input.customerId))).get();
    if (!ticket) throw new TicketError('unknown-ticket');
    if (ticket.status === 'closed') throw new TicketError('closed');
    if (ticket.status === 'resolved') return ticket;
    return d.update(tickets).set({ status: 'resolved', resolvedAt: input.now, updatedAt: input.now }).where(eq(tickets.id, ticket.id)).returning().get()!;
  }, { behavior: 'immediate' });
}

export interface StaffMessageInput {
  ticketId: number;
  staff: string;
  body: string;
  /** An internal note: staff only, no status change, no SMS. */
  internal: boolean;
  now: number;
}

export interface StaffMessageResult {
  ticket: Ticket;
  message: TicketMessage;
  /** The outbox row of the SMS telling the customer, when one was queued (replies to a customer with a usable phone). */
  smsId: number | null;
  /** The outbox row of the email, when email is on and the customer has an address. */
  emailId: number | null;
}

/**
 * Staff write on a ticket. A reply goes to the customer: an open ticket then waits on them (a
 * resolved one stays resolved: a closing word reopens nothing), the first one stops the
 * first-response clock, and an SMS in the customer's language tells them
 * (ticket number, and a portal link when the public address is set), in the same transaction.
 * An internal note changes nothing the customer can see, not even the ticket's update time.
 */
export function staffMessage(db: Db, input: StaffMessageInput): StaffMessageResult {
  const body = cleanBody(input.body);
  return db.transaction((tx) => {
    const d = tx as Db;
    const staff = checkStaff(d, input.staff);
    let ticket = ticketRow(d, input.ticketId);
    if (ticket.status === 'closed') throw new TicketError('closed');
    const message = d.insert(ticketMessages).values({ ticketId: ticket.id, author: 'staff', staffUsername: staff, internal: input.internal, body, createdAt: input.now }).returning().get();
    recordAudit(d, `staff:${staff}`, input.internal ? 'ticket.note' : 'ticket.reply', `ticket:${ticket.id}`, { messageId: message.id, length: body.length }, input.now);
    if (input.internal) return { ticket, message, smsId: null, emailId: null };
    ticket = d
      .update(tickets)
      .set({ status: ticket.status === 'open' ? 'waiting_customer' : ticket.status, updatedAt: input.now, firstRespondedAt: ticket.firstRespondedAt ?? input.now })
      .where(eq(tickets.id, ticket.id))
      .returning()
      .get()!;
    return { ticket, message, smsId: queueReplySms(d, ticket, message.id, input.now), emailId: queueReplyEmail(d, ticket, message.id, body, input.now) };
  }, { behavior: 'immediate' });
}

/** The portal address of a ticket, when the server's public address is known. */
export function ticketLink(db: Db, ticketId: number): string | null {
  const base = getSetting(db, 'payments.publicUrl');
  return base === null ? null : `${base.replace(/\/+$/, '')}/portal/tickets/${ticketId}`;
}

function queueReplySms(db: Db, ticket: Ticket, messageId: number, now: number): number | null {
  const customer = findCustomerById(db, ticket.customerId);
  if (!customer?.phone || !isSendableNumber(customer.phone)) return null;
  const link = ticketLink(db, ticket.id);
  const values = { operator: getSetting(db, 'operator.name'), number: `#${ticket.id}`, link };
  const body = t(link ? 'portal.selfService.tickets.sms.replyLink' : 'portal.selfService.tickets.sms.reply', values, customer.language);
  // One SMS per reply: the key is the reply, so a retried transaction cannot send it twice.
  return queueMessage(db, { key: `ticket-reply:${messageId}`, customerId: customer.id, to: customer.phone, language: customer.language, template: null, body, critical: false, now }).id;
}

/**
 * The reply itself by email too (an SMS only says there is one), in the customer's language,
 * when email is on and the customer has an address. Same transaction, one email per reply.
 */
function queueReplyEmail(db: Db, ticket: Ticket, messageId: number, reply: string, now: number): number | null {
  if (!emailEnabled(db)) return null;
  const customer = findCustomerById(db, ticket.customerId);
  if (!customer?.email || !isEmailAddress(customer.email)) return null;
  const link = ticketLink(db, ticket.id);
  const values = { operator: getSetting(db, 'operator.name'), number: `#${ticket.id}`, title: ticket.subject, name: customer.fullName ?? customer.username, reply, link };
  const lang = customer.language;
  return queueEmail(db, {
    key: `ticket-reply-email:${messageId}`,
    customerId: customer.id,
    to: customer.email,
    language: lang,
    subject: t('email.ticketReply.subject', values, lang),
    body: t(link ? 'email.ticketReply.bodyLink' : 'email.ticketReply.body', values, lang),
    critical: false,
    now,
  }).id;
}

/** Who works the ticket: a staff member who may, or nobody (null). */
export function assignTicket(db: Db, input: { ticketId: number; assignee: string | null; actor: string; now: number }): Ticket {
  return db.transaction((tx) => {
    const d = tx as Db;
    const actor = checkStaff(d, input.actor);
    const ticket = ticketRow(d, input.ticketId);
    const assignee = input.assignee === null || input.assignee.trim() === '' ? null : checkStaff(d, input.assignee);
    if (assignee === ticket.assignee) return ticket;
    recordAudit(d, `staff:${actor}`, 'ticket.assign', `ticket:${ticket.id}`, { from: ticket.assignee, to: assignee }, input.now);
    return d.update(tickets).set({ assignee }).where(eq(tickets.id, ticket.id)).returning().get()!;
  }, { behavior: 'immediate' });
}

/**
 * Staff move a ticket to any status: resolving stamps the time, closing keeps it (or stamps it),
 * opening again clears it. Closed is the only way out of a closed ticket's silence.
 */
export function setTicketStatus(db: Db, input: { ticketId: number; status: string; actor: string; now: number }): Ticket {
  if (!isChoice(ticketStatuses, input.status)) throw new TicketError('bad-choice');
  const status = input.status;
  return db.transaction((tx) => {
    const d = tx as Db;
    const actor = checkStaff(d, input.actor);
    const ticket = ticketRow(d, input.ticketId);
    if (status === ticket.status) return ticket;
    const resolvedAt = status === 'resolved' ? input.now : status === 'closed' ? (ticket.resolvedAt ?? input.now) : null;
    recordAudit(d, `staff:${actor}`, 'ticket.status', `ticket:${ticket.id}`, { from: ticket.status, to: status }, input.now);
    return d.update(tickets).set({ status, resolvedAt, updatedAt: input.now }).where(eq(tickets.id, ticket.id)).returning().get()!;
  }, { behavior: 'immediate' });
}

/** A new priority moves the due times: the SLA of the new priority, counted from when the ticket opened. */
export function setTicketPriority(db: Db, input: { ticketId: number; priority: string; actor: string; now: number }): Ticket {
  if (!isChoice(ticketPriorities, input.priority)) throw new TicketError('bad-choice');
  const priority = input.priority;
  return db.transaction((tx) => {
    const d = tx as Db;
    const actor = checkStaff(d, input.actor);
    const ticket = ticketRow(d, input.ticketId);
    if (ticket.status === 'closed') throw new TicketError('closed');
    if (priority === ticket.priority) return ticket;
    recordAudit(d, `staff:${actor}`, 'ticket.priority', `ticket:${ticket.id}`, { from: ticket.priority, to: priority }, input.now);
    return d.update(tickets).set({ priority, ...slaDue(d, priority, ticket.createdAt) }).where(eq(tickets.id, ticket.id)).returning().get()!;
  }, { behavior: 'immediate' });
}

export function setTicketCategory(db: Db, input: { ticketId: number; category: string; actor: string; now: number }): Ticket {
  if (!isChoice(ticketCategories, input.category)) throw new TicketError('bad-choice');
  const category = input.category;
  return db.transaction((tx) => {
    const d = tx as Db;
    const actor = checkStaff(d, input.actor);
    const ticket = ticketRow(d, input.ticketId);
    if (category === ticket.category) return ticket;
    recordAudit(d, `staff:${actor}`, 'ticket.category', `ticket:${ticket.id}`, { from: ticket.category, to: category }, input.now);
    return d.update(tickets).set({ category }).where(eq(tickets.id, ticket.id)).returning().get()!;
  }, { behavior: 'immediate' });
}

export interface TicketFilter {
  /** One status, or any of several (the staff list starts with open and waiting_customer). */
  status?: TicketStatus | readonly TicketStatus[] | undefined;
  /** A staff username; null = nobody assigned. */
  assignee?: string | null | undefined;
  category?: TicketCategory | undefined;
  priority?: TicketPriority | undefined;
  customerId?: number | undefined;
  /** Only tickets past a due time (see isOverdue). */
  overdue?: boolean | undefined;
  /** At most 200; 50 when absent. Ask for one more than a page to know whether another follows. */
  limit?: number | undefined;
  offset?: number | undefined;
}

/** Staff's list, most recently changed first. Each filter is an equality on an indexed column or the overdue rule. */
export function listTickets(db: Db, filter: TicketFilter, now: number): TicketSummary[] {
  const conditions: Array<SQL | undefined> = [
    filter.status === undefined ? undefined : typeof filter.status === 'string' ? eq(tickets.status, filter.status) : inArray(tickets.status, [...filter.status]),
    filter.assignee === undefined ? undefined : filter.assignee === null ? isNull(tickets.assignee) : eq(tickets.assignee, filter.assignee),
    filter.category === undefined ? undefined : eq(tickets.category, filter.category),
    filter.priority === undefined ? undefined : eq(tickets.priority, filter.priority),
    filter.customerId === undefined ? undefined : eq(tickets.customerId, filter.customerId),
    filter.overdue ? overdueSql(now) : undefined,
  ];
  const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? 50)), 200);
  const offset = Math.max(0, Math.trunc(filter.offset ?? 0));
  return db
    .select({ ticket: tickets, username: customers.username, fullName: customers.fullName })
    .from(tickets)
    .innerJoin(customers, eq(customers.id, tickets.customerId))
    .where(and(...conditions))
    .orderBy(desc(tickets.updatedAt), desc(tickets.id))
    .limit(limit)
    .offset(offset)
    .all()
    .map((row) => ({ ...row.ticket, username: row.username, fullName: row.fullName, overdue: isOverdue(row.ticket, now) }));
}

/** How many tickets are past due: the number the list's "overdue" link shows. */
export function countOverdue(db: Db, now: number): number {
  return db.select({ n: sql<number>`count(*)` }).from(tickets).where(overdueSql(now)).get()?.n ?? 0;
}

/** One ticket with every message, internal notes included: for staff only. */
export function ticketForStaff(db: Db, ticketId: number, now: number): StaffTicket | undefined {
  const row = db
    .select({ ticket: tickets, username: customers.username, fullName: customers.fullName, phone: customers.phone, language: customers.language })
    .from(tickets)
    .innerJoin(customers, eq(customers.id, tickets.customerId))
    .where(eq(tickets.id, ticketId))
    .get();
  if (!row) return undefined;
  const messages = db.select().from(ticketMessages).where(eq(ticketMessages.ticketId, ticketId)).orderBy(asc(ticketMessages.id)).all();
  return {
    ticket: { ...row.ticket, username: row.username, fullName: row.fullName, overdue: isOverdue(row.ticket, now) },
    customer: { id: row.ticket.customerId, username: row.username, fullName: row.fullName, phone: row.phone, language: row.language },
    messages,
  };
}

const customerView = (ticket: Ticket, messages: CustomerTicket['messages']): CustomerTicket => ({
  id: ticket.id,
  subject: ticket.subject,
  category: ticket.category,
  status: ticket.status,
  createdAt: ticket.createdAt,
  updatedAt: ticket.updatedAt,
  messages,
});

/** The customer's own tickets, most recently changed first (no messages). */
export function listCustomerTickets(db: Db, customerId: number, page: { limit?: number; offset?: number } = {}): CustomerTicket[] {
  const limit = Math.min(Math.max(1, Math.trunc(page.limit ?? 50)), 200);
  return db
    .select()
    .from(tickets)
    .where(eq(tickets.customerId, customerId))
    .orderBy(desc(tickets.updatedAt), desc(tickets.id))
    .limit(limit)
    .offset(Math.max(0, Math.trunc(page.offset ?? 0)))
    .all()
    .map((ticket) => customerView(ticket, []));
}

/**
 * One of the customer's own tickets with what was said to and by them; internal notes are never
 * read. Another customer's ticket is undefined, exactly as one that does not exist.
 */
export function ticketForCustomer(db: Db, customerId: number, ticketId: number): CustomerTicket | undefined {
  const ticket = db.select().from(tickets).where(and(eq(tickets.id, ticketId), eq(tickets.customerId, customerId))).get();
  if (!ticket) return undefined;
  const messages = db
    .select({ id: ticketMessages.id, author: ticketMessages.author, body: ticketMessages.body, createdAt: ticketMessages.createdAt })
    .from(ticketMessages)
    .where(and(eq(ticketMessages.ticketId, ticketId), eq(ticketMessages.internal, false)))
    .orderBy(asc(ticketMessages.id))
    .all();
  return customerView(ticket, messages);
}

/** Staff who may be given tickets (enabled, with a role that works them), for the assign form. */
export function ticketStaff(db: Db): string[] {
  return listStaffAccounts(db, { limit: 1000 })
    .filter((account) => account.disabledAt === null && can(account.role, 'tickets.reply'))
    .map((account) => account.username);
}

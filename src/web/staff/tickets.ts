import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findCustomer } from '../../billing/index.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { can, type StaffSession } from '../../staff/index.js';
import {
  assignTicket,
  BODY_MAX,
  countOverdue,
  listTickets,
  openTicket,
  setTicketCategory,
  setTicketPriority,
  setTicketStatus,
  staffMessage,
  SUBJECT_MAX,
  TicketError,
  ticketCategories,
  ticketForStaff,
  ticketPriorities,
  ticketStaff,
  ticketStatuses,
  type StaffTicket,
  type TicketFilter,
  type TicketRefusal,
  type TicketStatus,
  type TicketSummary,
} from '../../support/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, escapeHtml, flash, formatTime, ltr, one, pager, paging, table } from './ui.js';

// Support tickets for staff (issue 8 portal tickets; issue 9 support): the list with filters
// and each ticket's SLA state, one ticket's conversation with internal notes set apart, and the
// forms to reply, note, assign, and set status, priority and category; opening a ticket for a
// customer who called. The staff plugin's preHandler has checked session, role and CSRF.

const ID = /^\d{1,12}$/;
/** Open and waiting_customer: what the list shows when no status is chosen. */
const ACTIVE = 'active';
const ALL = 'all';
const DONE = ['opened', 'replied', 'repliedNoSms', 'noted', 'assigned', 'status', 'priority', 'category'] as const;
type Done = (typeof DONE)[number];
const isDone = (value: unknown): value is Done => typeof value === 'string' && (DONE as readonly string[]).includes(value);
const field = (raw: Record<string, unknown>, name: string, max: number) => (one(raw[name]) ?? '').slice(0, max + 1);
const number = (id: number) => `#${id}`;

export function registerTicketRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const m = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.tickets.${key}` as MessageKey, values, l);
  const h = (key: string, l: Language, values: Record<string, unknown> = {}) => escapeHtml(m(key, l, values));
  const time = (ms: number | null) => formatTime(ms, screens.zone);
  const option = (value: string, label: string, chosen: string | undefined) => `<option value="${escapeHtml(value)}"${value === chosen ? ' selected' : ''}>${escapeHtml(label)}</option>`;

  const refusalText = (reason: TicketRefusal, l: Language, values: { number?: string; username?: string } = {}) => {
    switch (reason) {
      case 'subject':
        return m('errors.subject', l, { max: SUBJECT_MAX });
      case 'body':
        return m('errors.body', l, { max: BODY_MAX });
      case 'unknown-ticket':
        return m('errors.unknownTicket', l, { number: values.number ?? '' });
      case 'unknown-customer':
        return m('errors.unknownCustomer', l, { username: values.username ?? '' });
      case 'unknown-staff':
        return m('errors.unknownStaff', l);
      case 'bad-choice':
        return m('errors.badChoice', l);
      case 'closed':
        return m('errors.closed', l);
    }
  };
  const refusalStatus = (reason: TicketRefusal) => (reason === 'unknown-ticket' || reason === 'unknown-customer' ? 404 : reason === 'closed' ? 409 : 400);

  const page = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: string) => {
    const session = screens.sessionOf(request);
    return screens.html(reply, status, renderFrame({ language: screens.languageOf(request), prefix, signedIn: screens.signedIn(session), title, current: '/tickets', body }));
  };

  /** The SLA cell: overdue stands out; otherwise the next promise and when it falls due. */
  const slaCell = (ticket: TicketSummary, l: Language) => {
    if (ticket.overdue) return `<strong class="error overdue">${h('sla.overdue', l)}</strong>`;
    if (ticket.status !== 'open' && ticket.status !== 'waiting_customer') return '—';
    return ticket.firstRespondedAt === null ? h('sla.reply', l, { time: time(ticket.firstResponseDueAt) }) : h('sla.resolve', l, { time: time(ticket.resolveDueAt) });
  };

  // ---------------------------------------------------------------- the list

  app.get<{ Querystring: Record<string, unknown> }>('/tickets', { config: { staffAction: 'tickets.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = request.query;
    const status = one(q.status) ?? ACTIVE;
    const assignee = (one(q.assignee) ?? '').slice(0, 64);
    const category = one(q.category) ?? '';
    const priority = one(q.priority) ?? '';
    const customerName = (one(q.customer) ?? '').trim().slice(0, 64);
    const overdue = one(q.overdue) === 'yes';
    const p = paging(q, 50);
    const filter: TicketFilter = { limit: p.perPage + 1, offset: p.offset, overdue };
    if (status === ACTIVE) filter.status = ['open', 'waiting_customer'];
    else if ((ticketStatuses as readonly string[]).includes(status)) filter.status = status as TicketStatus;
    if (assignee === '-') filter.assignee = null;
    else if (assignee !== '') filter.assignee = assignee;
    if ((ticketCategories as readonly string[]).includes(category)) filter.category = category as TicketFilter['category'];
    if ((ticketPriorities as readonly string[]).includes(priority)) filter.priority = priority as TicketFilter['priority'];
    let error: string | undefined;
    if (customerName !== '') {
      const customer = findCustomer(db, customerName);
      if (customer) filter.customerId = customer.id;
      else error = m('errors.unknownCustomer', l, { username: customerName });
    }
    const now = screens.now();
    // A customer that cannot be found lists nothing rather than everyone's tickets.
    const found = error ? [] : listTickets(db, filter, now);
    const more = found.length > p.perPage;
    const staff = ticketStaff(db);
    const form = `<form method="get" action="${prefix}/tickets" class="filters" role="search">
<div><label for="f-status">${h('list.status', l)}</label><select id="f-status" name="status">${option(ACTIVE, m('list.open', l), status)}${option(ALL, m('list.any', l), status)}${ticketStatuses.map((s) => option(s, m(`statuses.${s}`, l), status)).join('')}</select></div>
<div><label for="f-assignee">${h('list.assignee', l)}</label><select id="f-assignee" name="assignee">${option('', m('list.any', l), assignee)}${option('-', m('list.nobody', l), assignee)}${staff.map((u) => option(u, u, assignee)).join('')}</select></div>
<div><label for="f-category">${h('list.category', l)}</label><select id="f-category" name="category">${option('', m('list.any', l), category)}${ticketCategories.map((c) => option(c, m(`categories.${c}`, l), category)).join('')}</select></div>
<div><label for="f-priority">${h('list.priority', l)}</label><select id="f-priority" name="priority">${option('', m('list.any', l), priority)}${ticketPriorities.map((c) => option(c, m(`priorities.${c}`, l), priority)).join('')}</select></div>
<div><label for="f-customer">${h('list.customer', l)}</label><input id="f-customer" name="customer" maxlength="64" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" value="${escapeHtml(customerName)}"></div>
<div><label class="check"><input type="checkbox" name="overdue" value="yes"${overdue ? ' checked' : ''}> ${h('list.overdue', l)}</label></div>
<button type="submit">${h('list.filter', l)}</button></form>`;
    const late = countOverdue(db, now);
    const banner = late > 0 && !overdue ? `<p class="warn" id="overdue-count">${h('list.overdueCount', l, { count: late })} <a href="${prefix}/tickets?status=all&amp;overdue=yes">${h('list.showOverdue', l)}</a></p>` : '';
    // What needs doing first, so a phone shows it without scrolling sideways: the ticket, its subject, its due state.
    const head = ['number', 'subject', 'sla', 'customer', 'status', 'priority', 'assignee', 'updated'].map((k) => h(`columns.${k}`, l));
    const rows = found.slice(0, p.perPage).map((ticket) => [
      `<a href="${prefix}/tickets/${ticket.id}">${ltr(number(ticket.id))}</a>`,
      `<a href="${prefix}/tickets/${ticket.id}" dir="auto">${escapeHtml(ticket.subject)}</a>`,
      slaCell(ticket, l),
      `${ltr(ticket.username)}${ticket.fullName ? `<br><small>${escapeHtml(ticket.fullName)}</small>` : ''}`,
      h(`statuses.${ticket.status}`, l),
      h(`priorities.${ticket.priority}`, l),
      ticket.assignee ? ltr(ticket.assignee) : '—',
      ltr(time(ticket.updatedAt)),
    ]);
    const list = rows.length === 0 ? `<p id="no-tickets">${h('list.none', l)}</p>` : table('tickets', head, rows, m('heading', l));
    const openLink = can(session.staff.role, 'tickets.reply') ? `<ul class="links"><li><a href="${prefix}/tickets/new">${h('open.link', l)}</a></li></ul>` : '';
    const filters = { status, assignee, category, priority, customer: customerName, overdue: overdue ? 'yes' : undefined };
    return page(request, reply, 200, m('heading', l), `${flash({ error })}${banner}${openLink}${form}${list}${pager({ language: l, path: `${prefix}/tickets`, filters, paging: p, more })}`);
  });

  // ---------------------------------------------------------------- opening one for a customer

  interface OpenValues {
    username: string;
    subject: string;
    category: string;
    priority: string;
    body: string;
  }

  const openPage = (request: FastifyRequest, reply: FastifyReply, status: number, values: OpenValues, error?: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const body = `${flash({ error })}<form method="post" action="${prefix}/tickets">${csrfField(session.csrfToken)}
<label for="username">${h('open.username', l)}</label><input id="username" name="username" required maxlength="64" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" value="${escapeHtml(values.username)}">
<label for="subject">${h('open.subject', l)}</label><input id="subject" name="subject" required maxlength="${SUBJECT_MAX}" dir="auto" value="${escapeHtml(values.subject)}">
<label for="category">${h('open.category', l)}</label><select id="category" name="category">${ticketCategories.map((c) => option(c, m(`categories.${c}`, l), values.category)).join('')}</select>
<label for="priority">${h('open.priority', l)}</label><select id="priority" name="priority">${ticketPriorities.map((c) => option(c, m(`priorities.${c}`, l), values.priority)).join('')}</select>
<label for="body">${h('open.message', l)}</label><textarea id="body" name="body" rows="5" required maxlength="${BODY_MAX}" dir="auto" aria-describedby="body-hint">${escapeHtml(values.body)}</textarea>
<p class="hint" id="body-hint">${h('open.messageHint', l, { max: BODY_MAX })}</p>
<button class="main" type="submit">${h('open.button', l)}</button></form>
<ul class="links"><li><a href="${prefix}/tickets">${h('ticket.back', l)}</a></li></ul>`;
    return page(request, reply, status, m('open.heading', l), body);
  };

  app.get<{ Querystring: Record<string, unknown> }>('/tickets/new', { config: { staffAction: 'tickets.reply' } }, async (request, reply) =>
    openPage(request, reply, 200, { username: (one(request.query.username) ?? '').trim().slice(0, 64), subject: '', category: 'other', priority: 'normal', body: '' }),
  );

  app.post('/tickets', { config: { staffAction: 'tickets.reply' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values: OpenValues = {
      username: field(raw, 'username', 64).trim(),
      subject: field(raw, 'subject', SUBJECT_MAX),
      category: field(raw, 'category', 20),
      priority: field(raw, 'priority', 20),
      body: field(raw, 'body', BODY_MAX),
    };
    const customer = values.username === '' ? undefined : findCustomer(db, values.username);
    if (!customer) return openPage(request, reply, 404, values, m('errors.unknownCustomer', l, { username: values.username }));
    try {
      const ticket = openTicket(db, { customerId: customer.id, subject: values.subject, body: values.body, category: values.category, priority: values.priority, openedBy: { staff: session.staff.username }, now: screens.now() });
      request.log.info({ staff: session.staff.username, ticket: ticket.id }, 'ticket opened for a customer');
      return reply.redirect(`${prefix}/tickets/${ticket.id}?done=opened`, 303);
    } catch (err) {
      if (!(err instanceof TicketError)) throw err;
      return openPage(request, reply, refusalStatus(err.reason), values, refusalText(err.reason, l, { username: values.username }));
    }
  });

  // ---------------------------------------------------------------- one ticket

  const showTicket = (request: FastifyRequest, reply: FastifyReply, view: StaffTicket, status: number, extra: { notice?: string; error?: string; reply?: string; note?: string } = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const { ticket, customer } = view;
    const url = `${prefix}/tickets/${ticket.id}`;
    const csrf = csrfField(session.csrfToken);
    const row = (label: string, value: string, id?: string) => `<tr><th>${escapeHtml(label)}</th><td${id ? ` id="${id}"` : ''}>${value}</td></tr>`;
    const customerCell = can(session.staff.role, 'customers.view')
      ? `<a href="${prefix}/customers/${encodeURIComponent(customer.username)}">${ltr(customer.username)}</a>`
      : ltr(customer.username);
    const details = `<table id="details"><tbody>${[
      row(m('ticket.customer', l), `${customerCell}${customer.fullName ? ` · ${escapeHtml(customer.fullName)}` : ''}`),
      row(m('ticket.phone', l), ltr(customer.phone ?? '—')),
      row(m('list.status', l), h(`statuses.${ticket.status}`, l), 'status'),
      row(m('list.priority', l), h(`priorities.${ticket.priority}`, l), 'priority'),
      row(m('list.category', l), h(`categories.${ticket.category}`, l), 'category'),
      row(m('list.assignee', l), ticket.assignee ? ltr(ticket.assignee) : escapeHtml(m('list.nobody', l)), 'assignee'),
      row(m('ticket.openedBy', l), ticket.openedBy === 'customer' ? h('ticket.byCustomer', l) : ltr(ticket.openedBy)),
      row(m('ticket.created', l), ltr(time(ticket.createdAt))),
      row(ticket.firstRespondedAt === null ? m('ticket.firstDue', l) : m('ticket.firstDone', l), ltr(time(ticket.firstRespondedAt ?? ticket.firstResponseDueAt))),
      row(ticket.resolvedAt === null ? m('ticket.resolveDue', l) : m('ticket.resolvedAt', l), ltr(time(ticket.resolvedAt ?? ticket.resolveDueAt))),
    ].join('')}</tbody></table>${ticket.overdue ? `<p class="error" id="overdue">${h('ticket.overdue', l)}</p>` : ''}`;

    const messages = view.messages
      .map((msg) => {
        const who =
          msg.internal ? h('ticket.note', l, { username: msg.staffUsername ?? '' }) : msg.author === 'customer' ? h('ticket.fromCustomer', l) : h('ticket.fromStaff', l, { username: msg.staffUsername ?? '' });
        return `<section class="${msg.internal ? 'warn note' : 'card'} message" data-author="${msg.author}"><p><strong>${who}</strong> · ${ltr(time(msg.createdAt))}</p><p dir="auto">${escapeHtml(msg.body).replace(/\n/g, '<br>')}</p></section>`;
      })
      .join('');

    let forms = '';
    if (can(session.staff.role, 'tickets.reply')) {
      const write =
        ticket.status === 'closed'
          ? `<p class="hint">${h('ticket.closedHint', l)}</p>`
          : `<form method="post" action="${url}/reply">${csrf}<label for="reply">${h('ticket.reply', l)}</label><textarea id="reply" name="body" rows="4" required maxlength="${BODY_MAX}" dir="auto" aria-describedby="reply-hint">${escapeHtml(extra.reply ?? '')}</textarea>
<p class="hint" id="reply-hint">${h('ticket.replyHint', l, { max: BODY_MAX })}</p><button class="main" type="submit">${h('ticket.replyButton', l)}</button></form>
<form method="post" action="${url}/note">${csrf}<label for="note">${h('ticket.noteLabel', l)}</label><textarea id="note" name="body" rows="3" required maxlength="${BODY_MAX}" dir="auto" aria-describedby="note-hint">${escapeHtml(extra.note ?? '')}</textarea>
<p class="hint" id="note-hint">${h('ticket.noteHint', l)}</p><button class="small" type="submit">${h('ticket.noteButton', l)}</button></form>`;
      const select = (name: string, id: string, options: string) => `<label for="${id}">${h(`list.${name}`, l)}</label><select id="${id}" name="${name}">${options}</select>`;
      const staffNames = ticketStaff(db);
      const manage = `<h2>${h('ticket.manage', l)}</h2>
<form method="post" action="${url}/assign">${csrf}${select('assignee', 'set-assignee', `${option('', m('list.nobody', l), ticket.assignee ?? '')}${staffNames.map((u) => option(u, u, ticket.assignee ?? '')).join('')}`)}<button class="small" type="submit">${h('ticket.assignButton', l)}</button></form>
<form method="post" action="${url}/status">${csrf}${select('status', 'set-status', ticketStatuses.map((s) => option(s, m(`statuses.${s}`, l), ticket.status)).join(''))}<button class="small" type="submit">${h('ticket.statusButton', l)}</button></form>
<form method="post" action="${url}/priority">${csrf}${select('priority', 'set-priority', ticketPriorities.map((s) => option(s, m(`priorities.${s}`, l), ticket.priority)).join(''))}<button class="small" type="submit">${h('ticket.priorityButton', l)}</button></form>
<form method="post" action="${url}/category">${csrf}${select('category', 'set-category', ticketCategories.map((s) => option(s, m(`categories.${s}`, l), ticket.category)).join(''))}<button class="small" type="submit">${h('ticket.categoryButton', l)}</button></form>`;
      forms = write + manage;
    }
    const back = `<ul class="links"><li><a href="${prefix}/tickets">${h('ticket.back', l)}</a></li><li><a href="${prefix}/tickets?status=all&amp;customer=${encodeURIComponent(customer.username)}">${h('customerTickets', l)}</a></li></ul>`;
    const body = `${flash(extra)}${details}<h2>${h('ticket.conversation', l)}</h2><div id="conversation">${messages}</div>${forms}${back}`;
    return page(request, reply, status, m('ticket.title', l, { number: number(ticket.id), subject: ticket.subject }), body);
  };

  const ticketOr404 = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): StaffTicket | undefined => {
    const view = ID.test(request.params.id) ? ticketForStaff(db, Number(request.params.id), screens.now()) : undefined;
    if (!view) screens.message(request, reply, 404, refusalText('unknown-ticket', screens.languageOf(request), { number: `#${request.params.id.slice(0, 12)}` }));
    return view;
  };

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/tickets/:id', { config: { staffAction: 'tickets.view' } }, async (request, reply) => {
    const view = ticketOr404(request, reply);
    if (!view) return reply;
    const l = screens.languageOf(request);
    const done = request.query.done;
    const notice = isDone(done) ? (done === 'opened' ? m('open.done', l, { number: number(view.ticket.id) }) : m(`done.${done}`, l)) : undefined;
    return showTicket(request, reply, view, 200, notice ? { notice } : {});
  });

  /**
   * One change to a ticket: run it, then back to the ticket with what was done (Post/Redirect/Get),
   * or the ticket again with the refusal and what was typed.
   */
  const change = (
    path: string,
    run: (input: { ticketId: number; session: StaffSession; raw: Record<string, unknown>; now: number }) => Done,
    typed?: (raw: Record<string, unknown>) => { reply?: string; note?: string },
  ) =>
    app.post<{ Params: { id: string } }>(`/tickets/:id/${path}`, { config: { staffAction: 'tickets.reply' } }, async (request, reply) => {
      const view = ticketOr404(request, reply);
      if (!view) return reply;
      const session = screens.sessionOf(request);
      const raw = (request.body ?? {}) as Record<string, unknown>;
      let done: Done;
      try {
        done = run({ ticketId: view.ticket.id, session, raw, now: screens.now() });
      } catch (err) {
        if (!(err instanceof TicketError)) throw err;
        const fresh = ticketForStaff(db, view.ticket.id, screens.now()) ?? view;
        return showTicket(request, reply, fresh, refusalStatus(err.reason), { error: refusalText(err.reason, screens.languageOf(request), { number: number(view.ticket.id) }), ...typed?.(raw) });
      }
      request.log.info({ staff: session.staff.username, ticket: view.ticket.id, change: path }, 'ticket changed');
      return reply.redirect(`${prefix}/tickets/${view.ticket.id}?done=${done}`, 303);
    });

  change(
    'reply',
    ({ ticketId, session, raw, now }) => (staffMessage(db, { ticketId, staff: session.staff.username, body: field(raw, 'body', BODY_MAX), internal: false, now }).smsId === null ? 'repliedNoSms' : 'replied'),
    (raw) => ({ reply: field(raw, 'body', BODY_MAX) }),
  );
  change(
    'note',
    ({ ticketId, session, raw, now }) => {
      staffMessage(db, { ticketId, staff: session.staff.username, body: field(raw, 'body', BODY_MAX), internal: true, now });
      return 'noted';
    },
    (raw) => ({ note: field(raw, 'body', BODY_MAX) }),
  );
  change('assign', ({ ticketId, session, raw, now }) => {
    const assignee = field(raw, 'assignee', 64).trim();
    assignTicket(db, { ticketId, assignee: assignee === '' ? null : assignee, actor: session.staff.username, now });
    return 'assigned';
  });
  change('status', ({ ticketId, session, raw, now }) => {
    setTicketStatus(db, { ticketId, status: field(raw, 'status', 20), actor: session.staff.username, now });
    return 'status';
  });
  change('priority', ({ ticketId, session, raw, now }) => {
    setTicketPriority(db, { ticketId, priority: field(raw, 'priority', 20), actor: session.staff.username, now });
    return 'priority';
  });
  change('category', ({ ticketId, session, raw, now }) => {
    setTicketCategory(db, { ticketId, category: field(raw, 'category', 20), actor: session.staff.username, now });
    return 'category';
  });
}

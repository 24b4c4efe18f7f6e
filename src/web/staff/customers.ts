import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { enqueueForCustomer, enqueueForSession } from '../../aaa/enforcement.js';
import { findOpenSession, listSessions, type SessionView } from '../../aaa/sessions.js';
import { customerBalance, findCustomer, formatMoney, listInvoices, searchCustomers, setCustomerStatus, timelineOf, type CustomerSummary } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import { t, type Language } from '../../i18n/index.js';
import { can, recordAudit, type StaffSession } from '../../staff/index.js';
import { escapeHtml, renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';

// Issue 7's customer screens: search, a customer's page (details, balance, open invoices, latest
// events, live sessions with Disconnect) and status changes with a reason. Registered from the
// staff plugin (index.ts), whose preHandler has already checked session, role and CSRF.

const STATUS_ACTIONS = { suspend: 'suspended', reactivate: 'active', terminate: 'terminated' } as const;
type StatusAction = keyof typeof STATUS_ACTIONS;
const isStatusAction = (value: unknown): value is StatusAction => typeof value === 'string' && Object.hasOwn(STATUS_ACTIONS, value);
/** What the page says after a change (Post/Redirect/Get). */
const DONE = ['suspend', 'reactivate', 'terminate', 'disconnect'] as const;
type Done = (typeof DONE)[number];

const OPEN_INVOICE = new Set(['issued', 'partially_paid', 'overdue']);
const REASON_MAX = 500;

const csrfField = (token: string) => `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
const ltr = (text: string) => `<span class="ltr">${escapeHtml(text)}</span>`;
const text = (key: Parameters<typeof t>[0], language: Language, values: Record<string, unknown> = {}) => escapeHtml(t(key, values, language));
const one = (value: unknown) => (typeof value === 'string' ? value : undefined);

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function registerCustomerRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const time = (ms: number | null) => (ms === null ? '—' : DateTime.fromMillis(ms, { zone: screens.zone }).toFormat('yyyy-MM-dd HH:mm'));
  const locale = (language: Language) => (language === 'ar' ? 'ar-u-nu-latn' : 'en');
  const customerUrl = (username: string) => `${prefix}/customers/${encodeURIComponent(username)}`;
  const statusText = (status: CustomerSummary['status'], language: Language) => t(`staff.staffCustomers.statuses.${status}`, {}, language);

  app.get<{ Querystring: { q?: string } }>('/customers', { config: { staffAction: 'customers.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = (one(request.query.q) ?? '').trim().slice(0, 100);
    const found = q === '' ? [] : searchCustomers(db, q, 50);
    const head = (['username', 'name', 'phone', 'plan', 'status'] as const).map((k) => `<th>${text(`staff.staffCustomers.${k}`, l)}</th>`).join('');
    const rows = found
      .map((c) => `<tr><td><a href="${customerUrl(c.username)}">${ltr(c.username)}</a></td><td>${escapeHtml(c.fullName ?? '')}</td><td>${ltr(c.phone ?? '')}</td><td>${escapeHtml(c.plan ?? t('staff.staffCustomers.noPlan', {}, l))}</td><td>${escapeHtml(statusText(c.status, l))}</td></tr>`)
      .join('');
    const results = q === '' ? '' : found.length === 0 ? `<p role="status">${text('staff.staffCustomers.none', l, { query: q })}</p>` : `<table id="customers"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    const body = `<form method="get" action="${prefix}/customers" role="search"><label for="q">${text('staff.staffCustomers.search', l)}</label><input id="q" name="q" type="search" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="100" value="${escapeHtml(q)}">
<button class="main" type="submit">${text('staff.staffCustomers.searchButton', l)}</button></form>${results}`;
    return screens.html(reply, 200, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.staffCustomers.heading', {}, l), body }));
  });

  const showCustomer = (request: FastifyRequest, reply: FastifyReply, customer: CustomerSummary, status: number, flash: { notice?: string; error?: string; reason?: string; action?: string } = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const money = (minor: number) => formatMoney(minor, customer.currency, locale(l));
    const row = (label: string, value: string) => `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
    const statusHtml = escapeHtml(statusText(customer.status, l));
    const details = `<table id="details"><tbody>${[
      row(t('staff.staffCustomers.username', {}, l), ltr(customer.username)),
      row(t('staff.staffCustomers.name', {}, l), escapeHtml(customer.fullName ?? '')),
      row(t('staff.staffCustomers.phone', {}, l), ltr(customer.phone ?? '')),
      row(t('staff.staffCustomers.email', {}, l), ltr(customer.email ?? '')),
      row(t('staff.staffCustomers.plan', {}, l), escapeHtml(customer.plan ?? t('staff.staffCustomers.noPlan', {}, l))),
      row(t('staff.staffCustomers.status', {}, l), `<span id="status">${statusHtml}</span>`),
      row(t('staff.staffCustomers.periodEnd', {}, l), ltr(time(customer.expiresAt))),
      row(t('staff.staffCustomers.mac', {}, l), ltr(customer.mac ?? '')),
      row(t('staff.staffCustomers.staticIp', {}, l), ltr(customer.staticIp ?? '')),
    ].join('')}</tbody></table>`;

    const balance = customerBalance(db, customer.id, customer.currency);
    const balanceHtml = `<h2>${text('staff.staffCustomers.balance', l)}</h2><p id="balance">${text('staff.staffCustomers.owed', l, { amount: money(balance.dueMinor) })}<br>${text('staff.staffCustomers.wallet', l, { amount: money(balance.walletMinor) })}</p>`;

    const open = listInvoices(db, { customerId: customer.id, kind: 'invoice' }, 500).filter((invoice) => OPEN_INVOICE.has(invoice.status));
    const invoicesHtml = `<h2>${text('staff.staffCustomers.invoices', l)}</h2>${
      open.length === 0
        ? `<p>${text('staff.staffCustomers.noInvoices', l)}</p>`
        : `<table id="invoices"><thead><tr><th>${text('staff.staffCustomers.invoiceNumber', l)}</th><th>${text('staff.staffCustomers.invoiceDue', l)}</th><th>${text('staff.staffCustomers.invoiceLeft', l)}</th></tr></thead><tbody>${open
            .map((invoice) => `<tr><td>${ltr(invoice.number)}</td><td>${ltr(time(invoice.dueAt))}</td><td>${ltr(formatMoney(invoice.grossMinor - invoice.paidMinor, invoice.currency, locale(l)))}</td></tr>`)
            .join('')}</tbody></table>`
    }`;

    const events = timelineOf(db, customer.id).slice(-10).reverse();
    const timelineHtml = `<h2>${text('staff.staffCustomers.timeline', l)}</h2>${
      events.length === 0
        ? `<p>${text('staff.staffCustomers.noTimeline', l)}</p>`
        : `<table id="timeline"><tbody>${events.map((e) => `<tr><td>${ltr(time(e.at))}</td><td>${escapeHtml(e.kind.replace(/_/g, ' '))}</td><td>${ltr(e.actor)}</td></tr>`).join('')}</tbody></table>`
    }`;

    const mayDisconnect = can(session.staff.role, 'sessions.disconnect');
    const live = openSessionsOf(customer);
    const sessionsHtml = `<h2>${text('staff.staffCustomers.sessions', l)}</h2>${
      live.length === 0
        ? `<p id="no-sessions">${text('staff.staffCustomers.noSessions', l)}</p>`
        : `<table id="sessions"><thead><tr><th>${text('staff.staffCustomers.started', l)}</th><th>${text('staff.staffCustomers.ip', l)}</th><th>${text('staff.staffCustomers.mac', l)}</th><th>${text('staff.staffCustomers.bytes', l)}</th>${mayDisconnect ? '<th></th>' : ''}</tr></thead><tbody>${live
            .map(
              (s) =>
                `<tr><td>${ltr(time(s.startedAt))}</td><td>${ltr(s.framedIp ?? '')}</td><td>${ltr(s.callingStationId ?? '')}</td><td>${ltr(`${bytes(s.outputOctets)} / ${bytes(s.inputOctets)}`)}</td>${
                  mayDisconnect
                    ? `<td><form method="post" action="${customerUrl(customer.username)}/sessions/${s.id}/disconnect">${csrfField(session.csrfToken)}<button type="submit">${text('staff.staffCustomers.disconnect', l)}</button></form></td>`
                    : ''
                }</tr>`,
            )
            .join('')}</tbody></table>`
    }`;

    const choices = (Object.keys(STATUS_ACTIONS) as StatusAction[]).filter((action) => STATUS_ACTIONS[action] !== customer.status);
    const chosen = flash.action && choices.includes(flash.action as StatusAction) ? flash.action : choices[0];
    const statusForm = can(session.staff.role, 'customers.status')
      ? `<h2>${text('staff.staffCustomers.changeStatus', l)}</h2><form method="post" action="${customerUrl(customer.username)}/status">${csrfField(session.csrfToken)}
<fieldset><legend>${text('staff.staffCustomers.status', l)}</legend>${choices.map((action) => `<label><input type="radio" name="action" value="${action}"${action === chosen ? ' checked' : ''}> ${text(`staff.staffCustomers.actions.${action}`, l)}</label>`).join('')}</fieldset>
<label for="reason">${text('staff.staffCustomers.reason', l)}</label><input id="reason" name="reason" required maxlength="${REASON_MAX}" autocomplete="off" value="${escapeHtml(flash.reason ?? '')}">
<button class="main" type="submit">${text('staff.staffCustomers.changeButton', l)}</button></form>`
      : '';

    const top = `${flash.notice ? `<p class="notice" role="status">${escapeHtml(flash.notice)}</p>` : ''}${flash.error ? `<p class="error" role="alert">${escapeHtml(flash.error)}</p>` : ''}`;
    const back = `<ul class="links"><li><a href="${prefix}/customers">${text('staff.staffCustomers.heading', l)}</a></li></ul>`;
    return screens.html(
      reply,
      status,
      renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: customer.fullName ? `${customer.fullName} (${customer.username})` : customer.username, body: `${top}${details}${balanceHtml}${invoicesHtml}${sessionsHtml}${timelineHtml}${statusForm}${back}` }),
    );
  };

  function openSessionsOf(customer: CustomerSummary): SessionView[] {
    return listSessions(db, { active: true, limit: 5000 }).filter((s) => s.customerId === customer.id);
  }

  const customerOr404 = (request: FastifyRequest<{ Params: { username: string } }>, reply: FastifyReply) => {
    const customer = findCustomer(db, request.params.username);
    if (!customer) screens.message(request, reply, 404, t('staff.staffCustomers.unknown', { username: request.params.username.slice(0, 64) }, screens.languageOf(request)));
    return customer;
  };

  app.get<{ Params: { username: string }; Querystring: { done?: string; count?: string; session?: string } }>('/customers/:username', { config: { staffAction: 'customers.view' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const l = screens.languageOf(request);
    const done = one(request.query.done) as Done | undefined;
    const count = Number(one(request.query.count) ?? 0) || 0;
    let notice: string | undefined;
    if (done === 'disconnect') notice = t('staff.staffCustomers.disconnected', { id: (one(request.query.session) ?? '').replace(/\D/g, '').slice(0, 12) }, l);
    else if (done && DONE.includes(done)) notice = t(`staff.staffCustomers.changed.${done}`, { count }, l);
    return showCustomer(request, reply, customer, 200, notice ? { notice } : {});
  });

  app.post<{ Params: { username: string } }>('/customers/:username/status', { config: { staffAction: 'customers.status' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const action = raw.action;
    const reason = (one(raw.reason) ?? '').trim().slice(0, REASON_MAX);
    const refuse = (error: string) => showCustomer(request, reply, customer, 400, { error, reason, ...(typeof action === 'string' && { action }) });
    if (!isStatusAction(action)) return refuse(t('staff.staffCustomers.badAction', {}, l));
    if (reason === '') return refuse(t('staff.staffCustomers.reasonMissing', {}, l));
    const next = STATUS_ACTIONS[action];
    if (next === customer.status) return refuse(t('staff.staffCustomers.sameStatus', { status: statusText(customer.status, l) }, l));
    const at = screens.now();
    const disconnecting = db.transaction((tx) => {
      const changed = setCustomerStatus(tx as Db, customer.username, next, at);
      // As `lango customer suspend` does: the customer's open sessions get a Disconnect-Request from the running daemon.
      const queued = next === 'active' ? 0 : enqueueForCustomer(tx as Db, changed.id, 'disconnect', next === 'suspended' ? 'account suspended' : 'account terminated', null, at);
      recordAudit(tx as Db, `staff:${session.staff.username}`, `customer.${action}`, `customer:${changed.id}`, { username: changed.username, from: customer.status, to: next, reason, disconnecting: queued }, at);
      return queued;
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, customer: customer.username, action }, 'customer status changed');
    return reply.redirect(`${customerUrl(customer.username)}?done=${action}&count=${disconnecting}`, 303);
  });

  app.post<{ Params: { username: string; id: string } }>('/customers/:username/sessions/:id/disconnect', { config: { staffAction: 'sessions.disconnect' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const live = /^\d{1,12}$/.test(request.params.id) ? findOpenSession(db, Number(request.params.id)) : undefined;
    if (!live || live.customerId !== customer.id) return showCustomer(request, reply, customer, 404, { error: t('staff.staffCustomers.noSession', {}, l) });
    const at = screens.now();
    db.transaction((tx) => {
      // As `lango sessions disconnect` does.
      enqueueForSession(tx as Db, live.id, 'disconnect', 'operator', null, at);
      recordAudit(tx as Db, `staff:${session.staff.username}`, 'session.disconnect', `customer:${customer.id}`, { username: customer.username, session: live.id, nas: live.nas }, at);
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, customer: customer.username, session: live.id }, 'session disconnect queued');
    return reply.redirect(`${customerUrl(customer.username)}?done=disconnect&session=${live.id}`, 303);
  });
}

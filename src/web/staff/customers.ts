import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { enqueueForCustomer, enqueueForSession } from '../../aaa/enforcement.js';
import { findOpenSession, listSessions, type SessionView } from '../../aaa/sessions.js';
import { customerBalance, customerHistory, type CustomerSummary, editCustomer, findCustomer, formatMoney, type HistoryItem, isRateLimit, listCustomersPage, listInvoices, listPlans, normaliseMac, paymentMethodName, recordEvent, resumeSubscription, searchCustomers, setCustomerStatus, subscriptionOf } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import { LangoError } from '../../errors.js';
import { t, type Language } from '../../i18n/index.js';
import { portalLockedUntil, unlockPortal } from '../../portal/index.js';
import { can, recordAudit } from '../../staff/index.js';
import { neverKeep } from '../offline.js';
import { registerCustomerFormRoutes } from './customer-form.js';
import { registerCustomerPlanRoutes } from './customer-plan.js';
import { personalDataSection } from './privacy.js';
import { escapeHtml, renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, flash as flashHtml, formatBytes, formatTime, ltr, numberLocale, one, pager, paging, table, text } from './ui.js';

// Issue 7's customer screens: the list and search, a customer's page (details, balance, open
// invoices, live sessions with Disconnect and "change speed now", the device binding, status
// changes with a reason, the history). Create/edit (customer-form.ts) and the plan change
// (customer-plan.ts) register from here. The staff plugin's preHandler has already checked
// session, role and CSRF.

const STATUS_ACTIONS = { suspend: 'suspended', reactivate: 'active', terminate: 'terminated' } as const;
type StatusAction = keyof typeof STATUS_ACTIONS;
const isStatusAction = (value: unknown): value is StatusAction => typeof value === 'string' && Object.hasOwn(STATUS_ACTIONS, value);
const STATUSES = ['active', 'suspended', 'terminated'] as const;
type Status = (typeof STATUSES)[number];
const isStatus = (value: unknown): value is Status => typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
/** What the page says after a change (Post/Redirect/Get). */
const DONE = ['suspend', 'reactivate', 'terminate'] as const;
type Done = (typeof DONE)[number];

const OPEN_INVOICE = new Set(['issued', 'partially_paid', 'overdue']);
const REASON_MAX = 500;
const HISTORY_PER_PAGE = 20;

interface PageFlash {
  notice?: string;
  error?: string;
  /** The status form's typed values, kept after a refusal. */
  reason?: string;
  action?: string;
  /** The MAC typed in the binding form. */
  mac?: string;
  /** The speed typed for one session. */
  rate?: { session: number; value: string };
}

export function registerCustomerRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const time = (ms: number | null) => formatTime(ms, screens.zone);
  const customerUrl = (username: string) => `${prefix}/customers/${encodeURIComponent(username)}`;
  const statusText = (status: CustomerSummary['status'], language: Language) => t(`staff.staffCustomers.statuses.${status}`, {}, language);

  registerCustomerFormRoutes(app, screens);
  registerCustomerPlanRoutes(app, screens);

  app.get<{ Querystring: Record<string, unknown> }>('/customers', { config: { staffAction: 'customers.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = (one(request.query.q) ?? '').trim().slice(0, 100);
    const rawStatus = one(request.query.status);
    const status = isStatus(rawStatus) ? rawStatus : undefined;
    const plans = listPlans(db);
    const rawPlan = one(request.query.planId) ?? '';
    const planId = plans.find((p) => String(p.id) === rawPlan)?.id;
    const page = paging(request.query, 25);
    const filter = { status, planId, offset: page.offset };
    const found = q === '' ? listCustomersPage(db, { ...filter, limit: page.perPage + 1 }) : searchCustomers(db, q, page.perPage + 1, filter);
    const more = found.length > page.perPage;
    const shown = found.slice(0, page.perPage);

    const head = (['username', 'name', 'phone', 'plan', 'status', 'joined'] as const).map((k) => text(`staff.staffCustomers.${k}`, l));
    const rows = shown.map((c) => [
      `<a href="${customerUrl(c.username)}">${ltr(c.username)}</a>`,
      escapeHtml(c.fullName ?? ''),
      ltr(c.phone ?? ''),
      escapeHtml(c.plan ?? t('staff.staffCustomers.noPlan', {}, l)),
      escapeHtml(statusText(c.status, l)),
      ltr(time(c.createdAt)),
    ]);
    const option = (value: string, label: string, selected: boolean) => `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    const form =
      `<form class="filters" method="get" action="${prefix}/customers" role="search">` +
      `<div><label for="q">${text('staff.staffCustomers.search', l)}</label><input id="q" name="q" type="search" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="100" value="${escapeHtml(q)}"></div>` +
      `<div><label for="status">${text('staff.staffCustomers.status', l)}</label><select id="status" name="status">${option('', t('staff.staffCustomers.anyStatus', {}, l), !status)}${STATUSES.map((s) => option(s, statusText(s, l), s === status)).join('')}</select></div>` +
      `<div><label for="planId">${text('staff.staffCustomers.plan', l)}</label><select id="planId" name="planId">${option('', t('staff.staffCustomers.anyPlan', {}, l), planId === undefined)}${plans.map((p) => option(String(p.id), p.name, p.id === planId)).join('')}</select></div>` +
      `<button type="submit">${text('staff.staffCustomers.searchButton', l)}</button></form>`;
    const empty = q === '' ? `<p role="status">${text('staff.staffCustomers.noneFiltered', l)}</p>` : `<p role="status">${text('staff.staffCustomers.none', l, { query: q })}</p>`;
    const heading = q === '' ? `<h2>${text('staff.staffCustomers.newest', l)}</h2>` : '';
    const results = shown.length === 0 ? empty : table('customers', head, rows);
    const add = can(session.staff.role, 'customers.edit') ? `<ul class="links"><li><a href="${prefix}/customers/new">${text('staff.staffCustomers.addLink', l)}</a></li></ul>` : '';
    const nav = pager({ language: l, path: `${prefix}/customers`, filters: { q, status, planId: planId === undefined ? undefined : String(planId) }, paging: page, more });
    const body = `${add}${form}${heading}${results}${nav}`;
    return screens.html(reply, 200, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.staffCustomers.heading', {}, l), body, current: '/customers' }));
  });

  /** `showBodies`: SMS texts carry WiFi codes and credentials, so only roles that may read the outbox see them. */
  function historyRow(item: HistoryItem, currency: string, l: Language, showBodies: boolean): string[] {
    const money = (minor: unknown, cur: unknown) => (typeof minor === 'number' ? formatMoney(minor, (typeof cur === 'string' ? cur : currency) as CustomerSummary['currency'], numberLocale(l)) : '');
    const str = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
    let detail: string;
    let who = '';
    if (item.source === 'session') {
      detail = [item.ip, item.mac, item.kind === 'session_stopped' ? `${formatBytes(item.outputOctets)} / ${formatBytes(item.inputOctets)}` : '', item.kind === 'session_stopped' ? (item.cause ?? '') : ''].filter(Boolean).join(' · ');
      detail = ltr(detail);
    } else if (item.source === 'message') {
      const state = text(`staff.messages.statuses.${item.status}`, l);
      detail = showBodies ? `${ltr(item.recipient)} · ${escapeHtml(item.body)} (${state})` : `${ltr(item.recipient)} (${state})`;
    } else {
      const d = item.detail;
      who = ltr(item.actor);
      const parts: string[] = [];
      if (d.from !== undefined && d.to !== undefined) parts.push(`${str(d.from)} → ${str(d.to)}`);
      else if (d.plan !== undefined) parts.push(str(d.plan));
      for (const key of ['number', 'receipt', 'invoice', 'method', 'reference']) if (d[key] !== undefined) parts.push(key === 'method' ? paymentMethodName(str(d[key]), l) : str(d[key]));
      for (const key of ['grossMinor', 'amountMinor', 'neededMinor', 'shortMinor']) if (typeof d[key] === 'number') parts.push(money(d[key], d.currency));
      if (d.reason !== undefined) parts.push(str(d.reason));
      detail = escapeHtml(parts.filter((p) => p !== '').join(' · '));
    }
    return [ltr(time(item.at)), text(`staff.staffCustomers.events.${item.kind}`, l), detail, who];
  }

  function openSessionsOf(customer: CustomerSummary): SessionView[] {
    return listSessions(db, { active: true, username: customer.username, limit: 100 }).filter((s) => s.customerId === customer.id);
  }

  const showCustomer = (request: FastifyRequest, reply: FastifyReply, customer: CustomerSummary, status: number, flash: PageFlash = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const role = session.staff.role;
    const url = customerUrl(customer.username);
    const money = (minor: number) => formatMoney(minor, customer.currency, numberLocale(l));
    const row = (label: string, value: string) => `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
    // A line its owner paused from the portal: said beside the status, with "resume now" for staff who change statuses.
    const sub = subscriptionOf(db, customer.id);
    const pausedHtml =
      sub?.status === 'paused'
        ? ` <span id="paused">${text('staff.staffCustomers.pause.since', l, { time: formatTime(sub.pausedAt, screens.zone) })}</span>${
            can(role, 'customers.status') ? `<form method="post" action="${url}/resume">${csrfField(session.csrfToken)}<button type="submit">${text('staff.staffCustomers.pause.resume', l)}</button></form>` : ''
          }`
        : '';
    const details = `<table id="details"><tbody>${[
      row(t('staff.staffCustomers.username', {}, l), ltr(customer.username)),
      row(t('staff.staffCustomers.name', {}, l), escapeHtml(customer.fullName ?? '')),
      row(t('staff.staffCustomers.phone', {}, l), ltr(customer.phone ?? '')),
      row(t('staff.staffCustomers.email', {}, l), ltr(customer.email ?? '')),
      row(t('staff.staffCustomers.plan', {}, l), `<span id="plan">${escapeHtml(customer.plan ?? t('staff.staffCustomers.noPlan', {}, l))}</span>`),
      row(t('staff.staffCustomers.status', {}, l), `<span id="status">${escapeHtml(statusText(customer.status, l))}</span>${pausedHtml}`),
      row(t('staff.staffCustomers.periodEnd', {}, l), ltr(time(customer.expiresAt))),
      row(t('staff.staffCustomers.mac', {}, l), `<span id="mac">${ltr(customer.mac ?? '')}</span>`),
      row(t('staff.staffCustomers.staticIp', {}, l), ltr(customer.staticIp ?? '')),
    ].join('')}</tbody></table>`;
    const links = [
      can(role, 'customers.edit') ? `<li><a href="${url}/edit">${text('staff.staffCustomers.editLink', l)}</a></li>` : '',
      can(role, 'customers.plan') ? `<li><a href="${url}/plan">${text('staff.staffCustomers.planLink', l)}</a></li>` : '',
      // Issue 14: the customer's story in one timeline (src/web/staff/why.ts).
      can(role, 'customers.why') ? `<li><a href="${prefix}/why?customer=${customer.id}" id="why-link">${text('staff.why.link', l)}</a></li>` : '',
      can(role, 'tickets.reply') ? `<li><a href="${prefix}/tickets/new?username=${encodeURIComponent(customer.username)}">${text('staff.tickets.customerLink', l)}</a></li>` : '',
      // Jobs and equipment: the field lists, filtered to this customer.
      can(role, 'jobs.view') ? `<li><a href="${prefix}/jobs?view=all&amp;customer=${encodeURIComponent(customer.username)}">${text('staff.field.customerJobs', l)}</a></li>` : '',
      can(role, 'equipment.view') ? `<li><a href="${prefix}/equipment?customer=${encodeURIComponent(customer.username)}">${text('staff.field.customerEquipment', l)}</a></li>` : '',
    ].join('');
    const actions = links ? `<ul class="links">${links}</ul>` : '';

    const balance = customerBalance(db, customer.id, customer.currency);
    const balanceHtml = `<h2>${text('staff.staffCustomers.balance', l)}</h2><p id="balance">${text('staff.staffCustomers.owed', l, { amount: money(balance.dueMinor) })}<br>${text('staff.staffCustomers.wallet', l, { amount: money(balance.walletMinor) })}</p>`;

    const open = listInvoices(db, { customerId: customer.id, kind: 'invoice' }, 500).filter((invoice) => OPEN_INVOICE.has(invoice.status));
    const invoicesHtml = `<h2>${text('staff.staffCustomers.invoices', l)}</h2>${
      open.length === 0
        ? `<p>${text('staff.staffCustomers.noInvoices', l)}</p>`
        : table(
            'invoices',
            [text('staff.staffCustomers.invoiceNumber', l), text('staff.staffCustomers.invoiceDue', l), text('staff.staffCustomers.invoiceLeft', l)],
            open.map((invoice) => [ltr(invoice.number), ltr(time(invoice.dueAt)), ltr(formatMoney(invoice.grossMinor - invoice.paidMinor, invoice.currency, numberLocale(l)))]),
          )
    }`;

    const mayDisconnect = can(role, 'sessions.disconnect');
    const maySpeed = can(role, 'sessions.speed');
    const live = openSessionsOf(customer);
    const sessionCells = (s: SessionView) => {
      const cells = [ltr(time(s.startedAt)), ltr(s.framedIp ?? ''), ltr(s.callingStationId ?? ''), ltr(`${formatBytes(s.outputOctets)} / ${formatBytes(s.inputOctets)}`)];
      const forms: string[] = [];
      if (mayDisconnect) forms.push(`<form method="post" action="${url}/sessions/${s.id}/disconnect">${csrfField(session.csrfToken)}<button type="submit">${text('staff.staffCustomers.disconnect', l)}</button></form>`);
      if (maySpeed) {
        const typed = flash.rate?.session === s.id ? flash.rate.value : '';
        forms.push(
          `<form method="post" action="${url}/sessions/${s.id}/speed">${csrfField(session.csrfToken)}<label for="rate-${s.id}">${text('staff.staffCustomers.rateLabel', l)}</label><input id="rate-${s.id}" name="rate" required maxlength="100" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" value="${escapeHtml(typed)}"><button class="small" type="submit">${text('staff.staffCustomers.speedButton', l)}</button></form>`,
        );
      }
      if (forms.length > 0) cells.push(forms.join(''));
      return cells;
    };
    const sessionsHtml = `<h2>${text('staff.staffCustomers.sessions', l)}</h2>${
      live.length === 0
        ? `<p id="no-sessions">${text('staff.staffCustomers.noSessions', l)}</p>`
        : table('sessions', [text('staff.staffCustomers.started', l), text('staff.staffCustomers.ip', l), text('staff.staffCustomers.mac', l), text('staff.staffCustomers.bytes', l), ...(mayDisconnect || maySpeed ? [''] : [])], live.map(sessionCells))
    }`;

    let macHtml = '';
    if (can(role, 'customers.edit')) {
      const state = customer.mac === null ? text('staff.staffCustomers.macNone', l) : text(customer.macBinding ? 'staff.staffCustomers.macBound' : 'staff.staffCustomers.macRegistered', l, { mac: customer.mac });
      const seen = [...new Set(live.map((s) => (s.callingStationId ? normaliseMac(s.callingStationId) : undefined)).filter((m): m is string => m !== undefined))].filter((m) => !(m === customer.mac && customer.macBinding));
      const oneClick = seen
        .map((mac) => `<form method="post" action="${url}/mac">${csrfField(session.csrfToken)}<input type="hidden" name="mac" value="${escapeHtml(mac)}"><button type="submit">${text('staff.staffCustomers.bindSession', l, { mac })}</button></form>`)
        .join('');
      const typed = `<form method="post" action="${url}/mac">${csrfField(session.csrfToken)}<label for="bind-mac">${text('staff.staffCustomers.macInput', l)}</label><input id="bind-mac" name="mac" required maxlength="32" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" value="${escapeHtml(flash.mac ?? '')}"><button type="submit">${text('staff.staffCustomers.bindButton', l)}</button></form>`;
      const clear = customer.mac === null ? '' : `<form method="post" action="${url}/mac">${csrfField(session.csrfToken)}<input type="hidden" name="clear" value="yes"><button class="danger" type="submit">${text('staff.staffCustomers.clearButton', l)}</button></form>`;
      macHtml = `<h2>${text('staff.staffCustomers.macHeading', l)}</h2><p id="mac-state">${state}</p>${oneClick}${typed}${clear}`;
    }

    // Shown only while the self-service portal is locked (five wrong passwords or codes).
    const portalUntil = can(role, 'customers.edit') ? portalLockedUntil(db, customer.id, screens.now()) : undefined;
    const portalHtml =
      portalUntil === undefined
        ? ''
        : `<h2>${text('staff.staffCustomers.portalLock.heading', l)}</h2><p id="portal-lock">${text('staff.staffCustomers.portalLock.locked', l, { time: time(portalUntil) })}</p><form method="post" action="${url}/portal-unlock">${csrfField(session.csrfToken)}<button type="submit">${text('staff.staffCustomers.portalLock.button', l)}</button></form>`;

    const choices = (Object.keys(STATUS_ACTIONS) as StatusAction[]).filter((action) => STATUS_ACTIONS[action] !== customer.status);
    const chosen = flash.action && choices.includes(flash.action as StatusAction) ? flash.action : choices[0];
    const statusForm = can(role, 'customers.status')
      ? `<h2>${text('staff.staffCustomers.changeStatus', l)}</h2><form method="post" action="${url}/status">${csrfField(session.csrfToken)}
<fieldset><legend>${text('staff.staffCustomers.status', l)}</legend>${choices.map((action) => `<label><input type="radio" name="action" value="${action}"${action === chosen ? ' checked' : ''}> ${text(`staff.staffCustomers.actions.${action}`, l)}</label>`).join('')}</fieldset>
<label for="reason">${text('staff.staffCustomers.reason', l)}</label><input id="reason" name="reason" required maxlength="${REASON_MAX}" autocomplete="off" value="${escapeHtml(flash.reason ?? '')}">
<button class="main" type="submit">${text('staff.staffCustomers.changeButton', l)}</button></form>`
      : '';

    const page = paging(request.query as Record<string, unknown>, HISTORY_PER_PAGE);
    const items = customerHistory(db, customer.id, { offset: page.offset, limit: page.perPage + 1 });
    const historyHtml = `<h2 id="history-heading">${text('staff.staffCustomers.history', l)}</h2>${
      items.length === 0 && page.page === 1
        ? `<p>${text('staff.staffCustomers.noTimeline', l)}</p>`
        : table('timeline', [text('staff.staffCustomers.historyWhen', l), text('staff.staffCustomers.historyWhat', l), text('staff.staffCustomers.historyDetail', l), text('staff.staffCustomers.historyWho', l)], items.slice(0, page.perPage).map((item) => historyRow(item, customer.currency, l, can(session.staff.role, 'messages.view'))))
    }${pager({ language: l, path: url, filters: {}, paging: page, more: items.length > page.perPage })}`;

    const back = `<ul class="links"><li><a href="${prefix}/customers">${text('staff.staffCustomers.heading', l)}</a></li></ul>`;
    const title = customer.fullName ? `${customer.fullName} (${customer.username})` : customer.username;
    // SMS texts carry WiFi and sign-in codes: such a page is not kept on a shared device.
    if (can(session.staff.role, 'messages.view') && items.some((item) => item.source === 'message')) neverKeep(reply);
    return screens.html(
      reply,
      status,
      renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title, current: '/customers', body: `${flashHtml(flash)}${details}${actions}${balanceHtml}${invoicesHtml}${sessionsHtml}${macHtml}${portalHtml}${statusForm}${personalDataSection(screens, session, customer, l)}${historyHtml}${back}` }),
    );
  };

  const customerOr404 = (request: FastifyRequest<{ Params: { username: string } }>, reply: FastifyReply) => {
    const customer = findCustomer(db, request.params.username);
    if (!customer) screens.message(request, reply, 404, t('staff.staffCustomers.unknown', { username: request.params.username.slice(0, 64) }, screens.languageOf(request)));
    return customer;
  };

  app.get<{ Params: { username: string }; Querystring: Record<string, unknown> }>('/customers/:username', { config: { staffAction: 'customers.view' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const l = screens.languageOf(request);
    const done = one(request.query.done);
    const count = Number(one(request.query.count) ?? 0) || 0;
    const id = (one(request.query.session) ?? '').replace(/\D/g, '').slice(0, 12);
    const notices: Record<string, () => string> = {
      disconnect: () => t('staff.staffCustomers.disconnected', { id }, l),
      speed: () => t('staff.staffCustomers.speedQueued', { id, rate: (one(request.query.rate) ?? '').slice(0, 100) }, l),
      created: () => t('staff.staffCustomers.created', { username: customer.username }, l),
      saved: () => t('staff.staffCustomers.saved', {}, l),
      unchanged: () => t('staff.staffCustomers.noChanges', {}, l),
      bound: () => t('staff.staffCustomers.macDone.bound', { mac: customer.mac ?? '' }, l),
      cleared: () => t('staff.staffCustomers.macDone.cleared', {}, l),
      'plan-now': () => t('staff.staffCustomers.planDone.now', { plan: customer.plan ?? '', count }, l),
      'plan-start': () => t('staff.staffCustomers.planStarted', { plan: customer.plan ?? '' }, l),
      'plan-renewal': () => t('staff.staffCustomers.planDone.renewal', { plan: (one(request.query.plan) ?? '').slice(0, 100) }, l),
      'portal-unlocked': () => t('staff.staffCustomers.portalLock.done', {}, l),
      resumed: () => t('staff.staffCustomers.pause.done', {}, l),
    };
    let notice: string | undefined;
    if (done && Object.hasOwn(notices, done)) notice = notices[done]!();
    else if (done && (DONE as readonly string[]).includes(done)) notice = t(`staff.staffCustomers.changed.${done as Done}`, { count }, l);
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
    const actor = `staff:${session.staff.username}`;
    const disconnecting = db.transaction((tx) => {
      const changed = setCustomerStatus(tx as Db, customer.username, next, at);
      // As `lango customer suspend` does: the customer's open sessions get a Disconnect-Request from the running daemon.
      const queued = next === 'active' ? 0 : enqueueForCustomer(tx as Db, changed.id, 'disconnect', next === 'suspended' ? 'account suspended' : 'account terminated', null, at);
      recordAudit(tx as Db, actor, `customer.${action}`, `customer:${changed.id}`, { username: changed.username, from: customer.status, to: next, reason, disconnecting: queued }, at);
      recordEvent(tx as Db, changed.id, next === 'suspended' ? 'suspended' : next === 'active' ? 'reactivated' : 'status_changed', actor, { from: customer.status, to: next, reason }, at);
      return queued;
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, customer: customer.username, action }, 'customer status changed');
    return reply.redirect(`${customerUrl(customer.username)}?done=${action}&count=${disconnecting}`, 303);
  });

  /** The customer's open session named in the URL, or a 404 page saying it has ended. */
  const liveSessionOr404 = (request: FastifyRequest<{ Params: { username: string; id: string } }>, reply: FastifyReply, customer: CustomerSummary) => {
    const live = /^\d{1,12}$/.test(request.params.id) ? findOpenSession(db, Number(request.params.id)) : undefined;
    if (!live || live.customerId !== customer.id) {
      showCustomer(request, reply, customer, 404, { error: t('staff.staffCustomers.noSession', {}, screens.languageOf(request)) });
      return undefined;
    }
    return live;
  };

  app.post<{ Params: { username: string; id: string } }>('/customers/:username/sessions/:id/disconnect', { config: { staffAction: 'sessions.disconnect' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const live = liveSessionOr404(request, reply, customer);
    if (!live) return reply;
    const session = screens.sessionOf(request);
    const at = screens.now();
    db.transaction((tx) => {
      // As `lango sessions disconnect` does.
      enqueueForSession(tx as Db, live.id, 'disconnect', 'operator', null, at);
      recordAudit(tx as Db, `staff:${session.staff.username}`, 'session.disconnect', `customer:${customer.id}`, { username: customer.username, session: live.id, nas: live.nas }, at);
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, customer: customer.username, session: live.id }, 'session disconnect queued');
    return reply.redirect(`${customerUrl(customer.username)}?done=disconnect&session=${live.id}`, 303);
  });

  app.post<{ Params: { username: string; id: string } }>('/customers/:username/sessions/:id/speed', { config: { staffAction: 'sessions.speed' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const live = liveSessionOr404(request, reply, customer);
    if (!live) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const rate = (one((request.body as Record<string, unknown> | undefined)?.rate) ?? '').trim().replace(/\s+/g, ' ').slice(0, 100);
    if (!isRateLimit(rate)) return showCustomer(request, reply, customer, 400, { error: t('staff.staffCustomers.speedBad', { value: rate }, l), rate: { session: live.id, value: rate } });
    const at = screens.now();
    db.transaction((tx) => {
      // As `lango sessions rate` does: a CoA with Mikrotik-Rate-Limit, sent by the running daemon.
      enqueueForSession(tx as Db, live.id, 'coa', 'operator', rate, at);
      recordAudit(tx as Db, `staff:${session.staff.username}`, 'session.speed', `customer:${customer.id}`, { username: customer.username, session: live.id, nas: live.nas, rateLimit: rate }, at);
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, customer: customer.username, session: live.id, rate }, 'session speed change queued');
    return reply.redirect(`${customerUrl(customer.username)}?done=speed&session=${live.id}&rate=${encodeURIComponent(rate)}`, 303);
  });

  app.post<{ Params: { username: string } }>('/customers/:username/mac', { config: { staffAction: 'customers.edit' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const clear = raw.clear === 'yes';
    const typed = (one(raw.mac) ?? '').trim().slice(0, 32);
    const mac = clear ? null : normaliseMac(typed);
    if (mac === undefined) return showCustomer(request, reply, customer, 400, { error: t('staff.staffCustomers.errors.mac', { value: typed }, l), mac: typed });
    const at = screens.now();
    try {
      db.transaction((tx) => {
        const edit = editCustomer(tx as Db, undefined, customer.username, { mac, macBinding: mac !== null }, at);
        if (Object.keys(edit.after).length > 0) recordAudit(tx as Db, `staff:${session.staff.username}`, 'customer.mac', `customer:${customer.id}`, { username: customer.username, before: edit.before, after: edit.after }, at);
      }, { behavior: 'immediate' });
    } catch (err) {
      if (!(err instanceof LangoError) || err.code !== 'INPUT_DUPLICATE_MAC') throw err;
      return showCustomer(request, reply, customer, 409, { error: t('staff.staffCustomers.errors.macTaken', { mac: String(err.values.mac), username: String(err.values.username) }, l), mac: typed });
    }
    request.log.info({ staff: session.staff.username, customer: customer.username, mac }, mac === null ? 'device cleared' : 'device bound');
    return reply.redirect(`${customerUrl(customer.username)}?done=${mac === null ? 'cleared' : 'bound'}`, 303);
  });

  app.post<{ Params: { username: string } }>('/customers/:username/portal-unlock', { config: { staffAction: 'customers.edit' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const session = screens.sessionOf(request);
    const at = screens.now();
    // As `lango customer unlock-portal` does.
    db.transaction((tx) => {
      const { wasLockedUntil } = unlockPortal(tx as Db, customer.id, at);
      recordAudit(tx as Db, `staff:${session.staff.username}`, 'customer.portal-unlock', `customer:${customer.id}`, { username: customer.username, wasLockedUntil }, at);
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, customer: customer.username }, 'portal sign-in unlocked');
    return reply.redirect(`${customerUrl(customer.username)}?done=portal-unlocked`, 303);
  });

  app.post<{ Params: { username: string } }>('/customers/:username/resume', { config: { staffAction: 'customers.status' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const session = screens.sessionOf(request);
    const at = screens.now();
    const actor = `staff:${session.staff.username}`;
    // The paid-until date moves on by the time paused, as when the customer resumes it.
    const resumed = db.transaction((tx) => {
      const result = resumeSubscription(tx as Db, { customerId: customer.id, at, actor });
      if (result.kind === 'resumed') recordAudit(tx as Db, actor, 'customer.resume', `customer:${customer.id}`, { username: customer.username, pausedMs: result.pausedMs, periodEnd: result.subscription.periodEnd }, at);
      return result.kind === 'resumed';
    }, { behavior: 'immediate' });
    if (resumed) request.log.info({ staff: session.staff.username, customer: customer.username }, 'paused line resumed by staff');
    return reply.redirect(resumed ? `${customerUrl(customer.username)}?done=resumed` : customerUrl(customer.username), 303);
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { findCustomer, findCustomerById } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import {
  ADDRESS_MAX,
  assignJob,
  attachEquipment,
  CHECK_MAX,
  CHECKS_MAX,
  completeJob,
  createJob,
  detachEquipment,
  equipmentActions,
  JOB_NOTES_MAX,
  JobError,
  jobForStaff,
  jobKinds,
  jobMoves,
  jobRefusalText,
  jobStaff,
  jobStatuses,
  listJobs,
  scheduleJob,
  setJobStatus,
  SERIAL_MAX,
  tickCheck,
  addCheck,
  type FieldJobStatus,
  type Job,
  type JobFilter,
  type JobRefusal,
  type StaffJob,
} from '../../field/index.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { isSendableNumber, queueMessage } from '../../messaging/index.js';
import { getSetting } from '../../settings/index.js';
import { can, type StaffSession } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, escapeHtml, flash, formatTime, ltr, one, pager, paging, table } from './ui.js';

// Installation and repair jobs (issue 9): the list (my jobs, today, this week, by status and
// technician), a new job for a customer, and a job's page where it is scheduled (the customer
// gets an SMS with the time, queued here in the same transaction: the field domain knows no
// messaging), assigned, ticked off, given its equipment and completed. Plain forms a
// technician can use on a phone without script.

const ID = /^\d{1,12}$/;
const VIEWS = ['mine', 'today', 'week', 'active', 'all'] as const;
type View = (typeof VIEWS)[number];
const isView = (value: unknown): value is View => typeof value === 'string' && (VIEWS as readonly string[]).includes(value);
const ACTIVE: readonly FieldJobStatus[] = ['open', 'scheduled', 'in_progress'];
const DONE = ['created', 'scheduled', 'scheduledNoSms', 'assigned', 'status', 'ticked', 'equipment', 'completed', 'activated', 'completedUnpaid'] as const;
type Done = (typeof DONE)[number];
const isDone = (value: unknown): value is Done => typeof value === 'string' && (DONE as readonly string[]).includes(value);
const field = (raw: Record<string, unknown>, name: string, max: number) => (one(raw[name]) ?? '').slice(0, max + 1);
const number = (id: number) => `#${id}`;

export function registerJobRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const m = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.field.${key}` as MessageKey, values, l);
  const h = (key: string, l: Language, values: Record<string, unknown> = {}) => escapeHtml(m(key, l, values));
  const time = (ms: number | null) => formatTime(ms, screens.zone);
  const option = (value: string, label: string, chosen: string | undefined) => `<option value="${escapeHtml(value)}"${value === chosen ? ' selected' : ''}>${escapeHtml(label)}</option>`;

  const refusalText = (reason: JobRefusal, l: Language, values: { username?: string } = {}) => jobRefusalText(reason, l, values);
  const refusalStatus = (reason: JobRefusal) =>
    reason === 'unknown-job' || reason === 'unknown-customer' || reason === 'unknown-equipment' || reason === 'unknown-check' ? 404 : reason === 'closed' || reason === 'equipment-unavailable' || reason === 'unticked' || reason === 'terminated' ? 409 : 400;

  const page = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: string) => {
    const session = screens.sessionOf(request);
    return screens.html(reply, status, renderFrame({ language: screens.languageOf(request), prefix, signedIn: screens.signedIn(session), title, current: '/jobs', body }));
  };

  // ---------------------------------------------------------------- the list

  app.get<{ Querystring: Record<string, unknown> }>('/jobs', { config: { staffAction: 'jobs.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = request.query;
    // A technician opens the screen on their own jobs; the office on everything still to do.
    const view: View = isView(q.view) ? q.view : session.staff.role === 'technician' ? 'mine' : 'active';
    const status = one(q.status) ?? '';
    const technician = (one(q.technician) ?? '').slice(0, 64);
    const customerName = (one(q.customer) ?? '').trim().slice(0, 64);
    const p = paging(q, 50);
    const filter: JobFilter = { limit: p.perPage + 1, offset: p.offset };
    const today = DateTime.fromMillis(screens.now(), { zone: screens.zone }).startOf('day');
    if (view === 'mine') filter.technician = session.staff.username;
    if (view === 'today') Object.assign(filter, { from: today.toMillis(), until: today.plus({ days: 1 }).toMillis() });
    if (view === 'week') {
      const week = today.startOf('week');
      Object.assign(filter, { from: week.toMillis(), until: week.plus({ weeks: 1 }).toMillis() });
    }
    if ((jobStatuses as readonly string[]).includes(status)) filter.status = status as FieldJobStatus;
    else if (view !== 'all' && customerName === '') filter.status = ACTIVE;
    if (technician === '-') filter.technician = null;
    else if (technician !== '' && view !== 'mine') filter.technician = technician;
    let error: string | undefined;
    if (customerName !== '') {
      const customer = findCustomer(db, customerName);
      if (customer) filter.customerId = customer.id;
      else error = m('errors.unknownCustomer', l, { username: customerName });
    }
    const found = error ? [] : listJobs(db, filter);
    const more = found.length > p.perPage;
    const views = `<nav aria-label="${h('jobs.views', l)}"><p id="views">${VIEWS.map((v) =>
      v === view ? `<b><a href="${prefix}/jobs?view=${v}" aria-current="page">${h(`jobs.view.${v}`, l)}</a></b>` : `<a href="${prefix}/jobs?view=${v}">${h(`jobs.view.${v}`, l)}</a>`,
    ).join(' · ')}</p></nav>`;
    const form = `<form method="get" action="${prefix}/jobs" class="filters" role="search"><input type="hidden" name="view" value="${view}">
<div><label for="f-status">${h('jobs.status', l)}</label><select id="f-status" name="status">${option('', m('any', l), status)}${jobStatuses.map((s) => option(s, m(`jobStatuses.${s}`, l), status)).join('')}</select></div>
<div><label for="f-technician">${h('jobs.technician', l)}</label><select id="f-technician" name="technician">${option('', m('any', l), technician)}${option('-', m('jobs.nobody', l), technician)}${jobStaff(db).map((u) => option(u, u, technician)).join('')}</select></div>
<div><label for="f-customer">${h('jobs.customer', l)}</label><input id="f-customer" name="customer" maxlength="64" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" value="${escapeHtml(customerName)}"></div>
<button type="submit">${h('filter', l)}</button></form>`;
    const head = ['number', 'when', 'kind', 'customer', 'address', 'status', 'technician'].map((k) => h(`jobs.columns.${k}`, l));
    const rows = found.slice(0, p.perPage).map((job) => [
      `<a href="${prefix}/jobs/${job.id}">${ltr(number(job.id))}</a>`,
      job.scheduledAt === null ? h('jobs.notScheduled', l) : ltr(time(job.scheduledAt)),
      `<a href="${prefix}/jobs/${job.id}">${h(`jobKinds.${job.kind}`, l)}</a>`,
      `${ltr(job.username)}${job.fullName ? `<br><small>${escapeHtml(job.fullName)}</small>` : ''}`,
      job.address ? `<span dir="auto">${escapeHtml(job.address)}</span>` : '—',
      h(`jobStatuses.${job.status}`, l),
      job.technician ? ltr(job.technician) : '—',
    ]);
    const list = rows.length === 0 ? `<p id="no-jobs">${h('jobs.none', l)}</p>` : table('jobs', head, rows, m(`jobs.view.${view}`, l));
    const links = can(session.staff.role, 'jobs.manage') ? `<ul class="links"><li><a href="${prefix}/jobs/new${customerName ? `?username=${encodeURIComponent(customerName)}` : ''}">${h('jobs.newLink', l)}</a></li></ul>` : '';
    const filters = { view, status, technician, customer: customerName };
    return page(request, reply, 200, m('jobs.heading', l), `${flash({ error })}${views}${links}${form}${list}${pager({ language: l, path: `${prefix}/jobs`, filters, paging: p, more })}`);
  });

  // ---------------------------------------------------------------- a new job

  interface NewValues {
    username: string;
    kind: string;
    address: string;
    notes: string;
    checklist: string;
    activates: boolean;
  }

  const newPage = (request: FastifyRequest, reply: FastifyReply, status: number, values: NewValues, error?: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const body = `${flash({ error })}<form method="post" action="${prefix}/jobs">${csrfField(session.csrfToken)}
<label for="username">${h('jobs.username', l)}</label><input id="username" name="username" required maxlength="64" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" value="${escapeHtml(values.username)}">
<label for="kind">${h('jobs.kind', l)}</label><select id="kind" name="kind">${jobKinds.map((k) => option(k, m(`jobKinds.${k}`, l), values.kind)).join('')}</select>
<label for="address">${h('jobs.address', l)}</label><input id="address" name="address" maxlength="${ADDRESS_MAX}" dir="auto" aria-describedby="address-hint" value="${escapeHtml(values.address)}">
<p class="hint" id="address-hint">${h('jobs.addressHint', l)}</p>
<label for="notes">${h('jobs.notes', l)}</label><textarea id="notes" name="notes" rows="3" maxlength="${JOB_NOTES_MAX}" dir="auto">${escapeHtml(values.notes)}</textarea>
<label for="checklist">${h('jobs.checklist', l)}</label><textarea id="checklist" name="checklist" rows="5" dir="auto" aria-describedby="checklist-hint">${escapeHtml(values.checklist)}</textarea>
<p class="hint" id="checklist-hint">${h('jobs.checklistHint', l)}</p>
<label class="check"><input type="checkbox" name="activates" value="yes"${values.activates ? ' checked' : ''}> ${h('jobs.activates', l)}</label>
<button class="main" type="submit">${h('jobs.createButton', l)}</button></form>
<ul class="links"><li><a href="${prefix}/jobs">${h('jobs.back', l)}</a></li></ul>`;
    return page(request, reply, status, m('jobs.newHeading', l), body);
  };

  app.get<{ Querystring: Record<string, unknown> }>('/jobs/new', { config: { staffAction: 'jobs.manage' } }, async (request, reply) =>
    newPage(request, reply, 200, { username: (one(request.query.username) ?? '').trim().slice(0, 64), kind: 'installation', address: '', notes: '', checklist: '', activates: true }),
  );

  app.post('/jobs', { config: { staffAction: 'jobs.manage' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values: NewValues = {
      username: field(raw, 'username', 64).trim(),
      kind: field(raw, 'kind', 20),
      address: field(raw, 'address', ADDRESS_MAX),
      notes: field(raw, 'notes', JOB_NOTES_MAX),
      checklist: field(raw, 'checklist', CHECKS_MAX * (CHECK_MAX + 2)),
      activates: raw.activates === 'yes',
    };
    const customer = values.username === '' ? undefined : findCustomer(db, values.username);
    if (!customer) return newPage(request, reply, 404, values, refusalText('unknown-customer', l, { username: values.username }));
    // Turning the service on is reactivating the account: the same right as on the customer page.
    if (values.activates && !can(session.staff.role, 'customers.status')) return newPage(request, reply, 403, values, t('staff.field.errors.activateNotAllowed', {}, l));
    const lines = values.checklist.split(/\r?\n/).filter((line) => line.trim() !== '');
    try {
      const job = createJob(db, {
        customerId: customer.id,
        kind: values.kind,
        address: values.address,
        notes: values.notes,
        checklist: lines.length === 0 ? undefined : lines,
        activatesService: values.activates,
        actor: session.staff.username,
        language: l,
        now: screens.now(),
      });
      request.log.info({ staff: session.staff.username, job: job.id }, 'field job created');
      return reply.redirect(`${prefix}/jobs/${job.id}?done=created`, 303);
    } catch (err) {
      if (!(err instanceof JobError)) throw err;
      return newPage(request, reply, refusalStatus(err.reason), values, refusalText(err.reason, l));
    }
  });

  // ---------------------------------------------------------------- one job

  const showJob = (request: FastifyRequest, reply: FastifyReply, view: StaffJob, status: number, extra: { notice?: string; error?: string } = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const { job, customer } = view;
    const url = `${prefix}/jobs/${job.id}`;
    const csrf = csrfField(session.csrfToken);
    const closed = job.status === 'done' || job.status === 'cancelled';
    const manage = can(session.staff.role, 'jobs.manage') && !closed;
    const row = (label: string, value: string, id?: string) => `<tr><th>${escapeHtml(label)}</th><td${id ? ` id="${id}"` : ''}>${value}</td></tr>`;
    const customerCell = can(session.staff.role, 'customers.view') ? `<a href="${prefix}/customers/${encodeURIComponent(customer.username)}">${ltr(customer.username)}</a>` : ltr(customer.username);
    const details = `<table id="details"><tbody>${[
      row(m('jobs.kind', l), h(`jobKinds.${job.kind}`, l), 'kind'),
      row(m('jobs.status', l), h(`jobStatuses.${job.status}`, l), 'status'),
      row(m('jobs.customer', l), `${customerCell}${customer.fullName ? ` · ${escapeHtml(customer.fullName)}` : ''}`, 'customer'),
      row(m('jobs.phone', l), customer.phone ? `<a href="tel:${escapeHtml(customer.phone)}">${ltr(customer.phone)}</a>` : '—'),
      row(m('jobs.address', l), job.address ? `<span dir="auto">${escapeHtml(job.address)}</span>` : '—', 'address'),
      row(m('jobs.when', l), job.scheduledAt === null ? h('jobs.notScheduled', l) : ltr(time(job.scheduledAt)), 'when'),
      row(m('jobs.technician', l), job.technician ? ltr(job.technician) : h('jobs.nobody', l), 'technician'),
      row(m('jobs.notes', l), job.notes ? `<span dir="auto">${escapeHtml(job.notes).replace(/\n/g, '<br>')}</span>` : '—'),
      ...(job.kind === 'installation' ? [row(m('jobs.activatesShort', l), h(job.activatesService ? 'jobs.activatesYes' : 'jobs.activatesNo', l), 'activates')] : []),
      row(m('jobs.created', l), `${ltr(time(job.createdAt))} · ${ltr(job.createdBy)}`),
      ...(job.completedAt === null
        ? []
        : [row(m('jobs.completed', l), `${ltr(time(job.completedAt))} · ${ltr(job.completedBy ?? '')}${job.completionNote ? `<br><span dir="auto">${escapeHtml(job.completionNote)}</span>` : ''}`, 'completed')]),
    ].join('')}</tbody></table>`;

    const checks =
      view.checks.length === 0
        ? `<p>${h('jobs.noChecks', l)}</p>`
        : `<ul id="checklist" class="checklist">${view.checks
            .map((c) => {
              const state = c.doneAt === null ? '' : ` <small>${h('jobs.tickedBy', l, { username: c.doneBy ?? '', time: time(c.doneAt) })}</small>`;
              const button = manage
                ? `<form method="post" action="${url}/checks/${c.position}" class="inline">${csrf}<input type="hidden" name="done" value="${c.doneAt === null ? 'yes' : 'no'}"><button class="small" type="submit" aria-label="${escapeHtml(m(c.doneAt === null ? 'jobs.tickLabel' : 'jobs.untickLabel', l, { label: c.label }))}">${h(c.doneAt === null ? 'jobs.tick' : 'jobs.untick', l)}</button></form>`
                : '';
              return `<li data-done="${c.doneAt === null ? 'no' : 'yes'}"><span aria-hidden="true">${c.doneAt === null ? '☐' : '☑'}</span> <span dir="auto">${escapeHtml(c.label)}</span>${state} ${button}</li>`;
            })
            .join('')}</ul>`;

    const addLine = manage
      ? `<form method="post" action="${url}/checks">${csrf}<label for="check-label">${h('jobs.addCheck', l)}</label><input id="check-label" name="label" required maxlength="${CHECK_MAX}" dir="auto"><button class="small" type="submit">${h('jobs.addCheckButton', l)}</button></form>`
      : '';
    const actionsFor = equipmentActions(job.kind);
    const kit = view.equipment.map((e) => [
      `<a href="${prefix}/equipment/${e.item.id}">${ltr(e.item.serial)}</a>`,
      `${h(`kinds.${e.item.kind}`, l)} · <span dir="auto">${escapeHtml(e.item.model)}</span>`,
      h(`jobs.actions.${e.action}`, l),
      h(`statuses.${e.item.status}`, l),
      manage ? `<form method="post" action="${url}/equipment/${e.item.id}/off" class="inline">${csrf}<input type="hidden" name="action" value="${e.action}"><button class="small" type="submit">${h('jobs.takeOff', l)}</button></form>` : '',
    ]);
    const kitTable = kit.length === 0 ? `<p id="no-kit">${h('jobs.noEquipment', l)}</p>` : table('job-equipment', ['serial', 'item', 'action', 'status', ''].map((k) => (k ? h(`jobs.kit.${k}`, l) : '')), kit);
    const attach =
      manage && actionsFor.length > 0
        ? `<form method="post" action="${url}/equipment">${csrf}<label for="serial">${h('jobs.attachSerial', l)}</label><input id="serial" name="serial" required maxlength="${SERIAL_MAX}" autocomplete="off" autocapitalize="characters" spellcheck="false" class="ltr">
<label for="action">${h('jobs.attachAction', l)}</label><select id="action" name="action">${actionsFor.map((a) => option(a, m(`jobs.actions.${a}`, l), undefined)).join('')}</select>
<button class="small" type="submit">${h('jobs.attachButton', l)}</button></form>`
        : '';

    let forms = '';
    if (manage) {
      const local = job.scheduledAt === null ? undefined : DateTime.fromMillis(job.scheduledAt, { zone: screens.zone });
      const moves = jobMoves(job.status);
      const unticked = view.checks.filter((c) => c.doneAt === null).length;
      forms = `<h2>${h('jobs.planHeading', l)}</h2>
<form method="post" action="${url}/schedule">${csrf}<label for="date">${h('jobs.date', l)}</label><input id="date" name="date" type="date" required class="ltr" value="${local ? local.toFormat('yyyy-MM-dd') : ''}">
<label for="time">${h('jobs.time', l)}</label><input id="time" name="time" type="time" required class="ltr" value="${local ? local.toFormat('HH:mm') : ''}" aria-describedby="time-hint"><p class="hint" id="time-hint">${h('jobs.timeHint', l, { zone: screens.zone })}</p>
<button class="small" type="submit">${h('jobs.scheduleButton', l)}</button></form>
<form method="post" action="${url}/assign">${csrf}<label for="assign">${h('jobs.technician', l)}</label><select id="assign" name="technician">${option('', m('jobs.nobody', l), job.technician ?? '')}${jobStaff(db).map((u) => option(u, u, job.technician ?? '')).join('')}</select><button class="small" type="submit">${h('jobs.assignButton', l)}</button></form>
${moves.map((s) => `<form method="post" action="${url}/status" class="inline">${csrf}<input type="hidden" name="status" value="${s}"><button class="small" type="submit">${h(`jobs.move.${s}`, l)}</button></form>`).join(' ')}
<h2>${h('jobs.completeHeading', l)}</h2>
${unticked > 0 ? `<p class="hint" id="unticked">${h('jobs.untickedHint', l, { count: unticked })}</p>` : ''}
<form method="post" action="${url}/complete">${csrf}<label for="note">${h('jobs.completionNote', l)}</label><textarea id="note" name="note" rows="3" maxlength="${JOB_NOTES_MAX}" dir="auto"></textarea>
<button class="main" type="submit">${h('jobs.completeButton', l)}</button></form>`;
    }
    const back = `<ul class="links"><li><a href="${prefix}/jobs">${h('jobs.back', l)}</a></li><li><a href="${prefix}/jobs?view=all&amp;customer=${encodeURIComponent(customer.username)}">${h('jobs.customerJobs', l)}</a></li></ul>`;
    const body = `${flash(extra)}${details}<h2>${h('jobs.checklist', l)}</h2>${checks}${addLine}<h2>${h('jobs.equipmentHeading', l)}</h2>${kitTable}${attach}${forms}${back}`;
    return page(request, reply, status, m('jobs.title', l, { number: number(job.id), kind: m(`jobKinds.${job.kind}`, l), username: customer.username }), body);
  };

  const jobOr404 = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): StaffJob | undefined => {
    const view = ID.test(request.params.id) ? jobForStaff(db, Number(request.params.id)) : undefined;
    if (!view) screens.message(request, reply, 404, m('errors.unknownJob', screens.languageOf(request)));
    return view;
  };

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/jobs/:id', { config: { staffAction: 'jobs.view' } }, async (request, reply) => {
    const view = jobOr404(request, reply);
    if (!view) return reply;
    const l = screens.languageOf(request);
    const done = request.query.done;
    return showJob(request, reply, view, 200, isDone(done) ? { notice: m(`jobs.done.${done}`, l, { number: number(view.job.id) }) } : {});
  });

  /** The SMS telling the customer when the visit is, in their language; null when they have no usable phone. */
  const queueScheduledSms = (d: Db, job: Job): number | null => {
    const customer = findCustomerById(d, job.customerId);
    if (!customer?.phone || !isSendableNumber(customer.phone) || job.scheduledAt === null) return null;
    const body = t('staff.field.sms.scheduled', { operator: getSetting(d, 'operator.name'), kind: m(`jobKinds.${job.kind}`, customer.language), time: time(job.scheduledAt), number: number(job.id) }, customer.language);
    // One SMS per time set: a retried form cannot send the same time twice; a new time sends anew.
    return queueMessage(d, { key: `field-job:${job.id}:${job.scheduledAt}`, customerId: customer.id, to: customer.phone, language: customer.language, template: null, body, critical: false, now: screens.now() }).id;
  };

  /**
   * One change to a job: run it, then back to the job with what was done (Post/Redirect/Get),
   * or the job again with the refusal.
   */
  const change = (path: string, run: (input: { view: StaffJob; session: StaffSession; raw: Record<string, unknown>; params: Record<string, string>; now: number; l: Language }) => Done) =>
    app.post<{ Params: { id: string } }>(`/jobs/:id/${path}`, { config: { staffAction: 'jobs.manage' } }, async (request, reply) => {
      const view = jobOr404(request, reply);
      if (!view) return reply;
      const session = screens.sessionOf(request);
      const l = screens.languageOf(request);
      const raw = (request.body ?? {}) as Record<string, unknown>;
      let done: Done;
      try {
        done = run({ view, session, raw, params: request.params as Record<string, string>, now: screens.now(), l });
      } catch (err) {
        if (!(err instanceof JobError)) throw err;
        return showJob(request, reply, jobForStaff(db, view.job.id) ?? view, refusalStatus(err.reason), { error: refusalText(err.reason, l) });
      }
      request.log.info({ staff: session.staff.username, job: view.job.id, change: path }, 'field job changed');
      return reply.redirect(`${prefix}/jobs/${view.job.id}?done=${done}`, 303);
    });

  change('schedule', ({ view, session, raw, now }) => {
    const date = field(raw, 'date', 10);
    const clock = field(raw, 'time', 8);
    const at = /^\d{4}-\d{2}-\d{2}$/.test(date) && /^\d{2}:\d{2}(:\d{2})?$/.test(clock) ? DateTime.fromISO(`${date}T${clock}`, { zone: screens.zone }) : undefined;
    if (!at?.isValid) throw new JobError('when');
    const sms = db.transaction((tx) => {
      const job = scheduleJob(tx as Db, { jobId: view.job.id, at: at.toMillis(), actor: session.staff.username, now });
      return queueScheduledSms(tx as Db, job);
    }, { behavior: 'immediate' });
    return sms === null ? 'scheduledNoSms' : 'scheduled';
  });
  change('assign', ({ view, session, raw, now }) => {
    const technician = field(raw, 'technician', 64).trim();
    assignJob(db, { jobId: view.job.id, technician: technician === '' ? null : technician, actor: session.staff.username, now });
    return 'assigned';
  });
  change('status', ({ view, session, raw, now }) => {
    setJobStatus(db, { jobId: view.job.id, status: field(raw, 'status', 20), actor: session.staff.username, now });
    return 'status';
  });
  change('equipment', ({ view, session, raw, now }) => {
    attachEquipment(db, { jobId: view.job.id, serial: field(raw, 'serial', SERIAL_MAX), action: field(raw, 'action', 20), actor: session.staff.username, now });
    return 'equipment';
  });
  change('checks', ({ view, session, raw, now }) => {
    addCheck(db, { jobId: view.job.id, label: field(raw, 'label', CHECK_MAX), actor: session.staff.username, now });
    return 'ticked';
  });
  change('complete', ({ view, session, raw, now }) => {
    const result = completeJob(db, { jobId: view.job.id, note: field(raw, 'note', JOB_NOTES_MAX), actor: session.staff.username, now });
    return result.activated ? 'activated' : result.unpaid ? 'completedUnpaid' : 'completed';
  });

  app.post<{ Params: { id: string; position: string } }>('/jobs/:id/checks/:position', { config: { staffAction: 'jobs.manage' } }, async (request, reply) => {
    const view = jobOr404(request as unknown as FastifyRequest<{ Params: { id: string } }>, reply);
    if (!view) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    try {
      if (!/^\d{1,3}$/.test(request.params.position)) throw new JobError('unknown-check');
      tickCheck(db, { jobId: view.job.id, position: Number(request.params.position), done: raw.done !== 'no', actor: session.staff.username, now: screens.now() });
    } catch (err) {
      if (!(err instanceof JobError)) throw err;
      return showJob(request, reply, jobForStaff(db, view.job.id) ?? view, refusalStatus(err.reason), { error: refusalText(err.reason, l) });
    }
    // Back to the checklist itself, so a technician ticking lines on a phone keeps their place.
    return reply.redirect(`${prefix}/jobs/${view.job.id}?done=ticked#checklist`, 303);
  });

  app.post<{ Params: { id: string; equipmentId: string } }>('/jobs/:id/equipment/:equipmentId/off', { config: { staffAction: 'jobs.manage' } }, async (request, reply) => {
    const view = jobOr404(request as unknown as FastifyRequest<{ Params: { id: string } }>, reply);
    if (!view) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    try {
      if (!ID.test(request.params.equipmentId)) throw new JobError('unknown-equipment');
      detachEquipment(db, { jobId: view.job.id, equipmentId: Number(request.params.equipmentId), action: field(raw, 'action', 20), actor: session.staff.username, now: screens.now() });
    } catch (err) {
      if (!(err instanceof JobError)) throw err;
      return showJob(request, reply, jobForStaff(db, view.job.id) ?? view, refusalStatus(err.reason), { error: refusalText(err.reason, l) });
    }
    return reply.redirect(`${prefix}/jobs/${view.job.id}?done=equipment`, 303);
  });
}

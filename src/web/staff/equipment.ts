import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findCustomer } from '../../billing/index.js';
import {
  addEquipment,
  EQUIPMENT_NOTES_MAX,
  EquipmentError,
  equipmentHistory,
  equipmentKinds,
  equipmentRefusalText,
  equipmentSites,
  equipmentStatuses,
  findEquipment,
  listEquipment,
  moveEquipment,
  nextStatuses,
  SERIAL_MAX,
  SITE_MAX,
  MODEL_MAX,
  type EquipmentFilter,
  type EquipmentRefusal,
  type EquipmentView,
} from '../../field/index.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { can } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, escapeHtml, flash, formatTime, ltr, one, pager, paging, table } from './ui.js';

// The equipment inventory (issue 9): the list with filters and a search by serial, MAC, model
// or customer; adding an item; an item's page with its status change and its history from the
// audit log. Plain forms that work on a technician's phone without script.

const ID = /^\d{1,12}$/;
const DONE = ['added', 'moved'] as const;
type Done = (typeof DONE)[number];
const isDone = (value: unknown): value is Done => typeof value === 'string' && (DONE as readonly string[]).includes(value);
const field = (raw: Record<string, unknown>, name: string, max: number) => (one(raw[name]) ?? '').slice(0, max + 1);

export function registerEquipmentRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const m = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.field.${key}` as MessageKey, values, l);
  const h = (key: string, l: Language, values: Record<string, unknown> = {}) => escapeHtml(m(key, l, values));
  const time = (ms: number | null) => formatTime(ms, screens.zone);
  const option = (value: string, label: string, chosen: string | undefined) => `<option value="${escapeHtml(value)}"${value === chosen ? ' selected' : ''}>${escapeHtml(label)}</option>`;

  const refusalText = (reason: EquipmentRefusal, l: Language, values: { username?: string } = {}) => equipmentRefusalText(reason, l, values);
  const refusalStatus = (reason: EquipmentRefusal) => (reason === 'unknown-equipment' || reason === 'unknown-customer' ? 404 : reason === 'duplicate-serial' || reason === 'bad-move' ? 409 : 400);

  const page = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: string) => {
    const session = screens.sessionOf(request);
    return screens.html(reply, status, renderFrame({ language: screens.languageOf(request), prefix, signedIn: screens.signedIn(session), title, current: '/equipment', body }));
  };

  const customerCell = (item: EquipmentView, mayView: boolean) => {
    if (item.username === null) return '—';
    const name = mayView ? `<a href="${prefix}/customers/${encodeURIComponent(item.username)}">${ltr(item.username)}</a>` : ltr(item.username);
    return `${name}${item.fullName ? `<br><small>${escapeHtml(item.fullName)}</small>` : ''}`;
  };

  // ---------------------------------------------------------------- the list

  app.get<{ Querystring: Record<string, unknown> }>('/equipment', { config: { staffAction: 'equipment.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = request.query;
    const status = one(q.status) ?? '';
    const kind = one(q.kind) ?? '';
    const site = (one(q.site) ?? '').slice(0, SITE_MAX);
    const search = (one(q.q) ?? '').trim().slice(0, 64);
    const customerName = (one(q.customer) ?? '').trim().slice(0, 64);
    const p = paging(q, 50);
    const filter: EquipmentFilter = { limit: p.perPage + 1, offset: p.offset, site, search };
    if ((equipmentStatuses as readonly string[]).includes(status)) filter.status = status as EquipmentFilter['status'];
    if ((equipmentKinds as readonly string[]).includes(kind)) filter.kind = kind as EquipmentFilter['kind'];
    let error: string | undefined;
    if (customerName !== '') {
      const customer = findCustomer(db, customerName);
      if (customer) filter.customerId = customer.id;
      else error = m('errors.unknownCustomer', l, { username: customerName });
    }
    const found = error ? [] : listEquipment(db, filter);
    const more = found.length > p.perPage;
    const form = `<form method="get" action="${prefix}/equipment" class="filters" role="search">
<div><label for="f-q">${h('equipment.search', l)}</label><input id="f-q" name="q" maxlength="64" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" value="${escapeHtml(search)}"></div>
<div><label for="f-status">${h('equipment.status', l)}</label><select id="f-status" name="status">${option('', m('any', l), status)}${equipmentStatuses.map((s) => option(s, m(`statuses.${s}`, l), status)).join('')}</select></div>
<div><label for="f-kind">${h('equipment.kind', l)}</label><select id="f-kind" name="kind">${option('', m('any', l), kind)}${equipmentKinds.map((k) => option(k, m(`kinds.${k}`, l), kind)).join('')}</select></div>
<div><label for="f-site">${h('equipment.site', l)}</label><select id="f-site" name="site">${option('', m('any', l), site)}${equipmentSites(db).map((s) => option(s, s, site)).join('')}</select></div>
${customerName ? `<input type="hidden" name="customer" value="${escapeHtml(customerName)}">` : ''}
<button type="submit">${h('filter', l)}</button></form>`;
    const mayViewCustomers = can(session.staff.role, 'customers.view');
    const head = ['serial', 'kind', 'model', 'status', 'customer', 'site', 'mac', 'updated'].map((k) => h(`equipment.columns.${k}`, l));
    const rows = found.slice(0, p.perPage).map((item) => [
      `<a href="${prefix}/equipment/${item.id}">${ltr(item.serial)}</a>`,
      h(`kinds.${item.kind}`, l),
      `<span dir="auto">${escapeHtml(item.model)}</span>`,
      h(`statuses.${item.status}`, l),
      customerCell(item, mayViewCustomers),
      item.site ? `<span dir="auto">${escapeHtml(item.site)}</span>` : '—',
      item.mac ? ltr(item.mac) : '—',
      ltr(time(item.updatedAt)),
    ]);
    const list = rows.length === 0 ? `<p id="no-equipment">${h('equipment.none', l)}</p>` : table('equipment', head, rows, m('equipment.heading', l));
    const links = can(session.staff.role, 'equipment.manage') ? `<ul class="links"><li><a href="${prefix}/equipment/new">${h('equipment.addLink', l)}</a></li></ul>` : '';
    const heading = customerName && !error ? `<p id="for-customer">${h('equipment.forCustomer', l, { username: customerName })}</p>` : '';
    const filters = { q: search, status, kind, site, customer: customerName };
    return page(request, reply, 200, m('equipment.heading', l), `${flash({ error })}${links}${heading}${form}${list}${pager({ language: l, path: `${prefix}/equipment`, filters, paging: p, more })}`);
  });

  // ---------------------------------------------------------------- adding an item

  interface AddValues {
    kind: string;
    model: string;
    serial: string;
    mac: string;
    site: string;
    notes: string;
  }

  const addPage = (request: FastifyRequest, reply: FastifyReply, status: number, values: AddValues, error?: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const body = `${flash({ error })}<form method="post" action="${prefix}/equipment">${csrfField(session.csrfToken)}
<label for="kind">${h('equipment.kind', l)}</label><select id="kind" name="kind">${equipmentKinds.map((k) => option(k, m(`kinds.${k}`, l), values.kind)).join('')}</select>
<label for="model">${h('equipment.model', l)}</label><input id="model" name="model" required maxlength="${MODEL_MAX}" dir="auto" value="${escapeHtml(values.model)}">
<label for="serial">${h('equipment.serial', l)}</label><input id="serial" name="serial" required maxlength="${SERIAL_MAX}" autocomplete="off" autocapitalize="characters" spellcheck="false" class="ltr" value="${escapeHtml(values.serial)}">
<label for="mac">${h('equipment.mac', l)}</label><input id="mac" name="mac" maxlength="40" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" aria-describedby="mac-hint" value="${escapeHtml(values.mac)}">
<p class="hint" id="mac-hint">${h('equipment.macHint', l)}</p>
<label for="site">${h('equipment.site', l)}</label><input id="site" name="site" maxlength="${SITE_MAX}" dir="auto" list="sites" value="${escapeHtml(values.site)}"><datalist id="sites">${equipmentSites(db).map((s) => `<option value="${escapeHtml(s)}">`).join('')}</datalist>
<label for="notes">${h('equipment.notes', l)}</label><textarea id="notes" name="notes" rows="3" maxlength="${EQUIPMENT_NOTES_MAX}" dir="auto">${escapeHtml(values.notes)}</textarea>
<button class="main" type="submit">${h('equipment.addButton', l)}</button></form>
<ul class="links"><li><a href="${prefix}/equipment">${h('equipment.back', l)}</a></li></ul>`;
    return page(request, reply, status, m('equipment.addHeading', l), body);
  };

  app.get('/equipment/new', { config: { staffAction: 'equipment.manage' } }, async (request, reply) => addPage(request, reply, 200, { kind: 'router', model: '', serial: '', mac: '', site: '', notes: '' }));

  app.post('/equipment', { config: { staffAction: 'equipment.manage' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values: AddValues = {
      kind: field(raw, 'kind', 20),
      model: field(raw, 'model', MODEL_MAX),
      serial: field(raw, 'serial', SERIAL_MAX),
      mac: field(raw, 'mac', 40),
      site: field(raw, 'site', SITE_MAX),
      notes: field(raw, 'notes', EQUIPMENT_NOTES_MAX),
    };
    try {
      const item = addEquipment(db, { ...values, actor: session.staff.username, now: screens.now() });
      request.log.info({ staff: session.staff.username, equipment: item.id }, 'equipment added');
      return reply.redirect(`${prefix}/equipment/${item.id}?done=added`, 303);
    } catch (err) {
      if (!(err instanceof EquipmentError)) throw err;
      return addPage(request, reply, refusalStatus(err.reason), values, refusalText(err.reason, l));
    }
  });

  // ---------------------------------------------------------------- one item

  const showItem = (request: FastifyRequest, reply: FastifyReply, item: EquipmentView, status: number, extra: { notice?: string; error?: string; username?: string } = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const url = `${prefix}/equipment/${item.id}`;
    const row = (label: string, value: string, id?: string) => `<tr><th>${escapeHtml(label)}</th><td${id ? ` id="${id}"` : ''}>${value}</td></tr>`;
    const details = `<table id="details"><tbody>${[
      row(m('equipment.kind', l), h(`kinds.${item.kind}`, l), 'kind'),
      row(m('equipment.model', l), `<span dir="auto">${escapeHtml(item.model)}</span>`),
      row(m('equipment.serial', l), ltr(item.serial), 'serial'),
      row(m('equipment.mac', l), item.mac ? ltr(item.mac) : '—', 'mac'),
      row(m('equipment.status', l), h(`statuses.${item.status}`, l), 'status'),
      row(m('equipment.customer', l), customerCell(item, can(session.staff.role, 'customers.view')), 'customer'),
      row(m('equipment.site', l), item.site ? `<span dir="auto">${escapeHtml(item.site)}</span>` : '—'),
      row(m('equipment.notes', l), item.notes ? `<span dir="auto">${escapeHtml(item.notes).replace(/\n/g, '<br>')}</span>` : '—'),
      row(m('equipment.added', l), ltr(time(item.createdAt))),
    ].join('')}</tbody></table>`;
    let move = '';
    const next = nextStatuses(item.status);
    if (can(session.staff.role, 'equipment.manage') && next.length > 0) {
      move = `<h2>${h('equipment.moveHeading', l)}</h2><form method="post" action="${url}/status">${csrfField(session.csrfToken)}
<label for="to">${h('equipment.moveTo', l)}</label><select id="to" name="to">${next.map((s) => option(s, m(`statuses.${s}`, l), undefined)).join('')}</select>
${next.includes('installed') ? `<label for="username">${h('equipment.installWith', l)}</label><input id="username" name="username" maxlength="64" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" aria-describedby="username-hint" value="${escapeHtml(extra.username ?? '')}"><p class="hint" id="username-hint">${h('equipment.installHint', l)}</p>` : ''}
<label for="note">${h('equipment.moveNote', l)}</label><input id="note" name="note" maxlength="200" dir="auto">
<button class="small" type="submit">${h('equipment.moveButton', l)}</button></form>`;
    }
    const history = equipmentHistory(db, item.id);
    const historyRows = history.map((entry) => {
      const d = (entry.detail ?? {}) as Record<string, unknown>;
      const what =
        entry.action === 'equipment.add'
          ? m('equipment.history.added', l)
          : entry.action === 'equipment.status'
            ? m('equipment.history.moved', l, { from: m(`statuses.${String(d.from)}`, l), to: m(`statuses.${String(d.to)}`, l) })
            : entry.action;
      const extraText = [d.username ? String(d.username) : d.previousCustomer ? String(d.previousCustomer) : '', d.job ? `#${String(d.job)}` : '', d.note ? String(d.note) : ''].filter((s) => s !== '').join(' · ');
      return [ltr(time(entry.at)), escapeHtml(what), `<span dir="auto">${escapeHtml(extraText)}</span>`, ltr(entry.actor.replace(/^staff:/, ''))];
    });
    const historyHtml = `<h2>${h('equipment.history.heading', l)}</h2>${table('history', ['when', 'what', 'detail', 'who'].map((k) => h(`equipment.history.${k}`, l)), historyRows, m('equipment.history.heading', l))}`;
    const back = `<ul class="links"><li><a href="${prefix}/equipment">${h('equipment.back', l)}</a></li></ul>`;
    return page(request, reply, status, m('equipment.itemTitle', l, { kind: m(`kinds.${item.kind}`, l), serial: item.serial }), `${flash(extra)}${details}${move}${historyHtml}${back}`);
  };

  const itemOr404 = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): EquipmentView | undefined => {
    const item = ID.test(request.params.id) ? findEquipment(db, Number(request.params.id)) : undefined;
    if (!item) screens.message(request, reply, 404, m('errors.unknownEquipment', screens.languageOf(request)));
    return item;
  };

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/equipment/:id', { config: { staffAction: 'equipment.view' } }, async (request, reply) => {
    const item = itemOr404(request, reply);
    if (!item) return reply;
    const l = screens.languageOf(request);
    const done = request.query.done;
    return showItem(request, reply, item, 200, isDone(done) ? { notice: m(`equipment.done.${done}`, l, { serial: item.serial }) } : {});
  });

  app.post<{ Params: { id: string } }>('/equipment/:id/status', { config: { staffAction: 'equipment.manage' } }, async (request, reply) => {
    const item = itemOr404(request, reply);
    if (!item) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const to = field(raw, 'to', 20);
    const username = field(raw, 'username', 64).trim();
    let customerId: number | undefined;
    if (to === 'installed' && username !== '') {
      const customer = findCustomer(db, username);
      if (!customer) return showItem(request, reply, item, 404, { error: refusalText('unknown-customer', l, { username }), username });
      customerId = customer.id;
    }
    try {
      moveEquipment(db, { equipmentId: item.id, to, customerId, note: field(raw, 'note', 200), actor: session.staff.username, now: screens.now() });
    } catch (err) {
      if (!(err instanceof EquipmentError)) throw err;
      return showItem(request, reply, findEquipment(db, item.id) ?? item, refusalStatus(err.reason), { error: refusalText(err.reason, l, { username }), username });
    }
    request.log.info({ staff: session.staff.username, equipment: item.id, to }, 'equipment moved');
    return reply.redirect(`${prefix}/equipment/${item.id}?done=moved`, 303);
  });
}

import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { enqueueForSession } from '../../aaa/enforcement.js';
import { listNas } from '../../aaa/nas.js';
import { findOpenSession, listSessions, type SessionFilter, type SessionView } from '../../aaa/sessions.js';
import type { Db } from '../../db/connection.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { can, recordAudit } from '../../staff/index.js';
import { dayRange } from './invoices.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, escapeHtml, flash, formatBytes, formatTime, ltr, one, pager, paging, table, text } from './ui.js';

// Issue 7's sessions screen: who is online now and the history, filtered by user, router, IP,
// device and day, with Disconnect on live rows (the same queue `lango sessions disconnect` uses:
// the running daemon sends the router a Disconnect-Request).

const STATES = ['live', 'ended', 'all'] as const;
type State = (typeof STATES)[number];
const PER_PAGE = 50;

const tx = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.sessions.${key}` as MessageKey, values, l);

/** 3 h 05 min, 12 min, 40 s: how long a session lasted (or has lasted so far). */
function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

export function registerSessionRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;

  app.get<{ Querystring: Record<string, string | undefined> }>('/sessions', { config: { staffAction: 'sessions.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = request.query ?? {};
    const values = {
      state: (STATES as readonly string[]).includes(one(q.state) ?? '') ? (one(q.state) as State) : 'live',
      username: (one(q.username) ?? '').trim().slice(0, 64),
      router: (one(q.router) ?? '').slice(0, 12),
      ip: (one(q.ip) ?? '').trim().slice(0, 45),
      mac: (one(q.mac) ?? '').trim().slice(0, 32),
      from: (one(q.from) ?? '').slice(0, 10),
      to: (one(q.to) ?? '').slice(0, 10),
    };
    const routers = listNas(db);
    const page = paging(q, PER_PAGE);
    const done = one(q.done) === 'disconnect' ? tx('disconnected', l, { id: (one(q.session) ?? '').replace(/\D/g, '').slice(0, 12) }) : undefined;

    const option = (value: string, label: string, chosen: string) => `<option value="${escapeHtml(value)}"${value === chosen ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    const input = (name: 'username' | 'ip' | 'mac' | 'from' | 'to', attrs: string) =>
      `<div><label for="f-${name}">${text(`staff.sessions.filters.${name}`, l)}</label><input id="f-${name}" name="${name}" ${attrs} value="${escapeHtml(values[name])}"></div>`;
    const form =
      `<form method="get" action="${prefix}/sessions" class="filters" role="search">` +
      `<div><label for="f-state">${text('staff.sessions.filters.state', l)}</label><select id="f-state" name="state">${STATES.map((s) => option(s, tx(`filters.${s}`, l), values.state)).join('')}</select></div>` +
      input('username', 'maxlength="64" autocapitalize="none" spellcheck="false" autocomplete="off"') +
      `<div><label for="f-router">${text('staff.sessions.filters.router', l)}</label><select id="f-router" name="router">${option('', tx('filters.anyRouter', l), values.router)}${routers.map((r) => option(String(r.id), r.name, values.router)).join('')}</select></div>` +
      input('ip', 'maxlength="45" class="ltr" inputmode="decimal" autocomplete="off"') +
      input('mac', 'maxlength="32" class="ltr" autocapitalize="characters" spellcheck="false" autocomplete="off"') +
      input('from', 'type="date"') +
      input('to', 'type="date"') +
      `<button type="submit">${text('staff.sessions.filters.button', l)}</button></form>`;
    const frame = (status: number, body: string) =>
      screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: tx('heading', l), current: '/sessions', body: `${flash({ notice: done })}${form}${body}` }));

    const range = dayRange(values.from, values.to, screens.zone);
    if (range === 'bad') return frame(400, flash({ error: tx('badDate', l) }));
    if (values.ip !== '' && isIP(values.ip) === 0) return frame(400, flash({ error: tx('badIp', l, { value: values.ip }) }));
    const filter: SessionFilter = {
      ...(values.state === 'live' && { active: true }),
      ...(values.state === 'ended' && { ended: true }),
      ...(values.username !== '' && { username: values.username }),
      ...(/^\d{1,9}$/.test(values.router) && { nasId: Number(values.router) }),
      ...(values.ip !== '' && { ip: values.ip }),
      ...(values.mac !== '' && { mac: values.mac }),
      ...range,
      limit: PER_PAGE + 1,
      offset: page.offset,
    };
    const rows = listSessions(db, filter);
    if (rows.length === 0) return frame(200, `<p role="status" id="no-sessions">${text('staff.sessions.none', l)}</p>`);

    const now = screens.now();
    const mayDisconnect = can(session.staff.role, 'sessions.disconnect');
    const mayOpenCustomer = can(session.staff.role, 'customers.view');
    const head = ['user', 'router', 'ip', 'mac', 'started', 'duration', 'traffic', 'cause'].map((k) => escapeHtml(tx(k, l)));
    const row = (s: SessionView) => [
      s.customerId !== null && mayOpenCustomer ? `<a href="${prefix}/customers/${encodeURIComponent(s.username)}">${ltr(s.username)}</a>` : ltr(s.username),
      escapeHtml(s.nas),
      ltr(s.framedIp ?? ''),
      ltr(s.callingStationId ?? ''),
      ltr(formatTime(s.startedAt, screens.zone)),
      ltr(duration(s.stoppedAt === null ? Math.max(s.sessionTime, (now - s.startedAt) / 1000) : Math.max(s.sessionTime, (s.stoppedAt - s.startedAt) / 1000))),
      ltr(`${formatBytes(s.outputOctets)} / ${formatBytes(s.inputOctets)}`),
      s.stoppedAt === null
        ? `<strong>${text('staff.sessions.live', l)}</strong>${
            mayDisconnect
              ? ` <form method="post" action="${prefix}/sessions/${s.id}/disconnect" class="inline">${csrfField(session.csrfToken)}<button type="submit" class="small danger" aria-label="${escapeHtml(`${tx('disconnect', l)} ${s.username}`)}">${text('staff.sessions.disconnect', l)}</button></form>`
              : ''
          }`
        : escapeHtml(s.terminateCause ?? ''),
    ];
    const filters = { ...values, state: values.state === 'live' ? undefined : values.state };
    return frame(200, `${table('sessions', head, rows.slice(0, PER_PAGE).map(row))}${pager({ language: l, path: `${prefix}/sessions`, filters, paging: page, more: rows.length > PER_PAGE })}`);
  });

  app.post<{ Params: { id: string } }>('/sessions/:id/disconnect', { config: { staffAction: 'sessions.disconnect' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const live = /^\d{1,12}$/.test(request.params.id) ? findOpenSession(db, Number(request.params.id)) : undefined;
    if (!live) return screens.message(request, reply, 404, tx('gone', l));
    const at = screens.now();
    db.transaction((d) => {
      // As `lango sessions disconnect` does: the daemon's enforcement queue sends the Disconnect-Request.
      enqueueForSession(d as Db, live.id, 'disconnect', 'operator', null, at);
      recordAudit(d as Db, `staff:${session.staff.username}`, 'session.disconnect', live.customerId !== null ? `customer:${live.customerId}` : `session:${live.id}`, { username: live.username, session: live.id, nas: live.nas }, at);
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, session: live.id }, 'session disconnect queued');
    return reply.redirect(`${prefix}/sessions?done=disconnect&session=${live.id}`, 303);
  });
}

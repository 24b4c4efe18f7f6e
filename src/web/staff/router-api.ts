import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { findNas, type NasSummary } from '../../aaa/nas.js';
import type { Db } from '../../db/connection.js';
import { errorMessage, LangoError } from '../../errors.js';
import { t, type Language } from '../../i18n/index.js';
import {
  activeUsers,
  applySetup,
  BUCKET_MS,
  closeSessionsMissingFromRouter,
  failureText,
  findRouterApi,
  kickUser,
  listRouterApis,
  planSetup,
  removeRouterApi,
  routerHealth,
  routerInterfaces,
  routerTraffic,
  setRouterApi,
  setupCommands,
  setupTargetFor,
  SetupStepFailed,
  type RouterApiInput,
  type RouterApiState,
  type RouterApiSummary,
  type RouterLive,
  type SetupChange,
  type SetupPlan,
  type SetupTarget,
  withRouterSession,
} from '../../network/index.js';
import type { RouterOsSession } from '../../routeros/types.js';
import { getSetting } from '../../settings/index.js';
import { can, recordAudit, type StaffSession } from '../../staff/index.js';
import { staffAsset } from './assets.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { confirmBox, confirmed, csrfField, escapeHtml, flash, formatBytes, formatTime, ltr, numberLocale, one, table, text } from './ui.js';

// Issue 10's router screens: a router's RouterOS API access (the password sealed, never shown),
// "Set up this router" (the diff first, applied only when confirmed, and the same configuration
// as commands to paste), and the live view (state, interfaces, users on the router with a "Log
// off" each, a session sync, the last hour from the poller's memory and the last 24 hours as charts). Setup, kick and sync open a fresh
// API session of their own; the live picture is the daemon's poller's memory, so opening the
// page never waits on a router. Every failure is said in words (failureText), never a stack.
//
// The live part refreshes itself through web/staff/router-live.js fetching only that part (a
// few kilobytes) at the poll interval, rather than a <meta refresh> reloading the whole page:
// on a slow link the 24-hour charts and their tables are fetched once, not every 30 s, and a
// half-ticked "Log off" box or an open table is not thrown away under the user's finger.

const ID = /^\d{1,9}$/;
const DAY_MS = 86_400_000;
/** How long a notice waits for the page the POST redirects to. */
const NOTICE_MS = 5 * 60_000;
type ApiWord = RouterApiState | 'none';

/** The API column of the routers list: each router's API state in a word. */
export function routerApiStates(screens: StaffScreens, l: Language): (nasId: number) => string {
  const apis = new Map(listRouterApis(screens.db).map((a) => [a.nasId, a]));
  const live = screens.services.routerMonitor?.states();
  return (nasId) => {
    const api = apis.get(nasId);
    // Without the daemon's poller nothing watches the router from this process.
    const word: ApiWord = !api ? 'none' : !live ? 'off' : (live.get(nasId) ?? (api.monitor ? 'waiting' : 'off'));
    return `<span class="api-state api-${word}">${text(`staff.routerApi.states.${word}`, l)}</span>`;
  };
}

/** The "Router API" section of a router's page (routers.ts): access, what the router said about itself, its state, links. */
export function routerApiSection(screens: StaffScreens, request: FastifyRequest, nas: NasSummary): string {
  const { prefix } = screens;
  const session = screens.sessionOf(request);
  const l = screens.languageOf(request);
  const edit = can(session.staff.role, 'routers.edit');
  const base = `${prefix}/routers/${nas.id}`;
  const done = one((request.query as Record<string, unknown> | undefined)?.done);
  const notice = done === 'api-saved' ? t('staff.routerApi.form.saved', { name: nas.name }, l) : done === 'api-removed' ? t('staff.routerApi.form.removed', { name: nas.name }, l) : undefined;
  const heading = `<h2 id="router-api-title">${text('staff.routerApi.heading', l)}</h2>${flash({ notice })}`;
  const api = findRouterApi(screens.db, nas.id);
  if (!api) {
    const link = edit ? `<ul class="links"><li><a href="${base}/api">${text('staff.routerApi.links.setApi', l)}</a></li></ul>` : '';
    return `<section id="router-api" aria-labelledby="router-api-title">${heading}<p id="api-none">${text('staff.routerApi.section.none', l)}</p>${link}</section>`;
  }
  const monitor = screens.services.routerMonitor;
  const live = monitor?.live(nas.id);
  const row = (label: string, value: string, id?: string) => `<tr><th scope="row">${label}</th><td${id ? ` id="${id}"` : ''}>${value}</td></tr>`;
  const stored = (ms: number | null) => (ms === null ? text('staff.routerApi.section.never', l) : ltr(formatTime(ms, screens.zone)));
  const state = live ? stateWords(screens, live, api, l) : `${text('staff.routerApi.states.off', l)}<p class="hint">${text('staff.routerApi.section.notRunning', l)}</p>`;
  const lastError =
    api.lastErrorKind === null ? '—' : `${escapeHtml(failureText({ kind: api.lastErrorKind, detail: api.lastErrorDetail }, api, l))} (${stored(api.lastErrorAt)})`;
  const rows = [
    row(text('staff.routerApi.section.address', l), ltr(`${api.host}:${api.port}`)),
    row(text('staff.routerApi.section.tls', l), text(api.tls ? 'staff.routerApi.section.tlsYes' : 'staff.routerApi.section.tlsNo', l)),
    row(text('staff.routerApi.section.user', l), ltr(api.username)),
    row(text('staff.routerApi.section.site', l), escapeHtml(api.site ?? '—')),
    row(text('staff.routerApi.section.model', l), escapeHtml(api.model ?? '—')),
    row(text('staff.routerApi.section.version', l), ltr(api.routerosVersion ?? '—')),
    row(text('staff.routerApi.section.board', l), escapeHtml(api.boardName ?? '—')),
    row(text('staff.routerApi.section.monitor', l), text(api.monitor ? 'staff.routerApi.section.monitorYes' : 'staff.routerApi.section.monitorNo', l)),
    row(text('staff.routerApi.section.state', l), state, 'api-state'),
    row(text('staff.routerApi.section.lastContact', l), stored(api.lastContactAt)),
    row(text('staff.routerApi.section.lastError', l), lastError, 'api-last-error'),
  ];
  const links = [
    `<li><a href="${base}/live">${text('staff.routerApi.links.live', l)}</a></li>`,
    ...(edit ? [`<li><a href="${base}/setup">${text('staff.routerApi.links.setup', l)}</a></li>`, `<li><a href="${base}/api">${text('staff.routerApi.links.changeApi', l)}</a></li>`] : []),
  ];
  return `<section id="router-api" aria-labelledby="router-api-title">${heading}<div class="scroll"><table id="api-details"><tbody>${rows.join('')}</tbody></table></div><ul class="links">${links.join('')}</ul></section>`;
}

/** The state in a word, when it was read and what went wrong, as HTML. */
function stateWords(screens: StaffScreens, live: RouterLive, where: { host: string; port: number }, l: Language, withTime = true): string {
  const word = `<b class="api-state api-${live.state}">${text(`staff.routerApi.states.${live.state}`, l)}</b>`;
  const checked = live.checkedAt === null || !withTime ? '' : ` <span class="hint">(${escapeHtml(t('staff.routerApi.section.checked', { time: clock(live.checkedAt, screens.zone) }, l))})</span>`;
  const error = live.state === 'down' && live.error ? `<p class="error">${escapeHtml(failureText(live.error, where, l))}</p>` : '';
  return `${word}${checked}${error}`;
}

const clock = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat('HH:mm:ss');

export function registerRouterApiRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix, zone } = screens;
  const routerUrl = (id: number) => `${prefix}/routers/${id}`;
  const actor = (request: FastifyRequest) => `staff:${screens.sessionOf(request).staff.username}`;

  // A notice for the page a POST redirects to (Post/Redirect/Get), through a one-use token:
  // what setup changed or whom a kick removed does not fit a query string, nor belongs in one.
  const notices = new Map<string, { text: string; staffId: number; until: number }>();
  const keepNotice = (noticeText: string, staffId: number): string => {
    const now = screens.now();
    for (const [token, entry] of notices) if (entry.until < now) notices.delete(token);
    const token = randomBytes(12).toString('base64url');
    notices.set(token, { text: noticeText, staffId, until: now + NOTICE_MS });
    return token;
  };
  const takeNotice = (request: FastifyRequest): string | undefined => {
    const token = one((request.query as Record<string, unknown> | undefined)?.note);
    const entry = token ? notices.get(token) : undefined;
    if (!token || !entry || entry.staffId !== screens.sessionOf(request).staff.id) return undefined;
    notices.delete(token);
    return entry.until >= screens.now() ? entry.text : undefined;
  };

  const routerOr404 = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const nas = ID.test(request.params.id) ? findNas(db, Number(request.params.id)) : undefined;
    if (!nas) screens.message(request, reply, 404, t('staff.routers.unknown', {}, screens.languageOf(request)));
    return nas;
  };

  const page = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: string, head?: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title, body, current: '/routers', ...(head && { head }) }));
  };
  const back = (nas: NasSummary, l: Language) => `<ul class="links"><li><a href="${routerUrl(nas.id)}">${text('staff.routerApi.links.back', l)}</a></li></ul>`;

  /**
   * Runs `work` on a fresh API session to the router and closes it after. A failure comes back
   * in words for the page; a failure to reach the router (not a refused command) is stored on
   * the router, as a success clears it, so its page tells the truth without the poller.
   */
  async function withRouter<T>(request: FastifyRequest, nas: NasSummary, work: (session: RouterOsSession) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string; cause?: unknown }> {
    const l = screens.languageOf(request);
    const { box, connectRouter, routerApiTimeoutMs } = screens.services;
    if (!box || !connectRouter) return { ok: false, error: t('staff.routerApi.errors.noParts', {}, l) };
    const outcome = await withRouterSession({ db, box, connect: connectRouter, timeoutMs: routerApiTimeoutMs ?? 5_000, now: screens.now }, nas.id, work);
    if (outcome.ok) return outcome;
    if (outcome.noApi) return { ok: false, error: errorMessage('ROUTER_NO_API', l, { name: nas.name }) };
    request.log.warn({ nas: nas.id, kind: outcome.failure.kind, detail: outcome.failure.detail }, 'router API action failed');
    return { ok: false, error: failureText(outcome.failure, outcome.where, l), cause: outcome.error };
  }

  // The daemon polls at the interval it read at start; the page refreshes at that pace, not at
  // a setting changed since.
  const pollSecondsNow = () => {
    const ms = screens.services.routerMonitor?.pollMs;
    return ms ? Math.max(1, Math.round(ms / 1000)) : getSetting(db, 'routers.pollSeconds');
  };

  // ---------------------------------------------------------------- API access

  interface ApiForm {
    host: string;
    port: string;
    tls: boolean;
    username: string;
    site: string;
    model: string;
    monitor: boolean;
  }

  const formOf = (api: RouterApiSummary | undefined): ApiForm =>
    api
      ? { host: api.host, port: String(api.port), tls: api.tls, username: api.username, site: api.site ?? '', model: api.model ?? '', monitor: api.monitor }
      : { host: '', port: '', tls: false, username: '', site: '', model: '', monitor: true };

  const showApiForm = (request: FastifyRequest, reply: FastifyReply, nas: NasSummary, status: number, form: ApiForm, error?: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const api = findRouterApi(db, nas.id);
    const input = (id: string, label: string, value: string, extra = '') =>
      `<label for="${id}">${label}</label><input id="${id}" name="${id}" value="${escapeHtml(value)}" autocomplete="off" autocapitalize="none" spellcheck="false"${extra}>`;
    const check = (id: string, label: string, on: boolean) => `<label class="check"><input type="checkbox" id="${id}" name="${id}" value="yes"${on ? ' checked' : ''}> ${label}</label>`;
    const fields = `<form method="post" action="${routerUrl(nas.id)}/api">${csrfField(session.csrfToken)}
${input('host', text('staff.routerApi.form.host', l), form.host, ' required maxlength="253" class="ltr" placeholder="10.8.0.2"')}
${input('port', text('staff.routerApi.form.port', l), form.port, ' maxlength="5" inputmode="numeric" class="ltr" placeholder="8728"')}
${check('tls', text('staff.routerApi.form.tls', l), form.tls)}
<p class="hint" id="tls-hint">${text('staff.routerApi.form.tlsHint', l)}</p>
${input('username', text('staff.routerApi.form.username', l), form.username, ' required maxlength="64" class="ltr"')}
<label for="password">${text(api ? 'staff.routerApi.form.passwordKeep' : 'staff.routerApi.form.password', l)}</label><input id="password" name="password" type="password" maxlength="128" autocomplete="new-password" class="ltr"${api ? '' : ' required'} aria-describedby="password-hint">
<p class="hint" id="password-hint">${text('staff.routerApi.form.passwordHint', l)}</p>
${input('site', text('staff.routerApi.form.site', l), form.site, ' maxlength="64"')}
${input('model', text('staff.routerApi.form.model', l), form.model, ' maxlength="64"')}
${check('monitor', text('staff.routerApi.form.monitor', l), form.monitor)}
<button class="main" type="submit">${text('staff.routerApi.form.button', l)}</button></form>`;
    const remove = api
      ? `<h2>${text('staff.routerApi.form.removeHeading', l)}</h2><p class="hint">${text('staff.routerApi.form.removeExplain', l)}</p>
<form method="post" action="${routerUrl(nas.id)}/api/remove">${csrfField(session.csrfToken)}${confirmBox(l, t('staff.routerApi.form.removeWhat', {}, l))}
<button class="danger small" type="submit">${text('staff.routerApi.form.removeButton', l)}</button></form>`
      : '';
    const missing = screens.services.box ? undefined : t('staff.routerApi.form.noBox', {}, l);
    const body = `${flash({ error: error ?? missing })}${fields}${remove}${back(nas, l)}`;
    return page(request, reply, status, t('staff.routerApi.form.title', { name: nas.name }, l), body);
  };

  app.get<{ Params: { id: string } }>('/routers/:id/api', { config: { staffAction: 'routers.edit' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    return showApiForm(request, reply, nas, 200, formOf(findRouterApi(db, nas.id)));
  });

  app.post<{ Params: { id: string } }>('/routers/:id/api', { config: { staffAction: 'routers.edit' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const form: ApiForm = {
      host: (one(raw.host) ?? '').trim().slice(0, 300),
      port: (one(raw.port) ?? '').trim().slice(0, 10),
      tls: one(raw.tls) === 'yes',
      username: (one(raw.username) ?? '').trim().slice(0, 100),
      site: (one(raw.site) ?? '').trim().slice(0, 100),
      model: (one(raw.model) ?? '').trim().slice(0, 100),
      monitor: one(raw.monitor) === 'yes',
    };
    const password = (one(raw.password) ?? '').slice(0, 300);
    // The typed password is not written back into the page: say so when one was refused.
    const refuse = (message: string) => showApiForm(request, reply, nas, 400, form, `${message} ${t('staff.routerApi.errors.nothingChanged', {}, l)}${password ? ` ${t('staff.routerApi.form.retype', {}, l)}` : ''}`);
    const box = screens.services.box;
    if (!box) return showApiForm(request, reply, nas, 400, form, t('staff.routerApi.form.noBox', {}, l));
    if (form.port !== '' && !/^\d{1,5}$/.test(form.port)) return refuse(errorMessage('ROUTER_BAD_API_PORT', l));
    const input: RouterApiInput = {
      host: form.host,
      port: form.port === '' ? undefined : Number(form.port),
      tls: form.tls,
      username: form.username,
      password: password === '' ? undefined : password,
      site: form.site === '' ? null : form.site,
      model: form.model === '' ? null : form.model,
      monitor: form.monitor,
    };
    const shown = (s: RouterApiSummary | undefined) => s && { host: s.host, port: s.port, tls: s.tls, username: s.username, site: s.site, model: s.model, monitor: s.monitor };
    try {
      const at = screens.now();
      db.transaction((tx) => {
        const { before, after } = setRouterApi(tx as Db, box, nas.id, input, at);
        recordAudit(tx as Db, actor(request), 'router.api-set', `nas:${nas.id}`, { name: nas.name, before: shown(before) ?? null, after: shown(after), password: password === '' ? 'kept' : 'changed' }, at);
      }, { behavior: 'immediate' });
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return refuse(errorMessage(err.code, l, err.values));
    }
    request.log.info({ staff: screens.sessionOf(request).staff.username, nas: nas.id }, 'router API access set');
    // The poller picks the change up on its next round; asking now shows the state sooner. Not awaited: the router may be slow.
    screens.services.routerMonitor?.pollNow(nas.id).catch(() => undefined);
    return reply.redirect(`${routerUrl(nas.id)}?done=api-saved#router-api`, 303);
  });

  app.post<{ Params: { id: string } }>('/routers/:id/api/remove', { config: { staffAction: 'routers.edit' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const l = screens.languageOf(request);
    const api = findRouterApi(db, nas.id);
    if (!confirmed(request.body as Record<string, unknown> | undefined)) return showApiForm(request, reply, nas, 400, formOf(api), t('staff.routerApi.errors.confirm', {}, l));
    const at = screens.now();
    db.transaction((tx) => {
      if (removeRouterApi(tx as Db, nas.id)) recordAudit(tx as Db, actor(request), 'router.api-remove', `nas:${nas.id}`, { name: nas.name, host: api?.host ?? null }, at);
    }, { behavior: 'immediate' });
    request.log.info({ staff: screens.sessionOf(request).staff.username, nas: nas.id }, 'router API access removed');
    return reply.redirect(`${routerUrl(nas.id)}?done=api-removed#router-api`, 303);
  });

  // ---------------------------------------------------------------- set up this router

  type Target = { ok: true; target: SetupTarget } | { ok: false; html: string };

  /** What setup writes, or why it cannot be known (the RADIUS address not set, the page outside the daemon). */
  const targetFor = (request: FastifyRequest, nas: NasSummary): Target => {
    const l = screens.languageOf(request);
    const { box, setupFacts } = screens.services;
    if (!box || !setupFacts) return { ok: false, html: flash({ error: t('staff.routerApi.errors.noParts', {}, l) }) };
    try {
      return { ok: true, target: setupTargetFor(db, box, nas.id, setupFacts) };
    } catch (err) {
      if (!(err instanceof LangoError) || err.code !== 'ROUTER_NO_RADIUS_ADDRESS') throw err;
      const how = can(screens.sessionOf(request).staff.role, 'settings.manage')
        ? `<p><a href="${prefix}/settings#routers" id="radius-address-link">${text('staff.routerApi.setup.radiusSettings', l)}</a></p>`
        : `<p>${text('staff.routerApi.setup.radiusCli', l, { command: 'lango settings set --key routers.radiusAddress --value 10.8.0.1' })}</p>`;
      return { ok: false, html: `<div id="no-radius-address">${flash({ error: errorMessage(err.code, l, err.values) })}${how}</div>` };
    }
  };

  /** A change's item in the reader's language (the catalogue's words, not provisioning's English). */
  const itemText = (change: SetupChange, l: Language) => t(`staff.routerApi.items.${change.itemKey}`, change.itemValues, l);

  /**
   * What the staff member saw, in a hidden field: applying re-reads the router and applies only
   * when the plan is still this one, so a router changed in between (by hand, another tab) is
   * shown again rather than written over unseen. The secret is already masked in the plan.
   */
  const planHash = (plan: SetupPlan) =>
    createHash('sha256')
      .update(JSON.stringify(plan.changes.map((c) => [c.menu, c.action, c.id ?? null, c.item, c.before, c.after])))
      .digest('base64url');

  const diffTable = (plan: SetupPlan, l: Language) => {
    const empty = text('staff.routerApi.setup.empty', l);
    const value = (v: string | undefined) => (v === undefined || v === '' ? empty : ltr(v));
    const rows: string[][] = [];
    for (const change of plan.changes) {
      const keys = [...new Set([...Object.keys(change.after), ...Object.keys(change.before)])].filter((k) => change.action === 'add' || change.before[k] !== change.after[k]);
      keys.forEach((k, i) => rows.push([i === 0 ? `<b>${escapeHtml(itemText(change, l))}</b> ${ltr(change.menu)}` : '', ltr(k), value(change.before[k]), value(change.after[k])]));
    }
    const head = (['item', 'property', 'now', 'after'] as const).map((k) => text(`staff.routerApi.setup.cols.${k}`, l));
    return table('setup-diff', head, rows, t('staff.routerApi.setup.title', { name: '' }, l));
  };

  const showSetup = async (request: FastifyRequest, reply: FastifyReply, nas: NasSummary, status: number, extra: { notice?: string; error?: string; connect: boolean; plan?: SetupPlan }) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const title = t('staff.routerApi.setup.title', { name: nas.name }, l);
    if (!findRouterApi(db, nas.id)) return page(request, reply, 409, title, `${flash({ error: errorMessage('ROUTER_NO_API', l, { name: nas.name }) })}<ul class="links"><li><a href="${routerUrl(nas.id)}/api">${text('staff.routerApi.links.setApi', l)}</a></li></ul>${back(nas, l)}`);
    const found = targetFor(request, nas);
    if (!found.ok) return page(request, reply, 409, title, `${flash({ notice: extra.notice, error: extra.error })}${found.html}${back(nas, l)}`);
    let plan = '';
    let error = extra.error;
    let read = extra.plan;
    if (!read && extra.connect) {
      const result = await withRouter(request, nas, (s) => planSetup(s, found.target));
      if (!result.ok) error = result.error;
      else read = result.value;
    }
    if (read) {
      const unreadable = read.secretUnreadable ? `<p class="warn" id="setup-secret-unreadable">${text('staff.routerApi.setup.secretUnreadable', l)}</p>` : '';
      if (read.changes.length === 0) plan = `<p class="notice" id="setup-nothing" role="status">${text('staff.routerApi.setup.nothing', l)}</p>${unreadable}`;
      else {
        plan = `<p>${text('staff.routerApi.setup.intro', l)}</p>${unreadable}${diffTable(read, l)}
<form method="post" action="${routerUrl(nas.id)}/setup">${csrfField(session.csrfToken)}<input type="hidden" name="plan" value="${planHash(read)}">${confirmBox(l, t('staff.routerApi.setup.what', {}, l))}
<button class="main" type="submit">${text('staff.routerApi.setup.apply', l)}</button></form>`;
      }
    }
    const commands = `<h2>${text('staff.routerApi.setup.commands', l)}</h2><p class="hint">${text('staff.routerApi.setup.commandsHint', l)}</p><pre class="mono ltr scroll" id="setup-commands">${escapeHtml(setupCommands(found.target, { showSecret: false }))}</pre>`;
    return page(request, reply, status, title, `${flash({ notice: extra.notice, error })}${plan}${commands}${back(nas, l)}`);
  };

  app.get<{ Params: { id: string } }>('/routers/:id/setup', { config: { staffAction: 'routers.edit' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const notice = takeNotice(request);
    return showSetup(request, reply, nas, 200, { ...(notice && { notice }), connect: true });
  });

  app.post<{ Params: { id: string } }>('/routers/:id/setup', { config: { staffAction: 'routers.edit' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    if (!confirmed(request.body as Record<string, unknown> | undefined)) return showSetup(request, reply, nas, 400, { error: t('staff.routerApi.errors.confirm', {}, l), connect: true });
    if (!findRouterApi(db, nas.id)) return showSetup(request, reply, nas, 409, { connect: false });
    const found = targetFor(request, nas);
    if (!found.ok) return showSetup(request, reply, nas, 409, { connect: false });
    const shown = one((request.body as Record<string, unknown>).plan) ?? '';
    // Read again and apply in the same session, only if the router still shows what the staff member saw.
    const result = await withRouter(request, nas, async (s): Promise<{ stale: SetupPlan } | { applied: SetupChange[] }> => {
      const now = await planSetup(s, found.target);
      if (planHash(now) !== shown) return { stale: now };
      return applySetup(s, found.target);
    });
    const secret = found.target.secret;
    const masked = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === secret ? '••••' : v]));
    const audit = (applied: readonly SetupChange[], failed?: SetupChange) =>
      recordAudit(db, actor(request), 'router.setup', `nas:${nas.id}`, { name: nas.name, changes: applied.map((c) => ({ menu: c.menu, action: c.action, item: c.item, after: masked(c.after) })), ...(failed && { failed: failed.item }) }, screens.now());
    const appliedText = (applied: readonly SetupChange[]) => (applied.length === 0 ? t('staff.routerApi.setup.appliedNothing', {}, l) : t('staff.routerApi.setup.applied', { items: applied.map((c) => itemText(c, l)).join(l === 'ar' ? '، ' : ', ') }, l));
    if (!result.ok) {
      // A change the router refused part-way: what went before it is on the router now, and audited. Setup reads again first, so applying once more is safe.
      const partial = result.cause instanceof SetupStepFailed && result.cause.applied.length > 0 ? result.cause : undefined;
      if (partial) audit(partial.applied, partial.change);
      return showSetup(request, reply, nas, 502, { error: result.error, ...(partial && { notice: appliedText(partial.applied) }), connect: false });
    }
    if ('stale' in result.value) return showSetup(request, reply, nas, 409, { error: t('staff.routerApi.setup.changed', {}, l), plan: result.value.stale, connect: false });
    const applied = result.value.applied;
    audit(applied);
    request.log.info({ staff: session.staff.username, nas: nas.id, changes: applied.length }, 'router set up');
    const noticeText = appliedText(applied);
    return reply.redirect(`${routerUrl(nas.id)}/setup?note=${keepNotice(noticeText, session.staff.id)}`, 303);
  });

  // ---------------------------------------------------------------- live view

  const mbps = (bps: number, l: Language) => new Intl.NumberFormat(numberLocale(l), { minimumFractionDigits: bps < 10e6 ? 2 : 1, maximumFractionDigits: bps < 10e6 ? 2 : 1 }).format(bps / 1e6);

  /** The part of the live page the script reads again: state, health, interfaces, users. */
  const liveNow = (request: FastifyRequest, nas: NasSummary): string => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const open = (inner: string) => `<section id="live-now" data-src="${routerUrl(nas.id)}/live/now" data-every="${pollSecondsNow()}">${inner}</section>`;
    const monitor = screens.services.routerMonitor;
    if (!monitor) return open(`<p class="warn" id="live-none">${text('staff.routerApi.live.noMonitor', l)}</p>`);
    const live = monitor.live(nas.id);
    const api = findRouterApi(db, nas.id);
    if (!live || !api) {
      const link = can(session.staff.role, 'routers.edit') ? `<p><a href="${routerUrl(nas.id)}/api">${text('staff.routerApi.links.setApi', l)}</a></p>` : '';
      return open(`<p class="warn" id="live-none">${text('staff.routerApi.section.none', l)}</p>${link}`);
    }
    if (live.state === 'off') return open(`<p class="warn" id="live-none">${text('staff.routerApi.live.off', l)}</p>`);
    const count = (n: number) => new Intl.NumberFormat(numberLocale(l)).format(n);
    const row = (label: string, value: string, id: string) => `<tr><th scope="row">${label}</th><td id="${id}">${value}</td></tr>`;
    const r = live.resource;
    const uptime = (s: number) => t('staff.routerApi.live.uptimeValue', { days: Math.floor(s / 86_400), hours: Math.floor((s % 86_400) / 3_600), minutes: Math.floor((s % 3_600) / 60) }, l);
    const health = [
      row(text('staff.routerApi.live.state', l), stateWords(screens, live, api, l, false), 'live-state'),
      row(text('staff.routerApi.live.checked', l), live.checkedAt === null ? text('staff.routerApi.live.notRead', l) : ltr(clock(live.checkedAt, zone)), 'live-checked'),
      ...(r
        ? [
            row(text('staff.routerApi.live.cpu', l), ltr(`${count(r.cpuLoad)}%`), 'live-cpu'),
            row(text('staff.routerApi.live.memory', l), ltr(`${formatBytes(r.totalMemory - r.freeMemory)} / ${formatBytes(r.totalMemory)}`), 'live-memory'),
            row(text('staff.routerApi.live.uptime', l), escapeHtml(uptime(r.uptimeSeconds)), 'live-uptime'),
            row(text('staff.routerApi.live.version', l), ltr(r.version), 'live-version'),
            row(text('staff.routerApi.live.board', l), escapeHtml(r.boardName), 'live-board'),
          ]
        : []),
    ];
    const interfaces =
      live.interfaces.length === 0
        ? `<p>${text('staff.routerApi.live.interfacesNone', l)}</p>`
        : table(
            'live-interfaces',
            (['name', 'link', 'rx', 'tx'] as const).map((k) => text(`staff.routerApi.live.ifCols.${k}`, l)),
            live.interfaces.map((i) => [ltr(i.name), text(i.running ? 'staff.routerApi.live.linkUp' : 'staff.routerApi.live.linkDown', l), ltr(mbps(i.rxBps, l)), ltr(mbps(i.txBps, l))]),
            t('staff.routerApi.live.interfaces', {}, l),
          );
    const kick = can(session.staff.role, 'sessions.disconnect');
    const userHead = (['username', 'up', 'down', 'uptime', ...(kick ? (['action'] as const) : [])] as const).map((k) => text(`staff.routerApi.live.userCols.${k}`, l));
    const kickForm = (username: string, address: string | null) =>
      `<form method="post" action="${routerUrl(nas.id)}/kick" class="kick">${csrfField(session.csrfToken)}<input type="hidden" name="user" value="${escapeHtml(username)}">${address ? `<input type="hidden" name="address" value="${escapeHtml(address)}">` : ''}${confirmBox(l, t('staff.routerApi.live.kickWhat', { username }, l))}<button class="small danger" type="submit">${text('staff.routerApi.live.kick', l)}</button></form>`;
    const users =
      live.users.length === 0
        ? `<p id="live-users-none">${text('staff.routerApi.live.usersNone', l)}</p>`
        : table(
            'live-users',
            userHead,
            live.users.map((u) => [
              // Who first and the "Log off" last, few columns: a phone shows the row without scrolling far.
              `<b class="ltr user">${escapeHtml(u.username)}</b><br><small>${text(`staff.routerApi.live.services.${u.service}`, l)}${u.address ? ` · ${ltr(u.address)}` : ''}</small>`,
              ltr(mbps(u.upBps, l)),
              ltr(mbps(u.downBps, l)),
              u.uptime ? ltr(u.uptime) : '—',
              ...(kick ? [kickForm(u.username, u.address)] : []),
            ]),
            t('staff.routerApi.live.users', {}, l),
          );
    return open(
      `<div class="scroll"><table id="live-health"><tbody>${health.join('')}</tbody></table></div>` +
        `<h2>${text('staff.routerApi.live.interfaces', l)}</h2>${interfaces}<h2>${text('staff.routerApi.live.users', l)}</h2>${users}`,
    );
  };

  interface ChartData {
    id: string;
    kind: 'lines';
    labels: string[];
    series: Array<{ label: string; values: Array<number | null>; unit: 'count' }>;
  }

  /** The last 24 hours from the 5-minute buckets: charts drawn by dashboard.js (the dashboard's), tables that work without script. */
  const charts = (nas: NasSummary, l: Language, now: number, wanted: string | undefined): { body: string; data: ChartData[] } => {
    const from = now - DAY_MS;
    const names = routerInterfaces(db, nas.id, { from, to: now });
    const iface = wanted !== undefined && names.includes(wanted) ? wanted : undefined;
    const traffic = new Map(routerTraffic(db, nas.id, { from, to: now, iface }).map((p) => [p.bucket, p]));
    const healthPoints = new Map(routerHealth(db, nas.id, { from, to: now }).map((p) => [p.bucket, p]));
    const title = `<h2>${text('staff.routerApi.live.charts', l)}</h2>`;
    if (traffic.size === 0 && healthPoints.size === 0) return { body: `${title}<p id="charts-none">${text('staff.routerApi.live.chartNone', l)}</p>`, data: [] };
    const buckets: number[] = [];
    for (let b = Math.floor(now / BUCKET_MS) * BUCKET_MS; b > from; b -= BUCKET_MS) buckets.unshift(b);
    // The bucket being filled has run only since it began: its average is over that time.
    const seconds = (bucket: number) => Math.max(1, Math.min(BUCKET_MS, now - bucket)) / 1000;
    const avgMbps = (bytes: number, bucket: number) => Math.round(((bytes * 8) / seconds(bucket) / 1e6) * 1000) / 1000;
    const label = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat('HH:mm');
    const cell = (ms: number) => ltr(DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm'));
    const number = (n: number) => ltr(new Intl.NumberFormat(numberLocale(l), { maximumFractionDigits: 2 }).format(n));
    const labels = buckets.map(label);
    const rxs = buckets.map((b) => (traffic.has(b) ? avgMbps(traffic.get(b)!.rxBytes, b) : null));
    const txs = buckets.map((b) => (traffic.has(b) ? avgMbps(traffic.get(b)!.txBytes, b) : null));
    const newestFirst = [...buckets].reverse();
    const details = (id: string, head: string[], rows: string[][], caption: string) => `<details><summary>${text('staff.routerApi.live.chartTable', l)}</summary>${table(id, head, rows, caption)}</details>`;
    const section = (id: string, heading: string, inner: string) => `<section class="dashboard-chart" data-chart="${id}" aria-labelledby="${id}-title"><h3 id="${id}-title">${escapeHtml(heading)}</h3>${inner}</section>`;
    const inOut = [t('staff.routerApi.live.in', {}, l), t('staff.routerApi.live.out', {}, l)];
    const data: ChartData[] = [
      { id: 'router-traffic', kind: 'lines', labels, series: [{ label: inOut[0]!, values: rxs, unit: 'count' }, { label: inOut[1]!, values: txs, unit: 'count' }] },
      { id: 'router-cpu', kind: 'lines', labels, series: [{ label: t('staff.routerApi.live.cpuAvg', {}, l), values: buckets.map((b) => healthPoints.get(b)?.cpuAvg ?? null), unit: 'count' }] },
      {
        id: 'router-users',
        kind: 'lines',
        labels,
        series: [
          { label: t('staff.routerApi.live.hotspotUsers', {}, l), values: buckets.map((b) => healthPoints.get(b)?.hotspotUsersMax ?? null), unit: 'count' },
          { label: t('staff.routerApi.live.pppUsers', {}, l), values: buckets.map((b) => healthPoints.get(b)?.pppUsersMax ?? null), unit: 'count' },
        ],
      },
    ];
    const trafficTitle = t('staff.routerApi.live.traffic', {}, l);
    const cpuTitle = t('staff.routerApi.live.cpuChart', {}, l);
    const usersTitle = t('staff.routerApi.live.usersChart', {}, l);
    const time = text('staff.routerApi.live.time', l);
    const withTraffic = newestFirst.filter((b) => traffic.has(b));
    const withHealth = newestFirst.filter((b) => healthPoints.has(b));
    // Every interface added together counts a packet once per interface it crosses: the picker shows one link (the WAN) alone.
    const picker =
      names.length > 1
        ? `<form method="get" action="${routerUrl(nas.id)}/live" class="filters"><div><label for="iface">${text('staff.routerApi.live.iface', l)}</label><select id="iface" name="iface"><option value="">${text('staff.routerApi.live.ifaceAll', l)}</option>${names
            .map((n) => `<option value="${escapeHtml(n)}"${n === iface ? ' selected' : ''}>${escapeHtml(n)}</option>`)
            .join('')}</select></div><button type="submit">${text('staff.routerApi.live.ifaceShow', l)}</button></form>`
        : '';
    const body =
      title +
      section('router-traffic', trafficTitle, picker + details('traffic-table', [time, escapeHtml(inOut[0]!), escapeHtml(inOut[1]!)], withTraffic.map((b) => [cell(b), number(avgMbps(traffic.get(b)!.rxBytes, b)), number(avgMbps(traffic.get(b)!.txBytes, b))]), trafficTitle)) +
      section('router-cpu', cpuTitle, details('cpu-table', [time, text('staff.routerApi.live.cpuAvg', l), text('staff.routerApi.live.cpuMax', l)], withHealth.map((b) => [cell(b), number(healthPoints.get(b)!.cpuAvg), number(healthPoints.get(b)!.cpuMax)]), cpuTitle)) +
      section('router-users', usersTitle, details('users-table', [time, text('staff.routerApi.live.hotspotUsers', l), text('staff.routerApi.live.pppUsers', l)], withHealth.map((b) => [cell(b), number(healthPoints.get(b)!.hotspotUsersMax), number(healthPoints.get(b)!.pppUsersMax)]), usersTitle));
    return { body, data };
  };

  /**
   * The last hour from the poller's memory (one point per poll, nothing stored), for one
   * interface: the one picked for the 24-hour chart, else the router's first. Drawn once with
   * the page; the self-refreshing part stays the small #live-now.
   */
  const lastHour = (nas: NasSummary, l: Language, wanted: string | undefined): { body: string; data: ChartData[] } => {
    const live = screens.services.routerMonitor?.live(nas.id);
    if (!live) return { body: '', data: [] };
    const title = `<h2>${text('staff.routerApi.live.lastHour', l)}</h2>`;
    const names = [...new Set([...live.interfaces.map((i) => i.name), ...live.window.flatMap((p) => Object.keys(p.interfaces))])];
    const iface = wanted !== undefined && names.includes(wanted) ? wanted : names[0];
    const points = iface === undefined ? [] : live.window.filter((p) => p.interfaces[iface] !== undefined);
    if (iface === undefined || points.length === 0) return { body: `${title}<p id="last-hour-none">${text('staff.routerApi.live.lastHourNone', l)}</p>`, data: [] };
    const rate = (bps: number) => Math.round((bps / 1e6) * 1000) / 1000;
    const number = (n: number) => ltr(new Intl.NumberFormat(numberLocale(l), { maximumFractionDigits: 3 }).format(n));
    const inOut = [t('staff.routerApi.live.in', {}, l), t('staff.routerApi.live.out', {}, l)] as const;
    const heading = t('staff.routerApi.live.lastHourChart', { iface }, l);
    const data: ChartData[] = [
      {
        id: 'router-last-hour',
        kind: 'lines',
        labels: points.map((p) => clock(p.at, zone)),
        series: [
          { label: inOut[0], values: points.map((p) => rate(p.interfaces[iface]![0])), unit: 'count' },
          { label: inOut[1], values: points.map((p) => rate(p.interfaces[iface]![1])), unit: 'count' },
        ],
      },
    ];
    const rows = [...points].reverse().map((p) => [ltr(clock(p.at, zone)), number(rate(p.interfaces[iface]![0])), number(rate(p.interfaces[iface]![1]))]);
    const body =
      title +
      `<section class="dashboard-chart" data-chart="router-last-hour" aria-labelledby="router-last-hour-title"><h3 id="router-last-hour-title">${escapeHtml(heading)}</h3>` +
      `<details><summary>${text('staff.routerApi.live.chartTable', l)}</summary>${table('last-hour-table', [text('staff.routerApi.live.time', l), escapeHtml(inOut[0]), escapeHtml(inOut[1])], rows, heading)}</details></section>`;
    return { body, data };
  };

  const showLive = (request: FastifyRequest, reply: FastifyReply, nas: NasSummary, status: number, extra: { notice?: string | undefined; error?: string | undefined; iface?: string | undefined } = {}) => {
    const session: StaffSession = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const base = `${routerUrl(nas.id)}/live`;
    const watched = screens.services.routerMonitor !== undefined && findRouterApi(db, nas.id) !== undefined;
    const refresh = watched
      ? `<form method="get" action="${base}" class="filters"><input type="hidden" name="refresh" value="1"><button type="submit">${text('staff.routerApi.live.refresh', l)}</button></form>` +
        `<p class="hint">${text('staff.routerApi.live.selfRefresh', l, { seconds: pollSecondsNow() })}</p>`
      : '';
    const sync = can(session.staff.role, 'sessions.disconnect') && findRouterApi(db, nas.id)
      ? `<h2>${text('staff.routerApi.live.syncHeading', l)}</h2><p class="hint">${text('staff.routerApi.live.syncExplain', l)}</p><form method="post" action="${routerUrl(nas.id)}/sync">${csrfField(session.csrfToken)}<button class="small" type="submit">${text('staff.routerApi.live.syncButton', l)}</button></form>`
      : '';
    const hour = lastHour(nas, l, extra.iface);
    const day = charts(nas, l, screens.now(), extra.iface);
    const chartBody = hour.body + day.body;
    const data = [...hour.data, ...day.data];
    // Data, not code: the CSP's script-src does not apply to a JSON block the browser never runs.
    const json = data.length ? `<script type="application/json" id="chart-data">${JSON.stringify({ lang: l, charts: data }).replace(/</g, '\\u003c')}</script>` : '';
    const head =
      (data.length ? `<link rel="stylesheet" href="${staffAsset(prefix, 'uPlot.min.css')}"><script src="${staffAsset(prefix, 'uPlot.iife.min.js')}" defer></script><script src="${staffAsset(prefix, 'dashboard.js')}" defer></script>` : '') +
      (watched ? `<script src="${staffAsset(prefix, 'router-live.js')}" defer></script>` : '');
    const body = `${flash({ notice: extra.notice, error: extra.error })}${refresh}${liveNow(request, nas)}${sync}${chartBody}${json}${back(nas, l)}`;
    return page(request, reply, status, t('staff.routerApi.live.title', { name: nas.name }, l), body, head);
  };

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/routers/:id/live', { config: { staffAction: 'routers.view' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const monitor = screens.services.routerMonitor;
    if (one(request.query.refresh) === '1' && monitor) {
      // A failed poll is part of the picture (state down, the error in words), not a page error.
      await monitor.pollNow(nas.id).catch((err: unknown) => request.log.warn({ nas: nas.id, err: (err as Error).message }, 'router poll on request failed'));
      return reply.redirect(`${routerUrl(nas.id)}/live`, 303);
    }
    return showLive(request, reply, nas, 200, { notice: takeNotice(request), iface: one(request.query.iface)?.slice(0, 64) });
  });

  app.get<{ Params: { id: string } }>('/routers/:id/live/now', { config: { staffAction: 'routers.view' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    return screens.html(reply, 200, liveNow(request, nas));
  });

  app.post<{ Params: { id: string } }>('/routers/:id/kick', { config: { staffAction: 'sessions.disconnect' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const username = (one(raw.user) ?? '').slice(0, 253);
    const address = (one(raw.address) ?? '').trim().slice(0, 64) || null;
    if (username === '') return showLive(request, reply, nas, 400, { error: t('staff.routerApi.errors.noUser', {}, l) });
    if (!confirmed(raw)) return showLive(request, reply, nas, 400, { error: t('staff.routerApi.errors.confirm', {}, l) });
    const result = await withRouter(request, nas, (s) => kickUser(s, { username, address }));
    if (!result.ok) return showLive(request, reply, nas, 502, { error: result.error });
    const { removed } = result.value;
    recordAudit(db, actor(request), 'router.kick', `nas:${nas.id}`, { name: nas.name, username, address, removed }, screens.now());
    request.log.info({ staff: session.staff.username, nas: nas.id, removed }, 'user logged off through the router API');
    // The next picture without the user, rather than the one from before the kick.
    await screens.services.routerMonitor?.pollNow(nas.id).catch(() => undefined);
    const noticeText = t(removed > 0 ? 'staff.routerApi.live.kicked' : 'staff.routerApi.live.kickedNone', { username }, l);
    return reply.redirect(`${routerUrl(nas.id)}/live?note=${keepNotice(noticeText, session.staff.id)}`, 303);
  });

  app.post<{ Params: { id: string } }>('/routers/:id/sync', { config: { staffAction: 'sessions.disconnect' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const result = await withRouter(request, nas, async (s) => {
      // Taken before asking, so a session that starts while the list travels is never closed.
      const listedAt = screens.now();
      return { present: await activeUsers(s), listedAt };
    });
    if (!result.ok) return showLive(request, reply, nas, 502, { error: result.error });
    const { present, listedAt } = result.value;
    const outcome = db.transaction((tx) => {
      const closed = closeSessionsMissingFromRouter(tx as Db, nas.id, present, listedAt);
      recordAudit(tx as Db, actor(request), 'router.sync', `nas:${nas.id}`, { name: nas.name, listed: present.length, closed: closed.closed, stillOpen: closed.stillOpen }, screens.now());
      return closed;
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, nas: nas.id, closed: outcome.closed }, 'sessions synced with the router');
    const count = (n: number) => new Intl.NumberFormat(numberLocale(l)).format(n);
    const noticeText = t('staff.routerApi.live.synced', { listed: count(present.length), closed: count(outcome.closed), open: count(outcome.stillOpen) }, l);
    return reply.redirect(`${routerUrl(nas.id)}/live?note=${keepNotice(noticeText, session.staff.id)}`, 303);
  });
}

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { routerState } from '../../aaa/nas-activity.js';
import { addNas, editNas, findNas, generateNasSecret, listNasPage, messageAuthenticatorPolicies, rotateNasSecret, type NasSummary } from '../../aaa/nas.js';
import type { Db } from '../../db/connection.js';
import type { MessageAuthenticatorPolicy } from '../../db/schema/aaa.js';
import { errorMessage, LangoError } from '../../errors.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { can, recordAudit } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { routerApiSection, routerApiStates } from './router-api.js';
import { confirmBox, confirmed, csrfField, escapeHtml, flash, formatTime, ltr, one, pager, paging, table, text } from './ui.js';

// Issue 7's router (NAS) screens: the list with each router's Message-Authenticator rule and
// when it last sent a packet (in memory, since the daemon started), adding a router with a
// strong random secret shown once, renaming it, changing its rule and making a new secret.
// The RADIUS server's directory notices every change by itself (the routers' change counter),
// as it does for `lango nas add`, so nothing needs a restart. Secrets never reach the audit
// log or the logs.

const ID = /^\d{1,9}$/;
/** How long a secret waits to be shown on the page the add or rotate redirects to. */
const SHOW_ONCE_MS = 5 * 60_000;

interface Pending {
  secret: string;
  nasId: number;
  staffId: number;
  until: number;
}

export function registerRouterRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const routerUrl = (id: number) => `${prefix}/routers/${id}`;
  const actor = (request: FastifyRequest) => `staff:${screens.sessionOf(request).staff.username}`;

  // A new secret is handed to the page after the redirect (Post/Redirect/Get) through a one-use
  // token: the first view shows it and forgets it, so a reload or the back button never does.
  const pending = new Map<string, Pending>();
  const keepForOnce = (secret: string, nasId: number, staffId: number): string => {
    const now = screens.now();
    for (const [token, entry] of pending) if (entry.until < now) pending.delete(token);
    const token = randomBytes(18).toString('base64url');
    pending.set(token, { secret, nasId, staffId, until: now + SHOW_ONCE_MS });
    return token;
  };
  const takeOnce = (token: string | undefined, nasId: number, staffId: number): string | undefined => {
    if (!token) return undefined;
    const entry = pending.get(token);
    if (!entry || entry.nasId !== nasId || entry.staffId !== staffId) return undefined;
    pending.delete(token);
    return entry.until >= screens.now() ? entry.secret : undefined;
  };

  /** The rule in words; `short` for the list, where a phone has little room. */
  const maText = (n: NasSummary, l: Language, short = false) => {
    if (n.requireMessageAuthenticator !== 'auto') return t(`staff.routers.ma.${n.requireMessageAuthenticator}`, {}, l);
    const seen = n.messageAuthenticatorSeenAt !== null;
    return t(short ? (seen ? 'staff.routers.ma.autoSeenShort' : 'staff.routers.ma.autoNotSeenShort') : seen ? 'staff.routers.ma.autoSeen' : 'staff.routers.ma.autoNotSeen', {}, l);
  };

  const activity = (n: NasSummary, l: Language, now: number): { seen: string; state: string } => {
    const read = screens.services.lastPacketAt;
    if (!read) return { seen: text('staff.routers.noTracker', l), state: text('staff.routers.states.unknown', l) };
    const at = read().get(n.id);
    const state = text(`staff.routers.states.${routerState(at, now)}`, l);
    if (at === undefined) return { seen: text('staff.routers.never', l), state };
    const relative = DateTime.fromMillis(at).setLocale(l === 'ar' ? 'ar' : 'en').toRelative({ base: DateTime.fromMillis(Math.max(now, at)) }) ?? '';
    return { seen: escapeHtml(t('staff.routers.lastPacket', { relative, time: formatTime(at, screens.zone) }, l)), state };
  };

  app.get<{ Querystring: Record<string, unknown> }>('/routers', { config: { staffAction: 'routers.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = (one(request.query.q) ?? '').trim().slice(0, 64);
    const page = paging(request.query, 50);
    const found = listNasPage(db, { query: q, offset: page.offset, limit: page.perPage + 1 });
    const shown = found.slice(0, page.perPage);
    const now = screens.now();
    const head = [...(['name', 'ip', 'ma', 'lastPacket', 'state'] as const).map((k) => text(`staff.routers.cols.${k}`, l)), text('staff.routerApi.column', l)];
    const apiState = routerApiStates(screens, l);
    const rows = shown.map((n) => {
      const seen = activity(n, l, now);
      return [`<a href="${routerUrl(n.id)}">${escapeHtml(n.name)}</a>`, ltr(n.ip), escapeHtml(maText(n, l, true)), seen.seen, `<span class="state">${seen.state}</span>`, apiState(n.id)];
    });
    const filters = `<form method="get" action="${prefix}/routers" class="filters" role="search">
<label for="q">${text('staff.routers.filters.query', l)}</label><input id="q" name="q" type="search" maxlength="64" autocomplete="off" autocapitalize="none" spellcheck="false" value="${escapeHtml(q)}">
<button type="submit">${text('staff.routers.filters.button', l)}</button></form>`;
    const add = can(session.staff.role, 'routers.edit') ? `<p><a href="${prefix}/routers/new">${text('staff.routers.add', l)}</a></p>` : '';
    const list = shown.length === 0 ? `<p role="status">${text('staff.routers.none', l)}</p>` : table('routers', head, rows);
    const body = `${add}${filters}${list}<p class="hint">${text('staff.routers.stateHint', l)}</p><p class="hint">${text('staff.routerApi.stateHint', l)}</p>${pager({ language: l, path: `${prefix}/routers`, filters: { q }, paging: page, more: found.length > page.perPage })}`;
    return screens.html(reply, 200, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.routers.heading', {}, l), body, current: '/routers' }));
  });

  interface AddForm {
    name: string;
    ip: string;
    mode: string;
    secret: string;
    ma: string;
  }

  const maRadios = (l: Language, chosen: string) =>
    `<fieldset><legend>${text('staff.routers.form.ma', l)}</legend>${(['auto', 'yes', 'no'] as const)
      .map((m) => `<label><input type="radio" name="ma" value="${m}"${chosen === m ? ' checked' : ''}> ${text(`staff.routers.form.ma${m === 'auto' ? 'Auto' : m === 'yes' ? 'Yes' : 'No'}`, l)}</label>`)
      .join('')}</fieldset>`;

  const showAdd = (request: FastifyRequest, reply: FastifyReply, status: number, form: AddForm, error?: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const body = `${flash({ error: error ?? (screens.services.box ? undefined : t('staff.routers.errors.noBox', {}, l)) })}<form method="post" action="${prefix}/routers/new">${csrfField(session.csrfToken)}
<label for="name">${text('staff.routers.form.name', l)}</label><input id="name" name="name" required maxlength="64" autocomplete="off" value="${escapeHtml(form.name)}">
<label for="ip">${text('staff.routers.form.ip', l)}</label><input id="ip" name="ip" required maxlength="45" class="ltr" inputmode="decimal" autocomplete="off" autocapitalize="none" spellcheck="false" placeholder="192.168.88.1" value="${escapeHtml(form.ip)}">
<fieldset><legend>${text('staff.routers.form.secret', l)}</legend>
<label><input type="radio" name="mode" value="generate"${form.mode !== 'typed' ? ' checked' : ''}> ${text('staff.routers.form.generate', l)}</label>
<label><input type="radio" name="mode" value="typed"${form.mode === 'typed' ? ' checked' : ''}> ${text('staff.routers.form.typed', l)}</label>
<label for="secret">${text('staff.routers.form.typedSecret', l)}</label><input id="secret" name="secret" maxlength="128" class="ltr" autocomplete="off" autocapitalize="none" spellcheck="false" value="">
</fieldset>
${maRadios(l, form.ma)}
<button class="main" type="submit">${text('staff.routers.form.button', l)}</button></form>
<ul class="links"><li><a href="${prefix}/routers">${text('staff.routers.form.cancel', l)}</a></li></ul>`;
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.routers.addHeading', {}, l), body, current: '/routers' }));
  };

  const refusal = (err: LangoError, l: Language) => {
    const keys: Partial<Record<string, string>> = {
      INPUT_BAD_NAME: 'name',
      INPUT_BAD_IP: 'ip',
      INPUT_BAD_SECRET: 'secret',
      INPUT_DUPLICATE_NAS_NAME: 'duplicateName',
      INPUT_DUPLICATE_NAS_IP: 'duplicateIp',
      INPUT_BAD_CHOICE: 'choice',
    };
    const key = keys[err.code];
    const message = key ? t(`staff.routers.errors.${key}` as MessageKey, err.values, l) : errorMessage(err.code, l, err.values);
    return `${message} ${t('staff.routers.errors.nothingChanged', {}, l)}`;
  };

  const isPolicy = (value: string): value is MessageAuthenticatorPolicy => (messageAuthenticatorPolicies as readonly string[]).includes(value);

  app.get('/routers/new', { config: { staffAction: 'routers.edit' } }, async (request, reply) => showAdd(request, reply, 200, { name: '', ip: '', mode: 'generate', secret: '', ma: 'auto' }));

  app.post('/routers/new', { config: { staffAction: 'routers.edit' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const form: AddForm = {
      name: (one(raw.name) ?? '').trim().slice(0, 100),
      ip: (one(raw.ip) ?? '').trim().slice(0, 64),
      mode: one(raw.mode) === 'typed' ? 'typed' : 'generate',
      secret: (one(raw.secret) ?? '').slice(0, 200),
      ma: one(raw.ma) ?? 'auto',
    };
    const box = screens.services.box;
    if (!box) return showAdd(request, reply, 400, form, t('staff.routers.errors.noBox', {}, l));
    if (!isPolicy(form.ma)) return showAdd(request, reply, 400, form, `${t('staff.routers.errors.choice', {}, l)} ${t('staff.routers.errors.nothingChanged', {}, l)}`);
    const secret = form.mode === 'typed' ? form.secret : generateNasSecret();
    const policy = form.ma;
    try {
      const at = screens.now();
      const added = db.transaction((tx) => {
        const nas = addNas(tx as Db, box, { name: form.name, ip: form.ip, secret, requireMessageAuthenticator: policy });
        recordAudit(tx as Db, actor(request), 'router.add', `nas:${nas.id}`, { name: nas.name, ip: nas.ip, requireMessageAuthenticator: nas.requireMessageAuthenticator, secret: form.mode === 'typed' ? 'typed' : 'generated' }, at);
        return nas;
      }, { behavior: 'immediate' });
      request.log.info({ staff: session.staff.username, nas: added.name }, 'router added');
      const token = keepForOnce(secret, added.id, session.staff.id);
      return reply.redirect(`${routerUrl(added.id)}?done=added&show=${token}`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return showAdd(request, reply, 400, form, refusal(err, l));
    }
  });

  const routerOr404 = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const nas = ID.test(request.params.id) ? findNas(db, Number(request.params.id)) : undefined;
    if (!nas) screens.message(request, reply, 404, t('staff.routers.unknown', {}, screens.languageOf(request)));
    return nas;
  };

  const showRouter = (request: FastifyRequest, reply: FastifyReply, nas: NasSummary, status: number, extra: { notice?: string; error?: string; secret?: string; name?: string; ma?: string } = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const now = screens.now();
    const seen = activity(nas, l, now);
    const row = (label: string, value: string) => `<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
    const details = `<h2>${text('staff.routers.details', l)}</h2><div class="scroll"><table id="details"><tbody>${[
      row(text('staff.routers.cols.name', l), escapeHtml(nas.name)),
      row(text('staff.routers.cols.ip', l), ltr(nas.ip)),
      row(text('staff.routers.cols.ma', l), escapeHtml(maText(nas, l))),
      row(text('staff.routers.cols.lastPacket', l), `<span id="last-packet">${seen.seen}</span>`),
      row(text('staff.routers.cols.state', l), `<span id="state">${seen.state}</span>`),
      row(text('staff.routers.created', l), ltr(formatTime(nas.createdAt, screens.zone))),
    ].join('')}</tbody></table></div>`;
    const secret = extra.secret
      ? `<section id="new-secret"><p class="warn" role="status">${text('staff.routers.secretOnce', l)}</p>
<p><strong>${text('staff.routers.secretLabel', l)}:</strong> <code class="mono ltr" id="secret">${escapeHtml(extra.secret)}</code></p>
<p>${text('staff.routers.routerCommand', l)}</p><pre class="mono ltr">${escapeHtml(`/radius add service=hotspot,ppp,login address=${t('staff.routers.serverAddress', {}, 'en')} secret="${extra.secret}"`)}</pre></section>`
      : '';
    let forms = '';
    if (can(session.staff.role, 'routers.edit')) {
      const name = extra.name ?? nas.name;
      const ma = extra.ma ?? nas.requireMessageAuthenticator;
      forms = `<h2>${text('staff.routers.edit.heading', l)}</h2><form method="post" action="${routerUrl(nas.id)}/edit">${csrfField(session.csrfToken)}
<label for="name">${text('staff.routers.form.name', l)}</label><input id="name" name="name" required maxlength="64" autocomplete="off" value="${escapeHtml(name)}">
${maRadios(l, ma)}
<button class="main" type="submit">${text('staff.routers.edit.button', l)}</button></form>
<h2>${text('staff.routers.rotate.heading', l)}</h2><p class="hint">${secret ? '' : `${text('staff.routers.secretGone', l)} `}${text('staff.routers.rotate.explain', l)}</p>
<form method="post" action="${routerUrl(nas.id)}/secret">${csrfField(session.csrfToken)}${confirmBox(l, t('staff.routers.rotate.what', {}, l))}
<button class="danger" type="submit">${text('staff.routers.rotate.button', l)}</button></form>`;
    }
    const body = `${flash({ notice: extra.notice, error: extra.error })}${secret}${details}${routerApiSection(screens, request, nas)}${forms}<ul class="links"><li><a href="${prefix}/routers">${text('staff.routers.heading', l)}</a></li></ul>`;
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: nas.name, body, current: '/routers' }));
  };

  app.get<{ Params: { id: string }; Querystring: { done?: string; show?: string } }>('/routers/:id', { config: { staffAction: 'routers.view' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const done = one(request.query.done);
    const notice =
      done === 'added' ? t('staff.routers.added', { name: nas.name }, l)
      : done === 'saved' ? t('staff.routers.saved', { name: nas.name }, l)
      : done === 'rotated' ? t('staff.routers.rotated', { name: nas.name }, l)
      : undefined;
    const secret = takeOnce(one(request.query.show), nas.id, session.staff.id);
    return showRouter(request, reply, nas, 200, { ...(notice && { notice }), ...(secret && { secret }) });
  });

  app.post<{ Params: { id: string } }>('/routers/:id/edit', { config: { staffAction: 'routers.edit' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const name = (one(raw.name) ?? '').trim().slice(0, 100);
    const ma = one(raw.ma) ?? '';
    const refuse = (error: string) => showRouter(request, reply, nas, 400, { error, name, ma });
    if (!isPolicy(ma)) return refuse(`${t('staff.routers.errors.choice', {}, l)} ${t('staff.routers.errors.nothingChanged', {}, l)}`);
    try {
      const at = screens.now();
      db.transaction((tx) => {
        const changed = editNas(tx as Db, nas.id, { name, requireMessageAuthenticator: ma });
        if (!changed) return;
        const before = { name: changed.before.name, requireMessageAuthenticator: changed.before.requireMessageAuthenticator };
        const after = { name: changed.after.name, requireMessageAuthenticator: changed.after.requireMessageAuthenticator };
        if (JSON.stringify(before) !== JSON.stringify(after)) recordAudit(tx as Db, actor(request), 'router.edit', `nas:${nas.id}`, { before, after }, at);
      }, { behavior: 'immediate' });
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return refuse(refusal(err, l));
    }
    request.log.info({ staff: screens.sessionOf(request).staff.username, nas: nas.id }, 'router changed');
    return reply.redirect(`${routerUrl(nas.id)}?done=saved`, 303);
  });

  app.post<{ Params: { id: string } }>('/routers/:id/secret', { config: { staffAction: 'routers.edit' } }, async (request, reply) => {
    const nas = routerOr404(request, reply);
    if (!nas) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const box = screens.services.box;
    if (!box) return showRouter(request, reply, nas, 400, { error: t('staff.routers.errors.noBox', {}, l) });
    if (!confirmed(request.body as Record<string, unknown> | undefined)) return showRouter(request, reply, nas, 400, { error: t('staff.routers.errors.confirm', {}, l) });
    const secret = generateNasSecret();
    const at = screens.now();
    db.transaction((tx) => {
      rotateNasSecret(tx as Db, box, nas.id, secret);
      recordAudit(tx as Db, actor(request), 'router.rotate-secret', `nas:${nas.id}`, { name: nas.name }, at);
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, nas: nas.id }, 'router secret replaced');
    const token = keepForOnce(secret, nas.id, session.staff.id);
    return reply.redirect(`${routerUrl(nas.id)}?done=rotated&show=${token}`, 303);
  });
}

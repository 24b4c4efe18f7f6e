import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createApiToken, findApiToken, listApiTokens, MAX_EXPIRY_DAYS, revokeApiToken, tokenState, type ApiTokenSummary } from '../../integrations/api-tokens.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { isRole, roles } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { confirmBox, confirmed, csrfField, escapeHtml, flash, formatTime, ltr, one, table, text } from './ui.js';

// API tokens for other systems: /integrations (links to webhooks). A new token is shown once,
// after the redirect, through a one-use key held in memory for a few minutes (as webhook
// secrets are); the table keeps only its hash. Create and revoke are audited by the domain.

const ID = /^\d{1,9}$/;
const SHOW_ONCE_MS = 5 * 60_000;

interface CreateForm {
  name: string;
  role: string;
  days: string;
}

export function registerApiTokenRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const base = `${prefix}/integrations`;
  const actor = (request: FastifyRequest) => `staff:${screens.sessionOf(request).staff.username}`;

  const pending = new Map<string, { token: string; name: string; staffId: number; until: number }>();
  const keepForOnce = (token: string, name: string, staffId: number): string => {
    const now = screens.now();
    for (const [key, entry] of pending) if (entry.until < now) pending.delete(key);
    const key = randomBytes(18).toString('base64url');
    pending.set(key, { token, name, staffId, until: now + SHOW_ONCE_MS });
    return key;
  };
  const takeOnce = (key: string | undefined, staffId: number) => {
    const entry = key === undefined ? undefined : pending.get(key);
    if (!entry || entry.staffId !== staffId) return undefined;
    pending.delete(key!);
    return entry.until >= screens.now() ? entry : undefined;
  };

  const row = (token: ApiTokenSummary, l: Language, csrf: string, now: number) => {
    const state = tokenState(token, now);
    const revoke =
      state === 'revoked'
        ? ''
        : `<form method="post" action="${base}/tokens/${token.id}/revoke">${csrfField(csrf)}${confirmBox(l, t('staff.api.revokeWhat', { name: token.name }, l))}<button type="submit" class="danger">${text('staff.api.revoke', l)}</button></form>`;
    return [
      escapeHtml(token.name),
      text(`staff.roles.${token.role}`, l),
      ltr(`…${token.hint}`),
      formatTime(token.createdAt, screens.zone),
      token.lastUsedAt === null ? text('staff.api.never', l) : formatTime(token.lastUsedAt, screens.zone),
      token.expiresAt === null ? text('staff.api.noExpiry', l) : formatTime(token.expiresAt, screens.zone),
      `<span class="state">${text(`staff.api.states.${state}`, l)}</span>`,
      revoke,
    ];
  };

  const show = (request: FastifyRequest, reply: FastifyReply, status: number, extra: { notice?: string | undefined; error?: string | undefined; shown?: { token: string; name: string } | undefined; form?: CreateForm } = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const csrf = session.csrfToken;
    const form = extra.form ?? { name: '', role: 'billing_manager', days: '' };
    const now = screens.now();
    const tokens = listApiTokens(db);
    const shown = extra.shown
      ? `<section class="secret" aria-labelledby="token-heading"><h2 id="token-heading">${text('staff.api.tokenHeading', l, { name: extra.shown.name })}</h2><p><code class="ltr" id="token">${escapeHtml(extra.shown.token)}</code></p><p>${text('staff.api.tokenText', l)}</p></section>`
      : '';
    const head = (['name', 'role', 'hint', 'created', 'lastUsed', 'expires', 'state', 'actions'] as const).map((k) => text(`staff.api.${k}`, l));
    const list = tokens.length === 0 ? `<p role="status">${text('staff.api.empty', l)}</p>` : table('api-tokens', head, tokens.map((token) => row(token, l, csrf, now)));
    const roleOptions = roles.map((role) => `<option value="${role}"${form.role === role ? ' selected' : ''}>${text(`staff.roles.${role}`, l)}</option>`).join('');
    const create = `<h2>${text('staff.api.createHeading', l)}</h2><form method="post" action="${base}/tokens">${csrfField(csrf)}
<label for="name">${text('staff.api.name', l)}</label><input id="name" name="name" required maxlength="64" autocomplete="off" value="${escapeHtml(form.name)}">
<label for="role">${text('staff.api.role', l)}</label><select id="role" name="role">${roleOptions}</select>
<label for="days">${text('staff.api.expiresDays', l)}</label><input id="days" name="days" inputmode="numeric" pattern="[0-9]*" maxlength="4" class="ltr" value="${escapeHtml(form.days)}">
<button class="main" type="submit">${text('staff.api.create', l)}</button></form>`;
    const docs = `${prefix.replace(/\/staff$/, '')}/api/v1/openapi.json`;
    const body = `${flash({ notice: extra.notice, error: extra.error })}${shown}<p>${text('staff.api.intro', l, { docs })}</p>
${list}${create}
<ul class="links"><li><a href="${base}/webhooks">${text('staff.api.webhooks', l)}</a></li></ul>`;
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.api.heading', {}, l), body, current: '/integrations' }));
  };

  const refused = (request: FastifyRequest, reply: FastifyReply, status: number, key: MessageKey, form?: CreateForm) => {
    const l = screens.languageOf(request);
    return show(request, reply, status, { error: `${t(key, {}, l)} ${t('staff.api.nothingChanged', {}, l)}`, ...(form && { form }) });
  };

  app.get<{ Querystring: Record<string, unknown> }>('/integrations', { config: { staffAction: 'integrations.manage' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const shown = takeOnce(one(request.query.show), session.staff.id);
    const revoked = one(request.query.revoked);
    const revokedToken = revoked !== undefined && ID.test(revoked) ? findApiToken(db, Number(revoked)) : undefined;
    const notice = shown ? t('staff.api.createdNotice', { name: shown.name }, l) : revokedToken ? t('staff.api.revokedNotice', { name: revokedToken.name }, l) : undefined;
    return show(request, reply, 200, { notice, shown });
  });

  app.post<{ Body: Record<string, unknown> }>('/integrations/tokens', { config: { staffAction: 'integrations.manage' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const form: CreateForm = { name: (one(request.body?.name) ?? '').trim(), role: one(request.body?.role) ?? '', days: (one(request.body?.days) ?? '').trim() };
    if (form.name.length < 1 || form.name.length > 64) return refused(request, reply, 400, 'staff.api.badName', form);
    if (!isRole(form.role)) return refused(request, reply, 400, 'staff.api.badRole', form);
    const days = form.days === '' ? undefined : Number(form.days);
    if (days !== undefined && (!/^\d{1,4}$/.test(form.days) || days < 1 || days > MAX_EXPIRY_DAYS)) return refused(request, reply, 400, 'staff.api.badDays', form);
    const { token, summary } = createApiToken(db, { name: form.name, role: form.role, expiresDays: days, actor: actor(request), now: screens.now() });
    request.log.info({ staff: session.staff.username, token: summary.id, role: summary.role }, 'API token created');
    return reply.redirect(`${base}?show=${keepForOnce(token, summary.name, session.staff.id)}`, 303);
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/integrations/tokens/:id/revoke', { config: { staffAction: 'integrations.manage' } }, async (request, reply) => {
    const token = ID.test(request.params.id) ? findApiToken(db, Number(request.params.id)) : undefined;
    if (!token) return refused(request, reply, 404, 'staff.api.unknown');
    if (!confirmed(request.body)) return refused(request, reply, 400, 'staff.api.badConfirm');
    revokeApiToken(db, { id: token.id, actor: actor(request), now: screens.now() });
    request.log.info({ staff: screens.sessionOf(request).staff.username, token: token.id }, 'API token revoked');
    return reply.redirect(`${base}?revoked=${token.id}`, 303);
  });
}

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage, LangoError } from '../../errors.js';
import { WEBHOOK_EVENT_TYPES } from '../../events/outbox.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  sendTestWebhook,
  setWebhookEndpointActive,
  webhookEventList,
  webhookUrl,
  type WebhookEndpoint,
} from '../../integrations/webhooks.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { confirmBox, confirmed, csrfField, escapeHtml, flash, formatTime, ltr, one, table, text } from './ui.js';

// Webhook endpoints: /integrations/webhooks. Adding one shows its signing secret once (after
// the redirect, through a one-use token, as routers do); every change is audited by the
// domain functions in src/integrations/webhooks.ts.

const ID = /^\d{1,9}$/;
const SHOW_ONCE_MS = 5 * 60_000;
const DONE = ['added', 'enabled', 'disabled', 'deleted', 'tested', 'retried'] as const;
type Done = (typeof DONE)[number];

interface AddForm {
  url: string;
  description: string;
  events: string[];
}

const eventLabel = (type: string, l: Language) => {
  const key = `staff.webhooks.events.${type.replace('.', '_')}`;
  const label = t(key as MessageKey, {}, l);
  return label === key ? type : label;
};

// One checkbox per event, each with its own name: the page forms' parser keeps one value per name.
const EVENT_FIELD = 'event:';
const ticked = (body: Record<string, unknown> | undefined): string[] =>
  Object.entries(body ?? {})
    .filter(([name, value]) => name.startsWith(EVENT_FIELD) && value === 'yes')
    .map(([name]) => name.slice(EVENT_FIELD.length));

export function registerWebhookRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const base = `${prefix}/integrations/webhooks`;
  const actor = (request: FastifyRequest) => `staff:${screens.sessionOf(request).staff.username}`;

  const pending = new Map<string, { secret: string; url: string; staffId: number; until: number }>();
  const keepForOnce = (secret: string, url: string, staffId: number): string => {
    const now = screens.now();
    for (const [token, entry] of pending) if (entry.until < now) pending.delete(token);
    const token = randomBytes(18).toString('base64url');
    pending.set(token, { secret, url, staffId, until: now + SHOW_ONCE_MS });
    return token;
  };
  const takeOnce = (token: string | undefined, staffId: number) => {
    if (!token) return undefined;
    const entry = pending.get(token);
    if (!entry || entry.staffId !== staffId) return undefined;
    pending.delete(token);
    return entry.until >= screens.now() ? entry : undefined;
  };

  const endpointRow = (e: WebhookEndpoint, l: Language, csrf: string) => {
    const events = e.events.includes('*') ? text('staff.webhooks.endpoints.allEvents', l) : e.events.map((type) => escapeHtml(eventLabel(type, l))).join(', ');
    const form = (path: string, label: string, extra = '') => `<form method="post" action="${base}/${e.id}/${path}">${csrfField(csrf)}${extra}<button type="submit">${label}</button></form>`;
    const actions = [
      e.active ? form('active', text('staff.webhooks.endpoints.turnOff', l), '<input type="hidden" name="active" value="no">') : form('active', text('staff.webhooks.endpoints.turnOn', l), '<input type="hidden" name="active" value="yes">'),
      form('test', text('staff.webhooks.endpoints.test', l)),
      form('delete', text('staff.webhooks.endpoints.delete', l), confirmBox(l, t('staff.webhooks.endpoints.deleteWhat', {}, l))),
    ].join('');
    const url = `${ltr(e.url)}${e.description ? `<br><small>${escapeHtml(e.description)}</small>` : ''}`;
    return [url, events, text(e.active ? 'staff.webhooks.endpoints.on' : 'staff.webhooks.endpoints.off', l), formatTime(e.createdAt, screens.zone), actions];
  };

  const show = (request: FastifyRequest, reply: FastifyReply, status: number, extra: { notice?: string | undefined; error?: string | undefined; secret?: { secret: string; url: string } | undefined; form?: AddForm } = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const csrf = session.csrfToken;
    const form = extra.form ?? { url: '', description: '', events: [] };
    const endpoints = listWebhookEndpoints(db);
    const urlOf = new Map(endpoints.map((e) => [e.id, e.url]));
    const secret = extra.secret
      ? `<section class="secret" aria-labelledby="secret-heading"><h2 id="secret-heading">${text('staff.webhooks.secret.heading', l, { url: extra.secret.url })}</h2><p><code class="ltr" id="secret">${escapeHtml(extra.secret.secret)}</code></p><p>${text('staff.webhooks.secret.text', l)}</p></section>`
      : '';
    const checkbox = (value: string, label: string) => `<label class="check"><input type="checkbox" name="${EVENT_FIELD}${escapeHtml(value)}" value="yes"${form.events.includes(value) ? ' checked' : ''}> ${escapeHtml(label)}</label>`;
    const add = `<h2>${text('staff.webhooks.add.heading', l)}</h2><form method="post" action="${base}">${csrfField(csrf)}
<label for="url">${text('staff.webhooks.add.url', l)}</label><input id="url" name="url" type="url" required maxlength="2000" class="ltr" autocomplete="off" autocapitalize="none" spellcheck="false" placeholder="https://" value="${escapeHtml(form.url)}">
<label for="description">${text('staff.webhooks.add.description', l)}</label><input id="description" name="description" maxlength="200" autocomplete="off" value="${escapeHtml(form.description)}">
<fieldset><legend>${text('staff.webhooks.add.events', l)}</legend>${checkbox('*', t('staff.webhooks.add.all', {}, l))}${WEBHOOK_EVENT_TYPES.map((type) => checkbox(type, eventLabel(type, l))).join('')}</fieldset>
<button class="main" type="submit">${text('staff.webhooks.add.button', l)}</button></form>`;
    const endpointHead = (['url', 'events', 'state', 'created', 'actions'] as const).map((k) => text(`staff.webhooks.endpoints.cols.${k}`, l));
    const endpointList = endpoints.length === 0 ? `<p role="status">${text('staff.webhooks.endpoints.none', l)}</p>` : table('webhook-endpoints', endpointHead, endpoints.map((e) => endpointRow(e, l, csrf)));
    const deliveries = listWebhookDeliveries(db, { limit: 50 });
    const deliveryHead = (['id', 'endpoint', 'event', 'created', 'status', 'attempts', 'code', 'error', 'next'] as const).map((k) => text(`staff.webhooks.deliveries.cols.${k}`, l));
    const deliveryRows = deliveries.map((d) => [
      String(d.id),
      ltr(urlOf.get(d.endpointId) ?? `#${d.endpointId}`),
      escapeHtml(eventLabel(d.type, l)),
      formatTime(d.createdAt, screens.zone),
      `<span class="state">${text(`staff.webhooks.deliveries.status.${d.status}`, l)}</span>` +
        (d.status === 'failed' ? `<form method="post" action="${base}/deliveries/${d.id}/retry">${csrfField(csrf)}<button type="submit">${text('staff.webhooks.deliveries.retry', l)}</button></form>` : ''),
      String(d.attempts),
      d.lastStatusCode === null ? '—' : String(d.lastStatusCode),
      d.lastError === null ? '—' : ltr(d.lastError),
      d.status === 'queued' ? formatTime(d.nextAttemptAt, screens.zone) : '—',
    ]);
    const deliveryList = deliveries.length === 0 ? `<p role="status">${text('staff.webhooks.deliveries.none', l)}</p>` : table('webhook-deliveries', deliveryHead, deliveryRows);
    const body = `${flash({ notice: extra.notice, error: extra.error })}${secret}<p>${text('staff.webhooks.intro', l)}</p>
<h2>${text('staff.webhooks.endpoints.heading', l)}</h2>${endpointList}${add}
<h2>${text('staff.webhooks.deliveries.heading', l)}</h2>${deliveryList}
<ul class="links"><li><a href="${prefix}/integrations">${text('staff.webhooks.back', l)}</a></li></ul>`;
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.webhooks.heading', {}, l), body, current: '/integrations' }));
  };

  const refused = (request: FastifyRequest, reply: FastifyReply, status: number, key: MessageKey, form?: AddForm) => {
    const l = screens.languageOf(request);
    return show(request, reply, status, { error: `${t(key, {}, l)} ${t('staff.webhooks.errors.nothingChanged', {}, l)}`, ...(form && { form }) });
  };

  app.get<{ Querystring: Record<string, unknown> }>('/integrations/webhooks', { config: { staffAction: 'integrations.manage' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const done = one(request.query.done);
    const notice = DONE.includes(done as Done) ? t(`staff.webhooks.done.${done as Done}`, {}, l) : undefined;
    const secret = takeOnce(one(request.query.show), session.staff.id);
    return show(request, reply, 200, { notice, secret });
  });

  app.post<{ Body: Record<string, unknown> }>('/integrations/webhooks', { config: { staffAction: 'integrations.manage' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const form: AddForm = { url: (one(request.body?.url) ?? '').trim(), description: (one(request.body?.description) ?? '').trim(), events: ticked(request.body) };
    const box = screens.services.box;
    if (!box) return refused(request, reply, 503, 'staff.webhooks.errors.noBox', form);
    if (!webhookUrl(form.url)) return refused(request, reply, 400, 'staff.webhooks.errors.url', form);
    if (!webhookEventList(form.events)) return refused(request, reply, 400, 'staff.webhooks.errors.events', form);
    try {
      const { secret, endpoint } = createWebhookEndpoint(db, box, { url: form.url, events: form.events, description: form.description, actor: actor(request), now: screens.now() });
      return reply.redirect(`${base}?done=added&show=${keepForOnce(secret, endpoint.url, session.staff.id)}`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return show(request, reply, 400, { error: errorMessage(err.code, screens.languageOf(request), err.values), form });
    }
  });

  const endpointOf = (id: string) => (ID.test(id) ? findWebhookEndpoint(db, Number(id)) : undefined);

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/integrations/webhooks/:id/active', { config: { staffAction: 'integrations.manage' } }, async (request, reply) => {
    const endpoint = endpointOf(request.params.id);
    if (!endpoint) return refused(request, reply, 404, 'staff.webhooks.errors.unknown');
    const active = one(request.body?.active) === 'yes';
    setWebhookEndpointActive(db, { id: endpoint.id, active, actor: actor(request), now: screens.now() });
    return reply.redirect(`${base}?done=${active ? 'enabled' : 'disabled'}`, 303);
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/integrations/webhooks/:id/test', { config: { staffAction: 'integrations.manage' } }, async (request, reply) => {
    const endpoint = endpointOf(request.params.id);
    if (!endpoint) return refused(request, reply, 404, 'staff.webhooks.errors.unknown');
    sendTestWebhook(db, { id: endpoint.id, actor: actor(request), now: screens.now() });
    return reply.redirect(`${base}?done=tested`, 303);
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/integrations/webhooks/:id/delete', { config: { staffAction: 'integrations.manage' } }, async (request, reply) => {
    const endpoint = endpointOf(request.params.id);
    if (!endpoint) return refused(request, reply, 404, 'staff.webhooks.errors.unknown');
    if (!confirmed(request.body)) return refused(request, reply, 400, 'staff.webhooks.errors.confirm');
    deleteWebhookEndpoint(db, { id: endpoint.id, actor: actor(request), now: screens.now() });
    return reply.redirect(`${base}?done=deleted`, 303);
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/integrations/webhooks/deliveries/:id/retry', { config: { staffAction: 'integrations.manage' } }, async (request, reply) => {
    if (!ID.test(request.params.id)) return refused(request, reply, 404, 'staff.webhooks.errors.unknown');
    if (!retryWebhookDelivery(db, { id: Number(request.params.id), actor: actor(request), now: screens.now() })) return refused(request, reply, 409, 'staff.webhooks.errors.notFailed');
    return reply.redirect(`${base}?done=retried`, 303);
  });
}

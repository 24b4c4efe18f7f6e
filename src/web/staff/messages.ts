import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { formatMoney, listPlans, normalisePhone } from '../../billing/index.js';
import type { Language } from '../../db/schema/billing.js';
import type { MessageStatus } from '../../db/schema/messaging.js';
import { errorCatalogue, errorMessage, LangoError } from '../../errors.js';
import { t, type MessageKey } from '../../i18n/index.js';
import {
  cancelMessage,
  countSmsParts,
  findMessage,
  isTemplateKey,
  lastReports,
  listCampaigns,
  listMessages,
  listTemplates,
  previewCampaign,
  previewTemplate,
  resetTemplate,
  sendCampaign,
  setTemplate,
  templateKeys,
  templatePlaceholders,
  type CampaignFilter,
  type CampaignPreview,
  type MessageFilter,
  type TemplateKey,
} from '../../messaging/index.js';
import { getSetting } from '../../settings/index.js';
import { can, type StaffSession } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { confirmBox, confirmed, csrfField, escapeHtml, flash, formatTime, ltr, numberLocale, one, pager, paging, subNav, table } from './ui.js';

// Issue 7's messages screens: the outbox (filter, cancel a queued message), the text of every
// message template in both languages (edit with a preview, reset), and bulk SMS (preview the
// recipients and parts, then confirm). The same domain calls as `lango sms …`.

const STATUSES: readonly MessageStatus[] = ['queued', 'sending', 'sent', 'delivered', 'failed', 'unknown', 'cancelled'];
const LANGUAGES: readonly Language[] = ['en', 'ar'];
const ID = /^\d{1,12}$/;
const DATE = /^\d{4}-\d\d-\d\d$/;
const BODY_MAX = 1000;
const statusOf = (err: LangoError) => (errorCatalogue[err.code] as { status?: number }).status ?? 400;
const field = (raw: Record<string, unknown>, name: string, max: number) => (one(raw[name]) ?? '').trim().slice(0, max);

export function registerMessageRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const m = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.messages.${key}` as MessageKey, values, l);
  const h = (key: string, l: Language, values: Record<string, unknown> = {}) => escapeHtml(m(key, l, values));
  const actor = (session: StaffSession) => `staff:${session.staff.username}`;
  const statusText = (status: string, l: Language) => (STATUSES.includes(status as MessageStatus) ? m(`statuses.${status}`, l) : status);
  const templateName = (key: string, l: Language) => (isTemplateKey(key) ? m(`templates.names.${key}`, l) : key);

  const links = (l: Language, role: StaffSession['staff']['role'], here: string) => {
    const items = [
      { path: '/messages', label: 'outbox.heading' },
      { path: '/messages/templates', label: 'templates.heading' },
      ...(can(role, 'messages.send') ? [{ path: '/messages/bulk', label: 'bulk.heading' }] : []),
    ];
    return subNav(prefix, m('sections', l), items.map((i) => ({ path: i.path, text: m(i.label, l) })), here);
  };

  const page = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, here: string, body: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title, current: '/messages', body: `${links(l, session.staff.role, here)}${body}` }));
  };

  // ---------------------------------------------------------------- the outbox

  interface OutboxQuery {
    status?: string;
    phone?: string;
    template?: string;
    from?: string;
    to?: string;
  }

  const readOutboxQuery = (query: Record<string, unknown>): OutboxQuery => ({
    status: (one(query.status) ?? '').slice(0, 12),
    phone: (one(query.phone) ?? '').trim().slice(0, 32),
    template: (one(query.template) ?? '').slice(0, 32),
    from: (one(query.from) ?? '').slice(0, 10),
    to: (one(query.to) ?? '').slice(0, 10),
  });

  function outboxPage(request: FastifyRequest, reply: FastifyReply, status: number, extra: { notice?: string; error?: string } = {}) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = readOutboxQuery((request.query ?? {}) as Record<string, unknown>);
    const p = paging(request.query as Record<string, unknown>, 50);
    const problems: string[] = [];
    const filter: MessageFilter = { limit: p.perPage + 1, offset: p.offset };
    if (q.status && STATUSES.includes(q.status as MessageStatus)) filter.status = q.status as MessageStatus;
    if (q.template === 'free') filter.template = null;
    else if (q.template && isTemplateKey(q.template)) filter.template = q.template;
    if (q.phone) {
      const phone = normalisePhone(q.phone, getSetting(db, 'operator.country'));
      if (phone) filter.recipient = phone;
      else problems.push(m('outbox.badPhone', l, { value: q.phone }));
    }
    const day = (text: string | undefined) => (text && DATE.test(text) ? DateTime.fromISO(text, { zone: screens.zone }) : undefined);
    const from = day(q.from);
    const to = day(q.to);
    if (q.from && !from?.isValid) problems.push(m('outbox.badDate', l, { value: q.from }));
    else if (from) filter.createdFrom = from.toMillis();
    if (q.to && !to?.isValid) problems.push(m('outbox.badDate', l, { value: q.to }));
    else if (to) filter.createdBefore = to.plus({ days: 1 }).toMillis();

    // A filter that cannot be read lists nothing rather than everything.
    const rows = problems.length > 0 ? [] : listMessages(db, filter);
    const more = rows.length > p.perPage;
    const shown = rows.slice(0, p.perPage);
    const reports = lastReports(db, shown);
    const mayCancel = can(session.staff.role, 'messages.send');
    const option = (value: string, label: string, chosen: string | undefined) => `<option value="${escapeHtml(value)}"${value === chosen ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    const filters = `<form method="get" action="${prefix}/messages" class="filters" role="search">
<div><label for="status">${h('outbox.status', l)}</label><select id="status" name="status">${option('', m('outbox.any', l), q.status)}${STATUSES.map((s) => option(s, statusText(s, l), q.status)).join('')}</select></div>
<div><label for="phone">${h('outbox.phone', l)}</label><input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="off" maxlength="32" class="ltr" value="${escapeHtml(q.phone ?? '')}"></div>
<div><label for="template">${h('outbox.kind', l)}</label><select id="template" name="template">${option('', m('outbox.any', l), q.template)}${option('free', m('outbox.freeText', l), q.template)}${templateKeys.filter((k) => k !== 'custom').map((k) => option(k, templateName(k, l), q.template)).join('')}</select></div>
<div><label for="from">${h('outbox.from', l)}</label><input id="from" name="from" type="date" value="${escapeHtml(q.from ?? '')}"></div>
<div><label for="to">${h('outbox.to', l)}</label><input id="to" name="to" type="date" value="${escapeHtml(q.to ?? '')}"></div>
<button type="submit">${h('outbox.filter', l)}</button></form>`;
    const head = ['time', 'recipient', 'text', 'parts', 'status', 'attempts', 'lastError', 'report'].map((k) => h(`outbox.columns.${k}`, l));
    if (mayCancel) head.push('');
    const body = shown.map((message) => {
      const report = reports.get(message.id);
      const reportText = report ? `${statusText(report.status, l)}${report.failureReason ? `: ${report.failureReason}` : ''} (${formatTime(report.receivedAt, screens.zone)})` : '—';
      const short = message.body.length > 80 ? `${message.body.slice(0, 80)}…` : message.body;
      const cells = [
        ltr(formatTime(message.createdAt, screens.zone)),
        ltr(message.recipient),
        `${escapeHtml(short)}${message.template ? `<br><small>${escapeHtml(templateName(message.template, l))}</small>` : ''}`,
        ltr(String(message.parts)),
        `<span class="status">${escapeHtml(statusText(message.status, l))}</span>`,
        ltr(String(message.attempts)),
        escapeHtml(message.lastError ?? '—'),
        escapeHtml(reportText),
      ];
      if (mayCancel) {
        cells.push(
          message.status === 'queued'
            ? `<form method="post" action="${prefix}/messages/${message.id}/cancel" class="inline">${csrfField(session.csrfToken)}${confirmBox(l, m('outbox.cancelWhat', l))}<button type="submit" class="small danger">${h('outbox.cancel', l)}</button></form>`
            : '',
        );
      }
      return cells;
    });
    const list =
      shown.length === 0
        ? `<p id="outbox-empty">${h('outbox.none', l)}</p>`
        : table('outbox', head, body, m('outbox.heading', l));
    const filters2 = { status: q.status, phone: q.phone, template: q.template, from: q.from, to: q.to };
    const errors = [...problems, ...(extra.error ? [extra.error] : [])].join(' ');
    return page(request, reply, status, m('outbox.heading', l), '/messages', `${flash({ notice: extra.notice, error: errors || undefined })}${filters}${list}${pager({ language: l, path: `${prefix}/messages`, filters: filters2, paging: p, more })}`);
  }

  app.get('/messages', { config: { staffAction: 'messages.view' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const cancelled = one((request.query as Record<string, unknown>).cancelled);
    return outboxPage(request, reply, 200, cancelled && ID.test(cancelled) ? { notice: m('outbox.cancelled', l, { id: cancelled }) } : {});
  });

  app.post<{ Params: { id: string } }>('/messages/:id/cancel', { config: { staffAction: 'messages.send' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const id = ID.test(request.params.id) ? Number(request.params.id) : undefined;
    if (id === undefined || !findMessage(db, id)) return outboxPage(request, reply, 404, { error: errorMessage('INPUT_UNKNOWN_MESSAGE', l, { id: request.params.id.slice(0, 12) }) });
    if (!confirmed(request.body as Record<string, unknown>)) return outboxPage(request, reply, 400, { error: m('outbox.notConfirmed', l) });
    try {
      cancelMessage(db, id, actor(session), screens.now());
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      const values = { ...err.values, ...(typeof err.values.status === 'string' && { status: statusText(err.values.status, l) }) };
      return outboxPage(request, reply, statusOf(err), { error: errorMessage(err.code, l, values) });
    }
    request.log.info({ staff: session.staff.username, message: id }, 'queued message cancelled');
    return reply.redirect(`${prefix}/messages?cancelled=${id}`, 303);
  });

  // ---------------------------------------------------------------- templates

  app.get('/messages/templates', { config: { staffAction: 'messages.view' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const views = listTemplates(db);
    const rows = templateKeys.map((key) => {
      const cell = (language: Language) => {
        const view = views.find((v) => v.key === key && v.language === language)!;
        return `<span lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}">${escapeHtml(view.body)}</span>${view.overridden ? `<br><small>${h('templates.changed', l)}</small>` : ''}`;
      };
      return [`<a href="${prefix}/messages/templates/${key}">${escapeHtml(templateName(key, l))}</a>`, cell('en'), cell('ar')];
    });
    const head = [h('templates.event', l), h('templates.english', l), h('templates.arabic', l)];
    const saved = one((request.query as Record<string, unknown>).saved);
    return page(request, reply, 200, m('templates.heading', l), '/messages/templates', `${saved && isTemplateKey(saved) ? flash({ notice: m('templates.saved', l, { name: templateName(saved, l) }) }) : ''}<p class="hint">${h('templates.intro', l)}</p>${table('templates', head, rows)}`);
  });

  interface TemplateForm {
    language: Language;
    body?: string;
    preview?: { text: string; parts: number; encoding: string; length: number };
    error?: string;
  }

  function templatePage(request: FastifyRequest, reply: FastifyReply, key: TemplateKey, status: number, form?: TemplateForm, notice?: string) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const mayEdit = can(session.staff.role, 'messages.send');
    const views = listTemplates(db).filter((v) => v.key === key);
    const placeholders = templatePlaceholders[key].map((name) => `{{${name}}}`).join(' ');
    const sections = LANGUAGES.map((language) => {
      const view = views.find((v) => v.language === language)!;
      const mine = form?.language === language ? form : undefined;
      const body = mine?.body ?? view.body;
      const id = `body-${language}`;
      const heading = `<h2 id="lang-${language}">${h(language === 'en' ? 'templates.english' : 'templates.arabic', l)}</h2>`;
      const state = view.overridden ? h('templates.changedBy', l, { actor: view.actor ?? '', time: formatTime(view.updatedAt, screens.zone) }) : h('templates.isDefault', l);
      const preview = mine?.preview
        ? `<div class="card" id="preview-${language}"><h3>${h('templates.previewHeading', l)}</h3><p lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}">${escapeHtml(mine.preview.text)}</p><p class="hint">${h('templates.partsLine', l, { parts: mine.preview.parts, length: mine.preview.length, encoding: mine.preview.encoding === 'gsm7' ? 'GSM-7' : 'Unicode' })}</p></div>`
        : '';
      if (!mayEdit) return `${heading}<p>${state}</p><p lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}">${escapeHtml(view.body)}</p>`;
      const edit = `<form method="post" action="${prefix}/messages/templates/${key}">${csrfField(session.csrfToken)}<input type="hidden" name="language" value="${language}">
${mine?.error ? `<p class="error" role="alert">${escapeHtml(mine.error)}</p>` : ''}<label for="${id}">${h('templates.textLabel', l, { language: m(language === 'en' ? 'templates.english' : 'templates.arabic', l) })}</label><textarea id="${id}" name="body" rows="4" maxlength="${BODY_MAX}" lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}" required>${escapeHtml(body)}</textarea>
<button type="submit" name="intent" value="preview">${h('templates.preview', l)}</button> <button type="submit" name="intent" value="save" class="main">${h('templates.save', l)}</button></form>`;
      const reset = view.overridden
        ? `<form method="post" action="${prefix}/messages/templates/${key}/reset">${csrfField(session.csrfToken)}<input type="hidden" name="language" value="${language}">${confirmBox(l, m('templates.resetWhat', l))}<button type="submit" class="small">${h('templates.reset', l)}</button></form>`
        : '';
      return `${heading}<p>${state}</p>${preview}${edit}${reset}<details><summary>${h('templates.defaultText', l)}</summary><p lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}">${escapeHtml(view.defaultBody)}</p></details>`;
    }).join('');
    const body = `${flash({ notice })}<p class="hint">${h('templates.placeholders', l)} <span class="ltr mono">${escapeHtml(placeholders)}</span></p>${sections}`;
    return page(request, reply, status, m('templates.editHeading', l, { name: templateName(key, l) }), '/messages/templates', body);
  }

  const templateOr404 = (request: FastifyRequest<{ Params: { key: string } }>, reply: FastifyReply): TemplateKey | undefined => {
    if (isTemplateKey(request.params.key)) return request.params.key;
    screens.message(request, reply, 404, m('templates.unknown', screens.languageOf(request)));
    return undefined;
  };

  app.get<{ Params: { key: string } }>('/messages/templates/:key', { config: { staffAction: 'messages.view' } }, async (request, reply) => {
    const key = templateOr404(request, reply);
    if (!key) return reply;
    const l = screens.languageOf(request);
    const reset = one((request.query as Record<string, unknown>).reset);
    return templatePage(request, reply, key, 200, undefined, reset === 'en' || reset === 'ar' ? m('templates.wasReset', l) : undefined);
  });

  app.post<{ Params: { key: string } }>('/messages/templates/:key', { config: { staffAction: 'messages.send' } }, async (request, reply) => {
    const key = templateOr404(request, reply);
    if (!key) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const language = raw.language === 'ar' ? 'ar' : 'en';
    const body = (one(raw.body) ?? '').slice(0, BODY_MAX + 1);
    const saving = raw.intent !== 'preview';
    try {
      // Both paths check the text the same way; a preview saves nothing.
      const preview = previewTemplate(db, key, language, body);
      if (!saving) return templatePage(request, reply, key, 200, { language, body, preview: { text: preview.text, ...preview.parts } });
      setTemplate(db, key, language, body, actor(session), screens.now());
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      const error = err.code === 'INPUT_BAD_PLACEHOLDER' ? m('templates.badPlaceholder', l, { placeholder: err.values.placeholder, allowed: err.values.allowed }) : errorMessage(err.code, l, err.values);
      return templatePage(request, reply, key, statusOf(err), { language, body, error });
    }
    request.log.info({ staff: session.staff.username, template: key, language }, 'message template changed');
    return reply.redirect(`${prefix}/messages/templates?saved=${key}`, 303);
  });

  app.post<{ Params: { key: string } }>('/messages/templates/:key/reset', { config: { staffAction: 'messages.send' } }, async (request, reply) => {
    const key = templateOr404(request, reply);
    if (!key) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const language = raw.language === 'ar' ? 'ar' : 'en';
    if (!confirmed(raw)) return templatePage(request, reply, key, 400, { language, error: m('templates.notConfirmed', l) });
    resetTemplate(db, key, language, actor(session), screens.now());
    return reply.redirect(`${prefix}/messages/templates/${key}?reset=${language}`, 303);
  });

  // ---------------------------------------------------------------- bulk SMS

  interface BulkValues {
    status: string;
    plan: string;
    billing: string;
    language: string;
    overdue: boolean;
    text: string;
  }

  const readBulk = (raw: Record<string, unknown>): BulkValues => ({
    status: field(raw, 'status', 12),
    plan: field(raw, 'plan', 120),
    billing: field(raw, 'billing', 12),
    language: field(raw, 'language', 4),
    overdue: raw.overdue === 'yes',
    text: (one(raw.text) ?? '').trim().slice(0, BODY_MAX + 1),
  });

  const filterOf = (v: BulkValues): CampaignFilter => ({
    status: v.status === 'active' || v.status === 'suspended' || v.status === 'terminated' ? v.status : undefined,
    plan: v.plan === '' ? undefined : v.plan,
    billingKind: v.billing === 'prepaid' || v.billing === 'postpaid' ? v.billing : undefined,
    language: v.language === 'en' || v.language === 'ar' ? v.language : undefined,
    overdue: v.overdue ? true : undefined,
  });

  function bulkPage(request: FastifyRequest, reply: FastifyReply, status: number, extra: { values?: BulkValues; preview?: CampaignPreview; error?: string; notice?: string } = {}) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const v = extra.values ?? { status: 'active', plan: '', billing: '', language: '', overdue: false, text: '' };
    const option = (value: string, label: string, chosen: string) => `<option value="${escapeHtml(value)}"${value === chosen ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    const any = m('outbox.any', l);
    const choose = (name: keyof BulkValues, label: string, options: Array<[string, string]>) =>
      `<label for="bulk-${name}">${h(label, l)}</label><select id="bulk-${name}" name="${name}">${option('', any, v[name] as string)}${options.map(([value, text]) => option(value, text, v[name] as string)).join('')}</select>`;
    const plans = listPlans(db).map((p): [string, string] => [p.name, p.name]);
    const form = `<form method="post" action="${prefix}/messages/bulk">${csrfField(session.csrfToken)}
<fieldset><legend>${h('bulk.who', l)}</legend>
${choose('status', 'bulk.status', (['active', 'suspended', 'terminated'] as const).map((s) => [s, m(`bulk.statuses.${s}`, l)]))}
${choose('plan', 'bulk.plan', plans)}
${choose('billing', 'bulk.billing', [['prepaid', m('bulk.prepaid', l)], ['postpaid', m('bulk.postpaid', l)]])}
${choose('language', 'bulk.language', [['en', 'English'], ['ar', 'العربية']])}
<label class="check"><input type="checkbox" name="overdue" value="yes"${v.overdue ? ' checked' : ''}> ${h('bulk.overdue', l)}</label></fieldset>
<label for="bulk-text">${h('bulk.text', l)}</label><textarea id="bulk-text" name="text" rows="5" maxlength="${BODY_MAX}" required>${escapeHtml(v.text)}</textarea>
<p class="hint">${h('bulk.textHint', l)}</p>
<button type="submit" name="intent" value="preview" class="main">${h('bulk.previewButton', l)}</button></form>`;

    let previewHtml = '';
    if (extra.preview) {
      const pv = extra.preview;
      const parts = countSmsParts(v.text);
      const cost = pv.costMinor > 0 ? formatMoney(pv.costMinor, pv.currency, numberLocale(l)) : m('bulk.costUnknown', l);
      const hidden = (['status', 'plan', 'billing', 'language', 'text'] as const).map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(v[name])}">`).join('') + (v.overdue ? '<input type="hidden" name="overdue" value="yes">' : '');
      previewHtml = `<section class="card" id="bulk-preview" aria-labelledby="bulk-preview-heading"><h2 id="bulk-preview-heading">${h('bulk.previewHeading', l)}</h2>
<p id="recipients">${h('bulk.recipients', l, { count: pv.recipients })}</p>
<p id="parts">${h('bulk.parts', l, { length: parts.length, encoding: parts.encoding === 'gsm7' ? 'GSM-7' : 'Unicode', each: pv.partsPerMessage, total: pv.totalParts })}</p>
<p id="cost">${h('bulk.cost', l, { cost })}</p>
${
  pv.recipients === 0
    ? `<p class="warn">${h('bulk.nobody', l)}</p>`
    : `<form method="post" action="${prefix}/messages/bulk">${csrfField(session.csrfToken)}${hidden}<input type="hidden" name="intent" value="send">${confirmBox(l, m('bulk.sendWhat', l, { count: pv.recipients }))}<button type="submit" class="main">${h('bulk.sendButton', l, { count: pv.recipients })}</button></form>`
}</section>`;
    }

    const p = paging(request.query as Record<string, unknown>, 20);
    const campaigns = listCampaigns(db, p.perPage + 1, p.offset);
    const more = campaigns.length > p.perPage;
    const count = (statuses: Partial<Record<MessageStatus, number>>, ...which: MessageStatus[]) => which.reduce((sum, s) => sum + (statuses[s] ?? 0), 0);
    const campaignRows = campaigns.slice(0, p.perPage).map((c) => [
      ltr(formatTime(c.createdAt, screens.zone)),
      escapeHtml(c.body.length > 80 ? `${c.body.slice(0, 80)}…` : c.body),
      ltr(String(c.recipients)),
      ltr(String(c.parts)),
      ltr(String(count(c.statuses, 'queued', 'sending'))),
      ltr(String(count(c.statuses, 'sent', 'delivered'))),
      ltr(String(count(c.statuses, 'delivered'))),
      ltr(String(count(c.statuses, 'failed', 'unknown', 'cancelled'))),
      ltr(c.actor),
    ]);
    const campaignHead = ['time', 'text', 'recipients', 'parts', 'waiting', 'sent', 'delivered', 'failed', 'by'].map((k) => h(`bulk.columns.${k}`, l));
    const campaignList = `<h2>${h('bulk.campaigns', l)}</h2>${campaignRows.length === 0 ? `<p>${h('bulk.noCampaigns', l)}</p>` : table('campaigns', campaignHead, campaignRows)}${pager({ language: l, path: `${prefix}/messages/bulk`, filters: {}, paging: p, more })}`;
    return page(request, reply, status, m('bulk.heading', l), '/messages/bulk', `${flash({ notice: extra.notice, error: extra.error })}${previewHtml}${form}${campaignList}`);
  }

  app.get('/messages/bulk', { config: { staffAction: 'messages.send' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const q = request.query as Record<string, unknown>;
    const queued = one(q.queued);
    const again = one(q.again);
    const notice = queued && ID.test(queued) ? m('bulk.queued', l, { count: queued }) : again && ID.test(again) ? m('bulk.again', l) : undefined;
    return bulkPage(request, reply, 200, notice ? { notice } : {});
  });

  app.post('/messages/bulk', { config: { staffAction: 'messages.send' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values = readBulk(raw);
    const filter = filterOf(values);
    try {
      const preview = previewCampaign(db, filter, values.text);
      if (raw.intent !== 'send') return bulkPage(request, reply, 200, { values, preview });
      if (!confirmed(raw)) return bulkPage(request, reply, 400, { values, preview, error: m('bulk.notConfirmed', l) });
      const result = sendCampaign(db, filter, values.text, `staff:${session.staff.username}`, screens.now());
      request.log.info({ staff: session.staff.username, campaign: result.campaign.id, queued: result.queued }, result.created ? 'bulk SMS queued' : 'bulk SMS sent twice: the first stands');
      return reply.redirect(result.created ? `${prefix}/messages/bulk?queued=${result.queued}` : `${prefix}/messages/bulk?again=${result.campaign.id}`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      const error = err.code === 'INPUT_BAD_PLACEHOLDER' ? m('bulk.badPlaceholder', l, { placeholder: err.values.placeholder, allowed: err.values.allowed }) : errorMessage(err.code, l, err.values);
      return bulkPage(request, reply, statusOf(err), { values, error });
    }
  });
}

import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { findCustomer, findPlanByName, formatMoney } from '../../billing/index.js';
import type { Language } from '../../i18n/index.js';
import { t } from '../../i18n/index.js';
import { findStaff, searchAudit, type AuditEntry, type AuditSearch } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { escapeHtml, flash, formatTime, ltr, numberLocale, one, pager, paging, table, text } from './ui.js';

// The audit log screen: who changed what and when, searchable by who, what, on what, any text
// and a date range; money, price and plan changes show their before and after side by side.

const FIELD_MAX = 100;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A stored value as a person reads it: money in its currency, text as is, anything else as compact JSON. */
function show(key: string, value: unknown, currency: string | undefined, l: Language): string {
  if (value === null || value === undefined) return '—';
  if (currency && /Minor$/.test(key) && typeof value === 'number' && Number.isSafeInteger(value)) return formatMoney(value, currency as Parameters<typeof formatMoney>[1], numberLocale(l));
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The currency an entry's amounts are in, wherever the detail names it. */
function currencyOf(detail: Record<string, unknown>): string | undefined {
  for (const where of [detail, detail.after, detail.before]) {
    if (isRecord(where) && typeof where.currency === 'string' && /^[A-Z]{3}$/.test(where.currency)) return where.currency;
  }
  return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The detail cell: plain fields, then a Field | Before | After table when the entry has both. */
export function detailHtml(detail: Record<string, unknown>, l: Language): string {
  const hasChange = 'before' in detail && 'after' in detail;
  const currency = currencyOf(detail);
  const plain = Object.entries(detail).filter(([key]) => !hasChange || (key !== 'before' && key !== 'after'));
  const list = plain.length === 0 ? '' : `<ul class="detail">${plain.map(([key, value]) => `<li><span class="mono">${escapeHtml(key)}</span>: ${ltr(show(key, value, currency, l))}</li>`).join('')}</ul>`;
  if (!hasChange) return list;
  const { before, after } = detail;
  const rows: Array<[string, unknown, unknown]> =
    isRecord(before) || isRecord(after)
      ? [...new Set([...Object.keys(isRecord(before) ? before : {}), ...Object.keys(isRecord(after) ? after : {})])].map((key) => [key, isRecord(before) ? before[key] : undefined, isRecord(after) ? after[key] : undefined])
      : [['', before, after]];
  const changes = `<table class="change"><thead><tr><th scope="col">${text('staff.audit.field', l)}</th><th scope="col">${text('staff.audit.before', l)}</th><th scope="col">${text('staff.audit.after', l)}</th></tr></thead><tbody>${rows
    .map(([key, b, a]) => `<tr><th scope="row" class="mono">${escapeHtml(key)}</th><td class="before">${ltr(show(key, b, currency, l))}</td><td class="after">${ltr(show(key, a, currency, l))}</td></tr>`)
    .join('')}</tbody></table>`;
  return `${list}${changes}`;
}

export function registerAuditRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;

  /** What a person typed in "On" → the stored subjects it may mean ('alice' → customer:12, staff:3…). */
  const subjectsFor = (typed: string): Pick<AuditSearch, 'subjects' | 'username'> => {
    if (typed.includes(':')) return { subjects: [typed] };
    const subjects = [`invoice:${typed}`, `voucher:${typed}`, `promotion:${typed}`, `setting:${typed}`, `template:${typed}`, `plan:${typed}`];
    const customer = findCustomer(db, typed);
    if (customer) subjects.push(`customer:${customer.id}`);
    const member = findStaff(db, typed);
    if (member) subjects.push(`staff:${member.id}`);
    const plan = findPlanByName(db, typed);
    if (plan) subjects.push(`plan:${plan.id}`);
    return { subjects, username: typed };
  };

  app.get<{ Querystring: Record<string, unknown> }>('/audit', { config: { staffAction: 'audit.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const query = request.query ?? {};
    const field = (name: string) => (one(query[name]) ?? '').trim().slice(0, FIELD_MAX);
    const values = { actor: field('actor'), action: field('action'), subject: field('subject'), q: field('q'), from: field('from'), to: field('to') };
    const day = (value: string) => (DATE.test(value) ? DateTime.fromISO(value, { zone: screens.zone }) : undefined);
    const from = values.from === '' ? undefined : day(values.from);
    const to = values.to === '' ? undefined : day(values.to);
    const badDate = (values.from !== '' && !from?.isValid) || (values.to !== '' && !to?.isValid);
    const page = paging(query);
    const found: AuditEntry[] = badDate
      ? []
      : searchAudit(db, {
          ...(values.actor && { actor: values.actor }),
          ...(values.action && { action: values.action }),
          ...(values.subject && subjectsFor(values.subject)),
          ...(values.q && { text: values.q }),
          ...(from && { from: from.toMillis() }),
          // "To" is a whole day: entries until the next midnight.
          ...(to && { until: to.plus({ days: 1 }).toMillis() }),
          limit: page.perPage + 1,
          offset: page.offset,
        });
    const shown = found.slice(0, page.perPage);
    const input = (name: keyof typeof values, label: string, type = 'search') =>
      `<label for="audit-${name}">${escapeHtml(label)}</label><input id="audit-${name}" name="${name}" type="${type}" maxlength="${FIELD_MAX}" autocomplete="off" autocapitalize="none" spellcheck="false" value="${escapeHtml(values[name])}">`;
    const filters = `<form method="get" action="${prefix}/audit" class="filters" role="search">${input('actor', t('staff.audit.actor', {}, l))}${input('action', t('staff.audit.action', {}, l))}${input('subject', t('staff.audit.subject', {}, l))}${input('q', t('staff.audit.text', {}, l))}${input('from', t('staff.audit.from', {}, l), 'date')}${input('to', t('staff.audit.to', {}, l), 'date')}<button class="main" type="submit">${text('staff.audit.search', l)}</button></form>`;
    const list =
      shown.length === 0
        ? `<p role="status">${text('staff.audit.none', l)}</p>`
        : table(
            'audit',
            [text('staff.audit.time', l), text('staff.audit.who', l), text('staff.audit.what', l), text('staff.audit.on', l), text('staff.audit.detail', l)],
            shown.map((entry) => [ltr(formatTime(entry.at, screens.zone)), ltr(entry.actor.replace(/^staff:/, '')), `<span class="mono">${escapeHtml(entry.action)}</span>`, ltr(entry.subject), detailHtml(entry.detail, l)]),
            t('staff.audit.heading', {}, l),
          );
    const body = `${flash({ error: badDate ? t('staff.audit.badDate', {}, l) : undefined })}${filters}${list}${pager({ language: l, path: `${prefix}/audit`, filters: values, paging: page, more: found.length > page.perPage })}`;
    return screens.html(reply, badDate ? 400 : 200, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.audit.heading', {}, l), body, current: '/audit' }));
  });
}

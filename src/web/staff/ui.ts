import { DateTime } from 'luxon';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { escapeHtml } from './pages.js';

// Small pieces every staff screen builds its HTML from: one way to write a hidden CSRF field,
// a flash message, a table, a pager, a confirmation box, a time or a byte count.

export { escapeHtml };

export const csrfField = (token: string) => `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;

/** Text that must keep left-to-right order inside an Arabic page (usernames, phones, IPs, amounts). */
export const ltr = (text: string) => `<span class="ltr">${escapeHtml(text)}</span>`;

/** A catalogue text, escaped for HTML. */
export const text = (key: MessageKey, language: Language, values: Record<string, unknown> = {}) => escapeHtml(t(key, values, language));

/** A single form or query value (a repeated name is refused as absent). */
export const one = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function flash(input: { notice?: string | undefined; error?: string | undefined }): string {
  return `${input.notice ? `<p class="notice" role="status">${escapeHtml(input.notice)}</p>` : ''}${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}`;
}

/** Number formatting locale for a page: Arabic pages keep Latin digits, as receipts and M-Pesa messages do. */
export const numberLocale = (language: Language) => (language === 'ar' ? 'ar-u-nu-latn' : 'en');

export function formatTime(ms: number | null | undefined, zone: string): string {
  return ms === null || ms === undefined ? '—' : DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * A table that scrolls sideways on a phone rather than squeezing. `head` cells and row cells
 * are HTML already escaped by the caller.
 */
export function table(id: string, head: readonly string[], rows: ReadonlyArray<readonly string[]>, caption?: string): string {
  return `<div class="scroll"><table id="${escapeHtml(id)}">${caption ? `<caption class="visually-hidden">${escapeHtml(caption)}</caption>` : ''}<thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

export interface Paging {
  /** 1-based page number. */
  page: number;
  perPage: number;
  offset: number;
}

/** ?page=N of a list (server-side paging): out-of-range or malformed values fall back to page 1. */
export function paging(query: Record<string, unknown> | undefined, perPage = 50): Paging {
  const raw = one(query?.page) ?? '1';
  const page = /^\d{1,6}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : 1;
  return { page, perPage, offset: (page - 1) * perPage };
}

/**
 * Previous / next links for a list, keeping its filters. Ask the data function for
 * `perPage + 1` rows: `more` says whether a next page exists, without counting the whole table.
 */
export function pager(input: { language: Language; path: string; filters: Record<string, string | undefined>; paging: Paging; more: boolean }): string {
  const { language: l, paging: p } = input;
  if (p.page === 1 && !input.more) return '';
  const href = (page: number) => {
    const query = new URLSearchParams(Object.entries(input.filters).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
    if (page > 1) query.set('page', String(page));
    const qs = query.toString();
    return escapeHtml(`${input.path}${qs ? `?${qs}` : ''}`);
  };
  const previous = p.page > 1 ? `<a href="${href(p.page - 1)}" rel="prev">${text('staff.ui.previous', l)}</a>` : '<span></span>';
  const next = input.more ? `<a href="${href(p.page + 1)}" rel="next">${text('staff.ui.next', l)}</a>` : '<span></span>';
  return `<nav class="pager" aria-label="${text('staff.ui.pages', l)}">${previous}<span>${text('staff.ui.page', l, { page: p.page })}</span>${next}</nav>`;
}

/**
 * The one question a destructive action asks, in the form itself (works without script): a
 * box to tick. The handler checks it with `confirmed` and changes nothing when it is not ticked.
 */
export function confirmBox(language: Language, what: string): string {
  return `<label class="check"><input type="checkbox" name="confirm" value="yes" required> ${escapeHtml(t('staff.ui.confirm', { what }, language))}</label>`;
}

export const confirmed = (body: Record<string, unknown> | undefined) => body?.confirm === 'yes';

/**
 * The links between the pages of one screen (outbox · templates · bulk; general · taxes ·
 * providers), the current one marked. `label` and each item's `text` are plain text.
 */
export function subNav(prefix: string, label: string, items: ReadonlyArray<{ path: string; text: string }>, here: string): string {
  return `<nav aria-label="${escapeHtml(label)}"><p>${items
    .map((i) => (i.path === here ? `<b><a href="${prefix}${i.path}" aria-current="page">${escapeHtml(i.text)}</a></b>` : `<a href="${prefix}${i.path}">${escapeHtml(i.text)}</a>`))
    .join(' · ')}</p></nav>`;
}

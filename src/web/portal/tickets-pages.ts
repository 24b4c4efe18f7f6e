import { DateTime } from 'luxon';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { BODY_MAX, renderArticleBody, SUBJECT_MAX, ticketCategories, type CustomerTicket, type PublishedArticle } from '../../support/index.js';
import { escapeHtml, renderFrame, type SignedIn } from './pages.js';

// The portal's help pages: the customer's requests, a new one, and one request's messages with
// a reply form. Plain forms, no script; the customer's own words keep their own direction.

const text = (key: MessageKey, language: Language, values: Record<string, unknown> = {}) => escapeHtml(t(key, values, language));
const csrfField = (token: string) => `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
const ltr = (value: string) => `<bdi dir="ltr">${escapeHtml(value)}</bdi>`;
const flash = (input: { notice?: string | undefined; error?: string | undefined }) =>
  `${input.notice ? `<p class="notice" role="status">${escapeHtml(input.notice)}</p>` : ''}${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}`;
/** What a person wrote: escaped, line breaks kept, direction from its own letters. */
const written = (body: string) => `<p dir="auto">${escapeHtml(body).replace(/\n/g, '<br>')}</p>`;

export const ticketNumber = (id: number) => `#${id}`;

interface PageBase {
  language: Language;
  prefix: string;
  signedIn: SignedIn;
  zone: string;
  notice?: string | undefined;
  error?: string | undefined;
}

const time = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');
const status = (ticket: CustomerTicket, l: Language) => text(`portal.selfService.tickets.statuses.${ticket.status}`, l);

export function ticketsListPage(input: PageBase & { tickets: readonly CustomerTicket[]; page: number; more: boolean; articles?: readonly PublishedArticle[] }): string {
  const { language: l, prefix } = input;
  const pages = [
    input.page > 1 ? `<a href="${prefix}/tickets${input.page > 2 ? `?page=${input.page - 1}` : ''}" rel="prev">${text('portal.selfService.tickets.newer', l)}</a>` : '',
    input.more ? `<a href="${prefix}/tickets?page=${input.page + 1}" rel="next">${text('portal.selfService.tickets.older', l)}</a>` : '',
  ].filter(Boolean);
  const rows = input.tickets
    .map(
      (ticket) =>
        `<tr><td><a href="${prefix}/tickets/${ticket.id}">${ltr(ticketNumber(ticket.id))}</a></td><td><a href="${prefix}/tickets/${ticket.id}" dir="auto">${escapeHtml(ticket.subject)}</a></td><td>${status(ticket, l)}</td><td>${ltr(time(ticket.updatedAt, input.zone))}</td></tr>`,
    )
    .join('');
  const list =
    input.tickets.length === 0
      ? `<p id="no-tickets">${text('portal.selfService.tickets.none', l)}</p>`
      : `<div class="scroll"><table id="tickets"><thead><tr>${(['number', 'subject', 'status', 'updated'] as const).map((k) => `<th scope="col">${text(`portal.selfService.tickets.columns.${k}`, l)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>${pages.length > 0 ? `<p>${pages.join(' · ')}</p>` : ''}`;
  const body = `${flash(input)}${helpArticlesList(input.articles ?? [], `${prefix}/help`, l)}<p>${text('portal.selfService.tickets.intro', l)}</p>
<p><a class="primary" href="${prefix}/tickets/new" id="new-ticket">${text('portal.selfService.tickets.newLink', l)}</a></p>
<section>${list}</section>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.tickets.heading', {}, l), body, signedIn: input.signedIn });
}

export interface NewTicketValues {
  subject?: string;
  category?: string;
  body?: string;
}

export function newTicketPage(input: PageBase & { values?: NewTicketValues }): string {
  const { language: l, prefix } = input;
  const v = input.values ?? {};
  const options = ticketCategories
    .map((c) => `<option value="${c}"${v.category === c ? ' selected' : ''}>${text(`portal.selfService.tickets.categories.${c}`, l)}</option>`)
    .join('');
  const body = `${flash(input)}<section><form method="post" action="${prefix}/tickets">${csrfField(input.signedIn.csrfToken)}
<label for="subject">${text('portal.selfService.tickets.new.subject', l)}</label><input id="subject" name="subject" dir="auto" required maxlength="${SUBJECT_MAX}" value="${escapeHtml(v.subject ?? '')}">
<label for="category">${text('portal.selfService.tickets.new.category', l)}</label><select id="category" name="category">${options}</select>
<label for="message">${text('portal.selfService.tickets.new.message', l)}</label><textarea id="message" name="body" dir="auto" rows="6" cols="30" required maxlength="${BODY_MAX}" aria-describedby="message-hint">${escapeHtml(v.body ?? '')}</textarea>
<p class="hint" id="message-hint">${text('portal.selfService.tickets.new.messageHint', l, { max: BODY_MAX })}</p>
<button class="primary" type="submit">${text('portal.selfService.tickets.new.submit', l)}</button></form></section>
<p><a href="${prefix}/tickets">${text('portal.selfService.tickets.back', l)}</a></p>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.tickets.new.heading', {}, l), body, signedIn: input.signedIn });
}

export function ticketPage(input: PageBase & { ticket: CustomerTicket; reply?: string }): string {
  const { language: l, prefix, ticket } = input;
  const csrf = csrfField(input.signedIn.csrfToken);
  const messages = ticket.messages
    .map((m) => {
      const who = m.author === 'customer' ? text('portal.selfService.tickets.ticket.you', l) : text('portal.selfService.tickets.ticket.support', l);
      return `<section class="message ${m.author}"><h2>${who} · ${ltr(time(m.createdAt, input.zone))}</h2>${written(m.body)}</section>`;
    })
    .join('');
  const closed = ticket.status === 'closed';
  const replyForm = closed
    ? `<p class="notice" id="closed">${text('portal.selfService.tickets.ticket.closed', l)}</p><p><a href="${prefix}/tickets/new">${text('portal.selfService.tickets.newLink', l)}</a></p>`
    : `<section><form method="post" action="${prefix}/tickets/${ticket.id}/reply">${csrf}
<label for="reply">${text('portal.selfService.tickets.ticket.replyLabel', l)}</label><textarea id="reply" name="body" dir="auto" rows="5" cols="30" required maxlength="${BODY_MAX}">${escapeHtml(input.reply ?? '')}</textarea>
<button class="primary" type="submit">${text('portal.selfService.tickets.ticket.replyButton', l)}</button></form></section>`;
  const resolveForm =
    ticket.status === 'open' || ticket.status === 'waiting_customer'
      ? `<section><p class="hint">${text('portal.selfService.tickets.ticket.resolveHint', l)}</p><form method="post" action="${prefix}/tickets/${ticket.id}/resolve">${csrf}<button class="primary" type="submit">${text('portal.selfService.tickets.ticket.resolveButton', l)}</button></form></section>`
      : '';
  const body = `${flash(input)}<h2 dir="auto" id="subject">${escapeHtml(ticket.subject)}</h2>
<section><dl><dt>${text('portal.selfService.tickets.ticket.status', l)}</dt><dd id="status">${status(ticket, l)}</dd>
<dt>${text('portal.selfService.tickets.ticket.opened', l)}</dt><dd>${ltr(time(ticket.createdAt, input.zone))}</dd></dl></section>
<h2>${text('portal.selfService.tickets.ticket.conversation', l)}</h2><div id="messages">${messages}</div>
${replyForm}${resolveForm}<p><a href="${prefix}/tickets">${text('portal.selfService.tickets.back', l)}</a></p>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.tickets.ticket.heading', { number: ticketNumber(ticket.id) }, l), body, signedIn: input.signedIn });
}

/**
 * Published help articles as a list of links, each in the language it is written in (an
 * English fallback inside an Arabic page keeps its own direction). Shared with the hotspot page.
 */
export function helpArticlesList(articles: readonly PublishedArticle[], base: string, l: Language): string {
  if (articles.length === 0) return '';
  const items = articles.map((a) => `<li><a href="${escapeHtml(`${base}/${a.slug}`)}" lang="${a.language}" dir="auto">${escapeHtml(a.title)}</a></li>`).join('');
  return `<section id="help-articles"><h2>${text('portal.selfService.help.heading', l)}</h2><ul>${items}</ul></section>`;
}

/** One help article's title and body (body rendered by the support domain's safe renderer). */
export function helpArticleBody(article: PublishedArticle, back: string, l: Language): string {
  return `<article id="help-article" lang="${article.language}" dir="${article.language === 'ar' ? 'rtl' : 'ltr'}">${renderArticleBody(article.body)}</article>
<p><a href="${escapeHtml(back)}">${text('portal.selfService.help.back', l)}</a></p>`;
}

export function helpArticlePage(input: PageBase & { article: PublishedArticle }): string {
  const { language: l, prefix } = input;
  return renderFrame({ language: l, prefix, title: input.article.title, body: helpArticleBody(input.article, `${prefix}/tickets`, l), signedIn: input.signedIn });
}

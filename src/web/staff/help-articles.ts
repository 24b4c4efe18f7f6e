import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { can } from '../../staff/index.js';
import {
  ARTICLE_BODY_MAX,
  ArticleError,
  articleForStaff,
  articleLanguages,
  createArticle,
  editArticle,
  listArticlesForStaff,
  moveArticle,
  setArticlePublished,
  TITLE_MAX,
  type ArticleInput,
  type ArticleRefusal,
  type StaffArticle,
} from '../../support/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, escapeHtml, flash, formatTime, ltr, one } from './ui.js';

// Issue 9's knowledge base for staff: the list of help articles in the order customers see
// them, adding and editing one with English and Arabic side by side, publishing and ordering.
// Viewing needs tickets.view; every change needs articles.edit and is audited by the domain.

const ID = /^\d{1,12}$/;
const DONE = ['created', 'saved', 'published', 'unpublished', 'moved'] as const;
type Done = (typeof DONE)[number];
const isDone = (value: unknown): value is Done => typeof value === 'string' && (DONE as readonly string[]).includes(value);
const field = (raw: Record<string, unknown>, name: string, max: number) => (one(raw[name]) ?? '').slice(0, max + 1);

interface FormValues {
  slug: string;
  category: string;
  texts: Record<'en' | 'ar', { title: string; body: string }>;
}

export function registerHelpArticleRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const base = `${prefix}/help-articles`;
  const m = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.helpArticles.${key}` as MessageKey, values, l);
  const h = (key: string, l: Language, values: Record<string, unknown> = {}) => escapeHtml(m(key, l, values));

  const refusalText = (reason: ArticleRefusal, l: Language) =>
    reason === 'slug' ? m('errors.slug', l) : reason === 'title' ? m('errors.title', l, { max: TITLE_MAX }) : reason === 'body' ? m('errors.body', l, { max: ARTICLE_BODY_MAX }) : m('errors.unknown', l);

  const page = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: string) => {
    const session = screens.sessionOf(request);
    return screens.html(reply, status, renderFrame({ language: screens.languageOf(request), prefix, signedIn: screens.signedIn(session), title, current: '/help-articles', body }));
  };

  const readForm = (raw: Record<string, unknown>): FormValues => ({
    slug: field(raw, 'slug', 80).trim(),
    category: field(raw, 'category', 40).trim(),
    texts: {
      en: { title: field(raw, 'title_en', TITLE_MAX), body: field(raw, 'body_en', ARTICLE_BODY_MAX) },
      ar: { title: field(raw, 'title_ar', TITLE_MAX), body: field(raw, 'body_ar', ARTICLE_BODY_MAX) },
    },
  });
  const valuesOf = (a: StaffArticle): FormValues => ({
    slug: a.slug,
    category: a.category,
    texts: { en: { title: a.texts.en?.title ?? '', body: a.texts.en?.body ?? '' }, ar: { title: a.texts.ar?.title ?? '', body: a.texts.ar?.body ?? '' } },
  });

  const formPage = (request: FastifyRequest, reply: FastifyReply, status: number, values: FormValues, id: number | undefined, error?: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    // English and Arabic side by side (the shared card grid stacks them on a phone), each
    // typed in its own direction whatever the page language.
    const language = (code: 'en' | 'ar') => `<fieldset lang="${code}" dir="${code === 'ar' ? 'rtl' : 'ltr'}"><legend>${h(code === 'en' ? 'form.english' : 'form.arabic', l)}</legend>
<label for="title_${code}">${h('form.title', l)}</label><input id="title_${code}" name="title_${code}"${code === 'en' ? ' required' : ''} maxlength="${TITLE_MAX}" value="${escapeHtml(values.texts[code].title)}">
<label for="body_${code}">${h('form.body', l)}</label><textarea id="body_${code}" name="body_${code}" rows="12"${code === 'en' ? ' required' : ''} maxlength="${ARTICLE_BODY_MAX}" aria-describedby="body-hint">${escapeHtml(values.texts[code].body)}</textarea>
${code === 'ar' ? `<p class="hint">${h('form.arabicHint', l)}</p>` : ''}</fieldset>`;
    const body = `${flash({ error })}<form method="post" action="${id === undefined ? base : `${base}/${id}`}">${csrfField(session.csrfToken)}
<label for="slug">${h('form.slug', l)}</label><input id="slug" name="slug" required maxlength="80" pattern="[a-z0-9]+(-[a-z0-9]+)*" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" aria-describedby="slug-hint" value="${escapeHtml(values.slug)}">
<p class="hint" id="slug-hint">${h('form.slugHint', l)}</p>
<label for="category">${h('form.category', l)}</label><input id="category" name="category" maxlength="40" dir="auto" value="${escapeHtml(values.category)}">
<div class="cards">${articleLanguages.map(language).join('')}</div>
<p class="hint" id="body-hint">${h('form.bodyHint', l, { max: ARTICLE_BODY_MAX })}</p>
<button class="main" type="submit">${h('form.save', l)}</button></form>
<ul class="links"><li><a href="${base}">${h('back', l)}</a></li></ul>`;
    return page(request, reply, status, m(id === undefined ? 'form.newHeading' : 'form.editHeading', l), body);
  };

  const input = (values: FormValues, staff: string): ArticleInput => ({ slug: values.slug, category: values.category, texts: values.texts, staff, now: screens.now() });

  app.get<{ Querystring: Record<string, unknown> }>('/help-articles', { config: { staffAction: 'tickets.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const editor = can(session.staff.role, 'articles.edit');
    const csrf = csrfField(session.csrfToken);
    const done = one(request.query.done);
    const articles = listArticlesForStaff(db);
    const button = (id: number, action: string, label: string) => `<form method="post" action="${base}/${id}/${action}" class="inline">${csrf}<button type="submit">${h(label, l)}</button></form>`;
    const rows = articles
      .map((a, i) => {
        const title = a.texts[l]?.title ?? a.texts.en?.title ?? a.slug;
        const actions = editor
          ? [
              `<a href="${base}/${a.id}">${h('edit', l)}</a>`,
              button(a.id, a.published ? 'unpublish' : 'publish', a.published ? 'unpublish' : 'publish'),
              i > 0 ? button(a.id, 'up', 'up') : '',
              i < articles.length - 1 ? button(a.id, 'down', 'down') : '',
            ].join(' ')
          : '';
        return `<tr data-slug="${escapeHtml(a.slug)}"><td dir="auto">${escapeHtml(title)}</td><td>${ltr(a.slug)}</td><td>${h(a.published ? 'published' : 'hidden', l)}</td><td>${ltr(Object.keys(a.texts).join(', '))}</td><td>${ltr(formatTime(a.updatedAt, screens.zone))} ${ltr(a.updatedBy)}</td><td>${actions}</td></tr>`;
      })
      .join('');
    const head = ['title', 'slug', 'state', 'languages', 'updated'].map((k) => `<th scope="col">${h(`columns.${k}`, l)}</th>`).join('');
    const list =
      articles.length === 0
        ? `<p id="no-articles">${h('none', l)}</p>`
        : `<div class="scroll"><table id="help-articles"><thead><tr>${head}<th scope="col"></th></tr></thead><tbody>${rows}</tbody></table></div>`;
    const body = `${flash({ notice: isDone(done) ? m(`done.${done}`, l) : undefined })}<p>${h('intro', l)}</p>
${editor ? `<ul class="links"><li><a href="${base}/new" id="add-article">${h('add', l)}</a></li></ul>` : ''}${list}`;
    return page(request, reply, 200, m('heading', l), body);
  });

  const empty: FormValues = { slug: '', category: '', texts: { en: { title: '', body: '' }, ar: { title: '', body: '' } } };
  app.get('/help-articles/new', { config: { staffAction: 'articles.edit' } }, async (request, reply) => formPage(request, reply, 200, empty, undefined));

  app.post('/help-articles', { config: { staffAction: 'articles.edit' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const values = readForm((request.body ?? {}) as Record<string, unknown>);
    try {
      const article = createArticle(db, input(values, session.staff.username));
      request.log.info({ staff: session.staff.username, article: article.id }, 'help article created');
      return reply.redirect(`${base}?done=created`, 303);
    } catch (err) {
      if (!(err instanceof ArticleError)) throw err;
      return formPage(request, reply, 400, values, undefined, refusalText(err.reason, screens.languageOf(request)));
    }
  });

  const articleOr404 = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    try {
      if (ID.test(request.params.id)) return articleForStaff(db, Number(request.params.id));
    } catch (err) {
      if (!(err instanceof ArticleError)) throw err;
    }
    void page(request, reply, 404, m('heading', screens.languageOf(request)), flash({ error: m('errors.unknown', screens.languageOf(request)) }));
    return undefined;
  };

  app.get<{ Params: { id: string } }>('/help-articles/:id', { config: { staffAction: 'articles.edit' } }, async (request, reply) => {
    const article = articleOr404(request, reply);
    if (!article) return reply;
    return formPage(request, reply, 200, valuesOf(article), article.id);
  });

  app.post<{ Params: { id: string } }>('/help-articles/:id', { config: { staffAction: 'articles.edit' } }, async (request, reply) => {
    const article = articleOr404(request, reply);
    if (!article) return reply;
    const session = screens.sessionOf(request);
    const values = readForm((request.body ?? {}) as Record<string, unknown>);
    try {
      editArticle(db, article.id, input(values, session.staff.username));
    } catch (err) {
      if (!(err instanceof ArticleError)) throw err;
      return formPage(request, reply, 400, values, article.id, refusalText(err.reason, screens.languageOf(request)));
    }
    return reply.redirect(`${base}?done=saved`, 303);
  });

  const change = (path: 'publish' | 'unpublish' | 'up' | 'down', run: (id: number, staff: string, now: number) => void, done: Done) =>
    app.post<{ Params: { id: string } }>(`/help-articles/:id/${path}`, { config: { staffAction: 'articles.edit' } }, async (request, reply) => {
      const article = articleOr404(request, reply);
      if (!article) return reply;
      const session = screens.sessionOf(request);
      run(article.id, session.staff.username, screens.now());
      request.log.info({ staff: session.staff.username, article: article.id, change: path }, 'help article changed');
      return reply.redirect(`${base}?done=${done}`, 303);
    });
  change('publish', (id, staff, now) => setArticlePublished(db, { id, published: true, staff, now }), 'published');
  change('unpublish', (id, staff, now) => setArticlePublished(db, { id, published: false, staff, now }), 'unpublished');
  change('up', (id, staff, now) => moveArticle(db, { id, direction: 'up', staff, now }), 'moved');
  change('down', (id, staff, now) => moveArticle(db, { id, direction: 'down', staff, now }), 'moved');
}

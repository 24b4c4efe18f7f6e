import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { kbArticles, kbArticleTexts, type ArticleLanguage } from '../db/schema/support.js';
import { recordAudit } from '../staff/index.js';

// The knowledge base: short help articles staff write in English and Arabic, which customers
// read on the portal's Help page and on the hotspot page without signing in. Bodies are plain
// text (blank lines between paragraphs, `[words](link)` for links); they are never HTML, so a
// staff member cannot put markup or script in front of customers. See renderArticleBody.

export type { ArticleLanguage };
export const articleLanguages: readonly ArticleLanguage[] = ['en', 'ar'];
export const TITLE_MAX = 120;
export const ARTICLE_BODY_MAX = 8000;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SLUG_MAX = 80;

export type ArticleRefusal =
  /** Slug empty, too long, not lower-case letters, digits and dashes, or already used. */
  | 'slug'
  /** A title empty or longer than TITLE_MAX, or the English title missing. */
  | 'title'
  /** A body empty or longer than ARTICLE_BODY_MAX, or the English body missing. */
  | 'body'
  | 'unknown-article';

/** Something staff asked that an article cannot do; the page says which, in its own words. */
export class ArticleError extends Error {
  constructor(readonly reason: ArticleRefusal) {
    super(`article refused: ${reason}`);
  }
}

export type Article = typeof kbArticles.$inferSelect;
export type ArticleText = { title: string; body: string };

/** An article with its text in every language it has, as staff edit it. */
export interface StaffArticle extends Article {
  texts: Partial<Record<ArticleLanguage, ArticleText>>;
}

/** What a reader sees: one language's text (English when the asked one is missing). */
export interface PublishedArticle {
  id: number;
  slug: string;
  category: string;
  language: ArticleLanguage;
  title: string;
  body: string;
}

export interface ArticleInput {
  slug: string;
  category?: string | undefined;
  /** English is required; Arabic may be left empty (readers then get the English). */
  texts: Partial<Record<ArticleLanguage, { title?: string | undefined; body?: string | undefined }>>;
  staff: string;
  now: number;
}

function cleanSlug(text: string): string {
  const slug = text.trim().toLowerCase();
  if (slug.length === 0 || slug.length > SLUG_MAX || !SLUG.test(slug)) throw new ArticleError('slug');
  return slug;
}

function cleanTexts(texts: ArticleInput['texts']): Partial<Record<ArticleLanguage, ArticleText>> {
  const clean: Partial<Record<ArticleLanguage, ArticleText>> = {};
  for (const language of articleLanguages) {
    const title = (texts[language]?.title ?? '').replace(/\s+/g, ' ').trim();
    const body = (texts[language]?.body ?? '').replace(/\r\n?/g, '\n').trim();
    // A language left wholly empty is simply not written; half a translation is a mistake.
    if (language !== 'en' && title === '' && body === '') continue;
    if (title.length === 0 || title.length > TITLE_MAX) throw new ArticleError('title');
    if (body.length === 0 || body.length > ARTICLE_BODY_MAX) throw new ArticleError('body');
    clean[language] = { title, body };
  }
  return clean;
}

function writeTexts(d: Db, articleId: number, texts: Partial<Record<ArticleLanguage, ArticleText>>): void {
  d.delete(kbArticleTexts).where(eq(kbArticleTexts.articleId, articleId)).run();
  for (const language of articleLanguages) {
    const text = texts[language];
    if (text) d.insert(kbArticleTexts).values({ articleId, language, ...text }).run();
  }
}

function slugTaken(d: Db, slug: string, except?: number): boolean {
  const row = d.select({ id: kbArticles.id }).from(kbArticles).where(eq(kbArticles.slug, slug)).get();
  return row !== undefined && row.id !== except;
}

/** A new article, unpublished, placed after the others. */
export function createArticle(db: Db, input: ArticleInput): Article {
  const slug = cleanSlug(input.slug);
  const texts = cleanTexts(input.texts);
  const category = (input.category ?? '').trim() || 'general';
  return db.transaction((tx) => {
    const d = tx as Db;
    if (slugTaken(d, slug)) throw new ArticleError('slug');
    const last = d.select({ position: kbArticles.position }).from(kbArticles).orderBy(asc(kbArticles.position)).all().at(-1);
    const article = d
      .insert(kbArticles)
      .values({ slug, category, position: (last?.position ?? 0) + 1, published: false, createdAt: input.now, updatedAt: input.now, updatedBy: input.staff })
      .returning()
      .get();
    writeTexts(d, article.id, texts);
    recordAudit(d, `staff:${input.staff}`, 'article.create', `article:${article.id}`, { slug, category }, input.now);
    return article;
  }, { behavior: 'immediate' });
}

/** Rewrites an article's slug, category and texts; published stays as it was. */
export function editArticle(db: Db, id: number, input: ArticleInput): Article {
  const slug = cleanSlug(input.slug);
  const texts = cleanTexts(input.texts);
  const category = (input.category ?? '').trim() || 'general';
  return db.transaction((tx) => {
    const d = tx as Db;
    articleRow(d, id);
    if (slugTaken(d, slug, id)) throw new ArticleError('slug');
    const article = d.update(kbArticles).set({ slug, category, updatedAt: input.now, updatedBy: input.staff }).where(eq(kbArticles.id, id)).returning().get()!;
    writeTexts(d, id, texts);
    recordAudit(d, `staff:${input.staff}`, 'article.edit', `article:${id}`, { slug, category, languages: Object.keys(texts) }, input.now);
    return article;
  }, { behavior: 'immediate' });
}

function articleRow(db: Db, id: number): Article {
  const row = db.select().from(kbArticles).where(eq(kbArticles.id, id)).get();
  if (!row) throw new ArticleError('unknown-article');
  return row;
}

/** Shows (true) or hides (false) an article from customers. */
export function setArticlePublished(db: Db, input: { id: number; published: boolean; staff: string; now: number }): Article {
  return db.transaction((tx) => {
    const d = tx as Db;
    const article = articleRow(d, input.id);
    if (article.published === input.published) return article;
    recordAudit(d, `staff:${input.staff}`, input.published ? 'article.publish' : 'article.unpublish', `article:${input.id}`, { slug: article.slug }, input.now);
    return d.update(kbArticles).set({ published: input.published, updatedAt: input.now, updatedBy: input.staff }).where(eq(kbArticles.id, input.id)).returning().get()!;
  }, { behavior: 'immediate' });
}

/** Moves an article one place up or down the list, swapping with its neighbour. */
export function moveArticle(db: Db, input: { id: number; direction: 'up' | 'down'; staff: string; now: number }): void {
  db.transaction((tx) => {
    const d = tx as Db;
    articleRow(d, input.id);
    const order = d.select({ id: kbArticles.id }).from(kbArticles).orderBy(asc(kbArticles.position), asc(kbArticles.id)).all().map((r) => r.id);
    const at = order.indexOf(input.id);
    const to = input.direction === 'up' ? at - 1 : at + 1;
    if (to < 0 || to >= order.length) return;
    [order[at], order[to]] = [order[to]!, order[at]!];
    order.forEach((id, i) => d.update(kbArticles).set({ position: i + 1 }).where(eq(kbArticles.id, id)).run());
    recordAudit(d, `staff:${input.staff}`, 'article.move', `article:${input.id}`, { direction: input.direction }, input.now);
  }, { behavior: 'immediate' });
}

/** Every article, published or not, in display order with all its texts (the staff list). */
export function listArticlesForStaff(db: Db): StaffArticle[] {
  const articles = db.select().from(kbArticles).orderBy(asc(kbArticles.position), asc(kbArticles.id)).all();
  const texts = db.select().from(kbArticleTexts).all();
  return articles.map((a) => ({
    ...a,
    texts: Object.fromEntries(texts.filter((t) => t.articleId === a.id).map((t) => [t.language, { title: t.title, body: t.body }])),
  }));
}

export function articleForStaff(db: Db, id: number): StaffArticle {
  const found = listArticlesForStaff(db).find((a) => a.id === id);
  if (!found) throw new ArticleError('unknown-article');
  return found;
}

function readerText(db: Db, article: Article, language: ArticleLanguage): PublishedArticle | undefined {
  const texts = db.select().from(kbArticleTexts).where(eq(kbArticleTexts.articleId, article.id)).all();
  const text = texts.find((t) => t.language === language) ?? texts.find((t) => t.language === 'en');
  if (!text) return undefined;
  return { id: article.id, slug: article.slug, category: article.category, language: text.language, title: text.title, body: text.body };
}

/** Published articles in display order, in `language` where written, else in English. */
export function listPublishedArticles(db: Db, language: ArticleLanguage): PublishedArticle[] {
  const articles = db.select().from(kbArticles).where(eq(kbArticles.published, true)).orderBy(asc(kbArticles.position), asc(kbArticles.id)).all();
  return articles.flatMap((a) => readerText(db, a, language) ?? []);
}

/** One published article by slug; undefined for an unknown or unpublished one (same to readers). */
export function publishedArticle(db: Db, slug: string, language: ArticleLanguage): PublishedArticle | undefined {
  const article = db.select().from(kbArticles).where(and(eq(kbArticles.slug, slug), eq(kbArticles.published, true))).get();
  return article && readerText(db, article, language);
}

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Links may go to the web (http/https), a phone number, or a page of this site; nothing else. */
// A same-site path may not start with two slashes or a slash and a backslash (browsers read both as another host).
const SAFE_HREF = /^(?:https?:\/\/[^\s]+|tel:\+?[0-9 ]+|\/[^\s/\\][^\s\\]*|\/)$/;
const LINK = /\[([^\]\n]+)\]\(([^)\s]+)\)/g;

/**
 * An article body as HTML: every character escaped, blank-line paragraphs as <p>, single line
 * breaks kept, and `[words](link)` as a link when the link is safe (else left as written).
 * Portal and hotspot pages both use this, so the rule lives in one place.
 */
export function renderArticleBody(body: string): string {
  return body
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      let html = '';
      let last = 0;
      for (const m of p.matchAll(LINK)) {
        html += escape(p.slice(last, m.index));
        const [whole, words, href] = m as unknown as [string, string, string];
        html += SAFE_HREF.test(href) ? `<a href="${escape(href)}" rel="noopener nofollow">${escape(words)}</a>` : escape(whole);
        last = m.index! + whole.length;
      }
      html += escape(p.slice(last));
      return `<p>${html.replace(/\n/g, '<br>')}</p>`;
    })
    .join('');
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { openTestDatabase } from '../messaging/test-fixtures.js';
import { auditTrail } from '../staff/index.js';
import {
  ArticleError,
  createArticle,
  editArticle,
  listArticlesForStaff,
  listPublishedArticles,
  moveArticle,
  publishedArticle,
  renderArticleBody,
  setArticlePublished,
  type ArticleRefusal,
} from './index.js';

const T0 = Date.UTC(2026, 2, 2, 7, 0, 0);
let conn: Connection;

function refusal(fn: () => unknown): ArticleRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof ArticleError) return err.reason;
    throw err;
  }
  throw new Error('expected a refusal');
}

const both = { en: { title: 'Restart your router', body: 'Unplug it.\n\nWait ten seconds.' }, ar: { title: 'أعد تشغيل الراوتر', body: 'افصله.' } };

beforeEach(() => {
  conn = openTestDatabase();
});
afterEach(() => conn.close());

describe('knowledge base articles', () => {
  it('a new article is hidden from customers until staff publish it', () => {
    const a = createArticle(conn.db, { slug: 'restart-router', texts: both, staff: 'amina', now: T0 });
    expect(listPublishedArticles(conn.db, 'en')).toEqual([]);
    expect(publishedArticle(conn.db, 'restart-router', 'en')).toBeUndefined();
    setArticlePublished(conn.db, { id: a.id, published: true, staff: 'amina', now: T0 + 1 });
    expect(listPublishedArticles(conn.db, 'ar').map((x) => x.title)).toEqual(['أعد تشغيل الراوتر']);
    setArticlePublished(conn.db, { id: a.id, published: false, staff: 'amina', now: T0 + 2 });
    expect(listPublishedArticles(conn.db, 'ar')).toEqual([]);
    expect(auditTrail(conn.db, `article:${a.id}`).map((e) => e.action)).toEqual(['article.unpublish', 'article.publish', 'article.create']);
  });

  it('a reader asking for Arabic gets English when the article has no Arabic text', () => {
    const a = createArticle(conn.db, { slug: 'pay-mpesa', texts: { en: { title: 'Pay with M-Pesa', body: 'Use paybill.' } }, staff: 'amina', now: T0 });
    setArticlePublished(conn.db, { id: a.id, published: true, staff: 'amina', now: T0 });
    expect(publishedArticle(conn.db, 'pay-mpesa', 'ar')).toMatchObject({ language: 'en', title: 'Pay with M-Pesa' });
  });

  it('refuses a missing English text, half a translation, over-long text and a taken or odd slug', () => {
    expect(refusal(() => createArticle(conn.db, { slug: 'x', texts: { ar: both.ar }, staff: 's', now: T0 }))).toBe('title');
    expect(refusal(() => createArticle(conn.db, { slug: 'x', texts: { en: both.en, ar: { title: 'عنوان' } }, staff: 's', now: T0 }))).toBe('body');
    expect(refusal(() => createArticle(conn.db, { slug: 'x', texts: { en: { title: 'a'.repeat(121), body: 'b' } }, staff: 's', now: T0 }))).toBe('title');
    expect(refusal(() => createArticle(conn.db, { slug: 'x', texts: { en: { title: 'a', body: 'b'.repeat(8001) } }, staff: 's', now: T0 }))).toBe('body');
    expect(refusal(() => createArticle(conn.db, { slug: 'Has Spaces', texts: both, staff: 's', now: T0 }))).toBe('slug');
    createArticle(conn.db, { slug: 'one', texts: both, staff: 's', now: T0 });
    expect(refusal(() => createArticle(conn.db, { slug: 'one', texts: both, staff: 's', now: T0 }))).toBe('slug');
  });

  it('editing rewrites both languages and dropping the Arabic falls back to English', () => {
    const a = createArticle(conn.db, { slug: 'one', texts: both, staff: 's', now: T0 });
    editArticle(conn.db, a.id, { slug: 'one-more', texts: { en: { title: 'New', body: 'Body' } }, staff: 's', now: T0 + 5 });
    const [staffView] = listArticlesForStaff(conn.db);
    expect(staffView).toMatchObject({ slug: 'one-more', updatedBy: 's', texts: { en: { title: 'New', body: 'Body' } } });
    expect(staffView!.texts.ar).toBeUndefined();
  });

  it('moving an article up swaps it with the one above, for staff and readers alike', () => {
    const ids = ['a', 'b', 'c'].map((slug) => createArticle(conn.db, { slug, texts: { en: { title: slug, body: slug } }, staff: 's', now: T0 }).id);
    ids.forEach((id) => setArticlePublished(conn.db, { id, published: true, staff: 's', now: T0 }));
    moveArticle(conn.db, { id: ids[2]!, direction: 'up', staff: 's', now: T0 });
    moveArticle(conn.db, { id: ids[0]!, direction: 'up', staff: 's', now: T0 });
    expect(listPublishedArticles(conn.db, 'en').map((a) => a.slug)).toEqual(['a', 'c', 'b']);
  });
});

describe('article body rendering', () => {
  it('escapes every character staff typed, so no markup reaches customers', () => {
    expect(renderArticleBody('<script>alert(1)</script> & "x"')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</p>');
  });

  it('makes blank-line paragraphs and keeps single line breaks', () => {
    expect(renderArticleBody('One\ntwo\n\n\nThree')).toBe('<p>One<br>two</p><p>Three</p>');
  });

  it('links web, phone and same-site addresses but leaves a javascript: link as plain text', () => {
    expect(renderArticleBody('See [our site](https://example.com/a?b=1&c=2) or [call](tel:+254700000000).')).toBe(
      '<p>See <a href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow">our site</a> or <a href="tel:+254700000000" rel="noopener nofollow">call</a>.</p>',
    );
    expect(renderArticleBody('[help](/portal/tickets)')).toContain('href="/portal/tickets"');
    expect(renderArticleBody('[x](javascript:alert(1))')).not.toContain('<a');
    expect(renderArticleBody('[x](//evil.example)')).not.toContain('<a');
    expect(renderArticleBody('[x](/\\evil.example)')).not.toContain('<a');
  });
});

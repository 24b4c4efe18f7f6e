import { gzipSync } from 'node:zlib';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorMessage, LangoError, type ErrorCode } from '../../errors.js';
import { t, type Language } from '../../i18n/index.js';
import type { PurchaseStatus } from '../../payments/index.js';
import { renderArticleBody, type PublishedArticle } from '../../support/index.js';
import { defaultHotspotDir, loadHotspotFiles, logoAsset, PORTAL_PLACEHOLDER, ROUTER_TEMPLATES, type HashedAsset, type RouterTemplate } from './assets.js';
import { pickLanguage } from './language.js';
import { escapeHtml as escapeText, renderHelpPage, renderPortalPage, type CaptivePackage } from './portal-page.js';
import { describePaid, type PaidContext, type PaidFinding } from './paid-answer.js';
import { describePurchase } from './purchase-answer.js';
import { readRouterVisit } from './router-visit.js';

export type { CaptivePackage } from './portal-page.js';

/** Buying a package on the page with the phone (M-Pesa STK push, MoMo request to pay). */
export interface CaptiveBuy {
  /** What is on sale, in the page language (validity words, price format). */
  packages(language: Language): Promise<readonly CaptivePackage[]>;
  /**
   * Prompts the phone to pay for the plan; `key` is the purchase's unguessable id, which the
   * page polls. Throws LangoError for what the customer or the operator must fix.
   */
  start(input: { planId: number; phone: string }): Promise<{ key: string }>;
  status(key: string): PurchaseStatus | undefined;
}

/** "I paid but I'm not online": a receipt code or a phone number typed on the page. */
export interface CaptivePaid {
  /** Finds the payment; `mac` is the router visit's (the asking device). */
  ask(input: { text: string; mac: string }): Promise<{ via: PaidContext['via']; finding: PaidFinding }>;
  /** A receipt lookup still with the provider, by the key `ask` answered with; undefined for an unknown key. */
  follow(key: string): PaidFinding | undefined;
  /** What the sentences need: the provider's name, whom to call, the operator's zone. */
  context(): Pick<PaidContext, 'provider' | 'contact' | 'zone'>;
}

export interface CaptiveOperator {
  name: string;
  /** PNG or JPEG data URL (the 'operator.logo' setting), or null. */
  logo: string | null;
  /** '#rrggbb' for buttons and links; null = Lango green. */
  colour: string | null;
}

export interface CaptiveOptions {
  /** Read at most every few seconds, so a changed name, logo or colour shows without a restart. */
  operator(): CaptiveOperator;
  /** The password a voucher logs in with: the code itself, or nothing (username = code either way). */
  voucherPassword: 'code' | 'blank';
  /** When present, the page lists the packages on sale under "Buy a package", paid for with the phone. */
  buy?: CaptiveBuy;
  /**
   * Purchases one client address may start per minute (default 10). Hotspot routers NAT their
   * customers, so this is usually per hotspot, not per phone: keep it above a busy hour's sales.
   */
  buyPerMinute?: number;
  /**
   * Hotspot login host names the page may post to besides private addresses and LAN-only names
   * (a router's public `dns-name`, e.g. login.example.net).
   */
  routerHosts?(): readonly string[];
  /** When present, the page offers "I paid but I'm not online". */
  paid?: CaptivePaid;
  /**
   * Payment checks one client address may make per minute (default 20): each may ask a provider.
   * Hotspot routers NAT their customers, so this is per hotspot; receipt codes are ten random
   * characters and the phone path answers one sentence, so it guards the provider, not secrets.
   */
  paidPerMinute?: number;
  /** Folder with the RouterOS templates and assets/; default web/hotspot of this install. */
  hotspotDir?: string;
  /** Published help articles, readable at /hotspot/help without signing in. */
  help?: {
    articles(language: Language): readonly PublishedArticle[];
    article(slug: string, language: Language): PublishedArticle | undefined;
  };
}

const OPERATOR_REFRESH_MS = 5_000;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_STORE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

const buyBody = z.object({
  planId: z.coerce.number().int().positive().max(2 ** 31),
  phone: z.string().trim().min(1).max(32),
  lang: z.string().max(8).optional(),
});

const paidBody = z.object({
  code: z.string().trim().min(1).max(40),
  mac: z.string().max(32).optional(),
  lang: z.string().max(8).optional(),
});

/** Misses from one address within this window before the log says so. */
const MISS_WINDOW_MS = 10 * 60_000;
const MISSES_LOGGED = 3;

/** Attempt keys are UUIDs; anything else is not worth a database lookup. */
const ATTEMPT_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Failures the customer cannot fix: the operator's setup. The customer is told to use a voucher; the log says what to fix. */
const SETUP_ERRORS: ReadonlySet<ErrorCode> = new Set(['PAY_NOT_CONFIGURED', 'PAY_NO_PUBLIC_URL', 'PAY_CURRENCY_NOT_TAKEN', 'PAY_AMOUNT_STEP', 'PAY_BAD_CONFIG']);

/** A refused purchase in the customer's words and language. */
function explainStartError(err: LangoError, language: Language): string {
  if (err.code === 'INPUT_BAD_PHONE') return t('portal.buy.badPhone', { value: String(err.values.value ?? '').slice(0, 32) }, language);
  if (err.code === 'INPUT_UNKNOWN_PLAN') return t('portal.buy.unknownPackage', {}, language);
  if (SETUP_ERRORS.has(err.code)) return t('portal.buy.unavailable', {}, language);
  return errorMessage(err.code, language, err.values);
}

function requestLanguage(request: FastifyRequest, fromBody?: unknown): Language {
  return pickLanguage(fromBody ?? (request.query as Record<string, unknown> | undefined)?.lang, request.headers['accept-language']);
}

function acceptsGzip(request: FastifyRequest): boolean {
  return /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
}

function sendBody(request: FastifyRequest, reply: FastifyReply, type: string, body: Buffer, gzip: Buffer | null): FastifyReply {
  reply.type(type);
  if (gzip) {
    reply.header('vary', 'accept-encoding');
    if (acceptsGzip(request)) return reply.header('content-encoding', 'gzip').send(gzip);
  }
  return reply.send(body);
}

/**
 * The captive portal (register with prefix '/hotspot'): the page the router's login.html sends
 * customers to, its cached assets, and the RouterOS templates with this server's URL filled in
 * (for `/tool fetch`). The page completes the login in the customer's browser, against the
 * router; this plugin never receives a password.
 */
export const captivePortal: FastifyPluginAsync<CaptiveOptions> = async (app, options) => {
  const files = loadHotspotFiles(options.hotspotDir ?? defaultHotspotDir());
  const prefix = app.prefix;
  const assetUrl = (asset: HashedAsset) => `${prefix}/assets/${asset.name}`;

  let operator: { name: string; colour: string | null; logo: HashedAsset | null } | undefined;
  let readAt = 0;
  let logoText: string | null = null;
  let warnedLogo = false;
  const currentOperator = (request: FastifyRequest) => {
    const now = Date.now();
    if (!operator || now - readAt > OPERATOR_REFRESH_MS) {
      const current = options.operator();
      let logo = operator?.logo ?? null;
      if (current.logo !== logoText || !operator) {
        const asset = logoAsset(current.logo);
        if (asset === 'too-large' && !warnedLogo) {
          request.log.warn('the operator logo is too large for the captive portal; the page shows the name only. Save a smaller logo (under 36 KB).');
          warnedLogo = true;
        }
        logo = asset === 'too-large' ? null : asset;
        logoText = current.logo;
      }
      operator = { name: current.name, colour: current.colour, logo };
      readAt = now;
    }
    return operator;
  };

  app.get('/', async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const language = pickLanguage(query.lang, request.headers['accept-language']);
    const visit = readRouterVisit(query, options.routerHosts?.() ?? []);
    const current = currentOperator(request);
    let packages: readonly CaptivePackage[] | undefined;
    if (options.buy && visit.target.kind !== 'none') {
      try {
        packages = await options.buy.packages(language);
      } catch (err) {
        request.log.warn({ err }, 'the captive portal could not list packages; the page is shown without them');
      }
    }
    const search = new URLSearchParams(request.url.split('?')[1] ?? '');
    search.set('lang', language === 'ar' ? 'en' : 'ar');
    const page = renderPortalPage({
      language,
      operatorName: current.name,
      colour: current.colour,
      logoUrl: current.logo ? assetUrl(current.logo) : null,
      scriptUrl: assetUrl(files.script),
      otherLanguageUrl: `${prefix}?${search.toString()}`,
      visit,
      voucherPassword: options.voucherPassword,
      ...(packages && { packages, buyUrl: `${prefix}/buy` }),
      ...(options.help && options.help.articles(language).length > 0 && { helpUrl: `${prefix}/help?lang=${language}` }),
      ...(options.paid && { paid: { url: `${prefix}/paid`, provider: options.paid.context().provider } }),
    });
    reply.headers({
      'cache-control': 'no-store',
      'content-language': language,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      // The forms post to the router, wherever it is: http for HTTP-CHAP, https for PAP.
      'content-security-policy': `default-src 'none'; script-src 'self'; style-src ${page.styleSource}; img-src 'self'; connect-src 'self'; form-action http: https:; base-uri 'none'; frame-ancestors 'none'`,
    });
    reply.header('vary', 'accept-language');
    const body = Buffer.from(page.html, 'utf8');
    return sendBody(request, reply, 'text/html; charset=utf-8', body, gzipSync(body));
  });

  // Help articles before signing in: the same safe renderer as the portal, no script.
  const helpPage = (request: FastifyRequest, reply: FastifyReply, status: number, language: Language, title: string, bodyHtml: string, back: string, backLabel: string) => {
    const current = currentOperator(request);
    const path = request.url.split('?')[0]!;
    const page = renderHelpPage({ language, operatorName: current.name, colour: current.colour, title, bodyHtml, otherLanguageUrl: `${path}?lang=${language === 'ar' ? 'en' : 'ar'}`, backUrl: back, backLabel });
    reply.code(status).headers({
      ...NO_STORE,
      'content-language': language,
      'referrer-policy': 'no-referrer',
      'content-security-policy': `default-src 'none'; style-src ${page.styleSource}; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
    });
    const body = Buffer.from(page.html, 'utf8');
    return sendBody(request, reply, 'text/html; charset=utf-8', body, gzipSync(body));
  };
  if (options.help) {
    const help = options.help;
    app.get('/help', async (request, reply) => {
      const language = requestLanguage(request);
      const say = (key: Parameters<typeof t>[0]) => t(key, {}, language);
      const list = help.articles(language);
      const items = list.map((a) => `<li><a href="${prefix}/help/${encodeURIComponent(a.slug)}?lang=${language}" lang="${a.language}" dir="auto">${escapeText(a.title)}</a></li>`).join('');
      const body = list.length === 0 ? `<p>${escapeText(say('portal.selfService.help.none'))}</p>` : `<ul id="help-articles">${items}</ul>`;
      return helpPage(request, reply, 200, language, say('portal.selfService.help.heading'), body, `${prefix}?lang=${language}`, say('portal.selfService.help.backToLogin'));
    });
    app.get<{ Params: { slug: string } }>('/help/:slug', async (request, reply) => {
      const language = requestLanguage(request);
      const article = help.article(request.params.slug.slice(0, 100), language);
      const back = `${prefix}/help?lang=${language}`;
      const backLabel = t('portal.selfService.help.back', {}, language);
      if (!article) return helpPage(request, reply, 404, language, t('portal.selfService.help.heading', {}, language), `<p>${escapeText(t('portal.selfService.help.notFound', {}, language))}</p>`, back, backLabel);
      const bodyHtml = `<div id="help-article" lang="${article.language}" dir="${article.language === 'ar' ? 'rtl' : 'ltr'}">${renderArticleBody(article.body)}</div>`;
      return helpPage(request, reply, 200, language, article.title, bodyHtml, back, backLabel);
    });
  }

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const logo = currentOperator(request).logo;
    const asset = request.params.name === files.script.name ? files.script : logo && request.params.name === logo.name ? logo : undefined;
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    reply.headers({ 'cache-control': IMMUTABLE, 'x-content-type-options': 'nosniff' });
    return sendBody(request, reply, asset.type, asset.body, asset.gzip);
  });

  // e.g. on the router: /tool fetch url=https://portal.example.net/hotspot/router/login.html dst-path=hotspot/login.html
  app.get<{ Params: { file: string } }>('/router/:file', async (request, reply) => {
    const file = request.params.file as RouterTemplate;
    if (!ROUTER_TEMPLATES.includes(file)) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    const text = file === 'login.html' ? files.templates[file].replaceAll(PORTAL_PLACEHOLDER, `${request.protocol}://${request.host}${prefix}`) : files.templates[file];
    reply.header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(text);
  });

  if (options.buy || options.paid) {
    // Scoped to this plugin and to the routes that name a limit (global: false); keyed by client
    // address (X-Forwarded-For when trustProxy is on). The 429 is answered by the error handler.
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) => Object.assign(new Error(`rate limit: ${context.max} requests a minute`), { statusCode: context.statusCode }),
    });
    // Plain HTML forms post this; the page's script sends JSON.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }

  if (options.buy) {
    const buy = options.buy;

    app.post('/buy', { bodyLimit: 1024, config: { rateLimit: { max: options.buyPerMinute ?? 10, timeWindow: 60_000 } } }, async (request, reply) => {
      reply.headers(NO_STORE);
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const language = requestLanguage(request, raw.lang);
      const body = buyBody.safeParse(raw);
      if (!body.success) {
        const phoneWrong = body.error.issues.some((issue) => issue.path[0] === 'phone');
        const error = phoneWrong ? t('portal.buy.badPhone', { value: typeof raw.phone === 'string' ? raw.phone.slice(0, 32) : '' }, language) : t('portal.buy.unknownPackage', {}, language);
        return reply.code(400).send({ error });
      }
      const { planId, phone } = body.data;
      // Only what the page offers can be bought (and it says which provider will prompt the phone).
      const item = (await buy.packages(language)).find((candidate) => candidate.planId === planId);
      if (!item) return reply.code(400).send({ error: t('portal.buy.unknownPackage', {}, language) });
      try {
        const { key } = await buy.start({ planId, phone });
        const message = t(item.provider === 'mpesa' ? 'portal.buy.checkPhoneMpesa' : 'portal.buy.checkPhoneOther', { price: item.price }, language);
        return reply.send({ key, message });
      } catch (err) {
        if (!(err instanceof LangoError)) throw err;
        if (SETUP_ERRORS.has(err.code)) request.log.warn({ code: err.code }, `a hotspot purchase could not start: ${err.message}`);
        return reply.code(400).send({ error: explainStartError(err, language) });
      }
    });

    // The key is the right to see the code it bought: not written to the request log.
    app.get<{ Params: { key: string } }>('/buy/:key', { logLevel: 'warn' }, async (request, reply) => {
      reply.headers(NO_STORE);
      const language = requestLanguage(request);
      const status = ATTEMPT_KEY.test(request.params.key) ? buy.status(request.params.key) : undefined;
      if (!status) return reply.code(404).send({ error: t('portal.buy.unknownPayment', {}, language) });
      return reply.send(describePurchase(status, language));
    });
  }

  if (options.paid) {
    const paid = options.paid;
    // Misses (codes and numbers that find nothing) per client address, so a run of guesses shows
    // in the log; what was typed is never logged whole, and a phone number not at all.
    const misses = new Map<string, { count: number; since: number }>();
    const noteMiss = (request: FastifyRequest, via: PaidContext['via'], typed: string) => {
      const now = Date.now();
      for (const [address, entry] of misses) if (now - entry.since > MISS_WINDOW_MS) misses.delete(address);
      const entry = misses.get(request.ip) ?? { count: 0, since: now };
      entry.count += 1;
      misses.set(request.ip, entry);
      if (entry.count >= MISSES_LOGGED) {
        const tried = via === 'phone' ? 'a phone number' : typed ? `${typed.slice(0, 2)}… (${typed.length} characters)` : 'a receipt code';
        request.log.warn({ misses: entry.count, tried }, 'repeated payment checks that find nothing from one address');
      }
    };
    const answer = (finding: PaidFinding, via: PaidContext['via'], language: Language) =>
      describePaid(finding, language, { ...paid.context(), via, now: Date.now() });

    // What was typed is a receipt code or a phone number: kept out of the request log.
    app.post('/paid', { bodyLimit: 1024, logLevel: 'warn', config: { rateLimit: { max: options.paidPerMinute ?? 20, timeWindow: 60_000 } } }, async (request, reply) => {
      reply.headers(NO_STORE);
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const language = requestLanguage(request, raw.lang);
      const body = paidBody.safeParse(raw);
      if (!body.success) {
        const value = typeof raw.code === 'string' ? raw.code.trim().slice(0, 40) : '';
        return reply.code(400).send(answer({ kind: 'bad-input', value }, 'receipt', language));
      }
      const { via, finding } = await paid.ask({ text: body.data.code, mac: body.data.mac ?? '' });
      if (finding.kind === 'unknown' || finding.kind === 'no-payment' || finding.kind === 'bad-input') noteMiss(request, via, body.data.code.replace(/\s+/g, ''));
      return reply.send(answer(finding, via, language));
    });

    // The key is the right to see what the lookup found: not written to the request log.
    app.get<{ Params: { key: string } }>('/paid/:key', { logLevel: 'warn' }, async (request, reply) => {
      reply.headers(NO_STORE);
      const language = requestLanguage(request);
      const finding = ATTEMPT_KEY.test(request.params.key) ? paid.follow(request.params.key) : undefined;
      if (!finding) return reply.code(404).send(answer({ kind: 'unknown' }, 'receipt', language));
      if (finding.kind === 'unknown') noteMiss(request, 'receipt', '');
      return reply.send(answer(finding, 'receipt', language));
    });
  }

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'captive portal request failed');
    const language = requestLanguage(request);
    // The purchase routes answer the page's script in JSON, with a sentence it can show as it is.
    if (request.url.startsWith(`${prefix}/buy`)) {
      const key = status === 429 ? 'portal.buy.tooMany' : status >= 500 ? 'portal.buy.unavailable' : 'portal.buy.failed';
      return reply.code(status).headers(NO_STORE).send({ error: t(key, {}, language) });
    }
    if (request.url.startsWith(`${prefix}/paid`)) {
      const key = status === 429 ? 'portal.selfService.paid.tooMany' : 'portal.buy.network';
      return reply.code(status).headers(NO_STORE).send({ state: 'info', message: t(key, {}, language) });
    }
    return reply.code(status).type('text/plain; charset=utf-8').send(t('portal.unavailable', {}, language));
  });
};

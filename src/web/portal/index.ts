import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Db } from '../../db/connection.js';
import { t, type Language } from '../../i18n/index.js';
import {
  checkCode,
  CODE_TTL_MS,
  LOCK_AFTER,
  PASSWORD_MAX,
  PASSWORD_MIN,
  portalHome,
  randomToken,
  requestCode,
  sameToken,
  sessionFor,
  setPortalLanguage,
  setPortalPassword,
  signInWithPassword,
  signOut,
  type PortalSession,
} from '../../portal/index.js';
import { pickLanguage } from '../captive/language.js';
import { cookieHeader, readCookies } from '../cookies.js';
import { registerOffline } from '../offline.js';
import { registerPagePlumbing, setPageErrorHandler } from '../page-plugin.js';
import { codePage, homePage, messagePage, passwordPage, signInPage, STYLESHEET, STYLESHEET_NAME, type SignedIn } from './pages.js';
import { registerPaidRoutes } from './paid.js';
import { registerPayRoutes } from './pay.js';
import { registerPlanRoutes } from './plan.js';
import type { PortalScreens, RegisterPortalScreen } from './screens.js';
import type { PortalServices } from './services.js';
import { registerTicketsRoutes } from './tickets.js';

/** Every page module beyond sign-in and home, each registering its own routes. */
const SCREENS: readonly RegisterPortalScreen[] = [registerPayRoutes, registerPaidRoutes, registerPlanRoutes, registerTicketsRoutes];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Customer portal: reachable without signing in (sign-in pages, the stylesheet). */
    portalPublic?: boolean;
  }
}

export interface PortalWebOptions {
  db: Db;
  /** The operator's time zone: dates on the pages, usage periods. */
  zone: string;
  /** Sign-in attempts one client address may make per minute on each sign-in form (default 20). */
  signInPerMinute?: number;
  sessionTtlMs?: number;
  /** The clock (tests). */
  now?: () => number;
  /** The daemon's parts some pages use (payments…); absent in a bare plugin. */
  services?: PortalServices;
}

export const SESSION_COOKIE = 'lango_portal';
/** Double-submit token of the sign-in forms, before any session exists. */
export const FORM_COOKIE = 'lango_portal_form';
/** Names the code page's pending code (not a session: it opens nothing). */
export const CODE_COOKIE = 'lango_portal_code';
const LANGUAGE_COOKIE = 'lango_portal_lang';

const signInBody = z.object({ identifier: z.string().max(200), password: z.string().max(1000) });
const sendBody = z.object({ identifier: z.string().max(200) });
const codeBody = z.object({ code: z.string().max(20) });
const passwordBody = z.object({ next: z.string().max(1000), repeat: z.string().max(1000) });

/**
 * The customer self-service portal (register with prefix '/portal'): sign-in by phone or
 * username and password, or by a code sent by SMS; setting a password; the home page with the
 * customer's own plan, usage, money and sessions. Nothing takes an id from the address: every
 * page shows the signed-in customer's data only. The design mirrors the staff pages: the cookie
 * holds a random token and the table its SHA-256, forms carry a CSRF token, sign-in forms are
 * rate-limited per address and five wrong tries lock for fifteen minutes.
 */
export const portalPages: FastifyPluginAsync<PortalWebOptions> = async (app, options) => {
  const { db } = options;
  const prefix = app.prefix;
  const now = options.now ?? Date.now;
  const sessions = new WeakMap<FastifyRequest, PortalSession>();

  await registerPagePlumbing(app);

  const cookies = (request: FastifyRequest) => readCookies(request.headers.cookie);
  const languageOf = (request: FastifyRequest): Language => {
    const chosen = cookies(request).get(LANGUAGE_COOKIE);
    if (chosen === 'en' || chosen === 'ar') return chosen;
    const own = sessions.get(request)?.language;
    return own ?? pickLanguage(undefined, request.headers['accept-language']);
  };
  const setCookie = (request: FastifyRequest, reply: FastifyReply, name: string, value: string, maxAge?: number) =>
    reply.header('set-cookie', [...[reply.getHeader('set-cookie') ?? []].flat().map(String), cookieHeader(name, value, { path: prefix, secure: request.protocol === 'https', ...(maxAge !== undefined && { maxAge }) })]);
  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const signedIn = (session: PortalSession): SignedIn => ({ csrfToken: session.csrfToken, username: session.username });
  const message = (request: FastifyRequest, reply: FastifyReply, status: number, text: string) => {
    const session = sessions.get(request);
    return html(reply, status, messagePage({ language: languageOf(request), prefix, text, ...(session && { signedIn: signedIn(session) }) }));
  };
  const sessionOf = (request: FastifyRequest) => sessions.get(request)!;

  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      // Scripts, the service worker and its fetches: this server only (web/offline).
      'content-security-policy': "default-src 'none'; style-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    });
    if (!request.url.startsWith(`${prefix}/assets/`)) reply.header('cache-control', 'no-store');
    return payload;
  });

  // The gate: every page but the public ones needs a session, and every POST its CSRF token.
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.config.portalPublic || request.routeOptions.url === undefined) return;
    const session = sessionFor(db, cookies(request).get(SESSION_COOKIE), now());
    if (!session) return reply.redirect(`${prefix}/sign-in`, 303);
    sessions.set(request, session);
    if (request.method === 'POST' && !sameToken(session.csrfToken, (request.body as Record<string, unknown> | undefined)?._csrf)) {
      return message(request, reply, 403, t('portal.selfService.badForm', {}, languageOf(request)));
    }
  });

  app.setNotFoundHandler(async (request, reply) => {
    const session = sessionFor(db, cookies(request).get(SESSION_COOKIE), now());
    if (session) sessions.set(request, session);
    return message(request, reply, 404, t('portal.selfService.notFound', {}, languageOf(request)));
  });

  const portalText = { failed: 'portal.selfService.failed', tooMany: 'portal.selfService.tooMany', tooLarge: 'portal.selfService.tooLarge', badForm: 'portal.selfService.badForm' } as const;
  setPageErrorHandler(app, 'portal', (request, reply, status, refusal) => message(request, reply, status, t(portalText[refusal], {}, languageOf(request))));


  // The one stylesheet, named by its content hash: the browser keeps it for a year.
  // The service worker and its page script; sign-in pages are never kept on the device.
  registerOffline(app, { config: { portalPublic: true }, never: ['/sign-in', '/password'] });
  app.get(`/assets/${STYLESHEET_NAME}`, { config: { portalPublic: true } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=31536000, immutable').type('text/css; charset=utf-8').send(STYLESHEET),
  );

  const checkForm = (request: FastifyRequest) => sameToken(cookies(request).get(FORM_COOKIE), ((request.body ?? {}) as Record<string, unknown>)._csrf);
  const showSignIn = (request: FastifyRequest, reply: FastifyReply, status: number, extra: { identifier?: string; error?: string } = {}) => {
    const formToken = randomToken();
    setCookie(request, reply, FORM_COOKIE, formToken, 3600);
    return html(reply, status, signInPage({ language: languageOf(request), prefix, csrfToken: formToken, ...extra }));
  };
  const lockedText = (request: FastifyRequest, until: number) => {
    const language = languageOf(request);
    const time = DateTime.fromMillis(until, { zone: options.zone }).setLocale(language === 'ar' ? 'ar-u-nu-latn' : 'en-GB').toFormat('HH:mm');
    return t('portal.selfService.signIn.locked', { count: LOCK_AFTER, time }, language);
  };
  const startSession = (request: FastifyRequest, reply: FastifyReply, result: { token: string; expiresAt: number }) => {
    setCookie(request, reply, FORM_COOKIE, '', 0);
    setCookie(request, reply, CODE_COOKIE, '', 0);
    setCookie(request, reply, SESSION_COOKIE, result.token, Math.floor((result.expiresAt - now()) / 1000));
    // Unless this browser already chose, the account's language: pages then match the customer's
    // SMS, and stay in it on the sign-in page after signing out.
    if (!cookies(request).get(LANGUAGE_COOKIE)) {
      const language = sessionFor(db, result.token, now())?.language;
      if (language) setCookie(request, reply, LANGUAGE_COOKIE, language, 365 * 86_400);
    }
  };
  const signInRate = { max: options.signInPerMinute ?? 20, timeWindow: 60_000 };

  app.get('/sign-in', { config: { portalPublic: true } }, async (request, reply) => {
    if (sessionFor(db, cookies(request).get(SESSION_COOKIE), now())) return reply.redirect(`${prefix}/`, 303);
    return showSignIn(request, reply, 200);
  });

  app.post('/sign-in', { config: { portalPublic: true, rateLimit: signInRate } }, async (request, reply) => {
    const language = languageOf(request);
    if (!checkForm(request)) return message(request, reply, 403, t('portal.selfService.badForm', {}, language));
    const body = signInBody.safeParse(request.body ?? {});
    if (!body.success) return showSignIn(request, reply, 400, { error: t('portal.selfService.signIn.wrong', {}, language) });
    const identifier = body.data.identifier.trim().slice(0, 64);
    const result = await signInWithPassword(db, identifier, body.data.password, now(), options.sessionTtlMs);
    if (result.kind === 'signed-in') {
      startSession(request, reply, result);
      request.log.info({ customerId: result.customerId }, 'customer signed in to the portal');
      return reply.redirect(`${prefix}/`, 303);
    }
    if (result.kind === 'locked') {
      request.log.warn('portal sign-in refused: locked');
      return showSignIn(request, reply, 423, { identifier, error: lockedText(request, result.until) });
    }
    return showSignIn(request, reply, 401, { identifier, error: t('portal.selfService.signIn.wrong', {}, language) });
  });

  app.post('/sign-in/code/send', { config: { portalPublic: true, rateLimit: signInRate } }, async (request, reply) => {
    const language = languageOf(request);
    if (!checkForm(request)) return message(request, reply, 403, t('portal.selfService.badForm', {}, language));
    const body = sendBody.safeParse(request.body ?? {});
    if (!body.success) return showSignIn(request, reply, 400);
    const asked = requestCode(db, body.data.identifier.trim().slice(0, 64), now());
    // The outcome goes to the log only: the page is the same whether the number has an account.
    request.log.info({ outcome: asked.outcome }, 'portal sign-in code asked for');
    setCookie(request, reply, CODE_COOKIE, asked.token, Math.floor(CODE_TTL_MS / 1000));
    return reply.redirect(`${prefix}/sign-in/code`, 303);
  });

  const showCode = (request: FastifyRequest, reply: FastifyReply, status: number, error?: string) => {
    if (!cookies(request).get(CODE_COOKIE)) return reply.redirect(`${prefix}/sign-in`, 303);
    const formToken = randomToken();
    setCookie(request, reply, FORM_COOKIE, formToken, 3600);
    return html(reply, status, codePage({ language: languageOf(request), prefix, csrfToken: formToken, minutes: CODE_TTL_MS / 60_000, ...(error && { error }) }));
  };

  app.get('/sign-in/code', { config: { portalPublic: true } }, async (request, reply) => showCode(request, reply, 200));

  app.post('/sign-in/code', { config: { portalPublic: true, rateLimit: signInRate } }, async (request, reply) => {
    const language = languageOf(request);
    if (!checkForm(request)) return message(request, reply, 403, t('portal.selfService.badForm', {}, language));
    const body = codeBody.safeParse(request.body ?? {});
    const result = checkCode(db, cookies(request).get(CODE_COOKIE), body.success ? body.data.code : '', now(), options.sessionTtlMs);
    if (result.kind === 'signed-in') {
      startSession(request, reply, result);
      request.log.info({ customerId: result.customerId }, 'customer signed in to the portal by SMS code');
      const session = sessionFor(db, result.token, now());
      return reply.redirect(session?.hasPassword ? `${prefix}/` : `${prefix}/password`, 303);
    }
    if (result.kind === 'locked') {
      setCookie(request, reply, CODE_COOKIE, '', 0);
      return showSignIn(request, reply, 423, { error: lockedText(request, result.until) });
    }
    if (result.kind === 'expired') {
      setCookie(request, reply, CODE_COOKIE, '', 0);
      return showSignIn(request, reply, 400, { error: t('portal.selfService.code.expired', {}, language) });
    }
    return showCode(request, reply, 401, t('portal.selfService.code.wrong', {}, language));
  });

  app.get<{ Querystring: { to?: string } }>('/language', { config: { portalPublic: true } }, async (request, reply) => {
    const language = pickLanguage(request.query.to, undefined);
    setCookie(request, reply, LANGUAGE_COOKIE, language, 365 * 86_400);
    // A signed-in customer's choice goes on the account as well, so their SMS follow it. The
    // session cookie is SameSite=Strict: a link on another site cannot make this change.
    const session = sessionFor(db, cookies(request).get(SESSION_COOKIE), now());
    // Only a language named in the link: a bare or unknown `to` falls back for this page, not for the account.
    if (session && (request.query.to === 'en' || request.query.to === 'ar')) setPortalLanguage(db, { customerId: session.customerId, language, now: now() });
    return reply.redirect(`${prefix}/`, 303);
  });

  app.post('/sign-out', async (request, reply) => {
    signOut(db, cookies(request).get(SESSION_COOKIE));
    setCookie(request, reply, SESSION_COOKIE, '', 0);
    return reply.redirect(`${prefix}/sign-in`, 303);
  });

  app.get<{ Querystring: { done?: string } }>('/', async (request, reply) => {
    const session = sessionOf(request);
    const language = languageOf(request);
    const home = portalHome(db, session.customerId, now(), options.zone);
    if (!home) return message(request, reply, 404, t('portal.selfService.notFound', {}, language));
    const notice = request.query.done === 'password' ? { notice: t('portal.selfService.password.saved', {}, language) } : {};
    return html(reply, 200, homePage({ language, prefix, signedIn: signedIn(session), home, hasPassword: session.hasPassword, zone: options.zone, now: now(), ...notice }));
  });

  const screens: PortalScreens = { db, zone: options.zone, prefix, now, sessionOf, languageOf, signedIn, html, message, services: options.services ?? {} };
  for (const register of SCREENS) register(app, screens);

  app.get('/password', async (request, reply) => html(reply, 200, passwordPage({ language: languageOf(request), prefix, signedIn: signedIn(sessionOf(request)), min: PASSWORD_MIN })));

  app.post('/password', async (request, reply) => {
    const session = sessionOf(request);
    const language = languageOf(request);
    const page = (status: number, error: string) => html(reply, status, passwordPage({ language, prefix, signedIn: signedIn(session), min: PASSWORD_MIN, error }));
    const body = passwordBody.safeParse(request.body ?? {});
    if (!body.success) return page(400, t('portal.selfService.password.weak', { min: PASSWORD_MIN, max: PASSWORD_MAX }, language));
    if (body.data.next !== body.data.repeat) return page(400, t('portal.selfService.password.mismatch', {}, language));
    const result = await setPortalPassword(db, { customerId: session.customerId, password: body.data.next, now: now(), keepSessionId: session.id });
    if (result === 'weak') return page(400, t('portal.selfService.password.weak', { min: PASSWORD_MIN, max: PASSWORD_MAX }, language));
    request.log.info({ customerId: session.customerId }, 'customer set a portal password');
    return reply.redirect(`${prefix}/?done=password`, 303);
  });
};

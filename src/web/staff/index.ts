import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import QRCode from 'qrcode';
import { z } from 'zod';
import { formatMoney, listPlans, type Plan } from '../../billing/index.js';
import { sameToken } from '../../crypto/tokens.js';
import type { Db } from '../../db/connection.js';
import { errorMessage, LangoError } from '../../errors.js';
import { languages, t, type Language } from '../../i18n/index.js';
import { queueMessage } from '../../messaging/index.js';
import {
  can,
  changePassword,
  cleanCode,
  completeSignIn,
  csrfMatches,
  findAgentSale,
  findAgentSaleByKey,
  listAgentSales,
  LOCK_AFTER,
  newTotpSecret,
  PENDING_TTL_MS,
  pendingSignIn,
  randomToken,
  secondFactorOf,
  sendSmsCode,
  sessionFor,
  setSmsSignIn,
  setStaffLanguage,
  signIn,
  signOut,
  turnOffTotp,
  turnOnTotp,
  type Action,
  type StaffSession,
} from '../../staff/index.js';
import { pickLanguage } from '../captive/language.js';
import { registerOffline } from '../offline.js';
import { registerPagePlumbing, setPageErrorHandler } from '../page-plugin.js';
import { registerStaffAssets } from './assets.js';
import { cookieHeader, readCookies } from './cookies.js';
import { codePage, homePage, messagePage, passwordPage, salePage, salesPage, securityPage, signInPage, tokensPage, type SaleView, type SecurityView, type SignedIn, type TokenFormValues } from './pages.js';
import type { TokenDesk } from './token-desk.js';
import { registerAuditRoutes } from './audit.js';
import { registerCustomerRoutes } from './customers.js';
import { registerDashboardRoutes } from './dashboard.js';
import { registerInvoiceRoutes } from './invoices.js';
import { registerMessageRoutes } from './messages.js';
import { registerPaymentRoutes } from './payments.js';
import { registerPlanRoutes } from './plans.js';
import { registerRouterRoutes } from './routers.js';
import type { RegisterScreen, StaffScreens } from './screens.js';
import type { StaffServices } from './services.js';
import { registerSessionRoutes } from './sessions.js';
import { registerSettingsRoutes } from './settings.js';
import { registerTicketRoutes } from './tickets.js';
import { registerHelpArticleRoutes } from './help-articles.js';
import { registerUserRoutes } from './users.js';
import { registerVoucherRoutes } from './vouchers.js';
import { registerReportIndexRoutes } from './reports.js';
import { registerMoneyReportRoutes } from './reports-money.js';
import { registerUsageReportRoutes } from './reports-usage.js';
import { registerEquipmentRoutes } from './equipment.js';
import { registerJobRoutes } from './jobs.js';
import { registerApiTokenRoutes } from './api-tokens.js';
import { registerWebhookRoutes } from './webhooks.js';
import { registerRouterApiRoutes } from './router-api.js';
import { registerPrivacyRoutes } from './privacy.js';
import { registerWhyRoutes } from './why.js';
import { maskPhone } from '../../observability/logger.js';

/** Every screen module, each registering its own routes (the menu is in nav.ts). */
const SCREENS: readonly RegisterScreen[] = [
  registerDashboardRoutes,
  registerCustomerRoutes,
  registerWhyRoutes,
  registerSessionRoutes,
  registerPlanRoutes,
  registerRouterRoutes,
  registerRouterApiRoutes,
  registerInvoiceRoutes,
  registerPaymentRoutes,
  registerVoucherRoutes,
  registerReportIndexRoutes,
  registerMoneyReportRoutes,
  registerUsageReportRoutes,
  registerTicketRoutes,
  registerHelpArticleRoutes,
  registerJobRoutes,
  registerEquipmentRoutes,
  registerMessageRoutes,
  registerSettingsRoutes,
  registerApiTokenRoutes,
  registerWebhookRoutes,
  registerPrivacyRoutes,
  registerUserRoutes,
  registerAuditRoutes,
];

export { createTokenDesk, type TokenDesk, type TokenPackage, type SaleState } from './token-desk.js';

/** What a route needs: an action of the role × action table, or nothing ('public'). */
export type RouteAction = Action | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Staff pages: the permission the route needs (src/staff/permissions.ts). */
    staffAction?: RouteAction;
    /** Staff pages: reachable while the account must still change its password. */
    beforePasswordChange?: boolean;
  }
}

export interface StaffWebOptions {
  db: Db;
  /** The operator's time zone, for times on the pages (sales, "locked until"). */
  zone: string;
  /** The agent's token page; without it /tokens is not served. */
  tokens?: TokenDesk;
  /** Sign-in attempts one client address may make per minute (default 20). */
  signInPerMinute?: number;
  sessionTtlMs?: number;
  /** The clock (tests). */
  now?: () => number;
  /** The daemon's parts some screens use (src/web/staff/services.ts). */
  services?: StaffServices;
}

export const SESSION_COOKIE = 'lango_staff';
/** Double-submit token of the sign-in form, before any session exists. */
export const FORM_COOKIE = 'lango_staff_form';
const LANGUAGE_COOKIE = 'lango_staff_lang';
/** Between a right password and the second factor: names a pending sign-in, opens no page. */
export const PENDING_COOKIE = 'lango_staff_pending';

const signInBody = z.object({ username: z.string().max(200), password: z.string().max(1000) });
const codeBody = z.object({ code: z.string().max(20) });
const totpOnBody = z.object({ secret: z.string().max(128), code: z.string().max(20) });
const passwordOnlyBody = z.object({ password: z.string().max(1000) });
const smsBody = z.object({ phone: z.string().max(40).optional(), sms: z.literal('on').optional(), password: z.string().max(1000) });
const passwordBody = z.object({ current: z.string().max(1000), next: z.string().max(1000), repeat: z.string().max(1000) });
const tokenBody = z.object({
  key: z.uuid(),
  payment: z.enum(['cash', 'mobile']),
  phone: z.string().trim().min(1).max(32),
  planId: z.coerce.number().int().positive().max(2 ** 31),
});

const PROVIDER_NAMES: Record<string, string> = { mpesa: 'M-Pesa', momo: 'MoMo' };



/**
 * The staff pages (register with prefix '/staff'): sign-in with lockout, sign-out, the forced
 * and voluntary password change, and the agent's token page with their sales and float. Every
 * route names its action; the preHandler answers 403 when the role may not, and checks the
 * session's CSRF token on every POST.
 */
export const staffPages: FastifyPluginAsync<StaffWebOptions> = async (app, options) => {
  const { db } = options;
  const prefix = app.prefix;
  const now = options.now ?? Date.now;
  const sessions = new WeakMap<FastifyRequest, StaffSession>();

  // Every route says what it needs, or the server does not start.
  const isAsset = (url: string) => url.startsWith(`${prefix}/assets/`);
  app.addHook('onRoute', (route) => {
    // The stylesheet and scripts: public, like the sign-in page that needs them.
    if (isAsset(route.url)) route.config = { ...route.config, staffAction: 'public' };
    if (route.config?.staffAction === undefined) throw new Error(`staff route ${route.method} ${route.url} names no action (src/staff/permissions.ts)`);
  });

  // Before the files: they are compressed too.
  await registerPagePlumbing(app);
  await registerStaffAssets(app);
  // The service worker and its page script. Never kept on the device: sign-in, and the pages
  // that can show a secret, a password, a voucher code or an SMS text (a counter PC is shared).
  registerOffline(app, { config: { staffAction: 'public' }, never: ['/sign-in', '/security', '/password', '/tokens', '/vouchers', '/routers', '/settings', '/users', '/messages'] });

  const cookies = (request: FastifyRequest) => readCookies(request.headers.cookie);
  // Signed in: the language on the account, so it follows the person to any browser. Before
  // sign-in, or until they choose one, this browser's cookie, then its Accept-Language.
  const languageOf = (request: FastifyRequest): Language => sessions.get(request)?.language ?? pickLanguage(cookies(request).get(LANGUAGE_COOKIE), request.headers['accept-language']);
  const secure = (request: FastifyRequest) => request.protocol === 'https';
  const setCookie = (request: FastifyRequest, reply: FastifyReply, name: string, value: string, maxAge?: number) =>
    reply.header('set-cookie', [...[reply.getHeader('set-cookie') ?? []].flat().map(String), cookieHeader(name, value, { path: prefix, secure: secure(request), ...(maxAge !== undefined && { maxAge }) })]);
  const signedIn = (session: StaffSession): SignedIn => ({ username: session.staff.username, role: session.staff.role, csrfToken: session.csrfToken });
  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const sessionOf = (request: FastifyRequest) => sessions.get(request)!;
  const message = (request: FastifyRequest, reply: FastifyReply, status: number, text: string) => {
    const language = languageOf(request);
    const session = sessions.get(request);
    return html(reply, status, messagePage({ language, prefix, title: t('staff.web.title', {}, language), text, ...(session && { signedIn: signedIn(session) }) }));
  };

  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    });
    // Files under /assets are named by content hash: the browser keeps them (set by @fastify/static).
    if (!isAsset(request.url)) reply.header('cache-control', 'no-store');
    return payload;
  });

  // The gate: session, forced password change, the role × action table, then CSRF on POSTs.
  app.addHook('preHandler', async (request, reply) => {
    const action = request.routeOptions.config.staffAction;
    // undefined: no route matched, and the not-found page says so.
    if (action === 'public' || action === undefined) return;
    const session = sessionFor(db, cookies(request).get(SESSION_COOKIE), now());
    if (!session) return reply.redirect(`${prefix}/sign-in`, 303);
    sessions.set(request, session);
    if (session.staff.mustChangePassword && !request.routeOptions.config.beforePasswordChange) return reply.redirect(`${prefix}/password`, 303);
    if (!can(session.staff.role, action)) {
      return message(request, reply, 403, t('staff.web.forbidden', { role: t(`staff.roles.${session.staff.role}`, {}, languageOf(request)) }, languageOf(request)));
    }
    if (request.method === 'POST' && !csrfMatches(session, (request.body as Record<string, unknown> | undefined)?._csrf)) {
      return message(request, reply, 403, t('staff.web.badForm', {}, languageOf(request)));
    }
  });

  const showSignIn = (request: FastifyRequest, reply: FastifyReply, status: number, extra: { username?: string; error?: string } = {}) => {
    const formToken = randomToken();
    setCookie(request, reply, FORM_COOKIE, formToken, 3600);
    return html(reply, status, signInPage({ language: languageOf(request), prefix, csrfToken: formToken, ...extra }));
  };

  app.get('/sign-in', { config: { staffAction: 'public' } }, async (request, reply) => {
    if (sessionFor(db, cookies(request).get(SESSION_COOKIE), now())) return reply.redirect(`${prefix}/`, 303);
    return showSignIn(request, reply, 200);
  });

  app.post('/sign-in', { config: { staffAction: 'public', rateLimit: { max: options.signInPerMinute ?? 20, timeWindow: 60_000 } } }, async (request, reply) => {
    const language = languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    if (!sameToken(cookies(request).get(FORM_COOKIE), raw._csrf)) return message(request, reply, 403, t('staff.web.badForm', {}, language));
    const body = signInBody.safeParse(raw);
    if (!body.success) return showSignIn(request, reply, 400, { error: t('staff.web.signIn.wrong', {}, language) });
    const result = await signIn(db, body.data.username, body.data.password, now(), options.sessionTtlMs);
    if (result.kind === 'signed-in') {
      setCookie(request, reply, FORM_COOKIE, '', 0);
      setCookie(request, reply, SESSION_COOKIE, result.token, Math.floor((result.expiresAt - now()) / 1000));
      request.log.info({ staff: result.staff.username }, 'staff signed in');
      return reply.redirect(`${prefix}/`, 303);
    }
    if (result.kind === 'second-factor') {
      setCookie(request, reply, PENDING_COOKIE, result.token, Math.floor(PENDING_TTL_MS / 1000));
      request.log.info({ staff: result.staff.username }, 'staff password right; waiting for the second factor');
      return reply.redirect(`${prefix}/sign-in/code`, 303);
    }
    if (result.kind === 'disabled') {
      request.log.warn({ staff: body.data.username.slice(0, 64) }, 'sign-in refused: the account is disabled');
      return showSignIn(request, reply, 403, { username: body.data.username, error: t('staff.users.accountDisabled', {}, language) });
    }
    if (result.kind === 'locked') return showLocked(request, reply, result.until, body.data.username);
    return showSignIn(request, reply, 401, { username: body.data.username, error: t('staff.web.signIn.wrong', {}, language) });
  });

  const showLocked = (request: FastifyRequest, reply: FastifyReply, until: number, username: string) => {
    const language = languageOf(request);
    request.log.warn({ staff: username.slice(0, 64) }, 'sign-in refused: the account is locked');
    const time = DateTime.fromMillis(until, { zone: options.zone }).setLocale(language === 'ar' ? 'ar-u-nu-latn' : 'en-GB').toFormat('HH:mm');
    return showSignIn(request, reply, 423, { username, error: t('staff.web.signIn.locked', { count: LOCK_AFTER, time }, language) });
  };

  // The second step: the code page (the pending sign-in's cookie, and a form token as on the sign-in page).
  const showCode = (request: FastifyRequest, reply: FastifyReply, status: number, extra: { error?: string; notice?: string } = {}) => {
    const pending = pendingSignIn(db, cookies(request).get(PENDING_COOKIE), now());
    if (!pending) return reply.redirect(`${prefix}/sign-in`, 303);
    const formToken = randomToken();
    setCookie(request, reply, FORM_COOKIE, formToken, 3600);
    return html(reply, status, codePage({ language: languageOf(request), prefix, csrfToken: formToken, totp: pending.totp && options.services?.box !== undefined, sms: pending.phone !== null, ...extra }));
  };
  const signInRate = { max: options.signInPerMinute ?? 20, timeWindow: 60_000 };
  const expired = (request: FastifyRequest, reply: FastifyReply) => {
    setCookie(request, reply, PENDING_COOKIE, '', 0);
    return showSignIn(request, reply, 400, { error: t('staff.users.code.expired', {}, languageOf(request)) });
  };

  app.get<{ Querystring: { sent?: string } }>('/sign-in/code', { config: { staffAction: 'public' } }, async (request, reply) => {
    const pending = pendingSignIn(db, cookies(request).get(PENDING_COOKIE), now());
    const sent = request.query.sent === '1' && pending?.phone ? { notice: t('staff.users.code.sent', { phone: maskPhone(pending.phone) }, languageOf(request)) } : {};
    return showCode(request, reply, 200, sent);
  });

  app.post('/sign-in/code', { config: { staffAction: 'public', rateLimit: signInRate } }, async (request, reply) => {
    const language = languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    if (!sameToken(cookies(request).get(FORM_COOKIE), raw._csrf)) return message(request, reply, 403, t('staff.web.badForm', {}, language));
    const body = codeBody.safeParse(raw);
    const result = completeSignIn(db, options.services?.box, cookies(request).get(PENDING_COOKIE), body.success ? cleanCode(body.data.code) : '', now(), options.sessionTtlMs);
    if (result.kind === 'signed-in') {
      setCookie(request, reply, FORM_COOKIE, '', 0);
      setCookie(request, reply, PENDING_COOKIE, '', 0);
      setCookie(request, reply, SESSION_COOKIE, result.token, Math.floor((result.expiresAt - now()) / 1000));
      request.log.info({ staff: result.staff.username }, 'staff signed in (two steps)');
      return reply.redirect(`${prefix}/`, 303);
    }
    if (result.kind === 'expired') return expired(request, reply);
    if (result.kind === 'locked') {
      setCookie(request, reply, PENDING_COOKIE, '', 0);
      return showLocked(request, reply, result.until, '');
    }
    request.log.warn({ reason: result.kind }, 'sign-in code refused');
    return showCode(request, reply, 401, { error: t(result.kind === 'used' ? 'staff.users.code.used' : 'staff.users.code.wrong', {}, language) });
  });

  app.post('/sign-in/code/sms', { config: { staffAction: 'public', rateLimit: signInRate } }, async (request, reply) => {
    const language = languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    if (!sameToken(cookies(request).get(FORM_COOKIE), raw._csrf)) return message(request, reply, 403, t('staff.web.badForm', {}, language));
    let result;
    try {
      result = sendSmsCode(db, cookies(request).get(PENDING_COOKIE), now(), (d, sms) => {
        queueMessage(d, { key: sms.key, to: sms.to, language, body: t('staff.users.code.smsText', { code: sms.code, minutes: sms.minutes }, language), critical: true, now: now() });
      });
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      request.log.warn({ code: err.code }, 'a staff sign-in SMS could not be queued');
      return showCode(request, reply, 400, { error: t('staff.users.code.smsFailed', {}, language) });
    }
    if (result.kind === 'expired') return expired(request, reply);
    if (result.kind === 'no-phone') return showCode(request, reply, 400, { error: t('staff.users.code.smsFailed', {}, language) });
    if (result.kind === 'too-soon') return showCode(request, reply, 429, { error: t('staff.users.code.tooSoon', { seconds: result.seconds }, language) });
    return reply.redirect(`${prefix}/sign-in/code?sent=1`, 303);
  });

  app.get<{ Querystring: { to?: string } }>('/language', { config: { staffAction: 'public' } }, async (request, reply) => {
    const language = pickLanguage(request.query.to, undefined);
    setCookie(request, reply, LANGUAGE_COOKIE, language, 365 * 86_400);
    // A plain link, without a form token: the session cookie is SameSite=Strict, so a link on
    // another site arrives without it and changes only that browser's cookie.
    const session = sessionFor(db, cookies(request).get(SESSION_COOKIE), now());
    const named = (languages as readonly unknown[]).includes(request.query.to);
    if (session && named) setStaffLanguage(db, { staffId: session.staff.id, language, now: now() });
    return reply.redirect(`${prefix}/`, 303);
  });

  app.post('/sign-out', { config: { staffAction: 'account.self', beforePasswordChange: true } }, async (request, reply) => {
    signOut(db, cookies(request).get(SESSION_COOKIE));
    setCookie(request, reply, SESSION_COOKIE, '', 0);
    return reply.redirect(`${prefix}/sign-in`, 303);
  });

  app.get('/', { config: { staffAction: 'account.self' } }, async (request, reply) => {
    const session = sessionOf(request);
    const language = languageOf(request);
    // An agent's work is the token page: straight there.
    if (session.staff.role === 'agent' && options.tokens) return reply.redirect(`${prefix}/tokens`, 303);
    if (can(session.staff.role, 'dashboard.view')) return reply.redirect(`${prefix}/dashboard`, 303);
    const links = [
      ...(options.tokens && can(session.staff.role, 'tokens.issue') ? [{ href: `${prefix}/tokens`, text: t('staff.web.home.tokens', {}, language) }] : []),
      ...(options.tokens && can(session.staff.role, 'tokens.view-own') ? [{ href: `${prefix}/tokens/sales`, text: t('staff.web.home.sales', {}, language) }] : []),
      ...(can(session.staff.role, 'customers.view') ? [{ href: `${prefix}/customers`, text: t('staff.staffCustomers.home', {}, language) }] : []),
      ...(can(session.staff.role, 'payments.view') ? [{ href: `${prefix}/payments`, text: t('staff.staffPayments.home', {}, language) }] : []),
      ...(can(session.staff.role, 'payments.record') ? [{ href: `${prefix}/payments/record`, text: t('staff.staffPayments.recordLink', {}, language) }] : []),
      { href: `${prefix}/password`, text: t('staff.web.home.password', {}, language) },
      { href: `${prefix}/security`, text: t('staff.users.security.link', {}, language) },
    ];
    return html(reply, 200, homePage({ language, prefix, signedIn: signedIn(session), links }));
  });

  app.get('/password', { config: { staffAction: 'account.self', beforePasswordChange: true } }, async (request, reply) => {
    const session = sessionOf(request);
    return html(reply, 200, passwordPage({ language: languageOf(request), prefix, signedIn: signedIn(session), mustChange: session.staff.mustChangePassword }));
  });

  app.post('/password', { config: { staffAction: 'account.self', beforePasswordChange: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const language = languageOf(request);
    const page = (status: number, error: string) => html(reply, status, passwordPage({ language, prefix, signedIn: signedIn(session), mustChange: session.staff.mustChangePassword, error }));
    const body = passwordBody.safeParse(request.body ?? {});
    if (!body.success) return page(400, errorMessage('STAFF_WEAK_PASSWORD', language, { min: 10, max: 128 }));
    if (body.data.next !== body.data.repeat) return page(400, t('staff.web.password.mismatch', {}, language));
    try {
      await changePassword(db, { staffId: session.staff.id, current: body.data.current, next: body.data.next, now: now(), keepSessionId: session.id });
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return page(400, errorMessage(err.code, language, err.values));
    }
    request.log.info({ staff: session.staff.username }, 'staff password changed');
    return reply.redirect(`${prefix}/`, 303);
  });

  // One's own two-step sign-in: the authenticator app and SMS codes.
  const showSecurity = async (request: FastifyRequest, reply: FastifyReply, status: number, extra: { error?: string; notice?: string; typedPhone?: string } = {}) => {
    const session = sessionOf(request);
    const state = secondFactorOf(db, session.staff.id);
    if (!state) return message(request, reply, 404, t('staff.web.notFound', {}, languageOf(request)));
    const box = options.services?.box;
    let setup: SecurityView['setup'];
    if (!state.totp && box) {
      const fresh = newTotpSecret(session.staff.username);
      setup = { secret: fresh.secret, qr: await QRCode.toDataURL(fresh.uri, { errorCorrectionLevel: 'M', margin: 2, width: 200 }) };
    }
    const view: SecurityView = { totp: state.totp, unavailable: box === undefined, phone: state.phone, smsSignIn: state.smsSignIn, ...(setup && { setup }), ...(extra.typedPhone !== undefined && { typedPhone: extra.typedPhone }) };
    return html(reply, status, securityPage({ language: languageOf(request), prefix, signedIn: signedIn(session), view, ...(extra.error && { error: extra.error }), ...(extra.notice && { notice: extra.notice }) }));
  };
  const SECURITY_DONE = { on: 'staff.users.security.turnedOn', off: 'staff.users.security.turnedOff', sms: 'staff.users.security.smsSaved' } as const;

  app.get<{ Querystring: { done?: string } }>('/security', { config: { staffAction: 'account.self' } }, async (request, reply) => {
    const done = request.query.done;
    const notice = typeof done === 'string' && Object.hasOwn(SECURITY_DONE, done) ? t(SECURITY_DONE[done as keyof typeof SECURITY_DONE], {}, languageOf(request)) : undefined;
    return showSecurity(request, reply, 200, notice ? { notice } : {});
  });

  app.post('/security/totp', { config: { staffAction: 'account.self' } }, async (request, reply) => {
    const session = sessionOf(request);
    const language = languageOf(request);
    const box = options.services?.box;
    if (!box) return showSecurity(request, reply, 400);
    const body = totpOnBody.safeParse(request.body ?? {});
    const result = body.success ? turnOnTotp(db, box, { actor: `staff:${session.staff.username}`, staffId: session.staff.id, secret: body.data.secret, code: body.data.code, now: now() }) : { kind: 'wrong' as const };
    // A new secret is shown with the error: the one tried may already sit in the app, and a fresh scan is the clear way on.
    if (result.kind === 'wrong') return showSecurity(request, reply, 400, { error: t('staff.users.security.wrongSetupCode', {}, language) });
    if (result.kind === 'already-on') return showSecurity(request, reply, 409, { error: t('staff.users.security.alreadyOn', {}, language) });
    request.log.info({ staff: session.staff.username }, 'two-step sign-in turned on');
    return reply.redirect(`${prefix}/security?done=on`, 303);
  });

  app.post('/security/totp/off', { config: { staffAction: 'account.self' } }, async (request, reply) => {
    const session = sessionOf(request);
    const body = passwordOnlyBody.safeParse(request.body ?? {});
    const result = body.success ? await turnOffTotp(db, { actor: `staff:${session.staff.username}`, staffId: session.staff.id, password: body.data.password, now: now() }) : { kind: 'wrong-password' as const };
    if (result.kind === 'wrong-password') return showSecurity(request, reply, 400, { error: t('staff.users.security.wrongPassword', {}, languageOf(request)) });
    request.log.info({ staff: session.staff.username }, 'two-step sign-in turned off');
    return reply.redirect(`${prefix}/security?done=off`, 303);
  });

  app.post('/security/sms', { config: { staffAction: 'account.self' } }, async (request, reply) => {
    const session = sessionOf(request);
    const language = languageOf(request);
    const body = smsBody.safeParse(request.body ?? {});
    if (!body.success) return showSecurity(request, reply, 400, { error: t('staff.users.security.wrongPassword', {}, language) });
    const phone = (body.data.phone ?? '').replace(/[\s-]/g, '');
    const result = await setSmsSignIn(db, { actor: `staff:${session.staff.username}`, staffId: session.staff.id, password: body.data.password, phone: phone === '' ? null : phone, on: body.data.sms === 'on', now: now() });
    if (result.kind === 'bad-phone') return showSecurity(request, reply, 400, { error: t('staff.users.security.badPhone', {}, language), typedPhone: phone });
    if (result.kind === 'wrong-password') return showSecurity(request, reply, 400, { error: t('staff.users.security.wrongPassword', {}, language), typedPhone: phone });
    return reply.redirect(`${prefix}/security?done=sms`, 303);
  });

  if (options.tokens) registerTokenRoutes(options.tokens);
  const screens: StaffScreens = { db, zone: options.zone, prefix, now, sessionOf, languageOf, signedIn, html, message, services: options.services ?? {} };
  for (const register of SCREENS) register(app, screens);

  function registerTokenRoutes(desk: TokenDesk): void {
    const showForm = (request: FastifyRequest, reply: FastifyReply, status: number, extra: { key?: string; values?: TokenFormValues; error?: string } = {}) => {
      const language = languageOf(request);
      return html(reply, status, tokensPage({ language, prefix, signedIn: signedIn(sessionOf(request)), packages: desk.packages(language), key: extra.key ?? randomUUID(), ...(extra.values && { values: extra.values }), ...(extra.error && { error: extra.error }) }));
    };

    app.get('/tokens', { config: { staffAction: 'tokens.issue' } }, async (request, reply) => showForm(request, reply, 200));

    app.post('/tokens', { config: { staffAction: 'tokens.issue' } }, async (request, reply) => {
      const session = sessionOf(request);
      const language = languageOf(request);
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const values: TokenFormValues = {
        ...(typeof raw.payment === 'string' && { payment: raw.payment }),
        ...(typeof raw.phone === 'string' && { phone: raw.phone.slice(0, 32) }),
        ...(typeof raw.planId === 'string' && /^\d{1,9}$/.test(raw.planId) && { planId: Number(raw.planId) }),
      };
      const body = tokenBody.safeParse(raw);
      if (!body.success) {
        const phoneWrong = body.error.issues.some((issue) => issue.path[0] === 'phone');
        const error = phoneWrong ? errorMessage('INPUT_BAD_PHONE', language, { value: values.phone ?? '' }) : t('portal.buy.unknownPackage', {}, language);
        return showForm(request, reply, 400, { values, error });
      }
      const earlier = findAgentSaleByKey(db, body.data.key);
      if (earlier) {
        // A form sent twice (a double tap, a reload) shows the first sale; another person's key is not this form.
        if (earlier.staffId !== session.staff.id) return message(request, reply, 403, t('staff.web.badForm', {}, language));
        return reply.redirect(`${prefix}/tokens/${earlier.id}`, 303);
      }
      try {
        const sale = await desk.issue({ seller: session.staff, planId: body.data.planId, phone: body.data.phone, payment: body.data.payment, key: body.data.key, now: now() });
        request.log.info({ staff: session.staff.username, sale: sale.id, method: sale.method }, sale.code ? 'token issued' : 'token waiting for payment');
        return reply.redirect(`${prefix}/tokens/${sale.id}`, 303);
      } catch (err) {
        if (!(err instanceof LangoError)) throw err;
        const setup = err.code.startsWith('PAY_');
        if (setup) request.log.warn({ code: err.code }, `an agent's mobile money token could not start: ${err.message}`);
        const error = err.code === 'INPUT_UNKNOWN_PLAN' ? t('portal.buy.unknownPackage', {}, language) : setup ? errorMessage('STAFF_NO_MOBILE_MONEY', language) : errorMessage(err.code, language, err.values);
        return showForm(request, reply, 400, { key: body.data.key, values, error });
      }
    });

    app.get('/tokens/sales', { config: { staffAction: 'tokens.view-own' } }, async (request, reply) => {
      const session = sessionOf(request);
      const language = languageOf(request);
      const locale = language === 'ar' ? 'ar-u-nu-latn' : 'en';
      const plans = new Map<number, Plan>(listPlans(db).map((plan) => [plan.id, plan]));
      const rows = listAgentSales(db, session.staff.id).map((sale) => {
        const state = desk.stateOf(sale);
        return {
          id: sale.id,
          time: DateTime.fromMillis(sale.createdAt, { zone: options.zone }).toFormat('yyyy-MM-dd HH:mm'),
          code: state.state === 'issued' ? state.code : state.state === 'waiting' ? t('staff.web.sales.waiting', {}, language) : t('staff.web.sales.notIssued', {}, language),
          issued: state.state === 'issued',
          plan: plans.get(sale.planId)?.name ?? String(sale.planId),
          price: formatMoney(sale.priceMinor, sale.currency, locale),
          method: sale.method === 'cash' ? t('staff.web.tokens.cash', {}, language) : (PROVIDER_NAMES[sale.method] ?? sale.method),
        };
      });
      const float = desk.float(session.staff.id).filter((f) => f.minor !== 0).map((f) => formatMoney(f.minor, f.currency, locale));
      return html(reply, 200, salesPage({ language, prefix, signedIn: signedIn(session), rows, float }));
    });

    app.get<{ Params: { id: string } }>('/tokens/:id', { config: { staffAction: 'tokens.view-own' } }, async (request, reply) => {
      const session = sessionOf(request);
      const language = languageOf(request);
      const sale = /^\d{1,12}$/.test(request.params.id) ? findAgentSale(db, session.staff.id, Number(request.params.id)) : undefined;
      if (!sale) return message(request, reply, 404, t('staff.web.notFound', {}, language));
      const state = desk.stateOf(sale);
      const view: SaleView =
        state.state === 'issued' ? { state: 'issued', code: state.code, phone: sale.phone }
        : state.state === 'waiting' ? { state: 'waiting', phone: sale.phone, price: formatMoney(sale.priceMinor, sale.currency, language === 'ar' ? 'ar-u-nu-latn' : 'en'), provider: PROVIDER_NAMES[sale.method] ?? sale.method }
        : { state: 'failed', reason: state.reason };
      return html(reply, 200, salePage({ language, prefix, signedIn: signedIn(session), view }));
    });
  }

  app.setNotFoundHandler((request, reply) => message(request, reply, 404, t('staff.web.notFound', {}, languageOf(request))));

  const staffText = { failed: 'staff.web.failed', tooMany: 'staff.web.signIn.tooMany', tooLarge: 'staff.web.tooLarge', badForm: 'staff.web.badForm' } as const;
  setPageErrorHandler(app, 'staff', (request, reply, status, refusal) => message(request, reply, status, t(staffText[refusal], {}, languageOf(request))));
};

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../crypto/secret-box.js';
import { openDatabase, type Connection } from '../../db/connection.js';
import { listMessages } from '../../messaging/index.js';
import { addStaff, can, createSession, newTotpSecret, roles, setSmsSignIn, setStaffDisabled, totpCode, turnOnTotp, type StaffRole } from '../../staff/index.js';
import { FORM_COOKIE, PENDING_COOKIE, SESSION_COOKIE, staffPages, type RouteAction, type StaffWebOptions } from './index.js';
import type { TokenDesk } from './token-desk.js';

// The staff plugin through fastify.inject: every route with every role, CSRF, cookies, sign-in.

let conn: Connection;
const ids = new Map<StaffRole, number>();
let mustChangeId: number;

/** A desk with one package and no sales: the gate is under test here, not selling. */
const desk: TokenDesk = {
  packages: () => [{ planId: 1, name: '1 Hour', price: 'KES 20.00', description: '1 hour', provider: null }],
  issue: async () => {
    throw new Error('not in these tests');
  },
  stateOf: () => ({ state: 'waiting' }),
  float: () => [],
};

async function build(options: Partial<StaffWebOptions> = {}, trustProxy = false): Promise<{ app: FastifyInstance; routes: Array<{ method: string; url: string; action: RouteAction }> }> {
  const routes: Array<{ method: string; url: string; action: RouteAction }> = [];
  const app = Fastify({ trustProxy });
  app.addHook('onRoute', (route) => {
    // The stylesheet and scripts: public files (tested below), not pages.
    if (route.url.startsWith('/staff/assets/')) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, action: route.config!.staffAction! });
  });
  await app.register(staffPages, { db: conn.db, zone: 'Africa/Nairobi', tokens: desk, ...options, prefix: '/staff' });
  await app.ready();
  return { app, routes };
}

function session(staffId: number): { cookie: string; csrf: string } {
  const { token, csrfToken } = createSession(conn.db, staffId, Date.now());
  // The form cookie carries the same value, so the public sign-in POST passes its own check too.
  return { cookie: `${SESSION_COOKIE}=${token}; ${FORM_COOKIE}=${csrfToken}`, csrf: csrfToken };
}

function send(app: FastifyInstance, method: string, url: string, who?: { cookie: string; csrf?: string }, form: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const body = new URLSearchParams({ ...(who?.csrf !== undefined && { _csrf: who.csrf }), ...form }).toString();
  return app.inject({
    method: method as 'GET' | 'POST',
    url,
    headers: { ...(who && { cookie: who.cookie }), ...(method === 'POST' && { 'content-type': 'application/x-www-form-urlencoded' }) },
    ...(method === 'POST' && { payload: body }),
  });
}

const concrete = (url: string) => url.replace(':id', '1');
const setCookies = (response: LightMyRequestResponse) => [response.headers['set-cookie'] ?? []].flat().map(String);

beforeAll(async () => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-staff-web-')), 'lango.db'));
  for (const role of roles) ids.set(role, (await addStaff(conn.db, { username: `${role.replace('_', '-')}-1`, role, password: `${role}-password-1` })).staff.id);
  mustChangeId = (await addStaff(conn.db, { username: 'newcomer', role: 'agent' })).staff.id;
});
afterAll(() => conn.close());

describe('permissions on every route', () => {
  it('answers 403 exactly when the role may not do the route’s action, for every route and every role', async () => {
    const { app, routes } = await build();
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const verdicts: string[] = [];
    for (const route of routes) {
      for (const role of roles) {
        const response = await send(app, route.method, concrete(route.url), session(ids.get(role)!));
        const allowed = route.action === 'public' || can(role, route.action);
        verdicts.push(`${route.method} ${route.url} ${role}: ${response.statusCode === 403 ? 'forbidden' : 'allowed'}`);
        expect(response.statusCode === 403, `${route.method} ${route.url} as ${role} (${route.action}) answered ${response.statusCode}`).toBe(!allowed);
        if (!allowed) expect(response.body).toContain('may not open this page');
      }
    }
    expect(verdicts).toContain('GET /staff/tokens support: forbidden');
    expect(verdicts).toContain('GET /staff/tokens agent: allowed');
    await app.close();
  });

  it('sends anyone without a session to the sign-in page, on every route that needs one', async () => {
    const { app, routes } = await build();
    for (const route of routes.filter((r) => r.action !== 'public')) {
      const response = await send(app, route.method, concrete(route.url), { cookie: `${SESSION_COOKIE}=forged-token`, csrf: 'x' });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(303);
      expect(response.headers.location).toBe('/staff/sign-in');
    }
    await app.close();
  });

  it('refuses a route that names no action', async () => {
    const app = Fastify();
    await app.register(async (scope) => {
      await staffPages(scope, { db: conn.db, zone: 'UTC' });
      expect(() => scope.get('/extra', async () => 'no action')).toThrow(/names no action/);
    });
    await app.ready();
    await app.close();
  });
});

describe('CSRF', () => {
  it('refuses a POST without the session’s CSRF token, or with another one, with a plain 403', async () => {
    const { app } = await build();
    const agent = session(ids.get('agent')!);
    const missing = await send(app, 'POST', '/staff/tokens', { cookie: agent.cookie }, { payment: 'cash', phone: '0711000009', planId: '1' });
    expect(missing.statusCode).toBe(403);
    expect(missing.body).toContain('This form has expired or did not come from this site');
    const other = session(ids.get('admin')!);
    const wrong = await send(app, 'POST', '/staff/tokens', { cookie: agent.cookie, csrf: other.csrf }, { payment: 'cash', phone: '0711000009', planId: '1' });
    expect(wrong.statusCode).toBe(403);
    const signOut = await send(app, 'POST', '/staff/sign-out', { cookie: agent.cookie, csrf: 'nope' });
    expect(signOut.statusCode).toBe(403);
    await app.close();
  });

  it('refuses a JSON body or an oversized form with a page saying what went wrong', async () => {
    const { app } = await build();
    const agent = session(ids.get('agent')!);
    const json = await app.inject({ method: 'POST', url: '/staff/tokens', headers: { cookie: agent.cookie, 'content-type': 'application/json' }, payload: JSON.stringify({ _csrf: agent.csrf, payment: 'cash', phone: '0711000009', planId: 1 }) });
    expect(json.statusCode).toBe(415);
    expect(json.body).toContain('This form has expired or did not come from this site');
    const big = await send(app, 'POST', '/staff/tokens', agent, { payment: 'cash', phone: 'x'.repeat(9000), planId: '1' });
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toContain('text/html');
    expect(big.body).toContain('What this form sent is too large');
    await app.close();
  });

  it('refuses a sign-in whose form token does not match its cookie', async () => {
    const { app } = await build();
    const response = await send(app, 'POST', '/staff/sign-in', { cookie: `${FORM_COOKIE}=one`, csrf: 'two' }, { username: 'agent-1', password: 'agent-password-1' });
    expect(response.statusCode).toBe(403);
    expect(setCookies(response).some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    await app.close();
  });
});

describe('signing in', () => {
  async function signInForm(app: FastifyInstance, extraHeaders: Record<string, string> = {}) {
    const page = await app.inject({ method: 'GET', url: '/staff/sign-in', headers: extraHeaders });
    const formCookie = setCookies(page).find((c) => c.startsWith(`${FORM_COOKIE}=`))!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return { page, formCookie, token };
  }

  it('sets an HttpOnly, SameSite=Strict session cookie for /staff, Secure only over HTTPS', async () => {
    const { app } = await build();
    const { page, formCookie, token } = await signInForm(app);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(formCookie).toMatch(/HttpOnly; SameSite=Strict/);
    const cookie = formCookie.split(';')[0]!;
    const response = await send(app, 'POST', '/staff/sign-in', { cookie, csrf: token }, { username: 'Agent-1', password: 'agent-password-1' });
    expect(response.statusCode).toBe(303);
    const sessionCookie = setCookies(response).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(sessionCookie).toMatch(/; Path=\/staff; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    await app.close();

    const proxied = await build({}, true);
    const https = { 'x-forwarded-proto': 'https' };
    const form = await signInForm(proxied.app, https);
    const secure = await proxied.app.inject({
      method: 'POST',
      url: '/staff/sign-in',
      headers: { ...https, cookie: form.formCookie.split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: form.token, username: 'agent-1', password: 'agent-password-1' }).toString(),
    });
    expect(setCookies(secure).find((c) => c.startsWith(`${SESSION_COOKIE}=`))).toMatch(/; Secure$/);
    await proxied.app.close();
  });

  it('says only "wrong username or password" for a wrong password or an unknown name, then that the account is locked and until when', async () => {
    const { app } = await build();
    await addStaff(conn.db, { username: 'guessme', role: 'agent', password: 'guess-me-please' });
    const attempt = async (username: string, password: string) => {
      const { formCookie, token } = await signInForm(app);
      return send(app, 'POST', '/staff/sign-in', { cookie: formCookie.split(';')[0]!, csrf: token }, { username, password });
    };
    const unknown = await attempt('nobody-here', 'whatever-1234');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toContain('Wrong username or password.');
    for (let i = 1; i <= 4; i++) expect((await attempt('guessme', `wrong-${i}-guess`)).body).toContain('Wrong username or password.');
    const locked = await attempt('guessme', 'wrong-5-guess');
    expect(locked.statusCode).toBe(423);
    expect(locked.body).toMatch(/This account is locked after 5 wrong passwords, until \d\d:\d\d\./);
    expect((await attempt('guessme', 'guess-me-please')).statusCode).toBe(423);
    await app.close();
  });

  it('limits sign-in attempts per address', async () => {
    const { app } = await build({ signInPerMinute: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(app, 'POST', '/staff/sign-in', { cookie: `${FORM_COOKIE}=a`, csrf: 'a' }, { username: 'x', password: 'y' })).statusCode);
    expect(statuses).toEqual([401, 401, 429]);
    await app.close();
  });

  it('sends an account that must change its password to the change page before anything else', async () => {
    const { app } = await build();
    const newcomer = session(mustChangeId);
    for (const url of ['/staff/', '/staff/tokens', '/staff/tokens/sales']) {
      const response = await send(app, 'GET', url, newcomer);
      expect(response.statusCode, url).toBe(303);
      expect(response.headers.location).toBe('/staff/password');
    }
    const page = await send(app, 'GET', '/staff/password', newcomer);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Choose a new password before you continue.');
    await app.close();
  });

  it('speaks Arabic, right to left, when asked', async () => {
    const { app } = await build();
    const response = await app.inject({ method: 'GET', url: '/staff/sign-in', headers: { 'accept-language': 'ar' } });
    expect(response.body).toContain('<html lang="ar" dir="rtl">');
    expect(response.body).toContain('دخول الموظفين');
    const chosen = await app.inject({ method: 'GET', url: '/staff/language?to=ar' });
    expect(chosen.statusCode).toBe(303);
    expect(setCookies(chosen).find((c) => c.startsWith('lango_staff_lang=ar;'))).toMatch(/Path=\/staff; HttpOnly; SameSite=Strict/);
    const agent = session(ids.get('agent')!);
    const form = await send(app, 'GET', '/staff/tokens', { cookie: `${agent.cookie}; lango_staff_lang=ar` });
    expect(form.body).toContain('أصدر رمز واي فاي');
    expect(form.body).toContain('وكيل مبيعات');
    await app.close();
  });
});

describe('the staff pages’ files', () => {
  it('serves the stylesheet the pages link, compressed, for a year, and the pages themselves never from cache', async () => {
    const { app } = await build();
    const page = await send(app, 'GET', '/staff/sign-in');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(page.body)?.[1];
    expect(href).toMatch(/^\/staff\/assets\/staff\.css\?v=[0-9a-f]{12}$/);
    const css = await app.inject({ method: 'GET', url: href!, headers: { 'accept-encoding': 'gzip' } });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-encoding']).toBe('gzip');
    expect(css.headers['cache-control']).toContain('immutable');
    expect(css.headers['cache-control']).toContain('max-age=31536000');
    expect(css.headers['content-type']).toContain('text/css');
    const chart = await app.inject({ method: 'GET', url: '/staff/assets/uPlot.iife.min.js' });
    expect(chart.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/staff/assets/../index.ts' })).statusCode).toBe(404);
    await app.close();
  });
});

describe('two-step sign-in', () => {
  const box = createSecretBox(Buffer.alloc(32, 3));

  async function codeStep(app: FastifyInstance, username: string, password: string) {
    const page = await app.inject({ method: 'GET', url: '/staff/sign-in' });
    const form = setCookies(page).find((c) => c.startsWith(`${FORM_COOKIE}=`))!.split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const response = await send(app, 'POST', '/staff/sign-in', { cookie: form, csrf: token }, { username, password });
    return response;
  }
  /** Opens the code page with the pending cookie; returns the cookies and form token its form needs. */
  async function codePage(app: FastifyInstance, pending: string) {
    const page = await app.inject({ method: 'GET', url: '/staff/sign-in/code', headers: { cookie: pending } });
    const form = setCookies(page).find((c) => c.startsWith(`${FORM_COOKIE}=`))?.split(';')[0];
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    return { page, who: { cookie: `${pending}; ${form}`, csrf: token! } };
  }

  it('asks for the app’s code after the right password, refuses a wrong one in plain words, and signs in with the right one', async () => {
    const { app } = await build({ services: { box } });
    const { staff } = await addStaff(conn.db, { username: 'two-step', role: 'support', password: 'two-step-password' });
    const { secret } = newTotpSecret('two-step');
    const earlier = Date.now() - 60_000;
    expect(turnOnTotp(conn.db, box, { actor: 'staff:two-step', staffId: staff.id, secret, code: totpCode(secret, earlier), now: earlier }).kind).toBe('on');

    const first = await codeStep(app, 'two-step', 'two-step-password');
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/staff/sign-in/code');
    expect(setCookies(first).some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    const pendingCookie = setCookies(first).find((c) => c.startsWith(`${PENDING_COOKIE}=`))!;
    expect(pendingCookie).toMatch(/HttpOnly; SameSite=Strict; Max-Age=300$/);
    const pending = pendingCookie.split(';')[0]!;
    // The pending cookie opens no page.
    expect((await send(app, 'GET', '/staff/', { cookie: `${SESSION_COOKIE}=${pending.split('=')[1]}` })).statusCode).toBe(303);

    const { page, who } = await codePage(app, pending);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('autocomplete="one-time-code"');
    const code = totpCode(secret, Date.now());
    const wrong = await send(app, 'POST', '/staff/sign-in/code', who, { code: code === '123456' ? '654321' : '123456' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('That code is not right.');
    const again = await codePage(app, pending);
    const right = await send(app, 'POST', '/staff/sign-in/code', again.who, { code });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe('/staff/');
    expect(setCookies(right).find((c) => c.startsWith(`${SESSION_COOKIE}=`))).toMatch(/HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(setCookies(right).find((c) => c.startsWith(`${PENDING_COOKIE}=`))).toMatch(/Max-Age=0/);
    await app.close();
  });

  it('sends the code page back to the password without a pending sign-in', async () => {
    const { app } = await build({ services: { box } });
    const response = await app.inject({ method: 'GET', url: '/staff/sign-in/code', headers: { cookie: `${PENDING_COOKIE}=made-up` } });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/staff/sign-in');
    const posted = await send(app, 'POST', '/staff/sign-in/code', { cookie: `${PENDING_COOKIE}=made-up; ${FORM_COOKIE}=t`, csrf: 't' }, { code: '123456' });
    expect(posted.statusCode).toBe(400);
    expect(posted.body).toContain('The sign-in took too long. Sign in again with your password.');
    await app.close();
  });

  it('queues a sign-in code by SMS through the outbox, and signs in with it', async () => {
    const { app } = await build({ services: { box } });
    const { staff } = await addStaff(conn.db, { username: 'sms-step', role: 'support', password: 'sms-step-password' });
    await setSmsSignIn(conn.db, { actor: 'staff:sms-step', staffId: staff.id, password: 'sms-step-password', phone: '+254712000999', on: true, now: Date.now() });
    const first = await codeStep(app, 'sms-step', 'sms-step-password');
    const pending = setCookies(first).find((c) => c.startsWith(`${PENDING_COOKIE}=`))!.split(';')[0]!;
    const { page, who } = await codePage(app, pending);
    expect(page.body).toContain('Send me a code by SMS');
    const sent = await send(app, 'POST', '/staff/sign-in/code/sms', who, {});
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe('/staff/sign-in/code?sent=1');
    // The outbox screens hide the code (whoever reads the outbox must not sign in with it); the gateway gets the body.
    const listed = listMessages(conn.db, {}).find((m) => m.recipient === '+254712000999');
    expect(listed?.body).toBe('••••••');
    const sms = conn.sqlite.prepare('SELECT body FROM messages WHERE recipient = ?').get('+254712000999') as { body: string } | undefined;
    const code = /code is (\d{6})\./.exec(sms?.body ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const shown = await app.inject({ method: 'GET', url: '/staff/sign-in/code?sent=1', headers: { cookie: pending } });
    expect(shown.body).toContain('A code was sent by SMS to +2547…999.');
    const done = await send(app, 'POST', '/staff/sign-in/code', (await codePage(app, pending)).who, { code: code! });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/staff/');
    await app.close();
  });

  it('tells the owner of a disabled account so, and only with the right password', async () => {
    const { app } = await build();
    const { staff } = await addStaff(conn.db, { username: 'gone-away', role: 'support', password: 'gone-away-password' });
    setStaffDisabled(conn.db, { actor: 'staff:admin-1', id: staff.id, disabled: true, now: Date.now() });
    const right = await codeStep(app, 'gone-away', 'gone-away-password');
    expect(right.statusCode).toBe(403);
    expect(right.body).toContain('This account is disabled. Ask an administrator to enable it.');
    expect((await codeStep(app, 'gone-away', 'not-the-password')).body).toContain('Wrong username or password.');
    await app.close();
  });
});

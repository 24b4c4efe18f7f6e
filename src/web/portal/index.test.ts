import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../db/connection.js';
import { createSession } from '../../portal/sessions.js';
import { portalDb } from '../../portal/test-fixtures.js';
import { CODE_COOKIE, FORM_COOKIE, portalPages, SESSION_COOKIE, type PortalWebOptions } from './index.js';
import { STYLESHEET_NAME } from './pages.js';

// The portal plugin through fastify.inject: the gate, CSRF, headers, the rate limit.

let conn: Connection;
let alice: number;
let app: FastifyInstance;

async function build(options: Partial<PortalWebOptions> = {}): Promise<FastifyInstance> {
  const built = Fastify();
  await built.register(portalPages, { db: conn.db, zone: 'Africa/Nairobi', ...options, prefix: '/portal' });
  await built.ready();
  return built;
}

beforeEach(async () => {
  ({ conn, alice } = portalDb());
  app = await build();
});
afterEach(async () => {
  await app.close();
  conn.close();
});

const post = (url: string, cookie: string, form: Record<string, string>, target = app): Promise<LightMyRequestResponse> =>
  target.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });

describe('the portal plugin', () => {
  it('sends the signed-out to the sign-in page, with safe headers and no caching', async () => {
    const home = await app.inject({ url: '/portal/' });
    expect(home.statusCode).toBe(303);
    expect(home.headers.location).toBe('/portal/sign-in');
    const page = await app.inject({ url: '/portal/sign-in' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(String(page.headers['set-cookie'])).toContain(`${FORM_COOKIE}=`);
    expect(String(page.headers['set-cookie'])).toContain('HttpOnly; SameSite=Strict');
    expect(page.body).toContain('<label for="identifier">');
    expect(page.body).toContain(STYLESHEET_NAME);
  });

  it('serves the stylesheet cached for a year', async () => {
    const css = await app.inject({ url: `/portal/assets/${STYLESHEET_NAME}` });
    expect(css.statusCode).toBe(200);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('refuses a POST without the session’s CSRF token, and a sign-in without the form token', async () => {
    const { token, csrfToken } = createSession(conn.db, alice, Date.now());
    const cookie = `${SESSION_COOKIE}=${token}`;
    expect((await post('/portal/password', cookie, { next: 'sunny-day-42', repeat: 'sunny-day-42' })).statusCode).toBe(403);
    expect((await post('/portal/password', cookie, { _csrf: 'nope', next: 'sunny-day-42', repeat: 'sunny-day-42' })).statusCode).toBe(403);
    const ok = await post('/portal/password', cookie, { _csrf: csrfToken, next: 'sunny-day-42', repeat: 'sunny-day-42' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/portal/?done=password');
    expect((await post('/portal/sign-in', '', { identifier: 'alice', password: 'sunny-day-42' })).statusCode).toBe(403);
    expect((await post('/portal/sign-in', `${FORM_COOKIE}=abc`, { _csrf: 'abc', identifier: 'alice', password: 'sunny-day-42' })).statusCode).toBe(303);
  });

  it('gives a known and an unknown number the same code page', async () => {
    const known = await post('/portal/sign-in/code/send', `${FORM_COOKIE}=abc`, { _csrf: 'abc', identifier: '0712345678' });
    const unknown = await post('/portal/sign-in/code/send', `${FORM_COOKIE}=abc`, { _csrf: 'abc', identifier: '0799999999' });
    for (const answer of [known, unknown]) {
      expect(answer.statusCode).toBe(303);
      expect(answer.headers.location).toBe('/portal/sign-in/code');
      expect(String(answer.headers['set-cookie'])).toContain(`${CODE_COOKIE}=`);
    }
  });

  it('limits sign-in tries per address, with a page that says so', async () => {
    const limited = await build({ signInPerMinute: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post('/portal/sign-in', `${FORM_COOKIE}=abc`, { _csrf: 'abc', identifier: 'nobody', password: 'x' }, limited)).statusCode);
    expect(statuses).toEqual([401, 401, 429]);
    const last = await post('/portal/sign-in', `${FORM_COOKIE}=abc`, { _csrf: 'abc', identifier: 'nobody', password: 'x' }, limited);
    expect(last.body).toContain('Too many tries from this network');
    await limited.close();
  });

  it('refuses a JSON, XML or oversized body to a form with a page in plain words, not the framework\'s message', async () => {
    const { token, csrfToken } = createSession(conn.db, alice, Date.now());
    const cookie = `${SESSION_COOKIE}=${token}`;
    const json = await app.inject({ method: 'POST', url: '/portal/password', headers: { cookie, 'content-type': 'application/json' }, payload: JSON.stringify({ _csrf: csrfToken, next: 'sunny-day-42', repeat: 'sunny-day-42' }) });
    const xml = await app.inject({ method: 'POST', url: '/portal/password', headers: { cookie, 'content-type': 'text/xml' }, payload: '<password/>' });
    for (const answer of [json, xml]) {
      expect(answer.statusCode).toBe(415);
      expect(answer.headers['content-type']).toContain('text/html');
      expect(answer.body).toContain('This form has expired');
    }
    const big = await post('/portal/password', cookie, { _csrf: csrfToken, next: 'x'.repeat(9000), repeat: 'x' });
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toContain('text/html');
    expect(big.body).toContain('What you sent is too long');
    expect(big.body).not.toContain('Request body is too large');
  });

  it('answers an address it does not serve with 404, signed in or not', async () => {
    const { token } = createSession(conn.db, alice, Date.now());
    for (const cookie of ['', `${SESSION_COOKIE}=${token}`]) {
      const answer = await app.inject({ url: '/portal/customers/1', headers: { cookie } });
      expect(answer.statusCode).toBe(404);
    }
  });
});

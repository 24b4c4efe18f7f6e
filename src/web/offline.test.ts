import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { portalDb } from '../portal/test-fixtures.js';
import { portalPages } from './portal/index.js';
import { staffPages } from './staff/index.js';

// The offline parts both page areas serve (src/web/offline.ts), through fastify.inject: each
// area's service worker with its own never-kept pages, the page script cached for good, and
// the texts the script shows carried by every page in its language.

let conn: Connection;
let app: FastifyInstance;

beforeAll(async () => {
  ({ conn } = portalDb());
  app = Fastify();
  await app.register(staffPages, { db: conn.db, zone: 'Africa/Nairobi', prefix: '/staff' });
  await app.register(portalPages, { db: conn.db, zone: 'Africa/Nairobi', prefix: '/portal' });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  conn.close();
});

describe('the offline parts of the staff pages and the portal', () => {
  it('serves each area its own service worker, never from cache, that keeps no page the server marks', async () => {
    for (const area of ['staff', 'portal']) {
      const worker = await app.inject({ url: `/${area}/sw.js` });
      expect(worker.statusCode).toBe(200);
      expect(worker.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(worker.headers['service-worker-allowed']).toBe(`/${area}/`);
      expect(worker.headers['cache-control']).toBe('no-store');
      expect(worker.body).toContain('const NO_KEEP = "x-lango-no-keep";');
    }
  });

  it('marks sign-in, secret-showing and message pages as never to be kept, and the others not', async () => {
    for (const url of ['/staff/sign-in', '/staff/security', '/staff/messages', '/staff/messages/templates', '/portal/sign-in', '/portal/sign-in/code?x=1']) {
      expect((await app.inject({ url })).headers['x-lango-no-keep'], url).toBe('1');
    }
    for (const url of ['/staff/', '/staff/customers', '/staff/messagesx', '/portal/']) {
      expect((await app.inject({ url })).headers['x-lango-no-keep'], url).toBeUndefined();
    }
  });

  it('links the page script by its content, kept for a year, and lets the portal run it', async () => {
    const page = await app.inject({ url: '/portal/sign-in' });
    expect(page.headers['content-security-policy']).toContain("script-src 'self'; worker-src 'self'; connect-src 'self'");
    const src = /<script src="([^"]+)" defer><\/script>/.exec(page.body)?.[1];
    expect(src).toMatch(/^\/portal\/assets\/offline\.js\?v=[0-9a-f]{12}$/);
    const script = await app.inject({ url: src! });
    expect(script.statusCode).toBe(200);
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('carries the offline texts in the page’s language, with the time left for the script to fill', async () => {
    const english = await app.inject({ url: '/staff/sign-in' });
    expect(english.body).toContain('data-banner="You are offline. Showing what was on this page at {time}."');
    expect(english.body).toContain('data-sw="/staff/sw.js"');
    const arabic = await app.inject({ url: '/portal/sign-in', headers: { 'accept-language': 'ar' } });
    expect(arabic.body).toContain('data-queued="حُفظ على هذا الجهاز، وسيُرسل عند عودة الاتصال."');
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../../db/connection.js';
import { createApiToken } from '../../integrations/api-tokens.js';
import { apiRoutes } from './index.js';

let conn: Connection;
let app: FastifyInstance;
const registered: Array<{ method: string; url: string }> = [];

beforeAll(async () => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-api-')), 'lango.db'));
  app = Fastify();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') registered.push({ method, url: route.url });
  });
  await app.register(apiRoutes, { db: conn.db, zone: 'Africa/Nairobi', prefix: '/api/v1' });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  conn.close();
});

describe('the API document', () => {
  it('lists every registered /api/v1 route with its action, and the bearer scheme and error schema', async () => {
    const answer = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(answer.statusCode).toBe(200);
    const doc = answer.json() as { openapi: string; paths: Record<string, Record<string, { 'x-lango-action': string; responses: Record<string, unknown> }>>; components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    const routes = registered.filter((r) => r.url.startsWith('/api/v1/') && r.url !== '/api/v1/openapi.json');
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const route of routes) {
      const openApiPath = route.url.replace('/api/v1', '').replace(/:(\w+)/g, '{$1}');
      const operation = doc.paths[openApiPath]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.url}`).toBeDefined();
      expect(operation!['x-lango-action']).toMatch(/^[a-z]+\.[a-z-]+$/);
      expect(operation!.responses['401']).toBeDefined();
    }
    expect(Object.values(doc.paths).flatMap((p) => Object.keys(p))).toHaveLength(routes.length);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Error).toBeDefined();
  });

  it('refuses a cursor it never gave out, one past the deepest page, and a payment dated in the future', async () => {
    const { token } = createApiToken(conn.db, { name: 'depth', role: 'admin', actor: 'test', now: Date.now() });
    const auth = { authorization: `Bearer ${token}` };
    const cursor = (text: string) => Buffer.from(text).toString('base64url');
    const deep = await app.inject({ method: 'GET', url: `/api/v1/sessions?after=${cursor('9000000')}`, headers: auth });
    expect(deep.statusCode).toBe(400);
    expect(deep.json().error.message).toContain('narrow the list');
    const forged = await app.inject({ method: 'GET', url: `/api/v1/customers?after=${cursor('-5')}`, headers: auth });
    expect(forged.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/api/v1/customers?after=${cursor('10000')}`, headers: auth })).statusCode).toBe(200);
    const future = await app.inject({
      method: 'POST',
      url: '/api/v1/payments',
      headers: { ...auth, 'idempotency-key': 'future-0001', 'content-type': 'application/json' },
      payload: { customerId: 1, method: 'cash', reference: 'R-1', amount: { amountMinor: 100, currency: 'KES' }, receivedAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(future.statusCode).toBe(400);
    expect(future.json().error.message).toContain('receivedAt');
  });

  it('refuses an unknown address, a bad query and a missing token with the one error body', async () => {
    const { token } = createApiToken(conn.db, { name: 'test', role: 'admin', actor: 'test', now: Date.now() });
    const auth = { authorization: `Bearer ${token}` };
    const missing = await app.inject({ method: 'GET', url: '/api/v1/nothing', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });
    const bad = await app.inject({ method: 'GET', url: '/api/v1/customers?limit=500', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid', message: expect.stringContaining('query.limit') } });
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/customers' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthorized');
    const arabic = await app.inject({ method: 'GET', url: '/api/v1/customers', headers: { 'accept-language': 'ar' } });
    expect(arabic.json().error.message).toMatch(/مفتاح/);
  });

  it('answers 429 with the error body once a token has made its calls for the minute, and counts each token apart', async () => {
    const limited = Fastify();
    await limited.register(apiRoutes, { db: conn.db, zone: 'Africa/Nairobi', perMinute: 3, prefix: '/api/v1' });
    const one = createApiToken(conn.db, { name: 'busy', role: 'admin', actor: 'test', now: Date.now() }).token;
    const two = createApiToken(conn.db, { name: 'quiet', role: 'admin', actor: 'test', now: Date.now() }).token;
    const get = (token: string) => limited.inject({ method: 'GET', url: '/api/v1/plans', headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 3; i++) expect((await get(one)).statusCode).toBe(200);
    const refused = await get(one);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await get(two)).statusCode).toBe(200);
    await limited.close();
  });
});

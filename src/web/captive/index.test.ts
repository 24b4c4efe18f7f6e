import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { LOGO_MAX_BYTES } from './assets.js';
import { captivePortal, type CaptiveOptions } from './index.js';

const PNG_1PX = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const ROUTER = new URLSearchParams({ 'link-login-only': 'http://10.5.50.1/login', 'link-orig': 'http://example.com/', 'chap-id': '2a', 'chap-challenge': '0123456789abcdef0123456789abcdef' });

let app: FastifyInstance | undefined;
async function portal(options: Partial<CaptiveOptions> = {}): Promise<FastifyInstance> {
  app = Fastify();
  await app.register(captivePortal, { operator: () => ({ name: 'Juba Net', logo: PNG_1PX, colour: '#1a237e' }), voucherPassword: 'code', ...options, prefix: '/hotspot' });
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('captive portal plugin', () => {
  it('serves the page uncached, with a strict content security policy', async () => {
    const server = await portal();
    const response = await server.inject({ url: `/hotspot?${ROUTER}`, headers: { 'accept-language': 'ar,en;q=0.5' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-language']).toBe('ar');
    expect(response.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src 'self'; form-action http: https:;/);
    expect(response.body).toContain('dir="rtl"');
    expect(response.body).toMatch(/<a href="\/hotspot\?[^"]*lang=en" lang="en" hreflang="en">English<\/a>/);
  });

  it('answers on /hotspot/ too, and without router variables explains what to do', async () => {
    const server = await portal();
    const response = await server.inject({ url: '/hotspot/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Connect to the Wi-Fi first');
    expect(response.body).not.toContain('<form');
  });

  it('gzips the page for browsers that accept it', async () => {
    const server = await portal();
    const plain = await server.inject({ url: `/hotspot?${ROUTER}` });
    const packed = await server.inject({ url: `/hotspot?${ROUTER}`, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(packed.headers['content-encoding']).toBe('gzip');
    expect(packed.rawPayload.length).toBeLessThan(plain.rawPayload.length / 1.5);
    expect(gunzipSync(packed.rawPayload).toString()).toBe(plain.body);
  });

  it('serves the script and the logo under hashed names, cached for good', async () => {
    const server = await portal();
    const page = (await server.inject({ url: `/hotspot?${ROUTER}` })).body;
    const script = /src="(\/hotspot\/assets\/portal\.[0-9a-f]{12}\.js)"/.exec(page)![1]!;
    const logo = /src="(\/hotspot\/assets\/logo\.[0-9a-f]{12}\.png)"/.exec(page)![1]!;
    const js = await server.inject({ url: script });
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(js.body).toContain('@license MIT');
    const image = await server.inject({ url: logo, headers: { 'accept-encoding': 'gzip' } });
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    expect((await server.inject({ url: '/hotspot/assets/portal.000000000000.js' })).statusCode).toBe(404);
  });

  it('leaves out a logo too heavy for the budget', async () => {
    const big = `data:image/png;base64,${Buffer.alloc(LOGO_MAX_BYTES + 1).toString('base64')}`;
    const server = await portal({ operator: () => ({ name: 'Juba Net', logo: big, colour: null }) });
    const page = (await server.inject({ url: `/hotspot?${ROUTER}` })).body;
    expect(page).not.toContain('<img');
    expect(page).toContain('<h1>Juba Net</h1>');
  });

  it('still shows the page when the packages hook fails', async () => {
    const server = await portal({ packages: () => Promise.reject(new Error('database busy')) });
    const response = await server.inject({ url: `/hotspot?${ROUTER}` });
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain('id="buy"');
  });

  it('hands out the RouterOS templates, login.html pointing at this server', async () => {
    const server = await portal();
    const login = await server.inject({ url: '/hotspot/router/login.html', headers: { host: 'wifi.example.net' } });
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('<form name="lango" action="http://wifi.example.net/hotspot" method="get">');
    expect((await server.inject({ url: '/hotspot/router/alogin.html' })).body).toContain('You are logged in');
    expect((await server.inject({ url: '/hotspot/router/errors.txt' })).statusCode).toBe(404);
  });
});

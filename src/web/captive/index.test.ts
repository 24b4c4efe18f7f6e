import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { LangoError } from '../../errors.js';
import type { PurchaseStatus } from '../../payments/index.js';
import { LOGO_MAX_BYTES } from './assets.js';
import { captivePortal, type CaptiveBuy, type CaptiveOptions, type CaptivePaid } from './index.js';

const PNG_1PX = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const ROUTER = new URLSearchParams({ 'link-login-only': 'http://10.5.50.1/login', 'link-orig': 'http://example.com/', 'chap-id': '2a', 'chap-challenge': '0123456789abcdef0123456789abcdef' });

const KEY = '0f8b1c9e-3f0a-4e43-9d55-7c1f0e2a9b10';

/** A shop selling one M-Pesa package (plan 3) and one MoMo package (plan 4), recording what was started. */
function shop(statuses: Record<string, PurchaseStatus> = {}): CaptiveBuy & { started: Array<{ planId: number; phone: string }> } {
  const started: Array<{ planId: number; phone: string }> = [];
  return {
    started,
    packages: async (language) => [
      { planId: 3, name: '1 Hour', price: 'KES 20.00', description: language === 'ar' ? 'ساعة واحدة' : '1 hour', provider: 'mpesa' },
      { planId: 4, name: 'Day', price: 'UGX 1,000', provider: 'momo' },
    ],
    start: async (input) => {
      if (input.phone === '12345') throw new LangoError('INPUT_BAD_PHONE', { value: input.phone });
      if (input.planId === 4) throw new LangoError('PAY_NO_PUBLIC_URL');
      started.push(input);
      return { key: KEY };
    },
    status: (key) => statuses[key],
  };
}

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
    expect(response.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src 'self'; connect-src 'self'; form-action http: https:;/);
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
    const server = await portal({ buy: { ...shop(), packages: () => Promise.reject(new Error('database busy')) } });
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

describe('buying a package on the captive portal', () => {
  const post = (server: FastifyInstance, payload: object | string, headers: Record<string, string> = {}) =>
    server.inject({ method: 'POST', url: '/hotspot/buy', payload, headers: typeof payload === 'string' ? { 'content-type': 'application/x-www-form-urlencoded', ...headers } : headers });

  it('lists the packages on the page, and lets the script reach the purchase routes', async () => {
    const server = await portal({ buy: shop() });
    const response = await server.inject({ url: `/hotspot?${ROUTER}` });
    expect(response.body).toContain('<details data-plan="3" data-pay="Pay KES 20.00">');
    expect(response.body).toContain('<details data-plan="4" data-pay="Pay UGX 1,000">');
    expect(response.body).toContain('<label for="phone">Your mobile money phone number</label>');
    expect(response.headers['content-security-policy']).toContain("connect-src 'self'");
  });

  it('starts a purchase and answers with its key and what to do on the phone, in M-Pesa words', async () => {
    const sold = shop();
    const server = await portal({ buy: sold });
    const response = await post(server, { planId: 3, phone: '0708374149' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ key: KEY, message: 'Check your phone and enter your M-Pesa PIN to pay KES 20.00.' });
    expect(sold.started).toEqual([{ planId: 3, phone: '0708374149' }]);
    // A plain form post works too, in Arabic when asked.
    const form = await post(server, 'planId=3&phone=0708374149&lang=ar');
    expect(form.json()).toMatchObject({ key: KEY, message: 'افحص هاتفك وأدخل الرقم السري لإم-بيسا لدفع KES 20.00.' });
  });

  it('refuses a bad phone number, an unknown package and a broken setup in plain words, starting nothing', async () => {
    const sold = shop();
    const server = await portal({ buy: sold });
    const bad = await post(server, { planId: 3, phone: '12345' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: '"12345" is not a phone number. Type the number of the phone that pays.' });
    expect((await post(server, { planId: 3, phone: '' })).json().error).toContain('is not a phone number');
    expect((await post(server, { planId: 99, phone: '0708374149' })).json()).toEqual({ error: 'This package is no longer on sale. Reload the page and choose again.' });
    expect((await post(server, { planId: 'x', phone: '0708374149' }, { 'accept-language': 'ar' })).json()).toEqual({ error: 'هذه الباقة لم تعد معروضة للبيع. أعد تحميل الصفحة واختر من جديد.' });
    // The operator's missing setting is for the log; the customer is sent to buy a voucher.
    const setup = await post(server, { planId: 4, phone: '0708374149' });
    expect(setup.statusCode).toBe(400);
    expect(setup.json().error).toBe('Paying by phone is not available right now. Buy a voucher at the shop, or try again later.');
    expect(sold.started).toEqual([]);
  });

  it('limits purchases per client address, with a plain message', async () => {
    const server = await portal({ buy: shop(), buyPerMinute: 2 });
    for (let i = 0; i < 2; i++) expect((await post(server, { planId: 3, phone: '0708374149' })).statusCode).toBe(200);
    const limited = await post(server, { planId: 3, phone: '0708374149' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ error: 'Too many payment requests from this network. Wait a minute, then try again.' });
    expect(limited.headers['retry-after']).toBeDefined();
    // Polling is not limited, nor is the page.
    expect((await server.inject({ url: `/hotspot/buy/${KEY}` })).statusCode).toBe(404);
    expect((await server.inject({ url: `/hotspot?${ROUTER}` })).statusCode).toBe(200);
  });

  it('answers where a purchase stands, with a sentence ready to show', async () => {
    const keys = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444444', '55555555-5555-4555-8555-555555555555'] as const;
    const server = await portal({
      buy: shop({
        [keys[0]]: { state: 'pending' },
        [keys[1]]: { state: 'paid', code: 'K7PX9Q2M', password: 'K7PX9Q2M' },
        [keys[2]]: { state: 'failed', reason: 'cancelled', code: '1032' },
        [keys[3]]: { state: 'failed', reason: 'failed', code: '1' },
        [keys[4]]: { state: 'failed', reason: 'expired', code: '1037' },
      }),
    });
    const status = async (key: string, lang = 'en') => {
      const response = await server.inject({ url: `/hotspot/buy/${key}?lang=${lang}` });
      expect(response.headers['cache-control']).toBe('no-store');
      return response.json() as Record<string, string>;
    };
    expect(await status(keys[0])).toEqual({ state: 'pending', message: 'Waiting for your payment…' });
    expect(await status(keys[1])).toEqual({ state: 'paid', message: 'Payment received. Your code (we also sent it to you by SMS):', code: 'K7PX9Q2M', password: 'K7PX9Q2M' });
    expect(await status(keys[2])).toEqual({ state: 'failed', reason: 'cancelled', message: 'The payment was cancelled on the phone. Nothing was paid.' });
    expect(await status(keys[3])).toMatchObject({ reason: 'insufficient', message: 'There is not enough money on that phone for this package. Top up, then try again.' });
    expect(await status(keys[4], 'ar')).toMatchObject({ reason: 'expired', message: 'انتهت مهلة طلب الدفع قبل الموافقة عليه. حاول مرة أخرى وأدخل رقمك السري فور ظهور الطلب.' });
    const unknown = await server.inject({ url: '/hotspot/buy/not-a-key' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'This payment is not known here. Please start again.' });
  });
});

describe('"I paid but I\'m not online" on the captive portal', () => {
  /** A desk that finds a voucher for one receipt, asks about another, and records what it was asked. */
  function desk(): CaptivePaid & { asked: Array<{ text: string; mac: string }> } {
    const asked: Array<{ text: string; mac: string }> = [];
    return {
      asked,
      ask: async (input) => {
        asked.push(input);
        if (input.text === 'TAH5J2K991') return { via: 'receipt', finding: { kind: 'voucher', code: 'K7PX9Q2M', password: 'K7PX9Q2M' } };
        if (input.text === 'TAH5J2K992') return { via: 'receipt', finding: { kind: 'asking', key: KEY } };
        return { via: 'receipt', finding: { kind: 'unknown' } };
      },
      follow: (key) => (key === KEY ? { kind: 'used-elsewhere', at: Date.UTC(2026, 10, 25, 7, 14) } : undefined),
      context: () => ({ provider: 'mpesa', contact: '0700 123 456', zone: 'Africa/Nairobi' }),
    };
  }
  const ask = (server: FastifyInstance, payload: object, headers: Record<string, string> = {}) => server.inject({ method: 'POST', url: '/hotspot/paid', payload, headers });

  it('offers the check on the page, folded, with the router\'s MAC for the script', async () => {
    const server = await portal({ paid: desk() });
    const page = (await server.inject({ url: `/hotspot?${ROUTER}&mac=AA%3ABB%3ACC%3A11%3A22%3A33` })).body;
    expect(page).toMatch(/<section id="paid" hidden data-paid="\/hotspot\/paid" data-mac="AA:BB:CC:11:22:33"/);
    expect(page).toContain("<summary><h2>I paid but I&#39;m not online</h2></summary>");
    expect(page).toContain('<label for="paid-code">Payment code or phone number</label>');
    // Not without a router to log in at.
    expect((await server.inject({ url: '/hotspot' })).body).not.toContain('id="paid"');
  });

  it('answers a receipt with the code to log in with, and passes the device\'s MAC on', async () => {
    const paid = desk();
    const server = await portal({ paid });
    const found = await ask(server, { code: 'TAH5J2K991', mac: 'AA:BB:CC:11:22:33' });
    expect(found.statusCode).toBe(200);
    expect(found.headers['cache-control']).toBe('no-store');
    expect(found.json()).toEqual({ state: 'paid', message: 'Payment found. Your code:', code: 'K7PX9Q2M', password: 'K7PX9Q2M' });
    expect(paid.asked).toEqual([{ text: 'TAH5J2K991', mac: 'AA:BB:CC:11:22:33' }]);
    expect((await ask(server, { code: 'TZZ0000000', lang: 'ar' })).json()).toEqual({ state: 'info', message: 'لا نجد هذا الرمز. تحقّق منه في رسالة M-Pesa واكتبه مرة أخرى.' });
    expect((await ask(server, { code: '' })).statusCode).toBe(400);
  });

  it('answers a lookup in flight with a key to poll, and the poll with what was found', async () => {
    const server = await portal({ paid: desk(), paidPerMinute: 20 });
    expect((await ask(server, { code: 'TAH5J2K992' })).json()).toEqual({ state: 'pending', key: KEY, message: 'We are asking M-Pesa about this payment…' });
    const followed = await server.inject({ url: `/hotspot/paid/${KEY}?lang=en` });
    expect(followed.json().message).toMatch(/^This code was already used on another device at 10:14\./);
    const unknown = await server.inject({ url: '/hotspot/paid/not-a-key' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ state: 'info', message: 'We cannot find this code. Check it in your M-Pesa SMS and type it again.' });
  });

  it('logs a run of misses from one address without what was typed, nor any phone number', async () => {
    const lines: string[] = [];
    app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void lines.push(line) } } });
    await app.register(captivePortal, { operator: () => ({ name: 'Juba Net', logo: null, colour: null }), voucherPassword: 'code', paid: desk(), paidPerMinute: 20, prefix: '/hotspot' });
    for (const code of ['TZZ0000001', 'TZZ0000002']) await ask(app, { code });
    expect(lines.filter((line) => line.includes('find nothing'))).toEqual([]);
    await ask(app, { code: 'TZZ0000003' });
    const [warning] = lines.filter((line) => line.includes('repeated payment checks that find nothing'));
    expect(JSON.parse(warning!)).toMatchObject({ misses: 3, tried: 'TZ… (10 characters)' });
    expect(lines.join('\n')).not.toMatch(/TZZ000000\d/);
  });

  it('limits checks per client address to twenty a minute, with a plain message', async () => {
    const server = await portal({ paid: desk() });
    for (let i = 0; i < 20; i++) expect((await ask(server, { code: 'TZZ0000000' })).statusCode).toBe(200);
    const limited = await ask(server, { code: 'TZZ0000000' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ state: 'info', message: 'Too many checks from this network. Wait a minute, then try again.' });
  });
});

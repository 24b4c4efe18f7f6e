import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startMikrotikHotspot, type HotspotEmulator } from '../../scripts/emulators/mikrotik-hotspot.js';
import { verifyChap } from '../../src/radius/auth/chap.js';
import { findAttribute, Attr } from '../../src/radius/packet.js';
import { launchBrowser, newPhone, recordTransfers } from '../support/browser.js';
import { lango } from '../support/peers.js';

// The captive portal end to end: the real daemon, a simulated MikroTik hotspot speaking real
// RADIUS to it, and headless Chromium as the customer's phone. The phone opens the router's
// login page, lands on Lango's portal, and the portal's script posts the CHAP response back to
// the router, which asks Lango over RADIUS.

const SECRET = 'hotspot-secret-1';
const PASSWORD = 's3cret-Pw';
// A customer standing in for a voucher until vouchers exist: username and password are the code.
const VOUCHER = 'K7PX9Q2M';
const BUDGET = 60 * 1024;

let daemon: Daemon;
let router: HotspotEmulator;
let portal: string;
let browser: Browser;

function logoPng(): Buffer {
  // A 160×48 two-colour logo, a realistic size for a small ISP's mark.
  const png = new PNG({ width: 160, height: 48 });
  for (let y = 0; y < 48; y++) {
    for (let x = 0; x < 160; x++) {
      const i = (y * 160 + x) * 4;
      const mark = (x - 24) ** 2 + (y - 24) ** 2 < 400 || (x > 56 && y > 16 && y < 32);
      png.data[i] = mark ? 0x0b : 0xff;
      png.data[i + 1] = mark ? 0x4f : 0xff;
      png.data[i + 2] = mark ? 0x9e : 0xff;
      png.data[i + 3] = 0xff;
    }
  }
  return PNG.sync.write(png);
}

async function openRouterLogin(page: Page, base: HotspotEmulator = router): Promise<void> {
  await page.goto(`${base.loginUrl}?dst=${encodeURIComponent('http://example.com/news')}`);
  await page.waitForURL((url) => url.href.startsWith(portal));
  await page.locator('#portal').waitFor();
}

beforeAll(async () => {
  daemon = await startDaemon();
  const ok = (...args: string[]) => {
    const run = lango(daemon, ...args);
    expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  };
  ok('nas', 'add', '--name', 'hotspot', '--ip', '127.0.0.1', '--secret', SECRET, '--require-message-authenticator', 'yes');
  ok('plan', 'add', '--name', '1 Hour', '--price', '20', '--currency', 'KES', '--duration', '1h', '--rate', '2M/4M', '--data', '1GB');
  ok('customer', 'add', '--username', 'alice', '--password', PASSWORD, '--plan', '1 Hour');
  ok('customer', 'add', '--username', VOUCHER, '--password', VOUCHER, '--plan', '1 Hour');
  ok('settings', 'set', '--key', 'operator.name', '--value', 'Juba Net');
  const logo = join(daemon.dir, 'logo.png');
  writeFileSync(logo, logoPng());
  ok('operator', 'logo', '--file', logo);

  portal = `http://127.0.0.1:${daemon.httpPort}/hotspot`;
  // As an operator would with `/tool fetch`: login.html comes from Lango with its URL filled in.
  const fetched = await fetch(`${portal}/router/login.html`);
  expect(fetched.status).toBe(200);
  const loginHtml = await fetched.text();
  expect(loginHtml).toContain(`action="${portal}"`);
  router = await startMikrotikHotspot({ portalUrl: 'http://unused.invalid/hotspot', templates: { 'login.html': loginHtml }, radius: { port: daemon.authPort, secret: SECRET } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await router?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

beforeEach(async () => {
  // One simulated client: start each test logged out.
  await fetch(`${router.url}/logout`);
});

describe('captive portal in Chromium against a MikroTik hotspot', () => {
  it('logs a customer in: the browser posts the CHAP response to the router and its RADIUS login is accepted', async () => {
    const { context, page } = await newPhone(browser);
    const portalUrls: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(portal)) portalUrls.push(request.url() + (request.postData() ?? ''));
    });
    const routerPosts: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(router.url) && request.method() === 'POST') routerPosts.push(request.postData() ?? '');
    });
    await openRouterLogin(page);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('link-login-only')).toBe(router.loginUrl);
    expect(landed.searchParams.get('link-orig')).toBe('http://example.com/news');
    expect(landed.searchParams.get('mac')).toBe('AA:BB:CC:11:22:33');
    expect(landed.searchParams.get('chap-id')).toMatch(/^[0-9a-f]{2}$/);
    expect(landed.searchParams.get('chap-challenge')).toMatch(/^[0-9a-f]{32}$/);

    await page.fill('#username', 'alice');
    await page.fill('#password', PASSWORD);
    await page.click('#account button');
    await page.getByText('You are logged in').waitFor();
    expect(page.url().startsWith(router.url)).toBe(true);
    expect(await page.locator('#rate').textContent()).toBe('2M/4M');
    expect(await page.locator('#time-left').textContent()).toMatch(/^(59m\d+s|1h)$/);

    const login = router.logins.at(-1)!;
    expect(login).toMatchObject({ username: 'alice', method: 'chap', outcome: 'accept', rateLimit: '2M/4M' });
    expect(login.sessionTimeout).toBeGreaterThan(3500);
    // The router's Access-Request carries exactly what RouterOS's own login page would produce.
    const request = router.requests.at(-1)!;
    const chapPassword = findAttribute(request, Attr.ChapPassword)!;
    const challenge = findAttribute(request, Attr.ChapChallenge)!;
    expect(challenge.toString('hex')).toBe(landed.searchParams.get('chap-challenge'));
    expect(chapPassword[0]).toBe(parseInt(landed.searchParams.get('chap-id')!, 16));
    expect(verifyChap(chapPassword, challenge, Buffer.from(PASSWORD))).toBe(true);
    expect(routerPosts).toEqual([expect.stringMatching(/^username=alice&password=[0-9a-f]{32}&dst=http%3A%2F%2Fexample\.com%2Fnews$/)]);
    // The password went nowhere in clear: not to the router, not to Lango, not into its log.
    expect(routerPosts.join('')).not.toContain(PASSWORD);
    expect(portalUrls.join('\n')).not.toContain(PASSWORD);
    expect(daemon.logs().join('\n')).not.toContain(PASSWORD);
    await context.close();
  });

  it('sends a wrong password back to the portal with the router error in plain words', async () => {
    const { context, page } = await newPhone(browser);
    await openRouterLogin(page);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'not-the-password');
    await page.click('#account button');
    // The router rejects, renders login.html with $(error), which goes straight back to the portal.
    await page.waitForURL((url) => url.href.startsWith(portal) && url.searchParams.has('error'));
    expect(new URL(page.url()).searchParams.get('error')).toBe('Wrong username or password.');
    const alert = page.getByRole('alert');
    await expect(alert.textContent()).resolves.toContain('The code, username or password is wrong. Check it and try again.');
    expect(router.logins.at(-1)).toMatchObject({ username: 'alice', outcome: 'reject', replyMessage: 'Wrong username or password.' });
    // The router's last-used name is filled in again; a fresh challenge came with the error.
    expect(await page.inputValue('#username')).toBe('alice');
    await context.close();
  });

  it('logs in with a voucher code: the code, upper-cased, is the username and the password', async () => {
    const { context, page } = await newPhone(browser);
    await openRouterLogin(page);
    // Typed as people type it off a card: spaced, lower case.
    await page.fill('#code', ` ${VOUCHER.slice(0, 4).toLowerCase()} ${VOUCHER.slice(4)} `);
    await page.click('#voucher button');
    await page.getByText('You are logged in').waitFor();
    const request = router.requests.at(-1)!;
    expect(findAttribute(request, Attr.UserName)!.toString()).toBe(VOUCHER);
    expect(verifyChap(findAttribute(request, Attr.ChapPassword)!, findAttribute(request, Attr.ChapChallenge)!, Buffer.from(VOUCHER))).toBe(true);
    expect(router.logins.at(-1)).toMatchObject({ username: VOUCHER, outcome: 'accept' });
    await context.close();
  });

  it('renders the portal in Arabic, right to left, for an Arabic phone', async () => {
    const { context, page } = await newPhone(browser, { locale: 'ar-SS' });
    await openRouterLogin(page);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    await page.getByRole('heading', { name: 'لديّ حساب' }).waitFor();
    await page.getByRole('heading', { name: 'لديّ كرت (قسيمة)' }).waitFor();
    // Right to left for real: the page's text starts at the right edge.
    const box = await page.locator('label[for="username"]').boundingBox();
    const width = page.viewportSize()!.width;
    expect(box!.x + box!.width).toBeGreaterThan(width / 2);
    // The language link switches to English and keeps the router's variables.
    await page.click('a[hreflang="en"]');
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    expect(new URL(page.url()).searchParams.get('link-login-only')).toBe(router.loginUrl);
    await context.close();
  });

  it("follows the operator's colour and listed router host names without a restart", async () => {
    const ok = (...args: string[]) => expect(lango(daemon, ...args).status).toBe(0);
    const visit = new URLSearchParams({ 'link-login-only': 'http://login.example.net/login', 'chap-id': '2a', 'chap-challenge': '0123456789abcdef0123456789abcdef' });
    expect(await (await fetch(`${portal}?${visit}`)).text()).toContain('did not come from a hotspot we know');
    ok('settings', 'set', '--key', 'hotspot.routerHosts', '--value', '["login.example.net"]');
    ok('settings', 'set', '--key', 'operator.colour', '--value', '#ffd700');
    // The operator's name, logo and colour are re-read every few seconds.
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    const html = await (await fetch(`${portal}?${visit}`)).text();
    expect(html).toContain('data-login="http://login.example.net/login"');
    expect(html).toContain('background:#ffd700;color:#1b1b1b');
    ok('settings', 'set', '--key', 'hotspot.routerHosts', '--value', '[]');
    ok('settings', 'set', '--key', 'operator.colour', '--value', 'null');
  });

  it('keeps the portal page, its script and the logo under 60 KB', async () => {
    const { context, page } = await newPhone(browser);
    const transfers = recordTransfers(page, portal);
    await openRouterLogin(page);
    await page.waitForLoadState('load');
    const all = await transfers.done();
    expect(all.map((x) => new URL(x.url).pathname)).toEqual(
      expect.arrayContaining(['/hotspot', expect.stringMatching(/^\/hotspot\/assets\/portal\.[0-9a-f]{12}\.js$/), expect.stringMatching(/^\/hotspot\/assets\/logo\.[0-9a-f]{12}\.png$/)]),
    );
    const plain = all.reduce((sum, x) => sum + x.bodyBytes, 0);
    const wire = all.reduce((sum, x) => sum + x.wireBytes, 0);
    console.info(`portal page weight: ${plain} bytes plain, ${wire} bytes on the wire (${all.map((x) => `${new URL(x.url).pathname} ${x.bodyBytes}/${x.wireBytes}`).join(', ')})`);
    expect(plain).toBeLessThanOrEqual(BUDGET);
    expect(wire).toBeLessThan(plain);
    await context.close();
  });
});

describe('captive portal with login-by=https (PAP inside TLS)', () => {
  let secure: HotspotEmulator;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lango-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    secure = await startMikrotikHotspot({
      portalUrl: portal,
      loginBy: 'https',
      tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      radius: { port: daemon.authPort, secret: SECRET },
    });
  });

  afterAll(async () => {
    await secure?.close();
  });

  it('posts the plain password only to the https login link, and the router logs in with PAP', async () => {
    const { context, page } = await newPhone(browser, { ignoreHTTPSErrors: true });
    await openRouterLogin(page, secure);
    expect(new URL(page.url()).searchParams.has('chap-id')).toBe(false);
    expect(await page.getAttribute('#account', 'action')).toBe(secure.loginUrl);
    await page.fill('#username', 'alice');
    await page.fill('#password', PASSWORD);
    await page.click('#account button');
    await page.getByText('You are logged in').waitFor();
    expect(secure.logins.at(-1)).toMatchObject({ username: 'alice', method: 'pap', outcome: 'accept' });
    expect(findAttribute(secure.requests.at(-1)!, Attr.UserPassword)).toBeDefined();
    await context.close();
  });
});

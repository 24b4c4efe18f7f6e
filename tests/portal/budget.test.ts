import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { startHome, type HomeFixture } from './home-fixture.js';

// Issue 8's page budget, measured as a customer's phone pays for it: the portal home, with its
// 30-day chart and sessions, weighs at most 40 KB on the wire the first time (compressed, headers
// included) and at most 10 KB on the next visit, when the stylesheet and script come from the
// browser's cache (hashed names, immutable) and only the page itself is fetched again. Nothing
// comes from another origin, and no web fonts at all.

let home: HomeFixture;
let browser: Browser;
/** The signed-in customer's cookies, for a second phone with an empty cache. */
let state: Awaited<ReturnType<BrowserContext['storageState']>>;

beforeAll(async () => {
  home = await startHome({ language: 'en' });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (home) expect(await home.daemon.stop()).toBe(0);
});

interface Fetched {
  url: string;
  type: string;
  /** Bytes that crossed the link: headers and the (compressed) body; 0 when the cache answered. */
  wire: number;
}

/**
 * Every request of the context that finished, weighed from Chromium's network log (what
 * DevTools shows as "transferred"). A response from the memory or disk cache reports no body
 * bytes: nothing crossed the link.
 */
function recordWire(context: BrowserContext): { done(): Promise<Fetched[]> } {
  const pending: Array<Promise<Fetched>> = [];
  context.on('requestfinished', (request) => {
    pending.push(
      (async () => {
        const sizes = await request.sizes();
        const fromCache = sizes.responseBodySize <= 0 && (await request.response())?.status() === 200;
        return { url: request.url(), type: request.resourceType(), wire: fromCache ? 0 : sizes.responseHeadersSize + sizes.responseBodySize };
      })(),
    );
  });
  return { done: () => Promise.all(pending) };
}

async function visitHome(page: Page): Promise<void> {
  await page.goto(`${home.portalUrl}/`);
  await page.waitForLoadState('load');
  // The page measured is the full home: the chart and the sessions are on it.
  await page.locator('#usage-chart rect').first().waitFor({ state: 'attached' });
  await page.locator('#sessions tbody tr').first().waitFor();
}

const total = (fetched: Fetched[]) => fetched.reduce((sum, f) => sum + f.wire, 0);
const describeAll = (fetched: Fetched[]) => fetched.map((f) => `${new URL(f.url).pathname} ${f.wire} B`).join(', ');

describe('the portal home’s weight', () => {
  it('is at most 40 KB on the wire the first time and 10 KB the next, all from the daemon, no fonts', async () => {
    const context = await home.signedIn(browser);
    const origin = new URL(home.portalUrl).origin;

    const first = recordWire(context);
    const page = await context.newPage();
    await visitHome(page);
    const firstLoad = await first.done();
    console.log(`portal home, first visit: ${total(firstLoad)} bytes: ${describeAll(firstLoad)}`);
    const paths = firstLoad.map((f) => new URL(f.url).pathname);
    expect(paths).toContain('/portal/');
    const stylesheet = firstLoad.find((f) => f.type === 'stylesheet')!;
    expect(new URL(stylesheet.url).pathname).toMatch(/^\/portal\/assets\/portal\.[0-9a-f]{12}\.css$/);
    expect(firstLoad.filter((f) => !f.url.startsWith(`${origin}/`))).toEqual([]);
    expect(firstLoad.filter((f) => f.type === 'font')).toEqual([]);
    expect(total(firstLoad)).toBeLessThanOrEqual(40 * 1024);
    // The page itself travels compressed; the stylesheet is kept a year under its hashed name.
    const response = await page.goto(`${home.portalUrl}/`);
    expect(['br', 'gzip']).toContain(response!.headers()['content-encoding']);
    const css = await page.request.get(stylesheet.url);
    expect(css.headers()['cache-control']).toBe('public, max-age=31536000, immutable');

    const second = await context.newPage();
    const again = recordWire(context);
    await visitHome(second);
    const repeat = await again.done();
    console.log(`portal home, repeat visit: ${total(repeat)} bytes: ${describeAll(repeat)}`);
    expect(repeat.filter((f) => f.wire > 0 && f.url.includes('/assets/'))).toEqual([]);
    expect(total(repeat)).toBeLessThanOrEqual(10 * 1024);
    state = await context.storageState();
    await context.close();
  }, 30_000);

  it('stays within both budgets with the offline service worker running, its own script and fetches counted', async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 640 }, storageState: state, serviceWorkers: 'allow' });
    context.setDefaultTimeout(10_000);
    const first = recordWire(context);
    const page = await context.newPage();
    await visitHome(page);
    await page.evaluate('navigator.serviceWorker.ready');
    await page.waitForTimeout(500);
    const firstLoad = await first.done();
    console.log(`portal home with the service worker, first visit: ${total(firstLoad)} bytes: ${describeAll(firstLoad)}`);
    expect(firstLoad.map((f) => new URL(f.url).pathname)).toContain('/portal/sw.js');
    // Chromium's log gives the worker's own script no size: count it unpacked, an upper bound.
    const worker = (await (await page.request.get(`${home.portalUrl}/sw.js`)).body()).length;
    expect(total(firstLoad) + worker).toBeLessThanOrEqual(40 * 1024);

    const again = recordWire(context);
    await visitHome(await context.newPage());
    await page.waitForTimeout(500);
    const repeat = await again.done();
    console.log(`portal home with the service worker, repeat visit: ${total(repeat)} bytes: ${describeAll(repeat)}`);
    expect(total(repeat)).toBeLessThanOrEqual(10 * 1024);
    await context.close();
  }, 30_000);
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone } from '../support/browser.js';
import { lango, until } from '../support/peers.js';
import { signInByCode } from '../support/portal.js';

// Issue 8's field conditions for customers: the portal's service worker keeps a copy of each
// page shown, so when the link drops the customer's own data stays readable, under a banner
// saying it is offline and when the copy was made (English and Arabic). Signing out empties
// the copies: a phone or a cyber-café PC may be shared.

let daemon: Daemon;
let browser: Browser;
let portalUrl: string;

function cli(...args: string[]): void {
  const run = lango(daemon, ...args, '--json');
  expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
}


/** Signs in by a code sent by SMS (no portal password needed), then opens the home page. */
async function signIn(page: Page, identifier: string, phone: string): Promise<void> {
  await signInByCode(page, daemon, portalUrl, identifier, phone);
  await page.waitForURL(`${portalUrl}/password`);
}

/** Waits until the portal's service worker controls the page (it claims open pages when it starts). */
async function workerInCharge(page: Page): Promise<void> {
  await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
  await page.waitForFunction('navigator.serviceWorker.controller !== null');
}

/** HH:MM as the browser shows it, for the moments around a page load (a minute may turn between). */
const clock = (ms: number, locale: string) => new Date(ms).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

beforeAll(async () => {
  daemon = await startDaemon();
  portalUrl = `http://127.0.0.1:${daemon.httpPort}/portal`;
  cli('plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M', '--data', '50GB');
  cli('customer', 'add', '--username', 'alice', '--password', 'alice-net', '--plan', 'Home 10M', '--name', 'Alice Wanjiru', '--phone', '+254 712 345 678');
  cli('customer', 'add', '--username', 'amira', '--password', 'amira-net', '--plan', 'Home 10M', '--name', 'Amira Deng', '--phone', '0733000222', '--language', 'ar');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the portal when the link drops', () => {
  it('still shows the customer’s own data, with an offline banner and the time it was shown, until they sign out', async () => {
    const { context, page } = await newPhone(browser, { serviceWorkers: 'allow' });
    await signIn(page, '0712 345 678', '+254712345678');
    await workerInCharge(page);
    const before = Date.now();
    await page.goto(`${portalUrl}/`);
    const after = Date.now();
    expect(await page.locator('h1').textContent()).toBe('Hello, Alice Wanjiru');
    expect(await page.locator('#offline').isHidden()).toBe(true);
    // Whose session the page belongs to: a form kept on the device is sent only in theirs.
    expect(await page.locator('#offline').getAttribute('data-user')).toBe('alice');

    await context.setOffline(true);
    await page.reload();
    expect(await page.locator('h1').textContent()).toBe('Hello, Alice Wanjiru');
    expect(await page.locator('#plan').textContent()).toBe('Home 10M');
    expect(await page.locator('#status').textContent()).toBe('Active');
    const banner = await page.locator('#offline-banner').textContent();
    expect([clock(before, 'en-GB'), clock(after, 'en-GB')].map((time) => `You are offline. Showing what was on this page at ${time}.`)).toContain(banner);

    // Back online, the customer signs out: the copies go with the session.
    await context.setOffline(false);
    await page.reload();
    expect(await page.locator('#offline').isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${portalUrl}/sign-in`);
    expect(await page.locator('#offline').getAttribute('data-user')).toBeNull();
    await until('the page copies emptied', async () => ((await page.evaluate<number>("caches.open('lango-pages:/portal/').then((c) => c.keys()).then((k) => k.length)")) === 0 ? true : undefined));
    await context.setOffline(true);
    await expect(page.goto(`${portalUrl}/`)).rejects.toThrow();
    await context.close();
  });

  it('says so in Arabic on an Arabic page', async () => {
    const { context, page } = await newPhone(browser, { serviceWorkers: 'allow' });
    await signIn(page, '0733 000 222', '+254733000222');
    await workerInCharge(page);
    const before = Date.now();
    await page.goto(`${portalUrl}/`);
    const after = Date.now();
    await context.setOffline(true);
    await page.reload();
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('#status').textContent()).toBe('فعّال');
    const banner = await page.locator('#offline-banner').textContent();
    expect([clock(before, 'ar-u-nu-latn'), clock(after, 'ar-u-nu-latn')].map((time) => `أنت غير متصل. تظهر محتويات هذه الصفحة كما كانت عند الساعة ${time}.`)).toContain(banner);
    await context.close();
  });
});

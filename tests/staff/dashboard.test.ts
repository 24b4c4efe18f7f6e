import type { Browser, BrowserContext } from 'playwright-core';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, recordTransfers, staffSignIn, type Transfer } from '../support/browser.js';
import { lango, radclient } from '../support/peers.js';

// Issue 7's dashboard against the real daemon in a phone-sized Chromium: after a cash payment
// and a session Start, an admin sees one active session, today's money, the revenue chart
// drawn by uPlot and the same figures in the tables beneath; support sees no money at all.
// The page is light on a slow link: under 100 KB the first time, under 60 KB after (the
// stylesheet and scripts are cached by content hash and not fetched again).

const SECRET = 'staff-dashboard-secret';
const ZONE = 'Africa/Nairobi';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const plain = (text: string | null) => (text ?? '').replace(/[\u00a0\u2009\u202f]/g, ' ').replace(/\s+/g, ' ').trim();

function cli(...args: string[]): void {
  const run = lango(daemon, ...args);
  expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
}

beforeAll(async () => {
  // The zone the test reads "today" in is the daemon's: the daily roll-up's days are its days.
  daemon = await startDaemon({ env: { LANGO_TIMEZONE: ZONE } });
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-pass', '--plan', 'Home 10M'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-pass', '--plan', 'Home 10M'],
    ['pay', '--username', 'alice', '--amount', '1500', '--method', 'cash', '--reference', 'BOOK-0001'],
    ['staff', 'add', '--username', 'amina', '--role', 'admin', '--password', 'admin-desk-12'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ];
  for (const args of setup) cli(...args);
  const start = radclient('Acct-Status-Type = Start\nAcct-Session-Id = "dash-0001"\nUser-Name = "alice"\nFramed-IP-Address = 10.5.50.7\n', `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
  expect(start.status, start.stdout + start.stderr).toBe(0);
  const interim = radclient(
    'Acct-Status-Type = Interim-Update\nAcct-Session-Id = "dash-0001"\nUser-Name = "alice"\nAcct-Session-Time = 60\nAcct-Output-Octets = 3145728\nAcct-Input-Octets = 1048576\n',
    `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
  expect(interim.status, interim.stdout + interim.stderr).toBe(0);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

/** A phone already signed in, whose cache is still empty: the session cookie is carried over from a first context. */
async function signedInFreshCache(username: string, password: string): Promise<BrowserContext> {
  const first = await newPhone(browser);
  await staffSignIn(first.page, staffUrl, username, password);
  const state = await first.context.storageState();
  await first.context.close();
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 640 }, storageState: state });
  context.setDefaultTimeout(10_000);
  return context;
}

// A response served from the browser's cache reports a negative wire size: nothing crossed the link.
const weigh = (transfers: Transfer[]) => transfers.reduce((sum, x) => sum + Math.max(0, x.wireBytes), 0);

describe('the dashboard', () => {
  it('shows an admin the live session, today’s money, the revenue chart and the same figures as tables', async () => {
    const { context, page } = await newPhone(browser);
    // A script error or a CSP refusal (inline code, a foreign host) shows up here.
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (message) => {
      // Failed requests are told apart below, where their URL is known.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    page.on('response', (response) => {
      // The browser's own guess at a site icon is no part of the page.
      if (response.status() >= 400 && new URL(response.url()).pathname !== '/favicon.ico') problems.push(`${response.status()} ${response.url()}`);
    });
    await staffSignIn(page, staffUrl, 'amina', 'admin-desk-12');
    // Signing in lands on the dashboard.
    expect(new URL(page.url()).pathname).toBe('/staff/dashboard');
    expect(plain(await page.locator('#active-sessions b').textContent())).toBe('1');
    expect(plain(await page.locator('#revenue-today b').textContent())).toBe('KES 1,500.00');
    expect(plain(await page.locator('#revenue-month b').textContent())).toBe('KES 1,500.00');
    expect(plain(await page.locator('#pending-review b').textContent())).toBe('0');
    expect(plain(await page.locator('#routers b').textContent())).toBe('1 of 1');
    expect(await page.getByRole('link', { name: 'Open the payments queue' }).getAttribute('href')).toBe('/staff/payments');

    // uPlot drew the chart into the page (a canvas), beside the table that needs no script.
    await page.locator('[data-chart="revenue-KES"] .uplot canvas').waitFor();
    expect(await page.locator('.uplot canvas').count()).toBe(3);
    const chartWidth = await page.locator('[data-chart="revenue-KES"] .uplot').evaluate((el) => el.getBoundingClientRect().width);
    expect(chartWidth).toBeGreaterThan(250);
    expect(chartWidth).toBeLessThanOrEqual(360);
    expect(await page.locator('html').evaluate((root) => root.scrollWidth)).toBeLessThanOrEqual(361);

    const thisMonth = DateTime.now().setZone(ZONE).toFormat('MMM yyyy');
    const today = DateTime.now().setZone(ZONE).toFormat('yyyy-MM-dd');
    const revenueRows = page.locator('#revenue-KES-table tbody tr');
    expect(await revenueRows.count()).toBe(12);
    expect(plain(await revenueRows.last().textContent())).toBe(`${thisMonth}KES 1,500.00`);
    expect(plain(await revenueRows.first().textContent())).toMatch(/KES 0\.00$/);
    const userRows = page.locator('#users-table tbody tr');
    expect(await userRows.count()).toBe(30);
    expect(plain(await userRows.last().textContent())).toBe(`${today}1`);
    // From the accounting writer's daily roll-up: the Interim's counters, down then up.
    expect(plain(await page.locator('#traffic-table tbody tr').last().textContent())).toBe(`${today}3.0 MB1.0 MB`);
    expect(problems).toEqual([]);
    await context.close();
  }, 30_000);

  it('shows support the sessions, reviews and routers but no money', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'otieno', 'support-desk-1');
    expect(new URL(page.url()).pathname).toBe('/staff/dashboard');
    expect(plain(await page.locator('#active-sessions b').textContent())).toBe('1');
    expect(await page.locator('#pending-review').count()).toBe(1);
    expect(await page.locator('#revenue-today, #revenue-month, #overdue, [data-chart^="revenue"]').count()).toBe(0);
    expect(await page.content()).not.toContain('KES');
    await page.locator('[data-chart="users"] .uplot canvas').waitFor();
    await context.close();
  });

  it('weighs under 100 KB on the first visit and under 60 KB on the next, the scripts then coming from the cache', async () => {
    const context = await signedInFreshCache('amina', 'admin-desk-12');
    const page = await context.newPage();
    const daemonUrl = `http://127.0.0.1:${daemon.httpPort}`;
    const first = recordTransfers(page, daemonUrl);
    await page.goto(`${staffUrl}/dashboard`);
    await page.locator('.uplot canvas').first().waitFor();
    await page.waitForLoadState('load');
    const firstLoad = await first.done();
    const paths = firstLoad.map((x) => new URL(x.url).pathname);
    expect(paths).toEqual(expect.arrayContaining(['/staff/dashboard', '/staff/assets/uPlot.iife.min.js', '/staff/assets/dashboard.js', '/staff/assets/staff.css']));
    const firstWeight = weigh(firstLoad);
    console.log(`dashboard, first visit: ${firstWeight} bytes over ${firstLoad.length} responses`);
    expect(firstWeight).toBeLessThan(100 * 1024);
    // Compressed on the way: uPlot's 50 KB script goes as about a third of that.
    const uplot = firstLoad.find((x) => x.url.includes('uPlot.iife.min.js'))!;
    expect(uplot.wireBytes).toBeLessThan(uplot.bodyBytes / 2);

    const page2 = await context.newPage();
    const again = recordTransfers(page2, daemonUrl);
    await page2.goto(`${staffUrl}/dashboard`);
    await page2.locator('.uplot canvas').first().waitFor();
    await page2.waitForLoadState('load');
    const repeat = await again.done();
    const repeatWeight = weigh(repeat);
    console.log(`dashboard, repeat visit: ${repeatWeight} bytes (${repeat.filter((x) => x.wireBytes > 0).length} of ${repeat.length} responses from the daemon)`);
    expect(repeatWeight).toBeLessThan(60 * 1024);
    expect(repeat.filter((x) => x.wireBytes > 0 && x.url.includes('/assets/'))).toEqual([]);
    await context.close();
  }, 30_000);
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';
import { signInByCode } from '../support/portal.js';

// Issue 9's knowledge base end to end against the real daemon in phone-sized Chromium: a
// support agent writes an article in English and Arabic and publishes it; an Arabic-speaking
// customer reads it on the portal's Help page, right to left; a draft shows nowhere; and the
// hotspot's help page shows the published one to someone who has not signed in.

let daemon: Daemon;
let browser: Browser;
let base: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);
interface Audit { actor: string; action: string; subject: string }

beforeAll(async () => {
  daemon = await startDaemon();
  base = `http://127.0.0.1:${daemon.httpPort}`;
  const setup = [
    ['settings', 'set', '--key', 'operator.name', '--value', 'Skyline Net'],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'amira', '--password', 'amira-net', '--plan', 'Home 10M', '--name', 'Amira Deng', '--phone', '0733000222', '--language', 'ar'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ];
  for (const args of setup) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('help articles', () => {
  it('staff write one in English and Arabic and publish it; a draft stays hidden', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, `${base}/staff`, 'otieno', 'support-desk-1');
    await page.goto(`${base}/staff/help-articles`);
    await page.getByRole('link', { name: 'Add an article' }).click();
    await page.fill('#slug', 'restart-router');
    await page.fill('#title_en', 'Restart your router');
    await page.fill('#body_en', 'Unplug the router.\n\nWait ten seconds, then plug it in. Still down? [Ask for help](/portal/tickets/new)');
    await page.fill('#title_ar', 'أعد تشغيل الراوتر');
    await page.fill('#body_ar', 'افصل الراوتر.\n\nانتظر عشر ثوانٍ ثم أعد توصيله. <script>alert(1)</script>');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Article saved. It is not shown to customers until you publish it.').waitFor();

    await page.getByRole('link', { name: 'Add an article' }).click();
    await page.fill('#slug', 'draft-only');
    await page.fill('#title_en', 'Secret draft');
    await page.fill('#body_en', 'Not ready.');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Article saved.', { exact: false }).first().waitFor();

    await page.locator('tr[data-slug="restart-router"]').getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Article published.').waitFor();
    expect(await page.locator('tr[data-slug="restart-router"]').textContent()).toContain('Published');
    expect(await page.locator('tr[data-slug="draft-only"]').textContent()).toContain('Not published');
    const actions = cli<Audit[]>('audit', '--subject', 'article:1').map((a) => `${a.actor} ${a.action}`);
    expect(actions).toEqual(['staff:otieno article.publish', 'staff:otieno article.create']);
    await context.close();
  }, 60_000);

  it('an Arabic-speaking customer reads it on the portal in Arabic, right to left, and never the draft', async () => {
    const { context, page } = await newPhone(browser);
    await signInByCode(page, daemon, `${base}/portal`, '0733000222', '+254733000222');
    await page.goto(`${base}/portal/tickets`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    const list = page.locator('#help-articles');
    expect(await list.textContent()).toContain('أعد تشغيل الراوتر');
    expect(await list.textContent()).not.toContain('Secret draft');
    await list.getByRole('link', { name: 'أعد تشغيل الراوتر' }).click();
    await page.waitForURL(/\/portal\/help\/restart-router$/);
    const article = page.locator('#help-article');
    expect(await article.getAttribute('dir')).toBe('rtl');
    expect(await article.locator('p').count()).toBe(2);
    // What staff typed as markup is shown as text, never run.
    expect(await article.textContent()).toContain('<script>alert(1)</script>');
    expect((await page.goto(`${base}/portal/help/draft-only`))!.status()).toBe(404);
    await context.close();
  }, 60_000);

  it('the hotspot help page shows the published article without signing in, and not the draft', async () => {
    const { context, page } = await newPhone(browser);
    await page.goto(`${base}/hotspot?lang=en`);
    await page.locator('#help-link').click();
    await page.waitForURL(/\/hotspot\/help\?lang=en$/);
    expect(await page.locator('#help-articles').textContent()).toBe('Restart your router');
    await page.getByRole('link', { name: 'Restart your router' }).click();
    const link = page.locator('#help-article a');
    expect(await link.getAttribute('href')).toBe('/portal/tickets/new');
    expect(await page.locator('#help-article').textContent()).toContain('Wait ten seconds');
    expect((await page.goto(`${base}/hotspot/help/draft-only?lang=en`))!.status()).toBe(404);
    await context.close();
  }, 60_000);
});

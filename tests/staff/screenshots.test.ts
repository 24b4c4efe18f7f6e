import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { menuFor } from '../../src/web/staff/nav.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { lango } from '../support/peers.js';

// Every screen of the admin's menu, photographed at a phone's width and a desk's, into
// test-artifacts/screens/<name>-<width>.png for a person to look through; and at 360 px no page
// is wider than the phone (tables scroll sideways inside their .scroll box, the page does not).
// Every form control on every screen has a name a screen reader says (a <label>, or aria-label
// for the few controls whose label is the row they sit in).

const WIDTHS = [360, 1280] as const;

/**
 * Run in the page: null when it fits 360 px, else its width and what sticks out, outside the
 * boxes meant to scroll, so a failure says where to look. (A string: the tests compile without DOM types.)
 */
const OVERFLOW = `(() => {
  if (document.documentElement.scrollWidth <= 361) return null;
  const culprits = [...document.querySelectorAll('body *')]
    .filter((el) => !el.closest('.scroll') && el.getBoundingClientRect().right > 361)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : ''));
  return document.documentElement.scrollWidth + 'px wide: ' + culprits.join(', ');
})()`;

/** Run in the page: the form controls a person can reach that have no accessible name. */
const UNLABELLED = `[...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden' && el.type !== 'submit' && el.type !== 'button')
  .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map((el) => el.tagName.toLowerCase() + (el.name ? '[name=' + el.name + ']' : ''))`;

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;
const out = path.join(repoRoot(), 'test-artifacts', 'screens');

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', 'staff-screens-secret'],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-pass', '--plan', 'Home 10M', '--name', 'Alice Wanjiru', '--phone', '0712345678'],
    ['pay', '--username', 'alice', '--amount', '1500', '--method', 'cash', '--reference', 'BOOK-0001'],
    ['staff', 'add', '--username', 'amina', '--role', 'admin', '--password', 'admin-desk-12'],
  ];
  for (const args of setup) {
    const run = lango(daemon, ...args);
    expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  }
  mkdirSync(out, { recursive: true });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('screenshots of every admin screen', () => {
  it('photographs each menu entry at 360 and 1280 px, none wider than a phone at 360 px', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'amina', 'admin-desk-12');
    const failed: string[] = [];
    const unlabelled: string[] = [];
    const taken: string[] = [];
    const overflowing: string[] = [];
    for (const entry of menuFor('admin')) {
      const name = entry.path.replace(/^\//, '').replace(/\//g, '-');
      await page.setViewportSize({ width: 360, height: 640 });
      const response = await page.goto(`${staffUrl}${entry.path}`);
      if ((response?.status() ?? 500) >= 400) {
        failed.push(`${entry.path} answered ${response?.status()}`);
        continue;
      }
      await page.waitForLoadState('load');
      for (const control of await page.evaluate<string[]>(UNLABELLED)) unlabelled.push(`${entry.path} ${control}`);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: width === 360 ? 640 : 800 });
        // Charts and anything else sized from the window settle after a resize.
        await page.waitForTimeout(250);
        if (width === 360) {
          const wide = await page.evaluate<string | null>(OVERFLOW);
          if (wide) overflowing.push(`${entry.path} ${wide}`);
        }
        await page.screenshot({ path: path.join(out, `${name}-${width}.png`), fullPage: true });
        taken.push(`${name}-${width}.png`);
      }
    }
    // Arabic runs right to left: the dashboard (cards, charts, tables) must fit a phone that way too.
    await page.setViewportSize({ width: 360, height: 640 });
    await page.goto(`${staffUrl}/language?to=ar`);
    await page.goto(`${staffUrl}/dashboard`);
    await page.waitForTimeout(250);
    const wideArabic = await page.evaluate<string | null>(OVERFLOW);
    if (wideArabic) overflowing.push(`/dashboard (Arabic) ${wideArabic}`);
    await page.screenshot({ path: path.join(out, 'dashboard-ar-360.png'), fullPage: true });
    taken.push('dashboard-ar-360.png');
    console.log(`screenshots in ${path.relative(repoRoot(), out)}: ${taken.join(', ')}`);
    expect(failed).toEqual([]);
    expect(taken.length).toBe(menuFor('admin').length * WIDTHS.length + 1);
    expect(overflowing).toEqual([]);
    expect(unlabelled).toEqual([]);
    await context.close();
  }, 120_000);
});

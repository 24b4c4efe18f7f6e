import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/daemon-process.js';
import { launchBrowser } from '../support/browser.js';
import { MAC, startHome, type HomeFixture } from './home-fixture.js';
import { openTestDatabase } from '../support/postgres.js';

// Issue 8: the portal home in Arabic runs right to left, checked by where things are on the
// screen rather than by the dir attribute alone: the header starts at the right, the menu runs
// right to left, tables start at the right, the data figure lines up on the right and the usage
// chart's days run from the right (oldest) to the left (today). Switching to English flips all
// of it and keeps the choice on the customer's account (their SMS follow it). Screenshots go to
// test-artifacts/screens/ for a person to look through.

let home: HomeFixture;
let browser: Browser;
const screens = path.join(repoRoot(), 'test-artifacts', 'screens');

beforeAll(async () => {
  home = await startHome({ language: 'ar' });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (home) expect(await home.daemon.stop()).toBe(0);
});

const box = async (locator: Locator) => (await locator.boundingBox())!;
const center = async (locator: Locator) => {
  const b = await box(locator);
  return b.x + b.width / 2;
};

/** The extent of an element's own text (not its box, which spans the line). */
const textBox = (page: Page, selector: string) =>
  page.evaluate<{ left: number; right: number }>(
    `(() => { const range = document.createRange(); range.selectNodeContents(document.querySelector(${JSON.stringify(selector)})); const r = range.getBoundingClientRect(); return { left: r.left, right: r.right }; })()`,
  );

/** Where things sit on the page, each pair as [first in the markup, second]. */
async function layout(page: Page) {
  const main = await box(page.locator('main'));
  const header = await box(page.locator('header'));
  const headerFirst = await box(page.locator('header > :first-child'));
  const dataText = await textBox(page, '#data');
  const dataSection = await box(page.locator('#data'));
  // Chart bars in markup order run oldest day first.
  const bars = page.locator('#usage-chart rect');
  const axis = page.locator('.axis span');
  return {
    header: { left: header.x, right: header.x + header.width },
    headerFirst: { left: headerFirst.x, right: headerFirst.x + headerFirst.width },
    menu: [await center(page.locator('nav li').nth(0)), await center(page.locator('nav li').nth(1))],
    sessionColumns: [await center(page.locator('#sessions th').nth(0)), await center(page.locator('#sessions th').nth(1))],
    meter: await box(page.locator('#data-meter')),
    data: { textLeft: dataText.left, textRight: dataText.right, left: dataSection.x, right: dataSection.x + dataSection.width },
    bars: [await center(bars.first()), await center(bars.last())],
    axis: [await center(axis.nth(0)), await center(axis.nth(1))],
    main: { left: main.x, right: main.x + main.width },
  };
}

describe('the portal home, right to left in Arabic and left to right in English', () => {
  it('lays out the Arabic page from the right, its chart included, and the English one from the left', async () => {
    const context = await home.signedIn(browser, { locale: 'ar' });
    const page = await context.newPage();
    mkdirSync(screens, { recursive: true });

    // The customer's account says Arabic: no language was chosen in this browser.
    await page.goto(`${home.portalUrl}/`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('ar');
    expect(await page.locator('#usage-heading').textContent()).toBe('البيانات يوميًا، آخر 30 يومًا');
    expect(await page.locator('#sessions tbody tr').first().textContent()).toContain(MAC);
    await page.screenshot({ path: path.join(screens, 'portal-home-rtl-ar-360.png'), fullPage: true });
    const ar = await layout(page);
    // The header's first item (the account link) at the right edge.
    expect(ar.header.right - ar.headerFirst.right).toBeLessThan(24);
    expect(ar.headerFirst.left).toBeGreaterThan(ar.header.left + 100);
    // The menu runs right to left, and so do table columns.
    expect(ar.menu[0]).toBeGreaterThan(ar.menu[1]!);
    expect(ar.sessionColumns[0]).toBeGreaterThan(ar.sessionColumns[1]!);
    // The data figure is aligned right, over the right end of the meter.
    expect(ar.data.right - ar.data.textRight).toBeLessThan(2);
    expect(ar.data.textLeft - ar.data.left).toBeGreaterThan(20);
    expect(Math.abs(ar.meter.x + ar.meter.width - ar.data.right)).toBeLessThan(2);
    // Days run from the right: the oldest bar and date at the right, today at the left.
    expect(ar.bars[0]).toBeGreaterThan(ar.bars[1]!);
    expect(ar.axis[0]).toBeGreaterThan(ar.axis[1]!);
    expect(await page.locator('#usage-chart title').textContent()).toBe('البيانات المستخدمة يوميًا');
    // The same figures as a table, for screen readers and anyone who prefers one: today first.
    await page.locator('details summary').click();
    expect(await page.locator('#usage-table tbody tr').count()).toBe(30);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await page.screenshot({ path: path.join(screens, 'portal-home-rtl-ar-table-360.png'), fullPage: true });

    // English, chosen in the portal: everything mirrors, and the account keeps the choice.
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${home.portalUrl}/`);
    expect(await page.locator('html').getAttribute('dir')).toBe('ltr');
    await page.screenshot({ path: path.join(screens, 'portal-home-ltr-en-360.png'), fullPage: true });
    const en = await layout(page);
    expect(en.headerFirst.left - en.header.left).toBeLessThan(24);
    expect(en.menu[0]).toBeLessThan(en.menu[1]!);
    expect(en.sessionColumns[0]).toBeLessThan(en.sessionColumns[1]!);
    expect(en.data.textLeft - en.data.left).toBeLessThan(2);
    expect(Math.abs(en.meter.x - en.data.left)).toBeLessThan(2);
    expect(en.bars[0]).toBeLessThan(en.bars[1]!);
    expect(en.axis[0]).toBeLessThan(en.axis[1]!);
    expect(await page.locator('#usage-chart desc').textContent()).toMatch(/^Bars per day from \d+ \w+ to \d+ \w+: downloaded and uploaded\./);

    const db = openTestDatabase(home.daemon.env.LANGO_DB!, { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare("SELECT language FROM customers WHERE username = 'grace'").pluck().get()).toBe('en');
    } finally {
      db.close();
    }
    await context.close();
  }, 30_000);
});

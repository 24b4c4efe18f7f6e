import { readFileSync } from 'node:fs';
import type { Browser, Locator } from 'playwright-core';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// Issue 9's money reports against the real daemon in a phone-sized Chromium: a billing manager
// reads this month's cash on the revenue page and downloads the same figures as CSV, then finds
// a plan change's unpaid invoice in the ageing report; support is refused both.

const ZONE = 'Africa/Nairobi';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);
const plain = (text: string | null) => (text ?? '').replace(/[\u00a0\u2009\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
/** A table row's cells as a person reads them. */
const cells = async (row: Locator) => (await row.locator('td').allTextContents()).map(plain);

interface Invoice { number: string; grossMinor: number; paidMinor: number; status: string; dueAt: number }

beforeAll(async () => {
  daemon = await startDaemon({ env: { LANGO_TIMEZONE: ZONE } });
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['plan', 'add', '--name', 'Basic', '--price', '1000', '--currency', 'KES', '--duration', '30d', '--rate', '2M/2M'],
    ['plan', 'add', '--name', 'Fast', '--price', '3000', '--currency', 'KES', '--duration', '30d', '--rate', '10M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'pw', '--plan', 'Basic'],
    ['customer', 'add', '--username', 'carol', '--password', 'pw', '--plan', 'Basic'],
    ['pay', '--username', 'alice', '--amount', '1500', '--method', 'cash', '--reference', 'BOOK-0001'],
    // Moving up a plan mid-period is charged at once: an invoice carol has not paid.
    ['customer', 'change-plan', '--username', 'carol', '--plan', 'Fast', '--when', 'now'],
    ['staff', 'add', '--username', 'mercy', '--role', 'billing_manager', '--password', 'billing-desk-1'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ];
  for (const args of setup) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the money reports', () => {
  it('show a billing manager this month’s revenue with a CSV of the same figures, and what is owed by age', async () => {
    const month = DateTime.now().setZone(ZONE).toFormat('yyyy-MM');
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'mercy', 'billing-desk-1');
    await page.goto(`${staffUrl}/reports`);
    await page.getByRole('link', { name: 'Revenue by day, month, plan and payment method' }).click();
    expect(await cells(page.locator('#revenue-months tbody tr', { hasText: month }))).toEqual([month, 'KES 1,500.00']);
    expect(await cells(page.locator('#revenue-methods tbody tr').first())).toEqual(['Cash', 'KES', '1', 'KES 1,500.00']);

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^revenue-\d{4}-\d{2}_\d{4}-\d{2}\.csv$/);
    const csv = readFileSync((await file.path())!, 'utf8');
    expect(csv.startsWith('section,period,item,currency,count,amount\r\n')).toBe(true);
    expect(csv).toContain(`month,${month},,KES,,1500.00\r\n`);
    expect(csv).toMatch(/\r\nmethod,\d{4}-\d{2}\.\.\d{4}-\d{2},cash,KES,1,1500\.00\r\n/);

    const [invoice] = cli<Invoice[]>('invoice', 'list', '--username', 'carol').filter((i) => i.status !== 'paid');
    expect(invoice).toBeDefined();
    const owed = ((invoice!.grossMinor - invoice!.paidMinor) / 100).toLocaleString('en', { minimumFractionDigits: 2 });
    await page.goto(`${staffUrl}/reports/aging`);
    // A plan change is due at once: from the next minute on, it is 1–30 days past due.
    const bucket = invoice!.dueAt > Date.now() ? 'Current' : '1–30';
    expect(await cells(page.locator('#aging-KES tbody tr', { hasText: bucket }))).toEqual([bucket, '1', `KES ${owed}`]);
    expect(await cells(page.locator('#aging-KES tbody tr').last())).toEqual(['Total', '1', `KES ${owed}`]);
    expect((await cells(page.locator('#aging-debtors tbody tr').first())).slice(0, 4)).toEqual(['carol', 'KES', '1', `KES ${owed}`]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);

    // Every money report opens, in words (no catalogue key left showing), with its CSV link.
    for (const name of ['revenue', 'collection', 'aging', 'customers', 'arpu', 'vouchers']) {
      expect((await page.goto(`${staffUrl}/reports/${name}`))?.status(), name).toBe(200);
      expect(await page.content(), name).not.toContain('staff.reportsMoney');
      expect(await page.getByRole('link', { name: 'Download CSV' }).count(), name).toBe(1);
    }
    expect((await page.goto(`${staffUrl}/reports/arpu?from=2026-05&to=2026-01`))?.status()).toBe(400);
    await context.close();
  });

  it('refuses support the report pages and their CSV', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'otieno', 'support-desk-1');
    expect((await page.goto(`${staffUrl}/reports/revenue`))?.status()).toBe(403);
    expect((await context.request.get(`${staffUrl}/reports/aging.csv`, { maxRedirects: 0 })).status()).toBe(403);
    await context.close();
  });
});

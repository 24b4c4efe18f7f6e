import { readFileSync } from 'node:fs';
import type { Browser, Locator } from 'playwright-core';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson, radclient } from '../support/peers.js';

// Issue 9's usage reports against the real daemon in a phone-sized Chromium: two routers
// report a little accounting for two customers (radclient, from 127.0.0.1 and 127.0.0.2); a
// billing manager finds the bigger user on top of the top-users report, each router's bytes on
// the usage page, and downloads the same figures as CSV. Support is refused the reports.

const ZONE = 'Africa/Nairobi';
const SECRET = 'usage-reports-secret';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);
const plain = (text: string | null) => (text ?? '').replace(/[\u00a0\u2009\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
/** A table row's cells as the reader sees them. */
const cells = async (row: Locator) => (await row.locator('td').allTextContents()).map(plain);
const acct = (lines: string[], from = '127.0.0.1') => {
  const run = radclient([`Packet-Src-IP-Address = ${from}`, ...lines].join('\n'), `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
  expect(run.status, run.stdout + run.stderr).toBe(0);
};

beforeAll(async () => {
  daemon = await startDaemon({ env: { LANGO_TIMEZONE: ZONE } });
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['nas', 'add', '--name', 'mast', '--ip', '127.0.0.2', '--secret', SECRET],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-pass', '--plan', 'Home 10M'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-pass', '--plan', 'Home 10M'],
    ['staff', 'add', '--username', 'mercy', '--role', 'billing_manager', '--password', 'billing-desk-1'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ];
  for (const args of setup) cli(...args);
  // bob: 2 MB down, 0.5 MB up on mast; alice: 6 MB down and 1 MB up on tower, over two updates.
  acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "b-1"', 'User-Name = "bob"'], '127.0.0.2');
  acct(['Acct-Status-Type = Interim-Update', 'Acct-Session-Id = "b-1"', 'User-Name = "bob"', 'Acct-Output-Octets = 2000000', 'Acct-Input-Octets = 500000', 'Acct-Session-Time = 60'], '127.0.0.2');
  acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "a-1"', 'User-Name = "alice"']);
  acct(['Acct-Status-Type = Interim-Update', 'Acct-Session-Id = "a-1"', 'User-Name = "alice"', 'Acct-Output-Octets = 4000000', 'Acct-Input-Octets = 500000', 'Acct-Session-Time = 60']);
  acct(['Acct-Status-Type = Stop', 'Acct-Session-Id = "a-1"', 'User-Name = "alice"', 'Acct-Output-Octets = 6000000', 'Acct-Input-Octets = 1000000', 'Acct-Session-Time = 120']);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the usage reports', () => {
  it('show the top data user and each router’s bytes, with a CSV of the same figures', async () => {
    const month = DateTime.now().setZone(ZONE).toFormat('yyyy-MM');
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'mercy', 'billing-desk-1');
    await page.goto(`${staffUrl}/reports`);
    await page.getByRole('link', { name: 'Top data users' }).click();
    const rows = page.locator('#top-users tbody tr');
    expect(await rows.count()).toBe(2);
    // 6 000 000 + 1 000 000 bytes = 6.7 MB; 2 500 000 = 2.4 MB.
    expect(await cells(rows.first())).toEqual(['1', 'alice', '', 'Home 10M', '5.7 MB', '976.6 KB', '6.7 MB']);
    expect(await cells(rows.nth(1))).toEqual(['2', 'bob', '', 'Home 10M', '1.9 MB', '488.3 KB', '2.4 MB']);

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^top-users-\d{4}-\d{2}_\d{4}-\d{2}\.csv$/);
    const csv = readFileSync((await file.path())!, 'utf8');
    expect(csv).toBe('rank,username,full_name,plan,bytes_down,bytes_up,bytes_total\r\n1,alice,,Home 10M,6000000,1000000,7000000\r\n2,bob,,Home 10M,2000000,500000,2500000\r\n');

    await page.goto(`${staffUrl}/reports/usage`);
    expect(await cells(page.locator('#router-totals tbody tr', { hasText: 'tower' }))).toEqual(['tower', '5.7 MB', '976.6 KB', '6.7 MB']);
    expect(await cells(page.locator('#router-totals tbody tr', { hasText: 'mast' }))).toEqual(['mast', '1.9 MB', '488.3 KB', '2.4 MB']);
    expect(await cells(page.locator('#plan-months tbody tr', { hasText: month }))).toEqual([month, 'Home 10M', '2', '7.6 MB', '1.4 MB', '9.1 MB']);
    const usageCsv = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download CSV' }).click();
    const usage = readFileSync((await (await usageCsv).path())!, 'utf8');
    expect(usage).toContain(`\r\nrouter,${month},tower,,6000000,1000000\r\n`);
    expect(usage).toContain(`\r\nrouter,${month},mast,,2000000,500000\r\n`);
    expect(usage).toContain(`\r\nplan,${month},Home 10M,2,8000000,1500000\r\n`);

    await page.goto(`${staffUrl}/reports/network`);
    const day = DateTime.now().setZone(ZONE).toISODate()!;
    expect(await cells(page.locator('#network-traffic tbody tr', { hasText: 'tower' }))).toEqual([day, 'tower', '5.7 MB', '976.6 KB', '6.7 MB']);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await context.close();
  });

  it('are refused to support staff', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'otieno', 'support-desk-1');
    for (const path of ['/reports/top-users', '/reports/usage.csv', '/reports/network']) {
      const response = await page.goto(`${staffUrl}${path}`);
      expect(response?.status()).toBe(403);
    }
    await context.close();
  });
});

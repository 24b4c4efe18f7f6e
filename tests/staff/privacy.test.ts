import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// The customer page's "Personal data" section against the real daemon: an administrator
// downloads a customer's data, terminates the account and erases it.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  cli('customer', 'add', '--username', 'kiptoo', '--password', 'kiptoo-pass', '--name', 'Kiptoo Rotich', '--phone', '0712000333', '--email', 'kiptoo@example.org');
  cli('staff', 'add', '--username', 'boss', '--role', 'admin', '--password', 'boss-pass-1234');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('personal data on the customer page', () => {
  it('downloads the data, then erases it once the account is terminated', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'boss', 'boss-pass-1234');
    await page.goto(`${staffUrl}/customers/kiptoo`);
    const section = page.locator('#personal-data');
    await section.getByText('Personal data can be erased once the account is terminated.').waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: 'Download their data' }).click()]);
    const data = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(data).toMatchObject({ format: 'lango.customer-data', account: { username: 'kiptoo', fullName: 'Kiptoo Rotich', phone: '+254712000333' } });

    await page.getByLabel('Terminate').check();
    await page.fill('#reason', 'moved away, asked to be forgotten');
    await page.getByRole('button', { name: 'Change status' }).click();
    await section.getByRole('button', { name: 'Erase personal data' }).waitFor();
    await section.getByRole('checkbox').check();
    await section.getByRole('button', { name: 'Erase personal data' }).click();
    await page.locator('#erased').waitFor();
    const body = (await page.textContent('body'))!;
    expect(body).toMatch(/Erased customer #\d+/);
    expect(body).not.toContain('Kiptoo Rotich');
    expect(body).not.toContain('kiptoo@example.org');
    const audit = cli<Array<{ action: string; actor: string }>>('audit').filter((a) => a.action === 'customer.export' || a.action === 'customer.erase');
    expect(audit.map((a) => [a.action, a.actor]).sort()).toEqual([['customer.erase', 'staff:boss'], ['customer.export', 'staff:boss']]);
    await context.close();
  }, 60_000);
});

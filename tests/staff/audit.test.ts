import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { openDatabase } from '../../src/db/connection.js';
import { recordAudit } from '../../src/staff/index.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// Issue 7's audit log screen against the real daemon: entries made the way the product makes
// them (a status change and a plan price change written by the domain, a role change by the
// CLI) are found by what they were done to, by who and by what, with before → after side by side.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  cli('plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M');
  const alice = cli<{ id: number }>('customer', 'add', '--username', 'alice', '--password', 'alice-pass', '--plan', 'Home 10M', '--phone', '0712345678');
  const plan = cli<Array<{ id: number; name: string }>>('plan', 'list').find((p) => p.name === 'Home 10M')!;
  cli('staff', 'add', '--username', 'auditor', '--role', 'admin', '--password', 'auditor-pass-1');
  cli('staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'otieno-pass-1');
  // The same writes the customer and plan screens make, into the daemon's database.
  const connection = openDatabase(daemon.dbPath);
  try {
    recordAudit(connection.db, 'staff:otieno', 'customer.suspend', `customer:${alice.id}`, { username: 'alice', from: 'active', to: 'suspended', reason: 'router reported stolen' });
    recordAudit(connection.db, 'staff:auditor', 'plan.edit', `plan:${plan.id}`, { name: 'Home 10M', before: { priceMinor: 150_000 }, after: { priceMinor: 180_000 } });
  } finally {
    connection.close();
  }
  cli('staff', 'role', '--username', 'otieno', '--role', 'billing_manager');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the audit log screen', () => {
  it('finds a status change by the customer’s username and a price change by the plan’s name, with before → after', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'auditor', 'auditor-pass-1');
    await page.goto(`${staffUrl}/audit`);
    await page.fill('#audit-subject', 'alice');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('#audit > tbody > tr');
    expect(await rows.count()).toBe(1);
    const row = (await rows.first().textContent())!.replace(/\s+/g, ' ');
    expect(row).toContain('otieno');
    expect(row).toContain('customer.suspend');
    expect(row).toContain('router reported stolen');

    await page.fill('#audit-subject', 'Home 10M');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('td.before').textContent()).toBe('150000');
    expect(await rows.first().locator('td.after').textContent()).toBe('180000');
    expect(await rows.first().getByRole('columnheader', { name: 'Before' }).count()).toBe(1);
    await context.close();
  }, 30_000);

  it('finds by who and what, and a role change made from the CLI shows its before and after', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'auditor', 'auditor-pass-1');
    await page.goto(`${staffUrl}/audit?action=staff.role`);
    const rows = page.locator('#audit > tbody > tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('td.before').textContent()).toBe('support');
    expect(await rows.first().locator('td.after').textContent()).toBe('billing_manager');

    await page.goto(`${staffUrl}/audit?actor=auditor`);
    expect((await rows.allTextContents()).map((t) => /plan\.edit|customer\.suspend|staff\.\w+/.exec(t)?.[0])).toEqual(['plan.edit']);
    await page.goto(`${staffUrl}/audit?from=2001-01-01&to=2001-12-31`);
    await page.getByText('No entry matches.').waitFor();
    const bad = await page.goto(`${staffUrl}/audit?from=yesterday`);
    expect(bad?.status()).toBe(400);
    await page.getByText('Type dates as year-month-day').waitFor();
    await context.close();
  }, 30_000);
});

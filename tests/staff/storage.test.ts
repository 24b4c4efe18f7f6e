import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// Issue 14: how long the decision trace is kept is set on the staff settings page, and the
// storage report (`lango storage`) has a page of its own, in a phone-sized Chromium.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  cli('staff', 'add', '--username', 'amina', '--role', 'admin', '--password', 'admin-desk-01');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the decision trace on the settings pages', () => {
  it('saves how long decisions are kept, audited, and shows it with the tables on the storage page', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'amina', 'admin-desk-01');
    await page.goto(`${staffUrl}/settings`);
    expect(await page.inputValue('#f-traceKeepDays')).toBe('14');
    expect(await page.inputValue('#f-traceKeepRows')).toBe('1000000');
    await page.fill('#f-traceKeepDays', '30');
    await page.fill('#f-traceKeepRows', '2,000,000');
    await page.getByRole('button', { name: 'Save how long decisions are kept' }).click();
    await page.getByText('Saved the Storage and the decision trace settings.').waitFor();
    const settings = cli<Array<{ key: string; value: unknown }>>('settings', 'list');
    expect(settings.find((s) => s.key === 'trace.keepDays')?.value).toBe(30);
    expect(settings.find((s) => s.key === 'trace.keepRows')?.value).toBe(2_000_000);
    expect(cli<Array<{ action: string; detail: Record<string, unknown> }>>('audit', '--subject', 'settings:storage')[0]).toMatchObject({
      action: 'settings.set',
      detail: { before: { 'trace.keepDays': 14, 'trace.keepRows': 1_000_000 }, after: { 'trace.keepDays': 30, 'trace.keepRows': 2_000_000 } },
    });

    await page.getByRole('link', { name: 'What the database holds, table by table' }).click();
    await page.locator('#storage').waitFor();
    const text = await page.locator('main').innerText();
    for (const table of ['auth_decisions', 'sessions', 'payment_inbox', 'audit_log', 'messages', 'router_user_buckets']) expect(text).toContain(table);
    expect(await page.locator('#trace-retention').innerText()).toBe('Decisions are kept 30 days, at most 2,000,000 rows.');
    expect(await page.locator('#storage-total').innerText()).toMatch(/^Whole database: [\d.]+ [KMG]?B$/);
    await context.close();
  }, 40_000);
});

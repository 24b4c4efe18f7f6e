import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoOk } from '../support/peers.js';

// The API tokens screen at /staff/integrations: an administrator makes a token, sees it once,
// uses it, and revokes it after ticking the box.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  langoOk(daemon, 'staff', 'add', '--username', 'nyokabi', '--role', 'admin', '--password', 'nyokabi-pass-1');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the API tokens screen', () => {
  it('shows a new token once, lists it by its last characters, and revokes it', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'nyokabi', 'nyokabi-pass-1');
    await page.goto(`${staffUrl}/integrations`);
    expect(await page.getByRole('link', { name: /Webhooks/ }).getAttribute('href')).toBe('/staff/integrations/webhooks');
    await page.fill('#name', 'Accounts package');
    await page.selectOption('#role', 'billing_manager');
    await page.fill('#days', '90');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.textContent('#token'))!.trim();
    expect(token).toMatch(/^lango_/);
    const api = (path: string) => fetch(`http://127.0.0.1:${daemon.httpPort}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await api('/payments')).status).toBe(200);
    // Reloading the page does not show it again.
    await page.reload();
    expect(await page.locator('#token').count()).toBe(0);
    const row = page.locator('#api-tokens tbody tr', { hasText: 'Accounts package' });
    await expect.poll(() => row.textContent()).toContain(`…${token.slice(-4)}`);
    expect(await row.textContent()).toContain('billing manager');
    expect(await page.content()).not.toContain(token);
    // Revoking without ticking the box is stopped by the browser; ticked, it goes through.
    await row.getByRole('checkbox').check();
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.locator('#api-tokens tbody tr', { hasText: 'Accounts package' }).textContent()).toContain('revoked');
    expect((await api('/payments')).status).toBe(401);
    await context.close();
  });
});

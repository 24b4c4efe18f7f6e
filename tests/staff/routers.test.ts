import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson, radclient } from '../support/peers.js';

// Issue 7's router screens, end to end against the real daemon in a phone-sized Chromium: a
// technician adds a router and gets a random secret shown once; the running RADIUS server answers
// that router at once (no restart), and the list then shows when it last spoke and that it is up.
// Neither the audit log nor the daemon's log ever holds a secret.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Nas { id: number; name: string; ip: string; requireMessageAuthenticator: string }
interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }

const ask = (secret: string) => radclient('User-Name = "nobody"\nUser-Password = "wrong-password"\n', `127.0.0.1:${daemon.authPort}`, 'auth', secret);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  cli('staff', 'add', '--username', 'kamau', '--role', 'technician', '--password', 'tower-climb-2');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the router screens', () => {
  it('adds a router with a secret shown once, which the running daemon accepts at once; the list then shows it online', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'kamau', 'tower-climb-2');
    await page.goto(`${staffUrl}/routers`);
    expect(await page.getByText('No routers match.').count()).toBe(1);
    await page.getByRole('link', { name: 'Add a router' }).click();
    await page.fill('#name', 'tower');
    await page.fill('#ip', '127.0.0.1');
    await page.getByRole('button', { name: 'Add router' }).click();
    await page.getByText('Router "tower" added.', { exact: false }).waitFor();
    const secret = (await page.locator('#secret').textContent())!;
    expect(secret).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(await page.locator('#last-packet').textContent()).toBe('Never since the daemon started');

    await page.reload();
    expect(await page.locator('#secret').count()).toBe(0);
    await page.getByText('The secret is not shown again.', { exact: false }).waitFor();

    const reply = ask(secret);
    expect(reply.stdout + reply.stderr).toContain('Access-Reject');

    await page.goto(`${staffUrl}/routers`);
    const row = page.locator('#routers tbody tr');
    expect(await row.count()).toBe(1);
    const cells = (await row.first().locator('td').allTextContents()).map((c) => c.trim());
    expect(cells[0]).toBe('tower');
    expect(cells[1]).toBe('127.0.0.1');
    expect(cells[2]).toContain('Automatic');
    expect(cells[3]).toMatch(/(now|second|seconds) ago \(\d{4}-\d\d-\d\d \d\d:\d\d\)|in 0 seconds/);
    expect(cells[4]).toBe('Online');

    const [nas] = cli<Nas[]>('nas', 'list');
    expect(nas).toMatchObject({ name: 'tower', ip: '127.0.0.1', requireMessageAuthenticator: 'auto' });
    const audit = cli<Audit[]>('audit', '--subject', `nas:${nas!.id}`);
    expect(audit).toMatchObject([{ actor: 'staff:kamau', action: 'router.add', detail: { name: 'tower', ip: '127.0.0.1', secret: 'generated' } }]);
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(daemon.logs().join('\n')).not.toContain(secret);
    await context.close();
  }, 30_000);

  it('makes a new secret only when confirmed, shows it once, and never writes it down', async () => {
    const [nas] = cli<Nas[]>('nas', 'list');
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'kamau', 'tower-climb-2');
    await page.goto(`${staffUrl}/routers/${nas!.id}`);
    // The box is "required" in the browser; the server checks it too.
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const unconfirmed = await context.request.post(`${staffUrl}/routers/${nas!.id}/secret`, { form: { _csrf: csrf }, maxRedirects: 0 });
    expect(unconfirmed.status()).toBe(400);
    expect(await unconfirmed.text()).toContain('Tick the box to confirm. Nothing was changed.');

    await page.getByLabel('Yes, the router stops being answered until it has the new secret').check();
    await page.getByRole('button', { name: 'Make a new secret' }).click();
    await page.getByText('New secret made for "tower".', { exact: false }).waitFor();
    const secret = (await page.locator('#secret').textContent())!;
    expect(secret).toMatch(/^[A-Za-z0-9]{24}$/);
    const audit = cli<Audit[]>('audit', '--subject', `nas:${nas!.id}`);
    expect(audit[0]).toMatchObject({ action: 'router.rotate-secret', detail: { name: 'tower' } });
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(daemon.logs().join('\n')).not.toContain(secret);
    await context.close();
  });
});

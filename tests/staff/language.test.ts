import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// Issue 8: the staff pages' language belongs to the person, not the browser. Amina switches to
// Arabic once; signing in later on another phone (no cookie, an English browser) shows Arabic,
// right to left. And a customer locked out of the self-service portal is let back in from the
// customer's page, end to end against the real daemon in a phone-sized Chromium.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;
let portalUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }

const direction = (page: Page) => page.locator('html').getAttribute('dir');
const signOut = (page: Page) => page.locator('form[action$="/sign-out"] button').click();

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  portalUrl = `http://127.0.0.1:${daemon.httpPort}/portal`;
  for (const username of ['amina', 'baraka', 'otieno']) cli('staff', 'add', '--username', username, '--role', 'support', '--password', `${username}-password-1`);
  cli('customer', 'add', '--username', 'alice', '--password', 'alice-net-pass', '--name', 'Alice Wanjiru', '--phone', '0712345678');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe("a member of staff's language", () => {
  it('follows them across sign-out and onto another browser, in Arabic right to left', async () => {
    const first = await newPhone(browser);
    await staffSignIn(first.page, staffUrl, 'amina', 'amina-password-1');
    expect(await direction(first.page)).toBe('ltr');
    await first.page.getByRole('link', { name: 'العربية' }).click();
    await first.page.locator('html[lang="ar"]').waitFor();
    expect(await direction(first.page)).toBe('rtl');
    await signOut(first.page);
    await first.page.waitForURL(`${staffUrl}/sign-in`);
    await first.context.close();

    // Another phone: no cookie, an English browser. The sign-in page is English; once signed in, Arabic.
    const second = await newPhone(browser, { locale: 'en-GB' });
    await second.page.goto(`${staffUrl}/sign-in`);
    expect(await direction(second.page)).toBe('ltr');
    await staffSignIn(second.page, staffUrl, 'amina', 'amina-password-1');
    await second.page.goto(`${staffUrl}/customers`);
    expect(await second.page.locator('html').getAttribute('lang')).toBe('ar');
    expect(await direction(second.page)).toBe('rtl');
    await second.page.getByRole('heading', { name: 'العملاء', exact: true }).waitFor();

    // Switching back is kept the same way.
    await second.page.getByRole('link', { name: 'English' }).click();
    await second.page.locator('html[lang="en"]').waitFor();
    expect(cli<Array<{ username: string; language: string | null }>>('staff', 'list').find((s) => s.username === 'amina')?.language).toBe('en');
    await second.context.close();
  }, 40_000);

  it('is read from the account on every page, so a browser already signed in follows a change made elsewhere', async () => {
    const phone = await newPhone(browser);
    await staffSignIn(phone.page, staffUrl, 'baraka', 'baraka-password-1');
    expect(await direction(phone.page)).toBe('ltr');
    cli('staff', 'set-language', '--username', 'baraka', '--language', 'ar');
    await phone.page.reload();
    expect(await direction(phone.page)).toBe('rtl');
    cli('staff', 'set-language', '--username', 'baraka', '--language', 'en');
    await phone.context.close();
  }, 30_000);
});

describe("unlocking a customer's portal sign-in", () => {
  it('shows the lock on the customer page only while it holds, and lifts it with one button, audited', async () => {
    // Alice types five wrong passwords on the self-service portal.
    const customer = await newPhone(browser);
    await customer.page.goto(`${portalUrl}/sign-in`);
    for (let i = 0; i < 5; i++) {
      await customer.page.fill('#identifier', 'alice');
      await customer.page.fill('#password', `wrong-guess-${i}`);
      await customer.page.locator('form:has(#password) button[type=submit]').click();
      await customer.page.locator('[role=alert]').waitFor();
    }
    await customer.page.getByText('Sign-in is locked until').waitFor();

    const staff = await newPhone(browser);
    await staffSignIn(staff.page, staffUrl, 'otieno', 'otieno-password-1');
    await staff.page.goto(`${staffUrl}/customers/alice`);
    await staff.page.locator('#portal-lock').getByText('Portal sign-in is locked').waitFor();
    await staff.page.getByRole('button', { name: 'Unlock portal sign-in' }).click();
    await staff.page.getByText('Portal sign-in is unlocked: the customer may sign in again now.').waitFor();
    expect(await staff.page.locator('#portal-lock').count()).toBe(0);
    expect(await staff.page.getByRole('button', { name: 'Unlock portal sign-in' }).count()).toBe(0);

    // The next wrong password is an ordinary wrong password again, not the lock.
    await customer.page.fill('#identifier', 'alice');
    await customer.page.fill('#password', 'wrong-again');
    await customer.page.locator('form:has(#password) button[type=submit]').click();
    await customer.page.getByText('Wrong phone number, username or password.').waitFor();

    const audit = cli<Audit[]>('audit').filter((a) => a.action === 'customer.portal-unlock');
    expect(audit).toEqual([expect.objectContaining({ actor: 'staff:otieno', detail: expect.objectContaining({ username: 'alice', wasLockedUntil: expect.any(Number) }) })]);
    await customer.context.close();
    await staff.context.close();
  }, 40_000);
});

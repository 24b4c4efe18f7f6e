import { TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// Issue 7's staff users screen and two-step sign-in, end to end against the real daemon in a
// phone-sized Chromium: an administrator adds a support agent whose one-time password works once
// and must be changed, resets it later, and the support agent (403 on the users screen) turns on
// an authenticator app and signs in with password and code.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;
/** The first password the administrator was shown for wanjiku (the reset must differ from it). */
let firstPassword = '';

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }

/** A code for the secret shown on the page, `stepsAhead` steps from now (the server takes ±1 step). */
const codeFor = (secret: string, stepsAhead = 0) => new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: Date.now() + stepsAhead * 30_000 });

async function firstSignIn(page: Page, username: string, password: string, chosen: string): Promise<void> {
  await staffSignIn(page, staffUrl, username, password);
  await page.waitForURL(`${staffUrl}/password`);
  await page.getByText('Choose a new password before you continue.').waitFor();
  await page.fill('#current', password);
  await page.fill('#next', chosen);
  await page.fill('#repeat', chosen);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/password'));
}

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  cli('staff', 'add', '--username', 'boss', '--role', 'admin', '--password', 'boss-password-1');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the staff users screen', () => {
  it('lets an administrator add a support agent whose one-time password works once and must be changed', async () => {
    const admin = await newPhone(browser);
    await staffSignIn(admin.page, staffUrl, 'boss', 'boss-password-1');
    await admin.page.goto(`${staffUrl}/users`);
    await admin.page.fill('#new-username', 'wanjiku');
    await admin.page.selectOption('#new-role', 'support');
    await admin.page.getByRole('button', { name: 'Add', exact: true }).click();
    await admin.page.getByText('Added wanjiku.').waitFor();
    const first = (await admin.page.locator('#password').textContent())!;
    expect(first).toMatch(/^[A-Za-z0-9_-]{20}$/);
    // Shown once: a reload of the same address no longer shows it.
    await admin.page.reload();
    expect(await admin.page.locator('#password').count()).toBe(0);

    const agent = await newPhone(browser);
    await firstSignIn(agent.page, 'wanjiku', first, 'wanjiku-own-pass-1');
    await agent.context.close();
    firstPassword = first;
    await admin.context.close();
  }, 40_000);

  it('lets an administrator reset a forgotten password: the old one stops working, the new one must be changed', async () => {
    const admin = await newPhone(browser);
    await staffSignIn(admin.page, staffUrl, 'boss', 'boss-password-1');
    await admin.page.goto(`${staffUrl}/users?role=support`);
    expect(await admin.page.locator('#staff tbody tr').count()).toBe(1);
    await admin.page.getByRole('link', { name: 'wanjiku', exact: true }).click();
    // Without the box ticked nothing changes: the browser insists first, and so does the server.
    const csrf = (await admin.page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const unticked = await admin.context.request.post(`${admin.page.url()}/password`, { form: { _csrf: csrf }, maxRedirects: 0 });
    expect(unticked.status()).toBe(400);
    expect(await unticked.text()).toContain('Tick the box to confirm, then press the button again. Nothing was changed.');
    await admin.page.getByLabel('Yes, give wanjiku a new one-time password and sign them out').check();
    await admin.page.getByRole('button', { name: 'Reset password' }).click();
    const reset = (await admin.page.locator('#password').textContent())!;
    expect(reset).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(reset).not.toBe(firstPassword);

    const again = await newPhone(browser);
    await staffSignIn(again.page, staffUrl, 'wanjiku', 'wanjiku-own-pass-1', { waitForHome: false });
    await again.page.getByText('Wrong username or password.').waitFor();
    await firstSignIn(again.page, 'wanjiku', reset, 'wanjiku-own-pass-2');
    await again.context.close();

    const audit = cli<Audit[]>('audit').filter((a) => a.action.startsWith('staff.'));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['staff.add', 'staff.password.reset', 'staff.password.change']));
    expect(JSON.stringify(audit)).not.toContain(firstPassword);
    expect(JSON.stringify(audit)).not.toContain(reset);
    expect(daemon.logs().join('\n')).not.toContain(reset);

    // The last active administrator cannot take the role away from themselves (the daemon's
    // first `admin` is disabled first, from the CLI).
    cli('staff', 'disable', '--username', 'admin');
    await admin.page.goto(`${staffUrl}/users`);
    await admin.page.getByRole('link', { name: 'boss', exact: true }).click();
    await admin.page.selectOption('#role-select', 'support');
    await admin.page.getByRole('button', { name: 'Save role' }).click();
    await admin.page.getByText('boss is the last active administrator.').waitFor();
    expect(await admin.page.locator('#role').textContent()).toBe('administrator');
    await admin.context.close();
  }, 40_000);

  it('answers 403 to anyone but an administrator', async () => {
    cli('staff', 'add', '--username', 'kamau', '--role', 'billing_manager', '--password', 'kamau-password-1');
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'kamau', 'kamau-password-1');
    const response = await page.goto(`${staffUrl}/users`);
    expect(response?.status()).toBe(403);
    await page.getByText('may not open this page').waitFor();
    await context.close();
  });
});

describe('two-step sign-in', () => {
  it('turns on with a code from the app, then asks for a code after the password, refusing a wrong one in plain words', async () => {
    cli('staff', 'add', '--username', 'njeri', '--role', 'support', '--password', 'njeri-password-1');
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'njeri', 'njeri-password-1');
    await page.goto(`${staffUrl}/security`);
    expect(await page.locator('#totp-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
    await page.fill('#totp-code', '000000' === codeFor(secret) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('That code is not right.').waitFor();
    // A wrong code shows a fresh secret: the test reads it again, as a person would scan again.
    const fresh = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
    await page.fill('#totp-code', codeFor(fresh));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Two-step sign-in is on.').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${staffUrl}/sign-in`);

    await staffSignIn(page, staffUrl, 'njeri', 'njeri-password-1', { waitForHome: false });
    await page.waitForURL(`${staffUrl}/sign-in/code`);
    const next = codeFor(fresh, 1);
    await page.fill('#code', next === '123456' ? '654321' : '123456');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That code is not right. Type the code your phone shows now.').waitFor();
    // The enrolment used this step's code; the next step's is accepted (±1 step) and not a replay.
    await page.fill('#code', next);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/staff/sign-in'));
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    const audit = cli<Audit[]>('audit').filter((a) => a.action === 'staff.2fa.on');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(cli<Audit[]>('audit'))).not.toContain(fresh);
    await context.close();
  }, 40_000);

  it('lets an administrator turn it off for someone who lost their phone, audited', async () => {
    const admin = await newPhone(browser);
    await staffSignIn(admin.page, staffUrl, 'boss', 'boss-password-1');
    await admin.page.goto(`${staffUrl}/users`);
    await admin.page.getByRole('link', { name: 'njeri', exact: true }).click();
    expect(await admin.page.locator('#two-step').textContent()).toBe('on (app)');
    await admin.page.getByLabel('Yes, turn off two-step sign-in for njeri').check();
    await admin.page.getByRole('button', { name: 'Turn off two-step sign-in' }).click();
    await admin.page.getByText('Two-step sign-in is off for njeri.').waitFor();
    expect(await admin.page.locator('#two-step').textContent()).toBe('off');
    await admin.context.close();

    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'njeri', 'njeri-password-1');
    expect(new URL(page.url()).pathname).not.toContain('/sign-in');
    expect(cli<Audit[]>('audit').find((a) => a.action === 'staff.2fa.reset')).toMatchObject({ actor: 'staff:boss', detail: { before: { totp: true }, after: { totp: false } } });
    await context.close();
  });
});

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson, radclient, until } from '../support/peers.js';
import { signInByCode } from '../support/portal.js';

// Issue 8's "My plan" page, end to end against the real daemon in a phone-sized Chromium: an
// upgrade shows its prorated cost before "Confirm" and the wallet pays exactly that; a cheaper
// plan waits for the renewal date shown; pausing is refused until the operator allows it, then
// the router's Access-Request is refused while paused and accepted again after resuming, with
// the paid-until date moved on by the pause; a device MAC another account has is refused.

const SECRET = 'portal-plan-secret';
const ZONE = 'Africa/Nairobi';

let daemon: Daemon;
let browser: Browser;
let portalUrl: string;

/** For a person to look through: test-artifacts/screens/portal-plan-*.png. */
const screens = path.join(repoRoot(), 'test-artifacts', 'screens');
const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Invoice { number: string; grossMinor: number; status: string }
interface Balance { balance: { walletMinor: number; dueMinor: number }; subscription: { status: string; periodEnd: number; nextPlanId: number | null; pausedAt: number | null } }
interface Event { kind: string; actor: string; detail: Record<string, unknown> }
interface Action { kind: string; reason: string }


/** "KES 2,345.67" in a sentence → 234567 minor units. */
const minorIn = (text: string) => Math.round(Number(/KES\s*([\d,]+\.\d\d)/.exec(text.replace(/[\u2068\u2069]/g, ''))![1]!.replace(/,/g, '')) * 100);

/** Signs in with a code by SMS, as a customer without a portal password does, and opens "My plan". */
async function openPlanPage(phone: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const { context, page } = await newPhone(browser);
  await signInByCode(page, daemon, portalUrl, phone, phone);
  await page.waitForURL(`${portalUrl}/password`);
  await page.getByRole('link', { name: 'My plan' }).first().click();
  await page.waitForURL(`${portalUrl}/plan`);
  return { page, close: () => context.close() };
}

const login = (user: string, password: string) =>
  radclient(`User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET).stdout;

beforeAll(async () => {
  daemon = await startDaemon({ env: { LANGO_TIMEZONE: ZONE } });
  portalUrl = `http://127.0.0.1:${daemon.httpPort}/portal`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', 'Home 5M', '--price', '900', '--currency', 'KES', '--duration', '30d', '--rate', '2M/5M'],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['plan', 'add', '--name', 'Home 20M', '--price', '3000', '--currency', 'KES', '--duration', '30d', '--rate', '10M/20M'],
    ['plan', 'add', '--name', 'Office', '--price', '5000', '--currency', 'KES', '--billing', 'postpaid', '--cycle', 'monthly'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-net', '--plan', 'Home 10M', '--phone', '0712000001'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-net', '--plan', 'Home 10M', '--phone', '0712000002'],
    ['customer', 'add', '--username', 'carol', '--password', 'carol-net', '--plan', 'Home 10M', '--phone', '0712000003'],
    ['wallet', 'adjust', '--username', 'alice', '--amount', '5000', '--reason', 'opening balance'],
  ];
  for (const args of setup) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the customer’s plan page', () => {
  it('shows an upgrade’s prorated price before confirming, and the invoice and wallet then match it exactly', async () => {
    const { page, close } = await openPlanPage('+254712000001');
    expect(await page.locator('#current-plan').textContent()).toBe('Home 10M');
    // Same kind and currency only: the postpaid office plan is not offered.
    expect(await page.locator('#change h3').allTextContents()).toEqual(['Home 5M', 'Home 20M']);
    mkdirSync(screens, { recursive: true });
    await page.screenshot({ path: path.join(screens, 'portal-plan-360.png'), fullPage: true });
    await page.getByRole('button', { name: 'Choose Home 20M' }).click();
    await page.screenshot({ path: path.join(screens, 'portal-plan-preview-360.png'), fullPage: true });
    const charge = minorIn((await page.locator('#preview-charge').textContent())!);
    // Thirty days of 3,000.00 less the seconds already gone: a little under 3,000.00.
    expect(charge).toBeGreaterThan(299_000);
    expect(charge).toBeLessThanOrEqual(300_000);
    expect(minorIn((await page.locator('#preview-net').textContent())!)).toBe(charge);
    expect(await page.locator('#preview-speed').textContent()).toContain('10M/20M');
    expect(cli<Invoice[]>('invoice', 'list', '--username', 'alice')).toEqual([]);

    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await page.getByText('You are now on Home 20M.').waitFor();
    expect(await page.locator('#current-plan').textContent()).toBe('Home 20M');
    const invoices = cli<Invoice[]>('invoice', 'list', '--username', 'alice');
    expect(invoices.map((i) => [i.grossMinor, i.status])).toEqual([[charge, 'paid']]);
    expect(cli<Balance>('customer', 'balance', '--username', 'alice').balance).toEqual({ currency: 'KES', walletMinor: 500_000 - charge, dueMinor: 0 });
    expect(cli<Event[]>('customer', 'timeline', '--username', 'alice').at(-1)).toMatchObject({ kind: 'plan_changed', actor: 'customer:alice', detail: { from: 'Home 10M', to: 'Home 20M', when: 'now' } });
    await close();
  });

  it('says what the wallet lacks for an upgrade and links to the Pay page instead of charging', async () => {
    const { page, close } = await openPlanPage('+254712000002');
    await page.getByRole('button', { name: 'Choose Home 20M' }).click();
    await page.locator('#preview-short').waitFor();
    expect(await page.locator('#preview-short').textContent()).toContain('this change needs');
    expect(await page.locator('#preview-short a').getAttribute('href')).toBe('/portal/pay');
    expect(await page.getByRole('button', { name: 'Confirm the change' }).count()).toBe(0);
    expect(cli<Invoice[]>('invoice', 'list', '--username', 'bob')).toEqual([]);
    await close();
  });

  it('schedules a cheaper plan for the renewal date it shows, and lets the customer keep the current plan', async () => {
    const { page, close } = await openPlanPage('+254712000001');
    const periodEnd = cli<Balance>('customer', 'balance', '--username', 'alice').subscription.periodEnd;
    const date = DateTime.fromMillis(periodEnd, { zone: ZONE }).setLocale('en').toFormat('d LLL yyyy');
    await page.getByRole('button', { name: 'Choose Home 5M' }).click();
    expect(await page.locator('#preview-renewal').textContent()).toContain(`at your next renewal, on ${date}`);
    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await page.getByText('Home 5M starts at your next renewal.').waitFor();
    expect((await page.locator('#pending').textContent())!.replace(/[\u2068\u2069]/g, '').replace(/\u00a0/g, ' ')).toBe(`On ${date} you move to Home 5M (KES 900.00).`);
    expect(cli<Balance>('customer', 'balance', '--username', 'alice').subscription.nextPlanId).not.toBeNull();
    expect(cli<Invoice[]>('invoice', 'list', '--username', 'alice')).toHaveLength(1);

    await page.getByRole('button', { name: 'Keep my current plan' }).click();
    await page.getByText('You stay on your current plan.').waitFor();
    expect(await page.locator('#pending').count()).toBe(0);
    expect(cli<Balance>('customer', 'balance', '--username', 'alice').subscription.nextPlanId).toBeNull();
    await close();
  });

  it('refuses a pause while the operator allows none; once allowed, the router is refused while paused and the paid days move on by the pause', async () => {
    const { page, close } = await openPlanPage('+254712000003');
    expect(await page.locator('#pause-state').textContent()).toBe('Your provider does not offer pausing.');
    const refused = await page.goto(`${portalUrl}/plan/pause`);
    expect(refused!.status()).toBe(409);

    cli('settings', 'set', '--key', 'portal.pauseMaxDays', '--value', '30');
    expect(login('carol', 'carol-net')).toContain('Received Access-Accept');
    const start = radclient('Acct-Status-Type = Start\nAcct-Session-Id = "carol-0001"\nUser-Name = "carol"\nFramed-IP-Address = 10.5.50.9\n', `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
    expect(start.status, start.stdout + start.stderr).toBe(0);
    const before = cli<Balance>('customer', 'balance', '--username', 'carol').subscription.periodEnd;

    await page.goto(`${portalUrl}/plan`);
    expect(await page.locator('#pause-left').textContent()).toBe('Pauses left this year: 2 of 2.');
    await page.getByRole('link', { name: 'Pause my line…' }).click();
    await page.getByRole('button', { name: 'Yes, pause my line' }).click();
    await page.getByText('Your line is paused.').first().waitFor();
    expect(await page.locator('#line-status').textContent()).toBe('Paused');
    const paused = login('carol', 'carol-net');
    expect(paused).toContain('Received Access-Reject');
    expect(paused).toContain('Your package is paused');
    // The open session is told to end.
    await until('a Disconnect queued', () => cli<Action[]>('sessions', 'actions').find((a) => a.kind === 'disconnect' && a.reason === 'subscription paused'));
    // The router ends it (nothing answers the Disconnect on loopback, so the test stands in for it).
    const stop = radclient('Acct-Status-Type = Stop\nAcct-Session-Id = "carol-0001"\nUser-Name = "carol"\nFramed-IP-Address = 10.5.50.9\nAcct-Terminate-Cause = Admin-Reset\n', `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
    expect(stop.status, stop.stdout + stop.stderr).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, 1500));
    await page.getByRole('button', { name: 'Resume my line now' }).click();
    await page.getByText('Your line is running again.').waitFor();
    expect(login('carol', 'carol-net')).toContain('Received Access-Accept');
    const after = cli<Balance>('customer', 'balance', '--username', 'carol').subscription;
    const resumed = cli<Event[]>('customer', 'timeline', '--username', 'carol').at(-1)!;
    expect(resumed).toMatchObject({ kind: 'status_changed', actor: 'customer:carol', detail: { from: 'paused', to: 'active' } });
    const pausedMs = resumed.detail.pausedMs as number;
    expect(pausedMs).toBeGreaterThanOrEqual(1500);
    expect(after).toMatchObject({ status: 'active', pausedAt: null, periodEnd: before + pausedMs });
    await close();
  });

  it('says "paused" on the portal home and the staff customer page, where staff may resume the line for the customer', async () => {
    const { page, close } = await openPlanPage('+254712000003');
    await page.getByRole('link', { name: 'Pause my line…' }).click();
    await page.getByRole('button', { name: 'Yes, pause my line' }).click();
    await page.getByText('Your line is paused.').first().waitFor();
    await page.goto(`${portalUrl}/`);
    expect(await page.locator('#status').textContent()).toBe('Paused (resume it on the My plan page)');
    const before = cli<Balance>('customer', 'balance', '--username', 'carol').subscription.periodEnd;

    cli('staff', 'add', '--username', 'wambui', '--role', 'support', '--password', 'support-desk-1');
    const staff = await newPhone(browser);
    const staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
    await staffSignIn(staff.page, staffUrl, 'wambui', 'support-desk-1', { waitForHome: false });
    await staff.page.goto(`${staffUrl}/customers/carol`);
    expect(await staff.page.locator('#paused').textContent()).toMatch(/^\(paused by the customer since /);
    await staff.page.getByRole('button', { name: 'Resume the line now' }).click();
    await staff.page.getByText('The line is running again').waitFor();
    expect(await staff.page.locator('#paused').count()).toBe(0);
    await staff.context.close();

    expect(login('carol', 'carol-net')).toContain('Received Access-Accept');
    const after = cli<Balance>('customer', 'balance', '--username', 'carol').subscription;
    const resumed = cli<Event[]>('customer', 'timeline', '--username', 'carol').at(-1)!;
    expect(resumed).toMatchObject({ kind: 'status_changed', actor: 'staff:wambui', detail: { from: 'paused', to: 'active' } });
    expect(after).toMatchObject({ status: 'active', pausedAt: null, periodEnd: before + (resumed.detail.pausedMs as number) });
    await page.goto(`${portalUrl}/`);
    expect(await page.locator('#status').textContent()).toBe('Active');
    await close();
  });

  it('registers a device MAC typed in any common form, and refuses one another account has without saying whose', async () => {
    const alice = await openPlanPage('+254712000001');
    await alice.page.getByLabel('Device MAC address').fill('aa-bb-cc-dd-ee-01');
    await alice.page.getByRole('button', { name: 'Save my device' }).click();
    await alice.page.getByText('Your device is registered.').waitFor();
    expect(await alice.page.locator('#device-current').textContent()).toBe('Registered device: AA:BB:CC:DD:EE:01');
    expect(cli<{ mac: string }>('customer', 'show', '--username', 'alice').mac).toBe('AA:BB:CC:DD:EE:01');
    await alice.close();

    const bob = await openPlanPage('+254712000002');
    await bob.page.getByLabel('Device MAC address').fill('AABB.CCDD.EE01');
    await bob.page.getByRole('button', { name: 'Save my device' }).click();
    await bob.page.locator('#plan-error').waitFor();
    expect(await bob.page.locator('#plan-error').textContent()).toBe('That device is registered to another account. Check the address, or contact support.');
    expect(await bob.page.content()).not.toContain('alice');
    expect(await bob.page.locator('#device-current').textContent()).toBe('No device registered.');
    await bob.close();
  });
});

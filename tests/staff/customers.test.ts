import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson, radclient } from '../support/peers.js';

// Issue 7's customer screens, end to end against the real daemon in a phone-sized Chromium:
// support finds a customer by the phone number as people say it (0712…), opens the page with the
// live session, and suspends with a reason — the CLI then shows the suspension, the audit log has
// it, and the open session has a Disconnect-Request queued. A technician may look but not change
// the status; a change without a reason changes nothing.

const SECRET = 'staff-customers-secret';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Customer { id: number; username: string; status: string }
interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }
interface Action { sessionId: number; kind: string; reason: string }

const signIn = (page: Page, username: string, password: string) => staffSignIn(page, staffUrl, username, password);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-pass', '--plan', 'Home 10M', '--name', 'Alice Wanjiru', '--phone', '+254 712 345 678'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-pass', '--plan', 'Home 10M', '--name', 'Bob Otieno', '--phone', '0722000111'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
    ['staff', 'add', '--username', 'kamau', '--role', 'technician', '--password', 'tower-climb-2'],
  ];
  for (const args of setup) cli(...args);
  const start = radclient('Acct-Status-Type = Start\nAcct-Session-Id = "cust-0001"\nUser-Name = "alice"\nFramed-IP-Address = 10.5.50.7\nCalling-Station-Id = "AA:BB:CC:00:00:07"\n', `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
  expect(start.status, start.stdout + start.stderr).toBe(0);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the customer screens', () => {
  it('lets support find a customer by a local phone number and suspend with a reason, audited, disconnecting the live session', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/customers`);
    await page.fill('#q', '0712 345 678');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('#customers tbody tr');
    expect(await rows.count()).toBe(1);
    expect((await rows.first().textContent())!.replace(/\s+/g, ' ')).toContain('Alice Wanjiru');
    await page.getByRole('link', { name: 'alice' }).click();
    await page.waitForURL(`${staffUrl}/customers/alice`);

    expect(await page.locator('#status').textContent()).toBe('active');
    await page.getByText('Owed: KES').waitFor();
    const session = page.locator('#sessions tbody tr');
    expect(await session.count()).toBe(1);
    expect(await session.first().textContent()).toContain('10.5.50.7');
    expect(await session.first().getByRole('button', { name: 'Disconnect' }).count()).toBe(1);

    await page.getByLabel('Suspend', { exact: true }).check();
    await page.fill('#reason', 'Reported the router stolen');
    await page.getByRole('button', { name: 'Change status' }).click();
    await page.getByText('Suspended. 1 open session(s) will be disconnected.').waitFor();
    expect(await page.locator('#status').textContent()).toBe('suspended');
    // The history on the page has the suspension, with its reason.
    expect((await page.locator('#timeline tbody tr').first().textContent())!).toContain('Suspended');
    expect((await page.locator('#timeline tbody tr').first().textContent())!).toContain('Reported the router stolen');

    const alice = cli<Customer>('customer', 'show', '--username', 'alice');
    expect(alice.status).toBe('suspended');
    const audit = cli<Audit[]>('audit', '--subject', `customer:${alice.id}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'staff:otieno', action: 'customer.suspend', detail: { from: 'active', to: 'suspended', reason: 'Reported the router stolen', disconnecting: 1 } });
    const actions = cli<Action[]>('sessions', 'actions');
    expect(actions.filter((a) => a.kind === 'disconnect' && a.reason === 'account suspended')).toHaveLength(1);
    await context.close();
  }, 30_000);

  it('lets a technician look but answers 403 to a status change, and changes nothing', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'kamau', 'tower-climb-2');
    const view = await page.goto(`${staffUrl}/customers/bob`);
    expect(view?.status()).toBe(200);
    expect(await page.locator('#status').textContent()).toBe('active');
    expect(await page.getByRole('button', { name: 'Change status' }).count()).toBe(0);
    // The session's own CSRF token, from the sign-out form: only the role stands in the way.
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const response = await context.request.post(`${staffUrl}/customers/bob/status`, { form: { _csrf: csrf, action: 'suspend', reason: 'just looking' }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('Your account (technician) may not open this page.');
    const bob = cli<Customer>('customer', 'show', '--username', 'bob');
    expect(bob.status).toBe('active');
    expect(cli<Audit[]>('audit', '--subject', `customer:${bob.id}`)).toEqual([]);
    await context.close();
  });

  it('says plainly that a reason is needed, and changes nothing without one', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/customers?q=bob`);
    await page.getByRole('link', { name: 'bob' }).click();
    await page.getByLabel('Terminate (close the account)').check();
    // Spaces pass the browser's "required" check; the server still finds no reason.
    await page.fill('#reason', '   ');
    await page.getByRole('button', { name: 'Change status' }).click();
    await page.getByText('Write the reason for this change. Nothing was changed.').waitFor();
    expect(await page.locator('#status').textContent()).toBe('active');
    const bob = cli<Customer>('customer', 'show', '--username', 'bob');
    expect(bob.status).toBe('active');
    expect(cli<Audit[]>('audit', '--subject', `customer:${bob.id}`)).toEqual([]);
    await context.close();
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { lango, langoJson, radclient } from '../support/peers.js';

// Issue 7's customer administration, end to end against the real daemon in a phone-sized
// Chromium: support adds a customer (a wrong phone number is explained and the typed values
// kept) who can then log in over RADIUS; edits a name and a password, audited before/after
// without the password; binds the device of the live session. A technician changes the live
// session's speed (a CoA with the rate limit is queued) and clicks Disconnect.

const SECRET = 'staff-customer-admin';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Customer { id: number; username: string; status: string; fullName: string | null; phone: string | null; plan: string | null; mac: string | null; macBinding: boolean }
interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }
interface Action { sessionId: number; kind: string; reason: string; rateLimit: string | null }

const signIn = (page: Page, username: string, password: string) => staffSignIn(page, staffUrl, username, password);
const login = (username: string, password: string) =>
  radclient(`User-Name = "${username}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-pass', '--plan', 'Home 10M', '--name', 'Alice Wanjiru', '--phone', '0712345678'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-pass', '--plan', 'Home 10M', '--name', 'Bob Otieno', '--phone', '0722000111'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
    ['staff', 'add', '--username', 'kamau', '--role', 'technician', '--password', 'tower-climb-2'],
  ];
  for (const args of setup) cli(...args);
  const start = radclient('Acct-Status-Type = Start\nAcct-Session-Id = "adm-0001"\nUser-Name = "alice"\nFramed-IP-Address = 10.5.50.9\nCalling-Station-Id = "aa-bb-cc-00-00-09"\n', `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
  expect(start.status, start.stdout + start.stderr).toBe(0);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('customer administration', () => {
  it('adds a customer from the browser, explaining a bad phone number with the typed values kept, and the new customer can log in', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/customers`);
    await page.getByRole('link', { name: 'Add a customer' }).click();
    await page.fill('#username', 'carol');
    await page.fill('#password', 'carol-net-1');
    await page.fill('#fullName', 'Carol Akinyi');
    await page.fill('#phone', '07I2 345');
    const plan = (await page.locator('#planId option', { hasText: 'Home 10M' }).getAttribute('value'))!;
    await page.selectOption('#planId', plan);
    await page.getByRole('button', { name: 'Add customer' }).click();
    await page.getByText('"07I2 345" is not a phone number. Write it like 0712345678 or +254712345678.').waitFor();
    expect(await page.inputValue('#username')).toBe('carol');
    expect(await page.inputValue('#fullName')).toBe('Carol Akinyi');
    expect(await page.inputValue('#planId')).toBe(plan);
    expect(lango(daemon, 'customer', 'show', '--username', 'carol').status).not.toBe(0);

    await page.fill('#password', 'carol-net-1');
    await page.fill('#phone', '0733 000 444');
    await page.getByRole('button', { name: 'Add customer' }).click();
    await page.waitForURL(`${staffUrl}/customers/carol?done=created`);
    await page.getByText('Customer carol added.').waitFor();
    const carol = cli<Customer>('customer', 'show', '--username', 'carol');
    expect(carol).toMatchObject({ fullName: 'Carol Akinyi', phone: '+254733000444', plan: 'Home 10M', status: 'active' });
    expect(login('carol', 'carol-net-1').stdout).toContain('Access-Accept');
    expect(login('carol', 'wrong').stdout).toContain('Access-Reject');
    expect(cli<Audit[]>('audit', '--subject', `customer:${carol.id}`)[0]).toMatchObject({ actor: 'staff:otieno', action: 'customer.create' });

    // The same username again: said plainly, next to the field.
    await page.goto(`${staffUrl}/customers/new`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'x-pass');
    await page.getByRole('button', { name: 'Add customer' }).click();
    await page.getByText('The username "alice" is already taken. Pick another one.').waitFor();
    await context.close();
  }, 30_000);

  it('edits a name and the network password, audited before and after without the password', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/customers/bob`);
    await page.getByRole('link', { name: 'Edit details' }).click();
    expect(await page.inputValue('#fullName')).toBe('Bob Otieno');
    await page.fill('#fullName', 'Bob Otieno Junior');
    await page.fill('#password', 'bob-new-pass');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${staffUrl}/customers/bob?done=saved`);
    await page.getByText('Changes saved.').waitFor();
    const bob = cli<Customer>('customer', 'show', '--username', 'bob');
    expect(bob.fullName).toBe('Bob Otieno Junior');
    const audit = cli<Audit[]>('audit', '--subject', `customer:${bob.id}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'staff:otieno', action: 'customer.edit', detail: { before: { fullName: 'Bob Otieno' }, after: { fullName: 'Bob Otieno Junior' }, passwordChanged: true } });
    expect(JSON.stringify(audit)).not.toContain('bob-new-pass');
    expect(login('bob', 'bob-new-pass').stdout).toContain('Access-Accept');
    await context.close();
  }, 30_000);

  it("binds the live session's device in one click, refuses a malformed MAC, and clears it", async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/customers/alice`);
    await page.getByRole('button', { name: 'Bind AA:BB:CC:00:00:09 (online now)' }).click();
    await page.getByText('Bound to AA:BB:CC:00:00:09: only this device may log in now.').waitFor();
    expect(cli<Customer>('customer', 'show', '--username', 'alice')).toMatchObject({ mac: 'AA:BB:CC:00:00:09', macBinding: true });

    await page.fill('#bind-mac', 'not-a-mac');
    await page.getByRole('button', { name: 'Bind this device' }).click();
    await page.getByText('"not-a-mac" is not a device MAC address.', { exact: false }).waitFor();
    expect(await page.inputValue('#bind-mac')).toBe('not-a-mac');

    await page.getByRole('button', { name: 'Clear the device' }).click();
    await page.getByText('Device cleared: the customer may log in from any device.').waitFor();
    const alice = cli<Customer>('customer', 'show', '--username', 'alice');
    expect(alice).toMatchObject({ mac: null, macBinding: false });
    expect(cli<Audit[]>('audit', '--subject', `customer:${alice.id}`).map((a) => a.action)).toEqual(['customer.mac', 'customer.mac']);
    await context.close();
  }, 30_000);

  it('lets a technician change the live speed now (a CoA with the rate limit) and disconnect with a click', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'kamau', 'tower-climb-2');
    await page.goto(`${staffUrl}/customers/alice`);
    const row = page.locator('#sessions tbody tr').first();
    await row.locator('input[name=rate]').fill('2 megs');
    await row.getByRole('button', { name: 'Change speed now' }).click();
    await page.getByText('"2 megs" is not a speed the router understands.', { exact: false }).waitFor();
    await page.locator('#sessions tbody tr').first().locator('input[name=rate]').fill('2M/4M');
    await page.locator('#sessions tbody tr').first().getByRole('button', { name: 'Change speed now' }).click();
    await page.getByText(/^Speed 2M\/4M sent to the router for session \d+\.$/).waitFor();
    let actions = cli<Action[]>('sessions', 'actions');
    expect(actions.filter((a) => a.kind === 'coa' && a.rateLimit === '2M/4M')).toHaveLength(1);

    await page.locator('#sessions tbody tr').first().getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText(/^Disconnect sent to the router for session \d+; it ends in a few seconds\.$/).waitFor();
    actions = cli<Action[]>('sessions', 'actions');
    expect(actions.filter((a) => a.kind === 'disconnect' && a.reason === 'operator')).toHaveLength(1);
    const alice = cli<Customer>('customer', 'show', '--username', 'alice');
    expect(cli<Audit[]>('audit', '--subject', `customer:${alice.id}`).map((a) => a.action).slice(0, 2)).toEqual(['session.disconnect', 'session.speed']);
    // A technician edits nothing: no edit link, no binding form.
    expect(await page.getByRole('link', { name: 'Edit details' }).count()).toBe(0);
    expect(await page.locator('#bind-mac').count()).toBe(0);
    await context.close();
  }, 30_000);
});

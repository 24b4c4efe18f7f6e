import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoOk, radclient } from '../support/peers.js';

// Issue 7's day at the office, end to end against the real daemon and the real radclient: an
// administrator sets up a plan and a customer in the browser, takes cash at the counter and
// sees the invoice paid; the customer logs in over RADIUS; suspended from the page, the
// customer's next Access-Request is rejected. Roles are checked by the server, not by hidden
// links: an agent cannot open billing, support cannot change a price; a form without its CSRF
// token changes nothing.

const SECRET = 'admin-flow-secret';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const plain = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();

function login(username: string, password: string): { status: number | null; stdout: string } {
  const run = radclient(`User-Name = "${username}"\nUser-Password = "${password}"\nNAS-IP-Address = 127.0.0.1\nMessage-Authenticator = 0x00\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
  return { status: run.status, stdout: run.stdout + run.stderr };
}

/** A link of the staff menu (the page may link the same words elsewhere). */
const menu = (page: Page, name: string) => page.locator('nav.menu').getByRole('link', { name, exact: true });

const signIn = (page: Page, username: string, password: string) => staffSignIn(page, staffUrl, username, password);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  langoOk(daemon, 'nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET);
  langoOk(daemon, 'staff', 'add', '--username', 'amina', '--role', 'admin', '--password', 'office-admin-1');
  langoOk(daemon, 'staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1');
  langoOk(daemon, 'staff', 'add', '--username', 'juma', '--role', 'agent', '--password', 'agent-sales-1');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('an administrator’s day in the browser', () => {
  it('creates a plan and a customer, records cash, sees the invoice paid; the customer logs in, and is rejected once suspended', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'amina', 'office-admin-1');
    expect(new URL(page.url()).pathname).toBe('/staff/dashboard');

    const addPlan = async (name: string, price: string, rate: string) => {
      await menu(page, 'Plans').click();
      await page.getByRole('link', { name: 'Add a plan' }).click();
      await page.fill('#name', name);
      await page.fill('#price', price);
      await page.fill('#validity', '30d');
      await page.fill('#rate', rate);
      await page.getByRole('button', { name: 'Save plan' }).click();
      await page.getByText(`Plan "${name}" added.`).waitFor();
    };
    await addPlan('Home 5M', '1500', '2M/5M');
    await addPlan('Home 10M', '3000', '5M/10M');

    await menu(page, 'Customers').click();
    await page.getByRole('link', { name: 'Add a customer' }).click();
    await page.fill('#username', 'wanjiku');
    await page.fill('#password', 'wanjiku-net-1');
    await page.fill('#fullName', 'Wanjiku Kamau');
    await page.fill('#phone', '0712 000 321');
    await page.selectOption('#planId', { label: await page.locator('#planId option', { hasText: 'Home 5M' }).innerText() });
    await page.getByRole('button', { name: 'Add customer' }).click();
    await page.getByText('Customer wanjiku added.').waitFor();

    // An upgrade now: the price of the rest of the period is shown before anything is charged.
    await page.getByRole('link', { name: 'Change plan' }).click();
    await page.selectOption('#planId', { label: await page.locator('#planId option', { hasText: 'Home 10M' }).innerText() });
    await page.getByLabel('Now: charge or credit the rest of this period').check();
    await page.getByRole('button', { name: 'Show the cost' }).click();
    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await page.getByText(/^Moved to Home 10M\./).waitFor();

    await menu(page, 'Invoices').click();
    await page.fill('#f-customer', 'wanjiku');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('#documents tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    await rows.first().getByRole('link').first().click();
    expect(await page.locator('#status').textContent()).toBe('issued');

    // Cash at the counter, from the invoice: the form comes filled in with the customer and the amount.
    await page.getByRole('link', { name: /record a payment/i }).click();
    expect(await page.inputValue('#username')).toBe('wanjiku');
    const amount = await page.inputValue('#amount');
    expect(Number(amount.replace(/,/g, ''))).toBeGreaterThan(2900);
    await page.fill('#reference', 'RB-7001');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await page.locator('#recorded').waitFor();

    await menu(page, 'Invoices').click();
    await page.fill('#f-customer', 'wanjiku');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('#documents tbody tr').first().getByRole('link').first().click();
    expect(await page.locator('#status').textContent()).toBe('paid');

    expect(login('wanjiku', 'wanjiku-net-1').stdout).toContain('Access-Accept');

    await page.goto(`${staffUrl}/customers/wanjiku`);
    await page.getByLabel('Suspend', { exact: true }).check();
    await page.fill('#reason', 'Asked to pause while travelling');
    await page.getByRole('button', { name: 'Change status' }).click();
    await page.getByText(/^Suspended\./).waitFor();
    expect(login('wanjiku', 'wanjiku-net-1').stdout).toContain('Access-Reject');
    await context.close();
  }, 60_000);
});

describe('roles and forms, checked by the server', () => {
  it('answers 403 to an agent opening billing, and to support changing a price', async () => {
    const agent = await newPhone(browser);
    await signIn(agent.page, 'juma', 'agent-sales-1');
    for (const path of ['/invoices', '/payments', '/plans/new', '/customers', '/settings', '/dashboard']) {
      expect((await agent.page.goto(`${staffUrl}${path}`))?.status(), path).toBe(403);
    }
    // The menu shows an agent only what an agent may do.
    expect(await agent.page.locator('nav.menu').count()).toBe(0);
    await agent.context.close();

    const support = await newPhone(browser);
    await signIn(support.page, 'otieno', 'support-desk-1');
    const plan = JSON.parse(langoOk(daemon, 'plan', 'list', '--json')) as Array<{ id: number; name: string; priceMinor: number }>;
    const home = plan.find((p) => p.name === 'Home 5M')!;
    expect((await support.page.goto(`${staffUrl}/plans/${home.id}`))?.status()).toBe(200);
    expect((await support.page.goto(`${staffUrl}/plans/${home.id}/edit`))?.status()).toBe(403);
    const csrf = (await support.page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const post = await support.context.request.post(`${staffUrl}/plans/${home.id}/edit`, { form: { _csrf: csrf, name: 'Home 5M', price: '1', currency: 'KES' }, maxRedirects: 0 });
    expect(post.status()).toBe(403);
    const after = (JSON.parse(langoOk(daemon, 'plan', 'list', '--json')) as Array<{ id: number; priceMinor: number }>).find((p) => p.id === home.id)!;
    expect(after.priceMinor).toBe(home.priceMinor);
    await support.context.close();
  }, 60_000);

  it('refuses a form sent without its CSRF token, and changes nothing', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'amina', 'office-admin-1');
    await page.goto(`${staffUrl}/customers/wanjiku`);
    // A page elsewhere posting into Lango with the admin's cookie: no token, so no change.
    const response = await context.request.post(`${staffUrl}/customers/wanjiku/status`, { form: { action: 'reactivate', reason: 'forged' }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('This form has expired or did not come from this site.');
    const customer = JSON.parse(langoOk(daemon, 'customer', 'show', '--username', 'wanjiku', '--json')) as { status: string };
    expect(customer.status).toBe('suspended');
    await context.close();
  });
});

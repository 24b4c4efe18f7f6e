import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson, radclient } from '../support/peers.js';

// Issue 7's plan change, end to end against the real daemon: a billing manager picks a plan,
// the preview shows the prorated charge, "Confirm" issues exactly that invoice (the CLI shows
// it), the live session gets the new speed by CoA, and the audit log has before/after. Support
// may not change plans (403), and the list before a search filters by status and plan.

const SECRET = 'staff-customer-plan';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Customer { id: number; username: string; plan: string | null }
interface Invoice { number: string; kind: string; grossMinor: number; currency: string }
interface Audit { actor: string; action: string; detail: Record<string, unknown> }
interface Action { kind: string; reason: string; rateLimit: string | null }

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['plan', 'add', '--name', 'Home 20M', '--price', '3000', '--currency', 'KES', '--duration', '30d', '--rate', '10M/20M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-pass', '--plan', 'Home 10M', '--name', 'Alice Wanjiru'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-pass', '--plan', 'Home 20M', '--name', 'Bob Otieno'],
    ['customer', 'add', '--username', 'chris', '--password', 'chris-pass', '--plan', 'Home 10M', '--name', 'Chris Mwangi'],
    ['customer', 'suspend', '--username', 'chris'],
    ['staff', 'add', '--username', 'wambui', '--role', 'billing_manager', '--password', 'ledger-keeper-3'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ];
  for (const args of setup) cli(...args);
  const start = radclient('Acct-Status-Type = Start\nAcct-Session-Id = "plan-0001"\nUser-Name = "alice"\nFramed-IP-Address = 10.5.50.8\n', `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
  expect(start.status, start.stdout + start.stderr).toBe(0);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('changing a plan', () => {
  it('previews the prorated charge, and confirming issues that invoice, speeds up the live session and audits before/after', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'wambui', 'ledger-keeper-3');
    await page.goto(`${staffUrl}/customers/alice`);
    await page.getByRole('link', { name: 'Change plan' }).click();
    const value = (await page.locator('#planId option', { hasText: 'Home 20M' }).getAttribute('value'))!;
    await page.selectOption('#planId', value);
    await page.getByLabel('Now: charge or credit the rest of this period').check();
    await page.getByRole('button', { name: 'Show the cost' }).click();
    const charge = (await page.locator('#preview-charge').textContent())!;
    // Thirty days of 3,000.00 less the seconds already gone: a little under 3,000.00.
    const shown = /KES\s*([\d,]+\.\d\d)/.exec(charge)![1]!;
    const minor = Math.round(Number(shown.replace(/,/g, '')) * 100);
    expect(minor).toBeGreaterThan(299_000);
    expect(minor).toBeLessThanOrEqual(300_000);
    expect(await page.locator('#preview-speed').textContent()).toContain('10M/20M');
    expect(cli<Invoice[]>('invoice', 'list', '--username', 'alice')).toEqual([]);

    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await page.getByText('Moved to Home 20M. 1 open session(s) get the new speed.').waitFor();
    expect(await page.locator('#plan').textContent()).toBe('Home 20M');
    const invoices = cli<Invoice[]>('invoice', 'list', '--username', 'alice');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.grossMinor).toBe(minor);
    const alice = cli<Customer>('customer', 'show', '--username', 'alice');
    expect(alice.plan).toBe('Home 20M');
    expect(cli<Action[]>('sessions', 'actions').filter((a) => a.kind === 'coa' && a.rateLimit === '10M/20M' && a.reason === 'plan changed')).toHaveLength(1);
    const audit = cli<Audit[]>('audit', '--subject', `customer:${alice.id}`);
    expect(audit[0]).toMatchObject({ actor: 'staff:wambui', action: 'customer.plan', detail: { before: { plan: 'Home 10M' }, after: { plan: 'Home 20M' }, when: 'now', invoice: { grossMinor: minor } } });
    // The history shows the invoice and the plan change.
    const history = (await page.locator('#timeline').textContent())!;
    expect(history).toContain('Invoice issued');
    expect(history).toContain('Plan changed');
    await context.close();
  }, 30_000);

  it('answers 403 to support on the plan page and on the change itself, and changes nothing', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'otieno', 'support-desk-1');
    const view = await page.goto(`${staffUrl}/customers/bob`);
    expect(view?.status()).toBe(200);
    expect(await page.getByRole('link', { name: 'Change plan' }).count()).toBe(0);
    const form = await page.goto(`${staffUrl}/customers/bob/plan`);
    expect(form?.status()).toBe(403);
    await page.goto(`${staffUrl}/customers/bob`);
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const response = await context.request.post(`${staffUrl}/customers/bob/plan`, { form: { _csrf: csrf, planId: '1', when: 'now', at: String(Date.now()), expect: 'now:0:0:0' }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    expect(cli<Customer>('customer', 'show', '--username', 'bob').plan).toBe('Home 20M');
    await context.close();
  });

  it('lists the newest customers before any search, filtered by status and plan', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/customers`);
    const names = async () => (await page.locator('#customers tbody tr td:first-child').allTextContents()).map((s) => s.trim());
    expect(await names()).toEqual(['chris', 'bob', 'alice']);
    await page.selectOption('#status', 'suspended');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/status=suspended/);
    expect(await names()).toEqual(['chris']);
    await page.selectOption('#status', '');
    await page.selectOption('#planId', { label: 'Home 20M' });
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/planId=\d/);
    expect(await names()).toEqual(['bob', 'alice']);
    await context.close();
  });
});

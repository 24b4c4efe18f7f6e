import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// Issue 7's invoices screen end to end against the real daemon in a phone-sized Chromium: a
// billing manager filters the list to one customer, opens an invoice (its lines, its PDF),
// issues a credit note that the CLI then shows and that lowers what the customer owes, and
// voids another invoice only once the confirmation box is ticked. The invoice's "record a
// payment" link fills in the counter form; the payments list filters what was received.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Invoice { number: string; kind: string; status: string; grossMinor: number; customerId: number; correctsId: number | null }
interface Balance { balance: { dueMinor: number; walletMinor: number } }
interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }

const plain = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
const signIn = (page: Page) => staffSignIn(page, staffUrl, 'mercy', 'billing-desk-1');
const invoicesOf = (username: string) => cli<Invoice[]>('invoice', 'list', '--username', username);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['plan', 'add', '--name', 'Basic', '--price', '1000', '--currency', 'KES', '--duration', '30d', '--rate', '2M/2M'],
    ['plan', 'add', '--name', 'Fast', '--price', '3000', '--currency', 'KES', '--duration', '30d', '--rate', '10M/10M'],
    ['customer', 'add', '--username', 'carol', '--password', 'pw', '--plan', 'Basic', '--name', 'Carol Njeri'],
    ['customer', 'add', '--username', 'dave', '--password', 'pw', '--plan', 'Basic'],
    ['customer', 'add', '--username', 'erin', '--password', 'pw', '--plan', 'Basic'],
    // An upgrade now charges the rest of the period: an unpaid invoice for each.
    ['customer', 'change-plan', '--username', 'carol', '--plan', 'Fast', '--when', 'now'],
    ['customer', 'change-plan', '--username', 'dave', '--plan', 'Fast', '--when', 'now'],
    ['customer', 'change-plan', '--username', 'erin', '--plan', 'Fast', '--when', 'now'],
    ['pay', '--username', 'dave', '--amount', '100', '--method', 'bank', '--reference', 'EQ-5501'],
    ['staff', 'add', '--username', 'mercy', '--role', 'billing_manager', '--password', 'billing-desk-1'],
  ];
  for (const args of setup) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the invoices screen', () => {
  it('filters to one customer, shows an invoice’s lines and PDF, and issues a credit note the CLI sees, lowering the balance', async () => {
    const [invoice] = invoicesOf('carol');
    const dueBefore = cli<Balance>('customer', 'balance', '--username', 'carol').balance.dueMinor;
    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/invoices`);
    expect(await page.locator('#documents tbody tr').count()).toBe(3);
    await page.fill('#f-customer', 'carol');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/customer=carol/);
    const rows = page.locator('#documents tbody tr');
    expect(await rows.count()).toBe(1);
    expect(plain(await rows.first().textContent())).toContain(invoice!.number);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);

    await page.getByRole('link', { name: invoice!.number }).click();
    await page.waitForURL(`${staffUrl}/invoices/${invoice!.number}`);
    expect(plain(await page.locator('#lines').textContent())).toContain('Fast for the rest of the period');
    expect(await page.locator('#status').textContent()).toBe('issued');
    const pdf = await context.request.get(`${staffUrl}/invoices/${invoice!.number}/document.pdf`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

    await page.fill('#amount', '100');
    await page.fill('#reason', 'Outage on 3 March');
    await page.getByLabel('Yes, issue this credit note').check();
    await page.getByRole('button', { name: 'Issue credit note' }).click();
    await page.getByText(/^Credit note CN-\d{4}-000001 issued for KES\s100\.00\.$/).waitFor();
    expect(plain(await page.locator('#credit-notes').textContent())).toContain('CN-');

    const notes = invoicesOf('carol').filter((i) => i.kind === 'credit_note');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ grossMinor: 10000, status: 'issued' });
    expect(cli<Balance>('customer', 'balance', '--username', 'carol').balance.dueMinor).toBe(dueBefore - 10000);
    const audit = cli<Audit[]>('audit', '--subject', `invoice:${invoice!.number}`);
    expect(audit.find((a) => a.action === 'invoice.credit')).toMatchObject({ actor: 'staff:mercy', detail: { creditNote: notes[0]!.number, amountMinor: 10000, before: { status: 'issued' }, after: { status: 'partially_paid' } } });
    await context.close();
  });

  it('voids an unpaid invoice only when the box is ticked', async () => {
    const [invoice] = invoicesOf('erin');
    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/invoices/${invoice!.number}`);
    await page.fill('#void-reason', 'Upgrade entered by mistake');
    // Unticked, the browser keeps the form; sent anyway, the server refuses and changes nothing.
    await page.getByRole('button', { name: 'Void invoice' }).click();
    expect(page.url()).toBe(`${staffUrl}/invoices/${invoice!.number}`);
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const refused = await context.request.post(`${staffUrl}/invoices/${invoice!.number}/void`, { form: { _csrf: csrf, reason: 'Upgrade entered by mistake' }, maxRedirects: 0 });
    expect(refused.status()).toBe(400);
    expect(await refused.text()).toContain('Tick the box to confirm. Nothing was changed.');
    expect(invoicesOf('erin')).toEqual([expect.objectContaining({ number: invoice!.number, status: 'issued' })]);

    await page.getByLabel('Yes, void this invoice').check();
    await page.getByRole('button', { name: 'Void invoice' }).click();
    await page.getByText(new RegExp(`^Invoice ${invoice!.number} is void \\(credit note CN-`)).waitFor();
    expect(await page.locator('#status').textContent()).toBe('void');
    expect(invoicesOf('erin').find((i) => i.number === invoice!.number)!.status).toBe('void');
    expect(cli<Balance>('customer', 'balance', '--username', 'erin').balance.dueMinor).toBe(0);
    await context.close();
  });

  it('links an invoice to the counter form with the customer and amount filled in, and lists payments by method', async () => {
    const [invoice] = invoicesOf('dave');
    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/invoices/${invoice!.number}`);
    expect(plain(await page.locator('#applied').textContent())).toMatch(/Receipt RCT-\d{4}-000001/);
    await page.getByRole('link', { name: 'Record a payment for this invoice' }).click();
    await page.waitForURL(/\/payments\/record\?/);
    expect(await page.inputValue('#username')).toBe('dave');
    expect(await page.inputValue('#amount')).toBe(((invoice!.grossMinor - 10000) / 100).toFixed(2));

    await page.goto(`${staffUrl}/payments/list`);
    await page.selectOption('#f-method', 'bank');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/method=bank/);
    const rows = page.locator('#payments tbody tr');
    expect(await rows.count()).toBe(1);
    expect(plain(await rows.first().textContent())).toContain('EQ-5501');
    await page.goto(`${staffUrl}/payments/list?method=cash`);
    await page.getByText('No payment matches these filters.').waitFor();
    await context.close();
  });
});

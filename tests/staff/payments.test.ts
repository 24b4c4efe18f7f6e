import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startDaraja, type DarajaEmulator } from '../../scripts/emulators/daraja.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJsonAsync, until } from '../support/peers.js';
import { connectMpesa } from '../support/mpesa.js';

// Issue 7's payment screens end to end: a billing manager records counter cash at /staff (once
// per reference), and approves M-Pesa paybill money that arrived for an unknown account (the
// Daraja emulator, validation off, so it lands in suspense, flagged) to a customer, then finds
// it in the list of payments received; a support account sees the queue read-only and is
// refused the approve POST.

let daemon: Daemon;
let daraja: DarajaEmulator;
let browser: Browser;
let staffUrl: string;

/** The CLI without blocking the emulators that live in this process. */
const cli = <T,>(...args: string[]) => langoJsonAsync<T>(daemon, ...args);

const wallet = async (username: string) => (await cli<{ balance: { walletMinor: number } }>('customer', 'balance', '--username', username)).balance.walletMinor;
interface AttemptRow { id: number; customer: string | number; review: string | null; receipt: string | null }
const review = () => cli<AttemptRow[]>('payments', 'list', '--review');
const plain = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();

const signIn = (page: Page, username: string, password: string) => staffSignIn(page, staffUrl, username, password);

/** Paybill money for an account number nobody has: confirmed (validation is off), so it waits in suspense. */
async function suspenseAttempt(billRef: string, amount: number): Promise<number> {
  const result = await daraja.simulateC2B({ amount, billRef });
  expect(result.confirmed).toBe(true);
  const row = await until(`the flagged paybill payment ${billRef}`, async () => (await review()).find((a) => a.receipt === result.transId));
  expect(row.review).toBe('unknown-account');
  return row.id;
}

beforeAll(async () => {
  daraja = await startDaraja({ consumerKey: 'key-staff', consumerSecret: 'secret-staff', externalValidation: false });
  daemon = await startDaemon({ env: { LANGO_PAYMENT_CHECK_INTERVAL: '1' } });
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['plan', 'add', '--name', 'Week', '--price', '500', '--currency', 'KES', '--duration', '7d', '--rate', '5M/5M'],
    ['customer', 'add', '--username', 'wanjiru', '--password', 'pw', '--plan', 'Week', '--phone', '0708374149'],
    ['customer', 'add', '--username', 'kamau', '--password', 'pw', '--plan', 'Week', '--phone', '0708374152'],
    ['staff', 'add', '--username', 'mercy', '--role', 'billing_manager', '--password', 'billing-desk-1'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ];
  for (const args of setup) await cli(...args);
  connectMpesa(daemon, daraja, { consumerKey: 'key-staff', consumerSecret: 'secret-staff' });
  await cli('provider', 'register-c2b');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
  await daraja?.close();
});

describe('money recorded by staff', () => {
  it('records counter cash once per receipt-book number, with the receipt and the new balance', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'mercy', 'billing-desk-1');
    const record = async (reference: string) => {
      await page.goto(`${staffUrl}/payments/record`);
      await page.fill('#username', 'wanjiru');
      await page.fill('#amount', '1500');
      await page.getByLabel('Cash payment', { exact: true }).check();
      await page.fill('#reference', reference);
      await page.getByRole('button', { name: 'Record payment' }).click();
    };
    await record('RB-0042');
    const done = plain(await page.locator('#recorded').textContent());
    expect(done).toMatch(/^Receipt RCT-\d{4}-\d{6}: KES 1,500\.00 by Cash payment \(RB-0042\) for wanjiru\.$/);
    const receipt = plain(await page.locator('#receipt').textContent());
    expect(plain(await page.locator('#balance').textContent())).toBe('Wallet: KES 1,500.00. Still owed: KES 0.00.');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    expect(await wallet('wanjiru')).toBe(150000);

    // The same receipt-book number again (a reload, a second cashier): the first receipt, no credit.
    await record('RB-0042');
    expect(plain(await page.locator('#duplicate').textContent())).toBe(`Nothing was credited: this Cash payment reference RB-0042 is already recorded as receipt ${receipt} (KES 1,500.00 for wanjiru).`);
    expect(plain(await page.locator('#receipt').textContent())).toBe(receipt);
    expect(await wallet('wanjiru')).toBe(150000);

    // A refusal in plain words, the form kept.
    await page.goto(`${staffUrl}/payments/record`);
    await page.fill('#username', 'nobody');
    await page.fill('#amount', '10');
    await page.fill('#reference', 'RB-0043');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await page.getByText('There is no customer called "nobody".', { exact: false }).waitFor();
    expect(await page.inputValue('#reference')).toBe('RB-0043');
    await context.close();
  });
});

describe('payments pending review', () => {
  it('lets a billing manager credit paybill money in suspense to the customer it was meant for', async () => {
    const id = await suspenseAttempt('KAMAU1', 300);
    const { context, page } = await newPhone(browser);
    await signIn(page, 'mercy', 'billing-desk-1');
    await page.goto(`${staffUrl}/payments`);
    const item = page.locator(`#attempt-${id}`);
    const facts = plain(await item.textContent());
    expect(facts).toContain('M-Pesa');
    expect(facts).toContain('typed "KAMAU1" (no such account)');
    expect(facts).toContain('KES 300.00');
    expect(facts).toContain('paid to an account number nobody has (held in suspense)');

    // Approving without saying whose money it is: a plain refusal, nothing credited.
    await page.locator(`#username-${id}`).evaluate((input) => input.removeAttribute('required'));
    await item.getByRole('button', { name: 'Approve and credit' }).click();
    await page.getByText('This money arrived for no known account: type the username of the customer to credit.').waitFor();
    expect(await wallet('kamau')).toBe(0);

    await page.fill(`#username-${id}`, 'kamau');
    await page.locator(`#attempt-${id}`).getByRole('button', { name: 'Approve and credit' }).click();
    await page.waitForURL(/\/staff\/payments\?approved=/);
    expect(plain(await page.locator('[role=status]').textContent())).toMatch(/^Credited: receipt RCT-\d{4}-\d{6}\.$/);
    expect(await page.locator(`#attempt-${id}`).count()).toBe(0);
    expect(await wallet('kamau')).toBe(30000);
    expect((await review()).some((a) => a.id === id)).toBe(false);
    const credited = plain(await page.locator('[role=status]').textContent()).match(/RCT-\d{4}-\d{6}/)![0];

    // The money is now among the payments received, found by method and customer.
    await page.getByRole('link', { name: 'All payments received' }).click();
    await page.selectOption('#f-method', 'mpesa');
    await page.fill('#f-customer', 'kamau');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/method=mpesa/);
    const rows = page.locator('#payments tbody tr');
    expect(await rows.count()).toBe(1);
    expect(plain(await rows.first().textContent())).toContain(credited);
    expect(plain(await rows.first().textContent())).toContain('KES 300.00');
    await context.close();
  });

  it('shows a support account the queue without buttons, and refuses its approve with 403', async () => {
    const id = await suspenseAttempt('NOBODY43', 200);
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    const response = await page.goto(`${staffUrl}/payments`);
    expect(response?.status()).toBe(200);
    expect(plain(await page.locator(`#attempt-${id}`).textContent())).toContain('typed "NOBODY43"');
    await page.getByText('You can see this list; a billing manager approves or dismisses.').waitFor();
    expect(await page.getByRole('button', { name: 'Approve and credit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Dismiss without crediting' }).count()).toBe(0);

    // Even with the session's own CSRF token (from the sign-out form), the table says no.
    const csrf = await page.locator('header input[name=_csrf]').inputValue();
    const refused = await context.request.post(`${staffUrl}/payments/${id}/approve`, { form: { _csrf: csrf, username: 'kamau' }, maxRedirects: 0 });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('Your account (support) may not open this page.');
    expect((await context.request.get(`${staffUrl}/payments/record`)).status()).toBe(403);
    expect(await wallet('kamau')).toBe(30000);
    expect((await review()).some((a) => a.id === id)).toBe(true);
    await context.close();

    // The billing manager closes it without crediting; a reason is required.
    const manager = await newPhone(browser);
    await signIn(manager.page, 'mercy', 'billing-desk-1');
    await manager.page.goto(`${staffUrl}/payments`);
    const dismiss = async (reason: string) => {
      await manager.page.locator(`#reason-${id}`).evaluate((input) => input.removeAttribute('minlength'));
      await manager.page.fill(`#reason-${id}`, reason);
      await manager.page.locator(`#attempt-${id}`).getByRole('button', { name: 'Dismiss without crediting' }).click();
    };
    await dismiss('x');
    await manager.page.getByText('Say why the payment is dismissed (at least 3 characters).').waitFor();
    await dismiss('test payment, refunded by M-Pesa');
    await manager.page.getByText(`Dismissed: payment ${id} is closed without credit.`).waitFor();
    expect((await review()).some((a) => a.id === id)).toBe(false);
    expect(await wallet('kamau')).toBe(30000);
    await manager.context.close();
  });
});

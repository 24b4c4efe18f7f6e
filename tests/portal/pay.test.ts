import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startDaraja, type DarajaEmulator } from '../../scripts/emulators/daraja.js';
import { launchBrowser, newPhone } from '../support/browser.js';
import { connectMpesa } from '../support/mpesa.js';
import { pdfText } from '../support/pdf-tools.js';
import { langoAsync, langoJsonAsync, langoOk } from '../support/peers.js';
import { readRow, signInByCode as signInByCodeAt } from '../support/portal.js';
import { openTestDatabase } from '../support/postgres.js';

// Issue 8's Pay page end to end: the real daemon, the Daraja emulator on loopback (STK push and
// its callback) and a phone-sized Chromium. A customer pays an open invoice by M-Pesa, watches
// the status page turn from waiting to paid by itself, finds the invoice paid in the history
// and downloads the receipt; another customer's invoice, receipt and payment stay out of reach;
// a bad top-up amount is refused before any prompt; with no way to call back, the page says
// how to pay by hand.

const DAY = 86_400_000;
/** For a person to look through: test-artifacts/screens/portal-pay-*.png. */
const screens = path.join(repoRoot(), 'test-artifacts', 'screens');
const shoot = (page: Page, name: string) => page.screenshot({ path: path.join(screens, `portal-pay-${name}.png`), fullPage: true });
let daemon: Daemon;
let daraja: DarajaEmulator;
let browser: Browser;
let portalUrl: string;
/** Alice stays signed in across the tests: sign-in codes may not be re-sent at once. */
let alice: { context: BrowserContext; page: Page };

const ok = (...args: string[]) => langoOk(daemon, ...args);
/** The CLI without blocking the emulator that lives in this process. */
const cli = <T,>(...args: string[]) => langoJsonAsync<T>(daemon, ...args);
const attempts = () => cli<Array<{ id: number; status: string; phone: string }>>('payments', 'list');
/** Intl puts a no-break space between currency and amount; Arabic pages wrap figures in isolates. */
const plain = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/[\u2068\u2069]/g, '');

/** Reads the database directly: outbox readers mask sign-in codes, the table has them. */
const query = <T,>(sql: string, ...params: unknown[]) => readRow<T>(daemon, sql, ...params);

const signInByCode = (page: Page, phone: string) => signInByCodeAt(page, daemon, portalUrl, phone, phone);

const openInvoiceOf = (username: string) =>
  query<{ number: string; gross: number }>("SELECT number, gross_minor AS gross FROM invoices WHERE kind = 'invoice' AND status IN ('issued', 'partially_paid', 'overdue') AND customer_id = (SELECT id FROM customers WHERE username = ?)", username)!;

beforeAll(async () => {
  daraja = await startDaraja({ consumerKey: 'key-portal', consumerSecret: 'secret-portal' });
  daemon = await startDaemon({ env: { LANGO_PAYMENT_CHECK_INTERVAL: '1' } });
  // The callback settles these payments; the reconciler would only ask after 20 s.
  connectMpesa(daemon, daraja, { consumerKey: 'key-portal', consumerSecret: 'secret-portal' }, { queryAfterMs: 20_000, giveUpAfterMs: 120_000 });
  portalUrl = `http://127.0.0.1:${daemon.httpPort}/portal`;
  ok('plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--billing', 'postpaid', '--cycle', 'monthly', '--rate', '10M/10M');
  ok('customer', 'add', '--username', 'alice', '--password', 'pw-alice', '--plan', 'Home 10M', '--name', 'Alice Wanjiru', '--phone', '0708374149');
  ok('customer', 'add', '--username', 'bob', '--password', 'pw-bob', '--plan', 'Home 10M', '--name', 'Bob Otieno', '--phone', '0708374150');
  // A month of service ended at midnight for both: the billing run invoices it (postpaid, in
  // arrears), and the next cycle is a whole month, at the whole price.
  const sqlite = openTestDatabase(daemon.dbPath);
  const midnight = DateTime.now().setZone('Africa/Nairobi').startOf('day').toMillis();
  sqlite.prepare('UPDATE subscriptions SET started_at = ?, period_start = ?, period_end = ?').run(midnight - 31 * DAY, midnight - 31 * DAY, midnight);
  sqlite.close();
  ok('billing', 'run');
  // Bob paid something once, at the counter: a receipt of his that Alice must not reach.
  ok('pay', '--username', 'bob', '--amount', '100', '--method', 'cash', '--reference', 'BOOK-17');
  browser = await launchBrowser();
  alice = await newPhone(browser);
  await signInByCode(alice.page, '+254708374149');
}, 90_000);

afterAll(async () => {
  await alice?.context.close();
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
  await daraja?.close();
});

describe('paying from the customer portal', () => {
  it('pays an open invoice by M-Pesa, shows the wait then the receipt, lists the invoice as paid and hands over the receipt as a PDF', async () => {
    const { page } = alice;
    const invoice = openInvoiceOf('alice');
    daraja.script('254708374149', { delayMs: 4000 });
    await page.goto(`${portalUrl}/pay`);
    const section = page.locator(`[id="invoice-${invoice.number}"]`);
    expect(plain(await section.locator('h2').textContent())).toContain(`Invoice ${invoice.number}: KES 1,500.00`);
    // The phone on the account is filled in, and can be changed.
    expect(await section.locator('input[name=phone]').inputValue()).toBe('+254708374149');
    // Fits the phone: nothing scrolls sideways.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    mkdirSync(screens, { recursive: true });
    await shoot(page, 'form-360');
    await section.getByRole('button', { name: /Pay now/ }).click();

    await page.waitForURL(/\/portal\/pay\/status\/\d+$/);
    expect(plain(await page.locator('#pay-state').textContent())).toBe('Waiting for you to enter your PIN on the phone. This page updates by itself.');
    expect(plain(await page.locator('#pay-for').textContent())).toBe(`Invoice ${invoice.number}`);
    expect(daraja.pushes.at(-1)).toMatchObject({ msisdn: '254708374149', amount: 1500 });

    // The emulated customer enters the PIN; the callback settles; the page reloads by itself.
    await page.getByText('Paid. Thank you!').waitFor({ timeout: 20_000 });
    const receipt = /RCT-\d{4}-\d+/.exec(plain(await page.locator('#pay-receipt').textContent()))![0];
    expect(await page.getAttribute('#pay-receipt-link', 'href')).toBe(`/portal/documents/${receipt}.pdf`);
    await shoot(page, 'paid-360');

    await page.goto(`${portalUrl}/pay/history`);
    const row = page.locator('#invoice-list tbody tr', { hasText: invoice.number });
    expect(await row.locator('td').nth(2).textContent()).toBe('Paid');
    expect(await page.locator('#receipt-list tbody tr', { hasText: receipt }).locator('td').nth(2).textContent()).toBe('M-Pesa');
    expect(await page.getByRole('link', { name: `Download ${receipt} (PDF)`, exact: true }).count()).toBe(1);
    await shoot(page, 'history-360');

    const pdf = await page.request.get(`${portalUrl}/documents/${receipt}.pdf`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    const bytes = await pdf.body();
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfText(bytes)).toContain(receipt);
    const invoicePdf = await page.request.get(`${portalUrl}/documents/${invoice.number}.pdf`);
    expect(invoicePdf.status()).toBe(200);
    expect(pdfText(await invoicePdf.body())).toContain(invoice.number);
  });

  it('answers another customer’s invoice, receipt and payment as not found, and will not pay another customer’s invoice', async () => {
    const { page } = alice;
    const bobInvoice = openInvoiceOf('bob').number;
    const bobReceipt = query<{ number: string }>("SELECT receipt_number AS number FROM payments WHERE customer_id = (SELECT id FROM customers WHERE username = 'bob')")!.number;
    // Bob's own payment request, made at the counter; it stays his.
    daraja.script('254708374150', { delayMs: 60_000 });
    const run = await langoAsync(daemon, 'pay', 'request', '--username', 'bob', '--provider', 'mpesa', '--amount', '200', '--json');
    expect(run.status, run.stderr).toBe(0);
    const bobAttempt = (JSON.parse(run.stdout) as { attempt: { id: number } }).attempt.id;

    for (const path of [`/documents/${bobInvoice}.pdf`, `/documents/${bobReceipt}.pdf`, `/pay/status/${bobAttempt}`, '/documents/INV-2099-000001.pdf', '/pay/status/999999']) {
      const response = await page.goto(`${portalUrl}${path}`);
      expect(response!.status(), path).toBe(404);
      expect(await page.locator('main p').textContent()).toBe('There is nothing at this address.');
      const body = await page.content();
      expect(body).not.toContain('Bob Otieno');
      expect(body).not.toContain('+254708374150');
    }

    // The form names what to pay; swapped for Bob's invoice number, it is refused and nobody is prompted.
    const pushes = daraja.pushes.length;
    const before = (await attempts()).length;
    await page.goto(`${portalUrl}/pay`);
    const topUp = page.locator('#topup');
    await topUp.locator('input[name=what]').evaluate((input, number) => input.setAttribute('value', `invoice:${number}`), bobInvoice);
    await topUp.locator('#amount').fill('100');
    await topUp.getByRole('button', { name: 'Pay now' }).click();
    expect(plain(await page.locator('#pay-error').textContent())).toBe(`There is no open invoice ${bobInvoice} on your account.`);
    expect((await attempts()).length).toBe(before);
    expect(daraja.pushes.length).toBe(pushes);
  });

  it('refuses a wallet top-up of a bad amount in plain words, and asks no phone for money', async () => {
    const { page } = alice;
    const pushes = daraja.pushes.length;
    const before = (await attempts()).length;
    await page.goto(`${portalUrl}/pay`);
    for (const [amount, said] of [
      ['ten', 'Type the amount as a number, for example 500.'],
      ['0', 'The amount must be more than zero.'],
      ['250.50', 'M-Pesa takes whole amounts only. Type a whole number, for example 500.'],
    ] as const) {
      await page.fill('#amount', amount);
      await page.locator('#topup').getByRole('button', { name: 'Pay now' }).click();
      expect(plain(await page.locator('#pay-error').textContent())).toBe(said);
      // What was typed stays in the field, to be corrected.
      expect(await page.inputValue('#amount')).toBe(amount);
    }
    expect((await attempts()).length).toBe(before);
    expect(daraja.pushes.length).toBe(pushes);
  });

  it('tops up the wallet, shows the waiting payment again on a second tap instead of a second prompt, and asks only the rest for the renewal', async () => {
    const { page } = alice;
    daraja.script('254708374149', { delayMs: 3000 });
    const pushes = daraja.pushes.length;
    const payTopUp = async () => {
      await page.goto(`${portalUrl}/pay`);
      await page.fill('#amount', '500');
      await page.locator('#topup').getByRole('button', { name: 'Pay now' }).click();
      await page.waitForURL(/\/portal\/pay\/status\/\d+/);
      return /status\/(\d+)/.exec(page.url())![1];
    };
    const first = await payTopUp();
    expect(plain(await page.locator('#pay-for').textContent())).toBe('Your wallet');
    const second = await payTopUp();
    expect(second).toBe(first);
    await page.getByText('A payment request for this is already waiting on your phone').waitFor();
    expect(daraja.pushes.length).toBe(pushes + 1);
    expect(daraja.pushes.at(-1)).toMatchObject({ msisdn: '254708374149', amount: 500 });

    await page.getByText('Paid. Thank you!').waitFor({ timeout: 20_000 });
    await page.goto(`${portalUrl}/pay`);
    expect(plain(await page.locator('#pay-wallet').textContent())).toBe('KES 500.00');
    // The next month's 1,500.00, invoiced when this month ends, less the 500.00 in the wallet.
    const cycleEnd = DateTime.now().setZone('Africa/Nairobi').startOf('day').plus({ months: 1 }).toFormat('d LLL yyyy');
    expect(plain(await page.locator('#renewal h2').textContent())).toBe(`Next renewal of Home 10M, on ${cycleEnd}: KES 1,500.00`);
    expect(plain(await page.locator('#renewal button').textContent())).toBe('Pay now KES 1,000.00');
  });

  it('says how to pay by hand, in Arabic too, when payment providers cannot call back', async () => {
    const { page } = alice;
    ok('settings', 'set', '--key', 'payments.publicUrl', '--value', 'null');
    ok('settings', 'set', '--key', 'operator.phone', '--value', '0711000000');
    await page.goto(`${portalUrl}/pay`);
    expect(await page.locator('form[action$="/pay"]').count()).toBe(0);
    expect(plain(await page.locator('#pay-paybill').textContent())).toBe('Pay by M-Pesa: Paybill 174379, account number alice.');
    expect(plain(await page.locator('#pay-office').textContent())).toBe('Pay at our office and give your account name: alice.');
    expect(plain(await page.locator('#pay-office-phone').textContent())).toBe('Phone: 0711000000');
    await page.goto(`${portalUrl}/language?to=ar`);
    await page.goto(`${portalUrl}/pay`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('h1').textContent()).toBe('الدفع');
    expect(plain(await page.locator('#pay-office').textContent())).toBe('ادفع في مكتبنا واذكر اسم حسابك: alice.');
    await shoot(page, 'by-hand-ar-360');
    await page.goto(`${portalUrl}/language?to=en`);
  });

  it('slows down a burst of document downloads, each a PDF made afresh', async () => {
    const { page } = alice;
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await page.request.get(`${portalUrl}/documents/INV-2099-00000${i % 10}.pdf`)).status());
    // At most 30 a minute (the first test's two downloads may count too), then refused.
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(30);
    expect(statuses.at(-1)).toBe(429);
  });
});

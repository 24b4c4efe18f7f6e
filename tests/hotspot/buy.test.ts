import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startDaraja, type DarajaEmulator } from '../../scripts/emulators/daraja.js';
import { startMikrotikHotspot, type HotspotEmulator } from '../../scripts/emulators/mikrotik-hotspot.js';
import { verifyChap } from '../../src/radius/auth/chap.js';
import { Attr, findAttribute } from '../../src/radius/packet.js';
import { launchBrowser, newPhone, recordTransfers } from '../support/browser.js';
import { lango, langoJsonAsync, until } from '../support/peers.js';
import { connectMpesa } from '../support/mpesa.js';

// Issue 6 end to end: a phone on a MikroTik hotspot buys a package on Lango's captive portal
// with M-Pesa. The real daemon, the Daraja emulator (STK push and callback), the hotspot
// emulator (real RADIUS) and headless Chromium as the phone: the page pushes the prompt, polls,
// shows the code it bought and logs the device in with it, through the router, by CHAP.

const SECRET = 'hotspot-secret-buy';
const BUDGET = 60 * 1024;

let daemon: Daemon;
let daraja: DarajaEmulator;
let router: HotspotEmulator;
let portal: string;
let browser: Browser;

const ok = (...args: string[]) => {
  const run = lango(daemon, ...args);
  expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
};
/** The CLI without blocking the emulators that live in this process. */
const cli = <T,>(...args: string[]) => langoJsonAsync<T>(daemon, ...args);

interface Sms { template: string | null; to: string; text: string }
interface Attempt { status: string; phone: string; amount: string }
interface Batch { counts: { unused: number; active: number } }
/** Intl puts a no-break space between currency and amount ("KES 20.00"). */
const spaced = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ');
const soldSoFar = async () => (await cli<Batch[]>('voucher', 'batches')).reduce((sum, b) => sum + b.counts.unused + b.counts.active, 0);


async function openRouterLogin(page: Page): Promise<void> {
  await page.goto(`${router.loginUrl}?dst=${encodeURIComponent('http://example.com/news')}`);
  await page.waitForURL((url) => url.href.startsWith(portal));
  // The script shows the section once it is ready to take a payment.
  await page.locator('#buy').waitFor();
}

beforeAll(async () => {
  daraja = await startDaraja({ consumerKey: 'key-buy', consumerSecret: 'secret-buy' });
  daemon = await startDaemon({ env: { LANGO_PAYMENT_CHECK_INTERVAL: '1' } });
  connectMpesa(daemon, daraja, { consumerKey: 'key-buy', consumerSecret: 'secret-buy' }, { queryAfterMs: 1500, giveUpAfterMs: 60_000 });
  ok('settings', 'set', '--key', 'operator.name', '--value', 'Kibera Wi-Fi');
  ok('settings', 'set', '--key', 'operator.colour', '--value', '#1a237e');
  ok('nas', 'add', '--name', 'hotspot', '--ip', '127.0.0.1', '--secret', SECRET, '--require-message-authenticator', 'yes');
  ok('plan', 'add', '--name', '1 Hour', '--price', '20', '--currency', 'KES', '--duration', '1h', '--rate', '2M/4M', '--starts', 'first-login');
  ok('plan', 'add', '--name', '1 Day', '--price', '50', '--currency', 'KES', '--duration', '1d', '--rate', '2M/4M', '--starts', 'first-login');
  // Not for sale on the portal: a monthly home plan, and shillings of a country M-Pesa does not serve.
  ok('plan', 'add', '--name', 'Home 10M', '--price', '2500', '--currency', 'KES', '--months', '1', '--billing', 'postpaid', '--cycle', 'monthly');
  ok('plan', 'add', '--name', 'Juba Day', '--price', '500', '--currency', 'SSP', '--duration', '1d');

  portal = `http://127.0.0.1:${daemon.httpPort}/hotspot`;
  const loginHtml = await (await fetch(`${portal}/router/login.html`)).text();
  router = await startMikrotikHotspot({ portalUrl: 'http://unused.invalid/hotspot', templates: { 'login.html': loginHtml }, radius: { port: daemon.authPort, secret: SECRET } });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await router?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
  await daraja?.close();
});

beforeEach(async () => {
  await fetch(`${router.url}/logout`);
});

describe('buying a package on the captive portal with M-Pesa', () => {
  it('pushes the prompt, shows the code once paid, texts it, and logs the device in with it', async () => {
    const { context, page } = await newPhone(browser);
    const transfers = recordTransfers(page, portal);
    await openRouterLogin(page);
    // Prepaid plans M-Pesa can take, cheapest first, with how long they last.
    expect((await page.locator('#buy summary').allTextContents()).map(spaced)).toEqual(['1 Hour1 hourKES 20.00', '1 Day1 dayKES 50.00']);
    expect(await page.getAttribute('#pay-form label', 'for')).toBe('phone');
    await page.getByText('1 Hour', { exact: true }).click();
    await page.fill('#phone', '0708374149');
    await page.click('#pay-form button');
    await page.getByText(/^Check your phone and enter your M-Pesa PIN to pay KES\s20\.00\.$/).waitFor();
    expect(daraja.pushes.at(-1)).toMatchObject({ msisdn: '254708374149', amount: 20 });

    // The emulated customer enters the PIN; the callback settles; the next poll shows the code.
    const code = page.locator('#pay-code');
    await code.waitFor();
    const sold = (await code.textContent())!;
    expect(sold).toMatch(/^[A-Z0-9]{6,}$/);
    await page.getByText('we also sent it to you by SMS').waitFor();

    // Then, with no tap, the page logs in at the router with that code, as the voucher form does.
    await page.getByText('You are logged in').waitFor();
    expect(page.url().startsWith(router.url)).toBe(true);
    expect(router.logins.at(-1)).toMatchObject({ username: sold, method: 'chap', outcome: 'accept', rateLimit: '2M/4M' });
    const request = router.requests.at(-1)!;
    expect(verifyChap(findAttribute(request, Attr.ChapPassword)!, findAttribute(request, Attr.ChapChallenge)!, Buffer.from(sold))).toBe(true);

    const sms = await until('the credentials SMS', async () => (await cli<Sms[]>('sms', 'list')).find((m) => m.template === 'credentials' && m.to === '+254708374149'));
    expect(sms.text).toContain(sold);
    const [voucher] = await cli<Array<{ code: string; state: string; plan: string }>>('voucher', 'list', '--code', sold);
    expect(voucher).toMatchObject({ code: sold, state: 'active', plan: '1 Hour' });

    // Page weight with the buy section, its script, and the purchase calls.
    const all = await transfers.done();
    const page0 = all.filter((x) => !x.url.includes('/buy'));
    const plain = page0.reduce((sum, x) => sum + x.bodyBytes, 0);
    const wire = page0.reduce((sum, x) => sum + x.wireBytes, 0);
    const calls = all.filter((x) => x.url.includes('/buy'));
    console.info(`portal page with packages: ${plain} bytes plain, ${wire} on the wire; ${calls.length} purchase calls, largest ${Math.max(...calls.map((x) => x.bodyBytes))} bytes`);
    expect(plain).toBeLessThanOrEqual(BUDGET);
    await context.close();
  });

  it('says so in plain words when the customer cancels the prompt, sells nothing, and offers to try again', async () => {
    daraja.script('254708374150', { resultCode: 1032 });
    const before = await soldSoFar();
    const logins = router.logins.length;
    const { context, page } = await newPhone(browser);
    await openRouterLogin(page);
    // Choosing the other package moves the phone field into it.
    await page.getByText('1 Day', { exact: true }).click();
    expect(spaced(await page.textContent('#pay-form button'))).toBe('Pay KES 50.00');
    expect(await page.locator('details', { hasText: '1 Day' }).locator('#phone').count()).toBe(1);
    await page.fill('#phone', '0708 374 150');
    await page.click('#pay-form button');
    await page.getByText('The payment was cancelled on the phone. Nothing was paid.').waitFor();
    expect(daraja.pushes.at(-1)).toMatchObject({ msisdn: '254708374150', amount: 50 });
    const retry = page.getByRole('button', { name: 'Try again' });
    await retry.waitFor();

    const attempts = await cli<Attempt[]>('payments', 'list');
    expect(attempts.find((a) => a.phone === '+254708374150')).toMatchObject({ status: 'cancelled' });
    expect(await soldSoFar()).toBe(before);
    expect((await cli<Sms[]>('sms', 'list')).some((m) => m.to === '+254708374150' && m.template === 'credentials')).toBe(false);
    expect(router.logins.length).toBe(logins);

    // Try again: the packages are back, the number still typed.
    await retry.click();
    await page.locator('#pay-form').waitFor();
    expect(await page.inputValue('#phone')).toBe('0708 374 150');
    await context.close();
  });

  it('refuses a number that is not a phone number in plain words, and prompts nobody', async () => {
    const pushes = daraja.pushes.length;
    const { context, page } = await newPhone(browser, { locale: 'ar-SS' });
    await openRouterLogin(page);
    await page.getByRole('heading', { name: 'اشترِ باقة' }).waitFor();
    await page.getByText('1 Hour', { exact: true }).click();
    await page.fill('#phone', '12345');
    await page.click('#pay-form button');
    await page.getByText('«12345» ليس رقم هاتف. اكتب رقم الهاتف الذي سيدفع.').waitFor();
    await page.getByRole('button', { name: 'حاول مرة أخرى' }).waitFor();
    expect(daraja.pushes.length).toBe(pushes);
    await context.close();
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startDaraja, type DarajaEmulator } from '../../scripts/emulators/daraja.js';
import { startMikrotikHotspot, type HotspotEmulator } from '../../scripts/emulators/mikrotik-hotspot.js';
import { launchBrowser, newPhone } from '../support/browser.js';
import { lango, langoJsonAsync, radclient, until } from '../support/peers.js';
import { connectMpesa } from '../support/mpesa.js';

// Issue 14, "I paid but I'm not online", end to end: a package bought on the captive portal
// whose STK callback Daraja (the emulator) never sends stays pending — the reconciler is told to
// wait ten minutes before its first query. The customer types the receipt code from their SMS
// on the captive page; Lango asks Daraja's Transaction Status, the answer settles the purchase,
// and the page shows the code and logs the phone in with it, through the router. The same
// receipt typed on another device (another MAC, behind a second router) once the code is in use
// is refused with the time the first device started; the phone number typed there sends the
// code again by SMS instead of showing it. Real daemon, real headless Chromium.

const SECRET = 'hotspot-secret-paid';
const PHONE_MAC = 'AA:BB:CC:11:22:33';
const LAPTOP_MAC = 'AA:BB:CC:44:55:66';

let daemon: Daemon;
let daraja: DarajaEmulator;
let phoneRouter: HotspotEmulator;
let laptopRouter: HotspotEmulator;
let portal: string;
let browser: Browser;

const ok = (...args: string[]) => {
  const run = lango(daemon, ...args);
  expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
};
/** The CLI without blocking the emulators that live in this process. */
const cli = <T,>(...args: string[]) => langoJsonAsync<T>(daemon, ...args);

interface Attempt { id: number; status: string; phone: string; receipt: string | null }
interface Sms { template: string | null; to: string; text: string }

async function openRouterLogin(page: Page, router: HotspotEmulator): Promise<void> {
  await page.goto(`${router.loginUrl}?dst=${encodeURIComponent('http://example.com/news')}`);
  await page.waitForURL((url) => url.href.startsWith(portal));
  // The script shows the section once it can post.
  await page.locator('#paid').waitFor();
}

async function typeReceipt(page: Page, receipt: string): Promise<void> {
  await page.getByText("I paid but I'm not online").click();
  await page.fill('#paid-code', receipt);
  await page.getByRole('button', { name: 'Check my payment' }).click();
}

/** The receipt the emulated customer got by SMS: what M-Pesa put in the callback it never sent. */
function receiptOfLastPush(): string {
  const push = daraja.pushes.at(-1)!;
  const items = (push.callback as { Body: { stkCallback: { CallbackMetadata: { Item: Array<{ Name: string; Value?: unknown }> } } } }).Body.stkCallback.CallbackMetadata.Item;
  return String(items.find((item) => item.Name === 'MpesaReceiptNumber')!.Value);
}

beforeAll(async () => {
  daraja = await startDaraja({ consumerKey: 'key-paid', consumerSecret: 'secret-paid', securityCredential: 'initiator-credential-paid' });
  daemon = await startDaemon({ env: { LANGO_PAYMENT_CHECK_INTERVAL: '1' } });
  connectMpesa(daemon, daraja, { consumerKey: 'key-paid', consumerSecret: 'secret-paid' }, { queryAfterMs: 600_000, giveUpAfterMs: 3_600_000, initiatorName: 'testapi', securityCredential: 'initiator-credential-paid' });
  ok('settings', 'set', '--key', 'operator.name', '--value', 'Kibera Wi-Fi');
  ok('settings', 'set', '--key', 'operator.phone', '--value', '0700 555 010');
  ok('nas', 'add', '--name', 'hotspot', '--ip', '127.0.0.1', '--secret', SECRET, '--require-message-authenticator', 'yes');
  ok('plan', 'add', '--name', '1 Hour', '--price', '20', '--currency', 'KES', '--duration', '1h', '--rate', '2M/4M', '--starts', 'first-login');

  portal = `http://127.0.0.1:${daemon.httpPort}/hotspot`;
  const loginHtml = await (await fetch(`${portal}/router/login.html`)).text();
  const router = (mac: string, ip: string) => startMikrotikHotspot({ portalUrl: 'http://unused.invalid/hotspot', templates: { 'login.html': loginHtml }, radius: { port: daemon.authPort, secret: SECRET }, client: { mac, ip } });
  phoneRouter = await router(PHONE_MAC, '10.5.50.2');
  laptopRouter = await router(LAPTOP_MAC, '10.5.50.3');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await phoneRouter?.close();
  await laptopRouter?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
  await daraja?.close();
});

describe('"I paid but I\'m not online" on the captive portal', () => {
  it('completes a purchase whose callback was dropped from its receipt code, and refuses the code on another device once used', async () => {
    // The purchase: M-Pesa takes the money but its callback never comes.
    daraja.script('254708374149', { drop: true, delayMs: 200 });
    const buyer = await newPhone(browser);
    await buyer.page.goto(`${phoneRouter.loginUrl}?dst=${encodeURIComponent('http://example.com/news')}`);
    await buyer.page.waitForURL((url) => url.href.startsWith(portal));
    await buyer.page.locator('#buy').waitFor();
    // The one package on sale is open already.
    await buyer.page.fill('#phone', '0708374149');
    await buyer.page.click('#pay-form button');
    await buyer.page.getByText(/^Check your phone and enter your M-Pesa PIN/).waitFor();
    await buyer.context.close();
    const receipt = receiptOfLastPush();
    await until('M-Pesa to have taken the money', () => (Date.now() > daraja.pushes.at(-1)!.outcomeAt ? true : undefined));
    const [pending] = (await cli<Attempt[]>('payments', 'list')).filter((a) => a.phone === '+254708374149');
    expect(pending).toMatchObject({ status: 'pending', receipt: null });

    // On the phone, a minute later: the receipt from the SMS.
    const phone = await newPhone(browser);
    await openRouterLogin(phone.page, phoneRouter);
    await typeReceipt(phone.page, receipt.toLowerCase());
    const shown = phone.page.locator('#paid-voucher');
    await shown.waitFor({ timeout: 20_000 });
    const code = (await shown.textContent())!;
    expect(code).toMatch(/^[A-Z0-9]{6,}$/);
    expect(daraja.statusQueries.map((q) => q.receipt)).toEqual([receipt]);
    await phone.page.getByText('You are logged in').waitFor({ timeout: 20_000 });
    expect(phoneRouter.logins.at(-1)).toMatchObject({ username: code, method: 'chap', outcome: 'accept', rateLimit: '2M/4M' });
    const [settled] = (await cli<Attempt[]>('payments', 'list')).filter((a) => a.id === pending!.id);
    expect(settled).toMatchObject({ status: 'succeeded', receipt });
    await phone.context.close();

    // The router reports the phone's session, as MikroTik does after a login.
    const started = Date.now();
    const acct = radclient(`Acct-Status-Type = Start\nAcct-Session-Id = "paid-1"\nUser-Name = "${code}"\nCalling-Station-Id = "${PHONE_MAC}"\nFramed-IP-Address = 10.5.50.2\n`, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
    expect(acct.status, acct.stderr).toBe(0);

    // The same receipt on a laptop behind the other router: refused, with when the phone started.
    const laptop = await newPhone(browser);
    await openRouterLogin(laptop.page, laptopRouter);
    await typeReceipt(laptop.page, receipt);
    const refusal = laptop.page.getByText(/^This code was already used on another device at \d{2}:\d{2}\./);
    await refusal.waitFor({ timeout: 20_000 });
    const [hours, minutes] = /at (\d{2}):(\d{2})/.exec((await refusal.textContent())!)!.slice(1).map(Number) as [number, number];
    // Nairobi is UTC+3 all year; the daemon runs in its default zone.
    const nairobi = new Date(started + 3 * 3_600_000);
    const apart = Math.abs(hours * 60 + minutes - (nairobi.getUTCHours() * 60 + nairobi.getUTCMinutes()));
    expect(Math.min(apart, 24 * 60 - apart)).toBeLessThanOrEqual(1);
    expect(await laptop.page.locator('#paid-voucher').isHidden()).toBe(true);
    expect(laptopRouter.logins).toEqual([]);
    // Answered from what Lango holds: Daraja was not asked again.
    expect(daraja.statusQueries).toHaveLength(1);

    // The phone number instead: anyone can type it, so the answer says nothing about that phone's
    // payments and never shows the code; the code goes again by SMS to that phone.
    await laptop.page.fill('#paid-code', '0708 374 149');
    await laptop.page.getByRole('button', { name: 'Check my payment' }).click();
    await laptop.page.getByText(/^We checked the payments from this number\. If one bought a Wi-Fi package in the last day, its code has gone to that phone again by SMS/).waitFor({ timeout: 20_000 });
    expect(await laptop.page.locator('#paid-voucher').isHidden()).toBe(true);
    const credentials = await until('the credentials SMS sent again', async () => {
      const sent = (await cli<Sms[]>('sms', 'list')).filter((m) => m.template === 'credentials' && m.to === '+254708374149');
      return sent.length === 2 ? sent : undefined;
    });
    expect(credentials.every((m) => m.text.includes(code))).toBe(true);
    await laptop.context.close();
  });

  it('says in Arabic that a code M-Pesa does not know cannot be found', async () => {
    const { context, page } = await newPhone(browser, { locale: 'ar-SS' });
    await openRouterLogin(page, laptopRouter);
    await page.getByText('دفعتُ لكنني غير متصل').click();
    await page.fill('#paid-code', 'TZZ0000000');
    await page.getByRole('button', { name: 'تحقّق من دفعتي' }).click();
    await page.getByText('لا نجد هذا الرمز. تحقّق منه في رسالة M-Pesa واكتبه مرة أخرى.').waitFor({ timeout: 20_000 });
    expect(daraja.statusQueries.at(-1)).toMatchObject({ receipt: 'TZZ0000000', resultCode: 1 });
    await context.close();
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startDaraja, type DarajaEmulator } from '../../scripts/emulators/daraja.js';
import { launchBrowser, newPhone } from '../support/browser.js';
import { connectMpesa } from '../support/mpesa.js';
import { langoAsync, langoJsonAsync, langoOk, until } from '../support/peers.js';
import { signInByCode } from '../support/portal.js';

// Issue 14 on the customer portal, "I paid but my account does not show it": a wallet top-up
// whose STK callback Daraja never sends stays pending (the reconciler waits ten minutes); the
// signed-in customer types the receipt from their SMS, Lango asks Transaction Status, the
// answer credits the top-up, and the page says it is on their account. A paybill payment
// another customer's account received is named by the account the payer typed, nothing more.

let daemon: Daemon;
let daraja: DarajaEmulator;
let browser: Browser;
let portalUrl: string;
let alice: { context: BrowserContext; page: Page };

const ok = (...args: string[]) => langoOk(daemon, ...args);
/** The CLI without blocking the emulator that lives in this process. */
const cli = <T,>(...args: string[]) => langoJsonAsync<T>(daemon, ...args);
/** Intl puts a no-break space between currency and amount; Arabic pages wrap figures in isolates. */
const plain = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/[\u2068\u2069]/g, '');

async function typeReceipt(page: Page, receipt: string): Promise<string> {
  await page.goto(`${portalUrl}/pay`);
  await page.click('#paid-link');
  await page.fill('#paid-code', receipt);
  await page.getByRole('button', { name: 'Check my payment' }).click();
  // While M-Pesa is asked the page reloads itself every few seconds.
  const state = page.locator('#paid-state');
  return until('the answer about the payment', async () => {
    const said = plain(await state.textContent().catch(() => null));
    return said && !said.startsWith('We are asking') ? said : undefined;
  }, 25_000, 300);
}

beforeAll(async () => {
  daraja = await startDaraja({ consumerKey: 'key-portal-paid', consumerSecret: 'secret-portal-paid', securityCredential: 'initiator-credential-portal' });
  daemon = await startDaemon({ env: { LANGO_PAYMENT_CHECK_INTERVAL: '1' } });
  connectMpesa(daemon, daraja, { consumerKey: 'key-portal-paid', consumerSecret: 'secret-portal-paid' }, { queryAfterMs: 600_000, giveUpAfterMs: 3_600_000, initiatorName: 'testapi', securityCredential: 'initiator-credential-portal' });
  portalUrl = `http://127.0.0.1:${daemon.httpPort}/portal`;
  ok('settings', 'set', '--key', 'operator.phone', '--value', '0700 555 020');
  ok('plan', 'add', '--name', 'Month', '--price', '1000', '--currency', 'KES', '--duration', '30d', '--rate', '10M/10M');
  ok('customer', 'add', '--username', 'alice', '--password', 'pw-alice-paid', '--plan', 'Month', '--phone', '0708374149');
  ok('customer', 'add', '--username', 'bob', '--password', 'pw-bob-paid', '--plan', 'Month', '--phone', '0708374150');
  const registered = await langoAsync(daemon, 'provider', 'register-c2b');
  expect(registered.status, registered.stderr).toBe(0);
  browser = await launchBrowser();
  alice = await newPhone(browser);
  await signInByCode(alice.page, daemon, portalUrl, '+254708374149', '+254708374149');
}, 90_000);

afterAll(async () => {
  await alice?.context.close();
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
  await daraja?.close();
});

describe('"I paid but my account does not show it" on the customer portal', () => {
  it('credits a top-up whose callback was dropped from its receipt code, and says it is on the account', async () => {
    daraja.script('254708374149', { drop: true, delayMs: 200 });
    const asked = await langoAsync(daemon, 'pay', 'request', '--username', 'alice', '--provider', 'mpesa', '--amount', '200');
    expect(asked.status, asked.stderr).toBe(0);
    const push = await until('the STK push', () => daraja.pushes.find((p) => p.msisdn === '254708374149'));
    const items = (push.callback as { Body: { stkCallback: { CallbackMetadata: { Item: Array<{ Name: string; Value?: unknown }> } } } }).Body.stkCallback.CallbackMetadata.Item;
    const receipt = String(items.find((item) => item.Name === 'MpesaReceiptNumber')!.Value);
    await until('M-Pesa to have taken the money', () => (Date.now() > push.outcomeAt ? true : undefined));
    expect((await cli<Array<{ phone: string; status: string }>>('payments', 'list')).find((a) => a.phone === '+254708374149')).toMatchObject({ status: 'pending' });

    const said = await typeReceipt(alice.page, receipt);
    expect(said).toMatch(/^This payment is on your account already: KES 200\.00, received \d{2}:\d{2}\.$/);
    expect((await cli<Array<{ phone: string; status: string; receipt: string }>>('payments', 'list')).find((a) => a.phone === '+254708374149')).toMatchObject({ status: 'succeeded', receipt });
    expect(daraja.statusQueries.map((q) => q.receipt)).toEqual([receipt]);
  });

  it('names only the account a paybill payer typed when the money went to someone else', async () => {
    const paid = await daraja.simulateC2B({ amount: 50, billRef: 'bob', msisdn: '254708374151' });
    expect(paid.confirmed).toBe(true);
    const said = await typeReceipt(alice.page, paid.transId);
    expect(said).toBe('This payment went to account BOB, not yours. Call 0700 555 020 to have it moved.');
    // Known to Lango already: M-Pesa was not asked.
    expect(daraja.statusQueries.map((q) => q.receipt)).not.toContain(paid.transId);
  });
});

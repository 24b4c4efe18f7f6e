import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startDaraja, type DarajaEmulator } from '../../scripts/emulators/daraja.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJsonAsync, radclient, until } from '../support/peers.js';
import { connectMpesa } from '../support/mpesa.js';

// Issue 6's WiFi token giveaway and issue 7's staff sign-in, end to end: an agent signs in on a
// phone-sized Chromium at /staff and issues tokens from one form, for cash (sold at once, the
// price in the agent's float) and with M-Pesa against the Daraja emulator (sold only once the
// payment succeeds). The SMS's code logs in over real RADIUS with radclient.

const SECRET = 'agent-tokens-secret';
const SSID = 'Kibera-WiFi';

let daemon: Daemon;
let daraja: DarajaEmulator;
let browser: Browser;
let staffUrl: string;
let hourPlan: string;

/** The CLI without blocking the emulators that live in this process. */
const cli = <T,>(...args: string[]) => langoJsonAsync<T>(daemon, ...args);

interface Sms { template: string | null; to: string; text: string }
interface Batch { batch: { seller: string | null }; counts: { unused: number; active: number } }
/** Intl puts a no-break space between currency and amount ("KES 20.00"). */
const plain = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
const credentialsTo = async (phone: string) => (await cli<Sms[]>('sms', 'list')).filter((m) => m.template === 'credentials' && m.to === phone);
const vouchersSold = async () => (await cli<Batch[]>('voucher', 'batches')).reduce((sum, b) => sum + b.counts.unused + b.counts.active, 0);


const signIn = (page: Page, username: string, password: string) => staffSignIn(page, staffUrl, username, password, { waitForHome: false });

/** The token form: payment method by its label, the recipient's number, the package. */
async function issueToken(page: Page, payment: 'Cash in hand' | 'M-Pesa', phone: string): Promise<void> {
  await page.goto(`${staffUrl}/tokens`);
  await page.getByLabel(payment, { exact: true }).check();
  await page.fill('#phone', phone);
  await page.selectOption('#plan', hourPlan);
  await page.getByRole('button', { name: 'Issue token' }).click();
}

beforeAll(async () => {
  daraja = await startDaraja({ consumerKey: 'key-agent', consumerSecret: 'secret-agent' });
  daemon = await startDaemon({ env: { LANGO_PAYMENT_CHECK_INTERVAL: '1' } });
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['settings', 'set', '--key', 'operator.name', '--value', 'Kibera Net'],
    ['settings', 'set', '--key', 'hotspot.ssid', '--value', SSID],
    ['nas', 'add', '--name', 'hotspot', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', '1 Hour', '--price', '20', '--currency', 'KES', '--duration', '1h', '--rate', '2M/4M', '--starts', 'first-login'],
    ['plan', 'add', '--name', '1 Day', '--price', '50', '--currency', 'KES', '--duration', '1d', '--rate', '2M/4M', '--starts', 'first-login'],
    ['staff', 'add', '--username', 'amina', '--role', 'agent', '--password', 'kibera-shop-7'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
    ['staff', 'add', '--username', 'wanjiru', '--role', 'agent', '--password', 'market-stall-3'],
  ];
  for (const args of setup) await cli(...args);
  connectMpesa(daemon, daraja, { consumerKey: 'key-agent', consumerSecret: 'secret-agent' }, { queryAfterMs: 1500, giveUpAfterMs: 60_000 });
  hourPlan = String((await cli<Array<{ id: number; name: string }>>('plan', 'list')).find((p) => p.name === '1 Hour')!.id);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
  await daraja?.close();
});

describe('an agent gives away WiFi tokens from a phone', () => {
  it('issues a cash token whose SMS carries working credentials, and shows the sale and the float', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'amina', 'kibera-shop-7');
    // An agent's start page is the token form.
    await page.waitForURL(`${staffUrl}/tokens`);
    // Fits the phone: nothing wider than its 360 px screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);

    await issueToken(page, 'Cash in hand', '0711000009');
    const shown = (await page.locator('#token-code').textContent())!;
    expect(shown).toMatch(/^[A-Z0-9]{8}$/);
    expect(plain(await page.locator('[role=status]').textContent())).toContain('It is sent by SMS to +254711000009');

    const [sms] = await until('the credentials SMS', async () => {
      const found = await credentialsTo('+254711000009');
      return found.length > 0 ? found : undefined;
    });
    expect(sms!.text).toContain(SSID);
    const code = /log in with code (\w+)/.exec(sms!.text)?.[1];
    expect(code).toBe(shown);
    const login = radclient(`User-Name = "${code}"\nUser-Password = "${code}"\nCalling-Station-Id = "02:AA:00:00:00:09"\nMessage-Authenticator = 0x00\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
    expect(login.stdout).toContain('Received Access-Accept');

    await page.getByRole('link', { name: 'My sales and float' }).click();
    expect(plain(await page.locator('#float').textContent())).toBe('Cash to hand over: KES 20.00');
    const row = page.locator('#sales tbody tr').first();
    expect(plain(await row.textContent())).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d${code}1 HourKES 20.00Cash in hand$`));
    // The voucher counts as the agent's sale.
    expect((await cli<Batch[]>('voucher', 'batches')).some((b) => b.batch.seller === 'agent:amina')).toBe(true);
    await context.close();
  });

  it('issues an M-Pesa token only once the payment succeeds, and nothing when it is cancelled', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'wanjiru', 'market-stall-3');
    await page.waitForURL(`${staffUrl}/tokens`);

    // The recipient takes eight seconds to enter the PIN: meanwhile nothing is sold (long enough
    // for the checks below on a loaded machine).
    daraja.script('254708374149', { delayMs: 8000 });
    const before = await vouchersSold();
    await issueToken(page, 'M-Pesa', '0708374149');
    await page.getByText(/^Waiting for \+254708374149 to pay KES\s20\.00 with M-Pesa\./).waitFor();
    expect(daraja.pushes.at(-1)).toMatchObject({ msisdn: '254708374149', amount: 20 });
    expect(await vouchersSold()).toBe(before);
    expect(await credentialsTo('+254708374149')).toEqual([]);

    // The page refreshes by itself and shows the code once the callback has settled the payment.
    const code = (await page.locator('#token-code').textContent({ timeout: 30_000 }))!;
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    const [sms] = await until('the M-Pesa token SMS', async () => {
      const found = await credentialsTo('+254708374149');
      return found.length > 0 ? found : undefined;
    });
    expect(sms!.text).toContain(code);
    const login = radclient(`User-Name = "${code}"\nUser-Password = "${code}"\nCalling-Station-Id = "02:AA:00:00:00:49"\nMessage-Authenticator = 0x00\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
    expect(login.stdout).toContain('Received Access-Accept');

    daraja.script('254708374150', { resultCode: 1032 });
    const sold = await vouchersSold();
    await issueToken(page, 'M-Pesa', '0708374150');
    await page.getByText('The payment was cancelled on the phone. No token was issued.').waitFor({ timeout: 15_000 });
    expect(await vouchersSold()).toBe(sold);
    expect(await credentialsTo('+254708374150')).toEqual([]);

    // Mobile money is not cash the agent holds: no float.
    await page.goto(`${staffUrl}/tokens/sales`);
    expect(plain(await page.locator('#float').textContent())).toBe('No cash to hand over.');
    const rows = (await page.locator('#sales tbody tr').allTextContents()).map(plain);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('not issued');
    expect(rows[1]).toContain(`${code}1 HourKES 20.00M-Pesa`);
    await context.close();
  }, 60_000);
});

describe('staff access', () => {
  it('answers a support account 403 on the token page', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    await page.waitForURL(`${staffUrl}/dashboard`);
    expect(await page.getByRole('link', { name: 'Sell WiFi tokens' }).count()).toBe(0);
    const response = await page.goto(`${staffUrl}/tokens`);
    expect(response?.status()).toBe(403);
    await page.getByText('Your account (support) may not open this page.').waitFor();
    await context.close();
  });

  it('refuses a token form posted without its CSRF token, and sells nothing', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'amina', 'kibera-shop-7');
    await page.waitForURL(`${staffUrl}/tokens`);
    const sold = await vouchersSold();
    // The browser's own cookies, a form without _csrf: what a forged cross-site post would carry at best.
    const response = await context.request.post(`${staffUrl}/tokens`, { form: { key: '0f8b1c9e-3f0a-4e43-9d55-7c1f0e2a9b10', payment: 'cash', phone: '0711000010', planId: hourPlan }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('This form has expired or did not come from this site.');
    expect(await vouchersSold()).toBe(sold);
    await context.close();
  });

  it('locks an account after 5 wrong passwords and says until when', async () => {
    await cli('staff', 'add', '--username', 'guessed', '--role', 'agent', '--password', 'right-password-1');
    const { context, page } = await newPhone(browser);
    for (let i = 1; i <= 4; i++) {
      await signIn(page, 'guessed', `wrong-password-${i}`);
      await page.getByText('Wrong username or password.').waitFor();
    }
    await signIn(page, 'guessed', 'wrong-password-5');
    await page.getByText(/^This account is locked after 5 wrong passwords, until \d\d:\d\d\. Try again then, or ask an administrator to unlock it\.$/).waitFor();
    // Even the right password waits for the lock.
    await signIn(page, 'guessed', 'right-password-1');
    await page.getByText(/^This account is locked after 5 wrong passwords/).waitFor();
    expect(page.url()).toBe(`${staffUrl}/sign-in`);
    await context.close();
  });

  it('makes the first admin change the one-time password from the first start before anything else', async () => {
    const password = readFileSync(path.join(daemon.dir, 'first-admin-password.txt'), 'utf8').trim();
    const { context, page } = await newPhone(browser);
    await signIn(page, 'admin', password);
    await page.waitForURL(`${staffUrl}/password`);
    await page.getByText('Choose a new password before you continue.').waitFor();
    await page.goto(`${staffUrl}/tokens`);
    await page.waitForURL(`${staffUrl}/password`);
    await page.fill('#current', password);
    await page.fill('#next', 'a-new-admin-password');
    await page.fill('#repeat', 'a-new-admin-password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(`${staffUrl}/dashboard`);
    await page.getByRole('link', { name: 'Sell WiFi tokens' }).waitFor();
    expect((await cli<Array<{ username: string; mustChangePassword: boolean }>>('staff', 'list')).find((s) => s.username === 'admin')?.mustChangePassword).toBe(false);
    await context.close();
  });
});

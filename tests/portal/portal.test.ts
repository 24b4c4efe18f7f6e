import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone } from '../support/browser.js';
import { lango, radclient, until } from '../support/peers.js';
import { codeSentTo as codeSentToPhone, lastMessageId as lastMessageIdOf, readRow } from '../support/portal.js';

// Issue 8's customer self-service portal, end to end against the real daemon in a phone-sized
// Chromium: a customer signs in by an SMS code, sets a password, signs in again with the phone
// number as people type it (07…) and sees their plan, days left, money and their own sessions —
// never another customer's. Arabic pages run right to left; five wrong passwords lock sign-in.

const SECRET = 'portal-secret';
const ALICE_MAC = 'AA:BB:CC:00:00:07';
const BOB_MAC = 'AA:BB:CC:00:00:08';

let daemon: Daemon;
let browser: Browser;
let portalUrl: string;
/** For a person to look through: test-artifacts/screens/portal-*.png. */
const screens = path.join(repoRoot(), 'test-artifacts', 'screens');

/** An element's text without the Unicode isolates that keep figures in order on Arabic pages. */
const plain = async (page: Page, selector: string) => (await page.locator(selector).textContent())!.replace(/[\u2068\u2069]/g, '');

function cli(...args: string[]): void {
  const run = lango(daemon, ...args, '--json');
  expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
}

/** Reads the database directly: outbox readers mask sign-in codes, the table has them. */
const query = <T,>(sql: string, ...params: unknown[]) => readRow<T>(daemon, sql, ...params);

const lastMessageId = () => lastMessageIdOf(daemon);
const codeSentTo = (phone: string, after: number) => codeSentToPhone(daemon, phone, after);

async function signInByCode(page: Page, identifier: string, phone: string): Promise<void> {
  const before = lastMessageId();
  await page.goto(`${portalUrl}/sign-in`);
  await page.fill('#code-identifier', identifier);
  await page.getByRole('button', { name: 'Send me a code by SMS' }).click();
  await page.waitForURL(`${portalUrl}/sign-in/code`);
  await page.getByText('If this number has an account, a code was sent').waitFor();
  await page.getByLabel('Code from the SMS (6 digits)').fill(await codeSentTo(phone, before));
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signInByPassword(page: Page, identifier: string, password: string): Promise<void> {
  await page.goto(`${portalUrl}/sign-in`);
  await page.fill('#identifier', identifier);
  await page.fill('#password', password);
  await page.locator('form[action$="/sign-in"] button').click();
}

beforeAll(async () => {
  daemon = await startDaemon();
  portalUrl = `http://127.0.0.1:${daemon.httpPort}/portal`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M', '--data', '50GB', '--fup', '1GB:1M/2M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-net', '--plan', 'Home 10M', '--name', 'Alice Wanjiru', '--phone', '+254 712 345 678'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-net', '--plan', 'Home 10M', '--name', 'Bob Otieno', '--phone', '0722000111'],
    ['customer', 'add', '--username', 'amira', '--password', 'amira-net', '--plan', 'Home 10M', '--name', 'Amira Deng', '--phone', '0733000222', '--language', 'ar'],
  ];
  for (const args of setup) cli(...args);
  for (const [user, id, mac, ip] of [['alice', 'p-0001', ALICE_MAC, '10.5.50.7'], ['bob', 'p-0002', BOB_MAC, '10.5.50.8']] as const) {
    const start = radclient(`Acct-Status-Type = Start\nAcct-Session-Id = "${id}"\nUser-Name = "${user}"\nFramed-IP-Address = ${ip}\nCalling-Station-Id = "${mac}"\n`, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
    expect(start.status, start.stdout + start.stderr).toBe(0);
  }
  await until('both sessions recorded', () => ((query<{ n: number }>('SELECT count(*) AS n FROM sessions')?.n ?? 0) >= 2 ? true : undefined));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the customer portal', () => {
  it('signs a customer in by SMS code, sets a password, and signs in again with the local phone number', async () => {
    const { context, page } = await newPhone(browser);
    await signInByCode(page, '0712 345 678', '+254712345678');
    // No portal password yet: straight to setting one.
    await page.waitForURL(`${portalUrl}/password`);
    await page.getByLabel('New password', { exact: true }).fill('sunny-day-42');
    await page.getByLabel('New password again').fill('sunny-day-42');
    await page.getByRole('button', { name: 'Save the password' }).click();
    await page.getByText('Your password is saved.').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${portalUrl}/sign-in`);

    await signInByPassword(page, '0712345678', 'sunny-day-42');
    await page.waitForURL(`${portalUrl}/`);
    expect(await page.locator('h1').textContent()).toBe('Hello, Alice Wanjiru');
    expect(await page.locator('#plan').textContent()).toBe('Home 10M');
    expect(await page.locator('#status').textContent()).toBe('Active');
    expect(await page.locator('#days-left').textContent()).toBe('30 days');
    expect(await page.locator('#speed').textContent()).toBe('5M/10M');
    expect(await page.locator('#owed').textContent()).toContain('KES');
    expect(await page.locator('#wallet').textContent()).toContain('KES');
    expect(await page.locator('#data-meter').getAttribute('max')).toBe(String(50e9));
    expect(await plain(page, '#data')).toBe('0 B used of 50.0 GB; 50.0 GB left');
    // The session of the accounting Start, with the device's MAC; Bob's is not here.
    const sessions = page.locator('#sessions tbody tr');
    expect(await sessions.count()).toBe(1);
    expect(await sessions.first().textContent()).toContain(ALICE_MAC);
    expect(await page.content()).not.toContain(BOB_MAC);
    // Page width fits the phone: nothing scrolls sideways but the sessions table.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);

    // Traffic arrives: the bar fills, the FUP tier's speed shows, the session counts its bytes.
    const interim = radclient(
      `Acct-Status-Type = Interim-Update\nAcct-Session-Id = "p-0001"\nUser-Name = "alice"\nFramed-IP-Address = 10.5.50.7\nCalling-Station-Id = "${ALICE_MAC}"\nAcct-Session-Time = 600\nAcct-Input-Octets = 600000000\nAcct-Output-Octets = 1500000000\n`,
      `127.0.0.1:${daemon.acctPort}`,
      'acct',
      SECRET,
    );
    expect(interim.status, interim.stdout + interim.stderr).toBe(0);
    await page.reload();
    expect(await plain(page, '#data')).toBe('2.1 GB used of 50.0 GB; 47.9 GB left');
    expect(await page.locator('#data-meter').getAttribute('value')).toBe('2100000000');
    expect(await page.locator('#speed').textContent()).toBe('1M/2M');
    mkdirSync(screens, { recursive: true });
    await page.screenshot({ path: path.join(screens, 'portal-home-360.png'), fullPage: true });
    // Device, started, ended (still online), duration, down, up.
    const cells = await sessions.first().locator('td').allTextContents();
    expect(cells[0]).toBe(ALICE_MAC);
    expect(cells[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(cells[2]).toBe('online now');
    expect(cells[4]).toBe('1.5 GB');
    expect(cells[5]).toBe('600.0 MB');
    // The same traffic in today's bar of the 30-day chart, and in its table.
    expect(await page.locator('#usage-chart rect').count()).toBe(2);
    expect(await page.locator('#usage-table tbody tr').first().locator('td').allTextContents()).toEqual(['1.5 GB', '600.0 MB']);
    await context.close();
  });

  it('never shows one customer another customer’s data', async () => {
    const { context, page } = await newPhone(browser);
    await signInByPassword(page, 'alice', 'sunny-day-42');
    await page.waitForURL(`${portalUrl}/`);
    const bobSession = query<{ id: number }>("SELECT id FROM sessions WHERE username = 'bob'")!;
    const bobId = query<{ id: number }>("SELECT id FROM customers WHERE username = 'bob'")!;
    for (const path of [`/sessions/${bobSession.id}`, `/customers/${bobId.id}`, `/invoices/1`, `/?customer=${bobId.id}`, `/?username=bob`]) {
      const response = await page.goto(`${portalUrl}${path}`);
      const body = await page.content();
      if (path.startsWith('/?')) {
        // The home page ignores what the address asks for: still Alice's own.
        expect(response!.status()).toBe(200);
        expect(body).toContain(ALICE_MAC);
      } else expect(response!.status(), path).toBe(404);
      expect(body).not.toContain(BOB_MAC);
      expect(body).not.toContain('Bob Otieno');
    }
    // Signed out, the home page is not shown at all.
    const anonymous = await newPhone(browser);
    await anonymous.page.goto(`${portalUrl}/`);
    await anonymous.page.waitForURL(`${portalUrl}/sign-in`);
    await anonymous.context.close();
    await context.close();
  });

  it('speaks the customer’s own language once signed in, the SMS too', async () => {
    const { context, page } = await newPhone(browser);
    const before = lastMessageId();
    await signInByCode(page, '0733 000 222', '+254733000222');
    await page.waitForURL(`${portalUrl}/password`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('h1').textContent()).toBe('اختر كلمة المرور');
    const sms = query<{ body: string; language: string }>('SELECT body, language FROM messages WHERE id > ? ORDER BY id LIMIT 1', before)!;
    expect(sms.language).toBe('ar');
    expect(sms.body).toContain('رمز الدخول');
    // The browser (en-GB) had chosen nothing: it now keeps the account's language, for the sign-in page too.
    expect((await context.cookies()).find((c) => c.name === 'lango_portal_lang')?.value).toBe('ar');
    await page.goto(`${portalUrl}/`);
    expect(await page.locator('#status').textContent()).toBe('فعّال');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    mkdirSync(screens, { recursive: true });
    await page.screenshot({ path: path.join(screens, 'portal-home-ar-360.png'), fullPage: true });
    // The language link wins over the account's language.
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${portalUrl}/`);
    expect(await page.locator('html').getAttribute('dir')).toBe('ltr');
    expect(await page.locator('#status').textContent()).toBe('Active');
    // Chosen while signed in, so kept on the account: her SMS are in English from now on.
    expect(query<{ language: string }>("SELECT language FROM customers WHERE username = 'amira'")!.language).toBe('en');
    await context.close();
  });

  it('runs right to left in Arabic, and answers an unknown number the same as a known one', async () => {
    const { context, page } = await newPhone(browser, { locale: 'ar' });
    await page.goto(`${portalUrl}/sign-in`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    mkdirSync(screens, { recursive: true });
    await page.screenshot({ path: path.join(screens, 'portal-sign-in-ar-360.png'), fullPage: true });
    expect(await page.locator('html').getAttribute('lang')).toBe('ar');
    await page.fill('#code-identifier', '0799 999 999');
    await page.locator('form[action$="/code/send"] button').click();
    await page.waitForURL(`${portalUrl}/sign-in/code`);
    await page.getByText('إذا كان لهذا الرقم حساب').waitFor();
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    await context.close();
  });

  it('locks sign-in after five wrong passwords, with a clear message', async () => {
    const { context, page } = await newPhone(browser);
    for (let i = 1; i < 5; i++) {
      await signInByPassword(page, '0722 000 111', `wrong-${i}-guess`);
      await page.getByText('Wrong phone number, username or password.').waitFor();
    }
    await signInByPassword(page, '0722 000 111', 'wrong-5-guess');
    await page.getByText(/Too many wrong tries \(5\)\. Sign-in is locked until \d\d:\d\d/).waitFor();
    await context.close();
  });
});

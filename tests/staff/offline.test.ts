import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJsonAsync } from '../support/peers.js';

// Issue 8's field conditions at a remote counter: the link drops while a billing manager records
// a cash payment. The page keeps the form on the device ("saved on this device"), nothing is
// recorded yet; when the link returns the form is sent with the idempotency key it got when it
// was submitted, and even though the server had already received it once (its answer lost on
// the way back), exactly one payment is recorded and the page reports it.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T,>(...args: string[]) => langoJsonAsync<T>(daemon, ...args);
const wallet = async (username: string) => (await cli<{ balance: { walletMinor: number } }>('customer', 'balance', '--username', username)).balance.walletMinor;
/** Reads the database directly: what the page says is checked against what was written. */
function count(sql: string, ...params: unknown[]): number {
  const db = new Database(daemon.env.LANGO_DB!, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } finally {
    db.close();
  }
}
const plain = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();

interface QueuedForm {
  key: string;
  action: string;
  body: string;
}

/** The forms the page keeps on the device (its IndexedDB queue), as the page script stored them. */
const queue = (page: Page) =>
  page.evaluate<QueuedForm[]>(`new Promise((resolve, reject) => {
    const open = indexedDB.open('lango-offline', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const all = open.result.transaction('forms').objectStore('forms').getAll();
      all.onsuccess = () => { open.result.close(); resolve(all.result); };
      all.onerror = () => reject(all.error);
    };
  })`);

/** Waits until the area's service worker controls the page (it claims open pages when it starts). */
async function workerInCharge(page: Page): Promise<void> {
  await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
  await page.waitForFunction('navigator.serviceWorker.controller !== null');
}

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['plan', 'add', '--name', 'Week', '--price', '500', '--currency', 'KES', '--duration', '7d', '--rate', '5M/5M'],
    ['customer', 'add', '--username', 'wanjiru', '--password', 'pw', '--plan', 'Week', '--phone', '0708374149'],
    ['staff', 'add', '--username', 'mercy', '--role', 'billing_manager', '--password', 'billing-desk-1'],
  ];
  for (const args of setup) await cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('a cash payment recorded while the link is down', () => {
  let context: BrowserContext;

  afterAll(async () => context?.close());

  it('is kept on the device, then recorded exactly once when the link returns, even if it reached the server before', async () => {
    const phone = await newPhone(browser, { serviceWorkers: 'allow' });
    context = phone.context;
    const page = phone.page;
    await staffSignIn(page, staffUrl, 'mercy', 'billing-desk-1');
    await workerInCharge(page);
    await page.goto(`${staffUrl}/payments/record`);

    await context.setOffline(true);
    await page.fill('#username', 'wanjiru');
    await page.fill('#amount', '1500');
    await page.getByLabel('Cash payment', { exact: true }).check();
    await page.fill('#reference', 'RB-0077');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await page.locator('#offline').getByText('Saved on this device; it will be sent when the link returns.').waitFor();
    // The form is cleared for the next customer; nothing has reached the server.
    expect(await page.inputValue('#reference')).toBe('');
    expect(await wallet('wanjiru')).toBe(0);
    const [form] = await queue(page);
    expect(form?.body).toContain('reference=RB-0077');
    expect(form?.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new URLSearchParams(form!.body).get('_key')).toBe(form!.key);

    // A first send reached the server but its answer was lost on the way back: the payment is
    // recorded, and the device still holds the form.
    const lost = await context.request.post(form!.action, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: form!.body });
    expect(lost.status()).toBe(200);
    expect(await wallet('wanjiru')).toBe(150000);
    expect(await queue(page)).toHaveLength(1);

    // The link returns: the page sends the form again, with the same key, and reports the receipt.
    await context.setOffline(false);
    const sent = page.locator('#offline').getByText(/^“Record cash or bank money”, saved at \d\d:\d\d, was sent\.$/);
    await sent.waitFor();
    const report = plain(await page.locator('#offline').textContent());
    expect(report).toMatch(/Receipt RCT-\d{4}-\d{6}: KES 1,500\.00 by Cash payment \(RB-0077\) for wanjiru\./);
    expect(await queue(page)).toHaveLength(0);
    expect(await wallet('wanjiru')).toBe(150000);
    expect(count('SELECT count(*) AS n FROM payments WHERE reference = ?', 'RB-0077')).toBe(1);
    expect(count('SELECT count(*) AS n FROM request_keys WHERE key = ?', form!.key)).toBe(1);
  });

  it('refuses another person’s key rather than record the form again under their name', async () => {
    const [form] = await queueFromFreshForm();
    // Sent once by its own session…
    expect((await context.request.post(form!.action, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: form!.body })).status()).toBe(200);
    // …then by someone else with the same key (their own session and form token).
    await cli('staff', 'add', '--username', 'otieno', '--role', 'billing_manager', '--password', 'billing-desk-2');
    const other = await newPhone(browser);
    await staffSignIn(other.page, staffUrl, 'otieno', 'billing-desk-2');
    await other.page.goto(`${staffUrl}/payments/record`);
    const csrf = await other.page.inputValue('input[name=_csrf]');
    const replay = new URLSearchParams(form!.body);
    replay.set('_csrf', csrf);
    replay.set('reference', 'RB-0079');
    const refused = await other.context.request.post(form!.action, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: replay.toString() });
    expect(refused.status()).toBe(403);
    expect(await wallet('wanjiru')).toBe(150000 + 20000);
    await other.context.close();
  });

  /** The payment form filled while offline, left in the queue. */
  async function queueFromFreshForm(): Promise<QueuedForm[]> {
    const page = context.pages()[0]!;
    await page.goto(`${staffUrl}/payments/record`);
    await context.setOffline(true);
    await page.fill('#username', 'wanjiru');
    await page.fill('#amount', '200');
    await page.fill('#reference', 'RB-0078');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await page.locator('#offline').getByText('Saved on this device; it will be sent when the link returns.').waitFor();
    const forms = await queue(page);
    // Cleared from the device by hand, so that the page does not send it when the link returns.
    await page.evaluate(`new Promise((resolve) => { const open = indexedDB.open('lango-offline', 1); open.onsuccess = () => { const tx = open.result.transaction('forms', 'readwrite'); tx.objectStore('forms').clear(); tx.oncomplete = () => { open.result.close(); resolve(true); }; }; })`);
    await context.setOffline(false);
    return forms;
  }
});

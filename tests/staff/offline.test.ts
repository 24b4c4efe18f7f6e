import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJsonAsync } from '../support/peers.js';
import { openTestDatabase } from '../support/postgres.js';

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
  const db = openTestDatabase(daemon.env.LANGO_DB!, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } finally {
    db.close();
  }
}
const plain = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
const payments = (reference: string) => count('SELECT count(*) AS n FROM payments WHERE reference = ?', reference);

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
    ['staff', 'add', '--username', 'amani', '--role', 'billing_manager', '--password', 'billing-desk-3'],
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

describe('a payment form kept while the person who filled it is signed out', () => {
  let context: BrowserContext;

  afterAll(async () => context?.close());

  it('stays on the device, with what it holds on view, until the same person signs in again, and is then recorded once', async () => {
    const phone = await newPhone(browser, { serviceWorkers: 'allow' });
    context = phone.context;
    const page = phone.page;
    await staffSignIn(page, staffUrl, 'mercy', 'billing-desk-1');
    await workerInCharge(page);
    await page.goto(`${staffUrl}/payments/record`);

    await context.setOffline(true);
    await page.fill('#username', 'wanjiru');
    await page.fill('#amount', '300');
    await page.fill('#reference', 'RB-0090');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await page.locator('#offline').getByText('Saved on this device; it will be sent when the link returns.').waitFor();

    // Signed out in another tab of the same browser while the link is down.
    const token = await page.inputValue('header input[name=_csrf]');
    expect((await context.request.post(`${staffUrl}/sign-out`, { form: { _csrf: token } })).ok()).toBe(true);

    // The link returns on the page still open: the server sends it to sign in, so the form stays.
    const keptFor = page.locator('#offline').getByText(/^“Record cash or bank money”, saved at \d\d:\d\d, stays on this device until mercy signs in here; it will be sent then\.$/);
    const held = 'It holds: Customer username: wanjiru; Amount received: 300; Paid by: Cash payment; Receipt book number or bank reference: RB-0090';
    await context.setOffline(false);
    await keptFor.waitFor();
    expect(plain(await page.locator('#offline').textContent())).toContain(held);
    expect(await queue(page)).toHaveLength(1);

    // The sign-in page sends nothing, and says what waits and for whom.
    await page.goto(`${staffUrl}/sign-in`);
    await keptFor.waitFor();
    expect(plain(await page.locator('#offline').textContent())).toContain(held);
    expect(await queue(page)).toHaveLength(1);

    // A colleague signs in at the same counter: not theirs to send.
    await staffSignIn(page, staffUrl, 'amani', 'billing-desk-3');
    await keptFor.waitFor();
    expect(await queue(page)).toHaveLength(1);
    expect(payments('RB-0090')).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${staffUrl}/sign-in`);

    // Its owner signs in again: sent in her new session, recorded once.
    await staffSignIn(page, staffUrl, 'mercy', 'billing-desk-1');
    await page.locator('#offline').getByText(/^“Record cash or bank money”, saved at \d\d:\d\d, was sent\.$/).waitFor();
    expect(plain(await page.locator('#offline').textContent())).toMatch(/Receipt RCT-\d{4}-\d{6}: KES 300\.00 by Cash payment \(RB-0090\) for wanjiru\./);
    expect(await queue(page)).toHaveLength(0);
    await page.reload();
    expect(payments('RB-0090')).toBe(1);
    expect(count("SELECT count(*) AS n FROM payments WHERE reference = ? AND actor = 'staff:mercy'", 'RB-0090')).toBe(1);
  });

  it('never keeps the messages pages on the device, and a kept payment form offers today’s date, not the day it was kept', async () => {
    const page = context.pages()[0]!;
    await page.goto(`${staffUrl}/messages`);
    await page.goto(`${staffUrl}/payments/record`);
    await context.setOffline(true);
    // The outbox shows SMS texts (WiFi and sign-in codes): not there offline.
    await expect(page.goto(`${staffUrl}/messages`)).rejects.toThrow();

    // Opened from the copy the next day, the value date is that day, which may be chosen.
    await page.clock.install({ time: new Date(Date.now() + 86_400_000) });
    await page.goto(`${staffUrl}/payments/record`);
    await page.locator('#offline-banner').waitFor();
    const tomorrow = await page.evaluate<string>("(() => { const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); })()");
    expect(await page.inputValue('#received')).toBe(tomorrow);
    expect(await page.getAttribute('#received', 'max')).toBe(tomorrow);
    await context.setOffline(false);
  });
});

describe('the payment form where the browser lacks parts the page script uses', () => {
  it('still records the payment over plain http (no crypto.randomUUID), and the ordinary way if the script fails', async () => {
    const { context, page } = await newPhone(browser);
    // What a page over plain http on the LAN (http://10.0.0.2/staff) has: no randomUUID.
    await context.addInitScript('delete Crypto.prototype.randomUUID');
    await staffSignIn(page, staffUrl, 'mercy', 'billing-desk-1');
    expect(await page.evaluate('typeof crypto.randomUUID')).toBe('undefined');
    const keys = () => count("SELECT count(*) AS n FROM request_keys WHERE action = 'payments.record'");
    const record = async (reference: string, breakScript = false) => {
      await page.goto(`${staffUrl}/payments/record`);
      if (breakScript) await page.evaluate("window.FormData = function () { throw new Error('broken'); }");
      await page.fill('#username', 'wanjiru');
      await page.fill('#amount', '10');
      await page.fill('#reference', reference);
      await page.getByRole('button', { name: 'Record payment' }).click();
      await page.locator('#recorded').waitFor();
      expect(plain(await page.locator('#recorded').textContent())).toContain(`(${reference}) for wanjiru`);
      expect(payments(reference)).toBe(1);
    };
    const before = keys();
    await record('RB-0091');
    // Sent by the script, with its key.
    expect(keys()).toBe(before + 1);

    // The script breaks on the way: the form is posted as usual, without a key.
    await record('RB-0092', true);
    expect(keys()).toBe(before + 1);
    await context.close();
  });
});

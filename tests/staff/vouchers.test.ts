import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson, radclient } from '../support/peers.js';

// Issue 7's vouchers screen end to end: a billing manager creates a batch of 5 in the browser,
// sees its codes, downloads the printable cards as a PDF and revokes the unused codes; the
// router's login with a revoked code is then rejected. Support sees the batch and the codes'
// states but never the codes themselves (they are as good as cash), and may not create.

const SECRET = 'staff-vouchers-secret';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Voucher { code: string; state: string }

const signIn = (page: Page, username: string, password: string) => staffSignIn(page, staffUrl, username, password);
const login = (code: string) => radclient(`User-Name = "${code}"\nUser-Password = "${code}"\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', '1 Hour', '--price', '20', '--currency', 'KES', '--duration', '1h', '--rate', '2M/2M'],
    ['staff', 'add', '--username', 'mercy', '--role', 'billing_manager', '--password', 'billing-desk-1'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ];
  for (const args of setup) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the vouchers screen', () => {
  it('lets a billing manager create a batch of 5, print its cards and revoke it, after which the codes no longer log in', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'mercy', 'billing-desk-1');
    await page.goto(`${staffUrl}/vouchers`);
    await page.getByRole('link', { name: 'Create a batch' }).click();
    await page.selectOption('#plan', { label: '1 Hour' });
    await page.fill('#count', '5');
    await page.getByRole('button', { name: 'Create batch' }).click();
    await page.getByText('Batch B-0001 created with 5 code(s).').waitFor();
    const rows = page.locator('#codes tbody tr');
    expect(await rows.count()).toBe(5);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);

    const codes = cli<Voucher[]>('voucher', 'list', '--batch', 'B-0001');
    expect(codes.map((c) => c.state)).toEqual(Array(5).fill('unused'));
    expect(await page.locator('#codes').textContent()).toContain(codes[0]!.code);
    expect(login(codes[0]!.code).stdout).toContain('Access-Accept');

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the cards (PDF)' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('B-0001-cards.pdf');
    const pdf = await context.request.get(`${page.url().split('?')[0]}/cards.pdf`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

    await page.fill('#reason', 'Cards stolen from the kiosk');
    await page.getByLabel('Yes, revoke every unused code of this batch').check();
    await page.getByRole('button', { name: 'Revoke unused codes' }).click();
    // The first code logged in above, so it is in use and keeps working; the other four stop.
    await page.getByText('Revoked 4 code(s).').waitFor();
    const after = cli<Voucher[]>('voucher', 'list', '--batch', 'B-0001');
    expect(after.map((c) => c.state)).toEqual(['active', 'revoked', 'revoked', 'revoked', 'revoked']);
    const rejected = login(codes[1]!.code);
    expect(rejected.stdout).toContain('Access-Reject');
    await context.close();
  });

  it('shows support the batches and states but not the codes, and refuses support a new batch', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/vouchers`);
    expect(await page.locator('#batches tbody tr').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Create a batch' }).count()).toBe(0);
    await page.getByRole('link', { name: 'B-0001' }).click();
    await page.getByText('Codes are shown to billing managers and admins only').waitFor();
    const html = await page.content();
    for (const { code } of cli<Voucher[]>('voucher', 'list', '--batch', 'B-0001')) expect(html).not.toContain(code);
    expect(await page.locator('#codes tbody tr').count()).toBe(5);
    expect(await page.getByRole('link', { name: 'Download the cards (PDF)' }).count()).toBe(0);

    expect((await page.goto(`${staffUrl}/vouchers/new`))?.status()).toBe(403);
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const refused = await context.request.post(`${staffUrl}/vouchers`, { form: { _csrf: csrf, plan: '1', count: '5' }, maxRedirects: 0 });
    expect(refused.status()).toBe(403);
    expect(cli<unknown[]>('voucher', 'batches')).toHaveLength(1);
    await context.close();
  });

  it('makes one batch when the same create form is sent twice (a double click, a reload of the POST)', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'mercy', 'billing-desk-1');
    await page.goto(`${staffUrl}/vouchers/new`);
    const form = {
      _csrf: (await page.locator('input[name=_csrf]').first().getAttribute('value'))!,
      key: (await page.locator('input[name=key]').getAttribute('value'))!,
      plan: (await page.locator('#plan option', { hasText: '1 Hour' }).getAttribute('value'))!,
      length: '8',
    };
    // A mistake re-renders the form with the same key, so the corrected form is still the same form.
    const mistake = await context.request.post(`${staffUrl}/vouchers`, { form: { ...form, count: 'two' }, maxRedirects: 0 });
    expect(mistake.status()).toBe(400);
    expect(await mistake.text()).toContain(`name="key" value="${form.key}"`);

    const first = await context.request.post(`${staffUrl}/vouchers`, { form: { ...form, count: '2' }, maxRedirects: 0 });
    const again = await context.request.post(`${staffUrl}/vouchers`, { form: { ...form, count: '2' }, maxRedirects: 0 });
    expect([first.status(), again.status()]).toEqual([303, 303]);
    expect(again.headers().location).toBe(first.headers().location);
    expect(cli<unknown[]>('voucher', 'batches')).toHaveLength(2);
    expect(cli<Voucher[]>('voucher', 'list', '--batch', 'B-0002')).toHaveLength(2);
    await context.close();
  });
});

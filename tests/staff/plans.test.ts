import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// Issue 7's plan screens, end to end against the real daemon in a phone-sized Chromium: a billing
// manager adds a plan with a fair-use tier and sees what a router would be told; `lango plan list`
// then has it. A size the page cannot read changes nothing; support may look but not change a
// price; a price change is audited with the amounts before and after.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Plan { id: number; name: string; priceMinor: number; rateLimit: string | null; dataBytes: number | null; durationSeconds: number | null; fupTiers: Array<{ afterBytes: number; rateLimit: string }> }
interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }

const signIn = (page: Page, username: string, password: string) => staffSignIn(page, staffUrl, username, password);
/** A preview table as "name = value" lines. */
async function attributes(page: Page, table: string): Promise<string[]> {
  const rows = page.locator(`${table} tbody tr`);
  const out: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) out.push((await rows.nth(i).locator('td').allTextContents()).map((c) => c.replace(/\s+/g, ' ').trim()).join(' = '));
  return out;
}
const planNamed = (name: string) => cli<Plan[]>('plan', 'list').find((p) => p.name === name);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  for (const args of [
    ['plan', 'add', '--name', 'Day', '--price', '50', '--currency', 'KES', '--duration', '1d', '--rate', '2M/2M'],
    ['staff', 'add', '--username', 'wanjiku', '--role', 'billing_manager', '--password', 'billing-desk-1'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ]) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the plan screens', () => {
  it('lets a billing manager add a plan with a FUP tier, shows the router reply, and the CLI lists it', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'wanjiku', 'billing-desk-1');
    await page.goto(`${staffUrl}/plans`);
    await page.getByRole('link', { name: 'Add a plan' }).click();
    await page.fill('#name', 'Home 20M');
    await page.fill('#price', '2500');
    await page.fill('#validity', '30d');
    await page.fill('#rate', '10M/20M');
    await page.fill('#data', '100GB');
    await page.fill('#tierAfter0', '50GB');
    await page.fill('#tierRate0', '2M/4M');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByText('Plan "Home 20M" added.').waitFor();

    const rows = await attributes(page, '#preview-0');
    expect(rows).toContain('Mikrotik-Rate-Limit = 10M/20M');
    expect(rows).toContain(`Session-Timeout = ${30 * 86400}`);
    expect(rows).toContain('Acct-Interim-Interval = 300 (the daemon default)');
    expect(await attributes(page, '#preview-1')).toContain('Mikrotik-Rate-Limit = 2M/4M');
    await page.getByRole('heading', { name: 'After 50GB used (speed tier 1)' }).waitFor();

    const plan = planNamed('Home 20M');
    expect(plan).toMatchObject({ priceMinor: 250_000, rateLimit: '10M/20M', dataBytes: 100e9, durationSeconds: 30 * 86400, fupTiers: [{ afterBytes: 50e9, rateLimit: '2M/4M' }] });
    const audit = cli<Audit[]>('audit', '--subject', `plan:${plan!.id}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'staff:wanjiku', action: 'plan.add', detail: { after: { priceMinor: 250_000 } } });
    await context.close();
  }, 30_000);

  it('says in words that "10 GiBs" is not a data size, keeps what was typed, and adds nothing', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'wanjiku', 'billing-desk-1');
    await page.goto(`${staffUrl}/plans/new`);
    await page.fill('#name', 'Broken');
    await page.fill('#price', '100');
    await page.fill('#data', '10 GiBs');
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Save plan' }).click()]);
    expect(response.status()).toBe(400);
    await page.getByText('"10 GiBs" is not a data size. Write a number and a unit, such as 500MB, 10GB or 1.5GB. Nothing was saved.').waitFor();
    expect(await page.inputValue('#name')).toBe('Broken');
    expect(await page.inputValue('#data')).toBe('10 GiBs');
    expect(planNamed('Broken')).toBeUndefined();
    await context.close();
  });

  it('lets support look at plans but answers 403 to a price change, and changes nothing', async () => {
    const day = planNamed('Day')!;
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    expect((await page.goto(`${staffUrl}/plans`))?.status()).toBe(200);
    expect(await page.locator('#plans').textContent()).toContain('Day');
    expect(await page.getByRole('link', { name: 'Add a plan' }).count()).toBe(0);
    expect((await page.goto(`${staffUrl}/plans/${day.id}`))?.status()).toBe(200);
    expect(await page.getByRole('link', { name: 'Change this plan' }).count()).toBe(0);
    expect((await page.goto(`${staffUrl}/plans/${day.id}/edit`))?.status()).toBe(403);
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const response = await context.request.post(`${staffUrl}/plans/${day.id}/edit`, { form: { _csrf: csrf, name: 'Day', price: '1', currency: 'KES', billingKind: 'prepaid', starts: 'purchase', dataCounts: 'total', shared: '1' }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    expect(planNamed('Day')!.priceMinor).toBe(5_000);
    expect(cli<Audit[]>('audit', '--subject', `plan:${day.id}`)).toEqual([]);
    await context.close();
  });

  it('audits a price change with the price before and after', async () => {
    const day = planNamed('Day')!;
    const { context, page } = await newPhone(browser);
    await signIn(page, 'wanjiku', 'billing-desk-1');
    await page.goto(`${staffUrl}/plans/${day.id}`);
    await page.getByRole('link', { name: 'Change this plan' }).click();
    expect(await page.inputValue('#price')).toBe('50.00');
    expect(await page.inputValue('#validity')).toBe('1d');
    await page.fill('#price', '60');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByText('Plan "Day" saved.', { exact: false }).waitFor();
    expect(planNamed('Day')).toMatchObject({ priceMinor: 6_000, rateLimit: '2M/2M', durationSeconds: 86400 });
    const audit = cli<Audit[]>('audit', '--subject', `plan:${day.id}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'staff:wanjiku', action: 'plan.edit', detail: { name: 'Day', before: { priceMinor: 5_000 }, after: { priceMinor: 6_000 } } });
    expect(Object.keys(audit[0]!.detail.after as object)).toEqual(['priceMinor']);
    await context.close();
  });
});

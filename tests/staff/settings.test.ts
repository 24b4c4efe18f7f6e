import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson, until } from '../support/peers.js';

// Issue 7's settings screens, end to end against the real daemon in a phone-sized Chromium: the
// company name typed by an admin is what the hotspot page shows; M-Pesa set up from the form is
// what `lango provider show` reports, its secrets stored but never sent back in a page or the
// audit log; a tax class is checked before it is saved; a billing manager may not open settings.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }
interface TaxClass { code: string; name: string; inclusive: boolean; rules: Array<{ code: string; name: string; rateBasisPoints: number; compound: boolean }> }

const signIn = (page: Page, username = 'amina', password = 'admin-desk-01') => staffSignIn(page, staffUrl, username, password);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  cli('staff', 'add', '--username', 'amina', '--role', 'admin', '--password', 'admin-desk-01');
  cli('staff', 'add', '--username', 'wambui', '--role', 'billing_manager', '--password', 'billing-desk-1');
  cli('settings', 'set', '--key', 'payments.publicUrl', '--value', 'https://pay.example.net');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the settings screens', () => {
  it('saves the company name, audited with before and after, and the hotspot page shows it', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/settings`);
    await page.fill('#f-operatorName', 'Skyline Net');
    await page.fill('#f-operatorColour', 'green');
    await page.getByRole('button', { name: 'Save company details' }).click();
    await page.getByText('Brand colour: A colour like #0a7d3b').waitFor();
    expect(await page.inputValue('#f-operatorName')).toBe('Skyline Net');
    expect(cli<Array<{ key: string; value: unknown }>>('settings', 'list').find((s) => s.key === 'operator.name')!.value).toBe('Lango ISP');

    await page.fill('#f-operatorColour', '#0a7d3b');
    await page.getByRole('button', { name: 'Save company details' }).click();
    await page.getByText('Saved the Company settings.').waitFor();
    const audit = cli<Audit[]>('audit', '--subject', 'settings:company');
    expect(audit[0]).toMatchObject({ actor: 'staff:amina', action: 'settings.set', detail: { before: { 'operator.name': 'Lango ISP', 'operator.colour': null }, after: { 'operator.name': 'Skyline Net', 'operator.colour': '#0a7d3b' } } });
    // The portal re-reads the operator's details every few seconds.
    await until('the hotspot page shows the new name', async () => ((await (await fetch(`http://127.0.0.1:${daemon.httpPort}/hotspot`)).text()).includes('Skyline Net') ? true : undefined), 15_000);
    await context.close();
  }, 30_000);

  it('sets up M-Pesa from the form: the CLI shows it, secrets are stored but never in the page or the audit log', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/settings/providers`);
    await page.locator('#d-mpesa > summary').click();
    expect(await page.locator('#mpesa-state').textContent()).toBe('Not set up yet.');
    await page.fill('#mpesa-shortcode', '174379');
    await page.fill('#mpesa-consumerKey', 'ck-sandbox-app');
    await page.fill('#mpesa-consumerSecret', 'cs-very-secret-1');
    await page.fill('#mpesa-passkey', 'pk-very-secret-2');
    await page.getByRole('button', { name: 'Save M-Pesa settings' }).click();
    await page.getByText('Saved the M-Pesa settings.').waitFor();

    const shown = cli<Record<string, unknown>>('provider', 'show', '--provider', 'mpesa');
    expect(shown).toMatchObject({ shortcode: '174379', consumerKey: 'ck-sandbox-app', consumerSecret: '(set)', passkey: '(set)' });
    expect(await page.locator('#mpesa-consumerSecret-state').textContent()).toBe('Saved (hidden)');
    expect(await page.inputValue('#mpesa-callback-0')).toMatch(/^https:\/\/pay\.example\.net\/cb\/[0-9a-f]{48}\//);
    const html = await page.content();
    expect(html).not.toContain('cs-very-secret-1');
    expect(html).not.toContain('pk-very-secret-2');

    // Blank secret fields keep what is stored; a changed plain field is saved.
    await page.fill('#mpesa-shortcode', '600984');
    await page.getByRole('button', { name: 'Save M-Pesa settings' }).click();
    await page.getByText('Saved the M-Pesa settings.').waitFor();
    expect(cli<Record<string, unknown>>('provider', 'show', '--provider', 'mpesa')).toMatchObject({ shortcode: '600984', consumerSecret: '(set)', passkey: '(set)' });

    const audit = cli<Audit[]>('audit', '--subject', 'provider:mpesa');
    expect(audit).toHaveLength(2);
    expect(audit[1]).toMatchObject({ actor: 'staff:amina', action: 'provider.set', detail: { secrets: { consumerSecret: 'changed', passkey: 'changed' } } });
    expect(audit[0]).toMatchObject({ detail: { before: { shortcode: '174379' }, after: { shortcode: '600984' }, secrets: {} } });
    const everything = JSON.stringify(cli<Audit[]>('audit'));
    expect(everything).not.toContain('cs-very-secret-1');
    expect(everything).not.toContain('pk-very-secret-2');
    expect(daemon.logs().join('\n')).not.toContain('cs-very-secret-1');
    await context.close();
  }, 30_000);

  it('checks a tax class before saving it, and saves a good one as the CLI lists it', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/settings/taxes`);
    await page.fill('#tax-code', 'KE');
    await page.fill('#tax-name', 'Kenya internet');
    await page.fill('#rule0code', 'EXCISE');
    await page.fill('#rule0name', 'Excise duty 15%');
    await page.fill('#rule0rate', '15');
    await page.fill('#rule1code', 'VAT');
    await page.fill('#rule1name', 'VAT 16%');
    await page.fill('#rule1rate', '16%');
    await page.getByRole('button', { name: 'Add tax class' }).click();
    await page.getByText('Tax 2: the rate is a percent from 0 to 100').waitFor();
    expect(cli<TaxClass[]>('tax', 'list')).toEqual([]);

    await page.fill('#rule1rate', '16');
    await page.locator('input[name=rule1compound]').check();
    await page.getByRole('button', { name: 'Add tax class' }).click();
    await page.getByText('Saved tax class KE.').waitFor();
    expect(cli<TaxClass[]>('tax', 'list')).toMatchObject([{ code: 'KE', name: 'Kenya internet', inclusive: false, rules: [{ code: 'EXCISE', rateBasisPoints: 1500, compound: false }, { code: 'VAT', rateBasisPoints: 1600, compound: true }] }]);
    expect(cli<Audit[]>('audit', '--subject', 'tax-class:KE')[0]).toMatchObject({ action: 'tax.set', detail: { before: null } });
    await context.close();
  }, 30_000);

  it('answers a billing manager 403 on the settings pages', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'wambui', 'billing-desk-1');
    for (const path of ['/settings', '/settings/providers', '/settings/taxes']) {
      const response = await page.goto(`${staffUrl}${path}`);
      expect(response?.status(), path).toBe(403);
    }
    expect(await page.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await context.close();
  });
});

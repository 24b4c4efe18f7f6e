import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// Issue 7's messages screens, end to end against the real daemon in a phone-sized Chromium: the
// outbox lists what `lango sms send` queued, filters by status and cancels only with the box
// ticked; a template with a misspelt placeholder is refused and a good one is what the CLI then
// lists; a bulk SMS shows how many customers it reaches before it is confirmed, then queues that many.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Outbox { id: number; to: string; status: string; text: string; template: string | null }
interface Template { key: string; language: string; body: string; overridden: boolean }
interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }

const signIn = (page: Page) => staffSignIn(page, staffUrl, 'wambui', 'billing-desk-1');

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    // A gateway that is not set up: the sender keeps every message queued (and retrying), so the screens see them wait.
    ['settings', 'set', '--key', 'messaging.smsGateway', '--value', 'http'],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-pass', '--plan', 'Home 10M', '--name', 'Alice Wanjiru', '--phone', '+254 712 345 678'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-pass', '--plan', 'Home 10M', '--name', 'Bob Otieno', '--phone', '0722000111'],
    ['customer', 'add', '--username', 'amal', '--password', 'amal-pass', '--plan', 'Home 10M', '--name', 'Amal Deng', '--phone', '0733000222', '--language', 'ar'],
    ['staff', 'add', '--username', 'wambui', '--role', 'billing_manager', '--password', 'billing-desk-1'],
  ];
  for (const args of setup) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the messages screens', () => {
  it('lists what the CLI queued, filters by status, and cancels a queued message only once the box is ticked', async () => {
    const first = cli<{ id: number }>('sms', 'send', '--username', 'alice', '--text', 'Your router will be replaced tomorrow at 10:00.');
    cli('sms', 'send', '--username', 'bob', '--text', 'Technician visit on Friday.');
    const third = cli<{ id: number }>('sms', 'send', '--username', 'bob', '--text', 'Ignore the previous message.');
    cli('sms', 'cancel', '--id', String(third.id));

    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/messages`);
    const rows = page.locator('#outbox tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.last().textContent()).toContain('Your router will be replaced tomorrow at 10:00.');
    expect(await rows.last().textContent()).toContain('+254712345678');

    await page.selectOption('#status', 'cancelled');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=cancelled/);
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Ignore the previous message.');

    await page.selectOption('#status', 'queued');
    await page.fill('#phone', '0712 345 678');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=queued/);
    expect(await rows.count()).toBe(1);
    const row = rows.first();
    expect(await row.textContent()).toContain('Your router will be replaced');

    // Unticked, the browser holds the form back; posted anyway, the server refuses and changes nothing.
    await row.getByRole('button', { name: 'Cancel message' }).click();
    expect(page.url()).toContain('status=queued');
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const unticked = await context.request.post(`${staffUrl}/messages/${first.id}/cancel`, { form: { _csrf: csrf }, maxRedirects: 0 });
    expect(unticked.status()).toBe(400);
    expect(await unticked.text()).toContain('Tick the box to confirm that the message should be cancelled. Nothing was changed.');
    expect(cli<Outbox[]>('sms', 'list').find((m) => m.id === first.id)!.status).not.toBe('cancelled');

    await row.getByLabel('Yes, cancel this message').check();
    await row.getByRole('button', { name: 'Cancel message' }).click();
    await page.getByText(`Message ${first.id} is cancelled; it will not be sent.`).waitFor();
    expect(cli<Outbox[]>('sms', 'list', '--status', 'cancelled').map((m) => m.id).sort()).toEqual([first.id, third.id].sort());
    expect(cli<Audit[]>('audit', '--subject', `message:${first.id}`)[0]).toMatchObject({ actor: 'staff:wambui', action: 'sms.cancel' });
    await context.close();
  }, 30_000);

  it('refuses a template with a misspelt placeholder and saves a good one, with a preview first', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/messages/templates`);
    await page.getByRole('link', { name: 'Plan renewed' }).click();
    await page.waitForURL(`${staffUrl}/messages/templates/renewed`);

    const english = page.locator('form', { has: page.locator('#body-en') });
    await page.fill('#body-en', '{{operator}}: {{nmae}}, your plan is renewed.');
    await english.getByRole('button', { name: 'Save text' }).click();
    await page.getByText('This message cannot fill in {{nmae}}: check the spelling.').waitFor();
    expect(await page.inputValue('#body-en')).toBe('{{operator}}: {{nmae}}, your plan is renewed.');
    const untouched = cli<Template[]>('sms', 'template', 'list').find((v) => v.key === 'renewed' && v.language === 'en')!;
    expect(untouched.overridden).toBe(false);

    const text = '{{operator}}: {{name}}, {{plan}} now runs until {{expiry}}.';
    await page.fill('#body-en', text);
    await english.getByRole('button', { name: 'Preview' }).click();
    expect(await page.locator('#preview-en').textContent()).toContain('Lango ISP: Amina Odhiambo, Home 10M now runs until 8 Feb 2026, 15:00.');
    await page.locator('form', { has: page.locator('#body-en') }).getByRole('button', { name: 'Save text' }).click();
    await page.getByText('Saved the new text for "Plan renewed".').waitFor();

    const saved = cli<Template[]>('sms', 'template', 'list').find((v) => v.key === 'renewed' && v.language === 'en')!;
    expect(saved).toMatchObject({ body: text, overridden: true });
    const audit = cli<Audit[]>('audit', '--subject', 'template:renewed:en');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'staff:wambui', action: 'sms.template.set', detail: { after: text } });
    expect(audit[0]!.detail.before).toEqual(untouched.body);
    await context.close();
  }, 30_000);

  it('shows how many customers a bulk SMS reaches and its parts, then queues exactly that many once confirmed', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/messages/bulk`);
    await page.selectOption('#bulk-language', 'en');
    await page.fill('#bulk-text', 'Dear {{name}}, the network is down for maintenance tonight 22:00-23:00.');
    await page.getByRole('button', { name: 'Preview' }).click();
    expect(await page.locator('#recipients').textContent()).toBe('2 customer(s) will get this message.');
    expect(await page.locator('#parts').textContent()).toContain('up to 1 SMS part(s) each, 2 parts in all');
    expect(cli<Outbox[]>('sms', 'list').filter((m) => m.text.includes('maintenance tonight'))).toEqual([]);

    await page.getByLabel('Yes, send this message to 2 customer(s)').check();
    await page.getByRole('button', { name: 'Send to 2 customer(s)' }).click();
    await page.getByText('2 message(s) queued.').waitFor();
    const queued = cli<Outbox[]>('sms', 'list').filter((m) => m.text.includes('maintenance tonight'));
    expect(queued.map((m) => m.to).sort()).toEqual(['+254712345678', '+254722000111']);
    expect(queued.map((m) => m.text)).toContain('Dear Alice Wanjiru, the network is down for maintenance tonight 22:00-23:00.');
    expect(await page.locator('#campaigns tbody tr').count()).toBe(1);
    await context.close();
  }, 30_000);
});

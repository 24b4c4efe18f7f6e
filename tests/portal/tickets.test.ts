import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';
import { readRow, signInByCode as signInByCodeAt } from '../support/portal.js';

// Issue 8's help pages and issue 9's support desk, end to end against the real daemon in
// phone-sized Chromium: a customer asks for help in the portal, a support agent finds the
// ticket, adds an internal note and replies; the customer reads the reply but never the note,
// and an SMS telling them of the reply waits in the outbox. Another customer's ticket is a 404.

let daemon: Daemon;
let browser: Browser;
let portalUrl: string;
let staffUrl: string;
const screens = path.join(repoRoot(), 'test-artifacts', 'screens');

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Outbox { id: number; to: string; status: string; text: string }
interface Audit { actor: string; action: string; subject: string }

/** Reads the database directly: outbox readers mask sign-in codes, the table has them. */
const query = <T,>(sql: string, ...params: unknown[]) => readRow<T>(daemon, sql, ...params);

// No portal password yet: the portal asks for one; the help pages do not need it.
const signInByCode = (page: Page, identifier: string, phone: string) => signInByCodeAt(page, daemon, portalUrl, identifier, phone);

beforeAll(async () => {
  daemon = await startDaemon();
  portalUrl = `http://127.0.0.1:${daemon.httpPort}/portal`;
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['settings', 'set', '--key', 'operator.name', '--value', 'Skyline Net'],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-net', '--plan', 'Home 10M', '--name', 'Alice Wanjiru', '--phone', '+254 712 345 678'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-net', '--plan', 'Home 10M', '--name', 'Bob Otieno', '--phone', '0722000111'],
    ['customer', 'add', '--username', 'amira', '--password', 'amira-net', '--plan', 'Home 10M', '--name', 'Amira Deng', '--phone', '0733000222', '--language', 'ar'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ];
  for (const args of setup) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('support tickets between a customer and the support desk', () => {
  let ticketUrl: string;
  let ticketId: number;

  it('lets a customer ask for help, a support agent note and reply, and shows the customer the reply but never the note, with an SMS queued', async () => {
    const customer = await newPhone(browser);
    await signInByCode(customer.page, '0712 345 678', '+254712345678');
    const page = customer.page;
    await page.goto(`${portalUrl}/`);
    await page.getByRole('link', { name: 'Help' }).click();
    await page.waitForURL(`${portalUrl}/tickets`);
    await page.getByText('You have not asked for help yet.').waitFor();
    await page.getByRole('link', { name: 'Ask for help' }).click();
    await page.getByLabel('In a few words, what is wrong?').fill('No internet since this morning');
    await page.getByLabel('What is it about?').selectOption('no_internet');
    await page.getByLabel('Tell us more').fill('The router light is red.\nI restarted it twice.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/portal\/tickets\/\d+\?done=opened$/);
    ticketUrl = page.url().replace(/\?.*$/, '');
    ticketId = Number(/(\d+)$/.exec(ticketUrl)![1]);
    await page.getByText(`We have your request #${ticketId}. We will answer here and by SMS.`).waitFor();
    expect(await page.locator('#status').textContent()).toBe('Waiting for us');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);

    // The support agent finds it on the list, open and not yet due.
    const staff = await newPhone(browser);
    await staffSignIn(staff.page, staffUrl, 'otieno', 'support-desk-1');
    const desk = staff.page;
    await desk.goto(`${staffUrl}/tickets`);
    const row = desk.locator('#tickets tbody tr', { hasText: 'No internet since this morning' });
    expect(await row.textContent()).toContain('alice');
    expect(await row.textContent()).toContain('Reply by');
    await row.getByRole('link', { name: 'No internet since this morning' }).click();
    await desk.waitForURL(`${staffUrl}/tickets/${ticketId}`);

    await desk.getByLabel('Internal note').fill('Kilimani cabinet is down; technician booked.');
    await desk.getByRole('button', { name: 'Add note' }).click();
    await desk.getByText('Internal note added.').waitFor();
    await desk.getByLabel('Reply to the customer').fill('A technician is fixing the line near you; it should be back by 14:00.');
    await desk.getByRole('button', { name: 'Send reply' }).click();
    await desk.getByText('Reply sent; an SMS tells the customer.').waitFor();
    expect(await desk.locator('#status').textContent()).toBe('Waiting on the customer');
    const note = desk.locator('#conversation .note');
    expect(await note.count()).toBe(1);
    expect(await note.textContent()).toContain('Internal note by otieno (the customer does not see it)');
    mkdirSync(screens, { recursive: true });
    await desk.screenshot({ path: path.join(screens, 'staff-ticket-360.png'), fullPage: true });

    // The customer reads the reply; the note is nowhere on the page.
    await page.goto(ticketUrl);
    expect(await page.locator('#status').textContent()).toBe('We replied');
    const messages = page.locator('#messages section');
    expect(await messages.count()).toBe(2);
    expect(await messages.last().textContent()).toContain('A technician is fixing the line near you');
    expect(await messages.last().textContent()).toContain('Support');
    expect(await page.content()).not.toContain('Kilimani');
    expect(await page.content()).not.toContain('otieno');
    await page.screenshot({ path: path.join(screens, 'portal-ticket-360.png'), fullPage: true });

    // One SMS, for the reply only.
    const sms = cli<Outbox[]>('sms', 'list').filter((m) => m.text.includes('help request'));
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ to: '+254712345678', text: `Skyline Net: we answered your help request #${ticketId}. Read it in the customer portal.` });
    expect(cli<Audit[]>('audit', '--subject', `ticket:${ticketId}`).map((a) => [a.actor, a.action])).toEqual([
      ['staff:otieno', 'ticket.reply'],
      ['staff:otieno', 'ticket.note'],
    ]);

    // The customer answers: the ticket is waiting for staff again; then they say it is solved.
    await page.getByLabel('Your reply').fill('It works again, thank you.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('Your reply is sent.').waitFor();
    expect(await page.locator('#status').textContent()).toBe('Waiting for us');
    await page.getByRole('button', { name: 'My problem is solved' }).click();
    await page.getByText('This request is marked as solved').waitFor();
    expect(await page.locator('#status').textContent()).toBe('Solved');
    await page.goto(`${portalUrl}/tickets`);
    expect(await page.locator('#tickets tbody tr').count()).toBe(1);
    await customer.context.close();
    await staff.context.close();
  }, 60_000);

  it('answers 404 to a customer who changes the ticket number in the address to another customer’s', async () => {
    const { context, page } = await newPhone(browser);
    await signInByCode(page, '0722 000 111', '+254722000111');
    for (const address of [ticketUrl, `${portalUrl}/tickets/999999`, `${portalUrl}/tickets/abc`]) {
      const response = await page.goto(address);
      expect(response!.status(), address).toBe(404);
      expect(await page.content()).not.toContain('No internet since this morning');
    }
    // Writing on it is refused the same way, and changes nothing.
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const forged = await context.request.post(`${ticketUrl}/reply`, { form: { _csrf: csrf, body: 'I am Bob' }, maxRedirects: 0 });
    expect(forged.status()).toBe(404);
    const resolve = await context.request.post(`${ticketUrl}/resolve`, { form: { _csrf: csrf }, maxRedirects: 0 });
    expect(resolve.status()).toBe(404);
    expect(query<{ n: number }>('SELECT count(*) AS n FROM ticket_messages WHERE ticket_id = ? AND body = ?', ticketId, 'I am Bob')!.n).toBe(0);
    await page.goto(`${portalUrl}/tickets`);
    await page.getByText('You have not asked for help yet.').waitFor();
    await context.close();
  });

  it('asks for help in Arabic, right to left, and fits a phone', async () => {
    const { context, page } = await newPhone(browser);
    await signInByCode(page, '0733 000 222', '+254733000222');
    await page.goto(`${portalUrl}/tickets/new`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    await page.getByLabel('ما المشكلة، بكلمات قليلة؟').fill('الإنترنت بطيء في المساء');
    await page.getByLabel('أخبرنا بالمزيد').fill('بعد الساعة 8 مساءً يصبح بطيئًا جدًا.');
    await page.getByRole('button', { name: 'إرسال' }).click();
    await page.waitForURL(/\/portal\/tickets\/\d+\?done=opened$/);
    expect(await page.locator('#status').textContent()).toBe('بانتظار ردنا');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await page.screenshot({ path: path.join(screens, 'portal-ticket-ar-360.png'), fullPage: true });
    await page.goto(`${portalUrl}/tickets`);
    expect(await page.locator('#tickets tbody tr').count()).toBe(1);
    expect(await page.locator('h1').textContent()).toBe('المساعدة');
    await context.close();
  });
});

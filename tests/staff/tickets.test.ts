import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';
import { openTestDatabase } from '../support/postgres.js';

// Issue 9's support desk, end to end against the real daemon in a phone-sized Chromium: staff
// open a ticket for a customer who called (from the customer's page, or by username), the list
// filters by assignee and category and shows an overdue ticket apart, and a ticket is assigned
// and closed, each step in the audit log.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }

const signIn = (page: Page) => staffSignIn(page, staffUrl, 'otieno', 'support-desk-1');
const ticketIdOf = (page: Page) => Number(/\/tickets\/(\d+)/.exec(page.url())![1]);

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-net', '--plan', 'Home 10M', '--name', 'Alice Wanjiru', '--phone', '+254 712 345 678'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-net', '--plan', 'Home 10M', '--name', 'Bob Otieno', '--phone', '0722000111'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
    ['staff', 'add', '--username', 'wanjiku', '--role', 'technician', '--password', 'field-tech-1'],
  ];
  for (const args of setup) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the staff tickets screen', () => {
  it('opens a ticket for a customer from their page and by username, refusing an unknown one', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page);
    await page.goto(`${staffUrl}/customers/bob`);
    await page.getByRole('link', { name: 'Open a support ticket' }).click();
    expect(await page.inputValue('#username')).toBe('bob');
    await page.getByLabel('Subject').fill('Charged twice in March');
    await page.getByLabel('Category').selectOption('billing');
    await page.getByLabel('Priority').selectOption('high');
    await page.getByLabel('What the customer told you').fill('Called at 9: two M-Pesa payments for one bill.');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.waitForURL(/\/staff\/tickets\/\d+\?done=opened$/);
    const bobTicket = ticketIdOf(page);
    await page.getByText(`Ticket #${bobTicket} is open.`).waitFor();
    expect(await page.locator('#priority').textContent()).toBe('High');
    expect(await page.locator('#details').textContent()).toContain('Opened byotieno');
    expect(await page.locator('#conversation').textContent()).toContain('two M-Pesa payments for one bill');

    await page.goto(`${staffUrl}/tickets`);
    await page.getByRole('link', { name: 'Open a ticket for a customer' }).click();
    await page.getByLabel('Customer username').fill('nobody');
    await page.getByLabel('Subject').fill('Slow at night');
    await page.getByLabel('What the customer told you').fill('Slow after 20:00.');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.getByText('There is no customer called "nobody".').waitFor();
    // What was typed stays; the right name opens it.
    expect(await page.inputValue('#subject')).toBe('Slow at night');
    await page.getByLabel('Customer username').fill('alice');
    await page.getByLabel('Priority').selectOption('urgent');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.waitForURL(/\/staff\/tickets\/\d+\?done=opened$/);
    expect(cli<Audit[]>('audit', '--subject', `ticket:${bobTicket}`)[0]).toMatchObject({ actor: 'staff:otieno', action: 'ticket.open' });
    await context.close();
  }, 30_000);

  it('filters by assignee and category, and shows an overdue ticket apart', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page);
    // Alice's urgent ticket was opened five hours ago and nobody answered (the test moves its clock back).
    const db = openTestDatabase(daemon.env.LANGO_DB!);
    const hours = 3_600_000;
    const now = Date.now();
    db.prepare("UPDATE tickets SET created_at = ?, first_response_due_at = ?, resolve_due_at = ? WHERE subject = 'Slow at night'").run(now - 5 * hours, now - 4 * hours, now - hours);
    db.close();

    await page.goto(`${staffUrl}/tickets`);
    const rows = page.locator('#tickets tbody tr');
    expect(await rows.count()).toBe(2);
    const late = rows.filter({ hasText: 'Slow at night' });
    expect(await late.locator('.overdue').textContent()).toBe('Overdue');
    expect(await rows.filter({ hasText: 'Charged twice' }).locator('.overdue').count()).toBe(0);
    expect(await page.locator('#overdue-count').textContent()).toContain('1 ticket(s) past their due time.');
    const screens = path.join(repoRoot(), 'test-artifacts', 'screens');
    mkdirSync(screens, { recursive: true });
    await page.screenshot({ path: path.join(screens, 'staff-tickets-360.png'), fullPage: true });
    await page.getByRole('link', { name: 'Show them' }).click();
    await page.waitForURL(/overdue=yes/);
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Slow at night');

    // Assign Bob's ticket to the technician; the list by assignee and by category finds it.
    await page.goto(`${staffUrl}/tickets`);
    await page.getByRole('link', { name: 'Charged twice in March' }).click();
    await page.getByLabel('Assigned to').selectOption('wanjiku');
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.getByText('Assignment saved.').waitFor();
    expect(await page.locator('#assignee').textContent()).toBe('wanjiku');
    const bobTicket = ticketIdOf(page);

    await page.goto(`${staffUrl}/tickets`);
    await page.selectOption('#f-assignee', 'wanjiku');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/assignee=wanjiku/);
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Charged twice in March');
    await page.selectOption('#f-assignee', '-');
    await page.selectOption('#f-category', 'billing');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/category=billing/);
    await page.locator('#no-tickets').waitFor();

    // Closed: no more writing on it, and off the default list.
    await page.goto(`${staffUrl}/tickets/${bobTicket}`);
    await page.getByLabel('Status').selectOption('closed');
    await page.getByRole('button', { name: 'Set status' }).click();
    await page.getByText('Status saved.').waitFor();
    await page.getByText('This ticket is closed: set it open again to write on it.').waitFor();
    expect(await page.locator('#reply').count()).toBe(0);
    await page.goto(`${staffUrl}/tickets`);
    expect(await rows.count()).toBe(1);
    expect(cli<Audit[]>('audit', '--subject', `ticket:${bobTicket}`).map((a) => a.action)).toEqual(['ticket.status', 'ticket.assign', 'ticket.open']);
    await context.close();
  }, 30_000);
});

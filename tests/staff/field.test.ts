import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson } from '../support/peers.js';

// Issue 9's equipment and field jobs, end to end against the real daemon in a phone-sized
// Chromium: the office adds a router and a modem and books an installation for a customer who
// waits, suspended, for it; the technician finds it under My jobs, ticks the checklist, fits the
// modem and completes it; the customer is then active and the modem installed with them.
// Support may look at the inventory but not change it.

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

/** Submits a form and waits for the page it leads to. */
async function submit(page: Page, button: string): Promise<void> {
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: button, exact: true }).click()]);
}

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-net', '--plan', 'Home 10M', '--name', 'Bob Otieno', '--phone', '0722000111', '--location', 'Kilimani, Argwings Kodhek Rd'],
    ['customer', 'suspend', '--username', 'bob'],
    ['staff', 'add', '--username', 'amina', '--role', 'admin', '--password', 'office-admin-1'],
    ['staff', 'add', '--username', 'wanjiku', '--role', 'technician', '--password', 'field-tech-1'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
  ];
  for (const args of setup) cli(...args);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('equipment and field jobs', () => {
  it('takes an installation from the office to the technician’s phone, activating the customer with the modem fitted', async () => {
    expect(cli<{ status: string }>('customer', 'show', '--username', 'bob').status).toBe('suspended');
    const office = await newPhone(browser);
    let page = office.page;
    await staffSignIn(page, staffUrl, 'amina', 'office-admin-1');

    for (const [kind, model, serial, mac] of [
      ['router', 'MikroTik hAP ac2', 'hx-2201', 'aa-bb-cc-00-11-22'],
      ['modem', 'Huawei B311', 'MD-7', ''],
    ] as const) {
      await page.goto(`${staffUrl}/equipment`);
      await page.getByRole('link', { name: 'Add equipment' }).click();
      await page.getByLabel('Kind').selectOption(kind);
      await page.getByLabel('Model').fill(model);
      await page.getByLabel('Serial number').fill(serial);
      await page.getByLabel('MAC address').fill(mac);
      await page.getByLabel('Site').fill('Nairobi store');
      await submit(page, 'Add to stock');
      await page.getByText(`Item ${serial.toUpperCase()} is in stock.`).waitFor();
    }
    expect(await page.locator('#status').textContent()).toBe('In stock');
    // The same serial twice is refused in plain words.
    await page.goto(`${staffUrl}/equipment/new`);
    await page.getByLabel('Model').fill('Another');
    await page.getByLabel('Serial number').fill('md-7');
    await submit(page, 'Add to stock');
    await page.getByText('An item with this serial number is already in the inventory.').waitFor();
    await page.goto(`${staffUrl}/equipment?q=AABB.CC00.1122`);
    expect(await page.locator('#equipment tbody tr').count()).toBe(1);
    expect(await page.locator('#equipment').textContent()).toContain('HX-2201');

    // From the customer's page to a new installation job.
    await page.goto(`${staffUrl}/customers/bob`);
    await page.getByRole('link', { name: 'Jobs for this customer' }).click();
    await page.getByText('No jobs here.').waitFor();
    await page.getByRole('link', { name: 'New job' }).click();
    expect(await page.inputValue('#username')).toBe('bob');
    expect(await page.inputValue('#kind')).toBe('installation');
    await submit(page, 'Create job');
    await page.waitForURL(/\/staff\/jobs\/\d+\?done=created$/);
    const jobUrl = page.url().replace(/\?.*$/, '');
    expect(await page.locator('#address').textContent()).toBe('Kilimani, Argwings Kodhek Rd');
    await page.getByLabel('Technician').selectOption('wanjiku');
    await submit(page, 'Assign');
    await page.getByText('The technician is set.').waitFor();
    await page.getByLabel('Date').fill('2031-05-06');
    await page.getByLabel('Time').fill('10:30');
    await submit(page, 'Schedule');
    await page.getByText('The visit is scheduled and the customer will get an SMS.').waitFor();
    expect(await page.locator('#when').textContent()).toBe('2031-05-06 10:30');
    expect(await page.locator('#status').textContent()).toBe('Scheduled');
    const sms = cli<Array<Record<string, unknown>>>('sms', 'list', '--username', 'bob');
    expect(JSON.stringify(sms)).toContain('2031-05-06 10:30');
    await office.context.close();

    // The technician, on their phone.
    const field = await newPhone(browser);
    page = field.page;
    await staffSignIn(page, staffUrl, 'wanjiku', 'field-tech-1');
    await page.goto(`${staffUrl}/jobs`);
    expect(await page.locator('#views [aria-current="page"]').textContent()).toBe('My jobs');
    expect(await page.locator('#jobs').textContent()).toContain('bob');
    await page.locator('#jobs a', { hasText: 'Installation' }).click();
    await page.waitForURL(jobUrl);
    // Completing before the checklist is done is refused, saying why.
    await submit(page, 'Complete the job');
    await page.getByText('Tick every line of the checklist before completing the job.').waitFor();
    while ((await page.locator('#checklist li[data-done="no"]').count()) > 0) {
      await Promise.all([page.waitForEvent('load'), page.locator('#checklist li[data-done="no"] button').first().click()]);
    }
    expect(await page.locator('#checklist').textContent()).toContain('ticked by wanjiku');
    await page.getByLabel('Serial number of the item').fill('md-7');
    await submit(page, 'Add to the job');
    await page.getByText('The job’s equipment is updated.').waitFor();
    expect(await page.locator('#job-equipment').textContent()).toContain('MD-7');
    await page.getByLabel('What was done (optional)').fill('Modem on the balcony, good signal.');
    await submit(page, 'Complete the job');
    await page.getByText(/Job #\d+ is complete and the customer’s service is active\./).waitFor();
    expect(await page.locator('#status').textContent()).toBe('Done');

    await page.goto(`${staffUrl}/equipment?q=MD-7`);
    await page.locator('#equipment a', { hasText: 'MD-7' }).click();
    expect(await page.locator('#status').textContent()).toBe('Installed');
    expect(await page.locator('#customer').textContent()).toContain('bob');
    expect(await page.locator('#history').textContent()).toContain('In stock → Installed');
    await field.context.close();

    expect(cli<{ status: string }>('customer', 'show', '--username', 'bob').status).toBe('active');
  }, 90_000);

  it('lets support look at the inventory but not change it (403)', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'otieno', 'support-desk-1');
    expect((await page.goto(`${staffUrl}/equipment`))?.status()).toBe(200);
    expect(await page.getByRole('link', { name: 'Add equipment' }).count()).toBe(0);
    expect((await page.goto(`${staffUrl}/equipment/new`))?.status()).toBe(403);
    await context.close();
  }, 30_000);
});

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoOk, metrics, sample, until } from '../support/peers.js';

// Webhooks end to end against the real daemon: an administrator adds an endpoint on the staff
// page and copies its secret; cash taken with `lango pay` (another process) reaches the
// receiver once, signed so the Standard Webhooks library accepts it; a suspension follows.

let daemon: Daemon;
let browser: Browser;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ body: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/lango-events`;
  daemon = await startDaemon();
  langoOk(daemon, 'staff', 'add', '--username', 'amina', '--role', 'admin', '--password', 'office-admin-1');
  langoOk(daemon, 'staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1');
  langoOk(daemon, 'customer', 'add', '--username', 'wanjiku', '--password', 'wanjiku-net-1', '--currency', 'KES');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
  await new Promise((resolve) => receiver?.close(resolve));
});

const messagesOf = (secret: string, type: string) =>
  received
    .map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { id: string; type: string; data: Record<string, unknown> })
    .filter((m) => m.type === type);

describe('webhooks', () => {
  it('sends a cash payment and a suspension to the endpoint staff added, signed, once each', async () => {
    const staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'amina', 'office-admin-1');
    await page.goto(`${staffUrl}/integrations/webhooks`);
    await page.getByText('No endpoints yet: nothing is sent.').waitFor();

    // A mistyped address changes nothing and keeps what was typed.
    await page.fill('#url', 'ftp://books.example/hooks');
    await page.getByLabel('Payment received').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('Enter a full address starting with http:// or https://.').waitFor();

    await page.fill('#url', receiverUrl);
    await page.fill('#description', 'Accounts package');
    await page.getByLabel('Payment received').check();
    await page.getByLabel('Customer suspended').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('Endpoint added.').waitFor();
    const secret = (await page.locator('#secret').innerText()).trim();
    expect(secret).toMatch(/^whsec_/);
    // Shown once: a reload no longer has it.
    await page.reload();
    expect(await page.locator('#secret').count()).toBe(0);

    const paid = JSON.parse(langoOk(daemon, 'pay', '--username', 'wanjiku', '--amount', '1500', '--method', 'cash', '--reference', 'RB-0042', '--json')) as { payment: { id: number; receiptNumber: string } };
    const [payment] = await until('payment.received at the receiver', () => {
      const found = messagesOf(secret, 'payment.received');
      return found.length > 0 ? found : undefined;
    });
    expect(payment!.data).toMatchObject({ paymentId: paid.payment.id, receiptNumber: paid.payment.receiptNumber, username: 'wanjiku', amountMinor: 150_000, currency: 'KES', method: 'cash', reference: 'RB-0042' });

    langoOk(daemon, 'customer', 'suspend', '--username', 'wanjiku');
    const [suspended] = await until('customer.suspended at the receiver', () => {
      const found = messagesOf(secret, 'customer.suspended');
      return found.length > 0 ? found : undefined;
    });
    expect(suspended!.data).toMatchObject({ username: 'wanjiku', status: 'suspended', previousStatus: 'active' });
    expect(messagesOf(secret, 'payment.received')).toHaveLength(1);
    expect(received).toHaveLength(2);

    await page.reload();
    const rows = page.locator('#webhook-deliveries tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.filter({ hasText: 'Payment received' }).innerText()).toContain('Delivered');
    const scraped = await metrics(daemon);
    expect(scraped).toContain('lango_webhook_deliveries{status="queued"}');
    expect(sample(scraped, 'lango_webhook_deliveries', { status: 'queued' })).toBe(0);
    expect(sample(scraped, 'lango_webhook_deliveries', { status: 'failed' })).toBe(0);

    // Staff's test event reaches the receiver too; turning the endpoint off stops the events.
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await page.getByText('Test event queued').waitFor();
    await until('the test event', () => (received.length === 3 ? true : undefined));
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByText('Endpoint turned off').waitFor();
    langoOk(daemon, 'customer', 'activate', '--username', 'wanjiku');
    langoOk(daemon, 'customer', 'suspend', '--username', 'wanjiku');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(received).toHaveLength(3);
    await page.reload();
    // Nothing was even queued for it while off.
    expect(await page.locator('#webhook-deliveries tbody tr').count()).toBe(3);

    // Deleting asks for the box to be ticked first.
    await page.getByRole('checkbox', { name: /delete this endpoint/ }).check();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Endpoint deleted.').waitFor();
    await page.getByText('No endpoints yet: nothing is sent.').waitFor();
    await context.close();
  }, 90_000);

  it('keeps the page from staff without the integrations permission', async () => {
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, `http://127.0.0.1:${daemon.httpPort}/staff`, 'otieno', 'support-desk-1');
    const response = await page.goto(`http://127.0.0.1:${daemon.httpPort}/staff/integrations/webhooks`);
    expect(response?.status()).toBe(403);
    await context.close();
  }, 30_000);
});

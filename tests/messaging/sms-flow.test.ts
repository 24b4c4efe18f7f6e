import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startAfricasTalking, type AtEmulator } from '../../scripts/emulators/africas-talking.js';
import { langoJson, langoJsonAsync, langoOk, until } from '../support/peers.js';

// Issue 5 end to end for SMS: the real daemon and CLI with the Africa's Talking emulator. The
// outbox hands messages to the gateway after commit, retries what the gateway refuses for now,
// and takes delivery reports on the token-guarded callback path.

let daemon: Daemon;
let at: AtEmulator;

const ok = (...args: string[]) => langoOk(daemon, ...args);
interface MessageRow { id: number; status: string; to: string; template: string | null; text: string; attempts: number; error: string | null }
// Polled without blocking: the gateway emulator runs in this process and must answer the daemon meanwhile.
const messages = (username: string) => langoJsonAsync<MessageRow[]>(daemon, 'sms', 'list', '--username', username);

beforeAll(async () => {
  at = await startAfricasTalking({ username: 'lango-isp', apiKey: 'at-key-e2e' });
  daemon = await startDaemon();
  ok('settings', 'set', '--key', 'payments.publicUrl', '--value', `http://127.0.0.1:${daemon.httpPort}`);
  ok('sms', 'gateway', 'set', '--gateway', 'africastalking', '--config', JSON.stringify({ baseUrl: at.url, username: 'lango-isp', apiKey: 'at-key-e2e', from: 'LANGO' }));
  ok('settings', 'set', '--key', 'messaging.smsGateway', '--value', 'africastalking');
  ok('settings', 'set', '--key', 'messaging.smsPartCostMinor', '--value', '80');
  ok('plan', 'add', '--name', 'Month', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/5M');
  ok('customer', 'add', '--username', 'amina', '--password', 'pw', '--plan', 'Month', '--phone', '0711000001');
  ok('customer', 'add', '--username', 'deng', '--password', 'pw', '--plan', 'Month', '--phone', '0711000002', '--language', 'ar');
  ok('customer', 'add', '--username', 'wekesa', '--password', 'pw', '--plan', 'Month', '--phone', '0711000003');
  at.setDlrUrl(langoJson<{ url: string }>(daemon, 'sms', 'dlr-url').url);
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await at?.close();
});

describe("SMS through Africa's Talking", () => {
  it('sends a receipt in the customer’s language when a payment is recorded, and marks it delivered on the report', async () => {
    ok('pay', '--username', 'deng', '--amount', '1500', '--method', 'cash', '--reference', 'BOOK-001');
    const sent = await until('the receipt at the gateway', () => at.sent.find((s) => s.to === '+254711000002'));
    expect(sent.message).toMatch(/[\u0600-\u06FF]/);
    const message = await until('the message marked sent', async () => (await messages('deng')).find((m) => m.template === 'payment_received' && m.status === 'sent'));
    expect(await at.deliveryReport(sent.messageId!, 'Success')).toBe(200);
    await until('the delivery report applied', async () => (await messages('deng')).find((m) => m.id === message.id && m.status === 'delivered'));
    // A late interim report never moves a delivered message back.
    await at.deliveryReport(sent.messageId!, 'Sent');
    expect((await messages('deng')).find((m) => m.id === message.id)!.status).toBe('delivered');
  });

  it('retries a message the gateway refuses for now, and fails one for a number it cannot reach', async () => {
    at.script('+254711000001', { statusCode: 500 });
    at.script('+254711000003', { statusCode: 403 });
    ok('sms', 'send', '--username', 'amina', '--text', 'Your router visit is tomorrow at 10:00.');
    ok('sms', 'send', '--username', 'wekesa', '--text', 'Your router visit is tomorrow at 10:00.');
    await until('the retry', async () => (await messages('amina')).find((m) => m.status === 'queued' && m.attempts === 1 && m.error !== null));
    await until('the permanent failure', async () => (await messages('wekesa')).find((m) => m.status === 'failed'));
    // Two waits of up to 20 s each: under a loaded CI machine the default 30 s is not enough.
  }, 60_000);

  it('previews a bulk message with its cost and sends it only when asked, once', async () => {
    at.script('+254711000001', { statusCode: 101 });
    const before = at.sent.length;
    const preview = langoJson<{ sent: boolean; preview: { recipients: number; totalParts: number; costMinor: number } }>(daemon, 'sms', 'bulk', '--status', 'active', '--text', 'Dear {{name}}, the network is down for maintenance tonight 01:00-03:00.');
    expect(preview).toMatchObject({ sent: false, preview: { recipients: 3 } });
    expect(preview.preview.costMinor).toBe(preview.preview.totalParts * 80);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(at.sent.length, 'a preview sends nothing').toBe(before);
    const first = langoJson<{ created: boolean; queued: number }>(daemon, 'sms', 'bulk', '--status', 'active', '--text', 'Dear {{name}}, the network is down for maintenance tonight 01:00-03:00.', '--send');
    const again = langoJson<{ created: boolean; queued: number }>(daemon, 'sms', 'bulk', '--status', 'active', '--text', 'Dear {{name}}, the network is down for maintenance tonight 01:00-03:00.', '--send');
    expect(first).toMatchObject({ created: true, queued: 3 });
    expect(again).toMatchObject({ created: false });
    await until('the bulk messages at the gateway', () => (at.sent.filter((s) => s.message.includes('maintenance')).length >= 3 ? true : undefined));
  });

  it('refuses a delivery report on a wrong token', async () => {
    const url = langoJson<{ url: string }>(daemon, 'sms', 'dlr-url').url.replace(/\/cb\/[0-9a-f]+\//, '/cb/00000000/');
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=x&status=Success' });
    expect(response.status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startDaraja, type DarajaEmulator } from '../../scripts/emulators/daraja.js';
import { langoAsync, langoJson, langoOk, until } from '../support/peers.js';
import { connectMpesa } from '../support/mpesa.js';
import { onPostgres, openTestDatabase } from '../support/postgres.js';

// Issue 5 end to end with M-Pesa: the real daemon and CLI, the Daraja emulator on loopback,
// and the real client code between them. STK success, cancellation, duplicates, a dropped
// callback settled by the reconciler, paybill validation and confirmation, and a crash
// between storing a callback and posting it.

let daemon: Daemon;
let daraja: DarajaEmulator;

const ok = (...args: string[]) => langoOk(daemon, ...args);

interface AttemptRow { id: number; status: string; receipt: string | null; review: string | null; amount: string }
const attempts = (...args: string[]) => langoJson<AttemptRow[]>(daemon, 'payments', 'list', ...args);
const sms = (username: string) => langoJson<Array<{ template: string | null; status: string; to: string; text: string }>>(daemon, 'sms', 'list', '--username', username);
const balance = (username: string) => langoJson<{ balance: { dueMinor: number; walletMinor: number } }>(daemon, 'customer', 'balance', '--username', username).balance;

async function payRequest(username: string, amount: string): Promise<{ attempt: { id: number; status: string }; reused: boolean }> {
  const run = await langoAsync(daemon, 'pay', 'request', '--username', username, '--provider', 'mpesa', '--amount', amount, '--json');
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { attempt: { id: number; status: string }; reused: boolean };
}
async function request(username: string, amount: string): Promise<number> {
  const result = await payRequest(username, amount);
  expect(result.attempt.status).toBe('pending');
  return result.attempt.id;
}
const final = (id: number, timeoutMs?: number) => until(`attempt ${id} to close`, () => attempts().find((a) => a.id === id && a.status !== 'pending'), timeoutMs);

beforeAll(async () => {
  // Daraja gives up on a callback after a few seconds; a CI machine running two daemons and a
  // browser at once can take longer than that to answer, and the duplicate test counts answers.
  daraja = await startDaraja({ consumerKey: 'key-e2e', consumerSecret: 'secret-e2e', callbackTimeoutMs: 30_000 });
  daemon = await startDaemon({ env: { LANGO_PAYMENT_CHECK_INTERVAL: '1' } });
  connectMpesa(daemon, daraja, { consumerKey: 'key-e2e', consumerSecret: 'secret-e2e' }, { queryAfterMs: 1500, giveUpAfterMs: 60_000 });
  ok('plan', 'add', '--name', 'Week', '--price', '500', '--currency', 'KES', '--duration', '7d', '--rate', '5M/5M');
  for (const [name, phone] of [['wanjiru', '0708374149'], ['otieno', '0708374150'], ['akinyi', '0708374151'], ['kamau', '0708374152'], ['njeri', '0708374153']]) {
    ok('customer', 'add', '--username', name!, '--password', 'pw', '--plan', 'Week', '--phone', phone!);
  }
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await daraja?.close();
});

describe('M-Pesa STK push against the Daraja emulator', () => {
  it('credits a paid prompt to the wallet once, with a receipt, and keeps the secrets out of the settings shown', async () => {
    const id = await request('wanjiru', '500');
    const done = await final(id);
    expect(done).toMatchObject({ status: 'succeeded', review: null });
    expect(done.receipt).toMatch(/^[A-Z0-9]{10}$/);
    expect(balance('wanjiru').walletMinor).toBe(50000);
    // The receipt SMS, rendered from the template and handed to the (log) gateway.
    const receipt = await until('the receipt SMS', () => sms('wanjiru').find((m) => m.template === 'payment_received' && m.status === 'sent'));
    expect(receipt.to).toBe('+254708374149');
    expect(receipt.text).toMatch(/RCT-\d{4}-\d{6}/);
    const shown = langoJson<Record<string, string>>(daemon, 'provider', 'show', '--provider', 'mpesa');
    expect(shown).toMatchObject({ consumerSecret: '(set)', passkey: '(set)' });
    expect(JSON.stringify(shown)).not.toContain('secret-e2e');
  });

  it('credits nothing when the customer cancels, and records the reason', async () => {
    daraja.script('254708374150', { resultCode: 1032 });
    const id = await request('otieno', '500');
    const done = await final(id);
    expect(done.status).toBe('cancelled');
    expect(balance('otieno').walletMinor).toBe(0);
    await until('the "not completed" SMS', () => sms('otieno').find((m) => m.template === 'payment_failed'));
  });

  it('credits once when the same callback arrives five times', async () => {
    daraja.script('254708374151', { duplicates: 4 });
    const id = await request('akinyi', '500');
    await final(id);
    await until('all five callbacks', () => (daraja.callbacksSent.filter((c) => c.kind === 'stk' && (c.body as { Body: { stkCallback: { CheckoutRequestID: string } } }).Body.stkCallback.CheckoutRequestID === daraja.pushes.at(-1)!.checkoutRequestId).length >= 5 ? true : undefined));
    expect(balance('akinyi').walletMinor).toBe(50000);
    expect(daraja.callbacksSent.filter((c) => c.kind === 'stk').map((c) => c.status)).toEqual(daraja.callbacksSent.filter((c) => c.kind === 'stk').map(() => 200));
  });

  it('settles a payment whose callback never comes by asking M-Pesa (the reconciler)', async () => {
    daraja.script('254708374152', { drop: true, delayMs: 300 });
    const id = await request('kamau', '500');
    const done = await final(id);
    // The query carries no receipt: credited, and flagged to be matched against a statement.
    expect(done).toMatchObject({ status: 'succeeded', receipt: null, review: 'no-receipt' });
    expect(balance('kamau').walletMinor).toBe(50000);
  });

  it('returns the open request when the pay button is pressed twice, instead of a second prompt', async () => {
    daraja.script('254708374153', { delayMs: 5000 });
    const pushes = daraja.pushes.length;
    const first = await request('njeri', '500');
    const second = await payRequest('njeri', '500');
    expect(second).toMatchObject({ attempt: { id: first }, reused: true });
    expect(daraja.pushes.length).toBe(pushes + 1);
  });
});

describe('M-Pesa paybill (C2B) against the Daraja emulator', () => {
  beforeAll(async () => {
    const run = await langoAsync(daemon, 'provider', 'register-c2b');
    expect(run.status, run.stderr).toBe(0);
  });

  it('rejects a payment to an account number nobody has at validation, so no money moves', async () => {
    const result = await daraja.simulateC2B({ amount: 300, billRef: 'NOBODY42' });
    expect(result).toMatchObject({ validation: 'rejected', resultCode: 'C2B00012', confirmed: false });
  });

  it('credits the account the customer typed, in any case, once per M-Pesa receipt', async () => {
    const before = balance('otieno').walletMinor;
    const result = await daraja.simulateC2B({ amount: '250.00', billRef: ' Otieno ' });
    expect(result).toMatchObject({ validation: 'accepted', confirmed: true });
    await until('the paybill credit', () => (balance('otieno').walletMinor === before + 25000 ? true : undefined));
    const again = await daraja.simulateC2B({ amount: '250.00', billRef: 'OTIENO', transId: result.transId });
    expect(again.confirmed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(balance('otieno').walletMinor).toBe(before + 25000);
  });
});

describe('a crash between storing a callback and posting it', () => {
  it('leaves the attempt pending, and the restarted daemon settles it exactly once', async () => {
    ok('customer', 'add', '--username', 'chebet', '--password', 'pw', '--plan', 'Week', '--phone', '0708374160');
    daraja.script('254708374160', { delayMs: 400 });
    // Posting fails as if the process died mid-transaction: the raw callback is already stored.
    const db = openTestDatabase(daemon.dbPath);
    // The same failing trigger in each dialect's own words.
    db.exec(
      onPostgres()
        ? `CREATE FUNCTION crash() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''simulated crash''; END';
           CREATE TRIGGER crash BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION crash()`
        : `CREATE TRIGGER crash BEFORE INSERT ON payments BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`,
    );
    const id = await request('chebet', '500');
    await until('the callback to be refused', () => (daraja.callbacksSent.some((c) => c.kind === 'stk' && c.status >= 500) ? true : undefined));
    expect(attempts().find((a) => a.id === id)!.status).toBe('pending');
    await daemon.stop('SIGKILL');
    db.exec(onPostgres() ? 'DROP TRIGGER crash ON payments; DROP FUNCTION crash()' : 'DROP TRIGGER crash');
    db.close();
    daemon = await startDaemon({ dir: daemon.dir, env: { LANGO_PAYMENT_CHECK_INTERVAL: '1' } });
    ok('settings', 'set', '--key', 'payments.publicUrl', '--value', `http://127.0.0.1:${daemon.httpPort}`);
    // Generous, and telling: CI once waited 20 s here in vain, and only the daemon's log can say why.
    const done = await final(id, 45_000).catch((err: Error) => {
      throw new Error(`${err.message}; the restarted daemon logged:\n${daemon.logs().slice(-40).join('\n')}`);
    });
    expect(done.status).toBe('succeeded');
    await daraja.resendLastCallback(daraja.pushes.at(-1)!.checkoutRequestId, 2);
    expect(balance('chebet').walletMinor).toBe(50000);
  }, 120_000);
});

describe('the public callback endpoints', () => {
  const stkUrl = () => langoJson<Array<{ name: string; callbacks: string[] }>>(daemon, 'provider', 'list').find((p) => p.name === 'mpesa')!.callbacks[0]!;
  const post = (url: string, body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });

  it('answer a wrong token with 404, and never name the provider in their paths', async () => {
    const url = stkUrl();
    expect(url).not.toMatch(/mpesa|safaricom/i);
    expect((await post(url.replace(/\/cb\/[0-9a-f]+\//, '/cb/0123456789abcdef/'), '{}')).status).toBe(404);
  });

  it('refuse bodies that are not what M-Pesa sends with a 400, changing nothing', async () => {
    const before = attempts().length;
    for (const [body, type] of [['not json', 'application/json'], ['{"Body":{}}', 'application/json'], ['{"Body":{"stkCallback":{"ResultCode":"DROP TABLE"}}}', 'application/json'], ['a=1', 'application/x-www-form-urlencoded']] as const) {
      const response = await post(stkUrl(), body, type);
      expect(response.status, body).toBe(400);
      expect(await response.text()).not.toMatch(/stack|sqlite|at \//i);
    }
    expect((await post(stkUrl(), JSON.stringify({ pad: 'x'.repeat(20_000) }))).status).toBe(413);
    expect(attempts().length).toBe(before);
  });

  it('store and flag a well-formed callback for a request Lango never made, crediting nothing', async () => {
    const ghost = { Body: { stkCallback: { MerchantRequestID: '1-2-3', CheckoutRequestID: 'ws_CO_000000000000000000', ResultCode: 0, ResultDesc: 'ok', CallbackMetadata: { Item: [{ Name: 'Amount', Value: 10 }, { Name: 'MpesaReceiptNumber', Value: 'GHOST00001' }, { Name: 'PhoneNumber', Value: 254700000000 }] } } } };
    expect((await post(stkUrl(), JSON.stringify(ghost))).status).toBe(200);
    // Held back for a minute in case the push answer is still on its way; the row is stored already.
    const stored = openTestDatabase(daemon.dbPath, { readonly: true });
    const row = stored.prepare(`SELECT result FROM payment_inbox WHERE dedupe_key = 'ws_CO_000000000000000000'`).get() as { result: string | null } | undefined;
    stored.close();
    expect(row).toBeDefined();
    expect(attempts().some((a) => a.receipt === 'GHOST00001')).toBe(false);
  });
});

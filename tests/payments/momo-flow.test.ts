import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startMomo, type MomoEmulator } from '../../scripts/emulators/momo.js';
import { langoAsync, langoJson, langoOk, until } from '../support/peers.js';

// Issue 5 end to end with MTN MoMo (Uganda, UGX): the real daemon and CLI against the MoMo
// emulator. A MoMo callback is only a hint, so every credit here went through a status query;
// an initiation whose answer was lost is asked about by the id Lango chose, and sent again
// under the same id only when MoMo never got it.

let daemon: Daemon;
let momo: MomoEmulator;

const ok = (...args: string[]) => langoOk(daemon, ...args);
interface AttemptRow { id: number; status: string; receipt: string | null; review: string | null; result: string | null }
const attempts = () => langoJson<AttemptRow[]>(daemon, 'payments', 'list');
const wallet = (username: string) => langoJson<{ balance: { walletMinor: number } }>(daemon, 'customer', 'balance', '--username', username).balance.walletMinor;

async function request(username: string, amount: string): Promise<{ id: number; status: string }> {
  const run = await langoAsync(daemon, 'pay', 'request', '--username', username, '--provider', 'momo', '--amount', amount, '--json');
  expect(run.status, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { attempt: { id: number; status: string } }).attempt;
}
// Polled without blocking: the emulator answers the daemon from this process, and a spawnSync
// per poll on a loaded machine kept it silent past the provider timeout, round after round.
const attemptsAsync = async (): Promise<AttemptRow[]> => {
  const run = await langoAsync(daemon, 'payments', 'list', '--json');
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as AttemptRow[];
};
const final = (id: number) => until(`attempt ${id} to close`, async () => (await attemptsAsync()).find((a) => a.id === id && a.status !== 'pending' && a.status !== 'unknown'));

beforeAll(async () => {
  momo = await startMomo({ targetEnvironment: 'mtnuganda', currency: 'UGX', callbackHost: '127.0.0.1' });
  daemon = await startDaemon({ env: { LANGO_PAYMENT_CHECK_INTERVAL: '1', LANGO_TIMEZONE: 'Africa/Kampala' } });
  ok('settings', 'set', '--key', 'operator.country', '--value', 'UG');
  ok('settings', 'set', '--key', 'payments.publicUrl', '--value', `http://127.0.0.1:${daemon.httpPort}`);
  const file = path.join(daemon.dir, 'momo.json');
  writeFileSync(file, JSON.stringify({ baseUrl: momo.url, targetEnvironment: 'mtnuganda', currency: 'UGX', apiUser: momo.apiUser, apiKey: momo.apiKey, subscriptionKey: momo.subscriptionKey, timeoutMs: 1000, queryAfterMs: 1000, giveUpAfterMs: 60_000 }));
  ok('provider', 'set', '--provider', 'momo', '--config-file', file);
  ok('plan', 'add', '--name', 'Day UG', '--price', '2000', '--currency', 'UGX', '--duration', '1d', '--rate', '2M/2M');
  for (const [name, phone] of [['nakato', '0772123456'], ['okello', '0772123457'], ['auma', '0772123458'], ['mukasa', '0772123459']]) {
    ok('customer', 'add', '--username', name!, '--password', 'pw', '--plan', 'Day UG', '--phone', phone!, '--currency', 'UGX');
  }
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await momo?.close();
});

describe('MTN MoMo request-to-pay against the MoMo emulator', () => {
  it('credits a successful payment after confirming the callback with a status query', async () => {
    momo.script('256772123456', { status: 'SUCCESSFUL', afterMs: 300 });
    const attempt = await request('nakato', '2000');
    expect(attempt.status).toBe('pending');
    const done = await final(attempt.id);
    expect(done.status).toBe('succeeded');
    expect(done.receipt).toBeTruthy();
    expect(wallet('nakato')).toBe(2000);
    expect(momo.callbacksSent.some((c) => c.method === 'PUT')).toBe(true);
  });

  it('credits nothing when the payer has too little money, and keeps the reason', async () => {
    momo.script('256772123457', { status: 'FAILED', reason: 'NOT_ENOUGH_FUNDS', afterMs: 300 });
    const done = await final((await request('okello', '2000')).id);
    expect(done, JSON.stringify(momo.requests.slice(-3).map((r) => [r.method, r.path, r.body]))).toMatchObject({ status: 'failed' });
    expect(done.result).toContain('NOT_ENOUGH_FUNDS');
    expect(wallet('okello')).toBe(0);
  });

  it('asks about a request whose answer was lost, and credits it once without sending it twice', async () => {
    momo.script('256772123458', { status: 'SUCCESSFUL', dropCallback: true });
    momo.fault({ route: 'requesttopay', hang: true, afterProcessing: true, times: 1 });
    const attempt = await request('auma', '2000');
    expect(attempt.status).toBe('unknown');
    const done = await final(attempt.id);
    expect(done.status).toBe('succeeded');
    expect(wallet('auma')).toBe(2000);
    expect(momo.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/requesttopay')).length).toBeGreaterThanOrEqual(1);
  });

  it('sends a request MoMo never got again under the same id, and credits it once', async () => {
    momo.script('256772123459', { status: 'SUCCESSFUL', dropCallback: true });
    momo.fault({ route: 'requesttopay', hang: true, times: 1 });
    const attempt = await request('mukasa', '2000');
    expect(attempt.status).toBe('unknown');
    const done = await final(attempt.id).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(attempts().find((a) => a.id === attempt.id))} ${JSON.stringify(momo.requests.slice(-6).map((r) => [r.method, r.path]))} ${daemon.logs().filter((l) => l.includes('payment')).slice(-5).join('\n')}`);
    });
    expect(done.status).toBe('succeeded');
    expect(wallet('mukasa')).toBe(2000);
    const posts = momo.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/requesttopay'));
    const ids = new Set(posts.slice(-2).map((r) => r.headers['x-reference-id']));
    expect(ids.size).toBe(1);
  });
});

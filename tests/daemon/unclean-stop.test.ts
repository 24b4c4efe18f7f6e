import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { langoJson, langoOk, radclient, until } from '../support/peers.js';
import { onPostgres } from '../support/postgres.js';

// Issue 8, field conditions: a power cut or kill -9 loses nothing the daemon acknowledged, the
// next start needs no manual repair, and its log says the last stop was not clean and what it
// recovered; after a clean stop it says so in one line.

const daemons: Daemon[] = [];
let gateway: Server | undefined;

afterAll(async () => {
  for (const d of daemons) await d.stop('SIGKILL');
  gateway?.closeAllConnections();
  await new Promise((resolve) => (gateway ? gateway.close(resolve) : resolve(undefined)));
});

interface MessageRow { id: number; status: string; template: string | null }
const messagesOf = (d: Daemon) => langoJson<MessageRow[]>(d, 'sms', 'list', '--limit', '100');
const sessionIds = (d: Daemon) => langoJson<Array<{ acctSessionId: string }>>(d, 'sessions', '--limit', '100').map((s) => s.acctSessionId).sort();
const messageOf = (line: string): string => {
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg ?? '');
  } catch {
    return line;
  }
};
const said = (d: Daemon, pattern: RegExp) => d.logs().map(messageOf).filter((m) => pattern.test(m));

describe('after an unclean stop', () => {
  it('starts without repair, logs what it recovered, keeps what it acknowledged, and knows a clean stop', async () => {
    // An SMS gateway that takes the request and never answers: the receipt stays 'sending' until the kill.
    const hanging: string[] = [];
    gateway = createServer((req) => {
      hanging.push(req.url ?? '');
    });
    await new Promise<void>((resolve) => gateway!.listen(0, '127.0.0.1', resolve));
    const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;

    const first = await startDaemon();
    daemons.push(first);
    const ok = (...args: string[]) => langoOk(first, ...args);
    // A fresh database has no marker: that counts as a clean stop.
    expect(said(first, /^previous stop was clean$/)).toHaveLength(1);

    ok('nas', 'add', '--name', 'R1', '--ip', '127.0.0.1', '--secret', 'cut-secret');
    ok('plan', 'add', '--name', 'Month', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/5M');
    ok('customer', 'add', '--username', 'amina', '--password', 'pw', '--plan', 'Month', '--phone', '0711000001');
    ok('sms', 'gateway', 'set', '--gateway', 'africastalking', '--config', JSON.stringify({ baseUrl: gatewayUrl, username: 'lango-isp', apiKey: 'k', from: 'LANGO', timeoutMs: 120_000 }));
    ok('settings', 'set', '--key', 'messaging.smsGateway', '--value', 'africastalking');

    for (const id of ['cut-1', 'cut-2']) {
      const acct = radclient(`Acct-Status-Type = Start\nAcct-Session-Id = "${id}"\nUser-Name = "amina"\n`, `127.0.0.1:${first.acctPort}`, 'acct', 'cut-secret');
      expect(acct.status, acct.stdout + acct.stderr).toBe(0);
    }
    // A cash payment: its receipt (a critical message) goes to the gateway and hangs there.
    ok('pay', '--username', 'amina', '--amount', '1500', '--method', 'cash', '--reference', 'CUT-001');
    await until('the receipt handed to the gateway', () => messagesOf(first).find((m) => m.template === 'payment_received' && m.status === 'sending'));
    // Queued by the CLI behind it; the sender is busy with the hanging call.
    ok('sms', 'send', '--username', 'amina', '--text', 'Your router visit is tomorrow at 10:00.');
    await until('the gateway holding the call', () => (hanging.length > 0 ? true : undefined));

    // Back to the log driver for the next start, so its clean stop does not wait on the gateway;
    // set before the kill because a CLI run after it, as the last connection to close, would
    // checkpoint and remove the write-ahead log the next start should find.
    ok('settings', 'set', '--key', 'messaging.smsGateway', '--value', 'log');
    // SQLite's write-ahead log is a file beside the database; PostgreSQL keeps its own.
    const walBefore = onPostgres() ? 0 : statSync(`${first.dbPath}-wal`).size;
    expect(await first.stop('SIGKILL')).toBeNull();
    if (!onPostgres()) expect(statSync(`${first.dbPath}-wal`).size).toBeGreaterThanOrEqual(walBefore);

    const second = await startDaemon({ dir: first.dir });
    daemons.push(second);
    expect(said(second, /^previous stop was clean$/)).toEqual([]);
    expect(said(second, /^previous stop was not clean/)).toHaveLength(1);
    if (!onPostgres()) expect(said(second, /^database: found a write-ahead log of [\d.]+ (bytes|KiB|MiB) at open; SQLite replayed the [1-9]\d* committed page\(s\) in it/)).toHaveLength(1);
    expect(said(second, /^scheduled jobs: 0 that were running marked to run again/)).toHaveLength(1);
    // On PostgreSQL a peer node may be the one sending, so start-up takes back only claims whose
    // time ran out (src/startup-recovery.ts); the receipt's claim is still fresh here.
    const handedBack = onPostgres() ? /^SMS: 0 message\(s\) were being handed to the gateway/ : /^SMS: 1 message\(s\) were being handed to the gateway: 1 critical put back in the queue, 0 bulk marked unknown/;
    expect(said(second, handedBack)).toHaveLength(1);
    expect(said(second, /^sessions: 2 still open; 0 silent past the stale limit/)).toHaveLength(1);
    expect(said(second, /^payments: 0 attempt\(s\) still waiting for the provider/)).toHaveLength(1);
    // The recovery report comes before the daemon serves.
    const lines = second.logs().map(messageOf);
    expect(lines.findIndex((m) => m.startsWith('previous stop was not clean'))).toBeLessThan(lines.indexOf('Lango is listening'));

    // Everything acknowledged before the kill is there, and the receipt goes out after all.
    expect(sessionIds(second)).toEqual(['cut-1', 'cut-2']);
    expect(langoJson<Array<{ username: string }>>(second, 'customer', 'list').map((c) => c.username)).toEqual(['amina']);
    // The receipt waits out its retry delay in the queue; the message queued behind it goes out now.
    await until('the queued message sent', () => messagesOf(second).find((m) => m.template === null && m.status === 'sent'));
    expect(messagesOf(second).find((m) => m.template === 'payment_received')?.status).toBe(onPostgres() ? 'sending' : 'queued');
    if (process.env.LANGO_SHOW_RECOVERY) console.log(second.logs().slice(0, 12).join('\n'));

    expect(await second.stop('SIGTERM')).toBe(0);
    const third = await startDaemon({ dir: first.dir });
    daemons.push(third);
    expect(said(third, /^previous stop was clean$/)).toHaveLength(1);
    expect(said(third, /not clean/)).toEqual([]);
    expect(sessionIds(third)).toEqual(['cut-1', 'cut-2']);
    expect(await third.stop('SIGTERM')).toBe(0);
  }, 90_000);
});

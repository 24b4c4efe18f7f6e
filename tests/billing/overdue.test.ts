import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { encodeReply, verifyRequestAuthenticator } from '../../src/radius/authenticators.js';
import { decodePacket, describeAttribute } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';
import { Code } from '../../src/radius/packet.js';
import { lango, langoJson, langoOk, radclient, until } from '../support/peers.js';
import { openTestDatabase } from '../support/postgres.js';

// Issue 4 end to end: a postpaid customer's bill goes overdue, the billing run suspends the
// account, the router (radclient) is refused with a message that says why and the live
// session is disconnected; a cash payment at the counter reactivates the account at once.

const SECRET = 'billing-secret';
const DAY = 86_400_000;
const dictionary = loadDictionary(defaultDictionaryPath());
let daemon: Daemon;
let listener: dgram.Socket;
const disconnects: Array<Record<string, unknown>> = [];

const auth = (user: string, password: string) =>
  radclient(`User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
const acct = (lines: string[]) => radclient(`${lines.join('\n')}\n`, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
const ok = (...args: string[]) => langoOk(daemon, ...args);

beforeAll(async () => {
  listener = dgram.createSocket('udp4');
  listener.on('message', (msg, rinfo) => {
    const packet = decodePacket(msg, dictionary);
    if (!verifyRequestAuthenticator(packet, Buffer.from(SECRET))) return;
    if (packet.code === Code.DisconnectRequest) disconnects.push(Object.fromEntries(packet.attributes.map((x) => describeAttribute(dictionary, x))));
    const code = packet.code === Code.CoaRequest ? Code.CoaAck : Code.DisconnectAck;
    listener.send(encodeReply({ code, identifier: packet.identifier, requestAuthenticator: packet.authenticator, attributes: Buffer.alloc(0), secret: Buffer.from(SECRET), messageAuthenticator: true }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => listener.bind(0, '127.0.0.1', resolve));
  daemon = await startDaemon({ env: { LANGO_COA_PORT: String((listener.address() as AddressInfo).port), LANGO_TIMEZONE: 'Africa/Nairobi' } });
  ok('nas', 'add', '--name', 'pppoe1', '--ip', '127.0.0.1', '--secret', SECRET);
  ok('tax', 'set', '--code', 'KE', '--name', 'Kenya internet', '--tax', 'EXCISE:Excise duty 15%:15', '--tax', 'VAT:VAT 16%:16:compound');
  ok('plan', 'add', '--name', 'Home 10M', '--price', '2500', '--currency', 'KES', '--billing', 'postpaid', '--cycle', 'monthly', '--rate', '10M/10M', '--tax-class', 'KE');
  ok('settings', 'set', '--key', 'operator.name', '--value', 'Lango Test ISP');
  ok('customer', 'add', '--username', 'dan', '--password', 'pw-dan', '--plan', 'Home 10M', '--name', 'Dan Okello', '--phone', '0712345678');
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  listener?.close();
});

describe('an overdue bill, suspension and reactivation', () => {
  it('refuses an overdue customer with a reason, disconnects the session, and lets them back in once a cash payment clears the bill', async () => {
    expect(auth('dan', 'pw-dan').stdout).toContain('Access-Accept');
    expect(acct(['User-Name = "dan"', 'Acct-Status-Type = Start', 'Acct-Session-Id = "dan-1"', 'Framed-IP-Address = 10.9.0.7']).status).toBe(0);

    // The cycle that started 40 days ago ended 12 days ago: its bill fell due 5 days ago and
    // the three grace days are over. (Only the subscription's dates are moved; billing does the rest.)
    const sqlite = openTestDatabase(daemon.dbPath);
    const now = Date.now();
    sqlite.prepare("UPDATE subscriptions SET started_at = ?, period_start = ?, period_end = ? WHERE customer_id = (SELECT id FROM customers WHERE username = 'dan')").run(now - 40 * DAY, now - 40 * DAY, now - 12 * DAY);
    sqlite.close();

    const run = langoJson<{ invoiced: number; markedOverdue: number; suspended: number; disconnecting: number }>(daemon, 'billing', 'run');
    expect(run).toMatchObject({ invoiced: 1, markedOverdue: 1, suspended: 1, disconnecting: 1 });

    const refused = auth('dan', 'pw-dan');
    expect(refused.stdout).toContain('Access-Reject');
    expect(refused.stdout).toContain('bill is overdue');
    expect(await until('the Disconnect-Request', () => disconnects[0], 8000, 50)).toMatchObject({ 'User-Name': 'dan', 'Acct-Session-Id': 'dan-1' });
    // The router ends the session as told and reports it.
    expect(acct(['User-Name = "dan"', 'Acct-Status-Type = Stop', 'Acct-Session-Id = "dan-1"', 'Acct-Terminate-Cause = Admin-Reset']).status).toBe(0);

    const [invoice] = langoJson<Array<{ number: string; grossMinor: number; status: string }>>(daemon, 'invoice', 'list', '--username', 'dan');
    expect(invoice).toMatchObject({ status: 'overdue' });
    // 2,500.00 + excise 375.00 + VAT 16% of 2,875.00 = 3,335.00 for a whole cycle.
    expect(invoice!.grossMinor).toBeGreaterThan(0);

    const short = lango(daemon, 'pay', '--username', 'dan', '--amount', '100', '--method', 'cash', '--reference', 'RB-0001');
    expect(short.stdout).toContain('Account: suspended');
    expect(auth('dan', 'pw-dan').stdout).toContain('Access-Reject');

    // The operator may rather let overdue customers in to a payment page only.
    ok('settings', 'set', '--key', 'billing.overdueAction', '--value', 'redirect');
    const walled = auth('dan', 'pw-dan').stdout;
    expect(walled).toContain('Access-Accept');
    expect(walled).toContain('Mikrotik-Address-List = "lango-overdue"');
    expect(walled).toContain('Session-Timeout = 300');
    expect(walled).not.toContain('Mikrotik-Rate-Limit');
    ok('settings', 'set', '--key', 'billing.overdueAction', '--value', 'reject');

    const rest = ((invoice!.grossMinor - 10000) / 100).toFixed(2);
    const paid = ok('pay', '--username', 'dan', '--amount', rest, '--method', 'cash', '--reference', 'RB-0002');
    expect(paid).toContain('Account: active');
    expect(auth('dan', 'pw-dan').stdout).toContain('Access-Accept');

    const again = lango(daemon, 'pay', '--username', 'dan', '--amount', rest, '--method', 'cash', '--reference', 'RB-0002');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already recorded');

    expect(ok('ledger', 'check')).toContain('The books balance.');
    const timeline = langoJson<Array<{ kind: string; actor: string }>>(daemon, 'customer', 'timeline', '--username', 'dan').map((e) => e.kind);
    expect(timeline).toEqual(expect.arrayContaining(['subscribed', 'invoice_issued', 'suspended', 'payment_received', 'reactivated']));
    expect(langoJson<Array<{ action: string }>>(daemon, 'audit').map((a) => a.action)).toEqual(expect.arrayContaining(['payment.record', 'tax.set', 'settings.set']));

    const dir = mkdtempSync(path.join(tmpdir(), 'lango-docs-'));
    ok('invoice', 'show', '--number', invoice!.number, '--html', path.join(dir, 'i.html'), '--pdf', path.join(dir, 'i.pdf'));
    expect(readFileSync(path.join(dir, 'i.html'), 'utf8')).toContain('Dan Okello');
    expect(readFileSync(path.join(dir, 'i.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    const receipt = langoJson<Array<{ detail: { receipt?: string } }>>(daemon, 'customer', 'timeline', '--username', 'dan').find((e) => e.detail.receipt)!.detail.receipt!;
    ok('invoice', 'show', '--number', receipt, '--pdf', path.join(dir, 'r.pdf'));
    expect(existsSync(path.join(dir, 'r.pdf'))).toBe(true);
  }, 60_000);
});

import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { langoJson, langoOk, radclient, until } from '../support/peers.js';
import { openTestDatabase } from '../support/postgres.js';

// Issue 14's decision trace end to end: Debian's radclient drives each way a login ends, and
// `lango decisions` shows the stored decision with its reason in words.

const SECRET = 'trace-secret';
const ZONE = 'Africa/Nairobi';
const MA = 'Message-Authenticator = 0x00';
const MB = 1_000_000;
let daemon: Daemon;

interface Decision {
  nasIp: string;
  username: string;
  mac: string | null;
  customerId: number | null;
  result: 'accept' | 'reject' | 'ignored';
  reason: string;
  words: string;
  detail: Record<string, string | number>;
  reply: string | null;
}

const auth = (lines: string[], secret = SECRET) => radclient(`${lines.join('\n')}\n`, `127.0.0.1:${daemon.authPort}`, 'auth', secret);
const pap = (user: string, password: string, extra: string[] = []) => auth([`User-Name = "${user}"`, `User-Password = "${password}"`, MA, ...extra]);
const refused = (user: string, password: string, extra: string[] = []) => {
  const run = pap(user, password, ['Response-Packet-Type = Access-Reject', ...extra]);
  expect(run.status, run.stdout + run.stderr).toBe(0);
  return run;
};
const acct = (lines: string[]) => radclient(`${lines.join('\n')}\n`, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);

/** Whether the row is in the database yet: a cheap read to wait on, instead of a CLI process per try. */
const stored = (username: string, reason: string): boolean => {
  const db = openTestDatabase(daemon.dbPath, { readonly: true });
  try {
    return db.prepare('SELECT 1 FROM auth_decisions WHERE username = ? AND reason = ?').get(username, reason) !== undefined;
  } finally {
    db.close();
  }
};

/** The newest stored decision for a username with this reason, as `lango decisions` shows it (rows land with the next group commit). */
async function decision(username: string, reason: string): Promise<Decision> {
  await until(`a ${reason} decision for ${username}`, () => (stored(username, reason) ? true : undefined), 20_000, 50);
  return langoJson<Decision[]>(daemon, 'decisions', '--username', username, '--json').find((d) => d.reason === reason)!;
}

beforeAll(async () => {
  daemon = await startDaemon({ env: { LANGO_TIMEZONE: ZONE } });
  const ok = (...args: string[]) => langoOk(daemon, ...args);
  ok('nas', 'add', '--name', 'main', '--ip', '127.0.0.1', '--secret', SECRET, '--require-message-authenticator', 'yes');
  ok('nas', 'add', '--name', 'strict', '--ip', '127.0.0.2', '--secret', SECRET, '--require-message-authenticator', 'yes');
  ok('plan', 'add', '--name', 'Day', '--price', '50', '--currency', 'KES', '--duration', '1d', '--rate', '2M/4M', '--data', '1GB');
  ok('plan', 'add', '--name', 'Tiny', '--price', '5', '--currency', 'KES', '--duration', '1d', '--data', '1MB');
  ok('plan', 'add', '--name', 'Blink', '--price', '1', '--currency', 'KES', '--duration', '1s');
  // A two-hour window that starts an hour from now: outside it whenever the test runs.
  const local = DateTime.now().setZone(ZONE);
  const hour = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
  ok('plan', 'add', '--name', 'Night', '--price', '10', '--currency', 'KES', '--duration', '1d', '--window', `${hour(local.hour + 2)}-${hour(local.hour + 4)}`);
  ok('plan', 'add', '--name', 'Hotspot hour', '--price', '20', '--currency', 'KES', '--duration', '1h');
  ok('customer', 'add', '--username', 'alice', '--password', 'pw-alice', '--plan', 'Day');
  ok('customer', 'add', '--username', 'heavy', '--password', 'pw-heavy', '--plan', 'Tiny');
  ok('customer', 'add', '--username', 'late', '--password', 'pw-late', '--plan', 'Blink');
  ok('customer', 'add', '--username', 'owl', '--password', 'pw-owl', '--plan', 'Night');
  ok('customer', 'add', '--username', 'solo', '--password', 'pw-solo', '--plan', 'Day');
  ok('customer', 'add', '--username', 'paused', '--password', 'pw-paused', '--plan', 'Day');
  ok('customer', 'suspend', '--username', 'paused');
  ok('plan', 'add', '--name', 'Minute', '--price', '2', '--currency', 'KES', '--duration', '1d', '--time', '1m');
  ok('customer', 'add', '--username', 'clock', '--password', 'pw-clock', '--plan', 'Minute');
  ok('customer', 'add', '--username', 'bound', '--password', 'pw-bound', '--plan', 'Day', '--mac', 'AA:BB:CC:00:00:09', '--mac-binding');
  ok('customer', 'add', '--username', 'nobody', '--password', 'pw-nobody');
  for (const name of ['ended', 'resting', 'owing']) ok('customer', 'add', '--username', name, '--password', `pw-${name}`, '--plan', 'Day');
}, 60_000);

afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
});

describe('the decision trace records each way a login ends, in words', () => {
  it('records an accept with the reply attributes sent, and the device', async () => {
    const run = pap('alice', 'pw-alice', ['Calling-Station-Id = "aa-bb-cc-00-00-01"']);
    expect(run.stdout).toContain('Received Access-Accept');
    const d = await decision('alice', 'accepted');
    expect(d).toMatchObject({ result: 'accept', nasIp: '127.0.0.1', mac: 'AA:BB:CC:00:00:01', words: 'All checks passed' });
    expect(d.reply).toContain('Mikrotik-Rate-Limit=2M/4M');
    expect(d.reply).toContain('Mikrotik-Total-Limit=1000000000');
    expect(d.reply).toMatch(/Session-Timeout=\d+/);
  });

  it('tells a wrong password (naming the method) from an unknown user, which the customer cannot', async () => {
    expect(refused('alice', 'guess').stdout).toContain('Wrong username or password.');
    expect(refused('mallory', 'guess').stdout).toContain('Wrong username or password.');
    const chap = auth(['User-Name = "alice"', 'CHAP-Password = "guess"', MA, 'Response-Packet-Type = Access-Reject']);
    expect(chap.status, chap.stdout + chap.stderr).toBe(0);
    expect((await decision('alice', 'wrong_password')).words).toMatch(/^Wrong password \((PAP|CHAP)\)$/);
    const both = await until('both wrong passwords', () => {
      const rows = langoJson<Decision[]>(daemon, 'decisions', '--username', 'alice', '--json').filter((d) => d.reason === 'wrong_password');
      return rows.length >= 2 ? rows : undefined;
    });
    expect(both.map((d) => d.words)).toEqual(['Wrong password (CHAP)', 'Wrong password (PAP)']);
    expect(await decision('mallory', 'unknown_user')).toMatchObject({ result: 'reject', customerId: null, words: 'No such user (PAP)' });
  });

  it('says when the plan expired, in the operator zone', async () => {
    const expiresAt = langoJson<{ expiresAt: number }>(daemon, 'customer', 'show', '--username', 'late').expiresAt;
    await until('the one-second plan to run out', () => (Date.now() > expiresAt + 50 ? true : undefined));
    expect(refused('late', 'pw-late').stdout).toContain('Your package has expired.');
    const d = await decision('late', 'plan_expired');
    expect(d.words).toBe(`Plan expired at ${DateTime.fromMillis(expiresAt, { zone: ZONE }).toFormat('HH:mm')}`);
  });

  it('says how much data was used of how much', async () => {
    const id = ['Acct-Session-Id = "heavy-1"', 'User-Name = "heavy"'];
    expect(acct(['Acct-Status-Type = Start', ...id]).status).toBe(0);
    expect(acct(['Acct-Status-Type = Stop', ...id, 'Acct-Session-Time = 60', `Acct-Output-Octets = ${2 * MB}`]).status).toBe(0);
    expect(refused('heavy', 'pw-heavy').stdout).toContain('Your data bundle is used up.');
    expect((await decision('heavy', 'data_used_up')).words).toBe('Data allowance used (2.0 MB of 1 MB)');
  });

  it('names the session and router that hold the simultaneous-use place', async () => {
    expect(acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "solo-phone"', 'User-Name = "solo"']).status).toBe(0);
    expect(refused('solo', 'pw-solo').status).toBe(0);
    const d = await decision('solo', 'simultaneous_use');
    expect(d.words).toBe('Simultaneous-use limit 1 reached by session solo-phone on router main');
    expect(d.detail).toMatchObject({ limit: 1, acctSessionId: 'solo-phone', router: 'main' });
    expect(typeof d.detail.session).toBe('number');
  });

  it('gives the plan window a login fell outside', async () => {
    expect(refused('owl', 'pw-owl').stdout).toContain('Reply-Message');
    expect((await decision('owl', 'outside_window')).words).toMatch(/^Outside the plan window \d\d:00–\d\d:00$/);
  });

  it('records a suspended account', async () => {
    refused('paused', 'pw-paused');
    expect((await decision('paused', 'suspended')).words).toBe('Account suspended');
  });

  it('records a voucher used on a second device, naming the device it is locked to', async () => {
    const code = langoJson<{ codes: Array<{ code: string }> }>(daemon, 'voucher', 'create', '--plan', 'Hotspot hour', '--count', '1', '--mac-lock', '--json').codes[0]!.code;
    expect(pap(code, code, ['Calling-Station-Id = "02:00:00:00:00:0a"']).stdout).toContain('Received Access-Accept');
    // On a shared PostgreSQL database the daemon's cache may learn of the lock a moment after the
    // database has it: that second device is refused as losing the race, the next as locked out.
    const d = await until('the voucher refused as locked to the first device', () => {
      refused(code, code, ['Calling-Station-Id = "02:00:00:00:00:0b"']);
      return langoJson<Decision[]>(daemon, 'decisions', '--username', code, '--json').find((x) => x.reason === 'voucher_locked');
    });
    expect(d).toMatchObject({ mac: '02:00:00:00:00:0B', words: 'Voucher locked to another device (02:00:00:00:00:0A)' });
  });

  it('records the other refusals a router can cause: time used up, another device, no plan, a cancelled or misplaced voucher, no password', async () => {
    const id = ['Acct-Session-Id = "clock-1"', 'User-Name = "clock"'];
    expect(acct(['Acct-Status-Type = Start', ...id]).status).toBe(0);
    expect(acct(['Acct-Status-Type = Stop', ...id, 'Acct-Session-Time = 120']).status).toBe(0);
    refused('clock', 'pw-clock');
    expect((await decision('clock', 'time_used_up')).words).toBe('Time allowance used (0:02 of 0:01 hours)');

    refused('bound', 'pw-bound', ['Calling-Station-Id = "aa-bb-cc-00-00-0f"']);
    expect(await decision('bound', 'mac_binding')).toMatchObject({ mac: 'AA:BB:CC:00:00:0F', words: 'Not the registered device (AA:BB:CC:00:00:09)' });

    refused('nobody', 'pw-nobody');
    expect((await decision('nobody', 'no_plan')).words).toBe('No plan');

    const voucher = (...extra: string[]) => langoJson<{ codes: Array<{ code: string }> }>(daemon, 'voucher', 'create', '--plan', 'Hotspot hour', '--count', '1', ...extra, '--json').codes[0]!.code;
    const cancelled = voucher();
    langoOk(daemon, 'voucher', 'revoke', '--code', cancelled, '--reason', 'cards stolen');
    refused(cancelled, cancelled);
    expect((await decision(cancelled, 'voucher_revoked')).words).toBe('Voucher cancelled');
    const elsewhere = voucher('--router', 'strict');
    refused(elsewhere, elsewhere);
    expect((await decision(elsewhere, 'voucher_wrong_place')).words).toBe('Voucher not valid at this router');

    const bare = auth(['User-Name = "alice"', MA, 'Response-Packet-Type = Access-Reject']);
    expect(bare.status, bare.stdout + bare.stderr).toBe(0);
    expect((await decision('alice', 'no_credentials')).words).toBe('No password in the request (no PAP, CHAP or MS-CHAP attribute)');
  });

  it('records the refusals staff and billing cause: terminated, paused, overdue, an unused voucher past its date, a device that keeps guessing', async () => {
    // Written straight to the tables, as the staff pages, the portal and the billing run do;
    // the daemon hears of each change through the database's change records.
    const db = openTestDatabase(daemon.dbPath);
    try {
      db.prepare("UPDATE customers SET status = 'terminated' WHERE username = 'ended'").run();
      db.prepare("UPDATE subscriptions SET status = 'paused' WHERE customer_id = (SELECT id FROM customers WHERE username = 'resting')").run();
      db.prepare("UPDATE customers SET status = 'suspended', suspended_reason = 'overdue' WHERE username = 'owing'").run();
    } finally {
      db.close();
    }
    refused('ended', 'pw-ended');
    expect((await decision('ended', 'terminated')).words).toBe('Account terminated');
    refused('resting', 'pw-resting');
    expect((await decision('resting', 'plan_paused')).words).toBe('Plan paused');
    refused('owing', 'pw-owing');
    expect((await decision('owing', 'overdue')).words).toBe('Account suspended: the bill is overdue');

    const tomorrow = DateTime.now().setZone(ZONE).plus({ days: 2 }).toFormat('yyyy-MM-dd');
    const shelf = langoJson<{ codes: Array<{ code: string }> }>(daemon, 'voucher', 'create', '--plan', 'Hotspot hour', '--count', '1', '--use-before', tomorrow, '--json').codes[0]!.code;
    const write = openTestDatabase(daemon.dbPath);
    try {
      write.prepare('UPDATE voucher_batches SET use_before = ? WHERE id = (SELECT batch_id FROM vouchers WHERE customer_id = (SELECT id FROM customers WHERE username = ?))').run(Date.now() - 3_600_000, shelf);
    } finally {
      write.close();
    }
    refused(shelf, shelf);
    expect((await decision(shelf, 'voucher_unused_expired')).words).toMatch(/^Voucher not used before /);

    const device = ['Calling-Station-Id = "aa-bb-cc-00-00-77"'];
    for (let i = 0; i < 10; i++) refused('alice', `guess-${i}`, device);
    refused('alice', 'pw-alice', device);
    expect(await decision('alice', 'too_many_attempts')).toMatchObject({ mac: 'AA:BB:CC:00:00:77', words: 'Too many wrong logins from this device: refused without checking' });
  });

  it('records a request from an unknown NAS without answering it, once a minute', async () => {
    for (let i = 0; i < 3; i++) {
      const run = pap('stranger', 'pw', ['Packet-Src-IP-Address = 127.0.0.9']);
      expect(run.stdout).not.toContain('Received');
    }
    const d = await decision('stranger', 'unknown_nas');
    expect(d).toMatchObject({ result: 'ignored', nasIp: '127.0.0.9', words: 'Unknown NAS 127.0.0.9: not answered' });
    expect(langoJson<Decision[]>(daemon, 'decisions', '--username', 'stranger', '--json')).toHaveLength(1);
  });

  it('records a missing Message-Authenticator from a router that requires it, on the customer', async () => {
    const run = auth(['User-Name = "alice"', 'User-Password = "pw-alice"', 'Packet-Src-IP-Address = 127.0.0.2']);
    expect(run.stdout).not.toContain('Received');
    const d = await decision('alice', 'missing_message_authenticator');
    expect(d).toMatchObject({ result: 'ignored', nasIp: '127.0.0.2', words: 'Missing Message-Authenticator (router strict requires it): not answered' });
    const customerId = langoJson<{ id: number }>(daemon, 'customer', 'show', '--username', 'alice').id;
    expect(d.customerId).toBe(customerId);
    expect(langoJson<Decision[]>(daemon, 'decisions', '--customer', 'alice', '--json').map((x) => x.reason)).toContain('missing_message_authenticator');
  });

  it('shows the trace and its retention in the storage report', () => {
    const report = langoJson<{ tables: Array<{ table: string; rows: number; bytes: number | null }>; trace: { keepDays: number; keepRows: number } }>(daemon, 'storage', '--json');
    expect(report.trace).toEqual({ keepDays: 14, keepRows: 1_000_000 });
    const trace = report.tables.find((t) => t.table === 'auth_decisions')!;
    expect(trace.rows).toBeGreaterThanOrEqual(10);
    expect(trace.bytes).toBeGreaterThan(0);
    expect(langoOk(daemon, 'storage')).toContain('Decisions are kept 14 days, at most 1,000,000 rows.');
  });

  it('puts a customer’s decisions in their data export', () => {
    const data = langoJson<{ loginDecisions: Array<{ reason: string }> }>(daemon, 'customer', 'export-data', '--username', 'alice', '--json');
    expect(data.loginDecisions.map((d) => d.reason)).toEqual(expect.arrayContaining(['accepted', 'wrong_password', 'missing_message_authenticator']));
  });
});

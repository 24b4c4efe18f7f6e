import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../../scripts/daemon-process.js';
import { lango, langoJson, langoOk, radclient } from '../support/peers.js';
import { pgServer, scratchDatabase } from '../support/postgres.js';

// Moving an installation to PostgreSQL as an operator does it: a SQLite installation with
// customers, an invoice, a payment and an accounting session, `lango db copy` to a new
// PostgreSQL database, then the daemon started on the URL with the same key file.

const SECRET = 'copy-secret';

interface Balance {
  balance: { dueMinor: number; walletMinor: number; currency: string };
  invoices: Array<{ number: string; grossMinor: number; paidMinor: number; status: string }>;
  subscription: { status: string; periodEnd: number } | null;
}

interface Session {
  acctSessionId: string;
  username: string;
  inputOctets: number;
  outputOctets: number;
  stoppedAt: number | null;
}

describe.skipIf(!pgServer())('lango db copy to PostgreSQL', () => {
  // LANGO_TEST_PG empty: the installation being moved is a real SQLite file even when the whole
  // suite runs on PostgreSQL (which would map every file path to a database of its own).
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-db-copy-'));
  const file = path.join(dir, 'lango.db');
  const sqlite = { env: { ...(process.env as Record<string, string>), LANGO_TEST_PG: '', LANGO_DB: file, LANGO_KEY_FILE: path.join(dir, 'secret.key') } };
  let target: Awaited<ReturnType<typeof scratchDatabase>>;
  let before: { juma: Balance; amina: Balance; sessions: Session[] };

  beforeAll(async () => {
    target = await scratchDatabase('lango_copy');
    const daemon = await startDaemon({ dir, env: { LANGO_TEST_PG: '' } });
    try {
      const ok = (...args: string[]) => langoOk(sqlite, ...args);
      ok('nas', 'add', '--name', 'R1', '--ip', '127.0.0.1', '--secret', SECRET);
      ok('plan', 'add', '--name', 'Month', '--price', '1500', '--currency', 'KES', '--months', '1', '--billing', 'prepaid', '--rate', '5M/5M');
      ok('plan', 'add', '--name', 'Fast', '--price', '3000', '--currency', 'KES', '--months', '1', '--billing', 'prepaid', '--rate', '10M/10M');
      ok('plan', 'add', '--name', 'Home', '--price', '2000', '--currency', 'KES', '--billing', 'postpaid');
      ok('customer', 'add', '--username', 'juma', '--password', 'juma-pass-1', '--plan', 'Month', '--name', 'Juma Okello');
      ok('customer', 'add', '--username', 'amina', '--password', 'amina-pass-1', '--plan', 'Home', '--phone', '+254 712 345 678');
      ok('pay', '--username', 'juma', '--amount', '2000', '--method', 'cash', '--reference', 'RB-1');
      // An upgrade mid-period: a prorated invoice, part paid from the wallet.
      expect(ok('customer', 'change-plan', '--username', 'juma', '--plan', 'Fast', '--when', 'now')).toMatch(/invoice INV-\d{4}-000001/);
      const acct = (lines: string[]) => radclient(`${lines.join('\n')}\n`, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
      expect(acct(['Acct-Status-Type = Start', 'Acct-Session-Id = "copy-1"', 'User-Name = "juma"', 'Framed-IP-Address = 10.5.50.8']).status).toBe(0);
      expect(acct(['Acct-Status-Type = Stop', 'Acct-Session-Id = "copy-1"', 'User-Name = "juma"', 'Acct-Session-Time = 600', 'Acct-Input-Octets = 123456', 'Acct-Output-Octets = 9876543']).status).toBe(0);
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
    before = {
      juma: langoJson<Balance>(sqlite, 'customer', 'balance', '--username', 'juma'),
      amina: langoJson<Balance>(sqlite, 'customer', 'balance', '--username', 'amina'),
      sessions: langoJson<Session[]>(sqlite, 'sessions'),
    };
    expect(before.juma.invoices).toHaveLength(1);
    expect(before.sessions).toHaveLength(1);
  }, 60_000);

  afterAll(async () => {
    await target?.drop();
  });

  it('copies every table and finds both sides identical', () => {
    const copy = lango(sqlite, 'db', 'copy', '--from', file, '--to', target.url);
    expect(copy.status, copy.stderr).toBe(0);
    expect(copy.stdout).toMatch(/^customers\s+2\s/m);
    expect(copy.stdout).toMatch(/^sessions\s+1\s/m);
    expect(copy.stdout).toContain('Compared afterwards: identical');
    // The password never appears in what is printed.
    expect(copy.stdout).not.toContain('lango:lango@');
    const compare = lango(sqlite, 'db', 'compare', file, target.url);
    expect(compare.status, compare.stdout).toBe(0);
    expect(compare.stdout).toMatch(/are identical \(\d+ figures compared\)/);
  });

  it('refuses to copy over a database that already holds customers, and replaces it only when told to', () => {
    const again = lango(sqlite, 'db', 'copy', '--from', file, '--to', target.url);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already holds 2 customer(s)');
    expect(again.stderr).toContain('--replace');
    const replaced = lango(sqlite, 'db', 'copy', '--from', file, '--to', target.url, '--replace');
    expect(replaced.status, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain('its previous contents were removed');
    expect(replaced.stdout).toContain('identical');
  });

  it('leaves the PostgreSQL database as it was when a copy fails half way', () => {
    // A value SQLite's loose typing accepted and PostgreSQL's bigint does not.
    const broken = path.join(dir, 'broken.db');
    const db = new Database(file);
    try {
      db.prepare('VACUUM INTO ?').run(broken);
    } finally {
      db.close();
    }
    const damaged = new Database(broken);
    try {
      damaged.exec("UPDATE sessions SET session_time = 'ten minutes'");
    } finally {
      damaged.close();
    }
    const copy = lango(sqlite, 'db', 'copy', '--from', broken, '--to', target.url, '--replace');
    expect(copy.status).toBe(1);
    expect(copy.stderr).toMatch(/^lango: Copying sessions failed: .*Nothing was copied; postgres:\/\/\S+ is as it was\.$/m);
    expect(lango(sqlite, 'db', 'compare', file, target.url).status).toBe(0);
  });

  it('runs the daemon on the copy: the customer logs in, the balances, invoice and sessions are the same, and numbering goes on', async () => {
    const daemon = await startDaemon({ env: { LANGO_TEST_PG: '', LANGO_DB: target.url, LANGO_KEY_FILE: sqlite.env.LANGO_KEY_FILE } });
    try {
      // The router secret and the customer's password were copied sealed; the same key opens them.
      const login = radclient('User-Name = "juma"\nUser-Password = "juma-pass-1"\nMessage-Authenticator = 0x00\n', `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);
      expect(login.stdout).toContain('Received Access-Accept');
      expect(langoJson<Balance>(daemon, 'customer', 'balance', '--username', 'juma')).toEqual(before.juma);
      expect(langoJson<Balance>(daemon, 'customer', 'balance', '--username', 'amina')).toEqual(before.amina);
      expect(langoJson<Session[]>(daemon, 'sessions')).toEqual(before.sessions);
      expect(langoOk(daemon, 'ledger', 'check')).toContain('The books balance.');
      // Receipt numbers and ids continue after the copied ones, with no collision.
      expect(langoOk(daemon, 'pay', '--username', 'juma', '--amount', '500', '--method', 'cash', '--reference', 'RB-2')).toMatch(/Receipt RCT-\d{4}-000002/);
      langoOk(daemon, 'customer', 'add', '--username', 'baraka', '--password', 'baraka-pass-1', '--plan', 'Month');
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  }, 60_000);

  it('lists what differs once the copy has moved on, and exits 1', () => {
    const compare = lango(sqlite, 'db', 'compare', file, target.url);
    expect(compare.status).toBe(1);
    expect(compare.stdout).toMatch(/^ {2}series RCT-\d{4} last number: 1 vs 2$/m);
    expect(compare.stdout).toMatch(/^ {2}rows in customers: 2 vs 3$/m);
    expect(compare.stdout).toMatch(/^ {2}ledger cash KES: 200000 in 1 entries vs 250000 in 2 entries$/m);
  });
});

import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { setCustomerStatus } from '../../src/billing/customers.js';
import { openDatabase } from '../../src/db/connection.js';
import { lango, langoOk } from '../support/peers.js';

// A customer asks for their data, then closes the account and asks to be forgotten: the
// operator does both at the terminal.

let env: { env: Record<string, string> };
let dir: string;
let dbFile: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lango-cli-privacy-'));
  dbFile = path.join(dir, 'lango.db');
  env = { env: { ...(process.env as Record<string, string>), LANGO_DB: dbFile, LANGO_KEY_FILE: path.join(dir, 'secret.key') } };
  langoOk(env, 'customer', 'add', '--username', 'achieng', '--password', 'net-pass-1', '--name', 'Achieng Odhiambo', '--phone', '0712345678', '--email', 'achieng@example.org', '--mac', 'AA:BB:CC:44:55:66');
});

function terminate(username: string): void {
  const conn = openDatabase(dbFile);
  try {
    setCustomerStatus(conn.db, username, 'terminated');
  } finally {
    conn.close();
  }
}

describe('lango customer export-data and erase', () => {
  it('writes the customer\'s data to a file only its owner can read, without the password', () => {
    const file = path.join(dir, 'achieng.json');
    expect(langoOk(env, 'customer', 'export-data', '--username', 'achieng', '--out', file)).toContain(`Wrote achieng's data to ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(data).toMatchObject({ format: 'lango.customer-data', version: 1, account: { username: 'achieng', fullName: 'Achieng Odhiambo', phone: '+254712345678', networkPassword: 'set (not exported)' } });
    expect(readFileSync(file, 'utf8')).not.toContain('net-pass-1');
    // A second export never overwrites the first by mistake.
    expect(lango(env, 'customer', 'export-data', '--username', 'achieng', '--out', file).status).toBe(1);
  });

  it('refuses to erase an active customer or without --yes, then erases a terminated one', () => {
    const active = lango(env, 'customer', 'erase', '--username', 'achieng', '--yes');
    expect(active.status).toBe(1);
    expect(active.stderr).toContain('Only a terminated customer can be erased');
    terminate('achieng');
    expect(lango(env, 'customer', 'erase', '--username', 'achieng').stderr).toContain('add --yes');
    expect(langoOk(env, 'customer', 'erase', '--username', 'achieng', '--yes')).toContain("achieng's personal data is erased");
    const after = JSON.parse(langoOk(env, 'customer', 'export-data', '--username', 'achieng'));
    expect(after.account).toMatchObject({ fullName: expect.stringMatching(/^Erased customer #\d+$/), phone: null, email: null, mac: null, erasedAt: expect.any(Number) });
    expect(JSON.stringify(after)).not.toMatch(/Achieng Odhiambo|712345678|achieng@example|AA:BB:CC:44:55:66/);
  });
});

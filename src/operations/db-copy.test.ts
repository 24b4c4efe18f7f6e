import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { addCustomer, addPlan, recordPayment } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase } from '../db/connection.js';
import { CopyRefusal, compareDatabases, referenceOrder } from './db-copy.js';

// The comparison `lango db copy` ends with, on two SQLite files: what it must call identical
// and each kind of difference it must catch. (The copy itself needs PostgreSQL:
// tests/cli/db-copy.test.ts.)

const box = createSecretBox(Buffer.alloc(32, 4));
const zone = 'Africa/Nairobi';
const T0 = Date.UTC(2026, 10, 2, 9);

/** A small installation with a customer, a payment and a session, and an exact copy of it. */
function twoCopies(): { a: string; b: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-db-compare-'));
  const a = path.join(dir, 'a.db');
  const b = path.join(dir, 'b.db');
  const conn = openDatabase(a);
  try {
    addPlan(conn.db, { name: 'Home 5M', priceMinor: 150_000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
    const customer = addCustomer(conn.db, box, { username: 'wanjiku', password: 'secret-net-1', planName: 'Home 5M' }, zone);
    recordPayment(conn.db, { customerId: customer.id, method: 'cash', reference: 'RB-0042', amountMinor: 150_000, currency: 'KES', receivedAt: T0, actor: 'cli:test', zone });
    conn.sqlite.prepare("INSERT INTO nas (name, ip, secret_sealed, created_at) VALUES ('tower', '10.0.0.1', 'x', ?)").run(T0);
    conn.sqlite
      .prepare("INSERT INTO sessions (nas_id, acct_session_id, username, started_at, updated_at, input_octets, output_octets, customer_id) VALUES (1, 'S1', 'wanjiku', ?, ?, 1000, 250000, ?)")
      .run(T0, T0, customer.id);
    conn.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    conn.close();
  }
  copyFileSync(a, b);
  return { a, b };
}

function change(file: string, sql: string): void {
  const db = new Database(file);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

// These compare files on disk; with LANGO_TEST_PG every path becomes a PostgreSQL database and
// there is no file to copy. PostgreSQL's side of the comparison is in tests/cli/db-copy.test.ts.
describe.skipIf(process.env.LANGO_TEST_PG)('comparing two Lango databases', () => {
  it('calls a database and its file copy identical', () => {
    const { a, b } = twoCopies();
    const result = compareDatabases(a, b);
    expect(result.differences).toEqual([]);
    expect(result.identical).toBe(true);
    expect(result.figures).toBeGreaterThan(60);
  });

  it('names the accounts whose ledger totals differ, and the trial balance line that moved', () => {
    const { a, b } = twoCopies();
    change(b, "UPDATE ledger_entries SET amount_minor = amount_minor + 100 WHERE account_id = (SELECT id FROM ledger_accounts WHERE code LIKE 'wallet:%')");
    const { identical, differences } = compareDatabases(a, b);
    expect(identical).toBe(false);
    expect(differences).toContainEqual(expect.stringMatching(/^ledger wallet:\d+ KES: -150000 in 1 entries vs -149900 in 1 entries$/));
    expect(differences).toContainEqual(expect.stringMatching(/^trial balance KES liability: /));
    expect(differences).toContainEqual('wallets KES: -150000 vs -149900');
  });

  it('catches a missing row, a receipt counter behind, and session usage that does not match', () => {
    const { a, b } = twoCopies();
    change(b, "DELETE FROM customer_events WHERE id = (SELECT max(id) FROM customer_events); UPDATE document_series SET last_number = 0 WHERE code LIKE 'RCT%'; UPDATE sessions SET output_octets = 1");
    const { differences } = compareDatabases(a, b);
    expect(differences).toContainEqual(expect.stringMatching(/^rows in customer_events: (\d+) vs (\d+)$/));
    expect(differences).toContainEqual(expect.stringMatching(/^series RCT-\d{4} last number: 1 vs 0$/));
    expect(differences).toContain('sessions output octets: 250000 vs 1');
  });

  it('refuses a SQLite file that is not a Lango database, and leaves it as it was', () => {
    const { a } = twoCopies();
    const other = path.join(path.dirname(a), 'other.db');
    change(other, 'CREATE TABLE notes (body TEXT)');
    expect(() => compareDatabases(a, other)).toThrow(/is not a Lango database/);
    const db = new Database(other, { readonly: true });
    try {
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['notes']);
    } finally {
      db.close();
    }
  });

  it('refuses a file that does not exist instead of creating an empty one', () => {
    const { a } = twoCopies();
    const missing = path.join(path.dirname(a), 'nothing.db');
    expect(() => compareDatabases(a, missing)).toThrow(CopyRefusal);
    expect(() => compareDatabases(a, missing)).toThrow(/There is no database file/);
  });

  it('orders the tables so that each comes after every table it references', () => {
    const { a } = twoCopies();
    const conn = openDatabase(a);
    try {
      const { order, cyclic } = referenceOrder(conn.sqlite, ['ledger_entries', 'customers', 'ledger_transactions', 'ledger_accounts', 'payments', 'plans', 'subscriptions']);
      expect(cyclic).toBe(false);
      const before = (x: string, y: string) => expect(order.indexOf(x), `${x} before ${y}`).toBeLessThan(order.indexOf(y));
      before('customers', 'ledger_accounts');
      before('ledger_accounts', 'ledger_entries');
      before('ledger_transactions', 'payments');
      before('plans', 'subscriptions');
      expect(order).toHaveLength(7);
    } finally {
      conn.close();
    }
  });
});

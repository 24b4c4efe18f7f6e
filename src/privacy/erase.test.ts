import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setCustomerStatus } from '../billing/customers.js';
import { issueInvoice } from '../billing/invoices.js';
import { customerBalance, trialBalance } from '../billing/ledger.js';
import type { Connection } from '../db/connection.js';
import { auditTrail, recordAudit } from '../staff/audit.js';
import { createJob } from '../field/jobs.js';
import { eraseCustomer } from './erase.js';
import { exportCustomerData } from './export.js';
import { person, privacyDb, T0 } from './test-fixtures.js';

let conn: Connection;
let customerId: number;

beforeEach(async () => {
  ({ conn, customerId } = await privacyDb());
});

afterEach(() => conn.close());

/** Every text cell of every table that holds `needle`, as 'table.column'. */
function whereFound(needle: string): string[] {
  const found: string[] = [];
  // Each backend lists its own tables and columns; the search itself is the same SQL on both.
  const columns = conn.sqlite
    .prepare(
      conn.dialect === 'postgres'
        ? 'SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns WHERE table_schema = current_schema()'
        : `SELECT m.name AS "table", p.name AS "column" FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
    )
    .all() as Array<{ table: string; column: string }>;
  for (const { table, column } of columns) {
    const hit = conn.sqlite.prepare(`SELECT count(*) AS n FROM "${table}" WHERE instr(lower(CAST("${column}" AS TEXT)), lower(?)) > 0`).get(needle) as { n: number };
    if (hit.n > 0) found.push(`${table}.${column}`);
  }
  return found;
}

const money = () => ({
  balance: customerBalance(conn.db, customerId, 'KES'),
  invoices: conn.sqlite.prepare('SELECT number, net_minor, tax_minor, gross_minor, paid_minor FROM invoices ORDER BY id').all(),
  payments: conn.sqlite.prepare('SELECT receipt_number, amount_minor, reference FROM payments ORDER BY id').all(),
  entries: conn.sqlite.prepare('SELECT account_id, amount_minor FROM ledger_entries ORDER BY id').all(),
  trial: trialBalance(conn.db),
});

describe('erasing a customer\'s personal data', () => {
  it('refuses a customer who is not terminated', () => {
    setCustomerStatus(conn.db, person.username, 'active', T0 + 20_000);
    expect(eraseCustomer(conn.db, { username: person.username, actor: 'cli:root' })).toEqual({ kind: 'refused', reason: 'not-terminated' });
    expect(whereFound(person.phone)).toContain('customers.phone');
  });

  it('refuses while money is owed, unless forced, and says so in the audit', () => {
    issueInvoice(conn.db, { key: 'test:invoice:2', customerId, subscriptionId: null, currency: 'KES', taxExempt: false, issuedAt: T0 + 20_000, dueAt: T0 + 30_000, periodStart: null, periodEnd: null, lines: [{ description: 'Router', quantity: 1, unitPriceMinor: 50_000, taxClass: null, discounts: [], revenue: 'service' }], actor: 'staff:amina', zone: 'Africa/Nairobi' });
    setCustomerStatus(conn.db, person.username, 'terminated', T0 + 21_000);
    const refused = eraseCustomer(conn.db, { username: person.username, actor: 'cli:root' });
    expect(refused).toMatchObject({ kind: 'refused', reason: 'balance' });
    expect(refused.kind === 'refused' && refused.dueMinor).toBeGreaterThan(0);
    expect(eraseCustomer(conn.db, { username: person.username, actor: 'cli:root', force: true })).toMatchObject({ kind: 'erased' });
    expect(auditTrail(conn.db, `customer:${customerId}`)[0]).toMatchObject({ action: 'customer.erase', detail: { force: true } });
  });

  it('finds nobody for an unknown username', () => {
    expect(eraseCustomer(conn.db, { username: 'nobody', actor: 'cli:root' })).toEqual({ kind: 'refused', reason: 'not-found' });
  });

  it('leaves neither the name, phone, email, MAC nor address in any column of any table', () => {
    for (const value of [person.fullName, person.phone, '254712345678', person.email, person.mac, 'AA-BB-CC-11-22-33', person.billingAddress, person.staticIp]) expect(whereFound(value)).not.toEqual([]);
    expect(eraseCustomer(conn.db, { username: person.username, actor: 'staff:amina', now: T0 + 30_000 })).toEqual({ kind: 'erased', customerId, again: false });
    for (const value of [person.fullName, person.phone, '254712345678', '0712345678', person.email, person.mac, 'AA-BB-CC-11-22-33', person.billingAddress, person.serviceLocation, person.staticIp, 'Please call me']) {
      expect({ value, found: whereFound(value) }).toEqual({ value, found: [] });
    }
    const row = conn.sqlite.prepare('SELECT full_name, erased_at, username, portal_password_hash FROM customers WHERE id = ?').get(customerId);
    expect(row).toEqual({ full_name: `Erased customer #${customerId}`, erased_at: T0 + 30_000, username: person.username, portal_password_hash: null });
    expect(conn.sqlite.prepare('SELECT count(*) AS n FROM portal_sessions').get()).toEqual({ n: 0 });
    // The neighbour is untouched.
    expect(whereFound('Otieno Ouma')).toContain('customers.full_name');
    expect(whereFound('+254733000111')).toContain('customers.phone');
  });

  it('scrubs the audit entries of the customer\'s jobs too: a completion note that names them', () => {
    const job = createJob(conn.db, { customerId, kind: 'repair', actor: 'amina', language: 'en', now: T0 });
    recordAudit(conn.db, 'staff:wanjiku', 'job.complete', `job:${job.id}`, { note: `Met ${person.fullName} at the gate` }, T0 + 1_000);
    setCustomerStatus(conn.db, person.username, 'terminated', T0 + 2_000);
    eraseCustomer(conn.db, { username: person.username, actor: 'staff:amina', now: T0 + 30_000 });
    expect(whereFound(person.fullName)).toEqual([]);
    expect(auditTrail(conn.db, `job:${job.id}`)[0]).toMatchObject({ action: 'job.complete', actor: 'staff:wanjiku' });
  });

  it('keeps invoices, payments, the ledger and session bytes as they were', () => {
    const before = money();
    const sessionBytes = conn.sqlite.prepare('SELECT started_at, stopped_at, input_octets, output_octets FROM sessions').all();
    eraseCustomer(conn.db, { username: person.username, actor: 'staff:amina' });
    expect(money()).toEqual(before);
    expect(conn.sqlite.prepare('SELECT started_at, stopped_at, input_octets, output_octets FROM sessions').all()).toEqual(sessionBytes);
    expect(exportCustomerData(conn.db, person.username)!.invoices).toHaveLength(1);
  });

  it('records who erased whom, and none of what was erased', () => {
    eraseCustomer(conn.db, { username: person.username, actor: 'staff:amina', now: T0 + 30_000 });
    const entry = auditTrail(conn.db, `customer:${customerId}`)[0]!;
    expect(entry).toMatchObject({ actor: 'staff:amina', action: 'customer.erase', detail: { force: false, again: false } });
  });

  it('is harmless when run twice', () => {
    eraseCustomer(conn.db, { username: person.username, actor: 'staff:amina', now: T0 + 30_000 });
    const once = money();
    const customer = conn.sqlite.prepare('SELECT * FROM customers WHERE id = ?').get(customerId);
    expect(eraseCustomer(conn.db, { username: person.username, actor: 'staff:amina', now: T0 + 40_000 })).toEqual({ kind: 'erased', customerId, again: true });
    expect(money()).toEqual(once);
    expect(conn.sqlite.prepare('SELECT * FROM customers WHERE id = ?').get(customerId)).toEqual({ ...(customer as object), updated_at: T0 + 40_000 });
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { lango, langoJson, langoOk } from '../support/peers.js';
import { openTestDatabase } from '../support/postgres.js';

// The money commands as a cashier or billing manager types them: clear refusals that write
// nothing, and the books balancing after every accepted command.

let env: { env: Record<string, string> };
let dbFile: string;

const ok = (...args: string[]) => langoOk(env, ...args);

/** Rows in every money table: a refused command must leave these exactly as they were. */
function moneyRows(): Record<string, number> {
  const db = openTestDatabase(dbFile, { readonly: true });
  try {
    return Object.fromEntries(
      ['ledger_transactions', 'ledger_entries', 'invoices', 'payments', 'allocations', 'customer_events', 'audit_log', 'instalments', 'promotions', 'tax_classes'].map((table) => [
        table,
        (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
      ]),
    );
  } finally {
    db.close();
  }
}

beforeEach(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-billing-cli-'));
  dbFile = path.join(dir, 'lango.db');
  env = { env: { ...(process.env as Record<string, string>), LANGO_DB: dbFile, LANGO_KEY_FILE: path.join(dir, 'secret.key') } };
  ok('plan', 'add', '--name', 'Home', '--price', '2000', '--currency', 'KES', '--billing', 'postpaid');
  ok('customer', 'add', '--username', 'amina', '--password', 'pw', '--plan', 'Home', '--phone', '+254 712 345 678', '--name', 'Amina Hassan');
});

describe('lango billing commands', () => {
  it('stores the phone in E.164 and shows the balance after a counter payment', () => {
    expect(langoJson<{ phone: string }>(env, 'customer', 'show', '--username', 'amina').phone).toBe('+254712345678');
    const paid = ok('pay', '--username', 'amina', '--amount', '500', '--method', 'cash', '--reference', 'RB-1');
    expect(paid).toMatch(/Receipt RCT-\d{4}-000001: KES\s?500\.00 by cash/);
    expect(langoJson<{ balance: { walletMinor: number } }>(env, 'customer', 'balance', '--username', 'amina').balance.walletMinor).toBe(50000);
    expect(ok('ledger', 'check')).toContain('The books balance.');
  });

  for (const [what, args, message] of [
    ['a phone number that is not one', ['customer', 'add', '--username', 'bad', '--password', 'pw', '--phone', '12345'], 'is not a phone number'],
    ['an amount with too many decimals', ['pay', '--username', 'amina', '--amount', '10.001', '--method', 'cash', '--reference', 'X'], 'is not an amount in KES'],
    ['an unknown payment method', ['pay', '--username', 'amina', '--amount', '10', '--method', 'cheque', '--reference', 'X'], 'Use one of: cash, bank'],
    ['an adjustment without a reason', ['wallet', 'adjust', '--username', 'amina', '--amount', '100'], 'Say why'],
    ['a debit larger than the wallet', ['wallet', 'adjust', '--username', 'amina', '--amount=-100', '--reason', 'correction'], 'The wallet holds only'],
    ['an unknown invoice', ['invoice', 'credit', '--number', 'INV-2026-999999', '--amount', 'all', '--reason', 'typo'], 'There is no invoice INV-2026-999999'],
    ['a tax written wrongly', ['tax', 'set', '--code', 'KE', '--name', 'Kenya', '--tax', 'VAT 16'], 'is not valid'],
    ['a setting that does not exist', ['settings', 'set', '--key', 'billing.nothing', '--value', '1'], 'unknown setting'],
    ['a grace period that is not a number of days', ['settings', 'set', '--key', 'billing.graceDays', '--value=-2'], 'cannot be'],
    ['a discount given twice', ['promotion', 'add', '--code', 'X', '--label', 'X', '--percent', '10', '--amount', '5'], 'Give the discount once'],
  ] as const) {
    it(`refuses ${what} with a clear message, exit 1, and changes no money`, () => {
      const before = moneyRows();
      const run = lango(env, ...args);
      expect(run.status, run.stdout).toBe(1);
      expect(run.stderr).toContain(message);
      expect(moneyRows()).toEqual(before);
    });
  }

  it('refuses the same receipt number twice and names the first receipt', () => {
    ok('pay', '--username', 'amina', '--amount', '500', '--method', 'cash', '--reference', 'RB-7');
    const before = moneyRows();
    const again = lango(env, 'pay', '--username', 'amina', '--amount', '500', '--method', 'cash', '--reference', 'RB-7');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already recorded \(receipt RCT-\d{4}-000001\)/);
    expect(moneyRows()).toEqual(before);
  });

  it('records who did what in the audit log', () => {
    ok('tax', 'set', '--code', 'KE', '--name', 'Kenya internet', '--tax', 'EXCISE:Excise duty 15%:15', '--tax', 'VAT:VAT 16%:16:compound');
    ok('wallet', 'adjust', '--username', 'amina', '--amount', '100', '--reason', 'goodwill after outage');
    const audit = langoJson<Array<{ actor: string; action: string; detail: { reason?: string } }>>(env, 'audit');
    expect(audit.map((a) => a.action)).toEqual(['wallet.adjust', 'tax.set']);
    expect(audit[0]!.actor).toMatch(/^cli:/);
    expect(audit[0]!.detail.reason).toBe('goodwill after outage');
    expect(ok('tax', 'list')).toContain('VAT 16% (compound)');
  });
});

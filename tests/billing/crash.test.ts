import type { BillingRunResult } from '../../src/billing/run.js';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/daemon-process.js';
import { addCustomer } from '../../src/billing/customers.js';
import { adjustWallet } from '../../src/billing/payments.js';
import { addPlan } from '../../src/billing/plans.js';
import { saveTaxClass } from '../../src/billing/tax-classes.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { openDatabase, type Connection } from '../../src/db/connection.js';
import { onPostgres } from '../support/postgres.js';

// The billing run promises that a run interrupted anywhere and run again writes exactly what
// one uninterrupted run would have. Here it is interrupted the hard way: a child process
// (scripts/billing-crash-run.ts) SIGKILLs itself right after a chosen chunk commits, in each
// phase of a run that has to catch up three months of renewals, postpaid invoices, overdue
// marks, reminders and suspensions; then it runs again, and the database must be the one a
// single run leaves, row for row (ids and wall-clock timestamps aside).

const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const NOW = at('2026-04-10T00:05');
// 100 customers in chunks of 8: every phase takes several chunks, and one uninterrupted run
// costs about a second of CPU, so the whole file stays near 20 s on two cores.
const CHUNK = 8;
const CUSTOMERS = 100;
const DAY = 86_400_000;
const script = path.join(repoRoot(), 'dist', 'scripts', 'billing-crash-run.js');

/** What the victim script prints: the run's result as JSON. */
type RunResult = BillingRunResult;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let template: string;
let referenceFile: string;
let reference: Books;
let referenceResult: RunResult;
/** The chunk numbers of each phase of the uninterrupted run, in order. */
let phases: { renewals: number[]; overdue: number[]; reminders: number[]; suspensions: number[] };

function runScript(file: string, killAfterChunk?: number): Promise<Exit> {
  const args = [script, file, String(NOW), String(CHUNK), ...(killAfterChunk === undefined ? [] : [String(killAfterChunk)])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function completed(file: string): Promise<RunResult> {
  const run = await runScript(file);
  if (run.code !== 0) throw new Error(`billing-crash-run on ${file} exited ${run.code ?? run.signal}: ${run.stderr}`);
  return JSON.parse(run.stdout) as RunResult;
}

async function killedAfter(file: string, chunk: number): Promise<void> {
  const run = await runScript(file, chunk);
  if (run.signal !== 'SIGKILL') throw new Error(`expected SIGKILL after chunk ${chunk}, got exit ${run.code ?? run.signal}: ${run.stdout}${run.stderr}`);
}

let copies = 0;
/** A fresh folder per copy, so a killed run's -wal and -shm files never meet another copy. */
function copyOfTemplate(): string {
  const file = path.join(dir, `run-${++copies}`, 'lango.db');
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(template, file);
  return file;
}

type Row = Record<string, unknown>;
type Books = ReturnType<typeof books>;

/**
 * Everything the billing run writes, by natural keys, in insertion order; no ids, no wall-clock.
 * Read-only: closing it neither checkpoints nor removes the WAL a killed run left behind, so
 * the rerun still starts from the crash.
 */
function books(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const all = (sql: string) => db.prepare(sql).all() as Row[];
    const counts = Object.fromEntries(
      (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name`).all() as Array<{ name: string }>).map(({ name }) => [
        name,
        (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
      ]),
    );
    return {
      tableCounts: [counts],
      invoices: all(`SELECT number, kind, key, customer_id, subscription_id, currency, status, issued_at, due_at, period_start, period_end, net_minor, tax_minor, gross_minor, paid_minor, corrects_id, actor FROM invoices ORDER BY id`),
      invoiceLines: all(`SELECT i.number, l.position, l.description, l.quantity, l.unit_price_minor, l.discount_minor, l.net_minor, l.tax_minor, l.gross_minor, l.taxes FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id ORDER BY i.id, l.position`),
      documentSeries: all(`SELECT code, last_number FROM document_series ORDER BY code`),
      ledgerTransactions: all(`SELECT key, kind, customer_id, occurred_at, description, actor, reason FROM ledger_transactions ORDER BY id`),
      ledgerEntries: all(`SELECT t.key, a.code, a.currency, a.kind, e.amount_minor FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id JOIN ledger_accounts a ON a.id = e.account_id ORDER BY e.id`),
      ledgerAccounts: all(`SELECT code, currency, kind, customer_id FROM ledger_accounts ORDER BY id`),
      allocations: all(`SELECT i.number, t.key, a.amount_minor FROM allocations a JOIN invoices i ON i.id = a.invoice_id JOIN ledger_transactions t ON t.id = a.transaction_id ORDER BY a.id`),
      subscriptions: all(`SELECT * FROM subscriptions ORDER BY id`),
      customers: all(`SELECT id, username, status, suspended_reason, created_at, updated_at, currency, tax_exempt FROM customers ORDER BY id`),
      notificationEvents: all(`SELECT customer_id, kind, period_start, ref, delivered_at FROM notification_events ORDER BY id`),
      customerEvents: all(`SELECT customer_id, kind, at, actor, detail FROM customer_events ORDER BY id`),
      payments: all(`SELECT customer_id, method, reference, amount_minor, currency, received_at, receipt_number, actor FROM payments ORDER BY id`),
      trialBalance: all(`SELECT a.currency, sum(e.amount_minor) AS total FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id GROUP BY a.currency ORDER BY a.currency`),
    };
  } finally {
    db.close();
  }
}

/**
 * Where `got` differs from `want`, table by table, in a few readable lines: rows missing, rows
 * extra (a duplicate shows here), or the same rows in another order.
 */
function differences(want: Books, got: Books): string[] {
  const out: string[] = [];
  for (const table of Object.keys(want) as Array<keyof Books>) {
    const a = want[table].map((r) => JSON.stringify(r));
    const b = got[table].map((r) => JSON.stringify(r));
    if (a.length === b.length && a.every((row, i) => row === b[i])) continue;
    const left = new Map<string, number>();
    for (const row of a) left.set(row, (left.get(row) ?? 0) + 1);
    const extra: string[] = [];
    for (const row of b) {
      const n = left.get(row) ?? 0;
      if (n > 0) left.set(row, n - 1);
      else extra.push(row);
    }
    const missing = [...left].flatMap(([row, n]) => Array<string>(n).fill(row));
    out.push(`${table}: ${a.length} rows expected, ${b.length} found`);
    for (const row of missing.slice(0, 5)) out.push(`  missing ${row}`);
    for (const row of extra.slice(0, 5)) out.push(`  extra   ${row}`);
    if (missing.length === 0 && extra.length === 0) {
      const i = a.findIndex((row, k) => row !== b[k]);
      out.push(`  same rows, other order; first difference at ${i}: expected ${a[i]} found ${b[i]}`);
    }
  }
  return out;
}

/** Runs `tasks` at most `width` at a time (each one is a child process or two). */
async function limited<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

function withClock<T>(when: number, work: () => T): T {
  const realNow = Date.now;
  Date.now = () => when;
  try {
    return work();
  } finally {
    Date.now = realNow;
  }
}

/**
 * CUSTOMERS customers signed up at times spread over January 2026, ten kinds in turn: postpaid
 * monthly with excise duty and VAT (some with wallet money that pays part of the bills, some
 * tax-exempt with data overage), postpaid weekly or quarterly, prepaid monthly with money for
 * exactly two renewals, prepaid short of one renewal, prepaid that falls to a postpaid grace
 * plan, prepaid weekly running out after six weeks, prepaid without auto-renewal, and prepaid
 * with a plan change scheduled for the next renewal.
 */
function buildTemplate(file: string): void {
  const box = createSecretBox(Buffer.alloc(32, 7));
  const conn: Connection = openDatabase(file);
  try {
    const db = conn.db;
    saveTaxClass(db, { code: 'KE-INTERNET', name: 'Kenya internet', inclusive: false, rules: [
      { code: 'EXCISE', name: 'Excise duty 15%', rateBasisPoints: 1500, compound: false },
      { code: 'VAT', name: 'VAT 16%', rateBasisPoints: 1600, compound: true },
    ] });
    addPlan(db, { name: 'Home 10M', priceMinor: 250000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M', taxClass: 'KE-INTERNET', dataBytes: 100e9, overagePerGbMinor: 5000 });
    addPlan(db, { name: 'Office weekly', priceMinor: 80000, currency: 'KES', billingKind: 'postpaid', cycle: 'weekly', rateLimit: '20M/20M', taxClass: 'KE-INTERNET' });
    addPlan(db, { name: 'Office quarterly', priceMinor: 600000, currency: 'KES', billingKind: 'postpaid', cycle: 'quarterly', rateLimit: '20M/20M', taxClass: 'KE-INTERNET' });
    addPlan(db, { name: 'Monthly prepaid', priceMinor: 150000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
    const upgrade = addPlan(db, { name: 'Monthly prepaid taxed', priceMinor: 100000, currency: 'KES', validityMonths: 1, rateLimit: '8M/8M', taxClass: 'KE-INTERNET' });
    addPlan(db, { name: 'Weekly prepaid', priceMinor: 30000, currency: 'KES', durationSeconds: 7 * 86400, rateLimit: '3M/3M' });
    const lifeline = addPlan(db, { name: 'Lifeline', priceMinor: 50000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '1M/1M', taxClass: 'KE-INTERNET' });
    addPlan(db, { name: 'Prepaid with grace', priceMinor: 120000, currency: 'KES', validityMonths: 1, rateLimit: '4M/4M', gracePlanId: lifeline.id });

    const kinds: Array<{ plan: string | ((i: number) => string); wallet?: (i: number) => number; taxExempt?: boolean; overage?: (i: number) => boolean; noAutoRenew?: boolean; nextPlan?: number }> = [
      { plan: 'Home 10M' },
      { plan: 'Home 10M', wallet: (i) => 400000 + i * 100 },
      { plan: 'Home 10M', taxExempt: true, overage: (i) => i % 20 === 2 },
      { plan: 'Monthly prepaid', wallet: () => 300000 },
      { plan: 'Monthly prepaid', wallet: () => 100000 },
      { plan: 'Prepaid with grace', wallet: (i) => (i % 20 === 5 ? 120000 : 0) },
      { plan: 'Weekly prepaid', wallet: () => 180000 },
      { plan: (i) => (i % 20 < 10 ? 'Office weekly' : 'Office quarterly') },
      { plan: 'Monthly prepaid', wallet: () => 500000, noAutoRenew: true },
      { plan: 'Monthly prepaid', wallet: () => 1000000, nextPlan: upgrade.id },
    ];
    for (let i = 0; i < CUSTOMERS; i++) {
      const kind = kinds[i % kinds.length]!;
      const planName = typeof kind.plan === 'string' ? kind.plan : kind.plan(i);
      const day = String(1 + ((i * 7) % 31)).padStart(2, '0');
      const hour = String((i * 5) % 24).padStart(2, '0');
      const minute = String((i * 13) % 60).padStart(2, '0');
      const joined = at(`2026-01-${day}T${hour}:${minute}`);
      const customer = withClock(joined, () => addCustomer(db, box, { username: `c${String(i).padStart(3, '0')}`, password: 'pw', planName, taxExempt: kind.taxExempt }, zone));
      const amount = kind.wallet?.(i) ?? 0;
      if (amount > 0) adjustWallet(db, { customerId: customer.id, amountMinor: amount, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: joined + 60_000 });
      if (kind.overage?.(i)) {
        conn.sqlite.prepare('INSERT INTO usage (customer_id, period_start, input_octets, output_octets, online_seconds, updated_at) VALUES (?, ?, ?, ?, 0, ?)').run(customer.id, joined, 3e9, 100e9 + i * 1e8, joined);
      }
      if (kind.noAutoRenew) conn.sqlite.prepare('UPDATE subscriptions SET auto_renew = 0 WHERE customer_id = ?').run(customer.id);
      if (kind.nextPlan !== undefined) conn.sqlite.prepare('UPDATE subscriptions SET next_plan_id = ? WHERE customer_id = ?').run(kind.nextPlan, customer.id);
    }
  } finally {
    // A clean close checkpoints the WAL into the main file, so copying lango.db alone copies everything.
    conn.close();
  }
  const leftovers = readdirSync(path.dirname(file)).filter((name) => name !== 'lango.db');
  if (leftovers.length > 0) throw new Error(`the template left ${leftovers.join(', ')} beside lango.db`);
}

/** How many chunks each phase of the run takes: the count of rows it handles, then one empty chunk. */
function phasesOf(templateFile: string, referenceFile: string, result: RunResult) {
  const count = (file: string, sql: string, ...params: unknown[]) => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare(sql).get(...params) as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const due = count(templateFile, `SELECT count(*) AS n FROM subscriptions WHERE status = 'active' AND period_end <= ?`, NOW);
  // Reminders walk every open invoice due within the earliest reminder day (3 days ahead by default).
  const open = count(referenceFile, `SELECT count(*) AS n FROM invoices WHERE kind = 'invoice' AND status IN ('issued', 'partially_paid', 'overdue') AND due_at <= ?`, NOW + 3 * DAY);
  const span = (start: number, n: number) => Array.from({ length: n }, (_, k) => start + k);
  const renewals = span(1, Math.ceil(due / CHUNK) + 1);
  const overdue = span(renewals.length + 1, Math.ceil(result.markedOverdue / (CHUNK * 4)) + 1);
  const reminders = span(renewals.length + overdue.length + 1, Math.ceil(open / (CHUNK * 4)) + 1);
  const suspensions = span(renewals.length + overdue.length + reminders.length + 1, Math.ceil(result.suspended / CHUNK) + 1);
  return { renewals, overdue, reminders, suspensions };
}

beforeAll(async () => {
  if (onPostgres()) return;
  if (!existsSync(script)) throw new Error(`${script} does not exist; run \`npm run build\` first`);
  dir = mkdtempSync(path.join(tmpdir(), 'lango-crash-'));
  template = path.join(dir, 'template', 'lango.db');
  buildTemplate(template);
  referenceFile = copyOfTemplate();
  referenceResult = await completed(referenceFile);
  reference = books(referenceFile);
  phases = phasesOf(template, referenceFile, referenceResult);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Each crash starts from a byte copy of a prepared SQLite file (and checks no -wal is left
// beside it); on PostgreSQL there is no file to copy, so this runs on SQLite only.
describe.skipIf(onPostgres())('a billing run killed with SIGKILL and run again', () => {
  it('has a reference run that goes through every phase, with many chunks in each', () => {
    expect(referenceResult.failed).toEqual([]);
    for (const field of ['renewed', 'invoiced', 'expired', 'movedToGracePlan', 'markedOverdue', 'suspended', 'reminders'] as const) {
      expect(referenceResult[field], field).toBeGreaterThan(0);
    }
    expect(phases.renewals.length).toBeGreaterThanOrEqual(8);
    expect(phases.overdue.length).toBeGreaterThanOrEqual(3);
    expect(phases.reminders.length).toBeGreaterThanOrEqual(3);
    expect(phases.suspensions.length).toBeGreaterThanOrEqual(3);
    // The phase map is right only if it accounts for every chunk the run reported.
    expect(phases.suspensions.at(-1)).toBe(referenceResult.chunks);
    expect(reference.trialBalance).toEqual([{ currency: 'KES', total: 0 }]);
    // Fully paid from the wallet, still open and not yet due, and overdue with a part paid.
    const statuses = new Set(reference.invoices.map((i) => i.status));
    for (const status of ['paid', 'issued', 'overdue']) expect(statuses.has(status), status).toBe(true);
    expect(reference.invoices.some((i) => i.status === 'overdue' && (i.paid_minor as number) > 0)).toBe(true);
    expect(reference.ledgerAccounts.some((a) => a.code === 'revenue:overage')).toBe(true);
    expect(new Set(reference.subscriptions.map((sub) => sub.status))).toEqual(new Set(['active', 'expired']));
  });

  it('changes nothing when run again after it finished', async () => {
    const again = await completed(referenceFile);
    expect(again).toMatchObject({ renewed: 0, invoiced: 0, expired: 0, movedToGracePlan: 0, markedOverdue: 0, suspended: 0, reminders: 0, failed: [] });
    expect(differences(reference, books(referenceFile))).toEqual([]);
  });

  it('converges to the uninterrupted books, without a duplicate, after a kill at a chunk boundary in each phase', async () => {
    const lastRenewal = phases.renewals.at(-2)!;
    const points = [
      1, // the first renewals committed, most of the catching up still to do
      Math.ceil(lastRenewal / 2),
      lastRenewal, // every renewal done, the empty chunk that ends the phase not yet run
      phases.renewals.at(-1)!, // between two phases
      phases.overdue[0]!,
      phases.reminders[Math.floor(phases.reminders.length / 2)]!, // the rerun walks the reminders from the first invoice again
      phases.suspensions[0]!,
      phases.suspensions.at(-2)!, // the last chunk with work in it
    ];
    const outcomes = await limited(
      points.map((chunk) => async () => {
        const file = copyOfTemplate();
        await killedAfter(file, chunk);
        const wal = statSync(`${file}-wal`).size;
        const crashed = books(file);
        // The killed run's commits are still in its WAL, for the rerun to recover.
        expect(statSync(`${file}-wal`).size).toBe(wal);
        expect(wal).toBeGreaterThan(0);
        await completed(file);
        return { chunk, crashed, after: books(file) };
      }),
      2,
    );
    const refInvoices = reference.invoices.length;
    let lastProgress = -1;
    for (const { chunk, crashed, after } of outcomes) {
      // What the killed run left is part of the work, more of it the later it died.
      const progress =
        crashed.invoices.length +
        crashed.invoices.filter((i) => i.status === 'overdue').length +
        crashed.notificationEvents.length +
        crashed.customers.filter((c) => c.status === 'suspended').length;
      expect(progress, `progress after a kill at chunk ${chunk}`).toBeGreaterThanOrEqual(lastProgress);
      lastProgress = progress;
      if (chunk === 1) expect(crashed.invoices.length).toBeGreaterThan(0);
      if (chunk < lastRenewal) expect(crashed.invoices.length, `invoices after a kill at chunk ${chunk}`).toBeLessThan(refInvoices);
      else expect(crashed.invoices.length, `invoices after a kill at chunk ${chunk}`).toBe(refInvoices);

      expect(differences(reference, after), `rerun after a kill at chunk ${chunk}`).toEqual([]);
      expect(after.invoices.length).toBe(refInvoices);
      expect(new Set(after.invoices.map((i) => i.key)).size).toBe(refInvoices);
      expect(new Set(after.ledgerTransactions.map((t) => t.key)).size).toBe(reference.ledgerTransactions.length);
    }
  }, 60_000);

  it('converges after two kills in a row at different points, in different phases', async () => {
    const lastRenewal = phases.renewals.at(-2)!;
    const middle = Math.ceil(lastRenewal / 2);
    const overdue = phases.overdue.length;
    const reminders = phases.reminders.length;
    // The second number counts the chunks of the second run, which starts where the first died:
    // the renewals left and the empty chunk after them, all the overdue chunks, then the
    // reminders from the first invoice again, then the suspensions.
    const pairs = [
      { first: middle, second: lastRenewal - middle + 1 + overdue + 2, secondIn: 'reminders' }, // among the renewals, then among the reminders
      { first: phases.reminders[1]!, second: 1 + 1 + reminders + 1, secondIn: 'suspensions' }, // among the reminders, then the first suspensions
    ] as const;
    const suspended = (b: Books) => b.customers.filter((c) => c.status === 'suspended').length;
    const outcomes = await limited(
      pairs.map((pair) => async () => {
        const file = copyOfTemplate();
        await killedAfter(file, pair.first);
        await killedAfter(file, pair.second);
        const crashed = books(file);
        await completed(file);
        return { ...pair, crashed, after: books(file) };
      }),
      2,
    );
    for (const { first, second, secondIn, crashed, after } of outcomes) {
      // The second kill landed where it was aimed: before any suspension, or among them.
      if (secondIn === 'reminders') expect(suspended(crashed)).toBe(0);
      else expect(suspended(crashed)).toBeGreaterThan(0);
      expect(suspended(crashed)).toBeLessThan(suspended(reference));
      expect(differences(reference, after), `rerun after kills at chunk ${first}, then ${second}`).toEqual([]);
    }
  }, 60_000);
});

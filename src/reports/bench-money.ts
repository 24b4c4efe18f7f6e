import type { Connection, Sqlite } from '../db/connection.js';
import { agingReport, arpuReport, collectionReport, customersReport, defaultPeriod, monthsOf, revenueBreakdown, voucherSalesReport } from './money.js';

// The money reports' speed check (issue 9: 12 months over 100 000 customers in under 2 s), run
// by `npm run bench -- --mode reports`, never by the test suite: fills a throwaway database with
// 100 000 customers (and 20 000 vouchers), 1.2 M payments and 1.2 M invoices over the last 12
// months, in one transaction of plain INSERTs, then times each report twice.

const ZONE = 'Africa/Nairobi';
const MONTH_MS = 30 * 86_400_000;

export function fillMoneyBench(sqlite: Sqlite, input: { now: number; customers?: number; vouchers?: number }): void {
  const customers = input.customers ?? 100_000;
  const voucherCount = input.vouchers ?? 20_000;
  const { now } = input;
  const start = now - 12 * MONTH_MS;
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  sqlite.transaction(() => {
    const plan = sqlite.prepare("INSERT INTO plans (name, price_minor, currency, created_at, billing_kind, cycle) VALUES (?, ?, ?, ?, 'postpaid', 'monthly')");
    for (let p = 1; p <= 5; p++) plan.run(`Home ${p}`, p * 100_000, 'KES', start);
    plan.run('Juba', 1_000_000, 'SSP', start);
    sqlite.prepare("INSERT INTO plans (name, price_minor, currency, created_at) VALUES ('Hotspot', 5000, 'KES', ?)").run(start);
    // The operator's money accounts: the currencies revenueReport reads.
    sqlite.exec("INSERT OR IGNORE INTO ledger_accounts (code, currency, kind) VALUES ('cash', 'KES', 'asset'), ('cash', 'SSP', 'asset')");
    sqlite.prepare("INSERT INTO ledger_transactions (key, kind, occurred_at, created_at, description, actor) VALUES ('bench', 'payment', ?, ?, 'bench', 'bench')").run(start, start);
    const customer = sqlite.prepare("INSERT INTO customers (username, password_sealed, status, created_at, updated_at, currency, kind) VALUES (?, 'x', ?, ?, ?, ?, ?)");
    const subscription = sqlite.prepare("INSERT INTO subscriptions (customer_id, plan_id, status, billing_kind, started_at, created_at, updated_at) VALUES (?, ?, 'active', 'postpaid', ?, ?, ?)");
    const event = sqlite.prepare("INSERT INTO customer_events (customer_id, at, actor, kind, detail) VALUES (?, ?, 'bench', ?, ?)");
    const payment = sqlite.prepare("INSERT INTO payments (customer_id, method, reference, amount_minor, currency, received_at, receipt_number, transaction_id, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'bench', ?)");
    const invoice = sqlite.prepare('INSERT INTO invoices (number, kind, key, customer_id, subscription_id, currency, status, issued_at, due_at, net_minor, tax_minor, gross_minor, paid_minor, created_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, \'bench\')');
    const methods = ['mpesa', 'mpesa', 'mpesa', 'cash', 'bank', 'momo'];
    for (let c = 1; c <= customers; c++) {
      const created = now - Math.floor(random() * 24 * MONTH_MS);
      const ssp = c % 10 === 0;
      const terminated = c % 50 === 0;
      customer.run(`c${c}`, terminated ? 'terminated' : 'active', created, created, ssp ? 'SSP' : 'KES', 'customer');
      subscription.run(c, ssp ? 6 : 1 + (c % 5), created, created, created);
      event.run(c, created, 'subscribed', '{}');
      if (terminated) event.run(c, created + Math.floor(random() * (now - created)), 'status_changed', JSON.stringify({ from: 'active', to: 'terminated' }));
      else if (c % 20 === 0) event.run(c, created + Math.floor(random() * (now - created)), 'status_changed', JSON.stringify({ from: 'active', to: 'paused' }));
    }
    // Month after month, as billing runs and payments arrive: rowids follow time, as they do in use.
    let n = 0;
    for (let m = 0; m < 12; m++) {
      for (let c = 1; c <= customers; c++) {
        n++;
        const ssp = c % 10 === 0;
        const currency = ssp ? 'SSP' : 'KES';
        const price = ssp ? 1_000_000 : (1 + (c % 5)) * 100_000;
        const issued = start + m * MONTH_MS + Math.floor(((c - 1) / customers) * MONTH_MS);
        const open = m === 11 ? random() < 0.3 : random() < 0.03;
        invoice.run(`INV-${n}`, 'invoice', `bench:${n}`, c, c, currency, open ? (random() < 0.5 ? 'overdue' : 'issued') : 'paid', issued, issued + 14 * 86_400_000, price, price, open ? 0 : price, issued);
        if (random() < 0.01) invoice.run(`CN-${n}`, 'credit_note', `bench-cn:${n}`, c, c, currency, 'issued', issued + 86_400_000, issued + 86_400_000, 10_000, 10_000, 0, issued);
        const received = issued + Math.floor(random() * 3 * 86_400_000);
        if (received < now) payment.run(c, methods[n % methods.length], `R${n}`, price, currency, received, `RCT-${n}`, received);
      }
    }
    const batch = sqlite.prepare("INSERT INTO voucher_batches (name, plan_id, count, code_length, prefix, password_mode, price_minor, currency, seller, created_at, actor) VALUES (?, 7, ?, 8, '', 'code', 5000, 'KES', ?, ?, 'bench')");
    const voucher = sqlite.prepare('INSERT INTO vouchers (batch_id, customer_id, code, serial) VALUES (?, ?, ?, ?)');
    const voucherSub = sqlite.prepare("INSERT INTO subscriptions (customer_id, plan_id, status, billing_kind, started_at, created_at, updated_at) VALUES (?, 7, 'active', 'prepaid', ?, ?, ?)");
    const batches = Math.ceil(voucherCount / 1000);
    for (let b = 1; b <= batches; b++) {
      const created = start + Math.floor(random() * 12 * MONTH_MS);
      batch.run(`B-${String(b).padStart(4, '0')}`, 1000, `Shop ${b % 4}`, created);
      for (let s = 1; s <= 1000; s++) {
        const code = `V${b}X${s}`;
        const id = Number(customer.run(code, 'active', created, created, 'KES', 'voucher').lastInsertRowid);
        voucherSub.run(id, created, created, created);
        voucher.run(b, id, code, s);
        if (s % 2 === 0) payment.run(id, 'mpesa', `V${id}`, 5000, 'KES', created + s * 60_000, `RCT-V${id}`, created);
      }
    }
  })();
  sqlite.exec('ANALYZE');
}

/** Milliseconds per money report over 12 months, first run and second (warm cache). */
export function benchMoneyReports(connection: Connection, input: { now?: number } = {}): { fillSeconds: number; reports: Record<string, [number, number]> } {
  // The filler writes SQLite's own SQL (and ANALYZE): the bench runs on a SQLite file only.
  if (connection.dialect !== 'sqlite') throw new Error('the money report bench fills a SQLite database only');
  const now = input.now ?? Date.now();
  const started = performance.now();
  fillMoneyBench(connection.sqlite, { now });
  const fillSeconds = Math.round((performance.now() - started) / 100) / 10;
  const months = monthsOf(defaultPeriod(now, ZONE), ZONE)!;
  const runs: Record<string, () => unknown> = {
    revenue: () => revenueBreakdown(connection.db, { months, zone: ZONE }),
    collection: () => collectionReport(connection.db, { months, zone: ZONE }),
    aging: () => agingReport(connection.db, { asOf: now }),
    customers: () => customersReport(connection.db, { months, zone: ZONE, now }),
    arpu: () => arpuReport(connection.db, { months }),
    vouchers: () => voucherSalesReport(connection.db, { months, now }),
  };
  const timed = (run: () => unknown) => {
    const at = performance.now();
    run();
    return Math.round(performance.now() - at);
  };
  const reports: Record<string, [number, number]> = {};
  for (const [name, run] of Object.entries(runs)) reports[name] = [timed(run), timed(run)];
  return { fillSeconds, reports };
}

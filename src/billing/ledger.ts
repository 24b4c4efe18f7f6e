import { and, eq, sql } from 'drizzle-orm';
import type { Db, Sqlite } from '../db/connection.js';
import { compileStatement } from '../db/compiled-statement.js';
import { preparedPer } from '../db/prepared.js';
import type { Currency } from '../db/schema/billing.js';
import { ledgerAccounts, ledgerEntries, ledgerTransactions, type LedgerAccountKind, type LedgerTransactionKind } from '../db/schema/ledger.js';

/**
 * The double-entry ledger. Every money event is one balanced transaction: entries are debits
 * (positive) and credits (negative) in one currency that sum to zero. Nothing else writes
 * money; balances are sums of entries, never stored numbers a person could edit.
 *
 * The operator's side of the chart: `cash`, `bank`, `mpesa`, `momo` (money received),
 * `revenue:service`, `revenue:overage`, `tax:<CODE>` (owed to the tax authority) and
 * `adjustments`. Each customer has `receivable:<id>` (what they owe on invoices) and
 * `wallet:<id>` (money they paid that no invoice has used yet).
 */

export interface AccountRef {
  code: string;
  kind: LedgerAccountKind;
  customerId?: number;
}

export const accounts = {
  receivable: (customerId: number): AccountRef => ({ code: `receivable:${customerId}`, kind: 'asset', customerId }),
  wallet: (customerId: number): AccountRef => ({ code: `wallet:${customerId}`, kind: 'liability', customerId }),
  revenue: (stream: 'service' | 'overage'): AccountRef => ({ code: `revenue:${stream}`, kind: 'income' }),
  tax: (code: string): AccountRef => ({ code: `tax:${code}`, kind: 'liability' }),
  /** Money received by one method: cash drawer, bank, or one provider's float (mpesa, momo…). */
  money: (method: string): AccountRef => ({ code: method, kind: 'asset' }),
  /** Provider money that arrived for no known account (C2B with a mistyped number), until staff assign it. */
  suspense: (): AccountRef => ({ code: 'suspense', kind: 'liability' }),
  adjustments: (): AccountRef => ({ code: 'adjustments', kind: 'expense' }),
  /** Cash an agent took for tokens and has not yet handed over to the operator. */
  agentFloat: (staffId: number): AccountRef => ({ code: 'agent:' + staffId, kind: 'asset' }),
};

export interface PostingInput {
  /** Idempotency: a second post under the same key changes nothing and returns the first. */
  key: string;
  kind: LedgerTransactionKind;
  customerId: number | null;
  currency: Currency;
  occurredAt: number;
  description: string;
  actor: string;
  reason?: string | null;
  entries: Array<{ account: AccountRef; amountMinor: number }>;
}

export class UnbalancedPostingError extends Error {}

type Statements = ReturnType<typeof prepare>;

// The billing run posts twice per renewal: writes are compiled to raw statements (drizzle
// writes the SQL and encodes values, better-sqlite3 runs it without per-call mapping).
function prepare(db: Db, sqlite: Sqlite) {
  const p = (name: string) => sql.placeholder(name);
  return {
    insertTransaction: compileStatement<Record<string, unknown>>(
      sqlite,
      db
        .insert(ledgerTransactions)
        .values({ key: p('key'), kind: p('kind'), customerId: p('customerId'), occurredAt: p('occurredAt'), createdAt: p('createdAt'), description: p('description'), actor: p('actor'), reason: p('reason') } as never)
        .onConflictDoNothing()
        .returning({ id: ledgerTransactions.id }),
    ),
    byKey: compileStatement<{ key: string }>(sqlite, db.select({ id: ledgerTransactions.id }).from(ledgerTransactions).where(eq(ledgerTransactions.key, p('key')))),
    ensureAccount: compileStatement<Record<string, unknown>>(
      sqlite,
      db.insert(ledgerAccounts).values({ code: p('code'), currency: p('currency'), kind: p('kind'), customerId: p('customerId') } as never).onConflictDoNothing(),
    ),
    accountId: compileStatement<{ code: string; currency: string }>(
      sqlite,
      db.select({ id: ledgerAccounts.id }).from(ledgerAccounts).where(and(eq(ledgerAccounts.code, p('code')), eq(ledgerAccounts.currency, p('currency')))),
    ),
    insertEntry: compileStatement<Record<string, unknown>>(sqlite, db.insert(ledgerEntries).values({ transactionId: p('transactionId'), accountId: p('accountId'), amountMinor: p('amountMinor') } as never)),
    // The account found and the entry written in one statement: a posting's usual case, since
    // accounts outlive their first use. No row written = no such account yet.
    insertEntryByCode: compileStatement<Record<string, unknown>>(
      sqlite,
      db.insert(ledgerEntries).select(
        db
          .select({ id: sql`NULL`.as('id'), transactionId: sql`${p('transactionId')}`.as('transaction_id'), accountId: ledgerAccounts.id, amountMinor: sql`${p('amountMinor')}`.as('amount_minor') })
          .from(ledgerAccounts)
          .where(and(eq(ledgerAccounts.code, p('code')), eq(ledgerAccounts.currency, p('currency')))),
      ),
    ),
    balance: compileStatement<{ code: string; currency: string }>(
      sqlite,
      db
        .select({ total: sql<number>`coalesce(sum(${ledgerEntries.amountMinor}), 0)`.as('total') })
        .from(ledgerEntries)
        .innerJoin(ledgerAccounts, eq(ledgerEntries.accountId, ledgerAccounts.id))
        .where(and(eq(ledgerAccounts.code, p('code')), eq(ledgerAccounts.currency, p('currency')))),
    ),
  };
}

const statements = preparedPer(prepare);

/**
 * Writes one balanced transaction inside the caller's database transaction. Refuses, before
 * writing anything, a posting that does not balance or carries a non-integer amount.
 */
export function post(db: Db, input: PostingInput): { transactionId: number; created: boolean } {
  let sum = 0;
  for (const e of input.entries) {
    if (!Number.isSafeInteger(e.amountMinor)) throw new UnbalancedPostingError(`${input.key}: ${e.account.code} amount ${e.amountMinor} is not whole minor units`);
    sum += e.amountMinor;
  }
  if (sum !== 0 || input.entries.length < 2) throw new UnbalancedPostingError(`${input.key}: entries sum to ${sum} over ${input.entries.length} line(s)`);
  const s = statements(db);
  const inserted = s.insertTransaction.get({
    key: input.key,
    kind: input.kind,
    customerId: input.customerId,
    occurredAt: input.occurredAt,
    createdAt: Date.now(),
    description: input.description,
    actor: input.actor,
    reason: input.reason ?? null,
  }) as { id: number } | undefined;
  if (!inserted) return { transactionId: (s.byKey.get({ key: input.key }) as { id: number }).id, created: false };
  const id = inserted.id;
  for (const e of input.entries) {
    if (e.amountMinor === 0) continue;
    if (s.insertEntryByCode.run({ transactionId: id, amountMinor: e.amountMinor, code: e.account.code, currency: input.currency }).changes === 1) continue;
    s.insertEntry.run({ transactionId: id, accountId: accountId(s, e.account, input.currency), amountMinor: e.amountMinor });
  }
  return { transactionId: id, created: true };
}

function accountId(s: Statements, account: AccountRef, currency: Currency): number {
  const found = s.accountId.get({ code: account.code, currency }) as { id: number } | undefined;
  if (found) return found.id;
  s.ensureAccount.run({ code: account.code, currency, kind: account.kind, customerId: account.customerId ?? null });
  return (s.accountId.get({ code: account.code, currency }) as { id: number }).id;
}

/** The entries of the transaction posted under `key`, with their account codes. */
export function entriesOf(db: Db, key: string): Array<{ code: string; kind: LedgerAccountKind; amountMinor: number }> {
  return db
    .select({ code: ledgerAccounts.code, kind: ledgerAccounts.kind, amountMinor: ledgerEntries.amountMinor })
    .from(ledgerEntries)
    .innerJoin(ledgerAccounts, eq(ledgerEntries.accountId, ledgerAccounts.id))
    .innerJoin(ledgerTransactions, eq(ledgerEntries.transactionId, ledgerTransactions.id))
    .where(eq(ledgerTransactions.key, key))
    .orderBy(ledgerEntries.id)
    .all();
}

/**
 * A new customer's receivable and wallet, made with the customer rather than by their first
 * invoice or payment: a billing day's postings then only look accounts up.
 */
export function openCustomerAccounts(db: Db, customerId: number, currency: Currency): void {
  const s = statements(db);
  for (const account of [accounts.receivable(customerId), accounts.wallet(customerId)]) {
    s.ensureAccount.run({ code: account.code, currency, kind: account.kind, customerId });
  }
}

/** Debit-positive balance of one account: a receivable's is what the customer owes. */
export function accountBalance(db: Db, account: AccountRef, currency: Currency): number {
  return (statements(db).balance.get({ code: account.code, currency }) as { total: number } | undefined)?.total ?? 0;
}

export interface CustomerBalance {
  currency: Currency;
  /** Owed on issued invoices, not yet paid. */
  dueMinor: number;
  /** Paid in and not yet used by an invoice. */
  walletMinor: number;
}

/** Wallet money not yet used by an invoice. */
export function walletBalance(db: Db, customerId: number, currency: Currency): number {
  // 0 - x, not -x: a zero balance must not print as -0.
  return 0 - accountBalance(db, accounts.wallet(customerId), currency);
}

export function customerBalance(db: Db, customerId: number, currency: Currency): CustomerBalance {
  return {
    currency,
    dueMinor: accountBalance(db, accounts.receivable(customerId), currency),
    walletMinor: walletBalance(db, customerId, currency),
  };
}

/** Per currency, the sum of every entry: zero when the books balance. For tests and `lango ledger check`. */
export function trialBalance(db: Db): Array<{ currency: Currency; total: number; transactions: number; unbalanced: number }> {
  const totals = db
    .select({ currency: ledgerAccounts.currency, total: sql<number>`sum(${ledgerEntries.amountMinor})` })
    .from(ledgerEntries)
    .innerJoin(ledgerAccounts, eq(ledgerEntries.accountId, ledgerAccounts.id))
    .groupBy(ledgerAccounts.currency)
    .all();
  const unbalanced = db.all<{ currency: Currency; n: number; bad: number }>(sql`
    SELECT a.currency AS currency, count(*) AS n, sum(CASE WHEN t.s <> 0 THEN 1 ELSE 0 END) AS bad
    FROM (SELECT e.transaction_id AS id, min(e.account_id) AS account, sum(e.amount_minor) AS s FROM ledger_entries e GROUP BY e.transaction_id) t
    JOIN ledger_accounts a ON a.id = t.account
    GROUP BY a.currency`);
  return totals.map((t) => {
    const u = unbalanced.find((x) => x.currency === t.currency);
    return { currency: t.currency, total: t.total, transactions: u?.n ?? 0, unbalanced: u?.bad ?? 0 };
  });
}

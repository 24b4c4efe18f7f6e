import { existsSync } from 'node:fs';
import path from 'node:path';
import { isPostgresUrl, openDatabase, type Connection, type Sqlite } from '../db/connection.js';
import { BackupRefusal, checkLangoDatabase } from './backup.js';

// Moving an installation from its SQLite file to PostgreSQL (`lango db copy`), and the check
// that the two hold the same books (`lango db compare`). Table and column lists come from each
// database's own catalog, so a table added by a later migration is copied without a change here.

/** A refusal the operator can act on; nothing was written. */
export class CopyRefusal extends Error {}

// Bookkeeping of each backend's migration runner: each side has its own, never copied.
const INTERNAL_TABLES = new Set(['__drizzle_migrations', 'lango_migrations']);

// Rows per INSERT: each column travels as one array parameter, so a batch is one round trip
// whatever its width; beyond a few thousand rows the batching stops paying.
const BATCH_ROWS = 5_000;
// Below this many rows, keeping a table's indexes up to date row by row costs less than
// dropping and building them again.
const REBUILD_INDEXES_FROM = 50_000;

/** The URL without its password, for messages and printed results. */
export function displayName(target: string): string {
  return isPostgresUrl(target) ? target.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@') : path.resolve(target);
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Opens one side of a copy or comparison. A file is checked first (read-only) to be an
 * undamaged Lango database this version can run, since opening migrates it: a wrong path is
 * refused rather than created, or given Lango's tables.
 */
export function openExisting(target: string): Connection {
  if (!isPostgresUrl(target)) {
    if (!existsSync(target)) throw new CopyRefusal(`There is no database file ${path.resolve(target)}.`);
    try {
      checkLangoDatabase(target);
    } catch (err) {
      throw err instanceof BackupRefusal ? new CopyRefusal(err.message) : err;
    }
  }
  return openDatabase(target);
}

/** The PostgreSQL side, created and migrated by openDatabase; a server that refuses is said plainly. */
function openTarget(url: string): Connection {
  try {
    return openDatabase(url);
  } catch (err) {
    throw new CopyRefusal(`Cannot open ${displayName(url)}: ${(err as Error).message}`);
  }
}

/** Tables holding Lango's data, read from the database's own catalog, sorted by name. */
export function listTables(connection: Connection): string[] {
  const names = (
    connection.dialect === 'sqlite'
      ? connection.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()
      : connection.sqlite.prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'").pluck().all()
  ) as string[];
  return names.filter((name) => !name.startsWith('sqlite_') && !INTERNAL_TABLES.has(name)).sort();
}

/** Stored columns in declaration order (generated columns are computed again on the other side). */
function sqliteColumns(sqlite: Sqlite, table: string): string[] {
  return sqlite.prepare('SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid').pluck().all(table) as string[];
}

/**
 * Column name → the name of its PostgreSQL array type (_int8, _text, _float8, _bytea …), for
 * the casts of the batched insert. The internal names, because the SQL translation reads
 * `bigint[]`'s brackets as SQLite's [quoted identifier].
 */
function postgresColumns(target: Sqlite, table: string): Map<string, string> {
  const rows = target
    .prepare("SELECT attname AS name, (SELECT arr.typname FROM pg_type t JOIN pg_type arr ON arr.oid = t.typarray WHERE t.oid = atttypid) AS type FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attgenerated = ''")
    .all(quote(table)) as Array<{ name: string; type: string }>;
  return new Map(rows.map((r) => [r.name, r.type]));
}

/**
 * Tables ordered so that each comes after the ones it references, so every row inserted finds
 * its parent already there and each reference is checked as it arrives. `cyclic` (never so
 * today) when that is impossible, a table referencing itself or a ring of tables: the checks
 * must then wait for the end of the copy.
 */
export function referenceOrder(sqlite: Sqlite, tables: readonly string[]): { order: string[]; cyclic: boolean } {
  const wanted = new Set(tables);
  const references = new Map(tables.map((table) => [table, (sqlite.prepare('SELECT "table" FROM pragma_foreign_key_list(?)').pluck().all(table) as string[]).filter((p) => wanted.has(p))]));
  let cyclic = tables.some((table) => references.get(table)!.includes(table));
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < tables.length) {
    const ready = tables.filter((t) => !placed.has(t) && references.get(t)!.every((p) => p === t || placed.has(p)));
    if (ready.length === 0) cyclic = true;
    for (const table of ready.length > 0 ? ready : tables.filter((t) => !placed.has(t)).slice(0, 1)) {
      order.push(table);
      placed.add(table);
    }
  }
  return { order, cyclic };
}

function countRows(connection: Connection, table: string): number {
  return Number((connection.sqlite.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n);
}

export interface TableCopy {
  table: string;
  rows: number;
  ms: number;
}

export interface CopyResult {
  from: string;
  to: string;
  replaced: boolean;
  tables: TableCopy[];
  rows: number;
  ms: number;
  rowsPerSecond: number;
  differences: string[];
}

/**
 * Inserts one table's rows in batches; answers how many. Each column goes as one array
 * parameter and unnest() turns the arrays back into rows: the statement stays small and is
 * planned once, however many rows a batch holds.
 */
function copyTable(source: Sqlite, target: Sqlite, table: string, columns: readonly string[], types: ReadonlyMap<string, string>): number {
  const list = columns.map(quote).join(', ');
  const insert = target.prepare(`INSERT INTO ${quote(table)} (${list}) SELECT * FROM unnest(${columns.map((c) => `CAST(? AS ${quote(types.get(c)!)})`).join(', ')})`);
  // safeIntegers: an integer beyond 2^53 (an octet counter, a big id) is copied exactly.
  const read = source.prepare(`SELECT ${list} FROM ${quote(table)}`).raw().safeIntegers(true);
  let batch: unknown[][] = columns.map(() => []);
  let rows = 0;
  for (const values of read.iterate() as IterableIterator<unknown[]>) {
    for (let i = 0; i < values.length; i++) batch[i]!.push(values[i]);
    rows++;
    if (rows % BATCH_ROWS === 0) {
      insert.run(batch);
      batch = columns.map(() => []);
    }
  }
  if (rows % BATCH_ROWS !== 0) insert.run(batch);
  return rows;
}

/**
 * A large table loads faster without its secondary indexes, built once afterwards from the
 * whole table (as pg_restore does). Indexes a constraint owns or a foreign key relies on stay.
 * Answers the statements that build them again.
 */
function dropSecondaryIndexes(target: Sqlite, table: string): string[] {
  const indexes = target
    .prepare(
      'SELECT c.relname AS name, pg_get_indexdef(x.indexrelid) AS definition FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = to_regclass(?) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)',
    )
    .all(quote(table)) as Array<{ name: string; definition: string }>;
  if (indexes.length > 0) target.exec(`DROP INDEX ${indexes.map((i) => quote(i.name)).join(', ')}`);
  return indexes.map((i) => i.definition);
}

/**
 * Identity columns continue after the highest id copied, or after the highest SQLite ever
 * handed out (sqlite_sequence remembers ids of deleted rows, which must not come back).
 */
function resetSequences(source: Sqlite, target: Sqlite, columns: ReadonlyMap<string, readonly string[]>): void {
  const used = new Map(
    (source.prepare('SELECT name, seq FROM sqlite_sequence').all() as Array<{ name: string; seq: number }>).map((r) => [r.name, Number(r.seq)]),
  );
  for (const [table, names] of columns) {
    if (!names.includes('id')) continue;
    const sequence = target.prepare("SELECT pg_get_serial_sequence(?, 'id') AS s").pluck().get(quote(table)) as string | null;
    if (!sequence) continue;
    const highest = Math.max(Number(target.prepare(`SELECT coalesce(max(id), 0) AS n FROM ${quote(table)}`).pluck().get()), used.get(table) ?? 0);
    target.prepare('SELECT setval(?, ?, false)').get(sequence, highest + 1);
  }
}

/**
 * Copies every table of a SQLite installation into a PostgreSQL database, ids unchanged, in one
 * PostgreSQL transaction (a failure leaves the target as it was) read from one SQLite snapshot
 * (a daemon still writing to the file cannot tear the copy; what it writes afterwards is not
 * copied). Then compares the two sides.
 */
export function copyDatabase(from: string, to: string, options: { replace?: boolean } = {}): CopyResult {
  if (isPostgresUrl(from)) throw new CopyRefusal('--from must be the SQLite database file (for example ./data/lango.db), not a URL.');
  if (!isPostgresUrl(to)) throw new CopyRefusal('--to must be a PostgreSQL URL, for example postgres://lango:password@127.0.0.1:5432/lango.');
  const source = openExisting(from);
  try {
    if (source.dialect !== 'sqlite') throw new CopyRefusal(`${displayName(from)} did not open as a SQLite file.`);
    const target = openTarget(to);
    try {
      const tables = listTables(source);
      const present = new Set(listTables(target));
      const missing = tables.filter((t) => !present.has(t));
      if (missing.length > 0) throw new CopyRefusal(`The PostgreSQL database has no table ${missing.join(', ')}: its schema does not match this Lango version. Nothing was copied.`);
      const columns = new Map(tables.map((table) => [table, sqliteColumns(source.sqlite, table)]));
      const types = new Map(tables.map((table) => [table, postgresColumns(target.sqlite, table)]));
      for (const [table, names] of columns) {
        const there = types.get(table)!;
        const absent = names.filter((n) => !there.has(n));
        if (absent.length > 0) throw new CopyRefusal(`The PostgreSQL table ${table} has no column ${absent.join(', ')}: its schema does not match this Lango version. Nothing was copied.`);
      }
      const customers = countRows(target, 'customers');
      const ledger = countRows(target, 'ledger_entries');
      if ((customers > 0 || ledger > 0) && !options.replace) {
        throw new CopyRefusal(
          `${displayName(to)} already holds ${customers} customer(s) and ${ledger} ledger entr${ledger === 1 ? 'y' : 'ies'}. Nothing was copied. To empty it and copy over it, run again with --replace (everything in it now is lost).`,
        );
      }
      const { order, cyclic } = referenceOrder(source.sqlite, tables);
      const copied: TableCopy[] = [];
      const started = performance.now();
      source.sqlite.transaction(() => {
        target.sqlite.transaction(() => {
          // The target is emptied even when it holds no customers: a freshly migrated database
          // has seed rows (settings, counters) that the source has too, with its own values.
          target.sqlite.exec(`TRUNCATE ${tables.map(quote).join(', ')} RESTART IDENTITY`);
          // The rows arrive complete, with the counters and change logs their triggers wrote on
          // the SQLite side; firing the triggers again would count everything twice. Foreign
          // keys are not triggers of this kind and stay checked.
          for (const table of tables) target.sqlite.exec(`ALTER TABLE ${quote(table)} DISABLE TRIGGER USER`);
          // The baseline's foreign keys are DEFERRABLE for this case only: checking at the end
          // queues an event per row in memory, so it is not done when the order suffices.
          if (cyclic) target.sqlite.exec('SET CONSTRAINTS ALL DEFERRED');
          for (const table of order) {
            const at = performance.now();
            let rows: number;
            try {
              const rebuild = countRows(source, table) >= REBUILD_INDEXES_FROM ? dropSecondaryIndexes(target.sqlite, table) : [];
              rows = copyTable(source.sqlite, target.sqlite, table, columns.get(table)!, types.get(table)!);
              for (const definition of rebuild) target.sqlite.exec(definition);
            } catch (err) {
              throw new CopyRefusal(`Copying ${table} failed: ${(err as Error).message}. Nothing was copied; ${displayName(to)} is as it was.`);
            }
            copied.push({ table, rows, ms: Math.round(performance.now() - at) });
          }
          resetSequences(source.sqlite, target.sqlite, columns);
          // Deferred reference checks run here; ALTER TABLE refuses while any are pending.
          if (cyclic) target.sqlite.exec('SET CONSTRAINTS ALL IMMEDIATE');
          for (const table of tables) target.sqlite.exec(`ALTER TABLE ${quote(table)} ENABLE TRIGGER USER`);
        })();
      })();
      const ms = Math.round(performance.now() - started);
      const rows = copied.reduce((sum, t) => sum + t.rows, 0);
      const differences = compareSnapshots(snapshot(source), snapshot(target));
      return {
        from: displayName(from),
        to: displayName(to),
        replaced: customers > 0 || ledger > 0,
        tables: copied.sort((a, b) => a.table.localeCompare(b.table)),
        rows,
        ms,
        rowsPerSecond: ms > 0 ? Math.round((rows * 1000) / ms) : rows,
        differences,
      };
    } finally {
      target.close();
    }
  } finally {
    source.close();
  }
}

/**
 * What must be the same on both sides, as "what: value" pairs: rows per table and the figures
 * money and usage depend on. SQL valid in both dialects; anything that depends on text
 * ordering (collations differ) is ordered here, not in SQL.
 */
export type Snapshot = Map<string, string>;

export function snapshot(connection: Connection): Snapshot {
  const q = <T>(sql: string) => connection.sqlite.prepare(sql).all() as T[];
  const out: Snapshot = new Map();
  const put = (key: string, value: unknown) => out.set(key, value === null || value === undefined ? '-' : String(value));
  // Both sides were migrated to this version on opening, so every table named below exists.
  for (const table of listTables(connection)) put(`rows in ${table}`, countRows(connection, table));

  for (const r of q<{ code: string; currency: string; kind: string; total: number; entries: number }>(
    'SELECT a.code AS code, a.currency AS currency, a.kind AS kind, coalesce(sum(e.amount_minor), 0) AS total, count(e.id) AS entries FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id, a.code, a.currency, a.kind',
  )) {
    put(`ledger ${r.code} ${r.currency}`, `${Number(r.total)} in ${Number(r.entries)} entries`);
  }
  // The trial balance: debits and credits per currency and kind of account; per currency it sums to zero.
  for (const r of q<{ currency: string; kind: string; debits: number; credits: number }>(
    'SELECT a.currency AS currency, a.kind AS kind, coalesce(sum(CASE WHEN e.amount_minor > 0 THEN e.amount_minor ELSE 0 END), 0) AS debits, coalesce(sum(CASE WHEN e.amount_minor < 0 THEN -e.amount_minor ELSE 0 END), 0) AS credits FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id GROUP BY a.currency, a.kind',
  )) {
    put(`trial balance ${r.currency} ${r.kind}`, `debits ${Number(r.debits)}, credits ${Number(r.credits)}`);
  }
  for (const r of q<{ currency: string; total: number }>(
    "SELECT a.currency AS currency, coalesce(sum(e.amount_minor), 0) AS total FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id WHERE substr(a.code, 1, 7) = 'wallet:' GROUP BY a.currency",
  )) {
    put(`wallets ${r.currency}`, Number(r.total));
  }
  for (const r of q<{ code: string; last: number }>('SELECT code, last_number AS last FROM document_series')) put(`series ${r.code} last number`, Number(r.last));
  // Highest number issued per series prefix (INV-2026, CN-2026, …), from the documents themselves.
  for (const [table, column, label] of [['invoices', 'number', 'invoice'], ['payments', 'receipt_number', 'receipt']] as const) {
    const highest = new Map<string, string>();
    for (const number of connection.sqlite.prepare(`SELECT ${quote(column)} FROM ${quote(table)}`).pluck().all() as Array<string | null>) {
      if (number === null) continue;
      const series = number.replace(/\d+$/, '');
      const best = highest.get(series);
      if (best === undefined || Number(number.slice(series.length)) > Number(best.slice(series.length))) highest.set(series, number);
    }
    for (const [series, number] of highest) put(`highest ${label} number ${series.replace(/-$/, '')}`, number);
  }

  const s = q<Record<'sessions' | 'open' | 'input' | 'output' | 'seconds', number>>(
    'SELECT count(*) AS sessions, coalesce(sum(CASE WHEN stopped_at IS NULL THEN 1 ELSE 0 END), 0) AS open, coalesce(sum(input_octets), 0) AS input, coalesce(sum(output_octets), 0) AS output, coalesce(sum(session_time), 0) AS seconds FROM sessions',
  )[0]!;
  put('sessions', Number(s.sessions));
  put('sessions open', Number(s.open));
  put('sessions input octets', Number(s.input));
  put('sessions output octets', Number(s.output));
  put('sessions seconds', Number(s.seconds));
  return out;
}

/** Each figure that differs, as "what: a vs b"; a table missing on one side counts as empty. */
export function compareSnapshots(a: Snapshot, b: Snapshot): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const differences: string[] = [];
  for (const key of keys) {
    const empty = key.startsWith('rows in ') ? '0' : '(none)';
    const left = a.get(key) ?? empty;
    const right = b.get(key) ?? empty;
    if (left !== right) differences.push(`${key}: ${left} vs ${right}`);
  }
  return differences;
}

export interface CompareResult {
  a: string;
  b: string;
  identical: boolean;
  figures: number;
  differences: string[];
}

/** Opens both sides (each a SQLite file or a PostgreSQL URL) and compares their figures. */
export function compareDatabases(a: string, b: string): CompareResult {
  const left = openExisting(a);
  try {
    const right = openExisting(b);
    try {
      const sa = snapshot(left);
      const differences = compareSnapshots(sa, snapshot(right));
      return { a: displayName(a), b: displayName(b), identical: differences.length === 0, figures: sa.size, differences };
    } finally {
      right.close();
    }
  } finally {
    left.close();
  }
}

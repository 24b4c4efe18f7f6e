// Writes migrations/postgres/0000_baseline.sql from the SQLite schema: a fresh SQLite database is
// migrated through BASELINE_THROUGH and its catalog is rendered as PostgreSQL 15 DDL, followed by
// the hand-written trigger functions and SQLite-compatible functions below.
//
//   npm run build && node dist/scripts/pg-schema.js           rewrites the baseline
//   npm run build && node dist/scripts/pg-schema.js --check   exits 1 if the file differs
//
// The baseline is frozen at BASELINE_THROUGH: a schema change after it is a hand-written
// migration in both folders (migrations/postgres/README.md), so rerunning this keeps printing the
// same file, and src/db/postgres/schema-drift.test.ts compares the two finished schemas.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsFolder } from '../src/db/migrate.js';
import { WRITE_LOCK_KEY } from '../src/db/postgres/sync-client.js';
import { runMain } from './run-main.js';

/** The last SQLite migration the PostgreSQL baseline reproduces. */
export const BASELINE_THROUGH = '0020_router-buckets-by-bucket';

/** Tables that belong to SQLite or to drizzle's SQLite migrator, not to Lango. */
export function isInternalSqliteTable(name: string): boolean {
  return name.startsWith('sqlite_') || name === '__drizzle_migrations';
}

export interface SqliteColumn {
  readonly name: string;
  /** Declared type as written in the migration (e.g. `integer`). */
  readonly type: string;
  readonly notNull: boolean;
  /** The default's SQL text as SQLite keeps it, or null. */
  readonly defaultSql: string | null;
}

export interface SqliteForeignKey {
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onUpdate: string;
  readonly onDelete: string;
}

export interface SqliteTable {
  readonly name: string;
  readonly columns: readonly SqliteColumn[];
  readonly primaryKey: readonly string[];
  /** A single `integer primary key` column: SQLite's rowid, PostgreSQL's identity column. */
  readonly identity: string | null;
  /** Column sets declared UNIQUE inside CREATE TABLE (SQLite's autoindexes of origin 'u'). */
  readonly uniques: readonly (readonly string[])[];
  readonly checks: readonly string[];
  readonly foreignKeys: readonly SqliteForeignKey[];
}

export interface SqliteIndex {
  readonly name: string;
  readonly table: string;
  readonly unique: boolean;
  /** Each key as SQL: a quoted column, optionally ` DESC`, or an expression. */
  readonly keys: readonly string[];
  /** The partial index's predicate, or null. */
  readonly where: string | null;
}

export interface SqliteTrigger {
  readonly name: string;
  readonly table: string;
}

export interface SqliteCatalog {
  readonly tables: readonly SqliteTable[];
  readonly indexes: readonly SqliteIndex[];
  readonly triggers: readonly SqliteTrigger[];
}

interface TableInfoRow { cid: number; name: string; type: string; notnull: number; dflt_value: string | null; pk: number }
interface IndexListRow { seq: number; name: string; unique: number; origin: string; partial: number }
interface IndexXinfoRow { seqno: number; cid: number; name: string | null; desc: number; coll: string; key: number }
interface ForeignKeyRow { id: number; seq: number; table: string; from: string; to: string | null; on_update: string; on_delete: string }

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** SQLite accepts MySQL's backtick quoting; PostgreSQL only the standard double quotes. */
function standardQuotes(sql: string): string {
  return sql.replace(/`([^`]*)`/g, (_, name: string) => quote(name));
}

/** Index of the parenthesis closing the one at `open`, skipping quoted text. */
function closingParen(sql: string, open: number): number {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i = sql.indexOf(c, i + 1);
      if (i < 0) break;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw new Error(`unbalanced parentheses in: ${sql}`);
}

/** Splits at commas outside parentheses and quotes. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (c === "'" || c === '"' || c === '`') i = list.indexOf(c, i + 1);
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(list.slice(start).trim());
  return parts;
}

/** CHECK (…) expressions in a CREATE TABLE statement (pragmas do not list them). */
function checksOf(createTable: string): string[] {
  const checks: string[] = [];
  for (let i = 0; i < createTable.length; i++) {
    const c = createTable[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i = createTable.indexOf(c, i + 1);
      continue;
    }
    const match = /^CHECK\s*\(/i.exec(createTable.slice(i, i + 16));
    if (match && !/\w/.test(createTable[i - 1] ?? ' ')) {
      const open = i + match[0].length - 1;
      const close = closingParen(createTable, open);
      checks.push(standardQuotes(createTable.slice(open + 1, close).trim()));
      i = close;
    }
  }
  return checks;
}

/** Reads what the PostgreSQL schema must reproduce from a migrated SQLite database. */
export function readSqliteCatalog(sqlite: Database.Database): SqliteCatalog {
  const master = sqlite.prepare("SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master ORDER BY name").all() as Array<{ type: string; name: string; tableName: string; sql: string | null }>;
  const tables: SqliteTable[] = [];
  const indexes: SqliteIndex[] = [];
  for (const entry of master.filter((m) => m.type === 'table' && !isInternalSqliteTable(m.name))) {
    const info = sqlite.pragma(`table_info(${quote(entry.name)})`) as TableInfoRow[];
    const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const only = primaryKey.length === 1 ? info.find((c) => c.name === primaryKey[0]) : undefined;
    const fkRows = sqlite.pragma(`foreign_key_list(${quote(entry.name)})`) as ForeignKeyRow[];
    const foreignKeys = [...new Set(fkRows.map((r) => r.id))].sort((a, b) => a - b).map((id) => {
      const rows = fkRows.filter((r) => r.id === id).sort((a, b) => a.seq - b.seq);
      const first = rows[0]!;
      // `REFERENCES t` without columns means t's primary key.
      const refColumns = rows.every((r) => r.to !== null) ? rows.map((r) => r.to!) : primaryKeyOf(sqlite, first.table);
      return { columns: rows.map((r) => r.from), refTable: first.table, refColumns, onUpdate: first.on_update, onDelete: first.on_delete };
    });
    const uniques: string[][] = [];
    for (const index of sqlite.pragma(`index_list(${quote(entry.name)})`) as IndexListRow[]) {
      if (index.origin === 'pk') continue;
      const xinfo = (sqlite.pragma(`index_xinfo(${quote(index.name)})`) as IndexXinfoRow[]).filter((x) => x.key === 1).sort((a, b) => a.seqno - b.seqno);
      for (const x of xinfo) if (x.coll !== 'BINARY') throw new Error(`index ${index.name}: collation ${x.coll} has no PostgreSQL translation here`);
      if (index.origin === 'u') {
        uniques.push(xinfo.map((x) => x.name!));
        continue;
      }
      const sql = master.find((m) => m.name === index.name)?.sql;
      if (!sql) throw new Error(`index ${index.name} has no CREATE INDEX text`);
      const open = sql.indexOf('(', sql.search(/\sON\s/i));
      const close = closingParen(sql, open);
      const written = splitTopLevel(sql.slice(open + 1, close));
      const keys = xinfo.map((x, i) => {
        // cid -2 is an expression: only the CREATE INDEX text has it.
        if (x.cid === -2) return standardQuotes(written[i]!);
        return `${quote(x.name!)}${x.desc ? ' DESC' : ''}`;
      });
      const where = /^\s*WHERE\s+([\s\S]*)$/i.exec(sql.slice(close + 1))?.[1]?.trim() ?? null;
      if ((where !== null) !== (index.partial === 1)) throw new Error(`index ${index.name}: could not read its WHERE clause`);
      indexes.push({ name: index.name, table: entry.name, unique: index.unique === 1, keys, where: where === null ? null : standardQuotes(where) });
    }
    tables.push({
      name: entry.name,
      columns: info.sort((a, b) => a.cid - b.cid).map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1 || c.pk > 0, defaultSql: c.dflt_value })),
      primaryKey,
      identity: only && only.type.toUpperCase() === 'INTEGER' ? only.name : null,
      uniques,
      checks: checksOf(entry.sql ?? ''),
      foreignKeys,
    });
  }
  const triggers = master.filter((m) => m.type === 'trigger').map((m) => ({ name: m.name, table: m.tableName }));
  return { tables, indexes: indexes.sort((a, b) => a.name.localeCompare(b.name)), triggers };
}

function primaryKeyOf(sqlite: Database.Database, table: string): string[] {
  return (sqlite.pragma(`table_info(${quote(table)})`) as TableInfoRow[]).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
}

const TYPES: Record<string, string> = { INTEGER: 'bigint', TEXT: 'text', REAL: 'double precision', BLOB: 'bytea', NUMERIC: 'numeric' };

/** The PostgreSQL type for a SQLite declared type. */
export function postgresType(sqliteType: string): string {
  const mapped = TYPES[sqliteType.toUpperCase()];
  if (!mapped) throw new Error(`SQLite type '${sqliteType}' has no PostgreSQL mapping in scripts/pg-schema.ts`);
  return mapped;
}

/** The PostgreSQL default for a SQLite default's SQL text (null: none). */
export function postgresDefault(defaultSql: string | null, sqliteType: string): string | null {
  if (defaultSql === null || /^null$/i.test(defaultSql)) return null;
  // drizzle writes boolean defaults as true/false; SQLite stores them as 1/0 in integer columns.
  if (/^(true|false)$/i.test(defaultSql) && postgresType(sqliteType) === 'bigint') return /^true$/i.test(defaultSql) ? '1' : '0';
  if (/^-?\d+(\.\d+)?$/.test(defaultSql) || /^'([^']|'')*'$/.test(defaultSql)) return defaultSql;
  throw new Error(`default ${defaultSql} needs a hand translation in scripts/pg-schema.ts`);
}

function foreignKeyName(table: string, fk: SqliteForeignKey): string {
  return `${table}_${fk.columns.join('_')}_fkey`;
}

export function renderTable(table: SqliteTable): string {
  const lines = table.columns.map((c) => {
    const type = postgresType(c.type);
    if (c.name === table.identity) return `  ${quote(c.name)} bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`;
    const parts = [quote(c.name), type];
    if (type === 'text') parts.push('COLLATE "C"');
    if (c.notNull) parts.push('NOT NULL');
    const def = postgresDefault(c.defaultSql, c.type);
    if (def !== null) parts.push(`DEFAULT ${def}`);
    return `  ${parts.join(' ')}`;
  });
  if (table.identity === null && table.primaryKey.length > 0) lines.push(`  PRIMARY KEY (${table.primaryKey.map(quote).join(', ')})`);
  for (const unique of table.uniques) lines.push(`  UNIQUE (${unique.map(quote).join(', ')})`);
  for (const check of table.checks) lines.push(`  CHECK (${check})`);
  return `CREATE TABLE ${quote(table.name)} (\n${lines.join(',\n')}\n);`;
}

export function renderIndex(index: SqliteIndex): string {
  const where = index.where === null ? '' : ` WHERE ${index.where}`;
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quote(index.name)} ON ${quote(index.table)} (${index.keys.join(', ')})${where};`;
}

export function renderForeignKey(table: string, fk: SqliteForeignKey): string {
  return `ALTER TABLE ${quote(table)} ADD CONSTRAINT ${quote(foreignKeyName(table, fk))} FOREIGN KEY (${fk.columns.map(quote).join(', ')}) REFERENCES ${quote(fk.refTable)} (${fk.refColumns.map(quote).join(', ')}) ON UPDATE ${fk.onUpdate} ON DELETE ${fk.onDelete} DEFERRABLE INITIALLY IMMEDIATE;`;
}

/**
 * SQLite's JSON and string functions under their SQLite names, for the SQL in src that uses them
 * (src/staff/audit.ts, src/billing/pause.ts, src/reports/money.ts, src/events/outbox.ts,
 * src/billing/plan-list.ts, src/aaa/nas.ts) and the expression index audit_by_username.
 */
export const COMPATIBILITY_FUNCTIONS = `-- '$', '$.a', '$.a.b', '$.a[0]' as a path for #>; SQLite's other path forms are not used.
CREATE FUNCTION lango_json_path(path text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
BEGIN
  IF path !~ '^\\$(\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*$' THEN
    RAISE EXCEPTION 'bad JSON path: %', path;
  END IF;
  RETURN array_remove(string_to_array(regexp_replace(substr(path, 2), '\\[([0-9]+)\\]', '.\\1', 'g'), '.'), '');
END
$fn$;

-- SQLite's json_extract(json, path). One PostgreSQL function has one result type, so it is text:
-- a string comes back bare, a number as its digits, true/false as '1'/'0' (SQLite's integers)
-- and JSON null or a missing key as NULL; an object or array as its JSON text. Compared with a
-- bound parameter, the parameter takes the text type, so json_extract(p, '$.customerId') = $1
-- with 42 compares '42' = '42' as SQLite compares 42 = 42. Comparing it with a number literal
-- needs a cast in the query. IMMUTABLE so it can back the index audit_by_username; its own
-- search_path so that index can be rebuilt by pg_restore, which runs with an empty one.
CREATE FUNCTION json_extract(document text, path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $fn$
DECLARE
  found json := document::json #> lango_json_path(path);
BEGIN
  RETURN CASE json_typeof(found)
    WHEN 'string' THEN found #>> '{}'
    WHEN 'number' THEN found #>> '{}'
    WHEN 'boolean' THEN CASE WHEN found::text = 'true' THEN '1' ELSE '0' END
    WHEN 'null' THEN NULL
    ELSE found::text
  END;
END
$fn$;

-- SQLite's json_set(json, path, value): SQL NULL becomes JSON null, text a JSON string, a
-- number a JSON number. As in SQLite a missing last key is added; unlike SQLite, missing
-- objects on the way are not created (Lango sets top-level keys only). The text form is
-- PostgreSQL's (jsonb: keys reordered, a space after ':' and ','), still the same JSON.
-- An untyped NULL or parameter resolves to the text form.
CREATE FUNCTION json_set(document text, path text, value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
RETURN jsonb_set(document::jsonb, lango_json_path(path), coalesce(to_jsonb(value), 'null'::jsonb), true)::text;

CREATE FUNCTION json_set(document text, path text, value anyelement) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $fn$
  SELECT jsonb_set(document::jsonb, lango_json_path(path), coalesce(to_jsonb(value), 'null'::jsonb), true)::text
$fn$;

-- SQLite's instr(haystack, needle): 1-based position of the first match, 0 if none.
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN strpos(haystack, needle);`;

/**
 * drizzle's SQLite dialect writes every column of an insert and sends NULL for one given no
 * value and no default, the id included; SQLite then picks the next rowid, PostgreSQL would
 * refuse the NULL. This trigger gives such a row the next identity value instead. The WHEN
 * clause keeps the cost off inserts that carry their id (lango db copy).
 */
export const FILL_ID_TRIGGER = 'lango_fill_id';

const FILL_ID_FUNCTION = `CREATE FUNCTION ${FILL_ID_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.id := nextval(TG_ARGV[0]::regclass);
  RETURN NEW;
END
$fn$;`;

function renderFillId(table: SqliteTable): string[] {
  // Only tables whose identity is `id` (router_api's nas_id is always given: it is a router's id).
  if (table.identity !== 'id') return [];
  return [`CREATE TRIGGER ${FILL_ID_TRIGGER} BEFORE INSERT ON ${quote(table.name)} FOR EACH ROW WHEN (NEW.id IS NULL) EXECUTE FUNCTION ${FILL_ID_TRIGGER}('${quote(`${table.name}_id_seq`)}');`];
}

/**
 * A row trigger that records which subscribers the RADIUS lookup must forget. Readers follow
 * subscriber_changes by "id greater than the last one I saw", which needs ids to become visible
 * in id order, as SQLite's single writer gives. PostgreSQL hands out identity values at insert
 * and commits in any order, so a write outside a transaction (which does not take the write lock
 * sync-client.ts takes at BEGIN) could commit a higher id before a lower one and the lower one
 * would never be read. Taking the same lock before the insert, held to commit, keeps the order;
 * inside a transaction the lock is already held and this costs nothing.
 */
function subscriberChangeTrigger(name: string, event: string, table: string, scope: 'one' | 'new' | 'all', customer: string): string {
  return `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(${WRITE_LOCK_KEY});
  INSERT INTO subscriber_changes (scope, customer_id) VALUES ('${scope}', ${customer});
  RETURN NULL;
END
$fn$;
CREATE TRIGGER ${name} AFTER ${event} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}();`;
}

function routerCounterTrigger(name: string, event: string): string {
  return `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE change_counters SET version = version + 1 WHERE name = 'routers';
  RETURN NULL;
END
$fn$;
CREATE TRIGGER ${name} AFTER ${event} ON nas FOR EACH ROW EXECUTE FUNCTION ${name}();`;
}

/**
 * The SQLite triggers (migrations 0001, 0006, 0009, 0010) written by hand for PostgreSQL, one
 * function per trigger under the trigger's name. SQLite triggers are always FOR EACH ROW, and
 * UPDATE OF fires when a listed column is in the SET list, as in PostgreSQL.
 */
export const TRIGGERS: ReadonlyArray<{ name: string; sql: string }> = [
  { name: 'customers_added', sql: subscriberChangeTrigger('customers_added', 'INSERT', 'customers', 'new', 'NEW.id') },
  { name: 'customers_changed', sql: subscriberChangeTrigger('customers_changed', 'UPDATE', 'customers', 'one', 'NEW.id') },
  { name: 'customers_removed', sql: subscriberChangeTrigger('customers_removed', 'DELETE', 'customers', 'one', 'OLD.id') },
  { name: 'customers_renamed', sql: subscriberChangeTrigger('customers_renamed', 'UPDATE OF username, mac', 'customers', 'new', 'NEW.id') },
  { name: 'nas_changed_delete', sql: routerCounterTrigger('nas_changed_delete', 'DELETE') },
  { name: 'nas_changed_insert', sql: routerCounterTrigger('nas_changed_insert', 'INSERT') },
  { name: 'nas_changed_update', sql: routerCounterTrigger('nas_changed_update', 'UPDATE') },
  { name: 'plans_changed', sql: subscriberChangeTrigger('plans_changed', 'UPDATE', 'plans', 'all', 'NULL') },
  { name: 'plans_removed', sql: subscriberChangeTrigger('plans_removed', 'DELETE', 'plans', 'all', 'NULL') },
  { name: 'subscriptions_added', sql: subscriberChangeTrigger('subscriptions_added', 'INSERT', 'subscriptions', 'one', 'NEW.customer_id') },
  { name: 'subscriptions_changed', sql: subscriberChangeTrigger('subscriptions_changed', 'UPDATE', 'subscriptions', 'one', 'NEW.customer_id') },
  { name: 'subscriptions_removed', sql: subscriberChangeTrigger('subscriptions_removed', 'DELETE', 'subscriptions', 'one', 'OLD.customer_id') },
  { name: 'voucher_batches_changed', sql: subscriberChangeTrigger('voucher_batches_changed', 'UPDATE OF use_before, mac_lock, nas_ids', 'voucher_batches', 'all', 'NULL') },
  { name: 'vouchers_changed', sql: subscriberChangeTrigger('vouchers_changed', 'UPDATE', 'vouchers', 'one', 'NEW.customer_id') },
];

/** Rows SQLite's migrations insert (seed data) that the baseline must insert too. */
function seedRows(sqlite: Database.Database, tables: readonly SqliteTable[]): string[] {
  const statements: string[] = [];
  for (const table of tables) {
    const rows = sqlite.prepare(`SELECT * FROM ${quote(table.name)}`).all() as Array<Record<string, unknown>>;
    for (const row of rows) {
      const columns = Object.keys(row);
      const values = columns.map((c) => {
        const v = row[c];
        if (v === null) return 'NULL';
        if (typeof v === 'number' || typeof v === 'bigint') return String(v);
        if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
        throw new Error(`seed row in ${table.name} holds a value the script cannot write`);
      });
      statements.push(`INSERT INTO ${quote(table.name)} (${columns.map(quote).join(', ')}) VALUES (${values.join(', ')});`);
    }
    // Rows inserted with their ids leave the identity sequence behind them.
    if (rows.length > 0 && table.identity !== null) statements.push(`SELECT setval(pg_get_serial_sequence('${quote(table.name)}', '${table.identity}'), max(${quote(table.identity)})) FROM ${quote(table.name)};`);
  }
  return statements;
}

/** The baseline's text for a SQLite database migrated through BASELINE_THROUGH. */
export function renderBaseline(sqlite: Database.Database): string {
  const catalog = readSqliteCatalog(sqlite);
  const written = new Set(TRIGGERS.map((t) => t.name));
  const inSqlite = new Set(catalog.triggers.map((t) => t.name));
  const missing = [...inSqlite].filter((n) => !written.has(n));
  const extra = [...written].filter((n) => !inSqlite.has(n));
  if (missing.length > 0 || extra.length > 0) throw new Error(`TRIGGERS in scripts/pg-schema.ts differ from SQLite's: missing ${missing.join(', ') || 'none'}, not in SQLite ${extra.join(', ') || 'none'}`);
  const seeds = seedRows(sqlite, catalog.tables);
  return [
    `-- Lango's PostgreSQL schema as of SQLite migration ${BASELINE_THROUGH}.`,
    '-- Written by scripts/pg-schema.ts (npm run build && node dist/scripts/pg-schema.js); do not edit:',
    '-- later changes are new files in this folder (README.md).',
    '--',
    '-- Types: SQLite integer -> bigint, text -> text COLLATE "C", real -> double precision,',
    '-- blob -> bytea. COLLATE "C" compares and sorts text by code point, as SQLite does',
    '-- (BINARY, and lower()/upper() touching ASCII only), whatever locale the database was',
    '-- created with. An integer primary key is an identity column BY DEFAULT, so lango db copy',
    '-- can insert the old ids and then move the sequence past them.',
    '-- Foreign keys come last, as ALTER TABLE, so tables can be created in any order. They are',
    '-- DEFERRABLE INITIALLY IMMEDIATE: checked at each statement as in SQLite, and a bulk copy',
    '-- may SET CONSTRAINTS ALL DEFERRED to load tables in any order inside one transaction.',
    '',
    '-- Tables',
    '',
    catalog.tables.map(renderTable).join('\n\n'),
    '',
    '-- Rows the SQLite migrations insert',
    '',
    ...seeds,
    '',
    '-- SQLite functions used by the SQL in src/',
    '',
    COMPATIBILITY_FUNCTIONS,
    '',
    '-- Indexes',
    '',
    catalog.indexes.map(renderIndex).join('\n'),
    '',
    '-- Foreign keys',
    '',
    catalog.tables.flatMap((t) => t.foreignKeys.map((fk) => renderForeignKey(t.name, fk))).join('\n'),
    '',
    '-- Ids for inserts that send NULL (drizzle does), as SQLite gives the next rowid',
    '',
    FILL_ID_FUNCTION,
    '',
    catalog.tables.flatMap(renderFillId).join('\n'),
    '',
    '-- Triggers (written by hand in scripts/pg-schema.ts: TRIGGERS)',
    '',
    TRIGGERS.map((t) => t.sql).join('\n\n'),
    '',
  ].join('\n');
}

/** A fresh SQLite database migrated through `through` (the newest migration when omitted). */
export function migratedSqlite(through?: string): { sqlite: Database.Database; dispose(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-pg-schema-'));
  const folder = path.join(dir, 'migrations');
  mkdirSync(path.join(folder, 'meta'), { recursive: true });
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  if (through !== undefined) {
    const last = journal.entries.findIndex((e) => e.tag === through);
    if (last < 0) throw new Error(`no SQLite migration named ${through}`);
    journal.entries = journal.entries.slice(0, last + 1);
  }
  writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const entry of journal.entries) cpSync(path.join(migrationsFolder(), `${entry.tag}.sql`), path.join(folder, `${entry.tag}.sql`));
  const sqlite = new Database(path.join(dir, 'lango.db'));
  // As in openDatabase: drizzle-kit's table rebuilds need foreign keys off while they run.
  sqlite.pragma('foreign_keys = OFF');
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  return {
    sqlite,
    dispose: () => {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function baselineFile(): string {
  return path.join(migrationsFolder(), 'postgres', '0000_baseline.sql');
}

runMain(import.meta.url, () => {
  const check = process.argv.includes('--check');
  const source = migratedSqlite(BASELINE_THROUGH);
  let text: string;
  try {
    text = renderBaseline(source.sqlite);
  } finally {
    source.dispose();
  }
  const file = baselineFile();
  if (check) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // A missing file differs like any other.
    }
    if (current === text) {
      process.stdout.write(`${path.relative(process.cwd(), file)} matches the SQLite schema through ${BASELINE_THROUGH}\n`);
      return 0;
    }
    process.stderr.write(`${path.relative(process.cwd(), file)} differs from what scripts/pg-schema.ts writes; rerun it without --check\n`);
    return 1;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (SQLite schema through ${BASELINE_THROUGH})\n`);
  return 0;
});

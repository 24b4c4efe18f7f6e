import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { BASELINE_THROUGH, baselineFile, FILL_ID_TRIGGER, migratedSqlite, postgresDefault, postgresType, readSqliteCatalog, renderBaseline, renderForeignKey, renderIndex, renderTable, type SqliteCatalog } from '../../../scripts/pg-schema.js';
import { pgServer, scratchDatabase } from '../../../tests/support/postgres.js';
import { migratePostgres } from './migrate.js';
import { PgSyncDatabase, WRITE_LOCK_KEY } from './sync-client.js';

// The two schemas are written separately after the baseline (migrations/postgres/README.md);
// this is what keeps them one schema. Each side is read from its own catalog and put in the
// same plain shape, so a difference prints as a readable diff.

/** Quotes, casts, parentheses, table qualifiers and case differ between the dialects' texts, not the meaning. */
function plain(sql: string): string {
  return sql
    .replace(/::[a-z ]+/gi, '')
    .replace(/["`()]/g, '')
    .replace(/\b[a-z_]+\.(?=[a-z_])/gi, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

interface Shape {
  tables: string[];
  columns: Record<string, string[]>;
  primaryKeys: Record<string, string[]>;
  indexes: string[];
  uniques: string[];
  checks: Record<string, number>;
  foreignKeys: string[];
  triggers: string[];
}

function sqliteShape(catalog: SqliteCatalog): Shape {
  const tables = catalog.tables;
  return {
    tables: tables.map((t) => t.name).sort(),
    // Column order is left out: SQLite's table rebuilds may reorder what ALTER TABLE cannot.
    columns: Object.fromEntries(
      tables.map((t) => [
        t.name,
        t.columns.map((c) => {
          const identity = c.name === t.identity;
          const def = identity ? null : postgresDefault(c.defaultSql, c.type);
          const type = postgresType(c.type);
          return `${c.name} ${type}${type === 'text' ? ' collate C' : ''}${c.notNull ? ' not null' : ''}${def === null ? '' : ` default ${plain(def)}`}${identity ? ' identity' : ''}`;
        }).sort(),
      ]),
    ),
    primaryKeys: Object.fromEntries(tables.map((t) => [t.name, [...t.primaryKey]])),
    indexes: catalog.indexes.map((i) => `${i.name} on ${i.table}${i.unique ? ' unique' : ''} (${i.keys.map(plain).join(', ')})${i.where === null ? '' : ` where ${plain(i.where)}`}`).sort(),
    uniques: tables.flatMap((t) => t.uniques.map((u) => `${t.name} (${u.join(', ')})`)).sort(),
    checks: Object.fromEntries(tables.map((t) => [t.name, t.checks.length])),
    foreignKeys: tables.flatMap((t) => t.foreignKeys.map((fk) => `${t.name} (${fk.columns.join(', ')}) -> ${fk.refTable} (${fk.refColumns.join(', ')}) on update ${fk.onUpdate.toUpperCase()} on delete ${fk.onDelete.toUpperCase()}`)).sort(),
    triggers: catalog.triggers.map((t) => `${t.name} on ${t.table}`).sort(),
  };
}

async function postgresShape(client: pg.Client): Promise<Shape> {
  const q = async <T>(text: string): Promise<T[]> => (await client.query(text)).rows as T[];
  const tables = (await q<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'lango_migrations' ORDER BY 1")).map((r) => r.name);
  const columns = await q<{ table: string; name: string; type: string; collation: string | null; nullable: string; def: string | null; identity: string }>(`
    SELECT table_name AS table, column_name AS name, data_type AS type, collation_name AS collation, is_nullable AS nullable, column_default AS def, is_identity AS identity
    FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`);
  const constraints = await q<{ table: string; kind: string; columns: string[]; ref: string | null; refColumns: string[] | null; upd: string; del: string; deferrable: boolean; deferred: boolean }>(`
    SELECT c.conrelid::regclass::text AS table, c.contype AS kind,
      ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
      c.confrelid::regclass::text AS ref,
      ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS "refColumns",
      c.confupdtype AS upd, c.confdeltype AS del, c.condeferrable AS deferrable, c.condeferred AS deferred
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = current_schema() AND c.conrelid <> 0 AND c.conrelid::regclass::text <> 'lango_migrations'`);
  const indexes = await q<{ name: string; table: string; unique: boolean; keys: string[]; where: string | null }>(`
    SELECT ic.relname AS name, tc.relname AS table, i.indisunique AS unique,
      ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) || CASE WHEN i.indoption[k - 1] & 1 = 1 THEN ' DESC' ELSE '' END FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS keys,
      pg_get_expr(i.indpred, i.indrelid, true) AS where
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace n ON n.oid = tc.relnamespace
    WHERE n.nspname = current_schema() AND tc.relname <> 'lango_migrations'
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`);
  const triggers = await q<{ name: string; table: string }>(`
    SELECT t.tgname AS name, c.relname AS table FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal AND n.nspname = current_schema()`);

  for (const fk of constraints.filter((c) => c.kind === 'f')) {
    // Checked per statement as in SQLite, deferrable for a bulk copy (0000_baseline.sql).
    expect(`${fk.table} deferrable ${fk.deferrable} initially deferred ${fk.deferred}`).toBe(`${fk.table} deferrable true initially deferred false`);
  }
  return {
    tables,
    columns: Object.fromEntries(
      tables.map((t) => [
        t,
        columns
          .filter((c) => c.table === t)
          .map((c) => `${c.name} ${c.type}${c.collation ? ` collate ${c.collation}` : ''}${c.nullable === 'NO' ? ' not null' : ''}${c.def === null ? '' : ` default ${plain(c.def).replace(/^'(-?\d+)'$/, '$1')}`}${c.identity === 'YES' ? ' identity' : ''}`)
          .sort(),
      ]),
    ),
    primaryKeys: Object.fromEntries(tables.map((t) => [t, constraints.find((c) => c.table === t && c.kind === 'p')?.columns ?? []])),
    indexes: indexes.map((i) => `${i.name} on ${i.table}${i.unique ? ' unique' : ''} (${i.keys.map(plain).join(', ')})${i.where === null ? '' : ` where ${plain(i.where)}`}`).sort(),
    uniques: constraints.filter((c) => c.kind === 'u').map((c) => `${c.table} (${c.columns.join(', ')})`).sort(),
    checks: Object.fromEntries(tables.map((t) => [t, constraints.filter((c) => c.table === t && c.kind === 'c').length])),
    foreignKeys: constraints
      .filter((c) => c.kind === 'f')
      .map((c) => `${c.table} (${c.columns.join(', ')}) -> ${c.ref} (${c.refColumns!.join(', ')}) on update ${ACTIONS[c.upd]} on delete ${ACTIONS[c.del]}`)
      .sort(),
    triggers: triggers.filter((t) => t.name !== FILL_ID_TRIGGER).map((t) => `${t.name} on ${t.table}`).sort(),
  };
}

/** Forms Lango's schema does not use yet, so the script's handling of them is tried here. */
const FUTURE_SCHEMA = `
  CREATE TABLE owners (code text PRIMARY KEY NOT NULL, weight real DEFAULT 1.5, photo blob, score numeric);
  CREATE TABLE pets (
    id integer PRIMARY KEY NOT NULL,
    owner text NOT NULL REFERENCES owners ON DELETE CASCADE ON UPDATE SET NULL,
    name text NOT NULL CHECK (length(name) > 0),
    legs integer DEFAULT -1 NOT NULL,
    tag text,
    UNIQUE (owner, name),
    CONSTRAINT legs_known CHECK (legs >= -1 AND name <> 'it''s (odd)')
  );
  CREATE INDEX pets_by_legs ON pets (legs DESC, lower(name)) WHERE tag IS NOT NULL;`;

describe('the PostgreSQL baseline', () => {
  it('is what scripts/pg-schema.ts writes from the SQLite schema it names, not a hand edit', () => {
    const source = migratedSqlite(BASELINE_THROUGH);
    try {
      expect(readFileSync(baselineFile(), 'utf8')).toBe(renderBaseline(source.sqlite));
    } finally {
      source.dispose();
    }
  });

  it('translates checks, table unique constraints, referential actions, implicit references, real, blob and numeric', () => {
    const lite = new Database(':memory:');
    lite.exec(FUTURE_SCHEMA);
    const catalog = readSqliteCatalog(lite);
    lite.close();
    const pets = catalog.tables.find((t) => t.name === 'pets')!;
    expect(pets.checks).toEqual(['length(name) > 0', "legs >= -1 AND name <> 'it''s (odd)'"]);
    expect(renderTable(catalog.tables.find((t) => t.name === 'owners')!)).toBe(
      'CREATE TABLE "owners" (\n  "code" text COLLATE "C" NOT NULL,\n  "weight" double precision DEFAULT 1.5,\n  "photo" bytea,\n  "score" numeric,\n  PRIMARY KEY ("code")\n);',
    );
    expect(renderTable(pets)).toContain('  UNIQUE ("owner", "name"),\n  CHECK (length(name) > 0),');
    expect(renderTable(pets)).toContain('"legs" bigint NOT NULL DEFAULT -1');
    expect(catalog.indexes.map(renderIndex)).toEqual(['CREATE INDEX "pets_by_legs" ON "pets" ("legs" DESC, lower(name)) WHERE tag IS NOT NULL;']);
    expect(pets.foreignKeys.map((fk) => renderForeignKey('pets', fk))).toEqual([
      'ALTER TABLE "pets" ADD CONSTRAINT "pets_owner_fkey" FOREIGN KEY ("owner") REFERENCES "owners" ("code") ON UPDATE SET NULL ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE;',
    ]);
  });
});

describe.skipIf(!pgServer())('the PostgreSQL schema against the SQLite one', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let sync: PgSyncDatabase;
  let client: pg.Client;
  let sqlite: ReturnType<typeof migratedSqlite>;

  beforeAll(async () => {
    scratch = await scratchDatabase('lango_h1d');
    sync = new PgSyncDatabase(scratch.url);
    migratePostgres(sync);
    client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    sqlite = migratedSqlite();
  });
  afterAll(async () => {
    sqlite?.dispose();
    await client?.end();
    sync?.close();
    await scratch?.drop();
  });

  it('has the same tables, columns, keys, indexes, foreign keys and triggers after every migration', async () => {
    const expected = sqliteShape(readSqliteCatalog(sqlite.sqlite));
    const actual = await postgresShape(client);
    expect.soft(actual.tables).toEqual(expected.tables);
    for (const table of expected.tables) {
      expect.soft({ table, columns: actual.columns[table] }).toEqual({ table, columns: expected.columns[table] });
      expect.soft({ table, primaryKey: actual.primaryKeys[table] }).toEqual({ table, primaryKey: expected.primaryKeys[table] });
    }
    expect.soft(actual.indexes).toEqual(expected.indexes);
    expect.soft(actual.uniques).toEqual(expected.uniques);
    expect.soft(actual.checks).toEqual(expected.checks);
    expect.soft(actual.foreignKeys).toEqual(expected.foreignKeys);
    expect.soft(actual.triggers).toEqual(expected.triggers);
  });

  it('gives every table with an id column the next id when an insert sends NULL, as SQLite does', async () => {
    const catalog = readSqliteCatalog(sqlite.sqlite);
    const withId = catalog.tables.filter((t) => t.identity === 'id').map((t) => t.name).sort();
    const { rows } = await client.query<{ table: string }>(`SELECT c.relname AS table FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = $1 ORDER BY 1`, [FILL_ID_TRIGGER]);
    expect(rows.map((r) => r.table)).toEqual(withId);
    sync.prepare('INSERT INTO subscriber_changes (id, customer_id, scope) VALUES (NULL, NULL, ?), (NULL, 7, ?)').run('all', 'one');
    sync.prepare('INSERT INTO subscriber_changes (id, customer_id, scope) VALUES (?, NULL, ?)').run(10, 'all');
    expect(sync.prepare('SELECT id, scope FROM subscriber_changes ORDER BY id').all()).toEqual([
      { id: 1, scope: 'all' },
      { id: 2, scope: 'one' },
      { id: 10, scope: 'all' },
    ]);
    sync.exec('DELETE FROM subscriber_changes');
  });

  it('records the same subscriber changes and router counter as the SQLite triggers for the same writes', () => {
    const writes = [
      "INSERT INTO plans (id, name, price_minor, currency, created_at) VALUES (1, 'Day', 5000, 'KES', 1)",
      "INSERT INTO customers (id, username, password_sealed, created_at, updated_at) VALUES (1, 'alice', 'x', 1, 1)",
      "INSERT INTO customers (id, username, password_sealed, created_at, updated_at) VALUES (2, 'bob', 'y', 1, 1)",
      "INSERT INTO subscriptions (customer_id, plan_id, billing_kind, started_at, created_at, updated_at) VALUES (1, 1, 'prepaid', 1, 1, 1)",
      "UPDATE customers SET status = 'suspended' WHERE id = 2",
      "UPDATE customers SET mac = 'AA:BB:CC:DD:EE:FF' WHERE id = 1",
      "UPDATE subscriptions SET status = 'paused'",
      "UPDATE plans SET rate_limit = '2M/2M'",
      "INSERT INTO voucher_batches (id, name, plan_id, count, code_length, password_mode, price_minor, currency, created_at, actor) VALUES (1, 'b', 1, 1, 8, 'none', 0, 'KES', 1, 'x')",
      "INSERT INTO vouchers (batch_id, customer_id, code, serial) VALUES (1, 2, 'ABCD', 1)",
      "UPDATE voucher_batches SET actor = 'y'",
      "UPDATE voucher_batches SET use_before = 5",
      "UPDATE vouchers SET locked_mac = 'AA'",
      'DELETE FROM vouchers',
      'DELETE FROM subscriptions',
      'DELETE FROM customers WHERE id = 2',
      "INSERT INTO nas (name, ip, secret_sealed, created_at) VALUES ('r1', '10.0.0.1', 's', 1)",
      "UPDATE nas SET name = 'r2'",
      'DELETE FROM nas',
    ];
    const lite = sqlite.sqlite;
    // Several triggers on one write fire in a different order in each (SQLite: newest first;
    // PostgreSQL: by name), so each write's rows are compared as a set.
    const read = 'SELECT scope, customer_id FROM subscriber_changes';
    const changes = (rows: unknown[]) => (rows as Array<{ scope: string; customer_id: number | null }>).map((r) => `${r.scope}:${r.customer_id}`).sort();
    let recorded = 0;
    for (const write of writes) {
      lite.exec('DELETE FROM subscriber_changes');
      sync.exec('DELETE FROM subscriber_changes');
      lite.exec(write);
      sync.exec(write);
      const expected = changes(lite.prepare(read).all());
      expect({ write, changes: changes(sync.prepare(read).all()) }).toEqual({ write, changes: expected });
      recorded += expected.length;
    }
    expect(recorded).toBe(12);
    const counter = "SELECT version FROM change_counters WHERE name = 'routers'";
    expect(sync.prepare(counter).get()).toEqual(lite.prepare(counter).get());
  });

  it('answers json_extract, json_set and instr as SQLite does in the ways src uses them', () => {
    const same: Array<[sql: string, ...params: unknown[]]> = [
      // src/billing/pause.ts, src/reports/money.ts: a string compared with a literal.
      ["SELECT json_extract(?, '$.to') = 'paused' AS hit", '{"from":"active","to":"paused"}'],
      ["SELECT json_extract(?, '$.to') = 'paused' AS hit", '{"from":"paused","to":"active"}'],
      ["SELECT json_extract(?, '$.from') AS v, json_extract(?, '$.to') AS w", '{"from":"active","to":"paused"}', '{"from":"active"}'],
      // src/events/outbox.ts: a number compared with a bound number, and a key that may be null.
      ["SELECT json_extract(?, '$.customerId') = ? AS hit", '{"customerId":42}', 42],
      ["SELECT json_extract(?, '$.customerId') = ? AS hit", '{"customerId":42}', 43],
      ["SELECT json_extract(?, '$.username') IS NOT NULL AS has", '{"username":null}'],
      ["SELECT json_extract(?, '$.username') IS NOT NULL AS has", '{"username":"bob"}'],
      ["SELECT json_extract(?, '$.a.b') AS v, json_extract(?, '$.list[1]') AS w", '{"a":{"b":"deep"}}', '{"list":["x","y"]}'],
      // src/staff/audit.ts: a string compared with a bound string.
      ["SELECT json_extract(?, '$.username') = ? AS hit", '{"username":"amina"}', 'amina'],
      // src/billing/plan-list.ts, src/aaa/nas.ts
      ['SELECT instr(lower(?), ?) AS at, instr(?, ?) AS none', 'Home 10 Mbps', 'mbps', '10.0.0.1', '192.'],
    ];
    for (const [sql, ...params] of same) {
      expect({ sql, params, answer: sync.prepare(sql).get(...params) }).toEqual({ sql, params, answer: sqlite.sqlite.prepare(sql).get(...params) });
    }
    // SQLite writes JSON without spaces and PostgreSQL's jsonb with them: the same JSON.
    const erase = "SELECT json_set(?, '$.username', NULL) AS v";
    const payload = '{"customerId":42,"username":"bob","amount":{"minor":500}}';
    const parsed = (row: unknown) => JSON.parse((row as { v: string }).v) as unknown;
    expect(parsed(sync.prepare(erase).get(payload))).toEqual(parsed(sqlite.sqlite.prepare(erase).get(payload)));
    expect(parsed(sync.prepare(erase).get(payload))).toEqual({ customerId: 42, username: null, amount: { minor: 500 } });
  });

  it('makes subscriber changes visible in id order when a write outside a transaction races one inside', async () => {
    await client.query("INSERT INTO customers (id, username, password_sealed, created_at, updated_at) VALUES (101, 'c101', 'x', 1, 1), (102, 'c102', 'x', 1, 1)");
    await client.query('DELETE FROM subscriber_changes');
    const other = new pg.Client({ connectionString: scratch.url });
    await other.connect();
    try {
      // A node's transaction (BEGIN takes the write lock) changes customer 101 and has not committed.
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
      await client.query("UPDATE customers SET status = 'suspended' WHERE id = 101");
      // Another node changes customer 102 in a single statement, outside any transaction.
      let finished = false;
      const single = other.query("UPDATE customers SET status = 'suspended' WHERE id = 102").then(() => (finished = true));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(finished).toBe(false);
      await client.query('COMMIT');
      await single;
      const { rows } = await client.query<{ id: number; customer_id: number }>('SELECT id::int AS id, customer_id::int AS customer_id FROM subscriber_changes ORDER BY id');
      expect(rows.map((r) => r.customer_id)).toEqual([101, 102]);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });
});

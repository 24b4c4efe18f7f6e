import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openDatabase } from '../../src/db/connection.js';

/**
 * The PostgreSQL server the PostgreSQL-only tests use: LANGO_TEST_PG (the whole suite on
 * PostgreSQL) or LANGO_PG_SERVER (only the tests that need one, in a SQLite run). A role that
 * may create databases. Tests that need it are skipped without either.
 */
export function pgServer(): string | undefined {
  return process.env.LANGO_TEST_PG || process.env.LANGO_PG_SERVER || undefined;
}

/** A new empty database on pgServer(), and a way to drop it (connections and all). */
export async function scratchDatabase(prefix = 'lango_s'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const server = pgServer();
  if (!server) throw new Error('scratchDatabase needs LANGO_TEST_PG or LANGO_PG_SERVER');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(server, `CREATE DATABASE "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => admin(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** Drops every database whose name starts with prefix (a test run's leftovers). */
export async function dropDatabases(server: string, prefix: string): Promise<number> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    return rows.length;
  } finally {
    await client.end();
  }
}

async function admin(server: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** True when this run is on PostgreSQL (LANGO_TEST_PG): for the few tests of SQLite's own machinery (files, WAL, backup API, EXPLAIN QUERY PLAN). */
export function onPostgres(): boolean {
  return Boolean(process.env.LANGO_TEST_PG);
}

/**
 * The database behind a daemon's LANGO_DB, for a test that reads or seeds it with plain SQL:
 * the SQLite file itself, or on PostgreSQL the database that file maps to (a better-sqlite3
 * opened on the path would find an empty file there). The options are SQLite's; PostgreSQL has
 * no read-only handle, so a test must not rely on writes being refused.
 */
export function openTestDatabase(file: string, options?: Database.Options): Database.Database {
  return onPostgres() ? openDatabase(file).sqlite : new Database(file, options);
}

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema/index.js';
import { ConfigError } from '../config.js';
import { migrateToLatest } from './migrate.js';
import { migratePostgres } from './postgres/migrate.js';
import { testDatabaseFor } from './postgres/scratch.js';
import { PgSyncDatabase } from './postgres/sync-client.js';
import { isPostgresUrl } from './target.js';

export type Db = BetterSQLite3Database<typeof schema>;
export type Sqlite = Database.Database;
export type Dialect = 'sqlite' | 'postgres';

export interface Connection {
  readonly db: Db;
  /** better-sqlite3, or on PostgreSQL the object that stands in for it: check `dialect` before SQLite-only calls (backup, checkpoints). */
  readonly sqlite: Sqlite;
  readonly dialect: Dialect;
  close(): void;
}

export { isPostgresUrl };

/** The database for a log line or a message: a file path as is, a URL without its password. */
export function describeDatabase(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const url = new URL(target);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unreadable URL)';
  }
}

/**
 * Opens (creating if needed) and migrates the database: a SQLite file, or PostgreSQL when the
 * target is a postgres:// URL. Every process that touches it — the daemon and each `lango` CLI
 * call — goes through here, so settings and schema always match.
 */
export function openDatabase(target: string): Connection {
  const resolved = testDatabaseFor(target);
  return isPostgresUrl(resolved) ? openPostgres(resolved) : openSqlite(resolved);
}

/** The server's reasons a person can act on, in their words; anything else keeps PostgreSQL's. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'nothing answers at that address and port (is PostgreSQL running and listening there?)',
  ENOTFOUND: 'that host name is unknown',
  ETIMEDOUT: 'the server did not answer in time',
  '28P01': 'the user name or password is wrong',
  '3D000': 'that database does not exist (create it first: createdb, or CREATE DATABASE)',
};

function openPostgres(url: string): Connection {
  let client: PgSyncDatabase;
  try {
    client = new PgSyncDatabase(url);
  } catch (err) {
    const code = (err as { code?: string }).code ?? /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT)\b/.exec((err as Error).message)?.[1];
    const where = new URL(url);
    throw new ConfigError(`LANGO_DB: cannot open PostgreSQL at ${where.hostname}:${where.port || 5432}${where.pathname}: ${(code && UNREACHABLE[code]) ?? (err as Error).message}`);
  }
  try {
    migratePostgres(client);
  } catch (err) {
    client.close();
    throw err;
  }
  const sqlite = client as unknown as Sqlite;
  return { db: drizzle(sqlite, { schema }), sqlite, dialect: 'postgres', close: () => void client.close() };
}

function openSqlite(file: string): Connection {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  // WAL lets the CLI and web read while accounting writes; synchronous=FULL fsyncs the WAL on
  // every commit, which is what makes an Accounting-Response a promise that survives power loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  // Migrations run in one transaction, where PRAGMA foreign_keys cannot change; drizzle-kit's
  // table rebuilds (SQLite's 12-step ALTER) need it off, so it is off while they run and the
  // whole database is checked before it goes back on.
  sqlite.pragma('foreign_keys = OFF');
  const db = drizzle(sqlite, { schema });
  migrateToLatest(db);
  const broken = sqlite.pragma('foreign_key_check') as unknown[];
  if (broken.length > 0) throw new Error(`the database has ${broken.length} broken reference(s) after migrating, first: ${JSON.stringify(broken[0])}`);
  sqlite.pragma('foreign_keys = ON');
  return {
    db,
    sqlite,
    dialect: 'sqlite',
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/** For /healthz: true when the database answers a trivial query. */
export function isDatabaseReachable(sqlite: Sqlite): boolean {
  try {
    return sqlite.prepare('SELECT 1 AS ok').get() !== undefined;
  } catch {
    return false;
  }
}

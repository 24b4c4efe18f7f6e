import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema/index.js';
import { migrateToLatest } from './migrate.js';

export type Db = BetterSQLite3Database<typeof schema>;
export type Sqlite = Database.Database;

export interface Connection {
  readonly db: Db;
  readonly sqlite: Sqlite;
  close(): void;
}

/**
 * Opens (creating if needed) and migrates the database. Every process that touches the file —
 * the daemon and each `lango` CLI call — goes through here, so pragmas and schema always match.
 */
export function openDatabase(file: string): Connection {
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
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/** For /healthz: true when the file answers a trivial query. */
export function isDatabaseReachable(sqlite: Sqlite): boolean {
  try {
    return sqlite.prepare('SELECT 1 AS ok').get() !== undefined;
  } catch {
    return false;
  }
}

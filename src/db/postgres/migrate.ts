import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { migrationsFolder } from '../migrate.js';

/** What the runner needs of a connection: PgSyncDatabase gives both. */
export interface MigrationClient {
  /** Several statements without parameters, in one round trip. */
  exec(sql: string): unknown;
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
}

// Held for the migration's whole transaction, so two nodes starting together migrate once: the
// second waits here, then finds every file recorded. Distinct from the write lock every
// transaction also takes (sync-client.ts), so a stuck migration shows up as its own lock.
export const MIGRATION_LOCK_KEY = 0x4c4d4947; // "LMIG"

/** migrations/postgres, found the way migrations/ is (from src/ under vitest or from dist/). */
export function postgresMigrationsFolder(): string {
  return path.join(migrationsFolder(), 'postgres');
}

/**
 * Applies the migrations/postgres/*.sql files this database has not recorded, in name order,
 * all in one transaction with the record of each, and returns the names it applied. A failure
 * leaves the database as it was. Files are plain SQL run as given: no BEGIN/COMMIT of their own.
 */
export function migratePostgres(client: MigrationClient, folder = postgresMigrationsFolder()): string[] {
  const files = readdirSync(folder)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  const applied: string[] = [];
  client.exec('BEGIN');
  try {
    client.prepare(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`).all();
    client.exec('CREATE TABLE IF NOT EXISTS lango_migrations (name text PRIMARY KEY, applied_at bigint NOT NULL)');
    const done = new Set((client.prepare('SELECT name FROM lango_migrations').all() as Array<{ name: string }>).map((row) => row.name));
    for (const name of files) {
      if (done.has(name)) continue;
      try {
        client.exec(readFileSync(path.join(folder, name), 'utf8'));
      } catch (err) {
        throw new Error(`PostgreSQL migration ${name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      client.prepare('INSERT INTO lango_migrations (name, applied_at) VALUES (?, ?) RETURNING name').all(name, Date.now());
      applied.push(name);
    }
    client.exec('COMMIT');
  } catch (err) {
    try {
      client.exec('ROLLBACK');
    } catch {
      // The connection is gone; the server rolls the transaction back by itself.
    }
    throw err;
  }
  return applied;
}

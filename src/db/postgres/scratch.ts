import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { migratePostgres } from './migrate.js';
import { PgSyncDatabase, PostgresError } from './sync-client.js';
import { isPostgresUrl } from '../target.js';

/**
 * The test suite's switch to PostgreSQL. With LANGO_TEST_PG set to a server's URL (a role that
 * may create databases), every SQLite file a test opens — in the test itself, in a daemon or a
 * CLI process it starts — becomes a PostgreSQL database of its own on that server, named from
 * the file's absolute path so that every process opening the same file shares it; `:memory:`
 * gets a fresh one each time. Without LANGO_TEST_PG the target is returned unchanged: nothing
 * here runs in production.
 */
export function testDatabaseFor(target: string): string {
  const server = process.env.LANGO_TEST_PG;
  if (!server || isPostgresUrl(target)) return target;
  // Each run's prefix (tests/support/postgres-setup.ts) keeps runs side by side apart.
  const prefix = process.env.LANGO_TEST_PG_PREFIX ?? TEST_DATABASE_PREFIX;
  const name =
    target === ':memory:' || target === ''
      ? `${prefix}m${randomBytes(8).toString('hex')}`
      : `${prefix}${createHash('sha1').update(path.resolve(target)).digest('hex').slice(0, 24)}`;
  ensureDatabase(server, name, prefix);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Prefix of every database testDatabaseFor creates; a test run adds its own after it. */
export const TEST_DATABASE_PREFIX = 'lango_t_';

const known = new Set<string>();
const templates = new Set<string>();
// One connection per process for creating databases: opening one costs about as much as the copy.
let admin: PgSyncDatabase | undefined;

// Migrating a new database takes seconds; copying a migrated one takes a fraction of that, and a
// test run opens hundreds. So each run migrates one template and copies it. The lock is the
// run's own (keyed by its prefix), so runs side by side do not queue behind each other's
// migration, and it is held only while the template is made: copies run side by side.
const TEMPLATE_LOCK_KEY = 0x4c544d50; // "LTMP"
const runKey = (prefix: string): number => createHash('sha1').update(prefix).digest().readInt32BE(0);
// The daemon and the test may create the same file's database at once: the one that loses sees
// it exists (42P04), or its catalog row collide with the winner's once that commits (23505).
// Either way the winner's copy is complete, and both use it.
const ALREADY_THERE = new Set(['42P04', '23505']);

function ensureDatabase(server: string, name: string, prefix: string): void {
  if (known.has(name)) return;
  admin ??= new PgSyncDatabase(server, 'lango-test-setup');
  const template = `${prefix}template`;
  if (!templates.has(template)) {
    ensureTemplate(admin, server, template, runKey(prefix));
    templates.add(template);
  }
  try {
    admin.exec(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } catch (err) {
    if (!(err instanceof PostgresError && err.code !== undefined && ALREADY_THERE.has(err.code))) throw err;
  }
  known.add(name);
}

function ensureTemplate(admin: PgSyncDatabase, server: string, template: string, key: number): void {
  admin.prepare(`SELECT pg_advisory_lock(${TEMPLATE_LOCK_KEY}, ${key})`).get();
  try {
    if (admin.prepare('SELECT 1 FROM pg_database WHERE datname = ?').get(template) !== undefined) return;
    admin.exec(`CREATE DATABASE "${template}"`);
    const url = new URL(server);
    url.pathname = `/${template}`;
    const migrating = new PgSyncDatabase(url.toString(), 'lango-test-setup');
    try {
      migratePostgres(migrating);
    } catch (err) {
      // A half-migrated template would be copied into every later test: leave none.
      migrating.close();
      admin.exec(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
      throw err;
    } finally {
      migrating.close();
    }
  } finally {
    admin.prepare(`SELECT pg_advisory_unlock(${TEMPLATE_LOCK_KEY}, ${key})`).get();
  }
}

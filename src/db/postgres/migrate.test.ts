import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pgServer, scratchDatabase } from '../../../tests/support/postgres.js';
import { migratePostgres, postgresMigrationsFolder } from './migrate.js';
import { PgSyncDatabase } from './sync-client.js';

const run = promisify(execFile);

/** A migrations folder holding the baseline and the given extra files. */
function folderWith(extra: Record<string, string>): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'lango-pg-migrations-'));
  copyFileSync(path.join(postgresMigrationsFolder(), '0000_baseline.sql'), path.join(folder, '0000_baseline.sql'));
  for (const [name, text] of Object.entries(extra)) writeFileSync(path.join(folder, name), text);
  return folder;
}

/** migratePostgres in a process of its own (a second Lango node), from the built files. */
async function migrateInAnotherNode(url: string, folder: string): Promise<string[]> {
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/src/db/postgres');
  const script = `
    const { migratePostgres } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'migrate.js')).href)});
    const { PgSyncDatabase } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'sync-client.js')).href)});
    const client = new PgSyncDatabase(process.argv[1]);
    try { process.stdout.write(JSON.stringify(migratePostgres(client, process.argv[2]))); } finally { client.close(); }`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, url, folder]);
  return JSON.parse(stdout) as string[];
}

describe.skipIf(!pgServer())('PostgreSQL migrations', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let client: PgSyncDatabase;

  beforeEach(async () => {
    scratch = await scratchDatabase('lango_h1m');
    client = new PgSyncDatabase(scratch.url);
  });
  afterEach(async () => {
    client?.close();
    await scratch?.drop();
  });

  const recorded = () => client.prepare('SELECT name FROM lango_migrations ORDER BY name').pluck().all();

  it('applies each migration once and records it, and a second start finds nothing to do', () => {
    const folder = folderWith({ '0001_tickets-by-team.sql': 'CREATE INDEX tickets_by_team ON tickets (assignee);' });
    expect(migratePostgres(client, folder)).toEqual(['0000_baseline.sql', '0001_tickets-by-team.sql']);
    expect(migratePostgres(client, folder)).toEqual([]);
    expect(recorded()).toEqual(['0000_baseline.sql', '0001_tickets-by-team.sql']);
    expect(client.prepare("SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'tickets_by_team'").get()).toEqual({ n: 1 });
  });

  it('brings a database an older release left up to date with only the files it has not seen', () => {
    expect(migratePostgres(client, folderWith({}))).toEqual(['0000_baseline.sql']);
    client.prepare("INSERT INTO plans (name, price_minor, currency, created_at) VALUES ('Day', 5000, 'KES', 1)").run();
    expect(migratePostgres(client, folderWith({ '0001_plan-notes.sql': 'ALTER TABLE plans ADD COLUMN notes text COLLATE "C";' }))).toEqual(['0001_plan-notes.sql']);
    expect(client.prepare('SELECT name, notes FROM plans').all()).toEqual([{ name: 'Day', notes: null }]);
  });

  it('leaves the database as it was when a migration fails, naming the file', () => {
    const folder = folderWith({ '0001_broken.sql': 'CREATE TABLE half_done (id bigint); SELECT no_such_function();' });
    expect(() => migratePostgres(client, folder)).toThrow(/0001_broken\.sql/);
    expect(client.prepare("SELECT count(*) AS n FROM pg_tables WHERE tablename IN ('customers', 'half_done', 'lango_migrations')").get()).toEqual({ n: 0 });
    expect(migratePostgres(client, folderWith({}))).toEqual(['0000_baseline.sql']);
  });

  it('migrates once when two nodes start at the same moment: the second waits, then has nothing to do', async () => {
    // The slow file keeps the first node inside its transaction while the second arrives.
    const folder = folderWith({ '0001_slow.sql': 'SELECT pg_sleep(1); CREATE TABLE node_marks (id bigint);' });
    const [a, b] = await Promise.all([migrateInAnotherNode(scratch.url, folder), migrateInAnotherNode(scratch.url, folder)]);
    expect([a, b].map((applied) => applied.length).sort()).toEqual([0, 2]);
    expect(recorded()).toEqual(['0000_baseline.sql', '0001_slow.sql']);
  });
});

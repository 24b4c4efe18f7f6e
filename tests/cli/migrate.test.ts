import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresMigrationsFolder } from '../../src/db/postgres/migrate.js';
import { lango, langoJson, langoOk } from '../support/peers.js';
import { pgServer, scratchDatabase } from '../support/postgres.js';

// `lango migrate` prepares the database named by LANGO_DB before any node starts: a SQLite file,
// or a PostgreSQL database, and says where the schema stands.

function envFor(db: string): { env: Record<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-cli-migrate-'));
  // A file stays a file here even in a run on PostgreSQL (LANGO_TEST_PG would map it to a database).
  return { env: { ...(process.env as Record<string, string>), LANGO_TEST_PG: '', LANGO_DB: db, LANGO_KEY_FILE: path.join(dir, 'secret.key') } };
}

describe('lango migrate', () => {
  it('creates a SQLite database, then finds it up to date', () => {
    const env = envFor(path.join(mkdtempSync(path.join(tmpdir(), 'lango-migrate-')), 'lango.db'));
    const first = langoJson<{ applied: number; latest: string }>(env, 'migrate', '--json');
    expect(first.applied).toBeGreaterThan(20);
    expect(langoOk(env, 'migrate')).toContain(`up to date: ${first.applied} migration(s) applied, the latest ${first.latest}`);
  });

  describe.skipIf(!pgServer())('on PostgreSQL', () => {
    const drops: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const drop of drops) await drop();
    });

    it('creates the tables in an empty database, then finds it up to date, and a CLI command works on it', async () => {
      const scratch = await scratchDatabase('lango_migrate');
      drops.push(scratch.drop);
      const env = envFor(scratch.url);
      // Every file in migrations/postgres, the newest last.
      const files = readdirSync(postgresMigrationsFolder()).filter((name) => name.endsWith('.sql')).sort();
      expect(langoJson(env, 'migrate', '--json')).toEqual({ dialect: 'postgres', applied: files.length, latest: files.at(-1) });
      expect(langoOk(env, 'migrate')).toContain('The PostgreSQL database is up to date');
      expect(langoOk(env, 'nas', 'add', '--name', 'R1', '--ip', '10.0.0.1', '--secret', 'router-secret-9')).toContain('Added router R1');
    });

    it('says plainly when the PostgreSQL server cannot be reached', () => {
      const run = lango(envFor('postgres://lango:wrong@127.0.0.1:1/nothing'), 'migrate');
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('lango: configuration error: LANGO_DB: cannot open PostgreSQL at 127.0.0.1:1/nothing: nothing answers at that address and port');
    });
  });
});

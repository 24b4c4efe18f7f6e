import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { onPostgres } from '../../../tests/support/postgres.js';
import { openDatabase } from '../connection.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// A daemon and the test that started it open the same SQLite path at the same moment; on
// PostgreSQL each must land in the one database that path stands for, whoever creates it.
describe.skipIf(!onPostgres())('scratch databases for a run on PostgreSQL', () => {
  it('gives every process that opens the same file, all at once, the same database', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lango-scratch-')), 'lango.db');
    const child = (n: number) =>
      run(process.execPath, [
        '--input-type=module',
        '-e',
        `const { openDatabase } = await import(${JSON.stringify(path.join(root, 'dist/src/db/connection.js'))});
         const conn = openDatabase(${JSON.stringify(file)});
         conn.sqlite.prepare('INSERT INTO settings (key, value, updated_at, actor) VALUES (?, ?, 0, ?)').run('k${n}', 'v', 'test');
         conn.close();`,
      ]);
    await Promise.all([1, 2, 3, 4].map(child));
    const conn = openDatabase(file);
    try {
      expect(conn.sqlite.prepare("SELECT key FROM settings WHERE actor = 'test' ORDER BY key").pluck().all()).toEqual(['k1', 'k2', 'k3', 'k4']);
    } finally {
      conn.close();
    }
  });

  it('gives each :memory: database its own', () => {
    const a = openDatabase(':memory:');
    const b = openDatabase(':memory:');
    try {
      a.sqlite.prepare("INSERT INTO settings (key, value, updated_at, actor) VALUES ('only-a', 'v', 0, 'test')").run();
      expect(b.sqlite.prepare("SELECT count(*) AS n FROM settings WHERE key = 'only-a'").get()).toEqual({ n: 0 });
    } finally {
      a.close();
      b.close();
    }
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { runLoad } from '../../scripts/radius-load.js';
import { checkLangoDatabase } from '../../src/operations/index.js';
import { lango, langoAsync, langoJson, langoOk } from '../support/peers.js';
import { onPostgres } from '../support/postgres.js';

// The restore drill: a backup taken while routers keep sending accounting restores to a
// database a new daemon runs on, with every session the backup saw and the books balanced.

const SECRET = 'drill-secret-1';
const daemons: Daemon[] = [];
afterAll(async () => {
  for (const d of daemons) await d.stop();
});

const sessionCount = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

// `lango backup` copies the SQLite file with SQLite's backup API and restore puts a file back;
// on PostgreSQL backups are the server's own (pg_dump), so the drill runs on SQLite only.
describe.skipIf(onPostgres())('backup and restore drill', () => {
  it('takes a backup under accounting load, and a daemon started on the restored copy has its sessions and balanced books', async () => {
    const daemon = await startDaemon();
    daemons.push(daemon);
    langoOk(daemon, 'nas', 'add', '--name', 'hs1', '--ip', '127.0.0.1', '--secret', SECRET);
    const load = runLoad({ mode: 'acct', port: daemon.acctPort, secret: SECRET, seconds: 4, warmupSeconds: 0, sessions: 200, users: 200, maxRate: 400, window: 16 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const backupRun = await langoAsync(daemon, 'backup', '--json');
    const traffic = await load;
    expect(backupRun.status, backupRun.stderr).toBe(0);
    expect(traffic.answered).toBeGreaterThan(0);
    const backup = JSON.parse(backupRun.stdout) as { file: string; schemaVersion: number };
    expect(backup.file).toMatch(/backups\/lango-\d{8}-\d{6}\.db$/);
    const inBackup = sessionCount(backup.file);
    expect(inBackup).toBeGreaterThan(0);
    expect(checkLangoDatabase(backup.file).schemaVersion).toBe(backup.schemaVersion);

    // Refused while this daemon runs on its database, and for a file that is not Lango's.
    const busy = lango(daemon, 'restore', '--file', backup.file, '--yes');
    expect(busy.status).toBe(1);
    expect(busy.stderr).toMatch(/daemon is running/);
    await daemon.stop();

    const fresh = mkdtempSync(path.join(tmpdir(), 'lango-restored-'));
    const env = { ...daemon.env, LANGO_DB: path.join(fresh, 'lango.db') };
    const notes = path.join(fresh, 'notes.db');
    writeFileSync(notes, 'not a database');
    const wrong = lango({ env }, 'restore', '--file', notes, '--yes');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^lango: .*(not a SQLite database|cannot be opened|not a Lango database)/);
    const unasked = lango({ env }, 'restore', '--file', backup.file);
    expect(unasked.status).toBe(1);
    expect(unasked.stderr).toMatch(/Run again with --yes/);
    const restored = langoJson<{ restored: string; schemaVersion: number }>({ env }, 'restore', backup.file, '--yes', '--json');
    expect(restored.restored).toBe(env.LANGO_DB);
    expect(checkLangoDatabase(env.LANGO_DB).schemaVersion).toBe(backup.schemaVersion);

    const second = await startDaemon({ dir: fresh, env: { LANGO_DB: env.LANGO_DB, LANGO_KEY_FILE: daemon.keyFile } });
    daemons.push(second);
    const books = langoJson<Array<{ total: number; unbalanced: number }>>(second, 'ledger', 'check', '--json');
    expect(books.every((row) => row.total === 0 && row.unbalanced === 0)).toBe(true);
    const sessions = langoJson<unknown[]>(second, 'sessions', '--json');
    expect(sessions.length).toBeGreaterThanOrEqual(Math.min(inBackup, 1));
    expect(langoJson<Array<{ name: string }>>(second, 'nas', 'list', '--json').map((n) => n.name)).toEqual(['hs1']);
    await second.stop();
    expect(sessionCount(env.LANGO_DB)).toBe(inBackup);
  }, 90_000);
});

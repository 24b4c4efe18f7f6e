import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCustomer } from '../billing/customers.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { setSetting } from '../settings/index.js';
import { markRunning, markStopped } from '../settings/run-marker.js';
import { onPostgres } from '../../tests/support/postgres.js';
import { BackupRefusal, backupJobFor, checkLangoDatabase, lastBackup, restoreBackup, takeBackup } from './backup.js';

const ZONE = 'Africa/Nairobi';
// 2026-11-24 10:15:30 in Nairobi (UTC+3).
const T0 = Date.UTC(2026, 10, 24, 7, 15, 30);
const DAY = 86_400_000;
let dir: string;
let dbFile: string;
let conn: Connection;
const box = createSecretBox(Buffer.alloc(32, 7));

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lango-backup-'));
  dbFile = path.join(dir, 'lango.db');
  conn = openDatabase(dbFile);
  addCustomer(conn.db, box, { username: 'akinyi', password: 'net-pass-1' });
});
afterEach(() => conn.close());

const backup = (now = T0, extra: { to?: string } = {}) => takeBackup(conn.sqlite, conn.db, { dbFile, keyFile: path.join(dir, 'secret.key'), zone: ZONE, now, ...extra });
const customersIn = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT username FROM customers').all() as Array<{ username: string }>).map((r) => r.username);
  } finally {
    db.close();
  }
};

// lango backup and restore copy a SQLite file with SQLite's backup API; on PostgreSQL they refuse
// and point to pg_dump (src/cli/operations-commands.ts), so the file tests run on SQLite only.
const sqliteFilesOnly = onPostgres();

describe('backup', () => {
  it.skipIf(sqliteFilesOnly)('writes a verified copy named by the operator-time moment into backups/ beside the database, and records the outcome', async () => {
    const result = await backup();
    expect(result.file).toBe(path.join(dir, 'backups', 'lango-20261124-101530.db'));
    expect(customersIn(result.file)).toEqual(['akinyi']);
    expect(checkLangoDatabase(result.file).schemaVersion).toBe(result.schemaVersion);
    expect(lastBackup(conn.db)).toEqual({ at: T0, ok: true, file: result.file, error: null });
    expect(readdirSync(path.join(dir, 'backups'))).toEqual(['lango-20261124-101530.db']);
  });

  it('has no record before the first backup, and records a failure with its reason', async () => {
    expect(lastBackup(conn.db)).toBeNull();
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    await expect(backup(T0, { to: blocker })).rejects.toThrow(/not a directory|exists/);
    expect(lastBackup(conn.db)).toMatchObject({ at: T0, ok: false, file: null });
    expect(lastBackup(conn.db)!.error).toBeTruthy();
  });

  it.skipIf(sqliteFilesOnly)('deletes backups older than backup.keepDays but always keeps the newest three, and copies each new one to backup.copyTo', async () => {
    const second = path.join(dir, 'second-disk');
    setSetting(conn.db, 'backup.keepDays', 2, 'test');
    setSetting(conn.db, 'backup.copyTo', second, 'test');
    await backup(T0 - 6 * DAY);
    await backup(T0 - 5 * DAY);
    // Three backups, two of them old: all three stay.
    expect((await backup(T0 - 1 * DAY)).removed).toEqual([]);
    writeFileSync(path.join(dir, 'backups', 'notes.txt'), 'kept: not a backup');
    const leftover = path.join(dir, 'backups', 'lango-20261101-000000.db.partial');
    writeFileSync(leftover, 'half a backup from a crash');
    utimesSync(leftover, new Date(T0 - 2 * DAY), new Date(T0 - 2 * DAY));
    const today = await backup(T0);
    expect(today.removed.sort()).toEqual(['lango-20261101-000000.db.partial', 'lango-20261118-101530.db']);
    expect(readdirSync(path.join(dir, 'backups')).sort()).toEqual(['lango-20261119-101530.db', 'lango-20261123-101530.db', 'lango-20261124-101530.db', 'notes.txt']);
    expect(today.copy).toBe(path.join(second, 'lango-20261124-101530.db'));
    expect(readdirSync(second).sort()).toEqual(['lango-20261119-101530.db', 'lango-20261123-101530.db', 'lango-20261124-101530.db']);
  });

  it('schedules one backup a day at backup.at in the operator zone', () => {
    setSetting(conn.db, 'backup.at', '03:00', 'test');
    expect(backupJobFor(conn.db, T0, ZONE)).toEqual({ key: 'backup-run:2026-11-24', kind: 'backup-run', runAt: Date.UTC(2026, 10, 24, 0, 0) });
  });
});

describe.skipIf(sqliteFilesOnly)('checking a file before restoring it', () => {
  it('refuses a file that is not a database, a database that is not Lango, and one from a newer Lango', async () => {
    const text = path.join(dir, 'notes.db');
    writeFileSync(text, 'this is not sqlite at all, just some text that is long enough to matter');
    expect(() => checkLangoDatabase(text)).toThrow(BackupRefusal);
    const other = path.join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE things (id INTEGER)').close();
    expect(() => checkLangoDatabase(other)).toThrow(/not a Lango database/);
    const { file } = await backup();
    const newer = new Database(file);
    newer.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('future', 9_999_999_999_999);
    newer.close();
    expect(() => checkLangoDatabase(file)).toThrow(/newer Lango/);
    expect(() => checkLangoDatabase(path.join(dir, 'missing.db'))).toThrow(/does not exist/);
  });
});

describe.skipIf(sqliteFilesOnly)('restore', () => {
  it('replaces the database with the backup and keeps the one it replaced', async () => {
    const { file } = await backup();
    addCustomer(conn.db, box, { username: 'after-backup', password: 'net-pass-2' });
    conn.close();
    const result = await restoreBackup(dbFile, file, T0);
    expect(customersIn(dbFile)).toEqual(['akinyi']);
    expect(result.previous).toBe(`${dbFile}.before-restore-20261124T071530Z`);
    expect(customersIn(result.previous!).sort()).toEqual(['after-backup', 'akinyi']);
    expect(existsSync(`${dbFile}-wal`)).toBe(false);
    conn = openDatabase(dbFile);
    expect(checkLangoDatabase(dbFile).schemaVersion).toBeGreaterThan(0);
  });

  it('restores all of a hand-copied database whose last writes are still in the -wal beside it', async () => {
    const source = path.join(dir, 'hand-copy.db');
    const writer = new Database(dbFile);
    writer.pragma('wal_autocheckpoint = 0');
    addCustomer(conn.db, box, { username: 'only-in-wal', password: 'net-pass-3' });
    // A copy of the files as they are now, WAL and all, as `cp lango.db*` would make.
    copyFileSync(dbFile, source);
    copyFileSync(`${dbFile}-wal`, `${source}-wal`);
    writer.close();
    conn.close();
    const target = path.join(dir, 'restored.db');
    await restoreBackup(target, source, T0);
    expect(customersIn(target).sort()).toEqual(['akinyi', 'only-in-wal']);
    expect(existsSync(`${target}.restoring`)).toBe(false);
    conn = openDatabase(dbFile);
  });

  it('keeps a database too damaged to open, byte for byte, and restores over it', async () => {
    const { file } = await backup();
    conn.close();
    writeFileSync(dbFile, Buffer.from('this was a database until the power went\n'.repeat(200)));
    const result = await restoreBackup(dbFile, file, T0);
    expect(readFileSync(result.previous!, 'utf8')).toContain('until the power went');
    expect(customersIn(dbFile)).toEqual(['akinyi']);
    conn = openDatabase(dbFile);
  });

  it('refuses while a daemon is running on the database, and goes ahead once its marker names a dead process', async () => {
    const { file } = await backup();
    markRunning(conn.db, process.ppid);
    conn.close();
    await expect(restoreBackup(dbFile, file, T0)).rejects.toThrow(/daemon is running/);
    conn = openDatabase(dbFile);
    markStopped(conn.db);
    markRunning(conn.db, 2 ** 22 + 12345);
    conn.close();
    await expect(restoreBackup(dbFile, file, T0)).resolves.toMatchObject({ restored: dbFile });
    conn = openDatabase(dbFile);
  });
});

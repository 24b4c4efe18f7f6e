import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import type { Db, Sqlite } from '../db/connection.js';
import { migrationsFolder } from '../db/migrate.js';
import { getSetting, setSetting } from '../settings/index.js';

// Backups are whole-database copies taken with SQLite's online backup API: consistent while the
// daemon keeps writing (WAL), copied a few pages at a time so RADIUS is never held up for long.
// The secret key file is deliberately not inside: a stolen backup alone opens no secrets.

/** A refusal with a plain reason; nothing was changed. */
export class BackupRefusal extends Error {}

export const BACKUP_RUN = 'backup-run';
const NAME = /^lango-(\d{8})-(\d{6})\.db$/;
/** Small steps: each one holds the source's read lock for about a millisecond. */
const PAGES_PER_STEP = 64;
/** As many pages as there are: the whole copy in one step. */
export const ALL_PAGES = 0x7fffffff;
/** Tables every Lango database has had since the first migration; their absence means "not Lango". */
const EXPECTED_TABLES = ['customers', 'plans', 'sessions', 'invoices', 'payments', 'ledger_entries', 'settings', 'jobs', '__drizzle_migrations'];

export interface LastBackup {
  at: number;
  ok: boolean;
  file: string | null;
  error: string | null;
}

/** The last backup's outcome (scheduled or by hand), or null when none was ever taken. */
export function lastBackup(db: Db): LastBackup | null {
  return getSetting(db, 'backup.last');
}

export interface BackupResult {
  file: string;
  bytes: number;
  schemaVersion: number;
  copy: string | null;
  removed: string[];
  keyFile: string;
}

export interface BackupOptions {
  /** The database file the daemon uses (LANGO_DB). */
  dbFile: string;
  keyFile: string;
  zone: string;
  now?: number;
  /** Overrides backup.dir for this run. */
  to?: string;
  /**
   * Pages copied per step, the event loop running between steps. The daemon keeps the default
   * (small: RADIUS waits at most one step). A separate process (the CLI) copies all at once:
   * in WAL a reader never blocks the daemon's writes, while the daemon writing between small
   * steps would make SQLite restart a copy taken over another connection, possibly forever.
   */
  pagesPerStep?: number;
}

/** The migrations this build knows, oldest first, as drizzle records them (created_at = `when`). */
function knownMigrations(): number[] {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ when: number }> };
  return journal.entries.map((e) => e.when);
}

export function backupDir(db: Db, dbFile: string): string {
  return getSetting(db, 'backup.dir') ?? path.join(path.dirname(path.resolve(dbFile)), 'backups');
}

/**
 * Checks that a file is a whole, uncorrupted Lango database of a schema this build knows
 * (not newer: an older build cannot safely run a newer database). Returns its schema version
 * (the number of migrations applied). Opens read-only, so a wrong file is never changed.
 */
export function checkLangoDatabase(file: string): { schemaVersion: number } {
  if (!existsSync(file) || !statSync(file).isFile()) throw new BackupRefusal(`${file} does not exist or is not a file.`);
  let sqlite: Sqlite;
  try {
    sqlite = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new BackupRefusal(`${file} cannot be opened as a database: ${(err as Error).message}`);
  }
  try {
    let integrity: string;
    try {
      integrity = (sqlite.pragma('integrity_check', { simple: false }) as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
    } catch (err) {
      throw new BackupRefusal(`${file} is not a SQLite database (${(err as Error).message}).`);
    }
    if (integrity !== 'ok') throw new BackupRefusal(`${file} is damaged: ${integrity.slice(0, 300)}`);
    const tables = new Set((sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    const missing = EXPECTED_TABLES.filter((name) => !tables.has(name));
    if (missing.length > 0) throw new BackupRefusal(`${file} is not a Lango database (missing tables: ${missing.join(', ')}).`);
    const applied = (sqlite.prepare('SELECT created_at AS at FROM __drizzle_migrations ORDER BY created_at').all() as Array<{ at: number }>).map((r) => Number(r.at));
    const known = knownMigrations();
    const latest = applied.at(-1);
    if (latest === undefined) throw new BackupRefusal(`${file} has no schema version recorded; it is not a usable Lango database.`);
    if (latest > known.at(-1)!) throw new BackupRefusal(`${file} was written by a newer Lango (schema newer than this version knows); upgrade Lango first.`);
    if (!known.includes(latest)) throw new BackupRefusal(`${file} has a schema version this Lango does not know.`);
    return { schemaVersion: known.indexOf(latest) + 1 };
  } finally {
    sqlite.close();
  }
}

function fsyncPath(target: string): void {
  const fd = openSync(target, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The entry of a file's folder is durable too, so a rename survives a power cut. */
export function fsyncFileAndDir(file: string): void {
  fsyncPath(file);
  try {
    fsyncPath(path.dirname(file));
  } catch {
    // Some filesystems (and mounted remote paths) do not allow fsync on a folder; the file itself is synced.
  }
}

/** Copies then renames, so a half-written copy is never taken for a backup. */
function copyInto(file: string, folder: string): string {
  mkdirSync(folder, { recursive: true });
  const target = path.join(folder, path.basename(file));
  const partial = `${target}.partial`;
  copyFileSync(file, partial);
  fsyncPath(partial);
  renameSync(partial, target);
  fsyncFileAndDir(target);
  return target;
}

/**
 * The newest backups kept whatever their age: a clock set a year ahead, or a month of failed
 * backups followed by one good one, must not leave a single copy behind.
 */
const KEEP_AT_LEAST = 3;
const PARTIAL = /^lango-\d{8}-\d{6}\.db\.partial$/;

/**
 * Deletes this tool's backups older than keepDays (by the time in their name) except the newest
 * KEEP_AT_LEAST, and half-written copies a crash left behind; other files are left alone.
 */
function prune(folder: string, keepDays: number, now: number, zone: string): string[] {
  if (!existsSync(folder)) return [];
  const cutoff = now - keepDays * 86_400_000;
  const removed: string[] = [];
  const names = readdirSync(folder);
  const backups = names
    .map((name) => ({ name, match: NAME.exec(name) }))
    .filter((b): b is { name: string; match: RegExpExecArray } => b.match !== null)
    .map((b) => ({ name: b.name, taken: DateTime.fromFormat(`${b.match[1]}${b.match[2]}`, 'yyyyMMddHHmmss', { zone }) }))
    .filter((b) => b.taken.isValid)
    .sort((a, b) => b.taken.toMillis() - a.taken.toMillis());
  for (const { name, taken } of backups.slice(KEEP_AT_LEAST)) {
    if (taken.toMillis() < cutoff) {
      rmSync(path.join(folder, name), { force: true });
      removed.push(name);
    }
  }
  // A .partial is only ever the backup being written now (taken under another name) or a crash's leftover.
  for (const name of names.filter((n) => PARTIAL.test(n))) {
    const file = path.join(folder, name);
    if (statSync(file).mtimeMs < now - 3_600_000) {
      rmSync(file, { force: true });
      removed.push(name);
    }
  }
  return removed;
}

function record(db: Db, outcome: LastBackup): void {
  setSetting(db, 'backup.last', outcome, 'backup', outcome.at);
}

/**
 * Takes, verifies and fsyncs one backup, then deletes old ones and copies it to backup.copyTo.
 * The outcome, good or bad, is stored as backup.last for alerts and the dashboard.
 */
export async function takeBackup(sqlite: Sqlite, db: Db, options: BackupOptions): Promise<BackupResult> {
  const now = options.now ?? Date.now();
  const folder = path.resolve(options.to ?? backupDir(db, options.dbFile));
  const name = `lango-${DateTime.fromMillis(now, { zone: options.zone }).toFormat('yyyyMMdd-HHmmss')}.db`;
  const file = path.join(folder, name);
  const partial = `${file}.partial`;
  try {
    // Backups hold every customer's details: readable by the service's user only.
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (existsSync(file)) throw new BackupRefusal(`${file} already exists; wait a second and try again.`);
    rmSync(partial, { force: true });
    const pages = options.pagesPerStep ?? PAGES_PER_STEP;
    await sqlite.backup(partial, { progress: () => pages });
    // A backup is one self-contained file: no -wal beside it to forget when copying it away.
    const written = new Database(partial);
    try {
      written.pragma('journal_mode = DELETE');
    } finally {
      written.close();
    }
    const { schemaVersion } = checkLangoDatabase(partial);
    fsyncPath(partial);
    chmodSync(partial, 0o600);
    renameSync(partial, file);
    fsyncFileAndDir(file);
    const removed = prune(folder, getSetting(db, 'backup.keepDays'), now, options.zone);
    const copyTo = getSetting(db, 'backup.copyTo');
    let copy: string | null = null;
    if (copyTo) {
      copy = copyInto(file, copyTo);
      prune(copyTo, getSetting(db, 'backup.keepDays'), now, options.zone);
    }
    record(db, { at: now, ok: true, file, error: null });
    return { file, bytes: statSync(file).size, schemaVersion, copy, removed, keyFile: options.keyFile };
  } catch (err) {
    try {
      rmSync(partial, { force: true });
    } catch {
      // The folder itself is what failed; there is no partial file to clean up.
    }
    const error = err instanceof Error ? err.message : String(err);
    try {
      record(db, { at: now, ok: false, file: null, error: error.slice(0, 500) });
    } catch {
      // The database itself failing is already what the thrown error says.
    }
    throw err;
  }
}

/** Today's scheduled backup at backup.at, operator time: one job per local date, like the billing run. */
export function backupJobFor(db: Db, now: number, zone: string): { key: string; kind: string; runAt: number } {
  const [hour, minute] = getSetting(db, 'backup.at').split(':').map(Number) as [number, number];
  const today = DateTime.fromMillis(now, { zone });
  return { key: `${BACKUP_RUN}:${today.toISODate()}`, kind: BACKUP_RUN, runAt: today.set({ hour, minute, second: 0, millisecond: 0 }).toMillis() };
}

/** Whether the process with this pid is alive (a marker left by a crash names a dead one). */
function alive(pid: number): boolean {
  if (!pid || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RestoreResult {
  restored: string;
  from: string;
  schemaVersion: number;
  previous: string | null;
}

/** The daemon's run marker in a database file, read without migrating or writing it. */
function runningPid(dbFile: string): number | null {
  if (!existsSync(dbFile)) return null;
  let sqlite: Database.Database;
  try {
    sqlite = new Database(dbFile, { readonly: true, fileMustExist: true });
  } catch {
    // Too damaged to open: no daemon can be running on it either.
    return null;
  }
  try {
    const row = sqlite.prepare("SELECT value FROM settings WHERE key = 'daemon.running'").get() as { value: string } | undefined;
    if (!row) return null;
    const pid = (JSON.parse(row.value) as { pid?: unknown }).pid;
    return typeof pid === 'number' && alive(pid) ? pid : null;
  } catch {
    return null;
  } finally {
    sqlite.close();
  }
}

/**
 * Replaces the database with a checked backup. Refuses while a daemon runs on it. The current
 * database is kept as <db>.before-restore-<time>; the new one is written beside, fsynced and
 * renamed over, so a crash leaves either the old or the new file, never a mix. No connection
 * may be open on dbFile while this runs.
 */
export async function restoreBackup(dbFile: string, from: string, now = Date.now()): Promise<RestoreResult> {
  const target = path.resolve(dbFile);
  const source = path.resolve(from);
  if (source === target) throw new BackupRefusal('That file is the database itself; give a backup file.');
  const pid = runningPid(target);
  if (pid !== null) throw new BackupRefusal(`The Lango daemon is running on ${target} (pid ${pid}). Stop it first (systemctl stop lango), then restore.`);
  const stamp = DateTime.fromMillis(now, { zone: 'utc' }).toFormat("yyyyMMdd'T'HHmmss'Z'");
  // The backup is read through SQLite into a file of our own, and that file is what is checked
  // and renamed in: a source with a -wal beside it (a hand copy) is read whole, and nothing can
  // change between the check and the copy.
  const incoming = `${target}.restoring`;
  rmSync(incoming, { force: true });
  let schemaVersion: number;
  try {
    let reader: Database.Database;
    try {
      reader = new Database(source, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new BackupRefusal(`${source} cannot be opened as a Lango database: ${(err as Error).message}`);
    }
    try {
      await reader.backup(incoming);
    } catch (err) {
      throw new BackupRefusal(`${source} is not a Lango database that can be read: ${(err as Error).message}`);
    } finally {
      reader.close();
    }
    const written = new Database(incoming);
    try {
      written.pragma('journal_mode = DELETE');
    } finally {
      written.close();
    }
    ({ schemaVersion } = checkLangoDatabase(incoming));
    fsyncPath(incoming);
  } catch (err) {
    rmSync(incoming, { force: true });
    throw err;
  }
  let previous: string | null = null;
  if (existsSync(target)) {
    previous = `${target}.before-restore-${stamp}`;
    try {
      // Folds the WAL into the kept copy, so it is whole on its own.
      const current = new Database(target, { fileMustExist: true });
      try {
        current.pragma('wal_checkpoint(TRUNCATE)');
        await current.backup(previous);
      } finally {
        current.close();
      }
    } catch {
      // A damaged database (the usual reason to restore) cannot be read through SQLite: its
      // files are kept as they are, byte for byte, beside it.
      rmSync(previous, { force: true });
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(`${target}${suffix}`)) copyFileSync(`${target}${suffix}`, `${previous}${suffix}`);
    }
    fsyncFileAndDir(previous);
  }
  // The old WAL belongs to the old file: replayed over the restored one it would corrupt it.
  rmSync(`${target}-wal`, { force: true });
  rmSync(`${target}-shm`, { force: true });
  renameSync(incoming, target);
  fsyncFileAndDir(target);
  return { restored: target, from: source, schemaVersion, previous };
}

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StorageReport } from './storage.js';

/**
 * The daemon's daily backup, taken by `lango backup` in a child process: the copy, SQLite's
 * integrity check, the fsyncs and the copy to backup.copyTo take seconds on a large database
 * or a slow mounted folder, and none of it may stall the RADIUS event loop. The child reads
 * through its own connection in one step (WAL: the daemon keeps writing meanwhile) and records
 * the outcome in backup.last itself, as a backup taken by hand does.
 */
export async function backupInChildProcess(env: ChildEnv, timeoutMs = 60 * 60_000): Promise<{ file: string; bytes: number; removed: number; copy: string | null }> {
  const result = await langoJsonInChildProcess<{ file: string; bytes: number; removed: string[]; copy: string | null }>(['backup', '--json'], env, timeoutMs);
  return { file: result.file, bytes: result.bytes, removed: result.removed.length, copy: result.copy };
}

/**
 * The storage report (`lango storage`) for the staff page, counted in a child process: counting
 * every row of the growing tables and reading SQLite's page statistics take seconds on a large
 * database, which the RADIUS event loop must not wait for.
 */
export function storageReportInChildProcess(env: ChildEnv, timeoutMs = 5 * 60_000): Promise<StorageReport> {
  return langoJsonInChildProcess<StorageReport>(['storage', '--json'], env, timeoutMs);
}

type ChildEnv = { LANGO_DB: string; LANGO_KEY_FILE: string };

/** Runs `lango <args>` (the built CLI) with this process's database and key file, and parses its JSON answer. */
function langoJsonInChildProcess<T>(args: string[], env: ChildEnv, timeoutMs: number): Promise<T> {
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const name = `lango ${args[0]}`;
  if (!existsSync(cli)) return Promise.reject(new Error(`the lango command is not built at ${cli} (npm run build)`));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${name} failed: ${(stderr || err.message).trim().split('\n').slice(-3).join(' ')}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`${name} answered something unexpected: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

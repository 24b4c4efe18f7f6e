import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The daemon's daily backup, taken by `lango backup` in a child process: the copy, SQLite's
 * integrity check, the fsyncs and the copy to backup.copyTo take seconds on a large database
 * or a slow mounted folder, and none of it may stall the RADIUS event loop. The child reads
 * through its own connection in one step (WAL: the daemon keeps writing meanwhile) and records
 * the outcome in backup.last itself, as a backup taken by hand does.
 */
export function backupInChildProcess(env: { LANGO_DB: string; LANGO_KEY_FILE: string }, timeoutMs = 60 * 60_000): Promise<{ file: string; bytes: number; removed: number; copy: string | null }> {
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  if (!existsSync(cli)) return Promise.reject(new Error(`the lango command is not built at ${cli} (npm run build)`));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'backup', '--json'], { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`lango backup failed: ${(stderr || err.message).trim().split('\n').slice(-3).join(' ')}`));
      try {
        const result = JSON.parse(stdout) as { file: string; bytes: number; removed: string[]; copy: string | null };
        resolve({ file: result.file, bytes: result.bytes, removed: result.removed.length, copy: result.copy });
      } catch {
        reject(new Error(`lango backup answered something unexpected: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Sqlite } from './connection.js';

// The daemon's WAL checkpoints, off the event loop. SQLite's automatic checkpoint runs inside
// whichever commit crosses the threshold: copying the WAL into the database and fsyncing it
// there took 50-100 ms on this machine, and that commit was an accounting batch or a billing
// chunk on the thread that answers RADIUS. Here a worker thread, with its own connection,
// runs PASSIVE checkpoints (they never block writers or readers) four times a second, and the
// daemon's own connection checkpoints only as a rare backstop.

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let busy = false;
const run = () => {
  if (busy) return;
  busy = true;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, result });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message || err) });
  } finally {
    busy = false;
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'now') run();
  if (message === 'stop') {
    clearInterval(timer);
    run();
    db.close();
    parentPort.postMessage({ stopped: true });
  }
});
`;

export interface Checkpointer {
  /** Runs one last checkpoint and closes the worker's connection. */
  stop(): Promise<void>;
}

export function startCheckpointer(sqlite: Sqlite, file: string, options: { intervalMs?: number; backstopPages?: number; onError?: (message: string) => void } = {}): Checkpointer {
  // A backstop, not the main path: by the time the WAL holds this much, the worker has copied
  // nearly all of it, so the commit that checkpoints (and restarts the WAL, which a passive
  // checkpoint cannot do while writes go on) has little left to copy. Keeps the WAL bounded.
  sqlite.pragma(`wal_autocheckpoint = ${options.backstopPages ?? 4000}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, intervalMs: options.intervalMs ?? 250, betterSqlite3: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  worker.unref();
  worker.on('message', (message: { ok?: boolean; error?: string }) => {
    if (message.ok === false) options.onError?.(message.error ?? 'checkpoint failed');
  });
  worker.on('error', (err) => options.onError?.(err.message));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          void worker.terminate().then(() => resolve());
        };
        worker.on('message', (message: { stopped?: boolean }) => {
          if (message.stopped) done();
        });
        worker.on('exit', () => resolve());
        worker.postMessage('stop');
        setTimeout(done, 5_000).unref();
      }),
  };
}

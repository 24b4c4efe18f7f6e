import { statSync } from 'node:fs';
import type { Sqlite } from './connection.js';

/**
 * Size in bytes of the write-ahead log beside `file` (0 when there is none). Read before the
 * database is opened, to say at start what an unclean stop left: the commits in it are durable
 * (synchronous=FULL), and SQLite reads them back when the database opens.
 */
export function walFileSize(file: string): number {
  if (file === ':memory:') return 0;
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

/**
 * One PASSIVE checkpoint now, as evidence of what SQLite recovered from the WAL at open: the
 * committed pages it found there, and how many are now copied into the database file.
 */
export function checkpointReport(sqlite: Sqlite): { walPages: number; copiedPages: number } {
  const [row] = sqlite.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  return { walPages: Math.max(0, row?.log ?? 0), copiedPages: Math.max(0, row?.checkpointed ?? 0) };
}

import type { Logger } from 'pino';
import { openAndStaleSessions } from './aaa/sessions.js';
import type { Connection } from './db/connection.js';
import { checkpointReport } from './db/wal.js';
import { requeueInterrupted } from './jobs/index.js';
import { recoverInterrupted } from './messaging/sender.js';
import { countWaitingAttempts } from './payments/index.js';
import { previousRun } from './settings/run-marker.js';

// What start-up recovers after the previous run stopped without its clean shutdown (kill -9,
// crash, power cut), said in the log in one line per item. Runs right after the database
// opens, before the scheduler, the SMS sender and the housekeeping pass start, so the counts
// are what the last run left behind. Wiring only: the SQL lives in the domains.

export interface RecoveryInput {
  connection: Connection;
  logger: Logger;
  /** Size of `<db>-wal` before the database was opened. */
  walBytes: number;
  now: number;
  interimSeconds: number;
  staleGraceSeconds: number;
  /** On a shared PostgreSQL database, this node's name: its own run marker. */
  node?: string;
}

export interface RecoveryReport {
  clean: boolean;
  walBytes: number;
  walPages: number;
  jobsRequeued: number;
  sms: { retried: number; unknown: number; failed: number };
  sessions: { open: number; stale: number };
  payments: { waiting: number; toQuery: number };
}

export function recoverAtStart(input: RecoveryInput): RecoveryReport {
  const { connection, logger, walBytes, now } = input;
  const db = connection.db;
  const previous = previousRun(db, input.node);
  const clean = previous === undefined;
  if (clean) logger.info('previous stop was clean');
  else {
    logger.warn(
      { previousPid: previous.pid, previousStart: previous.startedAt ? new Date(previous.startedAt).toISOString() : null },
      'previous stop was not clean (killed, crashed or power lost); recovering what it left',
    );
  }

  // Also after a clean stop, in case a CLI run or an older version left something: logged only then if found.
  const { walPages, copiedPages } = clean ? { walPages: 0, copiedPages: 0 } : checkpointReport(connection.sqlite);
  const jobsRequeued = requeueInterrupted(db);
  // A SQLite database has one daemon: what is left 'sending' was its predecessor's. On PostgreSQL
  // a live peer may be sending it, so only claims that ran out are taken back.
  const sms = recoverInterrupted(db, now, 'sms', connection.dialect === 'postgres' ? 'lapsed' : 'all');
  const sessions = openAndStaleSessions(db, now, input.interimSeconds, input.staleGraceSeconds);
  const payments = countWaitingAttempts(db);
  const report: RecoveryReport = { clean, walBytes, walPages, jobsRequeued, sms: { retried: sms.retried, unknown: sms.unknown, failed: sms.failed }, sessions, payments };
  if (clean && jobsRequeued + sms.retried + sms.unknown + sms.failed === 0) return report;

  // PostgreSQL recovers its own log; only a SQLite file has one to report.
  if (!clean && connection.dialect === 'sqlite') {
    logger.info(
      { walBytes, walPages, copiedPages },
      walBytes > 0
        ? `database: found a write-ahead log of ${formatBytes(walBytes)} at open; SQLite replayed the ${walPages} committed page(s) in it (${copiedPages} now copied into the database file), no repair needed`
        : 'database: no write-ahead log was left at open; the database file was complete, no repair needed',
    );
  }
  logger.info({ jobsRequeued }, `scheduled jobs: ${jobsRequeued} that were running marked to run again (billing steps are idempotent)`);
  const handed = sms.retried + sms.unknown + sms.failed;
  logger.info(
    { ...report.sms },
    `SMS: ${handed} message(s) were being handed to the gateway: ${sms.retried} critical put back in the queue, ${sms.unknown} bulk marked unknown (may have gone out, not re-sent), ${sms.failed} out of attempts`,
  );
  if (!clean) {
    logger.info(
      { ...sessions },
      `sessions: ${sessions.open} still open; ${sessions.stale} silent past the stale limit will be closed by the stale-session pass now, the rest stay open until their router reports or they go stale`,
    );
    logger.info(
      { ...payments },
      `payments: ${payments.waiting} attempt(s) still waiting for the provider; the reconcile worker will ask the provider about ${payments.toQuery} of them`,
    );
  }
  return report;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import { claimDueJob, ensureJob, finishJob, requeueInterrupted } from './index.js';

/** `signal` aborts at shutdown: a runner stops between its transactions and throws. */
export type JobRunner = (now: number, signal: AbortSignal) => Promise<Record<string, unknown>>;

export interface SchedulerOptions {
  db: Db;
  logger: Logger;
  runners: Record<string, JobRunner>;
  /** Jobs that should exist by `now` (e.g. today's billing run); called on every tick. */
  plan: (now: number) => Array<{ key: string; kind: string; runAt: number }>;
  /** Croner pattern for the tick; every 5 s by default, so a job the CLI queued starts promptly. */
  tick?: string;
}

/**
 * The in-process scheduler. Work lives in the jobs table, not in timers: each tick makes sure
 * the jobs that should exist do (one per key), then runs those that are due, one at a time.
 * At start, a job the last process left running is queued again, and a day missed while the
 * daemon was down is caught up because today's run covers everything due until now.
 */
export class Scheduler {
  private cron: Cron | undefined;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    const requeued = requeueInterrupted(this.options.db);
    if (requeued > 0) this.options.logger.warn({ requeued }, 'jobs interrupted by the last shutdown run again');
    // protect: a tick that finds the previous one still running is skipped, never overlapped.
    this.cron = new Cron(this.options.tick ?? '*/5 * * * * *', { protect: true }, () => this.tick());
    void this.tick();
  }

  /** Runs due jobs now; resolves when none is left. Also what each tick does. */
  tick(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    const { db, logger, runners } = this.options;
    for (const job of this.options.plan(Date.now())) ensureJob(db, job);
    for (let job = claimDueJob(db, Date.now()); job && !this.stopping.signal.aborted; job = claimDueJob(db, Date.now())) {
      const runner = runners[job.kind];
      const started = Date.now();
      try {
        if (!runner) throw new Error(`no runner for job kind ${job.kind}`);
        const summary = await runner(started, this.stopping.signal);
        finishJob(db, job.id, { ok: true, summary: JSON.stringify(summary) });
        logger.info({ job: job.key, ms: Date.now() - started, ...summary }, 'job done');
      } catch (err) {
        if (this.stopping.signal.aborted) {
          // Shut down between two transactions: the job runs again from the start next time.
          requeueInterrupted(db);
          logger.info({ job: job.key }, 'job paused by shutdown; it resumes at the next start');
          return;
        }
        finishJob(db, job.id, { ok: false, summary: err instanceof Error ? err.message : String(err) });
        logger.error({ err, job: job.key }, 'job failed');
      }
    }
  }

  /** Stops ticking; a job in progress stops after its current transaction. */
  async stop(): Promise<void> {
    this.cron?.stop();
    this.stopping.abort();
    await this.running;
  }
}

import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import { claimDueJob, ensureJob, finishJob, JOB_LEASE_MS, renewJobClaim, requeueInterrupted } from './index.js';
import { thisNode } from './node.js';

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
  /** Who claims jobs (src/jobs/node.ts): tests give two schedulers in one process different names. */
  node?: string;
}

/**
 * The in-process scheduler. Work lives in the jobs table, not in timers: each tick makes sure
 * the jobs that should exist do (one per key), then runs those that are due, one at a time.
 * At start, a job the last process left running is queued again, and a day missed while the
 * daemon was down is caught up because today's run covers everything due until now. Several
 * nodes on one database each run a scheduler: a job is claimed under a lease the runner renews,
 * so exactly one node runs it, and a job whose node died is taken over when its lease runs out.
 */
export class Scheduler {
  private cron: Cron | undefined;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    const requeued = requeueInterrupted(this.options.db, Date.now(), this.node);
    if (requeued > 0) this.options.logger.warn({ requeued }, 'jobs interrupted by the last shutdown run again');
    // protect: a tick that finds the previous one still running is skipped, never overlapped.
    this.cron = new Cron(this.options.tick ?? '*/5 * * * * *', { protect: true }, () => this.tick());
    void this.tick();
  }

  private get node(): string {
    return this.options.node ?? thisNode();
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
    // A job whose node died mid-run (its lease ran out) runs again here.
    const taken = requeueInterrupted(db, Date.now(), this.node);
    if (taken > 0) logger.warn({ requeued: taken }, 'jobs another node stopped running (its claim ran out) run again');
    for (let job = claimDueJob(db, Date.now(), this.node); job && !this.stopping.signal.aborted; job = claimDueJob(db, Date.now(), this.node)) {
      const runner = runners[job.kind];
      const started = Date.now();
      let heldAs: string | undefined = job.summary;
      const lost = new AbortController();
      const renew = setInterval(() => {
        try {
          heldAs = heldAs === undefined ? undefined : renewJobClaim(db, { id: job!.id, summary: heldAs }, Date.now());
        } catch (err) {
          // The database did not answer: keep the claim as it was and try again at the next renewal.
          logger.warn({ err, job: job!.key }, 'could not renew the claim on a running job');
          return;
        }
        if (heldAs === undefined && !lost.signal.aborted) lost.abort();
      }, JOB_LEASE_MS / 3);
      renew.unref();
      try {
        if (!runner) throw new Error(`no runner for job kind ${job.kind}`);
        const summary = await runner(started, AbortSignal.any([this.stopping.signal, lost.signal]));
        clearInterval(renew);
        if (finishJob(db, job.id, { ok: true, summary: JSON.stringify(summary) }, Date.now(), heldAs)) logger.info({ job: job.key, ms: Date.now() - started, ...summary }, 'job done');
        else logger.warn({ job: job.key }, 'job done here after another node took it over (this node was too slow to renew its claim)');
      } catch (err) {
        clearInterval(renew);
        if (this.stopping.signal.aborted) {
          // Shut down between two transactions: the job runs again from the start next time.
          requeueInterrupted(db, Date.now(), this.node);
          logger.info({ job: job.key }, 'job paused by shutdown; it resumes at the next start');
          return;
        }
        if (lost.signal.aborted) {
          logger.warn({ job: job.key }, 'job stopped: its claim ran out and another node took it over');
          continue;
        }
        finishJob(db, job.id, { ok: false, summary: err instanceof Error ? err.message : String(err) }, Date.now(), heldAs);
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

import { and, asc, desc, eq, lte } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { jobs } from '../db/schema/operations.js';

export type Job = typeof jobs.$inferSelect;

/** Schedules a job once: the same key again (another tick, a restart, the CLI) finds the first. */
export function ensureJob(db: Db, input: { key: string; kind: string; runAt: number }): void {
  db.insert(jobs).values(input).onConflictDoNothing().run();
}

/** A job left `running` when the process died was interrupted: it runs again (its steps are idempotent). */
export function requeueInterrupted(db: Db): number {
  return db.update(jobs).set({ status: 'pending' }).where(eq(jobs.status, 'running')).run().changes;
}

/** Takes the oldest due pending job, marking it running, or nothing. */
export function claimDueJob(db: Db, now: number): Job | undefined {
  return db.transaction((tx) => {
    const job = tx.select().from(jobs).where(and(eq(jobs.status, 'pending'), lte(jobs.runAt, now))).orderBy(asc(jobs.runAt), asc(jobs.id)).limit(1).get();
    if (!job) return undefined;
    return tx
      .update(jobs)
      .set({ status: 'running', attempts: job.attempts + 1, startedAt: now })
      .where(eq(jobs.id, job.id))
      .returning()
      .get();
  }, { behavior: 'immediate' });
}

export function finishJob(db: Db, id: number, outcome: { ok: boolean; summary: string }, now = Date.now()): void {
  db.update(jobs).set({ status: outcome.ok ? 'done' : 'failed', finishedAt: now, summary: outcome.summary }).where(eq(jobs.id, id)).run();
}

export function listJobs(db: Db, limit = 50): Job[] {
  return db.select().from(jobs).orderBy(desc(jobs.runAt), desc(jobs.id)).limit(limit).all();
}

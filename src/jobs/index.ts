import { and, asc, desc, eq, isNull, lte } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { jobs } from '../db/schema/operations.js';
import { claimAbandoned, thisNode } from './node.js';

export type Job = typeof jobs.$inferSelect;

/** Schedules a job once: the same key again (another tick, a restart, the CLI) finds the first. */
export function ensureJob(db: Db, input: { key: string; kind: string; runAt: number }): void {
  db.insert(jobs).values(input).onConflictDoNothing().run();
}

/**
 * How long a running job's claim holds without being renewed. The scheduler renews it every
 * third of this while the job runs; a node that dies stops renewing, and another node (or this
 * one after a restart) takes the job back once it runs out.
 */
export const JOB_LEASE_MS = 60_000;

/**
 * While a job runs, its summary says where and until when: several nodes on one database must
 * not run the same billing run twice, and `lango jobs` then shows which node has it.
 */
interface JobClaim {
  runningOn: string;
  leaseUntil: number;
}

function claimText(node: string, leaseUntil: number): string {
  return JSON.stringify({ runningOn: node, leaseUntil } satisfies JobClaim);
}

function claimOf(summary: string | null): JobClaim | undefined {
  try {
    const parsed = JSON.parse(summary ?? '') as Partial<JobClaim>;
    return typeof parsed.runningOn === 'string' && typeof parsed.leaseUntil === 'number' ? { runningOn: parsed.runningOn, leaseUntil: parsed.leaseUntil } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Running jobs nobody is running any more go back to pending (their steps are idempotent): a
 * lease that ran out, a claim this process gives back (shutdown), or one by a process on this
 * host that has exited (a restart after kill -9 resumes at once). A peer's live claim is left
 * alone. Each job moves only if its claim is still the one read (a peer may renew it meanwhile).
 */
export function requeueInterrupted(db: Db, now = Date.now(), node = thisNode()): number {
  let requeued = 0;
  for (const job of db.select({ id: jobs.id, summary: jobs.summary }).from(jobs).where(eq(jobs.status, 'running')).all()) {
    const claim = claimOf(job.summary);
    // No claim in the summary: left by a version before leases, which ran one node only.
    if (claim && claim.leaseUntil > now && !claimAbandoned(claim.runningOn, node)) continue;
    requeued += db
      .update(jobs)
      .set({ status: 'pending', summary: null })
      .where(and(eq(jobs.id, job.id), eq(jobs.status, 'running'), job.summary === null ? isNull(jobs.summary) : eq(jobs.summary, job.summary)))
      .run().changes;
  }
  return requeued;
}

/** What a node holds while it runs a job: the job, and its claim as stored (renewed in place). */
export type ClaimedJob = Job & { summary: string };

/**
 * Takes the oldest due pending job for this node, marking it running under a lease, or nothing.
 * One job at a time across all nodes, as one daemon runs them: none is taken while another runs.
 */
export function claimDueJob(db: Db, now: number, node = thisNode()): ClaimedJob | undefined {
  return db.transaction((tx) => {
    if (tx.select({ id: jobs.id }).from(jobs).where(eq(jobs.status, 'running')).limit(1).get()) return undefined;
    const job = tx.select().from(jobs).where(and(eq(jobs.status, 'pending'), lte(jobs.runAt, now))).orderBy(asc(jobs.runAt), asc(jobs.id)).limit(1).get();
    if (!job) return undefined;
    return tx
      .update(jobs)
      .set({ status: 'running', attempts: job.attempts + 1, startedAt: now, finishedAt: null, summary: claimText(node, now + JOB_LEASE_MS) })
      .where(and(eq(jobs.id, job.id), eq(jobs.status, 'pending')))
      .returning()
      .get() as ClaimedJob | undefined;
  }, { behavior: 'immediate' });
}

/**
 * Extends a running job's lease. Answers the renewed claim, or undefined when the claim is no
 * longer this node's (it lapsed and another node took the job): the caller must stop the job.
 */
export function renewJobClaim(db: Db, job: { id: number; summary: string }, now: number): string | undefined {
  const claim = claimOf(job.summary);
  if (!claim) return undefined;
  const renewed = claimText(claim.runningOn, now + JOB_LEASE_MS);
  const changed = db.update(jobs).set({ summary: renewed }).where(and(eq(jobs.id, job.id), eq(jobs.status, 'running'), eq(jobs.summary, job.summary))).run().changes;
  return changed === 1 ? renewed : undefined;
}

/**
 * Records a job's outcome. With `heldAs` (the claim as last stored), only while this node still
 * holds it: a node whose lease lapsed mid-run does not overwrite the run that took over.
 */
export function finishJob(db: Db, id: number, outcome: { ok: boolean; summary: string }, now = Date.now(), heldAs?: string): boolean {
  const where = heldAs === undefined ? eq(jobs.id, id) : and(eq(jobs.id, id), eq(jobs.status, 'running'), eq(jobs.summary, heldAs));
  return db.update(jobs).set({ status: outcome.ok ? 'done' : 'failed', finishedAt: now, summary: outcome.summary }).where(where).run().changes === 1;
}

export function listJobs(db: Db, limit = 50): Job[] {
  return db.select().from(jobs).orderBy(desc(jobs.runAt), desc(jobs.id)).limit(limit).all();
}

import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimDueJob, ensureJob, finishJob, JOB_LEASE_MS, listJobs, renewJobClaim, requeueInterrupted } from './index.js';
import { claimAbandoned } from './node.js';
import { Scheduler, type JobRunner } from './scheduler.js';
import { openTwoNodes, type TwoNodes } from './test-fixtures.js';

const silent = pino({ level: 'silent' });
let nodes: TwoNodes;

beforeEach(() => {
  nodes = openTwoNodes();
});
afterEach(() => nodes.close());

/** A runner that waits until released, counting its runs. */
function heldRunner() {
  let release: () => void = () => undefined;
  const state = { runs: 0, started: Promise.resolve() };
  let started: () => void = () => undefined;
  state.started = new Promise<void>((resolve) => (started = resolve));
  const runner: JobRunner = async () => {
    state.runs += 1;
    started();
    await new Promise<void>((resolve) => (release = resolve));
    return { done: true };
  };
  return { runner, state, release: () => release() };
}

describe('jobs shared by two nodes', () => {
  it('runs a due job on one node only when both schedulers tick at once', async () => {
    ensureJob(nodes.a.db, { key: 'billing-run:2026-11-24', kind: 'billing-run', runAt: Date.now() - 1000 });
    const held = heldRunner();
    const first = new Scheduler({ db: nodes.a.db, logger: silent, runners: { 'billing-run': held.runner }, plan: () => [], node: 'node-a:1' });
    const second = new Scheduler({ db: nodes.b.db, logger: silent, runners: { 'billing-run': held.runner }, plan: () => [], node: 'node-b:1' });

    const ticking = first.tick();
    await held.state.started;
    await second.tick();
    expect(held.state.runs).toBe(1);
    expect(listJobs(nodes.b.db)[0]).toMatchObject({ status: 'running', summary: expect.stringContaining('"runningOn":"node-a:1"') });

    held.release();
    await ticking;
    await second.tick();
    expect(held.state.runs).toBe(1);
    expect(listJobs(nodes.b.db)[0]).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('leaves a live peer’s running job alone and takes it over once its claim runs out', () => {
    const now = Date.now();
    ensureJob(nodes.a.db, { key: 'billing-run:2026-11-24', kind: 'billing-run', runAt: now - 1000 });
    const held = claimDueJob(nodes.a.db, now, 'node-a:1')!;
    expect(claimDueJob(nodes.b.db, now, 'node-b:1')).toBeUndefined();
    expect(requeueInterrupted(nodes.b.db, now + JOB_LEASE_MS - 1, 'node-b:1')).toBe(0);

    // Node A renews while it runs; then it goes silent past the lease.
    const renewed = renewJobClaim(nodes.a.db, held, now + 10_000)!;
    expect(requeueInterrupted(nodes.b.db, now + JOB_LEASE_MS + 1, 'node-b:1')).toBe(0);
    expect(requeueInterrupted(nodes.b.db, now + 10_000 + JOB_LEASE_MS + 1, 'node-b:1')).toBe(1);
    const taken = claimDueJob(nodes.b.db, now + 10_000 + JOB_LEASE_MS + 2, 'node-b:1');
    expect(taken?.attempts).toBe(2);

    // Node A wakes up: it can neither renew nor finish the run node B now owns.
    expect(renewJobClaim(nodes.a.db, { id: held.id, summary: renewed }, now + 20_000)).toBeUndefined();
    expect(finishJob(nodes.a.db, held.id, { ok: true, summary: '{}' }, now + 20_000, renewed)).toBe(false);
    expect(finishJob(nodes.b.db, taken!.id, { ok: true, summary: '{}' }, now + 20_000, taken!.summary)).toBe(true);
  });

  it('starts no job on node B while node A runs another one', () => {
    const now = Date.now();
    ensureJob(nodes.a.db, { key: 'billing-run:2026-11-24', kind: 'billing-run', runAt: now - 2000 });
    ensureJob(nodes.a.db, { key: 'billing-run:manual-1', kind: 'billing-run', runAt: now - 1000 });
    const first = claimDueJob(nodes.a.db, now, 'node-a:1')!;
    expect(claimDueJob(nodes.b.db, now, 'node-b:1')).toBeUndefined();
    finishJob(nodes.a.db, first.id, { ok: true, summary: '{}' }, now, first.summary);
    expect(claimDueJob(nodes.b.db, now, 'node-b:1')?.key).toBe('billing-run:manual-1');
  });

  it('takes back at once a job a dead process on this host was running (restart after kill -9)', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const now = Date.now();
    ensureJob(nodes.a.db, { key: 'backup:2026-11-24', kind: 'backup', runAt: now - 1000 });
    claimDueJob(nodes.a.db, now, `${hostname()}:${dead}`);
    expect(claimAbandoned(`${hostname()}:${dead}`)).toBe(true);
    expect(claimAbandoned(`${hostname()}:${process.ppid}`)).toBe(false);
    expect(claimAbandoned(`another-host:${dead}`)).toBe(false);
    expect(requeueInterrupted(nodes.b.db, now)).toBe(1);
  });
});

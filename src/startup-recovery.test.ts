import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addNas } from './aaa/nas.js';
import { createSessionWriter } from './aaa/sessions.js';
import { createSecretBox } from './crypto/secret-box.js';
import { openDatabase, type Connection } from './db/connection.js';
import { ensureJob, claimDueJob } from './jobs/index.js';
import { markRunning, markStopped, previousRun } from './settings/run-marker.js';
import { recoverAtStart } from './startup-recovery.js';

const T0 = Date.UTC(2025, 0, 15, 8, 0, 0);

describe('start-up recovery report', () => {
  let dir: string;
  let conn: Connection;
  let lines: string[];
  const logger = () =>
    pino(
      { base: null },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(String((JSON.parse(chunk.toString()) as { msg: string }).msg));
          done();
        },
      }),
    );

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lango-recovery-'));
    conn = openDatabase(path.join(dir, 'lango.db'));
    lines = [];
  });
  afterEach(() => {
    conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the run marker until the clean stop removes it', () => {
    expect(previousRun(conn.db)).toBeUndefined();
    markRunning(conn.db, 4242, T0);
    expect(previousRun(conn.db)).toEqual({ pid: 4242, startedAt: T0 });
    markStopped(conn.db);
    expect(previousRun(conn.db)).toBeUndefined();
  });

  it('after a clean stop says so in one line', () => {
    const report = recoverAtStart({ connection: conn, logger: logger(), walBytes: 0, now: T0, interimSeconds: 300, staleGraceSeconds: 60 });
    expect(report.clean).toBe(true);
    expect(lines).toEqual(['previous stop was clean']);
  });

  it('after an unclean stop re-queues the running job and counts open and stale sessions', () => {
    const box = createSecretBox(Buffer.alloc(32, 1));
    const nasId = addNas(conn.db, box, { name: 'tower-a', ip: '10.0.0.1', secret: 'testing123' }).id;
    const writer = createSessionWriter(conn);
    const record = (acctSessionId: string, eventTime: number) =>
      writer.record({ nasId, acctSessionId, username: 'bob', eventTime, sessionTime: 0, inputOctets: 0, outputOctets: 0, inputPackets: 0, outputPackets: 0, framedIp: null, callingStationId: null, calledStationId: null, nasPortId: null, stop: null, gigawords: false }, null);
    record('old', T0 - 3_600_000);
    record('recent', T0 - 60_000);
    writer.flushDailyUsage();
    ensureJob(conn.db, { key: 'billing-run:2025-01-15', kind: 'billing-run', runAt: T0 - 1000 });
    expect(claimDueJob(conn.db, T0)?.status).toBe('running');
    markRunning(conn.db, 4242, T0 - 7_200_000);

    const report = recoverAtStart({ connection: conn, logger: logger(), walBytes: 8192, now: T0, interimSeconds: 300, staleGraceSeconds: 60 });
    expect(report).toMatchObject({ clean: false, jobsRequeued: 1, sessions: { open: 2, stale: 1 }, payments: { waiting: 0, toQuery: 0 } });
    expect(lines[0]).toMatch(/^previous stop was not clean/);
    expect(lines).toContain('scheduled jobs: 1 that were running marked to run again (billing steps are idempotent)');
    expect(lines.some((l) => l.startsWith('database: found a write-ahead log of 8.0 KiB at open'))).toBe(true);
    expect(lines.some((l) => l.startsWith('sessions: 2 still open; 1 silent past the stale limit'))).toBe(true);
    expect(claimDueJob(conn.db, T0)?.key).toBe('billing-run:2025-01-15');
  });
});

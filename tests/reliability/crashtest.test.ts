import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSessionWriter, type AccountingRecord } from '../../src/aaa/sessions.js';
import { adjustWallet, recordPayment } from '../../src/billing/index.js';
import { openDatabase } from '../../src/db/connection.js';
import { INPUT_PER_STAGE, OUTPUT_PER_STAGE, receiptOf, SECONDS_PER_STAGE, sessionIdOf, type PaymentOutcome, type SessionOutcome } from '../../scripts/crash-driver.js';
import { checkAcknowledged, checkSettled, provision } from '../../scripts/crashtest.js';
import { repoRoot } from '../../scripts/daemon-process.js';

// Issue 11, the short form of `npm run crashtest`: three kill -9s of the real daemon while a
// separate process drives accounting and M-Pesa paybill callbacks at full speed, each followed
// by a restart on the same database and the check. Few sessions open at a time and one
// Interim-Update each (its Stop already past 2^32 octets, so Gigawords), so Stops are
// acknowledged within the first second of a round even on a busy machine; the kill moment is
// drawn from a seed the table prints.

interface Summary {
  rounds: number;
  midTrafficKills: number;
  acctAcked: number;
  stopsAcked: number;
  paymentsAcked: number;
  lost: number;
  stale: number;
  double: number;
  wrong: number;
  failedRounds: number[];
}

function crashtest(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'scripts', 'crashtest.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('kill -9 under accounting and payment load', () => {
  it('loses no acknowledged record, keeps no stale counter and credits no payment twice, three kills in a row', async () => {
    const run = await crashtest(['--rounds', '3', '--sessions', '5000', '--active', '16', '--interims', '1', '--customers', '100', '--payments', '300', '--kill-from', '800', '--kill-within', '2000']);
    process.stderr.write(run.stderr);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Summary;
    expect(summary).toMatchObject({ rounds: 3, lost: 0, stale: 0, double: 0, wrong: 0, failedRounds: [] });
    // The kills came while requests were in flight, and every kind of record was acknowledged before one.
    expect(summary.midTrafficKills).toBe(3);
    expect(summary.acctAcked).toBeGreaterThan(0);
    expect(summary.stopsAcked).toBeGreaterThan(0);
    expect(summary.paymentsAcked).toBeGreaterThan(0);
  }, 90_000);
});

// The check itself, on a database written without a daemon and then damaged the two ways a
// crash could hurt most: it must count them, or the runs above prove nothing.
describe('the crash check', () => {
  it('counts an acknowledged session gone as lost, a payment credited again under another receipt as double, and wallet money gone as wrong', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lango-crashcheck-'));
    const dbPath = path.join(dir, 'lango.db');
    try {
      provision(dbPath, path.join(dir, 'secret.key'), 2);
      const conn = openDatabase(dbPath);
      try {
        const idOf = (username: string) => (conn.sqlite.prepare('SELECT id FROM customers WHERE username = ?').get(username) as { id: number }).id;
        const nasId = (conn.sqlite.prepare('SELECT id FROM nas').get() as { id: number }).id;
        const writer = createSessionWriter(conn);
        const store = (i: number, stage: number, stop: boolean) => {
          const record: AccountingRecord = {
            nasId, acctSessionId: sessionIdOf(1, i), username: 'crash00001', eventTime: Date.now(), sessionTime: stage * SECONDS_PER_STAGE,
            inputOctets: stage * INPUT_PER_STAGE, outputOctets: stage * OUTPUT_PER_STAGE, inputPackets: 0, outputPackets: 0,
            framedIp: null, callingStationId: null, calledStationId: null, nasPortId: null, stop: stop ? { cause: 'User-Request' } : null, gigawords: true,
          };
          writer.record(record, { customerId: idOf('crash00001'), periodStart: 0 });
        };
        // One Interim-Update per session: session 1 went through to its Stop, session 2 only started.
        for (const stage of [0, 1, 2]) store(0, stage, stage === 2);
        store(1, 0, false);
        writer.flushDailyUsage();
        const sessions: SessionOutcome[] = [{ acked: 2, sent: 2 }, { acked: 0, sent: 0 }];
        const payments: PaymentOutcome[] = [
          { receipt: receiptOf(1, 0), account: 'crash00001', amountMinor: 1000, deliveries: 2, acked: true },
          { receipt: receiptOf(1, 1), account: 'crash00002', amountMinor: 2500, deliveries: 1, acked: false },
        ];
        const pay = (username: string, reference: string, amountMinor: number) =>
          recordPayment(conn.db, { customerId: idOf(username), method: 'mpesa', reference, amountMinor, currency: 'KES', receivedAt: Date.now(), actor: 'system', zone: 'Africa/Nairobi' });
        for (const p of payments) pay(p.account, p.receipt, p.amountMinor);
        const sent = new Map([['crash00001', 1000], ['crash00002', 2500]]);
        const clean = { lost: 0, stale: 0, double: 0, wrong: 0, problems: [] };

        expect(checkAcknowledged(dbPath, 1, 1, { sessions, payments })).toMatchObject(clean);
        const settled = checkSettled(dbPath, 1, 1, sessions, payments, sent);
        expect(settled, settled.details.join('; ')).toMatchObject(clean);

        // The same money again under a receipt nobody sent: no unique index stops that.
        pay('crash00001', 'CTNEVERSENT1', 1000);
        expect(checkSettled(dbPath, 1, 1, sessions, payments, sent)).toMatchObject({ ...clean, double: 1 });
        // Money taken from a wallet whose payments are all right (a renewal charged twice would look so).
        adjustWallet(conn.db, { customerId: idOf('crash00002'), amountMinor: -500, currency: 'KES', reason: 'doctored', actor: 'crashtest', at: Date.now() });
        expect(checkSettled(dbPath, 1, 1, sessions, payments, sent)).toMatchObject({ ...clean, double: 1, wrong: 1 });

        // A row the daemon acknowledged, gone after the restart.
        conn.sqlite.prepare('DELETE FROM sessions WHERE acct_session_id = ?').run(sessionIdOf(1, 1));
        expect(checkAcknowledged(dbPath, 1, 1, { sessions, payments })).toMatchObject({ ...clean, lost: 1 });
      } finally {
        conn.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

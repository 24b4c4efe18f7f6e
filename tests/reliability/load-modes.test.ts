import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, provisionRadiusBench } from '../../scripts/bench.js';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { forkGenerator, type IntervalStats } from '../../scripts/radius-load.js';

// Issue 11: the short form of the load generator's modes that `npm run bench` (compare) and
// `npm run soak` rest on, against the real daemon with the bench's database (a NAS requiring
// Message-Authenticator; 1,000 customers rather than 10,000, to keep the setup short). The generator is the compiled one, forked as the bench
// and the soak fork it, so the interval reports really cross the IPC channel. Counts only: this
// machine's speed under a parallel test run says nothing.

const CUSTOMERS = 1000;
let daemon: Daemon;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lango-load-modes-'));
  provisionRadiusBench(join(dir, 'lango.db'), join(dir, 'secret.key'), CUSTOMERS);
  daemon = await startDaemon({ dir });
}, 60_000);

afterAll(async () => {
  expect(await daemon?.stop('SIGTERM')).toBe(0);
});

describe('the load generator', () => {
  it('logs users in with CHAP and Message-Authenticator, and every one is accepted', async () => {
    const result = await forkGenerator({ mode: 'auth', auth: 'chap', port: daemon.authPort, secret: SECRET, users: CUSTOMERS, seconds: 1, warmupSeconds: 0, maxRate: 20_000, window: 16, timeoutMs: 5000 });
    expect(result.auth).toBe('chap');
    expect(result.answered).toBeGreaterThan(0);
    expect(result.accepted).toBe(result.answered);
    expect(result.rejects).toBe(0);
    expect(result.bad).toBe(0);
    expect(result.timeouts).toBe(0);
    // Message-Authenticator on the replies was checked, not merely present.
    expect(result.ma_checked).toBeGreaterThan(0);
  });

  it('holds a paced rate of logins for longer than its ring of packets lasts, and reports each interval as it goes', async () => {
    const intervals: IntervalStats[] = [];
    // A ring of 512 packets at 600/s comes round four times: re-signed packets must still be accepted.
    const result = await forkGenerator(
      { mode: 'auth', rate: 600, intervalSeconds: 1, ringPackets: 512, sockets: 1, port: daemon.authPort, secret: SECRET, users: CUSTOMERS, seconds: 4, warmupSeconds: 0.5, window: 32, timeoutMs: 5000 },
      (stats) => intervals.push(stats),
    );
    expect(result.paced?.rate).toBe(600);
    // Four whole intervals, reported over IPC one by one, and the same ones in the result.
    expect(intervals.map((i) => i.index)).toEqual([1, 2, 3, 4]);
    expect(result.paced?.intervals).toEqual(intervals);
    expect(intervals.every((i) => i.mode === 'auth' && i.sent > 0 && i.answered > 0 && i.p99_ms >= i.p50_ms)).toBe(true);
    // Paced, not flat out: no more than the rate allows (plus one 0.1 s burst), and everything sent is answered.
    expect(result.sent).toBeLessThanOrEqual(600 * 4 + 60 + 32);
    expect(result.sent).toBeGreaterThan(512);
    expect(result.pool.packets).toBe(512);
    expect(result.answered).toBe(result.sent);
    expect(result.accepted).toBe(result.answered);
    expect(result.timeouts + result.bad + result.rejects).toBe(0);
  });

  it('sends paced Interim-Updates whose counters keep growing, each answered once', async () => {
    const intervals: IntervalStats[] = [];
    const sessions = 50;
    const result = await forkGenerator(
      // 1,200 Interim-Updates from a ring of 512: each lap re-signs them with the next round's counters.
      { mode: 'acct', sessions, rate: 400, intervalSeconds: 1, ringPackets: 512, sockets: 1, port: daemon.acctPort, secret: SECRET, users: CUSTOMERS, seconds: 3, warmupSeconds: 0, window: 16, timeoutMs: 5000 },
      (stats) => intervals.push(stats),
    );
    expect(result.starts).toMatchObject({ sent: sessions, responses: sessions, bad: 0, timeouts: 0 });
    expect(intervals).toHaveLength(3);
    expect(result.sent).toBeGreaterThan(512);
    expect(result.answered).toBe(result.sent);
    expect(result.responses).toBe(result.answered);
    expect(result.bad + result.timeouts).toBe(0);
    // Every Interim-Update was new to the daemon (a repeat would be answered from its duplicate cache).
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.httpPort}/metrics`)).text();
    const duplicates = metrics
      .split('\n')
      .filter((line) => line.startsWith('lango_radius_duplicates_total{'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    expect(duplicates).toBe(0);
  });
});

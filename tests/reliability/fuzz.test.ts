import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../scripts/fuzz.js';

// Issue 11, the short form of `npm run fuzz` (a million packets): 50,000 structure-aware fuzz
// packets against the real daemon while a router keeps logging in. Counts and states only —
// speed and memory figures belong to the full run, not to a test on a shared machine.

describe('the RADIUS fuzzer against the daemon', () => {
  it('keeps answering valid logins and counts every fuzz packet under the reason it was built for', { timeout: 120_000 }, async () => {
    const report = await runFuzz({ packets: 50_000, seed: 20261124, http: false, maxGrowthMb: Number.MAX_SAFE_INTEGER, maxRssGrowthMb: Number.MAX_SAFE_INTEGER });

    // Every valid login got a verified Access-Accept, and the daemon lived to a clean stop.
    expect(report.probes.sent).toBeGreaterThan(0);
    expect(report.probes).toMatchObject({ accepted: report.probes.sent, unanswered: 0, wrong: 0 });
    expect(report.exitCode).toBe(0);

    // Every datagram is accounted for: answered, a duplicate, or dropped for a reason.
    const drops = Object.values(report.daemon.drops).reduce((a, b) => a + b, 0);
    expect(report.daemon.answered + report.daemon.duplicates + drops + report.kernelDrops).toBe(report.sent);
    expect(report.daemon.drops.internal_error ?? 0).toBe(0);
    // Retransmitted copies hit the dedupe cache; a retried login may too.
    expect(report.daemon.duplicates).toBeGreaterThanOrEqual(report.expected.duplicate!);
    expect(report.daemon.duplicates).toBeLessThanOrEqual(report.expected.duplicate! + report.probes.retried);
    expect(report.daemon.drops.unknown_nas).toBe(report.expected.unknown_nas);

    // Per reason, the daemon's count is the predicted one plus at most the random packets.
    expect(report.problems).toEqual([]);

    // Unknown-NAS packets by the hundred, a warning a minute in the log.
    expect(report.expected.unknown_nas).toBeGreaterThan(100);
    expect(report.unknownNasWarnings).toBeGreaterThanOrEqual(1);
    expect(report.unknownNasWarnings).toBeLessThanOrEqual(Math.ceil(report.seconds / 60) + 1);
  });
});

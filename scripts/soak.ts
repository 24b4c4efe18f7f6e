import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CUSTOMERS, SECRET, SESSIONS, provisionRadiusBench, stopAndCheck } from './bench.js';
import { startDaemon, type Daemon } from './daemon-process.js';
import { fetchMetrics, parseMetrics, positive, round, rssMb, samplesOf } from './kit.js';
import { forkGenerator, type IntervalStats, type LoadJob, type LoadResult } from './radius-load.js';
import { runMain } from './run-main.js';

// `npm run soak` (issue 11): the bench's daemon and database under steady load for a long time,
// to show that memory, latency and the write-ahead log stay flat. Logins (PAP with
// Message-Authenticator) and accounting Interim-Updates run together from two paced generators,
// each at a quarter of its own measured peak, so the daemon, which serves both on one event loop,
// works at about half of what it can. Every minute: the rates achieved, latencies, timeouts, the
// daemon's RSS (/proc) and heap (/metrics), the WAL's size and the open sessions. At the end a
// verdict against criteria stated in the output; exit 1 when the run was not stable.
//
// The bench's plan allows one device per customer, so logins and accounting use separate halves
// of the 10,000 customers: a login by a customer with a session open would rightly be refused.

interface Options {
  minutes: number;
  /** Requests per second in all, half logins and half Interim-Updates; measured when omitted. */
  rate: number | undefined;
  peakSeconds: number;
  intervalSeconds: number;
  keep: boolean;
}

/** Share of the daemon's capacity the soak uses: each kind gets half of it, i.e. a quarter of its own peak. */
const LOAD_SHARE = 0.5;
/** The RSS floor may rise this much from minutes 5–9 to the last 5 before the run counts as leaking. */
const RSS_GROWTH_MB = 50;
/** The WAL may grow this much beyond the baseline minute (checkpoints must keep up). */
const WAL_GROWTH_MB = 64;
/** The late p99 may be this many times the early one… */
const P99_FACTOR = 2;
/** …or under this, whatever the factor: sub-millisecond noise on a shared machine is no trend. */
const P99_FLOOR_MS = 5;
/** Timeouts allowed, per request sent. */
const TIMEOUT_SHARE = 1e-4;
/** The rate achieved over the whole run, as a share of the target. */
const RATE_SHARE = 0.95;

function options(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      rate: { type: 'string' },
      'peak-seconds': { type: 'string' },
      'interval-seconds': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const rate = positive('rate', values.rate, true);
  if (rate !== undefined && rate < 2) throw new Error('--rate must be at least 2 (it is split between logins and accounting)');
  return {
    minutes: positive('minutes', values.minutes, false) ?? 30,
    rate,
    peakSeconds: positive('peak-seconds', values['peak-seconds'], false) ?? 10,
    intervalSeconds: positive('interval-seconds', values['interval-seconds'], false) ?? 60,
    keep: values.keep ?? false,
  };
}

interface Sample {
  minute: number;
  auth: IntervalStats;
  acct: IntervalStats;
  rssMb: number;
  heapUsedMb: number;
  walMb: number;
  openSessions: number;
}

async function gauges(httpPort: number): Promise<{ heapUsedMb: number; openSessions: number }> {
  const samples = parseMetrics(await fetchMetrics(httpPort));
  const value = (name: string): number => {
    const found = samplesOf(samples, name)[0];
    if (!found) throw new Error(`/metrics has no ${name}`);
    return found.value;
  };
  return { heapUsedMb: value('lango_process_nodejs_heap_size_used_bytes') / (1024 * 1024), openSessions: value('lango_sessions_open') };
}

function walMb(dbPath: string): number {
  try {
    return statSync(`${dbPath}-wal`).size / (1024 * 1024);
  } catch {
    return 0;
  }
}

const COLUMNS = ['min', 'auth/s', 'acct/s', 'auth p50', 'auth p99', 'acct p50', 'acct p99', 'max ms', 'timeouts', 'RSS MB', 'heap MB', 'WAL MB', 'sessions'];

function row(s: Sample): string {
  const cells = [
    String(s.minute),
    String(s.auth.rps),
    String(s.acct.rps),
    s.auth.p50_ms.toFixed(2),
    s.auth.p99_ms.toFixed(2),
    s.acct.p50_ms.toFixed(2),
    s.acct.p99_ms.toFixed(2),
    Math.max(s.auth.max_ms, s.acct.max_ms).toFixed(1),
    String(s.auth.timeouts + s.acct.timeouts),
    s.rssMb.toFixed(1),
    s.heapUsedMb.toFixed(1),
    s.walMb.toFixed(1),
    String(s.openSessions),
  ];
  return cells.map((cell, i) => cell.padStart(COLUMNS[i]!.length)).join('  ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Logins come from customers 1..LOGIN_USERS, accounting sessions from the rest. */
const LOGIN_USERS = CUSTOMERS / 2;
const ACCT = { users: CUSTOMERS - LOGIN_USERS, userOffset: LOGIN_USERS, sessions: Math.min(SESSIONS, CUSTOMERS - LOGIN_USERS) } as const;

async function measurePeak(daemon: Daemon, seconds: number): Promise<{ auth: LoadResult; acct: LoadResult }> {
  const base = { host: '127.0.0.1', secret: SECRET, seconds };
  process.stderr.write(`peak: ${seconds} s of logins flat out…\n`);
  const auth = await forkGenerator({ ...base, mode: 'auth', port: daemon.authPort, users: LOGIN_USERS });
  process.stderr.write(`peak: ${ACCT.sessions} Starts, then ${seconds} s of Interim-Updates flat out…\n`);
  const acct = await forkGenerator({ ...base, ...ACCT, mode: 'acct', port: daemon.acctPort });
  process.stderr.write(`peak: ${auth.rps} logins/s (p99 ${auth.p99_ms} ms), ${acct.rps} Interim-Updates/s (p99 ${acct.p99_ms} ms)\n`);
  return { auth, acct };
}

/** "5–9", or "2" for one minute. */
function span(part: Sample[]): string {
  const first = part[0]!.minute;
  const last = part[part.length - 1]!.minute;
  return first === last ? String(first) : `${first}–${last}`;
}

interface Verdict {
  criterion: string;
  ok: boolean;
  detail: string;
}

function verdicts(samples: Sample[], results: { auth: LoadResult; acct: LoadResult }, rates: { auth: number; acct: number }): Verdict[] {
  const n = samples.length;
  const out: Verdict[] = [];
  if (n === 0) return [{ criterion: 'at least one whole minute measured', ok: false, detail: 'none' }];
  // Minute 5 on a full run; on a short one, the middle of the run, so the start-up is behind it.
  const baseline = samples[Math.min(5, Math.max(1, Math.floor(n / 2))) - 1]!;
  const last = samples[n - 1]!;
  // Single RSS samples swing by tens of MB with the garbage collector, so compare floors: the
  // lowest of minutes 5–9 against the lowest of the last 5 (a short run: first half, second half).
  const rssEarly = n >= 14 ? samples.slice(4, 9) : samples.slice(0, Math.max(1, Math.floor(n / 2)));
  const rssLate = n >= 14 ? samples.slice(-5) : samples.slice(Math.floor(n / 2));
  const rssFloor = (part: Sample[]): number => Math.min(...part.map((s) => s.rssMb));
  out.push({
    criterion: `lowest RSS of minutes ${span(rssLate)} within +${RSS_GROWTH_MB} MB of the lowest of minutes ${span(rssEarly)}`,
    ok: rssFloor(rssLate) - rssFloor(rssEarly) <= RSS_GROWTH_MB,
    detail: `${rssFloor(rssEarly).toFixed(1)} → ${rssFloor(rssLate).toFixed(1)} MB`,
  });
  out.push({
    criterion: `WAL at the end within +${WAL_GROWTH_MB} MB of minute ${baseline.minute}`,
    ok: last.walMb - baseline.walMb <= WAL_GROWTH_MB,
    detail: `${baseline.walMb.toFixed(1)} → ${last.walMb.toFixed(1)} MB`,
  });
  // Full run: minutes 2–6 against the last 5. Short run: the first half against the rest.
  const early = n >= 10 ? samples.slice(1, 6) : samples.slice(0, Math.ceil(n / 2));
  const late = n >= 10 ? samples.slice(-5) : samples.slice(Math.ceil(n / 2));
  if (late.length > 0) {
    for (const kind of ['auth', 'acct'] as const) {
      // Medians of the per-minute p99s, so one noisy minute on a shared machine does not decide.
      const before = median(early.map((s) => s[kind].p99_ms));
      const after = median(late.map((s) => s[kind].p99_ms));
      out.push({
        criterion: `${kind} p99 of minutes ${span(late)} within ${P99_FACTOR}× of minutes ${span(early)} (or under ${P99_FLOOR_MS} ms)`,
        ok: after <= Math.max(P99_FACTOR * before, P99_FLOOR_MS),
        detail: `median per-minute p99 ${before.toFixed(2)} → ${after.toFixed(2)} ms`,
      });
    }
  }
  for (const kind of ['auth', 'acct'] as const) {
    const r = results[kind];
    const allowed = Math.floor(r.sent * TIMEOUT_SHARE);
    out.push({ criterion: `${kind}: at most ${allowed} timeouts (1 in ${1 / TIMEOUT_SHARE} sent), no bad replies, no rejects`, ok: r.timeouts <= allowed && r.bad === 0 && r.rejects === 0, detail: `${r.timeouts} timeouts, ${r.bad} bad, ${r.rejects} rejects of ${r.sent}` });
    out.push({
      criterion: `${kind}: at least ${Math.round(RATE_SHARE * 100)} % of the target ${rates[kind]}/s achieved`,
      ok: r.rps >= RATE_SHARE * rates[kind],
      detail: `${r.rps}/s`,
    });
  }
  return out;
}

async function main(): Promise<number> {
  const opts = options();
  const problems: string[] = [];
  const dir = mkdtempSync(join(os.tmpdir(), 'lango-soak-'));
  const dbPath = join(dir, 'lango.db');
  const keyFile = join(dir, 'secret.key');
  try {
    const started = Date.now();
    provisionRadiusBench(dbPath, keyFile);
    process.stderr.write(`provisioned ${CUSTOMERS} customers in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const daemon = await startDaemon({ dir, env: { LANGO_DB: dbPath, LANGO_KEY_FILE: keyFile, LANGO_LOG_LEVEL: 'info' } });
    let summary: unknown;
    let stable = false;
    try {
      let rates: { auth: number; acct: number };
      let peak: { auth: LoadResult; acct: LoadResult } | undefined;
      if (opts.rate !== undefined) {
        rates = { auth: Math.floor(opts.rate / 2), acct: opts.rate - Math.floor(opts.rate / 2) };
      } else {
        peak = await measurePeak(daemon, opts.peakSeconds);
        // Each kind alone could take the whole event loop; half the capacity is a quarter of each.
        rates = { auth: Math.max(1, Math.round((peak.auth.rps * LOAD_SHARE) / 2)), acct: Math.max(1, Math.round((peak.acct.rps * LOAD_SHARE) / 2)) };
      }
      const seconds = opts.minutes * 60;
      process.stderr.write(
        `soak: ${opts.minutes} min of ${rates.auth} logins/s (PAP + Message-Authenticator) and ${rates.acct} Interim-Updates/s together, reported every ${opts.intervalSeconds} s\n\n${COLUMNS.join('  ')}\n`,
      );

      const samples: Sample[] = [];
      const pending = new Map<number, Partial<Pick<Sample, 'auth' | 'acct'>>>();
      const sampling: Array<Promise<void>> = [];
      const onInterval = (stats: IntervalStats): void => {
        const entry = pending.get(stats.index) ?? {};
        entry[stats.mode] = stats;
        pending.set(stats.index, entry);
        if (!entry.auth || !entry.acct) return;
        pending.delete(stats.index);
        const { auth, acct } = entry;
        sampling.push(
          gauges(daemon.httpPort).then(
            (g) => {
              const sample: Sample = { minute: stats.index, auth, acct, rssMb: rssMb(daemon.pid), walMb: walMb(dbPath), ...g };
              samples.push(sample);
              process.stderr.write(`${row(sample)}\n`);
            },
            (err: unknown) => {
              problems.push(`could not sample the daemon after interval ${stats.index}: ${err instanceof Error ? err.message : String(err)}`);
            },
          ),
        );
      };
      const base = { host: '127.0.0.1', secret: SECRET, seconds, intervalSeconds: opts.intervalSeconds } satisfies Partial<LoadJob>;
      const [auth, acct] = await Promise.all([
        forkGenerator({ ...base, mode: 'auth', port: daemon.authPort, rate: rates.auth, users: LOGIN_USERS }, onInterval),
        forkGenerator({ ...base, ...ACCT, mode: 'acct', port: daemon.acctPort, rate: rates.acct }, onInterval),
      ]);
      await Promise.all(sampling);
      samples.sort((a, b) => a.minute - b.minute);
      const checks = verdicts(samples, { auth, acct }, rates);
      process.stderr.write('\n');
      for (const check of checks) process.stderr.write(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.criterion}: ${check.detail}\n`);
      stable = checks.every((c) => c.ok);
      summary = {
        minutes: opts.minutes,
        intervalSeconds: opts.intervalSeconds,
        rates,
        peak: peak && { auth: peak.auth.rps, acct: peak.acct.rps },
        machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
        totals: {
          auth: { sent: auth.sent, answered: auth.answered, timeouts: auth.timeouts, late: auth.late, rps: auth.rps, p50_ms: auth.p50_ms, p99_ms: auth.p99_ms, max_ms: auth.max_ms },
          acct: { sent: acct.sent, answered: acct.answered, timeouts: acct.timeouts, late: acct.late, rps: acct.rps, p50_ms: acct.p50_ms, p99_ms: acct.p99_ms, max_ms: acct.max_ms },
        },
        samples: samples.map((s) => ({ minute: s.minute, authRps: s.auth.rps, acctRps: s.acct.rps, authP99: s.auth.p99_ms, acctP99: s.acct.p99_ms, rssMb: round(s.rssMb, 1), heapUsedMb: round(s.heapUsedMb, 1), walMb: round(s.walMb, 1), openSessions: s.openSessions })),
        verdict: { stable, checks },
      };
    } finally {
      await stopAndCheck(daemon, problems);
    }
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    for (const problem of problems) process.stderr.write(`FAIL: ${problem}\n`);
    process.stderr.write(`${stable && problems.length === 0 ? 'stable' : 'NOT stable'}; ${os.availableParallelism()} CPUs, generators and daemon share the machine\n`);
    return stable && problems.length === 0 ? 0 : 1;
  } finally {
    if (opts.keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

runMain(import.meta.url, main);

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addNas } from '../src/aaa/nas.js';
import { createSessionWriter } from '../src/aaa/sessions.js';
import { addCustomer, addPlan, manualBillingJob, trialBalance } from '../src/billing/index.js';
import { createSecretBox, loadOrCreateKey } from '../src/crypto/secret-box.js';
import { openDatabase } from '../src/db/connection.js';
import { ensureJob, listJobs } from '../src/jobs/index.js';
import { benchUsageReports, type UsageBenchFigures } from '../src/reports/bench-usage.js';
import { benchMoneyReports } from '../src/reports/bench-money.js';
import { BENCH_ZONE, provisionBillingBench } from './billing-provision.js';
import { createBenchDatabase, redact, roundTripsPerPacket, startWireCounter, tracePackets, type LoadedRoundTrips, type PacketTrace, type PostgresSettings } from './bench-postgres.js';
import { startDaemon, type Daemon } from './daemon-process.js';
import { DEFAULT_THREADS, ensureFreeRadiusInstalled, startFreeRadius, type FreeRadiusBackend } from './freeradius.js';
import { daemonErrorLines, fetchMetrics, parseMetrics, positive, round, samplesOf } from './kit.js';
import { forkGenerator, type LoadJob, type LoadResult } from './radius-load.js';
import { runMain } from './run-main.js';

// `npm run bench`: provisions a throwaway database, runs the real daemon as its own process
// and measures it from a forked load generator. Prints one JSON object on stdout (for CI and
// the README) and a short table on stderr (for people). The default mode, compare, measures
// FreeRADIUS 3.2 (files and sql backends, scripts/freeradius.ts) with the same generator,
// users and load, one server at a time. `--db postgres://user:password@host/db` runs the auth
// and accounting phases on SQLite, then the same on a fresh database on that PostgreSQL server,
// and counts the round trips a packet costs there (scripts/bench-postgres.ts).

export const SECRET = 'bench-secret-123';
export const CUSTOMERS = 10_000;
export const SESSIONS = 5_000;

const MODES = ['compare', 'auth', 'acct', 'radius', 'policy', 'both', 'billing', 'all', 'reports'] as const;
type Mode = (typeof MODES)[number];

interface Options {
  seconds: number;
  mode: Mode;
  keep: boolean;
  /** Generator settings; undefined leaves radius-load's defaults. */
  load: Pick<LoadJob, 'window' | 'sockets' | 'maxRate'>;
  /** Billing mode: subscriptions due in the one run. */
  subscriptions: number;
  /** Billing mode: drive logins while billing runs (off with --no-load, for quicker checks). */
  billingLoad: boolean;
  /** Compare mode: Lango alone. */
  skipFreeRadius: boolean;
  /** A PostgreSQL server (postgres://user:password@host:port/db): the auth and accounting phases run on it too, after SQLite. */
  db?: string;
}

/**
 * Which phases a mode runs; `policy` has always run the auth and accounting phases as well.
 * `radius`: auth and accounting alone (--db's default, as only they run on both backends).
 */
function phases(mode: Mode): { auth: boolean; acct: boolean; policy: boolean; billing: boolean } {
  const alone = mode === 'billing' || mode === 'reports' || mode === 'compare';
  return {
    auth: mode !== 'acct' && !alone,
    acct: mode !== 'auth' && !alone,
    policy: mode === 'policy' || mode === 'both' || mode === 'all',
    // Not in `both`: provisioning and billing 100,000 subscriptions takes most of a minute.
    billing: mode === 'billing' || mode === 'all',
  };
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      mode: { type: 'string' },
      keep: { type: 'boolean', default: false },
      window: { type: 'string' },
      sockets: { type: 'string' },
      'max-rate': { type: 'string' },
      subscriptions: { type: 'string' },
      'no-load': { type: 'boolean', default: false },
      'skip-freeradius': { type: 'boolean', default: false },
      db: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds ?? process.env.BENCH_SECONDS ?? 10);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, got ${String(values.seconds ?? process.env.BENCH_SECONDS)}`);
  // --db compares the two backends on the auth and accounting phases, so it implies them.
  const mode = (values.mode ?? (values.db ? 'radius' : 'compare')) as Mode;
  if (!MODES.includes(mode)) throw new Error(`--mode must be one of ${MODES.join(', ')}, got ${mode}`);
  const load: Options['load'] = {};
  const window = positive('window', values.window);
  const sockets = positive('sockets', values.sockets);
  const maxRate = positive('max-rate', values['max-rate']);
  if (window !== undefined) load.window = window;
  if (sockets !== undefined) load.sockets = sockets;
  if (maxRate !== undefined) load.maxRate = maxRate;
  const subscriptions = positive('subscriptions', values.subscriptions) ?? 100_000;
  if (values['skip-freeradius'] && mode !== 'compare') throw new Error('--skip-freeradius only applies to --mode compare');
  if (values.db !== undefined && !['auth', 'acct', 'radius', 'both', 'policy', 'all'].includes(mode)) throw new Error(`--db runs the auth and accounting phases; --mode ${mode} has none`);
  return { seconds, mode, keep: values.keep ?? false, load, subscriptions, billingLoad: !values['no-load'], skipFreeRadius: values['skip-freeradius'] ?? false, db: values.db };
}

const OPEN_SESSIONS = 20_000;

/**
 * Issue 3's load: the same 10,000 users on a plan with a data allowance and FUP tiers, each
 * 15 GB into the period (so the reply carries the first tier's speed) with one session open
 * on a two-device plan, plus 10,000 other customers online: 20,000 open sessions in all.
 * Written through the daemon's own session writer, before the daemon starts.
 */
function provisionPolicy(dbPath: string, keyFile: string): void {
  const connection = openDatabase(dbPath);
  try {
    connection.sqlite.pragma('synchronous = OFF');
    const box = createSecretBox(loadOrCreateKey(keyFile));
    const nasId = addNas(connection.db, box, { name: 'bench', ip: '127.0.0.1', secret: SECRET, requireMessageAuthenticator: 'yes' }).id;
    addPlan(connection.db, {
      name: 'Bench FUP', priceMinor: 250000, currency: 'KES', durationSeconds: 30 * 86400, rateLimit: '4M/8M', dataBytes: 100e9,
      fupTiers: [{ afterBytes: 10e9, rateLimit: '2M/4M' }, { afterBytes: 50e9, rateLimit: '1M/2M' }],
      sharedUsers: 2, idleTimeoutSeconds: 300, interimIntervalSeconds: 300,
    });
    const writer = createSessionWriter(connection);
    const now = Date.now();
    connection.sqlite.transaction(() => {
      for (let n = 1; n <= CUSTOMERS; n++) {
        for (const prefix of ['user', 'other']) {
          const id = String(n).padStart(5, '0');
          const customer = addCustomer(connection.db, box, { username: `${prefix}${id}`, password: `pw-${id}`, planName: 'Bench FUP' });
          writer.record(
            { nasId, acctSessionId: `${prefix}-${id}`, username: `${prefix}${id}`, eventTime: now, sessionTime: 600, inputOctets: 1e9, outputOctets: 14e9,
              inputPackets: 0, outputPackets: 0, framedIp: null, callingStationId: null, calledStationId: null, nasPortId: null, stop: null, gigawords: true },
            { customerId: customer.id, periodStart: customer.activatedAt! },
          );
        }
      }
    })();
  } finally {
    connection.close();
  }
}

const PROVISION_BATCH = 500;

/**
 * The load bench's database (a SQLite file or a postgres:// URL): 10,000 customers (unless told) user00001.. (password pw-00001..) on one plan,
 * and the NAS 127.0.0.1 with SECRET, requiring Message-Authenticator. Passwords are sealed (not
 * hashed), so CHAP verifies as well as PAP.
 */
export function provisionRadiusBench(dbPath: string, keyFile: string, customers = CUSTOMERS): void {
  const connection = openDatabase(dbPath);
  try {
    // Provisioning data is thrown away if the machine dies, so it need not pay an fsync per
    // customer; the daemon opens its own connection with synchronous=FULL again.
    connection.sqlite.pragma('synchronous = OFF');
    const box = createSecretBox(loadOrCreateKey(keyFile));
    addNas(connection.db, box, { name: 'bench', ip: '127.0.0.1', secret: SECRET, requireMessageAuthenticator: 'yes' });
    addPlan(connection.db, { name: 'Bench', priceMinor: 2000, currency: 'KES', durationSeconds: 86400, rateLimit: '2M/4M' });
    // Batches of customers per transaction (addCustomer's own nests as a savepoint): on
    // PostgreSQL each commit is a round trip and a WAL flush, which one per customer would pay.
    const batch = connection.sqlite.transaction((from: number, to: number) => {
      for (let n = from; n <= to; n++) {
        const id = String(n).padStart(5, '0');
        addCustomer(connection.db, box, { username: `user${id}`, password: `pw-${id}`, planName: 'Bench' });
      }
    });
    for (let from = 1; from <= customers; from += PROVISION_BATCH) batch(from, Math.min(customers, from + PROVISION_BATCH - 1));
  } finally {
    connection.close();
  }
}

const runGenerator = (job: LoadJob): Promise<LoadResult> => forkGenerator(job);

/**
 * The daemon's own view after a load run: drops explain timeouts (printed), and any
 * duplicate-cache hit would mean the generator reused an Id+authenticator, so replies came from
 * the cache, not from work (a problem). `who` prefixes both.
 */
async function checkRadiusCounters(httpPort: number, problems: string[], who = ''): Promise<void> {
  const samples = parseMetrics(await fetchMetrics(httpPort));
  for (const drop of samplesOf(samples, 'lango_radius_drops_total')) process.stderr.write(`${who}daemon dropped: ${drop.labels.reason ?? '?'}: ${drop.value}\n`);
  const duplicates = samplesOf(samples, 'lango_radius_duplicates_total').reduce((sum, s) => sum + s.value, 0);
  if (duplicates > 0) problems.push(`${who}the daemon answered ${duplicates} request(s) from its duplicate cache`);
}

function table(results: Array<[string, LoadResult]>): string {
  const header = ['', 'rps', 'p50 ms', 'p99 ms', 'max ms', 'sent', 'ok', 'rejects', 'bad', 'timeouts', 'gen us/req', 'gen cpu'];
  const rows = results.map(([name, r]) => [
    name,
    String(r.rps),
    r.p50_ms.toFixed(2),
    r.p99_ms.toFixed(2),
    r.max_ms.toFixed(2),
    String(r.sent),
    String(r.accepted ?? r.responses ?? 0),
    String(r.rejects),
    String(r.bad),
    String(r.timeouts),
    r.generator_us_per_request.toFixed(1),
    `${r.generator_cpu_pct}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

/** Stops the daemon with SIGTERM; a non-zero exit and error-level log lines go to `problems`. */
export async function stopAndCheck(daemon: Daemon, problems: string[], who = 'the daemon'): Promise<void> {
  const code = await daemon.stop('SIGTERM');
  if (code !== 0) problems.push(`${who} exited with code ${String(code)} after SIGTERM`);
  checkDaemonLog(daemon, problems);
}

/** Error-level lines (and anything that is not a pino line) from a stopped daemon go to `problems`. */
function checkDaemonLog(daemon: Daemon, problems: string[]): void {
  const errors = daemonErrorLines(daemon.logs());
  if (errors.length > 0) problems.push(`the daemon logged ${errors.length} error line(s), first: ${errors[0]!.slice(0, 500)}`);
  if (problems.length > 0 || process.env.BENCH_DAEMON_LOG) process.stderr.write(`daemon log (last 40 lines):\n${daemon.logs().slice(-40).join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// Issue 4: one billing run over N subscriptions that are all due, in the real daemon, while
// logins keep arriving. The daemon's scheduler runs the job, as for `lango billing run --in-daemon`,
// so the figure includes everything the operator waits for.

/** Measured logins before the run starts, so the window shows the change billing makes. */
const LEAD_MS = 2_500;
/** The daemon's scheduler tick (src/jobs/scheduler.ts: every 5 s on the wall clock). */
const SCHEDULER_TICK_MS = 5_000;
const JOB_TIMEOUT_MS = 120_000;
/**
 * Sizes the first load window (the generator cannot be stopped early, and load after the run
 * would dilute the figures): what a subscription took under load on the 2-core machine (billing takes half the time while routers talk), with a
 * margin. A run that outlasts it gets further short windows, so it is never left unloaded.
 */
const EXPECTED_US_PER_SUBSCRIPTION_UNDER_LOAD = 300;
const EXTRA_WINDOW_SECONDS = 3;

interface BillingFigures {
  subscriptions: number;
  postpaid: number;
  prepaid: number;
  provisionSeconds: number;
  /** The job's finished_at − started_at in the daemon: the run as the operator waits for it. */
  runSeconds: number;
  usPerSubscription: number;
  /** From the queued job to the scheduler picking it up. */
  waitedForTickSeconds: number;
  renewed: number;
  invoiced: number;
  expired: number;
  failed: number;
  chunks: number;
  /** The longest transaction: the longest the daemon's event loop, and so RADIUS, waited for billing. */
  longestChunkMs: number;
  /** Per currency, from the same database after the run: every total must be 0. */
  trialBalance: ReturnType<typeof trialBalance>;
  booksBalanced: boolean;
  load?: {
    /** Plain logins against the same daemon and database, just before the run. */
    before: LoadResult;
    /** The measured generator window(s) the run fell in; more than one when it outlasted the first. */
    during: LoadResult[];
    /** Measured load before the run started (the scheduler's tick decides the exact moment). */
    leadSeconds: number;
    /** The run's share of the measured windows: the rest is plain login load before and after it. */
    runShareOfWindows: number;
    /** Access-Requests answered per second over exactly the run, from the daemon's own counter. */
    accessRpsDuringRun: number;
    /** accessRpsDuringRun ÷ before.rps. */
    rpsRatio: number;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Access-Requests the daemon has answered so far, whatever the result. */
async function accessAnswered(httpPort: number): Promise<number> {
  return samplesOf(parseMetrics(await fetchMetrics(httpPort)), 'lango_radius_requests_total', { type: 'access' }).reduce((sum, s) => sum + s.value, 0);
}

/**
 * When the daemon first answers more than `counted` Access-Requests: the generator has built its
 * packet pool and started sending. Undefined if `generator` settles (fails) first.
 */
async function loadStarted(httpPort: number, counted: number, generator: Promise<unknown>): Promise<number | undefined> {
  let settled = false;
  generator.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    if ((await accessAnswered(httpPort)) > counted) return Date.now();
    await sleep(50);
  }
  return undefined;
}

/** A counter's value at `at`, by linear interpolation between (time, value) samples in time order. */
function valueAt(samples: Array<[number, number]>, at: number): number {
  const after = samples.findIndex(([t]) => t >= at);
  if (after <= 0) return samples[after === 0 ? 0 : samples.length - 1]![1];
  const [t0, v0] = samples[after - 1]!;
  const [t1, v1] = samples[after]!;
  return t1 === t0 ? v1 : v0 + ((v1 - v0) * (at - t0)) / (t1 - t0);
}

async function benchBilling(opts: Options, problems: string[]): Promise<BillingFigures | undefined> {
  const dir = mkdtempSync(join(os.tmpdir(), 'lango-bench-billing-'));
  const dbPath = join(dir, 'lango.db');
  const keyFile = join(dir, 'secret.key');
  try {
    process.stderr.write(`billing: provisioning ${opts.subscriptions} subscriptions, all due in one run…\n`);
    const provisioned = provisionBillingBench({ dbPath, keyFile, secret: SECRET, subscriptions: opts.subscriptions });
    process.stderr.write(
      `provisioned ${provisioned.subscriptions} customers (${provisioned.postpaid} postpaid, ${provisioned.prepaid} prepaid with one renewal in the wallet) in ${provisioned.seconds.toFixed(1)} s\n`,
    );
    const daemon = await startDaemon({ dir, env: { LANGO_DB: dbPath, LANGO_KEY_FILE: keyFile, LANGO_LOG_LEVEL: 'info', LANGO_TIMEZONE: BENCH_ZONE } });
    // The bench's own connection queues the job and reads the outcome, as the CLI would.
    const connection = openDatabase(dbPath);
    try {
      let figures: BillingFigures | undefined;
      try {
        figures = await measureBillingRun(daemon, connection, provisioned, opts, problems);
      } finally {
        await stopAndCheck(daemon, problems, 'the billing daemon');
      }
      if (figures) {
        figures.trialBalance = trialBalance(connection.db);
        figures.booksBalanced = figures.trialBalance.length > 0 && figures.trialBalance.every((row) => row.total === 0 && row.unbalanced === 0);
        if (!figures.booksBalanced) problems.push(`billing: the books do not balance after the run: ${JSON.stringify(figures.trialBalance)}`);
      }
      return figures;
    } finally {
      connection.close();
    }
  } finally {
    if (opts.keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function measureBillingRun(
  daemon: Daemon,
  connection: ReturnType<typeof openDatabase>,
  provisioned: ReturnType<typeof provisionBillingBench>,
  opts: Options,
  problems: string[],
): Promise<BillingFigures | undefined> {
  const n = provisioned.subscriptions;
  const users = Math.min(CUSTOMERS, provisioned.postpaid);
  // A smaller packet pool than radius-load's default (sized for 100k/s) unless asked: this
  // daemon answers about 30k/s on 2 cores, and building the pool for a 25 s window at 100k/s
  // takes the generator several seconds.
  const maxRate = opts.load.maxRate ?? 50_000;
  const loadJob = (seconds: number, warmupSeconds: number): LoadJob => ({
    host: '127.0.0.1', secret: SECRET, users, ...opts.load, maxRate, mode: 'auth', port: daemon.authPort, seconds, warmupSeconds,
  });

  let before: LoadResult | undefined;
  let readyMs = 0;
  if (opts.billingLoad) {
    process.stderr.write(`auth on the ${n}-customer database before billing: ${opts.seconds} s (+1 s warm-up)…\n`);
    const forked = Date.now();
    const counted = await accessAnswered(daemon.httpPort);
    const generator = runGenerator(loadJob(opts.seconds, 1));
    readyMs = ((await loadStarted(daemon.httpPort, counted, generator)) ?? Date.now()) - forked;
    before = await generator;
  }

  const windows: LoadResult[] = [];
  const samples: Array<[number, number]> = [];
  let finished = false;
  let loading: Promise<void> = Promise.resolve();
  let measuredFrom = 0;
  const expectedRunMs = (n * EXPECTED_US_PER_SUBSCRIPTION_UNDER_LOAD) / 1000;
  const firstWindowSeconds = Math.ceil((LEAD_MS + expectedRunMs) / 1000) + 1;
  if (opts.billingLoad) {
    // The job starts at the scheduler's next tick after it is queued. Forking the generator so
    // that its measured window opens LEAD_MS before a tick keeps the lead short and known; how
    // long the generator takes to build its packets is predicted from the window just run.
    const predictedReadyMs = (readyMs * (firstWindowSeconds + 1)) / (opts.seconds + 1);
    const tick = Math.ceil((Date.now() + predictedReadyMs + 1000 + LEAD_MS) / SCHEDULER_TICK_MS) * SCHEDULER_TICK_MS;
    await sleep(tick - LEAD_MS - 1000 - predictedReadyMs - Date.now());
    process.stderr.write(`auth during the billing run: ${firstWindowSeconds} s (+1 s warm-up), more in ${EXTRA_WINDOW_SECONDS} s windows while the run lasts…\n`);
    const counted = await accessAnswered(daemon.httpPort);
    loading = (async () => {
      windows.push(await runGenerator(loadJob(firstWindowSeconds, 1)));
      while (!finished) windows.push(await runGenerator(loadJob(EXTRA_WINDOW_SECONDS, 0)));
    })();
    measuredFrom = ((await loadStarted(daemon.httpPort, counted, loading)) ?? Date.now()) + 1000;
    await sleep(tick - 500 - Date.now());
  } else {
    process.stderr.write('billing run without login load…\n');
  }

  const queued = manualBillingJob(Date.now());
  ensureJob(connection.db, queued);
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  let job = listJobs(connection.db, 20).find((j) => j.key === queued.key);
  let nextSample = 0;
  try {
    while (job?.status !== 'done' && job?.status !== 'failed' && Date.now() < deadline) {
      // Twice a second is enough to interpolate a counter that grows steadily; a /metrics
      // scrape costs the daemon a millisecond or two of its event loop each time.
      if (opts.billingLoad && Date.now() >= nextSample) {
        samples.push([Date.now(), await accessAnswered(daemon.httpPort)]);
        nextSample = Date.now() + 500;
      }
      await sleep(100);
      job = listJobs(connection.db, 20).find((j) => j.key === queued.key);
    }
    if (opts.billingLoad) samples.push([Date.now(), await accessAnswered(daemon.httpPort)]);
  } finally {
    finished = true;
    await loading;
  }
  if (opts.billingLoad) {
    await checkRadiusCounters(daemon.httpPort, problems, 'billing: ');
  }

  if (job?.status !== 'done') {
    problems.push(job?.status === 'failed' ? `billing: the job failed: ${job.summary ?? ''}` : `billing: the job did not finish within ${JOB_TIMEOUT_MS / 1000} s (status ${job?.status ?? 'missing'})`);
    return undefined;
  }
  const summary = JSON.parse(job.summary ?? '{}') as Record<string, number | undefined>;
  const count = (key: string) => summary[key] ?? 0;
  const startedAt = job.startedAt!;
  const finishedAt = job.finishedAt!;
  const runSeconds = (finishedAt - startedAt) / 1000;
  if (count('renewed') + count('invoiced') !== n || count('renewed') !== provisioned.prepaid || count('invoiced') !== provisioned.postpaid) {
    problems.push(`billing: expected ${provisioned.prepaid} renewed and ${provisioned.postpaid} invoiced, the run reports ${count('renewed')} and ${count('invoiced')}`);
  }
  if (count('failed') > 0 || count('expired') > 0) problems.push(`billing: ${count('failed')} subscription(s) failed and ${count('expired')} expired; none should`);
  const stillDue = connection.sqlite.prepare("SELECT count(*) AS n FROM subscriptions WHERE status = 'active' AND period_end <= ?").get(startedAt) as { n: number };
  if (stillDue.n > 0) problems.push(`billing: ${stillDue.n} subscription(s) are still due after the run`);

  const figures: BillingFigures = {
    subscriptions: n,
    postpaid: provisioned.postpaid,
    prepaid: provisioned.prepaid,
    provisionSeconds: round(provisioned.seconds, 2),
    runSeconds,
    usPerSubscription: Math.round((runSeconds * 1e6) / n),
    waitedForTickSeconds: (startedAt - queued.runAt) / 1000,
    renewed: count('renewed'),
    invoiced: count('invoiced'),
    expired: count('expired'),
    failed: count('failed'),
    chunks: count('chunks'),
    longestChunkMs: round(count('longestChunkMs'), 1),
    trialBalance: [],
    booksBalanced: false,
  };
  if (before) {
    const measuredMs = windows.reduce((sum, w) => sum + w.measured_seconds * 1000, 0);
    const accessRpsDuringRun = Math.round((valueAt(samples, finishedAt) - valueAt(samples, startedAt)) / runSeconds);
    figures.load = {
      before,
      during: windows,
      leadSeconds: round((startedAt - measuredFrom) / 1000, 1),
      runShareOfWindows: round(Math.min(1, (finishedAt - startedAt) / measuredMs), 2),
      accessRpsDuringRun,
      rpsRatio: round(accessRpsDuringRun / before.rps, 2),
    };
  }
  return figures;
}

function describeBilling(b: BillingFigures): string {
  const lines = [
    `billing run over ${b.subscriptions} subscriptions: ${b.runSeconds.toFixed(2)} s (issue 4 asks < 10 s); longest transaction ${b.longestChunkMs.toFixed(1)} ms (asks ≤ 50 ms)`,
    `  ${b.renewed} prepaid renewed from the wallet, ${b.invoiced} postpaid invoiced, ${b.failed} failed; ${b.chunks} transactions, ${b.usPerSubscription} µs per subscription; books ${b.booksBalanced ? 'balance' : 'DO NOT balance'}`,
  ];
  if (b.load) {
    const during = b.load.during;
    const p99 = Math.max(...during.map((r) => r.p99_ms));
    const max = Math.max(...during.map((r) => r.max_ms));
    const timeouts = during.reduce((sum, r) => sum + r.timeouts, 0);
    lines.push(
      `  logins during the run: ${b.load.accessRpsDuringRun}/s by the daemon's count, ${Math.round(b.load.rpsRatio * 100)} % of the ${b.load.before.rps}/s just before it; ` +
        `p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms, ${timeouts} timeouts (before: p99 ${b.load.before.p99_ms.toFixed(1)} ms, max ${b.load.before.max_ms.toFixed(1)} ms) ` +
        `over window(s) the run filled ${Math.round(b.load.runShareOfWindows * 100)} % of, starting ${b.load.leadSeconds} s in`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `--mode reports`: the usage reports over 100,000 customers and 10 M sessions rows in a
 * throwaway file (src/reports/bench-usage.ts); issue 9 asks for a 12-month report in < 2 s.
 */
function benchReports(keep: boolean, problems: string[]): UsageBenchFigures & { money: ReturnType<typeof benchMoneyReports> } {
  const dir = mkdtempSync(join(os.tmpdir(), 'lango-bench-reports-'));
  const connection = openDatabase(join(dir, 'lango.db'));
  const moneyConnection = openDatabase(join(dir, 'money.db'));
  const report = (name: string, [first, second]: [number, number]) => {
    process.stderr.write(`${name.padEnd(22)} ${String(first).padStart(6)} ms (again: ${second} ms)\n`);
    if (first > 2000) problems.push(`reports: ${name} took ${first} ms (issue 9 asks for < 2 s)`);
  };
  try {
    process.stderr.write('reports: filling 100,000 customers and 10 M sessions rows, then folding…\n');
    const figures = benchUsageReports(connection);
    process.stderr.write(`filled in ${figures.fillSeconds} s, folded ${figures.fold.rows} customer-months in ${figures.fold.seconds} s (${figures.fold.steps} steps, the longest ${figures.fold.longestStepMs} ms)\n`);
    for (const [name, times] of Object.entries(figures.reports)) report(name, times);
    process.stderr.write('reports: filling 100,000 customers, 1.2 M payments and 1.2 M invoices…\n');
    const money = benchMoneyReports(moneyConnection);
    process.stderr.write(`filled in ${money.fillSeconds} s\n`);
    for (const [name, times] of Object.entries(money.reports)) report(name, times);
    return { ...figures, money };
  } finally {
    connection.close();
    moneyConnection.close();
    if (keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Issue 11: Lango beside FreeRADIUS 3.2 with the files and the sql (sqlite) backend. Each server
// gets the same users, secret, Message-Authenticator requirement and generator settings, and runs
// alone: it is started, measured on every scenario, and stopped before the next one starts.

const SCENARIOS: ReadonlyArray<{ name: string; job: Pick<LoadJob, 'mode' | 'auth' | 'sessions'> }> = [
  { name: 'auth PAP + Message-Authenticator', job: { mode: 'auth', auth: 'pap' } },
  { name: 'auth CHAP + Message-Authenticator', job: { mode: 'auth', auth: 'chap' } },
  { name: `accounting Interim-Update (${SESSIONS} sessions)`, job: { mode: 'acct', sessions: SESSIONS } },
];

const SERVERS = ['Lango', 'FreeRADIUS files', 'FreeRADIUS sql'] as const;
type Server = (typeof SERVERS)[number];

const LANGO_ACCOUNTING =
  'Lango: each Accounting-Request is written in a transaction on a WAL database with synchronous=FULL, and the Accounting-Response goes out after the fsync.';

interface CompareFigures {
  scenarios: Array<{ name: string; results: Partial<Record<Server, LoadResult>>; ratios: Partial<Record<Server, number>> }>;
  freeradius?: { version: string; threads: number; accounting: Record<FreeRadiusBackend, string> };
  lango: { accounting: string };
  /** What the table does not show, such as Accounting-Starts a peer never answered. */
  notes: string[];
}

async function benchCompare(opts: Options, problems: string[]): Promise<CompareFigures> {
  const figures: CompareFigures = { scenarios: SCENARIOS.map(({ name }) => ({ name, results: {}, ratios: {} })), lango: { accounting: LANGO_ACCOUNTING }, notes: [] };
  const base = { host: '127.0.0.1', secret: SECRET, seconds: opts.seconds, users: CUSTOMERS, ...opts.load };
  const measure = async (server: Server, ports: { auth: number; acct: number }, extra: Partial<LoadJob>): Promise<void> => {
    for (const [i, scenario] of SCENARIOS.entries()) {
      const acct = scenario.job.mode === 'acct';
      process.stderr.write(`${server}: ${scenario.name}, ${opts.seconds} s (+1 s warm-up)${acct ? ` after ${SESSIONS} Starts` : ''}…\n`);
      const result = await runGenerator({ ...base, ...extra, ...scenario.job, port: acct ? ports.acct : ports.auth });
      figures.scenarios[i]!.results[server] = result;
    }
  };

  const dir = mkdtempSync(join(os.tmpdir(), 'lango-bench-compare-'));
  try {
    const dbPath = join(dir, 'lango.db');
    const keyFile = join(dir, 'secret.key');
    const provisionStarted = Date.now();
    provisionRadiusBench(dbPath, keyFile);
    process.stderr.write(`provisioned ${CUSTOMERS} customers in ${((Date.now() - provisionStarted) / 1000).toFixed(1)} s\n`);
    const daemon = await startDaemon({ dir, env: { LANGO_DB: dbPath, LANGO_KEY_FILE: keyFile, LANGO_LOG_LEVEL: 'info' } });
    try {
      await measure('Lango', { auth: daemon.authPort, acct: daemon.acctPort }, {});
      await checkRadiusCounters(daemon.httpPort, problems);
    } finally {
      await stopAndCheck(daemon, problems);
    }

    if (!opts.skipFreeRadius) {
      ensureFreeRadiusInstalled();
      const users = Array.from({ length: CUSTOMERS }, (_, i) => {
        const id = String(i + 1).padStart(5, '0');
        return { username: `user${id}`, password: `pw-${id}` };
      });
      const accounting = {} as Record<FreeRadiusBackend, string>;
      for (const backend of ['files', 'sql'] as const) {
        const server: Server = backend === 'files' ? 'FreeRADIUS files' : 'FreeRADIUS sql';
        const peer = await startFreeRadius({ backend, users, secret: SECRET, requireMessageAuthenticator: true, threads: DEFAULT_THREADS, dir: join(dir, `freeradius-${backend}`) });
        try {
          figures.freeradius = { version: peer.version, threads: DEFAULT_THREADS, accounting };
          accounting[backend] = peer.accountingNote;
          // FreeRADIUS before 3.2.5 may answer without Message-Authenticator; one that comes first is still checked.
          await measure(server, { auth: peer.authPort, acct: peer.acctPort }, { strictReplyMa: false });
        } finally {
          await peer.stop();
        }
      }
    }
  } finally {
    if (opts.keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
  for (const scenario of figures.scenarios) {
    const lango = scenario.results.Lango;
    for (const server of SERVERS) {
      const r = scenario.results[server];
      if (!r) continue;
      if (lango && server !== 'Lango' && r.rps > 0) scenario.ratios[server] = round(lango.rps / r.rps, 2);
      const name = `${server}, ${scenario.name}`;
      if (r.bad > 0) problems.push(`${name}: ${r.bad} bad replies`);
      if (r.rejects > 0) problems.push(`${name}: ${r.rejects} Access-Rejects for valid credentials`);
      if (r.answered === 0) problems.push(`${name}: no replies at all`);
      if (r.starts && (r.starts.bad > 0 || r.starts.responses < r.starts.sent)) {
        const message = `${name}: Start phase answered ${r.starts.responses}/${r.starts.sent} (${r.starts.bad} bad, ${r.starts.timeouts} timeouts)`;
        // A peer that loses packets under load is a figure of the comparison, not a failure of Lango.
        if (server === 'Lango' || r.starts.bad > 0) problems.push(message);
        else figures.notes.push(message);
      }
    }
  }
  return figures;
}

function compareTable(figures: CompareFigures): string {
  const header = ['scenario', 'server', 'rps', 'p50 ms', 'p99 ms', 'timeouts', 'rejects', 'bad', 'Lango ÷ this'];
  const rows: string[][] = [];
  for (const scenario of figures.scenarios) {
    for (const server of SERVERS) {
      const r = scenario.results[server];
      if (!r) continue;
      const ratio = scenario.ratios[server];
      rows.push([
        server === 'Lango' ? scenario.name : '',
        server,
        String(r.rps),
        r.p50_ms.toFixed(2),
        r.p99_ms.toFixed(2),
        String(r.timeouts),
        String(r.rejects),
        String(r.bad),
        ratio === undefined ? '' : `${ratio.toFixed(2)}×`,
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const lines = [header, ...rows].map((row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  const notes = [`- ${figures.lango.accounting}`];
  if (figures.freeradius) {
    notes.unshift(`- FreeRADIUS ${figures.freeradius.version} (Debian package), a fixed pool of ${figures.freeradius.threads} worker threads, require_message_authenticator = yes, reject_delay 0.`);
    for (const note of Object.values(figures.freeradius.accounting)) notes.push(`- ${note}`);
  } else {
    notes.unshift('- FreeRADIUS skipped (--skip-freeradius).');
  }
  notes.push('- Same generator, users, secret, window and sockets for every server; one server running at a time. CHAP uses the Request Authenticator as the challenge.');
  notes.push('- timeouts: requests with no reply within the generator\'s timeout of 1 s; the rps counts answered requests only.');
  for (const note of figures.notes) notes.push(`- ${note}`);
  return `${lines.join('\n')}\n${notes.join('\n')}\n`;
}

/** Runs `body` with a fresh temporary folder, removed after unless `keep`. */
async function onTempDir<T>(prefix: string, keep: boolean, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  try {
    return await body(dir);
  } finally {
    if (keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const SETTLE_TIMEOUT_MS = 180_000;
/** A /metrics answer slower than this means the event loop is still busy with startup work. */
const BUSY_MS = 200;

/**
 * Waits for what a daemon does once at start (the day's billing run, the first housekeeping
 * pass) to end, so the phases measure packets, not startup: no job due or running, and the
 * event loop answering /metrics promptly twice in a row. Returns the seconds waited.
 */
async function settle(daemon: Daemon, target: string): Promise<number> {
  const started = Date.now();
  const connection = openDatabase(target);
  try {
    for (let quiet = 0; quiet < 2 && Date.now() - started < SETTLE_TIMEOUT_MS; ) {
      await sleep(500);
      const asked = performance.now();
      await fetchMetrics(daemon.httpPort);
      const slow = performance.now() - asked > BUSY_MS;
      const now = Date.now();
      const working = listJobs(connection.db, 20).some((j) => j.status === 'running' || (j.status === 'pending' && j.runAt <= now));
      quiet = slow || working ? 0 : quiet + 1;
    }
  } finally {
    connection.close();
  }
  return round((Date.now() - started) / 1000, 1);
}

interface RadiusFigures {
  provisionSeconds: number;
  /** From "listening" until startup work was done and the first phase began. */
  settleSeconds: number;
  auth?: LoadResult;
  accounting?: LoadResult;
}

/**
 * Provisions `target` (a SQLite file, or a postgres:// URL), starts the daemon on it and runs the
 * auth and accounting phases the mode asks for. `who` prefixes what is printed.
 */
async function radiusPhases(target: string, dir: string, opts: Options, problems: string[], who = ''): Promise<RadiusFigures> {
  const run = phases(opts.mode);
  const keyFile = join(dir, 'secret.key');
  const provisionStarted = Date.now();
  provisionRadiusBench(target, keyFile);
  const figures: RadiusFigures = { provisionSeconds: round((Date.now() - provisionStarted) / 1000, 1), settleSeconds: 0 };
  process.stderr.write(`${who}provisioned ${CUSTOMERS} customers in ${figures.provisionSeconds.toFixed(1)} s\n`);

  // info, not warn: the daemon announces its ports at info, and logs nothing per packet there.
  const daemon = await startDaemon({ dir, env: { LANGO_DB: target, LANGO_KEY_FILE: keyFile, LANGO_LOG_LEVEL: 'info' } });
  try {
    figures.settleSeconds = await settle(daemon, target);
    process.stderr.write(`${who}startup work done ${figures.settleSeconds.toFixed(1)} s after listening\n`);
    const base = { host: '127.0.0.1', secret: SECRET, seconds: opts.seconds, users: CUSTOMERS, ...opts.load };
    if (run.auth) {
      process.stderr.write(`${who}auth: ${opts.seconds} s (+1 s warm-up)…\n`);
      figures.auth = await runGenerator({ ...base, mode: 'auth', port: daemon.authPort });
    }
    if (run.acct) {
      process.stderr.write(`${who}accounting: ${SESSIONS} Starts, then ${opts.seconds} s of Interim-Updates (+1 s warm-up)…\n`);
      figures.accounting = await runGenerator({ ...base, mode: 'acct', port: daemon.acctPort, sessions: SESSIONS });
    }
    await checkRadiusCounters(daemon.httpPort, problems, who);
  } finally {
    await stopAndCheck(daemon, problems, who ? `the daemon (${who.replace(/:\s*$/, '')})` : undefined);
  }
  return figures;
}

// ---------------------------------------------------------------------------------------------
// Issue 13: the same phases with the daemon on PostgreSQL (--db), then where its time goes: the
// round trips to the server one packet costs, counted on the wire (scripts/bench-postgres.ts).

/** Users the traced packets use: beyond the accounting phase's sessions (users 1..SESSIONS), so a one-device plan refuses none. */
const TRACE_FIRST_USER = 9_001;
const TRACE_PACKETS = 50;
const TRACE_LOAD_SECONDS = 3;

interface PostgresFigures extends RadiusFigures {
  /** The server as given, without its password. */
  server: string;
  database: string;
  settings: PostgresSettings;
  /** PostgreSQL rps ÷ SQLite rps, same load. */
  ratios: { auth?: number; accounting?: number };
  roundTrips?: {
    /** One packet at a time: every round trip between one send and the next is that packet's. */
    access: PacketTrace;
    accountingStart: PacketTrace;
    accountingInterim: PacketTrace;
    /** Closed-loop load through the counting proxy (its rps is not a figure): batches share transactions. */
    underLoad: { access: LoadedRoundTrips; accounting: LoadedRoundTrips };
  };
}

async function benchPostgres(serverUrl: string, opts: Options, problems: string[], sqlite: RadiusFigures): Promise<PostgresFigures> {
  const database = createBenchDatabase(serverUrl);
  const { settings } = database;
  process.stderr.write(
    `postgres: ${redact(serverUrl)}, PostgreSQL ${settings.version}, fsync=${settings.fsync}, synchronous_commit=${settings.synchronousCommit}; database ${database.name}\n`,
  );
  if (!settings.durable) process.stderr.write('postgres: note: this server does not make commits durable, so its accounting figures are better than a durable server would give\n');
  try {
    return await onTempDir('lango-bench-pg-', opts.keep, async (dir) => {
      const figures = await radiusPhases(database.url, dir, opts, problems, 'postgres: ');
      const ratio = (pg?: LoadResult, lite?: LoadResult) => (pg && lite && lite.rps > 0 ? round(pg.rps / lite.rps, 2) : undefined);
      const result: PostgresFigures = {
        server: redact(serverUrl),
        database: database.name,
        settings,
        ...figures,
        ratios: { auth: ratio(figures.auth, sqlite.auth), accounting: ratio(figures.accounting, sqlite.accounting) },
      };
      // The trace runs a second daemon through a counting proxy; its failure must not cost the
      // figures measured above.
      try {
        result.roundTrips = await traceRoundTrips(database.url, dir, opts, problems);
      } catch (err) {
        problems.push(`round-trip trace failed: ${(err as Error).message}`);
      }
      return result;
    });
  } finally {
    if (opts.keep) process.stderr.write(`kept database ${database.name}\n`);
    else database.drop();
  }
}

async function answeredOf(httpPort: number, type: 'access' | 'accounting'): Promise<number> {
  return samplesOf(parseMetrics(await fetchMetrics(httpPort)), 'lango_radius_requests_total', { type }).reduce((sum, s) => sum + s.value, 0);
}

async function traceRoundTrips(url: string, dir: string, opts: Options, problems: string[]): Promise<PostgresFigures['roundTrips']> {
  const counter = await startWireCounter(url);
  try {
    const daemon = await startDaemon({ dir, env: { LANGO_DB: counter.via(url), LANGO_KEY_FILE: join(dir, 'secret.key'), LANGO_LOG_LEVEL: 'info' } });
    try {
      await settle(daemon, url);
      process.stderr.write(`postgres: counting round trips on the wire: ${TRACE_PACKETS} packets of each kind one at a time, then ${TRACE_LOAD_SECONDS} s of each load…\n`);
      const lone = await tracePackets({ host: '127.0.0.1', authPort: daemon.authPort, acctPort: daemon.acctPort, secret: SECRET, counter, firstUser: TRACE_FIRST_USER, packets: TRACE_PACKETS });
      const loaded = async (type: 'access' | 'accounting', job: LoadJob) => {
        const before = counter.snapshot();
        const counted = await answeredOf(daemon.httpPort, type);
        await runGenerator(job);
        return roundTripsPerPacket(before, counter.snapshot(), (await answeredOf(daemon.httpPort, type)) - counted);
      };
      const base = { host: '127.0.0.1', secret: SECRET, seconds: TRACE_LOAD_SECONDS, users: CUSTOMERS, ...opts.load };
      const underLoad = {
        access: await loaded('access', { ...base, mode: 'auth', port: daemon.authPort }),
        accounting: await loaded('accounting', { ...base, mode: 'acct', port: daemon.acctPort, sessions: SESSIONS }),
      };
      await checkRadiusCounters(daemon.httpPort, problems, 'postgres trace: ');
      return { ...lone, underLoad };
    } finally {
      await stopAndCheck(daemon, problems, 'the daemon (postgres trace)');
    }
  } finally {
    await counter.close();
  }
}

function describePostgres(pg: PostgresFigures): string {
  const s = pg.settings;
  const lines = [
    `PostgreSQL ${s.version} at ${pg.server}: fsync=${s.fsync}, synchronous_commit=${s.synchronousCommit}${s.durable ? '' : ' (NOT durable: commits skip the disk)'}`,
    `  provisioned ${CUSTOMERS} customers in ${pg.provisionSeconds.toFixed(1)} s; the daemon's startup work took ${pg.settleSeconds.toFixed(1)} s`,
  ];
  if (pg.ratios.auth !== undefined) lines.push(`  auth on PostgreSQL: ${Math.round(pg.ratios.auth * 100)} % of SQLite's rps`);
  if (pg.ratios.accounting !== undefined) lines.push(`  accounting on PostgreSQL: ${Math.round(pg.ratios.accounting * 100)} % of SQLite's rps`);
  const rt = pg.roundTrips;
  if (rt) {
    for (const [name, trace] of [['Access-Request', rt.access], ['Accounting Start', rt.accountingStart], ['Accounting Interim', rt.accountingInterim]] as const) {
      lines.push(`  ${name}, one at a time: ${trace.roundTrips} round trips (${trace.minRoundTrips}–${trace.maxRoundTrips} over ${trace.packets}), p50 ${trace.p50Ms.toFixed(2)} ms`);
      for (const { sql, count } of trace.statements) lines.push(`    ${String(count).padStart(2)}× ${sql.length > 150 ? `${sql.slice(0, 150)}…` : sql}`);
    }
    for (const [name, loaded] of [['Access-Request', rt.underLoad.access], ['accounting packet (Starts, then Interims)', rt.underLoad.accounting]] as const) {
      lines.push(`  under load (${TRACE_LOAD_SECONDS} s closed loop, batches share transactions): ${loaded.perPacket} round trips per ${name}, ${loaded.packets} answered`);
      for (const { sql, perPacket } of loaded.statements) lines.push(`    ${perPacket.toFixed(2).padStart(6)}× ${sql.length > 140 ? `${sql.slice(0, 140)}…` : sql}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const opts = options();
  const { seconds, mode, keep, load } = opts;
  const run = phases(mode);
  const problems: string[] = [];
  const output: {
    machine: { cpus: number; cpuModel: string; node: string };
    auth?: LoadResult;
    accounting?: LoadResult;
    authWithPolicy?: LoadResult;
    /** authWithPolicy.rps / auth.rps; issue 3 asks for at least 0.8. */
    policyRatio?: number;
    billing?: BillingFigures;
    reports?: ReturnType<typeof benchReports>;
    compare?: CompareFigures;
    /** --db: the same auth and accounting phases with the daemon on PostgreSQL. */
    postgres?: PostgresFigures;
  } = {
    machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  if (run.auth || run.acct) {
    const sqlite = await onTempDir('lango-bench-', keep, (dir) => radiusPhases(join(dir, 'lango.db'), dir, opts, problems));
    output.auth = sqlite.auth;
    output.accounting = sqlite.accounting;
    if (opts.db) output.postgres = await benchPostgres(opts.db, opts, problems, sqlite);
  }

  if (run.policy) {
    const policyDir = mkdtempSync(join(os.tmpdir(), 'lango-bench-policy-'));
    try {
      const started = Date.now();
      provisionPolicy(join(policyDir, 'lango.db'), join(policyDir, 'secret.key'));
      process.stderr.write(`provisioned ${2 * CUSTOMERS} customers on an FUP plan with ${OPEN_SESSIONS} open sessions in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      const daemon = await startDaemon({ dir: policyDir, env: { LANGO_DB: join(policyDir, 'lango.db'), LANGO_KEY_FILE: join(policyDir, 'secret.key'), LANGO_LOG_LEVEL: 'info' } });
      try {
        process.stderr.write(`auth with plans, FUP tiers and ${OPEN_SESSIONS} open sessions: ${seconds} s (+1 s warm-up)…\n`);
        output.authWithPolicy = await runGenerator({ host: '127.0.0.1', secret: SECRET, seconds, users: CUSTOMERS, ...load, mode: 'auth', port: daemon.authPort });
      } finally {
        await stopAndCheck(daemon, problems, 'the policy daemon');
      }
      if (output.auth) output.policyRatio = Number((output.authWithPolicy.rps / output.auth.rps).toFixed(2));
    } finally {
      if (keep) process.stderr.write(`kept ${policyDir}\n`);
      else rmSync(policyDir, { recursive: true, force: true });
    }
  }

  if (mode === 'compare') output.compare = await benchCompare(opts, problems);
  if (run.billing) output.billing = await benchBilling(opts, problems);
  if (mode === 'reports') output.reports = benchReports(keep, problems);

  const checked: Array<readonly [string, LoadResult | undefined]> = [
    ['auth', output.auth],
    ['accounting', output.accounting],
    ['auth with policy', output.authWithPolicy],
    ['auth on PostgreSQL', output.postgres?.auth],
    ['accounting on PostgreSQL', output.postgres?.accounting],
  ];
  if (output.billing?.load) {
    checked.push(['auth before billing', output.billing.load.before]);
    output.billing.load.during.forEach((r, i) => checked.push([`auth during billing (window ${i + 1})`, r]));
  }
  for (const [name, r] of checked) {
    if (!r) continue;
    if (r.bad > 0) problems.push(`${name}: ${r.bad} bad replies`);
    if (r.rejects > 0) problems.push(`${name}: ${r.rejects} Access-Rejects for valid credentials`);
    if (r.answered === 0) problems.push(`${name}: no replies at all`);
    if (r.starts && (r.starts.bad > 0 || r.starts.responses < r.starts.sent)) {
      problems.push(`${name}: Start phase answered ${r.starts.responses}/${r.starts.sent} (${r.starts.bad} bad)`);
    }
  }

  process.stdout.write(`${JSON.stringify(output)}\n`);
  const rows: Array<[string, LoadResult]> = [];
  if (output.auth) rows.push(['auth', output.auth]);
  if (output.accounting) rows.push(['accounting', output.accounting]);
  if (output.postgres?.auth) rows.push(['auth, postgres', output.postgres.auth]);
  if (output.postgres?.accounting) rows.push(['accounting, postgres', output.postgres.accounting]);
  if (output.authWithPolicy) rows.push(['auth+policy', output.authWithPolicy]);
  if (output.billing?.load) {
    rows.push(['auth, billing db', output.billing.load.before]);
    output.billing.load.during.forEach((r, i) => rows.push([i === 0 ? 'auth+billing' : `auth+billing #${i + 1}`, r]));
  }
  if (rows.length > 0) process.stderr.write(`\n${table(rows)}\n`);
  if (output.compare) process.stderr.write(`\n${compareTable(output.compare)}`);
  process.stderr.write(`${output.machine.cpus} CPUs (${output.machine.cpuModel}), Node ${output.machine.node}; generator and daemon share the machine\n`);
  for (const [name, r] of [['auth', output.auth], ['accounting', output.accounting], ['auth before billing', output.billing?.load?.before], ['auth during billing', output.billing?.load?.during[0]]] as const) {
    // Not a failure: the rps is over the span the pool lasted, but that span is shorter than asked.
    if (r?.pool.exhausted) process.stderr.write(`note: ${name} used up its ${r.pool.packets} pre-built packets after ${r.measured_seconds} s of ${r.seconds}; raise --max-rate\n`);
  }
  if (output.policyRatio !== undefined) {
    process.stderr.write(`auth with plans, FUP tiers and ${OPEN_SESSIONS} open sessions runs at ${Math.round(output.policyRatio * 100)} % of plain auth (issue 3 asks for at least 80 %)\n`);
  }
  if (output.postgres) process.stderr.write(describePostgres(output.postgres));
  if (output.billing) process.stderr.write(describeBilling(output.billing));
  for (const problem of problems) process.stderr.write(`FAIL: ${problem}\n`);
  return problems.length === 0 ? 0 : 1;
}

// soak.ts imports this file for its provisioning; only `node dist/scripts/bench.js` runs the bench.
runMain(import.meta.url, main);

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { startDaemon, type Daemon } from './daemon-process.js';
import type { LoadJob, LoadMessage, LoadResult } from './radius-load.js';

// `npm run bench`: provisions a throwaway database, runs the real daemon as its own process
// and measures it from a forked load generator. Prints one JSON object on stdout (for CI and
// the README) and a short table on stderr (for people).

const SECRET = 'bench-secret-123';
const CUSTOMERS = 10_000;
const SESSIONS = 5_000;

const MODES = ['auth', 'acct', 'policy', 'both', 'billing', 'all', 'reports'] as const;
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
}

/** Which phases a mode runs; `policy` has always run the auth and accounting phases as well. */
function phases(mode: Mode): { auth: boolean; acct: boolean; policy: boolean; billing: boolean } {
  return {
    auth: mode !== 'acct' && mode !== 'billing' && mode !== 'reports',
    acct: mode !== 'auth' && mode !== 'billing' && mode !== 'reports',
    policy: mode === 'policy' || mode === 'both' || mode === 'all',
    // Not in `both`: provisioning and billing 100,000 subscriptions takes most of a minute.
    billing: mode === 'billing' || mode === 'all',
  };
}

function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
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
    },
  });
  const seconds = Number(values.seconds ?? process.env.BENCH_SECONDS ?? 10);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, got ${String(values.seconds ?? process.env.BENCH_SECONDS)}`);
  const mode = (values.mode ?? 'both') as Mode;
  if (!MODES.includes(mode)) throw new Error(`--mode must be one of ${MODES.join(', ')}, got ${mode}`);
  const load: Options['load'] = {};
  const window = positive('window', values.window);
  const sockets = positive('sockets', values.sockets);
  const maxRate = positive('max-rate', values['max-rate']);
  if (window !== undefined) load.window = window;
  if (sockets !== undefined) load.sockets = sockets;
  if (maxRate !== undefined) load.maxRate = maxRate;
  const subscriptions = positive('subscriptions', values.subscriptions) ?? 100_000;
  return { seconds, mode, keep: values.keep ?? false, load, subscriptions, billingLoad: !values['no-load'] };
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

function provision(dbPath: string, keyFile: string): void {
  const connection = openDatabase(dbPath);
  try {
    // Provisioning data is thrown away if the machine dies, so it need not pay an fsync per
    // customer; the daemon opens its own connection with synchronous=FULL again.
    connection.sqlite.pragma('synchronous = OFF');
    const box = createSecretBox(loadOrCreateKey(keyFile));
    addNas(connection.db, box, { name: 'bench', ip: '127.0.0.1', secret: SECRET, requireMessageAuthenticator: 'yes' });
    addPlan(connection.db, { name: 'Bench', priceMinor: 2000, currency: 'KES', durationSeconds: 86400, rateLimit: '2M/4M' });
    for (let n = 1; n <= CUSTOMERS; n++) {
      const id = String(n).padStart(5, '0');
      addCustomer(connection.db, box, { username: `user${id}`, password: `pw-${id}`, planName: 'Bench' });
    }
  } finally {
    connection.close();
  }
}

/** Runs one job in a forked generator, so it has a core's worth of event loop to itself. */
function runGenerator(job: LoadJob): Promise<LoadResult> {
  const script = fileURLToPath(new URL('./radius-load.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let message: LoadMessage | undefined;
    child.once('message', (m: LoadMessage) => {
      message = m;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (message?.ok) resolve(message.result);
      else if (message) reject(new Error(`load generator failed: ${message.error}`));
      else reject(new Error(`load generator exited (code ${String(code)}, signal ${String(signal)}) without a result`));
    });
    child.send(job);
  });
}

async function radiusCounters(httpPort: number): Promise<{ drops: string[]; duplicates: number }> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered HTTP ${response.status}`);
  const lines = (await response.text()).split('\n');
  const drops = lines.filter((line) => line.startsWith('lango_radius_drops_total{'));
  const duplicates = lines
    .filter((line) => line.startsWith('lango_radius_duplicates_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return { drops, duplicates };
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

/** Error-level lines (and anything that is not a pino line) from a stopped daemon go to `problems`. */
function checkDaemonLog(daemon: Daemon, problems: string[]): void {
  const errors = daemon.logs().filter((line) => {
    try {
      return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
    } catch {
      return true; // anything that is not a pino line (a stack trace, a warning from Node) deserves a look
    }
  });
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
  const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered HTTP ${response.status}`);
  return (await response.text())
    .split('\n')
    .filter((line) => line.startsWith('lango_radius_requests_total{') && line.includes('type="access"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
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
      let exitCode: number | null;
      try {
        figures = await measureBillingRun(daemon, connection, provisioned, opts, problems);
      } finally {
        exitCode = await daemon.stop('SIGTERM');
      }
      if (exitCode !== 0) problems.push(`the billing daemon exited with code ${String(exitCode)} after SIGTERM`);
      checkDaemonLog(daemon, problems);
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
    const counters = await radiusCounters(daemon.httpPort);
    for (const line of counters.drops) process.stderr.write(`billing daemon dropped: ${line}\n`);
    if (counters.duplicates > 0) problems.push(`billing: the daemon answered ${counters.duplicates} request(s) from its duplicate cache`);
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

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
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
  } = {
    machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  if (run.auth || run.acct) {
    const dir = mkdtempSync(join(os.tmpdir(), 'lango-bench-'));
    const dbPath = join(dir, 'lango.db');
    const keyFile = join(dir, 'secret.key');
    try {
      const provisionStarted = Date.now();
      provision(dbPath, keyFile);
      process.stderr.write(`provisioned ${CUSTOMERS} customers in ${((Date.now() - provisionStarted) / 1000).toFixed(1)} s\n`);

      // info, not warn: the daemon announces its ports at info, and logs nothing per packet there.
      const daemon = await startDaemon({ dir, env: { LANGO_DB: dbPath, LANGO_KEY_FILE: keyFile, LANGO_LOG_LEVEL: 'info' } });
      let exitCode: number | null = null;
      try {
        const base = { host: '127.0.0.1', secret: SECRET, seconds, users: CUSTOMERS, ...load };
        if (run.auth) {
          process.stderr.write(`auth: ${seconds} s (+1 s warm-up)…\n`);
          output.auth = await runGenerator({ ...base, mode: 'auth', port: daemon.authPort });
        }
        if (run.acct) {
          process.stderr.write(`accounting: ${SESSIONS} Starts, then ${seconds} s of Interim-Updates (+1 s warm-up)…\n`);
          output.accounting = await runGenerator({ ...base, mode: 'acct', port: daemon.acctPort, sessions: SESSIONS });
        }
        // The daemon's own view: drops explain timeouts, and any duplicate-cache hit would mean
        // the generator reused an Id+authenticator, so replies came from the cache, not from work.
        const counters = await radiusCounters(daemon.httpPort);
        for (const line of counters.drops) process.stderr.write(`daemon dropped: ${line}\n`);
        if (counters.duplicates > 0) problems.push(`the daemon answered ${counters.duplicates} request(s) from its duplicate cache`);
      } finally {
        exitCode = await daemon.stop('SIGTERM');
      }
      if (exitCode !== 0) problems.push(`the daemon exited with code ${String(exitCode)} after SIGTERM`);
      checkDaemonLog(daemon, problems);
    } finally {
      if (keep) process.stderr.write(`kept ${dir}\n`);
      else rmSync(dir, { recursive: true, force: true });
    }
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
        const code = await daemon.stop('SIGTERM');
        if (code !== 0) problems.push(`the policy daemon exited with code ${String(code)} after SIGTERM`);
      }
      if (output.auth) output.policyRatio = Number((output.authWithPolicy.rps / output.auth.rps).toFixed(2));
    } finally {
      if (keep) process.stderr.write(`kept ${policyDir}\n`);
      else rmSync(policyDir, { recursive: true, force: true });
    }
  }

  if (run.billing) output.billing = await benchBilling(opts, problems);
  if (mode === 'reports') output.reports = benchReports(keep, problems);

  const checked: Array<readonly [string, LoadResult | undefined]> = [['auth', output.auth], ['accounting', output.accounting], ['auth with policy', output.authWithPolicy]];
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
  if (output.authWithPolicy) rows.push(['auth+policy', output.authWithPolicy]);
  if (output.billing?.load) {
    rows.push(['auth, billing db', output.billing.load.before]);
    output.billing.load.during.forEach((r, i) => rows.push([i === 0 ? 'auth+billing' : `auth+billing #${i + 1}`, r]));
  }
  if (rows.length > 0) process.stderr.write(`\n${table(rows)}\n`);
  process.stderr.write(`${output.machine.cpus} CPUs (${output.machine.cpuModel}), Node ${output.machine.node}; generator and daemon share the machine\n`);
  for (const [name, r] of [['auth', output.auth], ['accounting', output.accounting], ['auth before billing', output.billing?.load?.before], ['auth during billing', output.billing?.load?.during[0]]] as const) {
    // Not a failure: the rps is over the span the pool lasted, but that span is shorter than asked.
    if (r?.pool.exhausted) process.stderr.write(`note: ${name} used up its ${r.pool.packets} pre-built packets after ${r.measured_seconds} s of ${r.seconds}; raise --max-rate\n`);
  }
  if (output.policyRatio !== undefined) {
    process.stderr.write(`auth with plans, FUP tiers and ${OPEN_SESSIONS} open sessions runs at ${Math.round(output.policyRatio * 100)} % of plain auth (issue 3 asks for at least 80 %)\n`);
  }
  if (output.billing) process.stderr.write(describeBilling(output.billing));
  for (const problem of problems) process.stderr.write(`FAIL: ${problem}\n`);
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

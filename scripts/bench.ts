import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { addNas } from '../src/aaa/nas.js';
import { createSessionWriter } from '../src/aaa/sessions.js';
import { addCustomer, addPlan } from '../src/billing/index.js';
import { createSecretBox, loadOrCreateKey } from '../src/crypto/secret-box.js';
import { openDatabase } from '../src/db/connection.js';
import { startDaemon } from './daemon-process.js';
import type { LoadJob, LoadMessage, LoadResult } from './radius-load.js';

// `npm run bench`: provisions a throwaway database, runs the real daemon as its own process
// and measures it from a forked load generator. Prints one JSON object on stdout (for CI and
// the README) and a short table on stderr (for people).

const SECRET = 'bench-secret-123';
const CUSTOMERS = 10_000;
const SESSIONS = 5_000;

type Mode = 'auth' | 'acct' | 'policy' | 'both';

interface Options {
  seconds: number;
  mode: Mode;
  keep: boolean;
  /** Generator settings; undefined leaves radius-load's defaults. */
  load: Pick<LoadJob, 'window' | 'sockets' | 'maxRate'>;
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
    },
  });
  const seconds = Number(values.seconds ?? process.env.BENCH_SECONDS ?? 10);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, got ${String(values.seconds ?? process.env.BENCH_SECONDS)}`);
  const mode = (values.mode ?? 'both') as Mode;
  if (!['auth', 'acct', 'policy', 'both'].includes(mode)) throw new Error(`--mode must be auth, acct, policy or both, got ${mode}`);
  const load: Options['load'] = {};
  const window = positive('window', values.window);
  const sockets = positive('sockets', values.sockets);
  const maxRate = positive('max-rate', values['max-rate']);
  if (window !== undefined) load.window = window;
  if (sockets !== undefined) load.sockets = sockets;
  if (maxRate !== undefined) load.maxRate = maxRate;
  return { seconds, mode, keep: values.keep ?? false, load };
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

async function main(): Promise<number> {
  const { seconds, mode, keep, load } = options();
  const dir = mkdtempSync(join(os.tmpdir(), 'lango-bench-'));
  const dbPath = join(dir, 'lango.db');
  const keyFile = join(dir, 'secret.key');
  const problems: string[] = [];
  const output: {
    machine: { cpus: number; cpuModel: string; node: string };
    auth?: LoadResult;
    accounting?: LoadResult;
    authWithPolicy?: LoadResult;
    /** authWithPolicy.rps / auth.rps; issue 3 asks for at least 0.8. */
    policyRatio?: number;
  } = {
    machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  try {
    const provisionStarted = Date.now();
    provision(dbPath, keyFile);
    process.stderr.write(`provisioned ${CUSTOMERS} customers in ${((Date.now() - provisionStarted) / 1000).toFixed(1)} s\n`);

    // info, not warn: the daemon announces its ports at info, and logs nothing per packet there.
    const daemon = await startDaemon({ dir, env: { LANGO_DB: dbPath, LANGO_KEY_FILE: keyFile, LANGO_LOG_LEVEL: 'info' } });
    let exitCode: number | null = null;
    try {
      const base = { host: '127.0.0.1', secret: SECRET, seconds, users: CUSTOMERS, ...load };
      if (mode !== 'acct') {
        process.stderr.write(`auth: ${seconds} s (+1 s warm-up)…\n`);
        output.auth = await runGenerator({ ...base, mode: 'auth', port: daemon.authPort });
      }
      if (mode !== 'auth') {
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
    const errors = daemon.logs().filter((line) => {
      try {
        return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
      } catch {
        return true; // anything that is not a pino line (a stack trace, a warning from Node) deserves a look
      }
    });
    if (errors.length > 0) problems.push(`the daemon logged ${errors.length} error line(s), first: ${errors[0]!.slice(0, 500)}`);
    if (problems.length > 0 || process.env.BENCH_DAEMON_LOG) process.stderr.write(`daemon log (last 40 lines):\n${daemon.logs().slice(-40).join('\n')}\n`);
  } finally {
    if (keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }

  if (mode === 'policy' || mode === 'both') {
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

  for (const [name, r] of [['auth', output.auth], ['accounting', output.accounting], ['auth with policy', output.authWithPolicy]] as const) {
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
  process.stderr.write(`\n${table(rows)}\n${output.machine.cpus} CPUs (${output.machine.cpuModel}), Node ${output.machine.node}; generator and daemon share the machine\n`);
  for (const [name, r] of [['auth', output.auth], ['accounting', output.accounting]] as const) {
    // Not a failure: the rps is over the span the pool lasted, but that span is shorter than asked.
    if (r?.pool.exhausted) process.stderr.write(`note: ${name} used up its ${r.pool.packets} pre-built packets after ${r.measured_seconds} s of ${r.seconds}; raise --max-rate\n`);
  }
  if (output.policyRatio !== undefined) {
    process.stderr.write(`auth with plans, FUP tiers and ${OPEN_SESSIONS} open sessions runs at ${Math.round(output.policyRatio * 100)} % of plain auth (issue 3 asks for at least 80 %)\n`);
  }
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

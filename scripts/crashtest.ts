import { fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { addNas } from '../src/aaa/nas.js';
import { addCustomer, addPlan, customerBalance, trialBalance } from '../src/billing/index.js';
import { createSecretBox, loadOrCreateKey } from '../src/crypto/secret-box.js';
import { openDatabase } from '../src/db/connection.js';
import type { Currency } from '../src/db/schema/billing.js';
import * as schema from '../src/db/schema/index.js';
import { callbackToken, configureProvider } from '../src/payments/index.js';
import { encodeRequest } from '../src/radius/authenticators.js';
import { encodeAttribute } from '../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../src/radius/dictionary.js';
import { md5 } from '../src/radius/md5.js';
import { Code } from '../src/radius/packet.js';
import { sessionIdOf, stageCounters, type DriverCommand, type DriverJob, type DriverMessage, type DriverReport, type PaymentOutcome, type SessionOutcome } from './crash-driver.js';
import { startDaemon, type Daemon } from './daemon-process.js';
import { mulberry32 } from './kit.js';
import { runMain } from './run-main.js';

// `npm run crashtest`: kill -9 the daemon at a random moment while a separate process drives
// accounting and payment callbacks at full speed, restart it on the same database, and check
// that everything it acknowledged is there, with the right counters, and no money twice.
//
// The check comes in two steps, so that nothing the driver sends again can hide a loss: right
// after the restart, the records acknowledged before the kill (checkAcknowledged); then, once
// the in-flight accounting requests are re-sent and every callback redelivered, those and the
// money per customer over all rounds (checkSettled). tests/reliability/crashtest.test.ts feeds
// both a damaged database to show they count what they claim to.
//
// Payments are M-Pesa paybill (C2B) confirmations: the callback the daemon credits on its own
// (src/payments/settle.ts settleUnsolicited), with no STK request or Daraja in between.
//
// Every round runs on the same database, so later rounds also start from a database that has
// been through the earlier kills. A round's seed (printed) fixes the kill moment, the amounts
// and which callbacks are delivered twice: --seed S --rounds 1 replays round 1 of a run with S.

const SECRET = 'crash-secret-123';
const PROVIDER = 'mpesa';
const CONFIRM_PATH = 'c2b/confirm';

interface Options {
  rounds: number;
  sessions: number;
  active: number;
  interims: number;
  customers: number;
  payments: number;
  seed: number;
  killFromMs: number;
  killWithinMs: number;
  sockets: number;
  window: number;
  httpConcurrency: number;
  timeoutMs: number;
  /** Share of rounds whose restart is killed again before or just after it listens. */
  startupKills: number;
  keep: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      sessions: { type: 'string' },
      active: { type: 'string' },
      interims: { type: 'string' },
      customers: { type: 'string' },
      payments: { type: 'string' },
      seed: { type: 'string' },
      'kill-from': { type: 'string' },
      'kill-within': { type: 'string' },
      sockets: { type: 'string' },
      window: { type: 'string' },
      'http-concurrency': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'startup-kills': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, raw: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${raw}`);
    return n;
  };
  const opts: Options = {
    rounds: int('rounds', values.rounds, 20),
    sessions: int('sessions', values.sessions, 5000),
    // Few enough that Stops come within the first second: each open session has one request in flight.
    active: int('active', values.active, 64),
    interims: int('interims', values.interims, 4),
    customers: int('customers', values.customers, 1000, 1, 99_999),
    // The callback routes allow 6,000 requests a minute per address: a round's callbacks, their
    // duplicates and the redelivery after the restart stay under that with at most 1,500 sent.
    payments: int('payments', values.payments, 1500, 0, 2500),
    seed: int('seed', values.seed, Math.floor(Math.random() * 2 ** 31), 0, 2 ** 32 - 1),
    killFromMs: int('kill-from', values['kill-from'], 200, 0),
    killWithinMs: int('kill-within', values['kill-within'], 4000),
    sockets: int('sockets', values.sockets, 4, 1, 64),
    window: int('window', values.window, 128, 1, 16_384),
    httpConcurrency: int('http-concurrency', values['http-concurrency'], 4, 1, 256),
    timeoutMs: int('timeout-ms', values['timeout-ms'], 1000, 10),
    startupKills: Number(values['startup-kills'] ?? 0.25),
    keep: values.keep ?? false,
  };
  if (!(opts.startupKills >= 0 && opts.startupKills <= 1)) throw new Error(`--startup-kills must be a share from 0 to 1, got ${String(values['startup-kills'])}`);
  if (opts.killWithinMs <= opts.killFromMs) throw new Error(`--kill-within (${opts.killWithinMs}) must be more than --kill-from (${opts.killFromMs})`);
  if (opts.window > opts.sockets * 256) throw new Error(`--window ${opts.window} needs more sockets: each has 256 identifiers`);
  return opts;
}

const usernameOf = (n: number) => `crash${String(n).padStart(5, '0')}`;

/** A throwaway database: one NAS, the customers, M-Pesa set up with loopback allowed to call back. */
export function provision(dbPath: string, keyFile: string, customers: number): { confirmPath: string; usernames: string[] } {
  const connection = openDatabase(dbPath);
  try {
    // Provisioning is thrown away if the machine dies: no fsync per customer.
    connection.sqlite.pragma('synchronous = OFF');
    const box = createSecretBox(loadOrCreateKey(keyFile));
    addNas(connection.db, box, { name: 'crash', ip: '127.0.0.1', secret: SECRET });
    // Price far above any round's payments: credits stay in the wallet rather than renewing.
    addPlan(connection.db, { name: 'Crash', priceMinor: 100_000_000, currency: 'KES', durationSeconds: 30 * 86400, rateLimit: '2M/4M' });
    const usernames: string[] = [];
    connection.sqlite.transaction(() => {
      for (let n = 1; n <= customers; n++) {
        const username = usernameOf(n);
        addCustomer(connection.db, box, { username, password: `pw-${n}`, planName: 'Crash' });
        usernames.push(username);
      }
    })();
    configureProvider(connection.db, box, PROVIDER, { shortcode: '174379', consumerKey: 'crash-key', consumerSecret: 'crash-secret', passkey: 'crash-passkey', callbackAllowList: ['127.0.0.1'], allowListMode: 'enforce' }, 'crashtest');
    return { confirmPath: `/cb/${callbackToken(connection.db, box, PROVIDER, 'crashtest')}/${CONFIRM_PATH}`, usernames };
  } finally {
    connection.close();
  }
}

interface RoundResult {
  round: number;
  seed: number;
  killAfterMs: number;
  /** Whether the first restart was killed too, and when. */
  startupKill: string;
  midTraffic: boolean;
  acctSent: number;
  acctAcked: number;
  /** Sessions whose Stop was acknowledged: the check that they are closed ran on these. */
  stopsAcked: number;
  paymentsSent: number;
  paymentsAcked: number;
  lost: number;
  stale: number;
  double: number;
  /** Rows that match no request sent (wrong counters, a Stop never sent): a corruption, counted with the failures. */
  wrong: number;
  restartMs: number;
  acctPerSecond: number;
  paymentsPerSecond: number;
  retransmits: number;
  /** Requests in flight at the kill, sent again to the restarted daemon. */
  resent: number;
  problems: string[];
}

/** The driver as a separate process: it holds what was acknowledged while the daemon dies. */
class Driver {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<DriverMessage['kind'], Array<(m: DriverMessage) => void>>();
  private readonly failed: Promise<never>;

  constructor() {
    const script = fileURLToPath(new URL('./crash-driver.js', import.meta.url));
    this.child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.failed = new Promise<never>((_, reject) => {
      this.child.on('message', (m: DriverMessage) => {
        if (m.kind === 'error') return reject(new Error(`crash driver: ${m.error}`));
        const resolvers = this.waiting.get(m.kind);
        resolvers?.shift()?.(m);
      });
      this.child.once('exit', (code, signal) => reject(new Error(`crash driver exited (code ${String(code)}, signal ${String(signal)})`)));
    });
    this.failed.catch(() => {});
  }

  send(command: DriverCommand): void {
    this.child.send(command);
  }

  next<K extends DriverMessage['kind']>(kind: K): Promise<Extract<DriverMessage, { kind: K }>> {
    const message = new Promise<Extract<DriverMessage, { kind: K }>>((resolve) => {
      const list = this.waiting.get(kind) ?? [];
      list.push(resolve as (m: DriverMessage) => void);
      this.waiting.set(kind, list);
    });
    return Promise.race([message, this.failed]);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Error-level lines (and anything that is not a pino line) in `lines`. */
function errorLines(lines: readonly string[]): string[] {
  return lines.filter((line) => {
    try {
      return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
    } catch {
      return true;
    }
  });
}

async function runRound(state: { daemon: Daemon }, opts: Options, setup: { confirmPath: string; usernames: string[] }, round: number, sentByAccount: Map<string, number>): Promise<RoundResult> {
  const seed = (opts.seed + round - 1) >>> 0;
  const random = mulberry32(seed);
  const killAfterMs = opts.killFromMs + Math.floor(random() * (opts.killWithinMs - opts.killFromMs));
  const job: DriverJob = {
    round, seed, acctPort: state.daemon.acctPort, httpPort: state.daemon.httpPort, secret: SECRET, confirmPath: setup.confirmPath,
    sessions: opts.sessions, active: Math.min(opts.active, opts.sessions), interims: opts.interims, usernames: setup.usernames, payments: opts.payments,
    sockets: opts.sockets, window: opts.window, httpConcurrency: opts.httpConcurrency, timeoutMs: opts.timeoutMs,
  };
  const problems: string[] = [];
  const driver = new Driver();
  try {
    const started = driver.next('started');
    const finished = driver.next('finished');
    driver.send({ kind: 'start', job });
    await started;
    const startedAt = performance.now();
    // The kill at the drawn moment, or at once if the traffic is all done before it (that round is then no mid-traffic kill; the table says so).
    await Promise.race([sleep(killAfterMs), finished]);
    const killedAfter = Math.round(performance.now() - startedAt);
    const victim = state.daemon;
    const exited = victim.stop('SIGKILL');
    const report = driver.next('report');
    driver.send({ kind: 'halt' });
    const code = await exited;
    if (code !== null) problems.push(`the daemon exited with code ${String(code)} instead of dying by SIGKILL`);
    const load: DriverReport = (await report).report;
    const before = errorLines(victim.logs());
    if (before.length > 0) problems.push(`the daemon logged ${before.length} error line(s) before the kill, first: ${before[0]!.slice(0, 400)}`);

    // Some rounds kill the next start too, during its recovery or just after it begins to
    // listen: recovery must survive being interrupted itself.
    let startupKill: 'no' | 'recovering' | 'listening' = 'no';
    if (random() < opts.startupKills) {
      try {
        const early = await startDaemon({ dir: victim.dir, timeoutMs: 300 + Math.floor(random() * 4000) });
        await early.stop('SIGKILL');
        startupKill = 'listening';
      } catch {
        // Not listening within the drawn time: startDaemon has SIGKILLed it mid-start (and
        // does not wait for the exit; a SIGKILLed process is gone within milliseconds).
        startupKill = 'recovering';
        await sleep(200);
      }
    }
    const restartStarted = performance.now();
    state.daemon = await startDaemon({ dir: victim.dir });
    const restartMs = Math.round(performance.now() - restartStarted);

    // First what was acknowledged before the kill, as the restarted daemon found it: nothing has been sent again yet.
    const acknowledged = checkAcknowledged(state.daemon.dbPath, round, job.interims, load);

    // Then what a NAS and a provider would send again: the accounting requests left in flight,
    // and (the provider retry case) every callback of the round, acknowledged or not.
    const redelivered = driver.next('redelivered');
    driver.send({ kind: 'redeliver', httpPort: state.daemon.httpPort, acctPort: state.daemon.acctPort });
    const redelivery = (await redelivered).report;
    for (const r of redelivery.refused.slice(0, 3)) problems.push(`redelivery of ${r.receipt} to the restarted daemon refused: ${r.status}`);
    if (redelivery.refused.length > 3) problems.push(`… and ${redelivery.refused.length - 3} more redeliveries refused`);
    for (const [status, n] of Object.entries(load.httpRefusals)) problems.push(`${n} callback(s) answered HTTP ${status} before the kill`);
    if (redelivery.acctAnswered < redelivery.acctResent) problems.push(`the restarted daemon left ${redelivery.acctResent - redelivery.acctAnswered} of ${redelivery.acctResent} retransmitted Accounting-Request(s) unanswered`);
    if (load.badReplies > 0) problems.push(`${load.badReplies} accounting repl(ies) failed the Response Authenticator check`);

    for (const payment of load.payments) if (payment.deliveries > 0) sentByAccount.set(payment.account, (sentByAccount.get(payment.account) ?? 0) + payment.amountMinor);
    // Only the sessions that had a request in flight: the others were checked above and nothing was sent for them since.
    const inFlight = redelivery.sessions.map((outcome, i) => (load.sessions[i]!.sent > load.sessions[i]!.acked ? outcome : undefined));
    const settled = checkSettled(state.daemon.dbPath, round, job.interims, inFlight, load.payments, sentByAccount);
    const checked: Counts = { lost: acknowledged.lost + settled.lost, stale: acknowledged.stale + settled.stale, double: acknowledged.double + settled.double, wrong: acknowledged.wrong + settled.wrong };
    problems.push(...acknowledged.problems, ...settled.problems);
    if (acknowledged.lost + acknowledged.stale + acknowledged.double + acknowledged.wrong > 0) {
      problems.push(`before any resend: lost ${acknowledged.lost}, stale ${acknowledged.stale}, wrong ${acknowledged.wrong}; first: ${acknowledged.details.join('; ')}`);
    }
    if (settled.lost + settled.stale + settled.double + settled.wrong > 0) {
      problems.push(`after the resends: lost ${settled.lost}, stale ${settled.stale}, double ${settled.double}, wrong ${settled.wrong}; first: ${settled.details.join('; ')}`);
    }
    if (!(await freshRequestAnswered(state.daemon, round))) problems.push('the restarted daemon did not answer a fresh Accounting-Request');
    const after = errorLines(state.daemon.logs());
    if (after.length > 0) problems.push(`the restarted daemon logged ${after.length} error line(s), first: ${after[0]!.slice(0, 400)}`);

    const paymentsSent = load.payments.filter((p) => p.deliveries > 0).length;
    return {
      round, seed, killAfterMs: killedAfter, startupKill, midTraffic: !load.finishedBeforeHalt,
      acctSent: load.acctSent, acctAcked: load.acctAcked, stopsAcked: load.sessions.filter((s) => s.acked === job.interims + 1).length, paymentsSent, paymentsAcked: load.payments.filter((p) => p.acked).length,
      ...checked, restartMs, acctPerSecond: load.acctPerSecond, paymentsPerSecond: load.paymentsPerSecond, retransmits: load.retransmits, resent: redelivery.acctResent, problems,
    };
  } finally {
    driver.kill();
  }
}

/** What a check found: acknowledged records missing, counters older than acknowledged, money credited twice, rows matching nothing sent. */
export interface Counts {
  lost: number;
  stale: number;
  double: number;
  wrong: number;
}

export interface CheckResult extends Counts {
  /** Failures that are not counts (callbacks left unsettled, an unbalanced ledger). */
  problems: string[];
  /** The first few counted findings, for the table's notes. */
  details: string[];
}

class Findings {
  readonly counts: Counts = { lost: 0, stale: 0, double: 0, wrong: 0 };
  readonly problems: string[] = [];
  readonly details: string[] = [];

  count(kind: keyof Counts, detail: string): void {
    this.counts[kind]++;
    if (this.details.length < 5) this.details.push(detail);
  }

  result(): CheckResult {
    return { ...this.counts, problems: this.problems, details: this.details };
  }
}

function readOnly<T>(dbPath: string, use: (sqlite: Database.Database) => T): T {
  const sqlite = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return use(sqlite);
  } finally {
    sqlite.close();
  }
}

/** Each session's stored row against what the driver had sent and seen acknowledged. */
function checkSessions(sqlite: Database.Database, round: number, interims: number, sessions: ReadonlyArray<SessionOutcome | undefined>, found: Findings): void {
  const prefix = `crash-r${round}-s`;
  const rows = new Map(
    (sqlite.prepare(`SELECT acct_session_id AS id, session_time AS seconds, input_octets AS input, output_octets AS output, stopped_at AS stoppedAt, terminate_cause AS cause FROM sessions WHERE acct_session_id >= ? AND acct_session_id < ?`).all(prefix, `${prefix}\uffff`) as Array<{
      id: string; seconds: number; input: number; output: number; stoppedAt: number | null; cause: string | null;
    }>).map((r) => [r.id, r]),
  );
  const last = interims + 1;
  sessions.forEach((outcome, i) => {
    if (!outcome) return;
    const id = sessionIdOf(round, i);
    const row = rows.get(id);
    if (!row) {
      if (outcome.acked >= 0) found.count('lost', `session ${id}: stage ${outcome.acked} acknowledged, no row`);
      return;
    }
    if (outcome.sent < 0) return found.count('wrong', `session ${id}: a row for a session never sent`);
    const stage = Math.round(row.seconds / stageCounters(1).seconds);
    const expected = stageCounters(stage);
    if (expected.seconds !== row.seconds || expected.input !== row.input || expected.output !== row.output || stage > outcome.sent) {
      found.count('wrong', `session ${id}: counters ${row.seconds}s/${row.input}/${row.output} match no request sent (sent up to stage ${outcome.sent})`);
    } else if (stage < outcome.acked) {
      found.count('stale', `session ${id}: counters of stage ${stage}, stage ${outcome.acked} was acknowledged`);
    }
    if (outcome.acked === last && row.stoppedAt === null) found.count('lost', `session ${id}: Stop acknowledged, session still open`);
    if (row.stoppedAt !== null && row.cause === 'User-Request' && outcome.sent < last) found.count('wrong', `session ${id}: closed by a Stop that was never sent`);
  });
}

function paymentLookups(sqlite: Database.Database) {
  const paymentsOf = sqlite.prepare(`SELECT p.amount_minor AS amount, c.username AS username FROM payments p JOIN customers c ON c.id = p.customer_id WHERE p.method = ? AND p.reference = ?`);
  const ledgerOf = sqlite.prepare(`SELECT count(*) AS n FROM ledger_transactions WHERE key = ?`);
  const attemptsOf = sqlite.prepare(`SELECT count(*) AS n FROM payment_attempts WHERE provider = ? AND receipt = ? AND payment_id IS NOT NULL`);
  return (receipt: string) => ({
    rows: paymentsOf.all(PROVIDER, receipt) as Array<{ amount: number; username: string }>,
    ledger: (ledgerOf.get(`payment:${PROVIDER}:${receipt}`) as { n: number }).n,
    attempts: (attemptsOf.get(PROVIDER, receipt) as { n: number }).n,
  });
}

/**
 * Right after the restart, before anything is sent again: every accounting request and every
 * callback the driver saw acknowledged before the kill is in the database. Run later, the
 * retransmissions and the provider's redelivery would write them again and hide a loss (a
 * provider never re-sends a callback it got a 200 for).
 */
export function checkAcknowledged(dbPath: string, round: number, interims: number, before: Pick<DriverReport, 'sessions' | 'payments'>): CheckResult {
  const found = new Findings();
  readOnly(dbPath, (sqlite) => {
    checkSessions(sqlite, round, interims, before.sessions, found);
    const lookup = paymentLookups(sqlite);
    for (const payment of before.payments) {
      if (!payment.acked) continue;
      const { rows, ledger } = lookup(payment.receipt);
      if (rows.length === 0 || ledger === 0) found.count('lost', `payment ${payment.receipt} (acknowledged): ${rows.length} payment row(s), ${ledger} ledger transaction(s) before any redelivery`);
      else if (rows[0]!.amount !== payment.amountMinor || rows[0]!.username !== payment.account) found.count('wrong', `payment ${payment.receipt}: ${rows[0]!.amount} to ${rows[0]!.username}, sent ${payment.amountMinor} to ${payment.account}`);
    }
  });
  return found.result();
}

/**
 * After the in-flight accounting requests were sent again and every callback sent was
 * redelivered: those requests stored, each callback credited exactly once and none never sent,
 * no callback left unsettled, usage adding up, and per customer, the money of every run so far
 * (`sentByAccount`: each receipt sent once however often delivered) equal to their payments and
 * to their wallet. A double credit under another reference, or a renewal charged twice, shows
 * only in those sums: the unique indexes forbid a second row under the same receipt.
 */
export function checkSettled(
  dbPath: string,
  round: number,
  interims: number,
  inFlight: ReadonlyArray<SessionOutcome | undefined>,
  payments: readonly PaymentOutcome[],
  sentByAccount: ReadonlyMap<string, number>,
): CheckResult {
  const found = new Findings();
  readOnly(dbPath, (sqlite) => {
    checkSessions(sqlite, round, interims, inFlight, found);

    // What billing reads: the usage totals and the daily roll-ups are written in the same
    // transactions as the session rows, so they must add up to the sessions' counters exactly.
    // Off after a kill would mean usage counted twice or lost (a customer billed wrongly).
    const usageOff = (sqlite.prepare(`
      SELECT count(*) AS n FROM (
        SELECT customer_id, period_start, sum(input_octets) AS i, sum(output_octets) AS o, sum(session_time) AS t
        FROM sessions WHERE customer_id IS NOT NULL GROUP BY customer_id, period_start) x
      LEFT JOIN usage u ON u.customer_id = x.customer_id AND u.period_start = x.period_start
      WHERE coalesce(u.input_octets, 0) <> x.i OR coalesce(u.output_octets, 0) <> x.o OR coalesce(u.online_seconds, 0) <> x.t`).get() as { n: number }).n;
    const customerDaysOff = (sqlite.prepare(`
      SELECT count(*) AS n FROM (
        SELECT customer_id, sum(input_octets) AS up, sum(output_octets) AS down FROM sessions WHERE customer_id IS NOT NULL GROUP BY customer_id) x
      LEFT JOIN (SELECT customer_id, sum(bytes_up) AS up, sum(bytes_down) AS down FROM usage_customer_days GROUP BY customer_id) d ON d.customer_id = x.customer_id
      WHERE coalesce(d.up, 0) <> x.up OR coalesce(d.down, 0) <> x.down`).get() as { n: number }).n;
    const nasDaysOff = (sqlite.prepare(`
      SELECT count(*) AS n FROM (
        SELECT nas_id, sum(input_octets) AS up, sum(output_octets) AS down FROM sessions GROUP BY nas_id) x
      LEFT JOIN (SELECT nas_id, sum(bytes_up) AS up, sum(bytes_down) AS down FROM usage_daily GROUP BY nas_id) d ON d.nas_id = x.nas_id
      WHERE coalesce(d.up, 0) <> x.up OR coalesce(d.down, 0) <> x.down`).get() as { n: number }).n;
    for (let n = 0; n < usageOff + customerDaysOff + nasDaysOff; n++) {
      found.count('wrong', `usage off the sessions' counters: ${usageOff} customer period(s), ${customerDaysOff} customer day roll-up(s), ${nasDaysOff} router day roll-up(s)`);
    }

    // This round's callbacks, receipt by receipt. The acknowledged ones were counted lost
    // before the redelivery already; here the rest.
    const lookup = paymentLookups(sqlite);
    const lostFor = new Set<string>();
    for (const payment of payments) {
      const { rows, ledger, attempts } = lookup(payment.receipt);
      if (payment.deliveries === 0) {
        if (rows.length + ledger + attempts > 0) found.count('wrong', `payment ${payment.receipt}: credited, but never sent`);
      } else if (rows.length === 0 || ledger === 0) {
        lostFor.add(payment.account);
        if (!payment.acked) found.count('lost', `payment ${payment.receipt} (redelivered): ${rows.length} payment row(s), ${ledger} ledger transaction(s)`);
      } else if (rows.length > 1 || ledger > 1 || attempts > 1) {
        found.count('double', `payment ${payment.receipt}: ${rows.length} payment rows, ${ledger} ledger transactions, ${attempts} credited attempts`);
      } else if (rows[0]!.amount !== payment.amountMinor || rows[0]!.username !== payment.account) {
        found.count('wrong', `payment ${payment.receipt}: ${rows[0]!.amount} to ${rows[0]!.username}, sent ${payment.amountMinor} to ${payment.account}`);
      }
    }

    // Per customer, all rounds so far: payments and wallet against the money sent. One count
    // per customer; a shortfall a receipt above already explains is not counted again.
    const db = drizzle(sqlite, { schema });
    const customers = sqlite.prepare(`SELECT c.id AS id, c.username AS username, c.currency AS currency, coalesce((SELECT sum(p.amount_minor) FROM payments p WHERE p.customer_id = c.id), 0) AS paid FROM customers c`).all() as Array<{ id: number; username: string; currency: Currency; paid: number }>;
    for (const customer of customers) {
      const sent = sentByAccount.get(customer.username) ?? 0;
      const wallet = customerBalance(db, customer.id, customer.currency).walletMinor;
      if (customer.paid === sent && wallet === sent) continue;
      const detail = `customer ${customer.username}: sent ${sent}, payments ${customer.paid}, wallet ${wallet}`;
      if (customer.paid > sent || wallet > sent) found.count('double', detail);
      else if (customer.paid < sent && !lostFor.has(customer.username)) found.count('lost', detail);
      else if (customer.paid === sent) found.count('wrong', `${detail} (money left the wallet)`);
    }

    const unsettled = (sqlite.prepare(`SELECT count(*) AS n FROM payment_inbox WHERE processed_at IS NULL`).get() as { n: number }).n;
    if (unsettled > 0) found.problems.push(`${unsettled} stored callback(s) never acted on after the redelivery`);
    const balance = trialBalance(db);
    if (!balance.every((b) => b.total === 0 && b.unbalanced === 0)) found.problems.push(`the ledger does not balance: ${JSON.stringify(balance)}`);
    if (sentByAccount.size > 0 && balance.length === 0) found.problems.push('no ledger entries at all: no payment was credited');
  });
  return found.result();
}

/** One Accounting-Request Start for a new session: answered, with a verified Response Authenticator, and stored. */
async function freshRequestAnswered(daemon: Daemon, round: number): Promise<boolean> {
  const dictionary = loadDictionary(defaultDictionaryPath());
  const secret = Buffer.from(SECRET, 'utf8');
  const id = `crash-r${round}-fresh`;
  const attributes = Buffer.concat([
    encodeAttribute(dictionary.require('Acct-Status-Type'), 1),
    encodeAttribute(dictionary.require('Acct-Session-Id'), id),
    encodeAttribute(dictionary.require('User-Name'), usernameOf(1)),
    encodeAttribute(dictionary.require('NAS-IP-Address'), '127.0.0.1'),
  ]);
  const packet = encodeRequest({ code: Code.AccountingRequest, identifier: round & 255, attributes, secret, messageAuthenticator: false });
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const answered = new Promise<boolean>((resolve) => {
      socket.on('message', (reply) => {
        const expected = md5([reply.subarray(0, 4), packet.subarray(4, 20), reply.subarray(20), secret]);
        if (reply[0] === Code.AccountingResponse && reply[1] === packet[1] && expected.equals(reply.subarray(4, 20))) resolve(true);
      });
    });
    for (let attempt = 0; attempt < 5; attempt++) {
      socket.send(packet, daemon.acctPort, '127.0.0.1');
      if (await Promise.race([answered, sleep(1000).then(() => false)])) break;
      if (attempt === 4) return false;
    }
  } finally {
    socket.close();
  }
  const sqlite = new Database(daemon.dbPath, { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare(`SELECT 1 FROM sessions WHERE acct_session_id = ?`).get(id) !== undefined;
  } finally {
    sqlite.close();
  }
}

const COLUMNS = ['round', 'seed', 'killed after ms', 'mid', 'start killed', 'acct sent', 'acct acked', 'stops acked', 'pay sent', 'pay acked', 'lost', 'stale', 'double', 'wrong', 'restart ms', 'acct/s', 'pay/s', 'retx', 'resent', 'ok'] as const;

function rowOf(r: RoundResult): string[] {
  return [r.round, r.seed, r.killAfterMs, r.midTraffic ? 'yes' : 'no', r.startupKill, r.acctSent, r.acctAcked, r.stopsAcked, r.paymentsSent, r.paymentsAcked, r.lost, r.stale, r.double, r.wrong, r.restartMs, r.acctPerSecond, r.paymentsPerSecond, r.retransmits, r.resent, r.problems.length === 0 ? 'yes' : 'NO'].map(String);
}

function formatTable(rows: string[][]): string {
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [[...COLUMNS], ...rows].map((row) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<number> {
  const opts = options();
  const runStarted = performance.now();
  const dir = mkdtempSync(join(os.tmpdir(), 'lango-crashtest-'));
  const results: RoundResult[] = [];
  try {
    process.stderr.write(`crashtest: seed ${opts.seed}, ${opts.rounds} round(s) of ${opts.sessions} sessions (${opts.active} open at a time, ${opts.interims} Interim-Updates each) and ${opts.payments} paybill callbacks, kill -9 after ${opts.killFromMs}–${opts.killWithinMs} ms, the restart killed too in ${Math.round(opts.startupKills * 100)}% of rounds\n`);
    const provisionStarted = performance.now();
    const setup = provision(join(dir, 'lango.db'), join(dir, 'secret.key'), opts.customers);
    process.stderr.write(`provisioned ${opts.customers} customers in ${((performance.now() - provisionStarted) / 1000).toFixed(1)} s\n`);
    const state = { daemon: await startDaemon({ dir }) };
    try {
      process.stderr.write(`${formatTable([])}\n`);
      // Per customer, the money of every callback sent so far, each receipt once: what the payments and the wallet must add up to.
      const sentByAccount = new Map<string, number>();
      for (let round = 1; round <= opts.rounds; round++) {
        const result = await runRound(state, opts, setup, round, sentByAccount);
        results.push(result);
        process.stderr.write(`${formatTable([rowOf(result)]).split('\n')[1]}\n`);
        for (const problem of result.problems) process.stderr.write(`  round ${round}: ${problem}\n`);
      }
    } finally {
      const code = await state.daemon.stop('SIGTERM');
      if (code !== 0) results.at(-1)?.problems.push(`the last daemon exited with code ${String(code)} after SIGTERM`);
    }
  } finally {
    if (opts.keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
  const sum = (f: (r: RoundResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const failed = results.filter((r) => r.problems.length > 0);
  const summary = {
    seed: opts.seed,
    rounds: results.length,
    midTrafficKills: results.filter((r) => r.midTraffic).length,
    startupKills: results.filter((r) => r.startupKill !== 'no').length,
    acctSent: sum((r) => r.acctSent),
    acctAcked: sum((r) => r.acctAcked),
    stopsAcked: sum((r) => r.stopsAcked),
    paymentsSent: sum((r) => r.paymentsSent),
    paymentsAcked: sum((r) => r.paymentsAcked),
    lost: sum((r) => r.lost),
    stale: sum((r) => r.stale),
    double: sum((r) => r.double),
    wrong: sum((r) => r.wrong),
    failedRounds: failed.map((r) => r.round),
    restartMs: { min: Math.min(...results.map((r) => r.restartMs)), max: Math.max(...results.map((r) => r.restartMs)) },
    acctPerSecond: Math.round(sum((r) => r.acctPerSecond) / Math.max(1, results.length)),
    paymentsPerSecond: Math.round(sum((r) => r.paymentsPerSecond) / Math.max(1, results.length)),
    wallSeconds: Math.round((performance.now() - runStarted) / 100) / 10,
  };
  process.stderr.write(`\n${formatTable(results.map(rowOf))}\n`);
  process.stderr.write(
    `${summary.rounds} round(s), ${summary.midTrafficKills} killed mid-traffic, ${summary.startupKills} restart(s) killed too; ${summary.acctAcked} accounting and ${summary.paymentsAcked} payment acknowledgements checked: ` +
      `lost ${summary.lost}, stale ${summary.stale}, double ${summary.double}, wrong ${summary.wrong}; restart ${summary.restartMs.min}–${summary.restartMs.max} ms; ${summary.wallSeconds} s in all\n`,
  );
  process.stderr.write(failed.length === 0 ? 'PASS\n' : `FAIL: round(s) ${summary.failedRounds.join(', ')}\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return failed.length === 0 ? 0 : 1;
}

runMain(import.meta.url, main);

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPostgresUrl } from '../src/db/target.js';

// Starts the real daemon as a child process for the benchmark and the integration tests: the
// point of both is to exercise the process an operator runs, signals and exit code included.

export interface Daemon {
  readonly authPort: number;
  readonly acctPort: number;
  readonly httpPort: number;
  readonly dir: string;
  readonly dbPath: string;
  readonly keyFile: string;
  /** The full environment the daemon runs with, for running the CLI against the same database. */
  readonly env: Record<string, string>;
  readonly pid: number;
  /** stdout and stderr lines so far, in arrival order. */
  logs(): string[];
  /** Sends `signal` (SIGTERM by default), SIGKILL after 10 s; resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartDaemonOptions {
  /** Overrides and additions to the environment (LANGO_DB and LANGO_KEY_FILE included). */
  env?: Record<string, string>;
  /** Working folder for the database and key file; a fresh temporary folder when omitted. */
  dir?: string;
  timeoutMs?: number;
}

const LISTENING = 'Lango is listening';
const KILL_AFTER_MS = 10_000;

/** The folder holding package.json: this file runs both as scripts/*.ts (vitest) and dist/scripts/*.js. */
export function repoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; ) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json in ${start} or any folder above it`);
    dir = parent;
  }
}

export async function startDaemon(options: StartDaemonOptions = {}): Promise<Daemon> {
  const root = repoRoot();
  const entry = join(root, 'dist', 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist; run \`npm run build\` first`);

  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'lango-'));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(
    env,
    {
      LANGO_DB: join(dir, 'lango.db'),
      LANGO_KEY_FILE: join(dir, 'secret.key'),
      LANGO_BIND: '127.0.0.1',
      LANGO_AUTH_PORT: '0',
      LANGO_ACCT_PORT: '0',
      LANGO_HTTP_PORT: '0',
      LANGO_LOG_LEVEL: 'info',
    },
    options.env,
  );
  const dbPath = env.LANGO_DB!;
  const keyFile = env.LANGO_KEY_FILE!;

  // e.g. LANGO_DAEMON_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the daemon under bench load.
  const nodeArgs = process.env.LANGO_DAEMON_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  // On PostgreSQL the daemon keeps its own files (the first admin's password) in ./data: the
  // daemon's folder, not the checkout.
  const cwd = isPostgresUrl(dbPath) ? dir : root;
  const child = spawn(process.execPath, [...nodeArgs, entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // A test runner that exits without calling stop() must not leave a daemon holding ports.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let onListening: ((ports: Ports) => void) | undefined;
  const keep = keepLog(child);
  collectLines(child, lines, (line) => {
    keep(line);
    if (!onListening) return;
    const ports = parseListening(line);
    if (ports) onListening(ports);
  });

  const timeoutMs = options.timeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  let ports: Ports;
  try {
    ports = await new Promise<Ports>((resolve, reject) => {
      onListening = resolve;
      child.once('error', (err) => reject(withLog(`cannot start the daemon: ${err.message}`, lines)));
      void exited.then((code) => reject(withLog(`the daemon exited (code ${String(code)}) before listening`, lines)));
      const hidden = ['warn', 'error', 'fatal', 'silent'].includes(env.LANGO_LOG_LEVEL ?? '')
        ? ` (LANGO_LOG_LEVEL=${env.LANGO_LOG_LEVEL} may hide that info-level line)`
        : '';
      timer = setTimeout(() => reject(withLog(`the daemon did not log "${LISTENING}" within ${timeoutMs} ms${hidden}`, lines)), timeoutMs);
    });
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  } finally {
    onListening = undefined;
    clearTimeout(timer);
  }

  return {
    ...ports,
    dir,
    dbPath,
    keyFile,
    env,
    pid: child.pid!,
    logs: () => lines.slice(),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

/** What a finished child process said: its exit code (null if a signal ended it) and its output. */
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cliEntry(): string {
  return join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
}

/** The `lango` CLI as an operator runs it, on the daemon's own database (its environment). */
export function runLango(daemon: { env: Record<string, string> }, args: readonly string[]): RunResult {
  const run = spawnSync(process.execPath, [cliEntry(), ...args], { env: daemon.env, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/**
 * The CLI without blocking this process: needed when the command talks to something served by
 * this process (an emulator), which spawnSync would stop from answering.
 */
export function runLangoAsync(daemon: { env: Record<string, string> }, args: readonly string[]): Promise<RunResult> {
  return runNodeAsync(cliEntry(), args, daemon.env);
}

/** A Node script (e.g. dist/scripts/crashtest.js) run to its end without blocking this process, its output collected. */
export function runNodeAsync(entry: string, args: readonly string[], env: Record<string, string> | NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A CLI command's --json answer; anything but exit 0 throws with the command, exit code and stderr. */
function langoJsonResult<T>(args: readonly string[], run: RunResult): T {
  if (run.status !== 0) throw new Error(`lango ${args.join(' ')} failed (exit ${String(run.status)}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** runLango with --json, expecting exit 0. */
export function runLangoJson<T>(daemon: { env: Record<string, string> }, args: readonly string[]): T {
  return langoJsonResult<T>(args, runLango(daemon, [...args, '--json']));
}

/** runLangoAsync with --json, expecting exit 0. */
export async function runLangoJsonAsync<T>(daemon: { env: Record<string, string> }, args: readonly string[]): Promise<T> {
  return langoJsonResult<T>(args, await runLangoAsync(daemon, [...args, '--json']));
}

interface Ports {
  authPort: number;
  acctPort: number;
  httpPort: number;
}

function parseListening(line: string): Ports | undefined {
  if (!line.includes(LISTENING)) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const { msg, authPort, acctPort, httpPort } = record as Record<string, unknown>;
  if (msg !== LISTENING) return undefined;
  if (typeof authPort !== 'number' || typeof acctPort !== 'number' || typeof httpPort !== 'number') return undefined;
  return { authPort, acctPort, httpPort };
}

/**
 * With LANGO_TEST_LOG_DIR set (the test suite's global setup sets it), every line of every daemon
 * also goes to <dir>/daemon-<pid>.log, so scripts/log-scan.ts can look for secrets after the whole
 * run. Written synchronously: a test worker may exit right after its daemon stops.
 */
function keepLog(child: ChildProcess): (line: string) => void {
  const dir = process.env.LANGO_TEST_LOG_DIR;
  if (!dir || child.pid === undefined) return () => {};
  const fd = openSync(join(dir, `daemon-${child.pid}.log`), 'a');
  let open = true;
  child.once('close', () => {
    open = false;
    closeSync(fd);
  });
  return (line) => {
    if (open) writeSync(fd, `${line}\n`);
  };
}

/** Splits a child's stdout and stderr into lines as they arrive (shared with scripts/freeradius.ts). */
export function collectLines(child: ChildProcess, lines: string[], onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.setEncoding('utf8');
    // A chunk can end mid-line; keep the tail until its newline arrives.
    let partial = '';
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (line.length === 0) continue;
        lines.push(line);
        onLine(line);
      }
    });
    stream.on('end', () => {
      if (partial.length > 0) {
        lines.push(partial);
        onLine(partial);
      }
      partial = '';
    });
  }
}

/** An error carrying the last 50 lines a child printed. */
export function withLog(message: string, lines: readonly string[]): Error {
  const tail = lines.slice(-50).join('\n');
  return new Error(tail ? `${message}; its output:\n${tail}` : `${message}; it printed nothing`);
}

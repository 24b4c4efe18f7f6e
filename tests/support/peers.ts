import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { expect } from 'vitest';
import { repoRoot, type Daemon } from '../../scripts/daemon-process.js';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Debian's radclient, the real peer. `-r 1`: one try, so "no reply" answers in `timeout` seconds. */
export function radclient(input: string, target: string, command: string, secret: string, extra: string[] = []): RunResult {
  const run = spawnSync('radclient', ['-x', '-r', '1', '-t', '1', ...extra, target, command, secret], { input, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The `lango` CLI as an operator runs it, on the daemon's own database. */
export function lango(daemon: Pick<Daemon, 'env'> | { env: Record<string, string> }, ...args: string[]): RunResult {
  const run = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js'), ...args], {
    env: daemon.env,
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A `lango` command the test needs to succeed: anything but exit 0 fails it, showing the command and its stderr. */
export function langoOk(daemon: { env: Record<string, string> }, ...args: string[]): string {
  const run = lango(daemon, ...args);
  expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

/**
 * The CLI without blocking this process: needed when the command talks to an emulator running
 * in the test process (spawnSync would stop it from answering).
 */
export function langoAsync(daemon: { env: Record<string, string> }, ...args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js'), ...args], { env: daemon.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export function langoJson<T>(daemon: { env: Record<string, string> }, ...args: string[]): T {
  const run = lango(daemon, ...args, '--json');
  if (run.status !== 0) throw new Error(`lango ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/**
 * Polls until `probe` finds something (anything but undefined) and answers it; fails naming
 * `what` after `timeoutMs`. For outcomes that settle in the background (callbacks, the outbox,
 * the reconciler), where a fixed sleep would be either slow or flaky.
 */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Sends datagrams from one socket and collects what comes back within `waitMs`. */
export async function exchange(
  port: number,
  packets: Buffer[],
  options: { waitMs?: number; from?: string; gapMs?: number } = {},
): Promise<Buffer[]> {
  const socket = dgram.createSocket('udp4');
  const replies: Buffer[] = [];
  socket.on('message', (msg) => replies.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, options.from ?? '127.0.0.1', resolve));
  for (const packet of packets) {
    socket.send(packet, port, '127.0.0.1');
    // A NAS retransmits after a timeout; gapMs imitates that instead of a burst.
    if (options.gapMs) await new Promise((resolve) => setTimeout(resolve, options.gapMs));
  }
  await new Promise((resolve) => setTimeout(resolve, options.waitMs ?? 300));
  socket.close();
  return replies;
}

export async function metrics(daemon: Daemon): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${daemon.httpPort}/metrics`);
  return response.text();
}

/** The value of one Prometheus sample, 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** langoAsync with --json, expecting exit 0: for tests whose emulators live in this process. */
export async function langoJsonAsync<T>(daemon: { env: Record<string, string> }, ...args: string[]): Promise<T> {
  const run = await langoAsync(daemon, ...args, '--json');
  if (run.status !== 0) throw new Error(`lango ${args.join(' ')} failed (exit ${String(run.status)}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

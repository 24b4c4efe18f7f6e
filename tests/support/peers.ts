import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { runLango, runLangoAsync, runLangoJson, runLangoJsonAsync, type Daemon, type RunResult } from '../../scripts/daemon-process.js';
import { bindUdp, fetchMetrics } from '../../scripts/kit.js';

export type { RunResult };
export { sample } from '../../scripts/kit.js';

/** Debian's radclient, the real peer. `-r 1`: one try, so "no reply" answers in `timeout` seconds. */
export function radclient(input: string, target: string, command: string, secret: string, extra: string[] = []): RunResult {
  const run = spawnSync('radclient', ['-x', '-r', '1', '-t', '1', ...extra, target, command, secret], { input, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The `lango` CLI as an operator runs it, on the daemon's own database. */
export function lango(daemon: Pick<Daemon, 'env'> | { env: Record<string, string> }, ...args: string[]): RunResult {
  return runLango(daemon, args);
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
  return runLangoAsync(daemon, args);
}

/** A `lango … --json` command expected to succeed: its parsed answer; anything but exit 0 throws. */
export function langoJson<T>(daemon: { env: Record<string, string> }, ...args: string[]): T {
  return runLangoJson<T>(daemon, args);
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
  const socket = await bindUdp(0, options.from ?? '127.0.0.1');
  const replies: Buffer[] = [];
  socket.on('message', (msg) => replies.push(msg));
  for (const packet of packets) {
    socket.send(packet, port, '127.0.0.1');
    // A NAS retransmits after a timeout; gapMs imitates that instead of a burst.
    if (options.gapMs) await new Promise((resolve) => setTimeout(resolve, options.gapMs));
  }
  await new Promise((resolve) => setTimeout(resolve, options.waitMs ?? 300));
  socket.close();
  return replies;
}

export function metrics(daemon: Daemon): Promise<string> {
  return fetchMetrics(daemon.httpPort);
}

/** langoAsync with --json, expecting exit 0: for tests whose emulators live in this process. */
export function langoJsonAsync<T>(daemon: { env: Record<string, string> }, ...args: string[]): Promise<T> {
  return runLangoJsonAsync<T>(daemon, args);
}

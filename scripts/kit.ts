import { readFileSync } from 'node:fs';
import dgram from 'node:dgram';
import Database from 'better-sqlite3';

// Small helpers the scripts under scripts/ (and, through tests/support, the test suite) share, so
// each thing is done one way: seeded randomness, reading /metrics, the daemon's memory and log,
// flag parsing, UDP sockets, read-only database peeks. No vitest here: the scripts run without it.

/**
 * mulberry32: a seeded generator of numbers in [0, 1). Small, fast, and the same sequence on
 * every machine for the same seed, so a failing fuzz or crash run can be replayed from its seed.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One line of a Prometheus text exposition: `name{label="value",…} value`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The daemon's /metrics page as text; throws on anything but a 2xx. */
export async function fetchMetrics(httpPort: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered HTTP ${response.status}`);
  return response.text();
}

/** Every sample in a Prometheus text exposition; comments (# HELP, # TYPE) and blank lines skipped. */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    if (space < 0) continue;
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, line.indexOf(' '));
    const labels: Record<string, string> = {};
    if (brace >= 0 && brace < space) {
      for (const match of line.slice(brace, line.lastIndexOf('}') + 1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!;
    }
    samples.push({ name, labels, value: Number(line.slice(space + 1)) });
  }
  return samples;
}

/** The samples named `name` carrying at least the given labels. */
export function samplesOf(samples: readonly MetricSample[], name: string, labels: Record<string, string> = {}): MetricSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the first sample named `name` with these labels, 0 when there is none (a counter not yet touched). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(parseMetrics(text), name, labels)[0]?.value ?? 0;
}

/** Resident memory of a live process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** A flag that must be a positive number (an integer unless `integer` is false); undefined when the flag was not given. */
export function positive(name: string, raw: string | undefined, integer = true): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
  return n;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * The lines of a daemon's output that deserve a look: pino lines at error level or above, and
 * anything that is not a pino line at all (a stack trace, a warning from Node).
 */
export function daemonErrorLines(lines: readonly string[]): string[] {
  return lines.filter((line) => {
    try {
      return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
    } catch {
      return true;
    }
  });
}

/** A UDP socket bound on `address`:`port` (0: any free port); rejects when the bind fails. */
export async function bindUdp(port: number, address = '127.0.0.1', recvBufferSize?: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket(recvBufferSize === undefined ? { type: 'udp4' } : { type: 'udp4', recvBufferSize });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

/** Rows straight from a database file, opened read-only for the one query. */
export function readRows<T>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** One row straight from a database file, opened read-only for the one query. */
export function readRow<T>(dbPath: string, sql: string, ...params: unknown[]): T | undefined {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).get(...params) as T | undefined;
  } finally {
    db.close();
  }
}

import { randomFillSync } from 'node:crypto';
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { encodeRequest, verifyResponse } from '../src/radius/authenticators.js';
import { hideUserPassword } from '../src/radius/auth/pap.js';
import { decodePacket, encodeAttribute, type AttributeValue } from '../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary, type Dictionary } from '../src/radius/dictionary.js';
import { Code } from '../src/radius/packet.js';

// A closed-loop RADIUS load generator. It runs in its own process (bench.ts forks it) so that
// its event loop never shares a turn with the daemon's and the latencies it measures are the
// daemon's, not its own backlog. Standalone: node dist/scripts/radius-load.js '<job JSON>'.

export interface LoadJob {
  mode: 'auth' | 'acct';
  host?: string;
  port: number;
  secret: string;
  /** Measured duration; the warm-up comes on top of it. */
  seconds: number;
  warmupSeconds?: number;
  /** auth: users user00001.. with password pw-00001.. */
  users?: number;
  /** acct: concurrent sessions, each opened with a Start before the measured Interim-Updates. */
  sessions?: number;
  sockets?: number;
  /** Requests in flight across all sockets. */
  window?: number;
  timeoutMs?: number;
  nasIp?: string;
}

export interface LoadResult {
  mode: 'auth' | 'acct';
  seconds: number;
  sent: number;
  answered: number;
  accepted?: number;
  responses?: number;
  rejects: number;
  bad: number;
  timeouts: number;
  /** Replies to requests that had already timed out (not counted as answered). */
  late: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** The generator's own CPU use over the run (100 = one core): near 100 means it, not the daemon, is the limit. */
  generator_cpu_pct: number;
  /** acct only: the unmeasured Start phase. */
  starts?: { sent: number; responses: number; bad: number; timeouts: number; seconds: number };
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const dictionary = loadDictionary(defaultDictionaryPath());
  const secret = Buffer.from(job.secret, 'utf8');
  const host = job.host ?? '127.0.0.1';
  const nasIp = job.nasIp ?? '127.0.0.1';
  const settings = {
    sockets: job.sockets ?? 8,
    window: job.window ?? 256,
    timeoutMs: job.timeoutMs ?? 1000,
  };
  const lanes = await openLanes(host, job.port, settings.sockets, settings.window);
  try {
    const measure = { warmupMs: (job.warmupSeconds ?? 1) * 1000, measureMs: job.seconds * 1000 };
    if (job.mode === 'auth') {
      const source = authSource(dictionary, secret, nasIp, job.users ?? 10_000);
      const stats = await drive(lanes, source, dictionary, secret, settings.timeoutMs, measure);
      return summarise('auth', job.seconds, stats);
    }
    const sessions = acctSessions(dictionary, nasIp, job.sessions ?? 5000, job.users ?? 10_000);
    const startedAt = performance.now();
    const startStats = await drive(lanes, startSource(sessions, secret), dictionary, secret, settings.timeoutMs, {
      count: sessions.length,
    });
    const starts = {
      sent: startStats.sent,
      responses: startStats.good,
      bad: startStats.bad,
      timeouts: startStats.timeouts,
      seconds: round((performance.now() - startedAt) / 1000, 3),
    };
    const stats = await drive(lanes, interimSource(sessions, secret), dictionary, secret, settings.timeoutMs, measure);
    return { ...summarise('acct', job.seconds, stats), starts };
  } finally {
    for (const lane of lanes) lane.socket.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Packet sources. Attribute bytes are built once; per send only the mutable fields are patched
// in place (encodeRequest copies the attributes, so the shared buffer can be reused at once).

interface Source {
  /** Returns the datagram; its bytes 4..20 are the Request Authenticator to verify the reply with. */
  next(identifier: number): Buffer;
  readonly expect: number;
  /** A valid reply with this code is counted as a reject rather than as bad. */
  readonly rejectCode?: number;
}

function attr(dictionary: Dictionary, name: string, value: AttributeValue): Buffer {
  return encodeAttribute(dictionary.require(name), value);
}

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

function mac(n: number): string {
  const hex = n.toString(16).padStart(8, '0');
  return `02-00-${hex.slice(0, 2)}-${hex.slice(2, 4)}-${hex.slice(4, 6)}-${hex.slice(6, 8)}`.toUpperCase();
}

/** Authenticators come from one CSPRNG fill per 4096 requests instead of a syscall per request. */
function randomAuthenticators(): () => Buffer {
  const pool = Buffer.allocUnsafe(16 * 4096);
  let offset = pool.length;
  return () => {
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    offset += 16;
    return pool.subarray(offset - 16, offset);
  };
}

function authSource(dictionary: Dictionary, secret: Buffer, nasIp: string, count: number): Source {
  const users = Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const password = Buffer.from(`pw-${pad5(n)}`, 'utf8');
    const head = attr(dictionary, 'User-Name', `user${pad5(n)}`);
    // A placeholder of the hidden length (passwords here are < 16 bytes, so one block).
    const hiddenLength = Math.max(16, Math.ceil(password.length / 16) * 16);
    const passwordAttr = attr(dictionary, 'User-Password', Buffer.alloc(hiddenLength));
    const tail = Buffer.concat([
      attr(dictionary, 'NAS-IP-Address', nasIp),
      attr(dictionary, 'NAS-Port', n),
      attr(dictionary, 'Calling-Station-Id', mac(n)),
    ]);
    return { password, attributes: Buffer.concat([head, passwordAttr, tail]), passwordOffset: head.length + 2 };
  });
  const nextAuthenticator = randomAuthenticators();
  let cursor = 0;
  return {
    expect: Code.AccessAccept,
    rejectCode: Code.AccessReject,
    next(identifier) {
      const user = users[cursor]!;
      cursor = (cursor + 1) % users.length;
      const authenticator = nextAuthenticator();
      hideUserPassword(user.password, secret, authenticator).copy(user.attributes, user.passwordOffset);
      return encodeRequest({
        code: Code.AccessRequest,
        identifier,
        attributes: user.attributes,
        secret,
        messageAuthenticator: true,
        authenticator,
      });
    },
  };
}

interface Session {
  start: Buffer;
  interim: Buffer;
  /** Where the Interim-Update's patched integer values start (each attribute is 6 bytes). */
  counters: number;
  round: number;
}

const ACCT_START = 1;
const ACCT_INTERIM = 3;
const INPUT_PER_ROUND = 12_000_000;
// Large enough that sessions wrap 2^32 within a short run, so Gigawords is exercised too.
const OUTPUT_PER_ROUND = 150_000_000;
const GIGAWORD = 2 ** 32;

function acctSessions(dictionary: Dictionary, nasIp: string, count: number, users: number): Session[] {
  const run = Date.now().toString(36);
  return Array.from({ length: count }, (_, i) => {
    const n = (i % users) + 1;
    const fixed = Buffer.concat([
      attr(dictionary, 'Acct-Session-Id', `b${run}-${pad5(i + 1)}`),
      attr(dictionary, 'User-Name', `user${pad5(n)}`),
      attr(dictionary, 'NAS-IP-Address', nasIp),
      attr(dictionary, 'NAS-Port', i + 1),
      attr(dictionary, 'Calling-Station-Id', mac(n)),
      attr(dictionary, 'Framed-IP-Address', `10.${((i + 1) >> 16) & 255}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`),
    ]);
    const start = Buffer.concat([
      attr(dictionary, 'Acct-Status-Type', ACCT_START),
      fixed,
      attr(dictionary, 'Acct-Delay-Time', 0),
      attr(dictionary, 'Event-Timestamp', 0),
    ]);
    // Patched in this order by interimSource; the zeros are placeholders.
    const variable = ['Acct-Session-Time', 'Acct-Input-Octets', 'Acct-Output-Octets', 'Acct-Input-Gigawords', 'Acct-Output-Gigawords', 'Event-Timestamp'];
    const interim = Buffer.concat([
      attr(dictionary, 'Acct-Status-Type', ACCT_INTERIM),
      fixed,
      attr(dictionary, 'Acct-Delay-Time', 0),
      ...variable.map((name) => attr(dictionary, name, 0)),
    ]);
    return { start, interim, counters: interim.length - variable.length * 6, round: 0 };
  });
}

function startSource(sessions: Session[], secret: Buffer): Source {
  let cursor = 0;
  return {
    expect: Code.AccountingResponse,
    next(identifier) {
      const session = sessions[cursor++ % sessions.length]!;
      session.start.writeUInt32BE(Math.floor(Date.now() / 1000), session.start.length - 4);
      return encodeRequest({ code: Code.AccountingRequest, identifier, attributes: session.start, secret, messageAuthenticator: false });
    },
  };
}

function interimSource(sessions: Session[], secret: Buffer): Source {
  let cursor = 0;
  return {
    expect: Code.AccountingResponse,
    next(identifier) {
      const session = sessions[cursor]!;
      cursor = (cursor + 1) % sessions.length;
      // Every round grows the counters and Acct-Session-Time, so each packet (and its
      // computed authenticator) is new: no duplicate-cache hits, no idempotent no-op upserts.
      const round = ++session.round;
      const input = round * INPUT_PER_ROUND;
      const output = round * OUTPUT_PER_ROUND;
      const buf = session.interim;
      let at = session.counters + 2;
      for (const value of [
        round,
        input % GIGAWORD,
        output % GIGAWORD,
        Math.floor(input / GIGAWORD),
        Math.floor(output / GIGAWORD),
        Math.floor(Date.now() / 1000),
      ]) {
        buf.writeUInt32BE(value, at);
        at += 6;
      }
      return encodeRequest({ code: Code.AccountingRequest, identifier, attributes: buf, secret, messageAuthenticator: false });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The driver: per socket a set of identifiers, a share of the window, and typed arrays for the
// in-flight table so a send allocates nothing but its datagram.

const IDS = 256;
// A timed-out identifier stays unused this long, so a late reply cannot be matched against
// the next request that would otherwise reuse the id and be miscounted as bad.
const QUARANTINE_MS = 5000;

interface Lane {
  socket: dgram.Socket;
  window: number;
  inFlight: number;
  free: number[];
  quarantine: Array<{ id: number; until: number }>;
  busy: Uint8Array;
  measured: Uint8Array;
  sentAt: Float64Array;
  authenticators: Buffer;
  onReply?: (lane: Lane, msg: Buffer) => void;
}

async function openLanes(host: string, port: number, count: number, window: number): Promise<Lane[]> {
  if (window < 1 || count < 1) throw new RangeError('window and sockets must be at least 1');
  const lanes: Lane[] = [];
  for (let i = 0; i < count; i++) {
    const share = Math.floor(window / count) + (i < window % count ? 1 : 0);
    if (share > IDS) throw new RangeError(`a socket can have at most ${IDS} requests in flight; use more sockets`);
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    // Connected sockets skip the per-send address lookup and only see replies from the server.
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const lane: Lane = {
      socket,
      window: share,
      inFlight: 0,
      free: Array.from({ length: IDS }, (_, id) => IDS - 1 - id),
      quarantine: [],
      busy: new Uint8Array(IDS),
      measured: new Uint8Array(IDS),
      sentAt: new Float64Array(IDS),
      authenticators: Buffer.alloc(IDS * 16),
    };
    socket.on('message', (msg) => lane.onReply?.(lane, msg));
    socket.on('error', () => {
      // ICMP port unreachable and the like surface here; the request will simply time out.
    });
    lanes.push(lane);
  }
  return lanes;
}

interface Stats {
  sent: number;
  good: number;
  rejects: number;
  bad: number;
  timeouts: number;
  late: number;
  latencies: Float64Array;
  count: number;
  cpuPct: number;
}

type Plan = { count: number } | { warmupMs: number; measureMs: number };

function drive(lanes: Lane[], source: Source, dictionary: Dictionary, secret: Buffer, timeoutMs: number, plan: Plan): Promise<Stats> {
  const t0 = performance.now();
  const byCount = 'count' in plan;
  const measureFrom = byCount ? t0 : t0 + plan.warmupMs;
  const stopAt = byCount ? Infinity : measureFrom + plan.measureMs;
  const stats: Stats = {
    sent: 0,
    good: 0,
    rejects: 0,
    bad: 0,
    timeouts: 0,
    late: 0,
    latencies: new Float64Array(byCount ? plan.count : Math.max(1024, Math.ceil(plan.measureMs * 60))),
    count: 0,
    cpuPct: 0,
  };
  const cpuAtStart = process.cpuUsage();
  let issued = 0;
  let stopped = false;

  const record = (ms: number): void => {
    if (stats.count === stats.latencies.length) {
      const bigger = new Float64Array(stats.latencies.length * 2);
      bigger.set(stats.latencies);
      stats.latencies = bigger;
    }
    stats.latencies[stats.count++] = ms;
  };

  const release = (lane: Lane, id: number): void => {
    lane.busy[id] = 0;
    lane.inFlight--;
  };

  const fill = (lane: Lane, now: number): void => {
    while (!stopped && lane.inFlight < lane.window && lane.free.length > 0) {
      if (byCount ? issued >= plan.count : now >= stopAt) {
        stopped = true;
        return;
      }
      const id = lane.free.pop()!;
      const datagram = source.next(id);
      datagram.copy(lane.authenticators, id * 16, 4, 20);
      lane.busy[id] = 1;
      const measured = now >= measureFrom;
      lane.measured[id] = measured ? 1 : 0;
      lane.sentAt[id] = now;
      lane.inFlight++;
      issued++;
      if (measured) stats.sent++;
      lane.socket.send(datagram);
    }
  };

  const onReply = (lane: Lane, msg: Buffer): void => {
    const now = performance.now();
    const id = msg.length >= 20 ? msg[1]! : -1;
    if (id < 0 || lane.busy[id] === 0) {
      // Either a reply to a timed-out request or something unsolicited; malformed ones are bad.
      if (id < 0) stats.bad++;
      else stats.late++;
      return;
    }
    const measured = lane.measured[id] === 1;
    const requestAuthenticator = lane.authenticators.subarray(id * 16, id * 16 + 16);
    let verdict: 'good' | 'reject' | 'bad' = 'bad';
    try {
      const reply = decodePacket(msg, dictionary);
      if (verifyResponse(reply, requestAuthenticator, secret)) {
        if (reply.code === source.expect) verdict = 'good';
        else if (reply.code === source.rejectCode) verdict = 'reject';
      }
    } catch {
      verdict = 'bad';
    }
    if (measured) {
      stats[verdict === 'good' ? 'good' : verdict === 'reject' ? 'rejects' : 'bad']++;
      record(now - lane.sentAt[id]!);
    }
    release(lane, id);
    lane.free.push(id);
    fill(lane, now);
  };

  return new Promise<Stats>((resolve) => {
    const finishIfDone = (): boolean => {
      if (!stopped || lanes.some((lane) => lane.inFlight > 0)) return false;
      clearInterval(sweeper);
      for (const lane of lanes) lane.onReply = undefined;
      const cpu = process.cpuUsage(cpuAtStart);
      stats.cpuPct = Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100);
      resolve(stats);
      return true;
    };
    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const lane of lanes) {
        while (lane.quarantine.length > 0 && lane.quarantine[0]!.until <= now) lane.free.push(lane.quarantine.shift()!.id);
        for (let id = 0; id < IDS; id++) {
          if (lane.busy[id] === 1 && now - lane.sentAt[id]! >= timeoutMs) {
            if (lane.measured[id] === 1) stats.timeouts++;
            release(lane, id);
            lane.quarantine.push({ id, until: now + QUARANTINE_MS });
          }
        }
        fill(lane, now);
      }
      if (!byCount && now >= stopAt) stopped = true;
      finishIfDone();
    }, Math.min(50, timeoutMs / 4));
    for (const lane of lanes) {
      lane.onReply = (l, msg) => {
        onReply(l, msg);
        if (stopped) finishIfDone();
      };
    }
    const now = performance.now();
    for (const lane of lanes) fill(lane, now);
  });
}

function summarise(mode: 'auth' | 'acct', seconds: number, stats: Stats): LoadResult {
  const latencies = stats.latencies.subarray(0, stats.count).sort();
  const pick = (q: number): number => (stats.count === 0 ? 0 : latencies[Math.min(stats.count - 1, Math.ceil(q * stats.count) - 1)]!);
  const answered = stats.good + stats.rejects + stats.bad;
  return {
    mode,
    seconds,
    sent: stats.sent,
    answered,
    ...(mode === 'auth' ? { accepted: stats.good } : { responses: stats.good }),
    rejects: stats.rejects,
    bad: stats.bad,
    timeouts: stats.timeouts,
    late: stats.late,
    rps: Math.round(answered / seconds),
    p50_ms: round(pick(0.5), 3),
    p99_ms: round(pick(0.99), 3),
    max_ms: round(stats.count === 0 ? 0 : latencies[stats.count - 1]!, 3),
    generator_cpu_pct: stats.cpuPct,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ---------------------------------------------------------------------------------------------
// Entry point: a job arrives over the IPC channel (forked by bench.ts) or as argv JSON.

export type LoadMessage = { ok: true; result: LoadResult } | { ok: false; error: string };

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (send) {
    process.once('message', (job: LoadJob) => {
      runLoad(job).then(
        (result) => send({ ok: true, result } satisfies LoadMessage, () => process.disconnect()),
        (err: unknown) => send({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies LoadMessage, () => process.disconnect()),
      );
    });
    return;
  }
  const arg = process.argv[2];
  if (!arg) {
    process.stderr.write('usage: node dist/scripts/radius-load.js \'{"mode":"auth","port":1812,"secret":"...","seconds":10}\'\n');
    process.exitCode = 2;
    return;
  }
  process.stdout.write(`${JSON.stringify(await runLoad(JSON.parse(arg) as LoadJob))}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}

import { fork } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRequest } from '../src/radius/authenticators.js';
import { computeChapPassword } from '../src/radius/auth/chap.js';
import { hideUserPassword } from '../src/radius/auth/pap.js';
import { MAX_PACKET, encodeAttribute, type AttributeValue } from '../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary, type Dictionary } from '../src/radius/dictionary.js';
import { hmacMd5, md5 } from '../src/radius/md5.js';
import { Attr, Code } from '../src/radius/packet.js';
import { repoRoot } from './daemon-process.js';
import { round } from './kit.js';
import { runMain } from './run-main.js';

// A closed-loop RADIUS load generator. It runs in its own process (bench.ts forks it) so that
// its event loop never shares a turn with the daemon's and the latencies it measures are the
// daemon's, not its own backlog. Standalone: node dist/scripts/radius-load.js '<job JSON>'.
//
// The generator shares the machine with the daemon it measures, so every microsecond it spends
// per request is taken from the daemon. Hence all signing happens before the clock starts: the
// run only sends pre-built packets and checks replies with one MD5 each (plus a sampled HMAC).
// The maths is Lango's own (src/radius/md5.ts, pap.ts: node:crypto underneath), not a copy:
// a hand-written MD5 once saved ~0.6 µs per reply here, too little to justify home-made crypto.
//
// Paced mode (job.rate) is the soak's: instead of as fast as the window allows, it sends at a
// target rate for as long as asked, from a ring of pre-built packets that is re-signed a segment
// at a time as it comes round again (a fresh Request Authenticator, so no reply comes from a
// duplicate cache; Interim-Updates with their counters grown), and reports per-interval figures
// to the parent over IPC. Re-signing costs a few µs a packet, which the paced rate can afford.

export interface LoadJob {
  mode: 'auth' | 'acct';
  /**
   * auth: PAP (User-Password) or CHAP (CHAP-Password over the Request Authenticator as the
   * challenge, no CHAP-Challenge attribute). Both carry Message-Authenticator, as the bench's NAS
   * entries require it. PAP when omitted.
   */
  auth?: 'pap' | 'chap';
  /**
   * Replies must carry Message-Authenticator as their first attribute (Lango does, for every
   * Access reply). False for peers that may leave it out (FreeRADIUS before 3.2.5): then it is
   * checked only when it comes first. Every reply's Response Authenticator is checked either way.
   */
  strictReplyMa?: boolean;
  /** Paced mode: requests per second to hold (instead of closed-loop as fast as the window allows). */
  rate?: number;
  /** Paced mode: seconds between the interval reports (sent to the parent over IPC); 60 when omitted. */
  intervalSeconds?: number;
  /**
   * Paced mode: the ring's size in packets (rounded up to whole segments of 256). Tests make it
   * small so it wraps within seconds; it must hold more than the packets in flight per socket.
   */
  ringPackets?: number;
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
  /**
   * acct: session i belongs to user userOffset + (i % users) + 1. The soak gives accounting users
   * of their own, as the bench's plan allows one device: a user with an open session is refused.
   */
  userOffset?: number;
  sockets?: number;
  /** Requests in flight across all sockets. */
  window?: number;
  timeoutMs?: number;
  nasIp?: string;
  /** The highest rate the pre-built packet pool is sized for (per second, warm-up included). */
  maxRate?: number;
  /** Upper bound on the pool's memory; a smaller pool ends the run early (pool_exhausted). */
  poolMegabytes?: number;
  /** Message-Authenticator of every n-th reply is checked by HMAC (all replies get the MD5 check). */
  maSampleEvery?: number;
}

/** What a stretch of load saw, the whole run or one paced interval. */
interface Counts {
  mode: 'auth' | 'acct';
  seconds: number;
  sent: number;
  answered: number;
  rejects: number;
  bad: number;
  timeouts: number;
  /** Replies to requests that had already timed out (not counted as answered). */
  late: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Paced mode: what one interval (the warm-up excluded) saw. */
export interface IntervalStats extends Counts {
  /** 1-based. */
  index: number;
  /** Accepts (auth) or Accounting-Responses (acct). */
  ok: number;
}

export interface LoadResult extends Counts {
  auth?: 'pap' | 'chap';
  accepted?: number;
  responses?: number;
  /** The generator's own CPU use over the run (100 = one core): near 100 means it, not the daemon, is the limit. */
  generator_cpu_pct: number;
  /** The generator's CPU time per request sent (warm-up included), in microseconds. */
  generator_us_per_request: number;
  /** The span the rps is over: `seconds`, unless the packet pool ran out first. */
  measured_seconds: number;
  sockets: number;
  window: number;
  /** Replies whose Message-Authenticator was verified by HMAC (a sample; every reply's Response Authenticator is checked). */
  ma_checked: number;
  pool: {
    packets: number;
    megabytes: number;
    build_s: number;
    /** True when poolMegabytes held it below maxRate × (warm-up + seconds). */
    capped: boolean;
    /** True when the run ended early because every pre-built packet had been sent. */
    exhausted: boolean;
  };
  /** Paced mode only: the target rate and every interval's figures (p50/p99 above then come from a 10 µs histogram). */
  paced?: { rate: number; intervals: IntervalStats[] };
  /** acct only: the unmeasured Start phase. */
  starts?: { sent: number; responses: number; bad: number; timeouts: number; seconds: number };
}

/** `onInterval` gets a paced run's interval reports as they close. */
export async function runLoad(job: LoadJob, onInterval: (stats: IntervalStats) => void = () => {}): Promise<LoadResult> {
  const dictionary = loadDictionary(defaultDictionaryPath());
  const secret = Buffer.from(job.secret, 'utf8');
  const host = job.host ?? '127.0.0.1';
  const nasIp = job.nasIp ?? '127.0.0.1';
  const settings = {
    sockets: job.sockets ?? 4,
    window: job.window ?? 256,
    timeoutMs: job.timeoutMs ?? 1000,
    maSampleEvery: Math.max(1, job.maSampleEvery ?? 16),
  };
  const warmupSeconds = job.warmupSeconds ?? 1;
  const rate = job.rate;
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) throw new RangeError(`rate must be a positive number, got ${String(rate)}`);
  const intervalSeconds = job.intervalSeconds ?? 60;
  if (!(Number.isFinite(intervalSeconds) && intervalSeconds > 0)) throw new RangeError(`intervalSeconds must be a positive number, got ${String(intervalSeconds)}`);
  // Paced: the Interim-Updates' Event-Timestamp advances at the paced rate.
  const maxRate = rate ?? job.maxRate ?? 100_000;
  // Closed loop: 5% and two partly used segments per socket on top, so a run at exactly maxRate
  // still fits. Paced: a ring of whole segments, large enough that a segment comes round again
  // only long after its replies are due (2 s of sending, and never under 256 segments).
  const wanted =
    rate === undefined
      ? Math.ceil(maxRate * (job.seconds + warmupSeconds) * 1.05) + 2 * settings.sockets * IDS
      : job.ringPackets !== undefined
        ? Math.max(2 * settings.sockets, Math.ceil(job.ringPackets / IDS)) * IDS
        : Math.max(256 * IDS, 8 * settings.sockets * IDS, Math.ceil((rate * 2) / IDS) * IDS);
  const budget = (job.poolMegabytes ?? 512) * 1024 * 1024;
  const users = job.users ?? 10_000;
  const authMethod = job.auth ?? 'pap';
  if (authMethod !== 'pap' && authMethod !== 'chap') throw new RangeError(`auth must be pap or chap, got ${String(authMethod)}`);

  const buildStarted = performance.now();
  let startPool: Pool | undefined;
  let pool: Pool;
  if (job.mode === 'auth') {
    pool = buildAuthPool(authTemplates(dictionary, nasIp, users, authMethod), secret, wanted, budget, authMethod);
  } else {
    const sessions = acctSessions(dictionary, nasIp, job.sessions ?? 5000, users, job.userOffset ?? 0);
    startPool = buildStartPool(sessions, secret);
    pool = buildInterimPool(sessions, secret, wanted, budget - startPool.arena.length, maxRate);
  }
  if (job.strictReplyMa === false && pool.replyHasMa) {
    pool.replyHasMa = false;
    pool.replyMaOptional = true;
  }
  let pacing: Pacing | undefined;
  if (rate !== undefined) {
    if (pool.capped || pool.count % IDS !== 0) throw new RangeError('the paced ring does not fit poolMegabytes');
    // A re-signed packet goes into the same slot, so every packet must have the same length.
    if (pool.lengths.some((length) => length !== pool.lengths[0])) throw new Error('paced mode needs packets of one length');
    pacing = { rate, intervalMs: intervalSeconds * 1000, onInterval };
  }
  const buildSeconds = (performance.now() - buildStarted) / 1000;

  const lanes = await openLanes(host, job.port, settings.sockets, settings.window);
  try {
    const config = { secret, timeoutMs: settings.timeoutMs, maSampleEvery: settings.maSampleEvery };
    let starts: LoadResult['starts'];
    if (startPool) {
      const startedAt = performance.now();
      const s = await new Run(lanes, startPool, config, 0, Infinity).done;
      starts = {
        sent: s.sent,
        responses: s.good,
        bad: s.bad,
        timeouts: s.timeouts,
        seconds: round((performance.now() - startedAt) / 1000, 3),
      };
    }
    const run = await new Run(lanes, pool, config, warmupSeconds * 1000, job.seconds * 1000, pacing && { ...pacing, mode: job.mode }).done;
    const result = summarise(job.mode, job.seconds, run, settings, buildSeconds);
    if (job.mode === 'auth') result.auth = authMethod;
    return starts ? { ...result, starts } : result;
  } finally {
    for (const lane of lanes) lane.socket.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Pre-built packet pools. Packets lie back to back in one arena, in segments of 256 whose
// identifiers run 0..255: the Message-Authenticator (and the accounting Request Authenticator)
// cover the header, so a packet's identifier is fixed when it is signed. Sockets claim whole
// segments as they go (see the driver), so the pool is shared evenly whatever each one's pace.

const IDS = 256;

interface Pool {
  arena: Buffer;
  offsets: Uint32Array;
  lengths: Uint16Array;
  count: number;
  expect: number;
  /** A valid reply with this code is counted as a reject rather than as bad; -1 for none. */
  rejectCode: number;
  /** Lango puts Message-Authenticator first in every Access reply and in no Accounting-Response. */
  replyHasMa: boolean;
  /** Replies may lack Message-Authenticator; a first-placed one is still checked (sampled). */
  replyMaOptional?: boolean;
  /** The pool's size was cut to fit the memory budget. */
  capped: boolean;
  /** Frames and signs packet k (any k ≥ 0 in paced mode, whose ring reuses slot k % count) in `packet`. */
  sign: (k: number, packet: Buffer) => void;
}

function newPool(count: number, lengthOf: (k: number) => number, budget: number, kind: Pick<Pool, 'expect' | 'rejectCode' | 'replyHasMa' | 'sign'>): Pool {
  const offsets = new Uint32Array(count);
  const lengths = new Uint16Array(count);
  let bytes = 0;
  let fits = count;
  for (let k = 0; k < count; k++) {
    const length = lengthOf(k);
    if (bytes + length > budget || bytes + length > 0xffff_ffff) {
      fits = k;
      break;
    }
    offsets[k] = bytes;
    lengths[k] = length;
    bytes += length;
  }
  if (fits === 0) throw new RangeError('the packet pool budget is too small for a single packet');
  return { arena: Buffer.allocUnsafe(bytes), offsets, lengths, count: fits, capped: fits < count, ...kind };
}

/** Random authenticators in bulk: one CSPRNG call per 4096 packets. */
class RandomSource {
  private readonly bytes = Buffer.allocUnsafe(16 * 4096);
  private offset = this.bytes.length;

  /** Writes 16 fresh random bytes into `target` at `at`. */
  fill(target: Buffer, at: number): void {
    if (this.offset === this.bytes.length) {
      randomFillSync(this.bytes);
      this.offset = 0;
    }
    this.bytes.copy(target, at, this.offset, this.offset + 16);
    this.offset += 16;
  }
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

interface AuthTemplate {
  password: Buffer;
  /** User-Password (or CHAP-Password) holds zeros here; it is computed per packet. */
  attributes: Buffer;
  passwordOffset: number;
}

/** CHAP-Password: the CHAP identifier and MD5(identifier | password | challenge). */
const CHAP_LENGTH = 17;

function authTemplates(dictionary: Dictionary, nasIp: string, count: number, method: 'pap' | 'chap'): AuthTemplate[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const password = Buffer.from(`pw-${pad5(n)}`, 'utf8');
    // RFC 2865 §5.2: the hidden value is the password NUL-padded to a multiple of 16 (at least 16).
    const hiddenLength = Math.max(16, Math.ceil(password.length / 16) * 16);
    const head = attr(dictionary, 'User-Name', `user${pad5(n)}`);
    const attributes = Buffer.concat([
      head,
      method === 'pap' ? attr(dictionary, 'User-Password', Buffer.alloc(hiddenLength)) : attr(dictionary, 'CHAP-Password', Buffer.alloc(CHAP_LENGTH)),
      attr(dictionary, 'NAS-IP-Address', nasIp),
      attr(dictionary, 'NAS-Port', n),
      attr(dictionary, 'Calling-Station-Id', mac(n)),
    ]);
    return { password, attributes, passwordOffset: head.length + 2 };
  });
}

const MA_LENGTH = 18;

/** The proof of the password for the Request Authenticator in `packet` (bytes 4..20), CHAP identifier `ident`. */
function proveAuth(method: 'pap' | 'chap', t: AuthTemplate, secret: Buffer, packet: Buffer, ident: number): Buffer {
  const authenticator = packet.subarray(4, 20);
  return method === 'pap' ? hideUserPassword(t.password, secret, authenticator) : computeChapPassword(ident, t.password, authenticator);
}

function buildAuthPool(templates: AuthTemplate[], secret: Buffer, count: number, budget: number, method: 'pap' | 'chap'): Pool {
  const random = new RandomSource();
  // Each packet is framed in place in the arena (a view, no copy), then signed there.
  const sign = (k: number, packet: Buffer): void => {
    const t = templates[k % templates.length]!;
    packet[0] = Code.AccessRequest;
    packet[1] = k & 255;
    packet.writeUInt16BE(packet.length, 2);
    random.fill(packet, 4);
    packet[20] = Attr.MessageAuthenticator;
    packet[21] = MA_LENGTH;
    packet.fill(0, 22, 38);
    t.attributes.copy(packet, 38);
    proveAuth(method, t, secret, packet, k & 255).copy(packet, 38 + t.passwordOffset);
    hmacMd5(secret, [packet]).copy(packet, 22);
  };
  const pool = newPool(count, (k) => 20 + MA_LENGTH + templates[k % templates.length]!.attributes.length, budget, {
    expect: Code.AccessAccept,
    rejectCode: Code.AccessReject,
    replyHasMa: true,
    sign,
  });
  for (let k = 0; k < pool.count; k++) {
    const at = pool.offsets[k]!;
    sign(k, pool.arena.subarray(at, at + pool.lengths[k]!));
  }
  // The in-place framing must produce what the daemon's own encoder would.
  const first = pool.arena.subarray(0, pool.lengths[0]);
  const t0 = templates[0]!;
  const attributes = Buffer.from(t0.attributes);
  proveAuth(method, t0, secret, first, 0).copy(attributes, t0.passwordOffset);
  const reference = encodeRequest({ code: Code.AccessRequest, identifier: 0, attributes, secret, messageAuthenticator: true, authenticator: first.subarray(4, 20) });
  if (!reference.equals(first)) throw new Error('pre-built Access-Request differs from encodeRequest');
  return pool;
}

interface Session {
  start: Buffer;
  interim: Buffer;
  /** Where the Interim-Update's patched integer values start (each attribute is 6 bytes). */
  counters: number;
}

const ACCT_START = 1;
const ACCT_INTERIM = 3;
const INPUT_PER_ROUND = 12_000_000;
// Large enough that sessions wrap 2^32 within a short run, so Gigawords is exercised too.
const OUTPUT_PER_ROUND = 150_000_000;
const GIGAWORD = 2 ** 32;

function acctSessions(dictionary: Dictionary, nasIp: string, count: number, users: number, userOffset: number): Session[] {
  const run = Date.now().toString(36);
  return Array.from({ length: count }, (_, i) => {
    const n = userOffset + (i % users) + 1;
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
      attr(dictionary, 'Event-Timestamp', Math.floor(Date.now() / 1000)),
    ]);
    // Patched in this order by buildInterimPool; the zeros are placeholders.
    const variable = ['Acct-Session-Time', 'Acct-Input-Octets', 'Acct-Output-Octets', 'Acct-Input-Gigawords', 'Acct-Output-Gigawords', 'Event-Timestamp'];
    const interim = Buffer.concat([
      attr(dictionary, 'Acct-Status-Type', ACCT_INTERIM),
      fixed,
      attr(dictionary, 'Acct-Delay-Time', 0),
      ...variable.map((name) => attr(dictionary, name, 0)),
    ]);
    return { start, interim, counters: interim.length - variable.length * 6 };
  });
}

/**
 * Accounting-Request k from `attributesOf(k)`: Request Authenticator = MD5 over the packet with a
 * zero field, then the secret. `attributesOf(k)` may patch and return a shared buffer; `sizeOf(k)`
 * is its length without the patching.
 */
function buildAccountingPool(count: number, sizeOf: (k: number) => number, attributesOf: (k: number) => Buffer, secret: Buffer, budget: number): Pool {
  const sign = (k: number, packet: Buffer): void => {
    packet[0] = Code.AccountingRequest;
    packet[1] = k & 255;
    packet.writeUInt16BE(packet.length, 2);
    packet.fill(0, 4, 20);
    attributesOf(k).copy(packet, 20);
    md5([packet, secret]).copy(packet, 4);
  };
  const pool = newPool(count, (k) => 20 + sizeOf(k), budget, { expect: Code.AccountingResponse, rejectCode: -1, replyHasMa: false, sign });
  for (let k = 0; k < pool.count; k++) {
    const at = pool.offsets[k]!;
    sign(k, pool.arena.subarray(at, at + pool.lengths[k]!));
  }
  const first = pool.arena.subarray(0, pool.lengths[0]);
  const reference = encodeRequest({ code: Code.AccountingRequest, identifier: 0, attributes: first.subarray(20), secret, messageAuthenticator: false });
  if (!reference.equals(first)) throw new Error('pre-built Accounting-Request differs from encodeRequest');
  return pool;
}

function buildStartPool(sessions: Session[], secret: Buffer): Pool {
  return buildAccountingPool(
    sessions.length,
    (k) => sessions[k]!.start.length,
    (k) => sessions[k]!.start,
    secret,
    Infinity,
  );
}

/**
 * Interim-Update k is round floor(k / sessions) + 1 of session k % sessions: every packet grows
 * its session's counters and Acct-Session-Time, so each one (and its computed authenticator) is
 * new — no duplicate-cache hits, no idempotent no-op upserts.
 */
function buildInterimPool(sessions: Session[], secret: Buffer, count: number, budget: number, maxRate: number): Pool {
  const epoch = Math.floor(Date.now() / 1000);
  return buildAccountingPool(
    count,
    (k) => sessions[k % sessions.length]!.interim.length,
    (k) => {
      const session = sessions[k % sessions.length]!;
      const round = Math.floor(k / sessions.length) + 1;
      const input = round * INPUT_PER_ROUND;
      const output = round * OUTPUT_PER_ROUND;
      const buf = session.interim;
      let at = session.counters + 2;
      // The NAS's clock as it would read when the packet goes out at the pool's design rate.
      for (const value of [round, input % GIGAWORD, output % GIGAWORD, Math.floor(input / GIGAWORD), Math.floor(output / GIGAWORD), epoch + Math.floor(k / maxRate)]) {
        buf.writeUInt32BE(value, at);
        at += 6;
      }
      return buf;
    },
    secret,
    budget,
  );
}

// ---------------------------------------------------------------------------------------------
// The driver. Per socket: a share of the window, a ring of identifiers ready to send (in the
// order they came back, so all 256 take turns) and typed arrays indexed by identifier, so a
// send allocates nothing of ours and a reply costs one MD5 and no lookups.
//
// A socket claims whole segments of the pool, and identifier j sends the j-th packet of the
// oldest claimed segment it has not used yet.
//
// A timed-out identifier is reused at once (holding it back would burn its share of the pool,
// and with accounting also reorder sessions' counters), so a late reply may meet a newer
// request on its identifier: the last LATE_HISTORY timed-out authenticators per identifier are
// kept to tell such a reply (late) from a wrong one (bad).
const LATE_HISTORY = 8;

class Lane {
  window = 0;
  inFlight = 0;
  readonly busy = new Uint8Array(IDS);
  readonly measured = new Uint8Array(IDS);
  readonly sentAt = new Float64Array(IDS);
  /** Request Authenticators of timed-out requests, LATE_HISTORY per identifier, and how many each has had. */
  readonly timedOut = Buffer.alloc(IDS * LATE_HISTORY * 16);
  readonly timedOutCount = new Uint32Array(IDS);
  /** Arena offset of the request each identifier is in flight with (its bytes 4..20 check the reply). */
  readonly request = new Uint32Array(IDS);
  /** Identifiers free to send, longest free first. */
  readonly ready = new Uint8Array(IDS);
  readyHead = 0;
  readySize = 0;
  /** Per identifier, how many of this socket's claimed segments it has sent from. */
  readonly used = new Uint32Array(IDS);
  segments = new Uint32Array(256);
  segmentCount = 0;
  run: Run | null = null;

  constructor(readonly socket: dgram.Socket) {}

  pushReady(id: number): void {
    this.ready[(this.readyHead + this.readySize) & (IDS - 1)] = id;
    this.readySize++;
  }

  popReady(): void {
    this.readyHead = (this.readyHead + 1) & (IDS - 1);
    this.readySize--;
  }

  addSegment(segment: number): void {
    if (this.segmentCount === this.segments.length) {
      const bigger = new Uint32Array(this.segments.length * 2);
      bigger.set(this.segments);
      this.segments = bigger;
    }
    this.segments[this.segmentCount++] = segment;
  }

  /** A new run over a new pool: no segments, every identifier ready. */
  reset(run: Run): void {
    this.run = run;
    this.readyHead = 0;
    this.readySize = 0;
    this.segmentCount = 0;
    this.used.fill(0);
    for (let id = 0; id < IDS; id++) this.pushReady(id);
  }

  /** Keeps the authenticator of the request that just timed out on `id`. */
  rememberTimedOut(id: number, arena: Buffer, request: number): void {
    const at = (id * LATE_HISTORY + (this.timedOutCount[id]! % LATE_HISTORY)) * 16;
    this.timedOutCount[id]!++;
    arena.copy(this.timedOut, at, request + 4, request + 20);
  }
}

async function openLanes(host: string, port: number, count: number, window: number): Promise<Lane[]> {
  if (window < 1 || count < 1) throw new RangeError('window and sockets must be at least 1');
  if (Math.ceil(window / count) > IDS) throw new RangeError(`a socket can have at most ${IDS} requests in flight; use at least ${Math.ceil(window / IDS)} sockets`);
  const lanes: Lane[] = [];
  for (let i = 0; i < count; i++) {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    // Connected sockets skip the per-send address lookup and only see replies from the server.
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const lane = new Lane(socket);
    lane.window = Math.floor(window / count) + (i < window % count ? 1 : 0);
    socket.on('message', (msg: Buffer) => {
      if (lane.run !== null) lane.run.onReply(lane, msg);
    });
    socket.on('error', () => {
      // ICMP port unreachable and the like surface here; the request will simply time out.
    });
    lanes.push(lane);
  }
  return lanes;
}

const ZERO16 = Buffer.alloc(16);

const GOOD = 0;
const REJECT = 1;
const BAD = 2;

interface RunConfig {
  secret: Buffer;
  timeoutMs: number;
  maSampleEvery: number;
}

interface Pacing {
  rate: number;
  intervalMs: number;
  onInterval: (stats: IntervalStats) => void;
}

/** A sweep this much later than due means the generator, not the server, was stalled. */
const SWEEP_STALL_MS = 200;
/** How often the paced run tops up its send budget and looks for a finished interval. */
const PACER_TICK_MS = 5;
/** A stalled run may catch up by at most this much sending in one go, so it never floods. */
const PACER_BURST_SECONDS = 0.1;

/** Latencies in 10 µs buckets up to 10 s (the last bucket takes everything above): a long run's percentiles in 4 MB. */
class Histogram {
  private readonly buckets = new Uint32Array(1_000_000);
  count = 0;
  max = 0;

  add(ms: number): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.floor(ms * 100))]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The upper edge of the bucket holding quantile q. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < this.buckets.length; b++) {
      seen += this.buckets[b]!;
      if (seen >= rank) return Math.min(this.max, (b + 1) / 100);
    }
    return this.max;
  }
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * One closed-loop pass over a pool. With measureMs Infinity it sends the whole pool once (the
 * accounting Starts); otherwise it runs for warm-up + measureMs, and running out of packets
 * ends it early: a packet is never sent twice.
 *
 * Paced, the window only bounds what is in flight: a send also needs a token, and tokens come at
 * the target rate. The pool is a ring: segment numbers keep counting up, segment s uses slot
 * s % segments, re-signed as packets s × 256.. when it comes round again.
 */
class Run {
  sent = 0;
  issued = 0;
  good = 0;
  rejects = 0;
  bad = 0;
  timeouts = 0;
  late = 0;
  maChecked = 0;
  exhausted = false;
  latencies: Float64Array;
  count = 0;
  /** Paced: the whole run's latencies (`latencies` then holds only the current interval's). */
  readonly histogram: Histogram | undefined;
  readonly intervals: IntervalStats[] = [];
  cpuPct = 0;
  cpuUsPerRequest = 0;
  measuredMs = 0;
  readonly done: Promise<Run>;

  private readonly t0 = performance.now();
  private readonly cpuAtStart = process.cpuUsage();
  private readonly measureFrom: number;
  private readonly stopAt: number;
  private readonly finite: boolean;
  private stopped = false;
  private endedAt = 0;
  private nextSegment = 0;
  private maCountdown: number;
  private resolve!: (run: Run) => void;
  private readonly sweeper: NodeJS.Timeout;
  private readonly sweepMs: number;
  private lastSweep = this.t0;
  private readonly pacer: NodeJS.Timeout | undefined;
  private tokens = 0;
  private lastTick = this.t0;
  private nextLane = 0;
  /** Paced: the measured counters at the start of the current interval. */
  private mark = { sent: 0, good: 0, rejects: 0, bad: 0, timeouts: 0, late: 0, at: 0 };

  constructor(
    private readonly lanes: Lane[],
    readonly pool: Pool,
    private readonly config: RunConfig,
    warmupMs: number,
    measureMs: number,
    readonly pacing?: Pacing & { mode: 'auth' | 'acct' },
  ) {
    this.finite = measureMs === Infinity;
    this.measureFrom = this.t0 + warmupMs;
    this.stopAt = this.measureFrom + measureMs;
    this.maCountdown = config.maSampleEvery;
    this.latencies = new Float64Array(pacing ? 1 << 14 : this.finite ? pool.count : Math.min(pool.count, 1 << 20));
    this.done = new Promise<Run>((resolve) => {
      this.resolve = resolve;
    });
    this.sweepMs = Math.min(50, config.timeoutMs / 4);
    this.sweeper = setInterval(() => this.sweep(), this.sweepMs);
    if (pacing) {
      this.histogram = new Histogram();
      this.mark.at = this.measureFrom;
      this.pacer = setInterval(() => this.tick(), PACER_TICK_MS);
    }
    for (const lane of lanes) lane.reset(this);
    for (const lane of lanes) this.fill(lane, this.t0);
  }

  /** Paced: tokens for the time since the last tick, shared out lane by lane in turn. */
  private tick(): void {
    const pacing = this.pacing!;
    const now = performance.now();
    this.tokens = Math.min(Math.max(1, pacing.rate * PACER_BURST_SECONDS), this.tokens + (pacing.rate * (now - this.lastTick)) / 1000);
    this.lastTick = now;
    const lanes = this.lanes;
    for (let i = 0; i < lanes.length && this.tokens >= 1; i++) this.fill(lanes[(this.nextLane + i) % lanes.length]!, now);
    this.nextLane = (this.nextLane + 1) % lanes.length;
    // A generator stalled past a boundary (a long GC, a starved core) still reports every interval.
    for (let end = this.intervalEnd(); now >= end && end < this.stopAt; end = this.intervalEnd()) this.closeInterval(end);
    if (now >= this.stopAt) this.stop(now);
    this.finishIfDone();
  }

  /** Paced: when the current interval ends, counted from the start so rounding never adds up. */
  private intervalEnd(): number {
    return this.measureFrom + (this.intervals.length + 1) * this.pacing!.intervalMs;
  }

  /** Paced: reports the interval that ends at `end` and starts the next. */
  private closeInterval(end: number): void {
    const pacing = this.pacing!;
    const m = this.mark;
    const seconds = (end - m.at) / 1000;
    const sorted = this.latencies.subarray(0, this.count).sort();
    const answered = this.good - m.good + (this.rejects - m.rejects) + (this.bad - m.bad);
    const stats: IntervalStats = {
      mode: pacing.mode,
      index: this.intervals.length + 1,
      seconds: round(seconds, 3),
      sent: this.sent - m.sent,
      answered,
      ok: this.good - m.good,
      rejects: this.rejects - m.rejects,
      bad: this.bad - m.bad,
      timeouts: this.timeouts - m.timeouts,
      late: this.late - m.late,
      rps: seconds > 0 ? Math.round(answered / seconds) : 0,
      p50_ms: round(percentile(sorted, 0.5), 3),
      p99_ms: round(percentile(sorted, 0.99), 3),
      max_ms: round(this.count === 0 ? 0 : sorted[this.count - 1]!, 3),
    };
    this.intervals.push(stats);
    this.count = 0;
    this.mark = { sent: this.sent, good: this.good, rejects: this.rejects, bad: this.bad, timeouts: this.timeouts, late: this.late, at: end };
    pacing.onInterval(stats);
  }

  private stop(now: number): void {
    if (this.stopped) return;
    this.stopped = true;
    this.endedAt = Math.min(now, this.stopAt);
  }

  /** Gives the socket the next segment of the pool; false when there is none left. */
  private claim(lane: Lane): boolean {
    const pool = this.pool;
    if (this.pacing) {
      const segment = this.nextSegment++;
      if (segment * IDS >= pool.count) {
        const slot = (segment * IDS) % pool.count;
        const length = pool.lengths[0]!;
        for (let id = 0; id < IDS; id++) {
          const at = pool.offsets[slot + id]!;
          pool.sign(segment * IDS + id, pool.arena.subarray(at, at + length));
        }
      }
      lane.addSegment(segment);
      return true;
    }
    if (this.nextSegment * IDS >= pool.count) return false;
    lane.addSegment(this.nextSegment++);
    return true;
  }

  private fill(lane: Lane, now: number): void {
    const pool = this.pool;
    const paced = this.pacing !== undefined;
    while (lane.inFlight < lane.window && lane.readySize > 0 && !this.stopped) {
      if (now >= this.stopAt) return this.stop(now);
      if (paced && this.tokens < 1) return;
      const id = lane.ready[lane.readyHead]!;
      const u = lane.used[id]!;
      if (u === lane.segmentCount && !this.claim(lane)) {
        if (!this.finite) {
          this.exhausted = true;
          return this.stop(now);
        }
        // Sending the whole pool once: this identifier is done, the rest may still have some.
        lane.popReady();
        continue;
      }
      lane.used[id] = u + 1;
      let k = lane.segments[u]! * IDS + id;
      if (paced) {
        k %= pool.count;
        this.tokens--;
      } else if (k >= pool.count) {
        // Only the pool's last segment is short, and this identifier has no packet in it.
        continue;
      }
      lane.popReady();
      const at = pool.offsets[k]!;
      lane.busy[id] = 1;
      lane.request[id] = at;
      lane.sentAt[id] = now;
      const measured = now >= this.measureFrom;
      lane.measured[id] = measured ? 1 : 0;
      lane.inFlight++;
      this.issued++;
      if (measured) this.sent++;
      lane.socket.send(pool.arena, at, pool.lengths[k]!);
      if (this.finite && this.issued === pool.count) return this.stop(now);
    }
  }

  onReply(lane: Lane, msg: Buffer): void {
    const now = performance.now();
    const length = msg.length;
    if (length < 20 || length > MAX_PACKET) {
      this.bad++;
      return;
    }
    const id = msg[1]!;
    if (lane.busy[id] === 0) {
      // A reply to a timed-out request, or something unsolicited.
      this.late++;
      return;
    }
    const request = lane.request[id]!;
    const verdict = this.verify(msg, length, this.pool.arena.subarray(request + 4, request + 20));
    if (verdict === BAD && this.isLate(lane, id, msg, length)) {
      this.late++;
      return;
    }
    lane.busy[id] = 0;
    lane.inFlight--;
    lane.pushReady(id);
    if (lane.measured[id] === 1) {
      if (verdict === GOOD) this.good++;
      else if (verdict === REJECT) this.rejects++;
      else this.bad++;
      if (this.count === this.latencies.length) {
        const bigger = new Float64Array(this.latencies.length * 2);
        bigger.set(this.latencies);
        this.latencies = bigger;
      }
      const latency = now - lane.sentAt[id]!;
      this.latencies[this.count++] = latency;
      this.histogram?.add(latency);
    }
    this.fill(lane, now);
    if (this.stopped) this.finishIfDone();
  }

  /** True when the reply answers one of the requests that timed out on this identifier. */
  private isLate(lane: Lane, id: number, msg: Buffer, length: number): boolean {
    const held = Math.min(lane.timedOutCount[id]!, LATE_HISTORY);
    for (let h = 0; h < held; h++) {
      const at = (id * LATE_HISTORY + h) * 16;
      if (this.verify(msg, length, lane.timedOut.subarray(at, at + 16)) !== BAD) return true;
    }
    return false;
  }

  /**
   * Response Authenticator (RFC 2865 §3) of every reply against `requestAuthenticator` (a view
   * into the arena or the timed-out history); Message-Authenticator (RFC 3579 §3.2) of a sample.
   * The hashes read subarray views of the reply: nothing is copied but into md5's own scratch.
   */
  private verify(msg: Buffer, length: number, requestAuthenticator: Buffer): number {
    const secret = this.config.secret;
    if (((msg[2]! << 8) | msg[3]!) !== length) return BAD;
    const expected = md5([msg.subarray(0, 4), requestAuthenticator, msg.subarray(20), secret]);
    if (!expected.equals(msg.subarray(4, 20))) return BAD;
    const maFirst = length >= 38 && msg[20] === Attr.MessageAuthenticator && msg[21] === MA_LENGTH;
    if (this.pool.replyHasMa && !maFirst) return BAD;
    if (maFirst && (this.pool.replyHasMa || this.pool.replyMaOptional === true)) {
      if (--this.maCountdown === 0) {
        this.maCountdown = this.config.maSampleEvery;
        this.maChecked++;
        // Over the reply with the request's authenticator in the header and the MA value zeroed.
        const ma = hmacMd5(secret, [msg.subarray(0, 4), requestAuthenticator, msg.subarray(20, 22), ZERO16, msg.subarray(38)]);
        if (!ma.equals(msg.subarray(22, 38))) return BAD;
      }
    }
    const code = msg[0]!;
    return code === this.pool.expect ? GOOD : code === this.pool.rejectCode ? REJECT : BAD;
  }

  private sweep(): void {
    const now = performance.now();
    const timeoutMs = this.config.timeoutMs;
    // After the generator itself was stalled (descheduled on a busy machine), timers run before
    // the replies that arrived meanwhile are read: judge on the next sweep, once they have been,
    // or a stall of the generator would be blamed on the server as a window full of timeouts.
    const stalled = now - this.lastSweep > this.sweepMs + SWEEP_STALL_MS;
    this.lastSweep = now;
    if (stalled) return;
    for (const lane of this.lanes) {
      for (let id = 0; id < IDS; id++) {
        if (lane.busy[id] === 1 && now - lane.sentAt[id]! >= timeoutMs) {
          if (lane.measured[id] === 1) this.timeouts++;
          lane.busy[id] = 0;
          lane.inFlight--;
          lane.rememberTimedOut(id, this.pool.arena, lane.request[id]!);
          lane.pushReady(id);
        }
      }
      this.fill(lane, now);
    }
    if (now >= this.stopAt) this.stop(now);
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (!this.stopped) return;
    for (const lane of this.lanes) if (lane.inFlight > 0) return;
    clearInterval(this.sweeper);
    if (this.pacer) {
      clearInterval(this.pacer);
      // The last interval (partial when the run is not a whole number of them), unless it is too short to say anything.
      if (this.endedAt - this.mark.at >= Math.min(1000, this.pacing!.intervalMs / 2)) this.closeInterval(this.endedAt);
    }
    for (const lane of this.lanes) lane.run = null;
    const cpu = process.cpuUsage(this.cpuAtStart);
    const cpuUs = cpu.user + cpu.system;
    this.cpuPct = Math.round((cpuUs / 1000 / (performance.now() - this.t0)) * 100);
    this.cpuUsPerRequest = this.issued === 0 ? 0 : cpuUs / this.issued;
    this.measuredMs = Math.max(0, this.endedAt - this.measureFrom);
    this.resolve(this);
  }
}

function summarise(mode: 'auth' | 'acct', seconds: number, run: Run, settings: { sockets: number; window: number }, buildSeconds: number): LoadResult {
  const latencies = run.latencies.subarray(0, run.count).sort();
  const histogram = run.histogram;
  const pick = (q: number): number => (histogram ? histogram.quantile(q) : percentile(latencies, q));
  const max = histogram ? histogram.max : run.count === 0 ? 0 : latencies[run.count - 1]!;
  const answered = run.good + run.rejects + run.bad;
  const measuredSeconds = run.measuredMs / 1000;
  const pool = run.pool;
  return {
    mode,
    seconds,
    sent: run.sent,
    answered,
    ...(mode === 'auth' ? { accepted: run.good } : { responses: run.good }),
    rejects: run.rejects,
    bad: run.bad,
    timeouts: run.timeouts,
    late: run.late,
    rps: measuredSeconds > 0 ? Math.round(answered / measuredSeconds) : 0,
    p50_ms: round(pick(0.5), 3),
    p99_ms: round(pick(0.99), 3),
    max_ms: round(max, 3),
    generator_cpu_pct: run.cpuPct,
    generator_us_per_request: round(run.cpuUsPerRequest, 2),
    measured_seconds: round(measuredSeconds, 3),
    sockets: settings.sockets,
    window: settings.window,
    ma_checked: run.maChecked,
    pool: {
      packets: pool.count,
      megabytes: round(pool.arena.length / (1024 * 1024), 1),
      build_s: round(buildSeconds, 2),
      capped: pool.capped,
      exhausted: run.exhausted,
    },
    ...(run.pacing ? { paced: { rate: run.pacing.rate, intervals: run.intervals } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Entry point: a job arrives over the IPC channel (forked by bench.ts) or as argv JSON.

export type LoadMessage = { ok: true; result: LoadResult } | { ok: false; error: string } | { interval: IntervalStats };

/**
 * Runs one job in a forked generator, so it has a core's worth of event loop to itself;
 * `onInterval` gets a paced run's interval reports as they come.
 */
export function forkGenerator(job: LoadJob, onInterval?: (stats: IntervalStats) => void): Promise<LoadResult> {
  // The compiled generator, also when this module runs as TypeScript (the tests): a plain node child cannot run .ts.
  const script = join(repoRoot(), 'dist', 'scripts', 'radius-load.js');
  if (!existsSync(script)) return Promise.reject(new Error(`${script} does not exist; run \`npm run build\` first`));
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let final: Exclude<LoadMessage, { interval: IntervalStats }> | undefined;
    child.on('message', (m: LoadMessage) => {
      if ('interval' in m) onInterval?.(m.interval);
      else final = m;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (final?.ok) resolve(final.result);
      else if (final) reject(new Error(`load generator failed: ${final.error}`));
      else reject(new Error(`load generator exited (code ${String(code)}, signal ${String(signal)}) without a result`));
    });
    child.send(job);
  });
}

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (send) {
    process.once('message', (job: LoadJob) => {
      runLoad(job, (interval) => send({ interval } satisfies LoadMessage)).then(
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

runMain(import.meta.url, main);

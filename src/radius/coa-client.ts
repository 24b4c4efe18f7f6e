import dgram from 'node:dgram';
import { isIP, isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import { encodeRequest, verifyMessageAuthenticator, verifyResponse } from './authenticators.js';
import { decodePacket, encodeAttribute, MalformedPacketError, MAX_PACKET } from './codec.js';
import type { AttributeDef, Dictionary } from './dictionary.js';
import { Attr, Code, findAttribute, type Packet } from './packet.js';

// Lango as Dynamic Authorization Client (RFC 5176): sends CoA/Disconnect-Requests to a NAS and
// waits for its ACK/NAK, retransmitting on the RFC 5080 §2.2.1 schedule. Like server.ts it knows
// nothing of sessions or routers: callers pass identification attributes already encoded and
// decide what a NAK or a timeout means (e.g. fall back to the RouterOS API).

export type DynamicAuthKind = 'coa' | 'disconnect';

export interface DynamicAuthTarget {
  address: string;
  port: number;
  secret: Buffer;
  name?: string;
}

export interface DynamicAuthResult {
  outcome: 'ack' | 'nak' | 'timeout';
  /** Error-Cause (101) from the reply, if present. */
  errorCause?: number;
  /** Its dictionary VALUE name, e.g. 'Session-Context-Not-Found'. */
  errorCauseName?: string;
  /** Datagrams sent: 1 + retransmissions (0 if closed while still queued). */
  attempts: number;
  /** From the first send to the outcome. */
  seconds: number;
}

export type IgnoredReason =
  | 'unknown_source'
  | 'malformed'
  | 'unknown_identifier'
  | 'unexpected_code'
  | 'bad_authenticator'
  | 'bad_message_authenticator';

export interface CoaClientObserver {
  /** A datagram that is not an acceptable answer to any outstanding request. */
  ignored(reason: IgnoredReason): void;
}

export interface CoaTiming {
  /** IRT: first retransmission timeout. */
  initialMs?: number;
  /** MRC: total sends per request, the first included. */
  maxCount?: number;
  /** MRT: cap on one retransmission timeout. */
  maxMs?: number;
  /** MRD: give up this long after the first send. */
  maxDurationMs?: number;
}

export interface CoaClientOptions {
  dictionary: Dictionary;
  /** Local address, default '0.0.0.0'. A NAS picks the secret by our source IP, so operators may need to pin it. */
  bind?: string;
  timing?: CoaTiming;
  logger?: Logger;
  observer?: CoaClientObserver;
}

// RFC 5080 §2.2.1 defaults (MRD must be finite: there is no fail-over target for a session).
const DEFAULT_TIMING: Required<CoaTiming> = { initialMs: 2000, maxCount: 5, maxMs: 16_000, maxDurationMs: 30_000 };
const ZERO16 = Buffer.alloc(16);
const IDENTIFIERS = 256;
const EVENT_TIMESTAMP = 55;
const ERROR_CAUSE = 101;

const REQUEST_CODE: Record<DynamicAuthKind, number> = { coa: Code.CoaRequest, disconnect: Code.DisconnectRequest };
const ACK_CODE: Record<DynamicAuthKind, number> = { coa: Code.CoaAck, disconnect: Code.DisconnectAck };
const NAK_CODE: Record<DynamicAuthKind, number> = { coa: Code.CoaNak, disconnect: Code.DisconnectNak };

interface Queued {
  kind: DynamicAuthKind;
  target: DynamicAuthTarget;
  attributes: Buffer;
  resolve: (result: DynamicAuthResult) => void;
  reject: (err: Error) => void;
}

interface Outstanding {
  kind: DynamicAuthKind;
  target: DynamicAuthTarget;
  peer: Peer;
  identifier: number;
  bytes: Buffer;
  requestAuthenticator: Buffer;
  attempts: number;
  started: bigint;
  rt: number;
  timer: NodeJS.Timeout | undefined;
  resolve: (result: DynamicAuthResult) => void;
}

/** Everything per NAS address:port: the Identifier space is per destination, so is the queue. */
interface Peer {
  key: string;
  outstanding: Map<number, Outstanding>;
  queue: Queued[];
  nextId: number;
}

export class CoaClient {
  private readonly timing: Required<CoaTiming>;
  private readonly peers = new Map<string, Peer>();
  private readonly eventTimestamp: AttributeDef;
  private readonly errorCause: AttributeDef;
  private readonly badSecretWarned = new Map<string, number>();
  private socket: dgram.Socket | undefined;
  private family: 4 | 6 = 4;
  private closed = false;

  constructor(private readonly options: CoaClientOptions) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    const { initialMs, maxCount, maxMs, maxDurationMs } = this.timing;
    for (const [name, value] of Object.entries({ initialMs, maxMs, maxDurationMs })) {
      if (!(value > 0 && Number.isFinite(value))) throw new RangeError(`CoA timing ${name} must be a positive number of milliseconds`);
    }
    if (!(Number.isInteger(maxCount) && maxCount >= 1)) throw new RangeError('CoA timing maxCount must be a whole number ≥ 1');
    this.eventTimestamp = options.dictionary.require('Event-Timestamp');
    this.errorCause = options.dictionary.require('Error-Cause');
  }

  /** Binds one UDP socket on an ephemeral port; every target is reached from it. */
  async start(): Promise<void> {
    if (this.socket) return;
    const bind = this.options.bind ?? '0.0.0.0';
    this.family = isIP(bind) === 6 ? 6 : 4;
    const family = this.family;
    const socket = dgram.createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      // Targets are numeric; skip the dns.lookup tick Node would otherwise add to every send.
      lookup: (address, _options, callback) => (callback as (e: null, a: string, f: number) => void)(null, address, family),
    });
    socket.on('message', (msg, rinfo) => {
      try {
        this.receive(msg, rinfo);
      } catch (err) {
        this.options.logger?.error({ err, source: rinfo.address }, 'unexpected error while handling a CoA reply');
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, bind, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.options.logger?.error({ err }, 'CoA socket error'));
    this.socket = socket;
    this.closed = false;
  }

  /** Local port the NAS sees as our source (tests, and for operators' firewall rules). */
  get port(): number {
    if (!this.socket) throw new Error('CoA client is not started');
    return this.socket.address().port;
  }

  /**
   * `attributes`: pre-encoded identification (+ for CoA the new values, e.g. Mikrotik-Rate-Limit).
   * Message-Authenticator goes first and Event-Timestamp is appended unless already given.
   * Resolves once per request, never rejects for network trouble: no answer is a `timeout`.
   */
  send(kind: DynamicAuthKind, target: DynamicAuthTarget, attributes: Buffer): Promise<DynamicAuthResult> {
    if (!this.socket || this.closed) return Promise.reject(new Error('CoA client is not started'));
    if (isIP(target.address) === 0) return Promise.reject(new TypeError(`CoA target address must be an IP address, got "${target.address}"`));
    if (!(Number.isInteger(target.port) && target.port > 0 && target.port < 65536)) {
      return Promise.reject(new RangeError(`CoA target port ${target.port} is out of range`));
    }
    if (this.family === 4 && isIP(target.address) === 6) {
      return Promise.reject(new TypeError(`CoA client bound to IPv4 cannot reach ${target.address}`));
    }
    try {
      checkCallerAttributes(attributes);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    // Checked here, not when a queued request finally gets an Id, so the caller hears it at once.
    const largest = 20 + 18 + attributes.length + 6;
    if (largest > MAX_PACKET) return Promise.reject(new RangeError(`CoA request would be ${largest} bytes; RADIUS allows ${MAX_PACKET}`));
    const key = peerKey(target.address, target.port);
    let peer = this.peers.get(key);
    if (!peer) {
      // A random first Id makes a blind spoofer guess it; the Response Authenticator is the real defence.
      peer = { key, outstanding: new Map(), queue: [], nextId: Math.floor(Math.random() * IDENTIFIERS) };
      this.peers.set(key, peer);
    }
    const known = peer;
    return new Promise((resolve, reject) => {
      const queued: Queued = { kind, target, attributes, resolve, reject };
      if (known.outstanding.size >= IDENTIFIERS || known.queue.length > 0) known.queue.push(queued);
      else this.begin(known, queued);
    });
  }

  /** Closes the socket; requests still waiting resolve as `timeout`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const peer of this.peers.values()) {
      for (const request of peer.outstanding.values()) {
        clearTimeout(request.timer);
        request.resolve({ outcome: 'timeout', attempts: request.attempts, seconds: secondsSince(request.started) });
      }
      for (const queued of peer.queue) queued.resolve({ outcome: 'timeout', attempts: 0, seconds: 0 });
    }
    this.peers.clear();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Gives the request an Id and sends it; errors reject the caller's promise, never the event loop. */
  private begin(peer: Peer, queued: Queued): void {
    const identifier = this.allocateId(peer);
    let bytes: Buffer;
    try {
      bytes = encodeRequest({
        code: REQUEST_CODE[queued.kind],
        identifier,
        attributes: this.withEventTimestamp(queued.attributes),
        secret: queued.target.secret,
        messageAuthenticator: true,
      });
    } catch (err) {
      queued.reject(err as Error);
      return;
    }
    const request: Outstanding = {
      kind: queued.kind,
      target: queued.target,
      peer,
      identifier,
      bytes,
      requestAuthenticator: bytes.subarray(4, 20),
      attempts: 0,
      started: process.hrtime.bigint(),
      rt: this.timing.initialMs * (1 + jitter()),
      timer: undefined,
      resolve: queued.resolve,
    };
    peer.outstanding.set(identifier, request);
    this.transmit(request);
  }

  private allocateId(peer: Peer): number {
    for (let i = 0; i < IDENTIFIERS; i++) {
      const id = (peer.nextId + i) % IDENTIFIERS;
      if (!peer.outstanding.has(id)) {
        peer.nextId = (id + 1) % IDENTIFIERS;
        return id;
      }
    }
    throw new Error('no free RADIUS identifier'); // unreachable: callers queue at 256 outstanding
  }

  /** Caller attributes + Event-Timestamp (RFC 5176 §3: lets the NAS refuse a stale replay). */
  private withEventTimestamp(attributes: Buffer): Buffer {
    if (hasTopLevelAttribute(attributes, EVENT_TIMESTAMP)) return attributes;
    return Buffer.concat([attributes, encodeAttribute(this.eventTimestamp, Math.floor(Date.now() / 1000))]);
  }

  /** Sends (or resends the identical bytes) and arms the next RFC 5080 timer. */
  private transmit(request: Outstanding): void {
    const socket = this.socket;
    if (!socket) return;
    request.attempts++;
    const address = this.family === 6 && isIPv4(request.target.address) ? `::ffff:${request.target.address}` : request.target.address;
    socket.send(request.bytes, request.target.port, address, (err) => {
      // UDP send errors (no route, ICMP from an earlier send) are often transient: keep the schedule.
      if (err) this.options.logger?.warn({ err, nas: targetName(request.target) }, 'could not send CoA/Disconnect-Request');
    });
    const elapsedMs = Number(process.hrtime.bigint() - request.started) / 1e6;
    const remainingMs = this.timing.maxDurationMs - elapsedMs;
    const last = request.attempts >= this.timing.maxCount || request.rt >= remainingMs;
    const delay = Math.max(0, Math.min(request.rt, remainingMs));
    request.timer = setTimeout(() => (last ? this.timeout(request) : this.retransmit(request)), delay);
  }

  private retransmit(request: Outstanding): void {
    const { maxMs } = this.timing;
    let rt = 2 * request.rt + jitter() * request.rt;
    if (rt > maxMs) rt = maxMs + jitter() * maxMs;
    request.rt = rt;
    this.transmit(request);
  }

  private timeout(request: Outstanding): void {
    this.options.logger?.debug({ nas: targetName(request.target), kind: request.kind, attempts: request.attempts }, 'no answer to CoA/Disconnect-Request');
    this.finish(request, { outcome: 'timeout', attempts: request.attempts, seconds: secondsSince(request.started) });
  }

  private finish(request: Outstanding, result: DynamicAuthResult): void {
    clearTimeout(request.timer);
    const peer = request.peer;
    peer.outstanding.delete(request.identifier);
    request.resolve(result);
    for (let next = peer.queue.shift(); next; next = peer.outstanding.size < IDENTIFIERS ? peer.queue.shift() : undefined) {
      this.begin(peer, next);
    }
    if (peer.outstanding.size === 0 && peer.queue.length === 0) this.peers.delete(peer.key);
  }

  private ignore(reason: IgnoredReason, detail: Record<string, unknown>): void {
    this.options.observer?.ignored(reason);
    if (this.options.logger?.isLevelEnabled('debug')) this.options.logger.debug({ reason, ...detail }, 'CoA reply ignored');
  }

  private receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const source = rinfo.address.startsWith('::ffff:') && isIPv4(rinfo.address.slice(7)) ? rinfo.address.slice(7) : rinfo.address;
    const peer = this.peers.get(peerKey(source, rinfo.port));
    if (!peer) return this.ignore('unknown_source', { source, port: rinfo.port });

    let reply: Packet;
    try {
      reply = decodePacket(msg, this.options.dictionary);
    } catch (err) {
      if (err instanceof MalformedPacketError) return this.ignore('malformed', { source, detail: err.reason });
      throw err;
    }
    const request = peer.outstanding.get(reply.identifier);
    if (!request) return this.ignore('unknown_identifier', { source, identifier: reply.identifier });
    const nas = targetName(request.target);
    if (reply.code !== ACK_CODE[request.kind] && reply.code !== NAK_CODE[request.kind]) {
      return this.ignore('unexpected_code', { nas, code: reply.code });
    }
    const verdict = checkReply(reply, request.requestAuthenticator, request.target.secret);
    if (verdict !== 'ok') {
      this.warnBadSecret(peer.key, nas);
      return this.ignore(verdict, { nas });
    }

    const result: DynamicAuthResult = {
      outcome: reply.code === ACK_CODE[request.kind] ? 'ack' : 'nak',
      attempts: request.attempts,
      seconds: secondsSince(request.started),
    };
    const cause = findAttribute(reply, ERROR_CAUSE);
    if (cause?.length === 4) {
      result.errorCause = cause.readUInt32BE(0);
      const name = this.errorCause.valueNames.get(result.errorCause);
      if (name !== undefined) result.errorCauseName = name;
    }
    this.options.logger?.debug({ nas, kind: request.kind, ...result }, 'CoA/Disconnect answered');
    this.finish(request, result);
  }

  /** A NAS with another secret looks like a timeout to the caller; tell the operator why, once a minute. */
  private warnBadSecret(key: string, nas: string): void {
    const now = Date.now();
    if (now - (this.badSecretWarned.get(key) ?? 0) < 60_000) return;
    if (this.badSecretWarned.size > 10_000) this.badSecretWarned.clear();
    this.badSecretWarned.set(key, now);
    this.options.logger?.warn({ nas }, 'CoA reply failed authentication; check that the router and Lango use the same secret');
  }
}

/**
 * The Response Authenticator must be MD5 over the request's authenticator. A Message-Authenticator
 * may hash either that (RFC 5176 §3.4) or 16 zero bytes: FreeRADIUS's rad_sign zeroes the field
 * for CoA/Disconnect ACK/NAK, and NAS code derived from it may do the same.
 */
function checkReply(reply: Packet, requestAuthenticator: Buffer, secret: Buffer): 'ok' | 'bad_authenticator' | 'bad_message_authenticator' {
  if (verifyResponse(reply, requestAuthenticator, secret)) return 'ok';
  if (reply.messageAuthenticatorOffset < 0) return 'bad_authenticator';
  // verifyResponse checks the Response Authenticator first; without MA it tells which half failed.
  if (!verifyResponse({ ...reply, messageAuthenticatorOffset: -1 }, requestAuthenticator, secret)) return 'bad_authenticator';
  return verifyMessageAuthenticator(reply, secret, ZERO16) ? 'ok' : 'bad_message_authenticator';
}

/** Caller bytes must be whole attributes and must not bring their own MA (it goes first, computed here). */
function checkCallerAttributes(attributes: Buffer): void {
  for (let offset = 0; offset < attributes.length; ) {
    const type = attributes[offset];
    const length = attributes[offset + 1];
    if (type === undefined || length === undefined || length < 2 || offset + length > attributes.length) {
      throw new RangeError('CoA attributes are not a sequence of whole RADIUS attributes');
    }
    if (type === Attr.MessageAuthenticator) throw new RangeError('CoA attributes must not include Message-Authenticator; the client adds it');
    offset += length;
  }
}

function hasTopLevelAttribute(attributes: Buffer, wanted: number): boolean {
  for (let offset = 0; offset + 1 < attributes.length; offset += attributes[offset + 1]!) {
    if (attributes[offset] === wanted) return true;
  }
  return false;
}

function peerKey(address: string, port: number): string {
  return `[${address.toLowerCase()}]:${port}`;
}

function targetName(target: DynamicAuthTarget): string {
  return target.name ?? `${target.address}:${target.port}`;
}

/** RAND in [-0.1, +0.1] (RFC 5080 §2.2.1), so many senders do not retransmit in lockstep. */
function jitter(): number {
  return Math.random() * 0.2 - 0.1;
}

function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

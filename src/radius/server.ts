import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import {
  encodeReply,
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
} from './authenticators.js';
import { decodePacket, MalformedPacketError } from './codec.js';
import { DedupeCache } from './dedupe-cache.js';
import type { Dictionary } from './dictionary.js';
import { Attr, Code, findAllAttributes, findAttribute, type Packet } from './packet.js';

// Stages 1–3 and 8 of a packet's path (receive; decode + verify; dedupe; encode + send).
// Everything between — who the user is and what they may do — belongs to the handlers that
// main.ts passes in, so this file imports nothing from Lango's domains.

export type SocketKind = 'auth' | 'acct';
export type MessageAuthenticatorPolicy = 'yes' | 'no' | 'auto';

export interface RadiusClient {
  readonly id: number;
  readonly name: string;
  readonly ip: string;
  readonly secret: Buffer;
  readonly requireMessageAuthenticator: MessageAuthenticatorPolicy;
  /** For `auto`: this NAS has sent a valid Message-Authenticator before, so it must keep doing so. */
  readonly messageAuthenticatorSeen: boolean;
}

export interface ClientDirectory {
  find(address: string): RadiusClient | undefined;
  /** Called once when an `auto` client first proves it sends Message-Authenticator. */
  learnMessageAuthenticator(client: RadiusClient): void;
}

export interface RadiusRequest {
  readonly kind: SocketKind;
  readonly client: RadiusClient;
  readonly packet: Packet;
  readonly source: { readonly address: string; readonly port: number };
}

/** `attributes` are pre-encoded; Message-Authenticator and echoed Proxy-State are added here. */
export type HandlerResult =
  | { readonly kind: 'reply'; readonly code: number; readonly attributes: Buffer; readonly result: string }
  | { readonly kind: 'drop'; readonly reason: string };

/**
 * Handlers answer through `respond`, synchronously (Access-Request) or once a group commit is
 * durable (accounting). Calling it with an Error sends nothing and lets the NAS retransmit.
 */
export type Handler = (request: RadiusRequest, respond: (result: HandlerResult | Error) => void) => void;

/** An Access-Request dropped unanswered because it could not be trusted: for the decision trace. */
export interface IgnoredAccessRequest {
  /** The drop reason: unknown_nas, missing_message_authenticator, bad_message_authenticator … */
  readonly reason: string;
  readonly source: string;
  /** Absent for an unknown NAS. */
  readonly client?: RadiusClient;
  /** Decoded when the router is known. */
  readonly packet?: Packet;
  /** An unknown NAS's datagram, never decoded here (no secret to check it with). */
  readonly datagram?: Buffer;
}

export interface RadiusObserver {
  dropped(reason: string): void;
  /** Called for every ignored Access-Request; the observer throttles what it keeps. */
  ignoredAccessRequest?(request: IgnoredAccessRequest): void;
  answered(kind: SocketKind | 'status', result: string, seconds: number): void;
  duplicate(kind: SocketKind): void;
}

export interface RadiusServerOptions {
  bind: string;
  authPort: number;
  acctPort: number;
  dictionary: Dictionary;
  clients: ClientDirectory;
  handlers: { access: Handler; accounting: Handler };
  observer: RadiusObserver;
  logger: Logger;
}

export class RadiusServer {
  private readonly sockets = new Map<SocketKind, dgram.Socket>();
  private readonly caches = { auth: new DedupeCache(), acct: new DedupeCache() };
  private readonly unknownNasWarned = new Map<string, number>();
  private draining = false;
  private inFlight = 0;
  /** hrtime of the last datagram read: background work (billing) yields more while routers are talking. */
  private lastPacketAt = 0n;

  constructor(private readonly options: RadiusServerOptions) {}

  /** Whether a datagram arrived in the last `ms` milliseconds. */
  busyWithin(ms: number): boolean {
    return process.hrtime.bigint() - this.lastPacketAt < BigInt(ms) * 1_000_000n;
  }

  /** Binds both sockets; resolves with the ports actually bound (port 0 picks free ones). */
  async start(): Promise<{ authPort: number; acctPort: number }> {
    const [authPort, acctPort] = await Promise.all([
      this.bindSocket('auth', this.options.authPort),
      this.bindSocket('acct', this.options.acctPort),
    ]);
    return { authPort, acctPort };
  }

  get listening(): boolean {
    return this.sockets.size === 2 && !this.draining;
  }

  /** Requests accepted and not yet answered (accounting waiting for its group commit). */
  get pending(): number {
    return this.inFlight;
  }

  /** Stop taking new requests; replies to requests already accepted can still be sent. */
  drain(): void {
    this.draining = true;
  }

  async close(): Promise<void> {
    this.draining = true;
    await Promise.all([...this.sockets.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.sockets.clear();
  }

  private bindSocket(kind: SocketKind, port: number): Promise<number> {
    const family = this.options.bind.includes(':') ? 6 : 4;
    const socket = dgram.createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      recvBufferSize: 8 << 20,
      // Replies go to the numeric source address of the request. Node would still pass it
      // through dns.lookup and defer every send by a tick; answering the lookup in place
      // removes that from the hot path.
      lookup: (address, _options, callback) => (callback as (e: null, a: string, f: number) => void)(null, address, family),
    });
    socket.on('message', (msg, rinfo) => {
      try {
        this.receive(kind, socket, msg, rinfo);
      } catch (err) {
        // Whatever a packet contains, the daemon keeps serving everyone else.
        this.options.observer.dropped('internal_error');
        this.options.logger.error({ err, kind, source: rinfo.address }, 'unexpected error while handling a packet');
      }
    });
    socket.on('error', (err) => this.options.logger.error({ err, kind }, 'RADIUS socket error'));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, this.options.bind, () => {
        socket.off('error', reject);
        this.sockets.set(kind, socket);
        resolve((socket.address() as AddressInfo).port);
      });
    });
  }

  private drop(reason: string, detail?: Record<string, unknown>): void {
    this.options.observer.dropped(reason);
    if (this.options.logger.isLevelEnabled('debug')) this.options.logger.debug({ reason, ...detail }, 'packet dropped');
  }

  private receive(kind: SocketKind, socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const started = process.hrtime.bigint();
    this.lastPacketAt = started;
    if (this.draining) return this.drop('shutting_down');
    const client = this.options.clients.find(rinfo.address);
    if (!client) return this.unknownNas(rinfo.address, kind === 'auth' && msg[0] === Code.AccessRequest ? msg : undefined);

    let packet: Packet;
    try {
      packet = decodePacket(msg, this.options.dictionary);
    } catch (err) {
      if (err instanceof MalformedPacketError) return this.drop(err.reason, { nas: client.name });
      throw err;
    }

    switch (packet.code) {
      case Code.StatusServer:
        return this.answerStatusServer(kind, socket, client, packet, rinfo, started);
      case Code.AccessRequest:
        if (kind !== 'auth') return this.drop('wrong_port', { nas: client.name });
        if (!this.acceptAccessRequest(client, packet, rinfo.address)) return;
        break;
      case Code.AccountingRequest:
        if (kind !== 'acct') return this.drop('wrong_port', { nas: client.name });
        if (!verifyRequestAuthenticator(packet, client.secret)) return this.drop('bad_authenticator', { nas: client.name });
        if (packet.messageAuthenticatorOffset >= 0 && !verifyMessageAuthenticator(packet, client.secret)) {
          return this.drop('bad_message_authenticator', { nas: client.name });
        }
        break;
      default:
        return this.drop('unexpected_code', { nas: client.name, code: packet.code });
    }

    // Only verified packets reach the cache (RFC 5080 §2.2.2): a forged copy must not be able
    // to evict or answer for a genuine request.
    const cache = this.caches[kind];
    const key = DedupeCache.key(rinfo.address, rinfo.port, packet.identifier);
    const seen = cache.check(key, packet.authenticator);
    if (seen.kind === 'replay') {
      this.options.observer.duplicate(kind);
      socket.send(seen.reply, rinfo.port, rinfo.address);
      return;
    }
    if (seen.kind === 'in_flight') {
      this.options.observer.duplicate(kind);
      return;
    }

    const handler = kind === 'auth' ? this.options.handlers.access : this.options.handlers.accounting;
    const request: RadiusRequest = { kind, client, packet, source: { address: rinfo.address, port: rinfo.port } };
    this.inFlight++;
    let answered = false;
    const respond = (result: HandlerResult | Error): void => {
      if (answered) return;
      answered = true;
      this.inFlight--;
      try {
        this.send(kind, socket, client, packet, rinfo, key, result, started);
      } catch (err) {
        cache.forget(key, packet.authenticator);
        this.options.observer.dropped('internal_error');
        this.options.logger.error({ err, nas: client.name, kind }, 'could not build the reply; none sent');
      }
    };
    try {
      handler(request, respond);
    } catch (err) {
      respond(err as Error);
    }
  }

  /** Stage 8: encode and send the handler's answer, or account for why there is none. */
  private send(
    kind: SocketKind,
    socket: dgram.Socket,
    client: RadiusClient,
    packet: Packet,
    rinfo: dgram.RemoteInfo,
    key: string,
    result: HandlerResult | Error,
    started: bigint,
  ): void {
    const cache = this.caches[kind];
    if (result instanceof Error) {
      cache.forget(key, packet.authenticator);
      this.options.logger.error({ err: result, nas: client.name, kind }, 'request failed; no reply sent, the NAS will retry');
      this.options.observer.dropped('internal_error');
      return;
    }
    if (result.kind === 'drop') {
      cache.forget(key, packet.authenticator);
      return this.drop(result.reason, { nas: client.name });
    }
    const reply = encodeReply({
      code: result.code,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      attributes: withProxyState(result.attributes, packet),
      secret: client.secret,
      // Every Access-* reply carries it first (BlastRADIUS). Accounting-Responses carry none:
      // it is optional there, and peers disagree on how to compute it (FreeRADIUS's rad_sign
      // hashes a zero authenticator field, radclient rejects the RFC-style value).
      messageAuthenticator: kind === 'auth',
    });
    cache.complete(key, packet.authenticator, reply);
    socket.send(reply, rinfo.port, rinfo.address);
    this.options.observer.answered(kind, result.result, Number(process.hrtime.bigint() - started) / 1e9);
  }


  /** Message-Authenticator rules for Access-Request (RFC 3579 §3.2, BlastRADIUS mitigations). */
  private acceptAccessRequest(client: RadiusClient, packet: Packet, source: string): boolean {
    if (packet.messageAuthenticatorOffset >= 0) {
      if (!verifyMessageAuthenticator(packet, client.secret)) return this.refuseAccessRequest('bad_message_authenticator', client, packet, source);
      if (client.requireMessageAuthenticator === 'auto' && !client.messageAuthenticatorSeen) {
        this.options.clients.learnMessageAuthenticator(client);
      }
      return true;
    }
    const required =
      client.requireMessageAuthenticator === 'yes' ||
      (client.requireMessageAuthenticator === 'auto' && client.messageAuthenticatorSeen);
    if (required) return this.refuseAccessRequest('missing_message_authenticator', client, packet, source);
    // Without an HMAC, Proxy-State is exactly where a BlastRADIUS collision hides, and EAP
    // requires the HMAC outright (RFC 3579).
    if (findAttribute(packet, Attr.ProxyState) !== undefined) return this.refuseAccessRequest('proxy_state_without_message_authenticator', client, packet, source);
    if (findAttribute(packet, Attr.EapMessage) !== undefined) return this.refuseAccessRequest('eap_without_message_authenticator', client, packet, source);
    return true;
  }

  /** Drops an Access-Request that cannot be trusted, and tells the observer (the decision trace). */
  private refuseAccessRequest(reason: string, client: RadiusClient, packet: Packet, source: string): false {
    this.drop(reason, { nas: client.name });
    this.options.observer.ignoredAccessRequest?.({ reason, source, client, packet });
    return false;
  }

  /** RFC 5997: MA is mandatory; answer on the port it came to, with no side effects. */
  private answerStatusServer(
    kind: SocketKind,
    socket: dgram.Socket,
    client: RadiusClient,
    packet: Packet,
    rinfo: dgram.RemoteInfo,
    started: bigint,
  ): void {
    if (packet.messageAuthenticatorOffset < 0) return this.drop('missing_message_authenticator', { nas: client.name });
    if (!verifyMessageAuthenticator(packet, client.secret)) return this.drop('bad_message_authenticator', { nas: client.name });
    const reply = encodeReply({
      code: kind === 'auth' ? Code.AccessAccept : Code.AccountingResponse,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      attributes: withProxyState(Buffer.alloc(0), packet),
      secret: client.secret,
      messageAuthenticator: true,
    });
    socket.send(reply, rinfo.port, rinfo.address);
    this.options.observer.answered('status', 'alive', Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** `accessRequest`: the datagram, when it is an Access-Request on the authentication port. */
  private unknownNas(address: string, accessRequest: Buffer | undefined): void {
    this.options.observer.dropped('unknown_nas');
    if (accessRequest) this.options.observer.ignoredAccessRequest?.({ reason: 'unknown_nas', source: address, datagram: accessRequest });
    // Logged at most once a minute per address: a misconfigured router retries constantly.
    const now = Date.now();
    const last = this.unknownNasWarned.get(address) ?? 0;
    if (now - last < 60_000) return;
    if (this.unknownNasWarned.size > 10_000) this.unknownNasWarned.clear();
    this.unknownNasWarned.set(address, now);
    this.options.logger.warn(
      { source: address },
      `ignoring RADIUS from unknown NAS ${address}; if it is your router, add it with: lango nas add --name <name> --ip ${address} --secret <secret>`,
    );
  }
}

/** Proxy-State is echoed verbatim and in order (RFC 2865 §5.33). */
function withProxyState(attributes: Buffer, packet: Packet): Buffer {
  const states = findAllAttributes(packet, Attr.ProxyState);
  if (states.length === 0) return attributes;
  return Buffer.concat([
    attributes,
    ...states.map((value) => Buffer.concat([Buffer.from([Attr.ProxyState, value.length + 2]), value])),
  ]);
}

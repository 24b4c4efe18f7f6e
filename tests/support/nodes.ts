import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { bindUdp } from '../../scripts/kit.js';
import { hideUserPassword } from '../../src/radius/auth/pap.js';
import { encodeRequest, verifyResponse } from '../../src/radius/authenticators.js';
import { decodePacket, encodeAttribute, type AttributeValue } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';
import { Code, type Packet } from '../../src/radius/packet.js';

// Several Lango nodes on one database, and the router in front of them: a NAS that lists every
// node as a RADIUS server and, when one does not answer, sends the same request to the next
// (RouterOS `/radius add` twice; FreeRADIUS-style clients mark the silent server dead).

const dictionary = loadDictionary(defaultDictionaryPath());

/** One more daemon on the shared database: every node gets the same LANGO_DB and the same key file. */
export function startNode(database: string, keyFile: string, env: Record<string, string> = {}): Promise<Daemon> {
  return startDaemon({ env: { LANGO_DB: database, LANGO_KEY_FILE: keyFile, ...env }, timeoutMs: 60_000 });
}

export const attributes = (list: Array<[string, AttributeValue]>): Buffer => Buffer.concat(list.map(([name, value]) => encodeAttribute(dictionary.require(name), value)));

export const ACCT_START = 1;
export const ACCT_STOP = 2;
export const ACCT_INTERIM = 3;

/** An Access-Request with PAP and Message-Authenticator, as a MikroTik sends it. */
export function accessRequest(secret: string, identifier: number, user: string, password: string, extra: Array<[string, AttributeValue]> = []): Buffer {
  const authenticator = randomBytes(16);
  const hidden = hideUserPassword(Buffer.from(password), Buffer.from(secret), authenticator);
  return encodeRequest({
    code: Code.AccessRequest,
    identifier,
    authenticator,
    secret: Buffer.from(secret),
    messageAuthenticator: true,
    attributes: attributes([['User-Name', user], ['User-Password', hidden], ['NAS-IP-Address', '127.0.0.1'], ...extra]),
  });
}

export function accountingRequest(secret: string, identifier: number, list: Array<[string, AttributeValue]>): Buffer {
  return encodeRequest({ code: Code.AccountingRequest, identifier, secret: Buffer.from(secret), messageAuthenticator: false, attributes: attributes(list) });
}

export interface Answered {
  reply: Packet;
  /** Index of the server that answered. */
  server: number;
  tries: number;
}

/**
 * The router's RADIUS client: a pool of sockets, one request in flight on each, so a reply is
 * matched by socket and Identifier. A request a server leaves unanswered for `timeoutMs` goes,
 * byte for byte, to the next server, and the silent one is not tried first again.
 */
export class FailoverNas {
  private readonly free: Array<{ socket: dgram.Socket; next: number }> = [];
  private readonly waiting: Array<(slot: { socket: dgram.Socket; next: number }) => void> = [];
  /** Ports of servers that left a request unanswered. */
  private readonly dead = new Set<number>();
  /** Datagrams sent, retransmissions included. */
  sent = 0;
  /** The longest any server took to answer, in ms, by port. */
  readonly slowest = new Map<number, number>();

  private constructor(
    private readonly secret: Buffer,
    private readonly timeoutMs: number,
  ) {}

  static async open(secret: string, options: { sockets?: number; timeoutMs?: number } = {}): Promise<FailoverNas> {
    const nas = new FailoverNas(Buffer.from(secret), options.timeoutMs ?? 1000);
    for (let i = 0; i < (options.sockets ?? 32); i++) nas.free.push({ socket: await bindUdp(0), next: i * 7 });
    return nas;
  }

  /** Servers (UDP ports on loopback) in the router's order of preference, from `first` on. */
  async request(build: (identifier: number) => Buffer, ports: readonly number[], first = 0): Promise<Answered | undefined> {
    const slot = this.free.pop() ?? (await new Promise<{ socket: dgram.Socket; next: number }>((resolve) => this.waiting.push(resolve)));
    try {
      const identifier = slot.next++ & 255;
      const packet = build(identifier);
      const order = ports.map((_, i) => (first + i) % ports.length);
      const alive = [...order.filter((i) => !this.dead.has(ports[i]!)), ...order.filter((i) => this.dead.has(ports[i]!))];
      let tries = 0;
      // Round the list twice, as a router with retries does, before giving the request up.
      for (const server of [...alive, ...alive]) {
        tries++;
        const sentAt = performance.now();
        const reply = await this.exchange(slot.socket, packet, ports[server]!);
        if (reply) {
          const ms = performance.now() - sentAt;
          if (ms > (this.slowest.get(ports[server]!) ?? 0)) this.slowest.set(ports[server]!, ms);
          return { reply, server, tries };
        }
        this.dead.add(ports[server]!);
      }
      return undefined;
    } finally {
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.free.push(slot);
    }
  }

  private exchange(socket: dgram.Socket, packet: Buffer, port: number): Promise<Packet | undefined> {
    return new Promise((resolve) => {
      const requestAuthenticator = packet.subarray(4, 20);
      const onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
        if (rinfo.port !== port || msg[1] !== packet[1]) return;
        const reply = decodePacket(msg, dictionary);
        if (!verifyResponse(reply, requestAuthenticator, this.secret)) return;
        done(reply);
      };
      const timer = setTimeout(() => done(undefined), this.timeoutMs);
      const done = (reply: Packet | undefined): void => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(reply);
      };
      socket.on('message', onMessage);
      this.sent++;
      socket.send(packet, port, '127.0.0.1');
    });
  }

  close(): void {
    for (const { socket } of this.free) socket.close();
  }
}

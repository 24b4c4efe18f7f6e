import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { PgSyncDatabase } from '../src/db/postgres/sync-client.js';
import { isPostgresUrl } from '../src/db/target.js';
import { hideUserPassword } from '../src/radius/auth/pap.js';
import { encodeRequest } from '../src/radius/authenticators.js';
import { encodeAttribute, type AttributeValue } from '../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../src/radius/dictionary.js';
import { round } from './kit.js';

// The PostgreSQL half of `npm run bench -- --db postgres://…`: a throwaway database on the
// server the URL names, the server's durability settings (so a figure taken with fsync=off is
// never passed off as a durable one), and a count of the round trips one RADIUS packet costs,
// taken on the wire by a small proxy between the daemon and the server. Counting on the wire
// needs no switch in the daemon and sees exactly what the server sees, transactions included.

/** The server's settings that decide what a commit costs, as SHOW reports them. */
export interface PostgresSettings {
  version: string;
  fsync: string;
  synchronousCommit: string;
  /** fsync=on and synchronous_commit not off/local: a commit acknowledged is on disk. */
  durable: boolean;
}

export interface BenchDatabase {
  /** The URL of the new database: the given server and credentials, our database name. */
  url: string;
  name: string;
  settings: PostgresSettings;
  drop(): void;
}

/** The URL with its password left out, for output. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*)(?::[^@/]*)?@/, '//$1@');
}

/**
 * A fresh database for one run, created on the server `serverUrl` names (its own database is only
 * where we connect to create and drop ours). Tables are created by the first openDatabase.
 */
export function createBenchDatabase(serverUrl: string): BenchDatabase {
  if (!isPostgresUrl(serverUrl)) throw new Error(`--db must be a postgres:// URL, got ${redact(serverUrl)}`);
  const name = `lango_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new PgSyncDatabase(serverUrl, 'lango-bench');
  let settings: PostgresSettings;
  try {
    const show = (setting: string) => (admin.prepare(`SHOW ${setting}`).raw().get() as [string])[0];
    const fsync = show('fsync');
    const synchronousCommit = show('synchronous_commit');
    settings = { version: show('server_version'), fsync, synchronousCommit, durable: fsync === 'on' && !['off', 'local'].includes(synchronousCommit) };
    admin.exec(`CREATE DATABASE "${name}"`);
  } finally {
    admin.close();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    settings,
    drop() {
      const again = new PgSyncDatabase(serverUrl, 'lango-bench');
      try {
        // FORCE: a daemon killed mid-run may leave a session behind.
        again.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        again.close();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Round trips on the wire. The frontend protocol's round trip ends with Sync (extended protocol:
// Parse/Bind/Execute…Sync, what pg sends for a query with parameters) or is one Query message
// (simple protocol: BEGIN, COMMIT, savepoints). The proxy reads only what the client sends, so
// it needs a URL without TLS (sslmode): encrypted bytes cannot be counted.

export interface WireSnapshot {
  roundTrips: number;
  /** Executions per statement text (named statements resolved through their Parse). */
  statements: Map<string, number>;
}

export interface WireCounter {
  readonly port: number;
  /** The URL `url` rewritten to go through the proxy. */
  via(url: string): string;
  snapshot(): WireSnapshot;
  close(): Promise<void>;
}

export async function startWireCounter(serverUrl: string): Promise<WireCounter> {
  const target = new URL(serverUrl);
  const host = target.hostname || '127.0.0.1';
  const port = Number(target.port || 5432);
  let roundTrips = 0;
  const statements = new Map<string, number>();
  const count = (text: string) => statements.set(text, (statements.get(text) ?? 0) + 1);
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    sockets.add(client).add(upstream);
    const names = new Map<string, string>();
    let pending = '';
    let buffered: Buffer = Buffer.alloc(0);
    let startup = true;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      let at = 0;
      for (;;) {
        if (startup) {
          if (buffered.length - at < 8) break;
          const length = buffered.readInt32BE(at);
          if (buffered.length - at < length) break;
          // SSLRequest / GSSENCRequest are followed by another untyped startup message.
          const code = buffered.readInt32BE(at + 4);
          if (code !== 80877103 && code !== 80877104) startup = false;
          at += length;
          continue;
        }
        if (buffered.length - at < 5) break;
        const type = String.fromCharCode(buffered[at]!);
        const length = buffered.readInt32BE(at + 1);
        if (buffered.length - at < 1 + length) break;
        const body = buffered.subarray(at + 5, at + 1 + length);
        const cstring = (from: number): [string, number] => {
          const end = body.indexOf(0, from);
          return [body.toString('utf8', from, end), end + 1];
        };
        if (type === 'Q') {
          roundTrips++;
          count(cstring(0)[0].replace(/\s+/g, ' ').trim());
        } else if (type === 'P') {
          const [name, next] = cstring(0);
          names.set(name, cstring(next)[0].replace(/\s+/g, ' ').trim());
        } else if (type === 'B') {
          const [, next] = cstring(0);
          pending = names.get(cstring(next)[0]) ?? '?';
        } else if (type === 'E') {
          count(pending);
        } else if (type === 'S') {
          roundTrips++;
        }
        at += 1 + length;
      }
      buffered = buffered.subarray(at);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listening = (server.address() as net.AddressInfo).port;
  return {
    port: listening,
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(listening);
      return u.toString();
    },
    snapshot: () => ({ roundTrips, statements: new Map(statements) }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function difference(after: WireSnapshot, before: WireSnapshot): WireSnapshot {
  const statements = new Map<string, number>();
  for (const [text, n] of after.statements) {
    const d = n - (before.statements.get(text) ?? 0);
    if (d > 0) statements.set(text, d);
  }
  return { roundTrips: after.roundTrips - before.roundTrips, statements };
}

// ---------------------------------------------------------------------------------------------
// One packet at a time, so every round trip between one send and the next belongs to that packet
// (the daemon's group commit then holds a batch of one): what a lone packet costs.

export interface PacketTrace {
  packets: number;
  /** Median over the packets (a scheduler tick may land in one packet's span). */
  roundTrips: number;
  minRoundTrips: number;
  maxRoundTrips: number;
  /** Median time from send to reply, one packet in flight. */
  p50Ms: number;
  /** The statements of the median packet, in executions per packet, most first. */
  statements: Array<{ sql: string; count: number }>;
  /** The costliest packet's five commonest statements: what else ran while it was answered. */
  worst: Array<{ sql: string; count: number }>;
}

export interface TraceOptions {
  host: string;
  authPort: number;
  acctPort: number;
  secret: string;
  counter: WireCounter;
  /** Users firstUser.. are logged in, the next as many get sessions (they must exist, with passwords pw-NNNNN). */
  firstUser: number;
  packets: number;
}

const pad5 = (n: number) => String(n).padStart(5, '0');

export async function tracePackets(options: TraceOptions): Promise<{ access: PacketTrace; accountingStart: PacketTrace; accountingInterim: PacketTrace }> {
  const dictionary = loadDictionary(defaultDictionaryPath());
  const secret = Buffer.from(options.secret, 'utf8');
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let waiting: { identifier: number; resolve: (code: number) => void } | undefined;
  socket.on('message', (message) => {
    if (waiting && message[1] === waiting.identifier) waiting.resolve(message[0]!);
  });
  let identifier = 0;
  const exchange = (port: number, build: (identifier: number) => Buffer): Promise<number> => {
    identifier = (identifier + 1) & 255;
    const packet = build(identifier);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to a traced packet on port ${port} within 5 s`)), 5000);
      waiting = {
        identifier,
        resolve: (code) => {
          clearTimeout(timer);
          resolve(code);
        },
      };
      socket.send(packet, port, options.host);
    });
  };
  const attr = (name: string, value: AttributeValue) => encodeAttribute(dictionary.require(name), value);

  const trace = async (port: number, expected: number, packets: Array<(identifier: number) => Buffer>): Promise<PacketTrace> => {
    const spans: WireSnapshot[] = [];
    const times: number[] = [];
    for (const build of packets) {
      const before = options.counter.snapshot();
      const sent = performance.now();
      const code = await exchange(port, build);
      times.push(performance.now() - sent);
      if (code !== expected) throw new Error(`a traced packet got code ${code}, expected ${expected}`);
      // Work the daemon does after replying (if any) still belongs to this packet.
      await new Promise((resolve) => setTimeout(resolve, 20));
      spans.push(difference(options.counter.snapshot(), before));
    }
    const order = spans.map((s, i) => [s.roundTrips, i] as const).sort((a, b) => a[0] - b[0]);
    const median = spans[order[Math.floor(order.length / 2)]![1]]!;
    const worst = spans[order[order.length - 1]![1]]!;
    const listed = (span: WireSnapshot) => [...span.statements].map(([sql, count]) => ({ sql, count })).sort((a, b) => b.count - a.count);
    times.sort((a, b) => a - b);
    return {
      packets: spans.length,
      roundTrips: median.roundTrips,
      minRoundTrips: order[0]![0],
      maxRoundTrips: order[order.length - 1]![0],
      p50Ms: round(times[Math.floor(times.length / 2)]!, 2),
      statements: listed(median),
      worst: listed(worst).slice(0, 5),
    };
  };

  try {
    const users = Array.from({ length: options.packets }, (_, i) => options.firstUser + i);
    const access = await trace(
      options.authPort,
      2,
      users.map((n) => (id: number) => {
        const authenticator = randomBytes(16);
        return encodeRequest({
          code: 1, identifier: id, authenticator, secret, messageAuthenticator: true,
          attributes: Buffer.concat([
            attr('User-Name', `user${pad5(n)}`),
            attr('User-Password', hideUserPassword(Buffer.from(`pw-${pad5(n)}`), secret, authenticator)),
            attr('NAS-IP-Address', '127.0.0.1'),
            attr('NAS-Port', n),
          ]),
        });
      }),
    );
    // Other users than the logins above, so a one-device plan does not refuse anyone later.
    const sessionUsers = users.map((n) => n + options.packets);
    const run = Date.now().toString(36);
    const accounting = (n: number, status: number, round: number) => (id: number) =>
      encodeRequest({
        code: 4, identifier: id, secret, messageAuthenticator: true,
        attributes: Buffer.concat([
          attr('Acct-Status-Type', status),
          attr('Acct-Session-Id', `t${run}-${pad5(n)}`),
          attr('User-Name', `user${pad5(n)}`),
          attr('NAS-IP-Address', '127.0.0.1'),
          attr('NAS-Port', n),
          attr('Framed-IP-Address', `10.99.${(n >> 8) & 255}.${n & 255}`),
          attr('Acct-Session-Time', round * 300),
          attr('Acct-Input-Octets', round * 1_000_000),
          attr('Acct-Output-Octets', round * 10_000_000),
          attr('Event-Timestamp', Math.floor(Date.now() / 1000)),
        ]),
      });
    const accountingStart = await trace(options.acctPort, 5, sessionUsers.map((n) => accounting(n, 1, 0)));
    const accountingInterim = await trace(options.acctPort, 5, sessionUsers.map((n) => accounting(n, 3, 1)));
    return { access, accountingStart, accountingInterim };
  } finally {
    socket.close();
  }
}

export interface LoadedRoundTrips {
  packets: number;
  roundTrips: number;
  perPacket: number;
  /** The commonest statements, in executions per answered packet: background work (housekeeping) shows here too. */
  statements: Array<{ sql: string; perPacket: number }>;
}

/** Round trips per answered packet over a loaded window, counted on the wire (batches share transactions). */
export function roundTripsPerPacket(before: WireSnapshot, after: WireSnapshot, packets: number): LoadedRoundTrips {
  const span = difference(after, before);
  const per = (n: number) => (packets > 0 ? round(n / packets, 2) : 0);
  return {
    packets,
    roundTrips: span.roundTrips,
    perPacket: per(span.roundTrips),
    statements: [...span.statements]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([sql, n]) => ({ sql, perPacket: per(n) })),
  };
}


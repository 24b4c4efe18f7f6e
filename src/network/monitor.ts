import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { RouterOsError, type RouterOsEndpoint, type RouterOsErrorKind, type RouterOsItem, type RouterOsReply, type RouterOsSession } from '../routeros/types.js';
import { parseRouterOsDuration } from '../routeros/durations.js';
import { HOTSPOT_ACTIVE_PROPS, PPP_ACTIVE_PROPS } from './actions.js';
import { failureOf, failureText } from './failure-text.js';
import { listRouterApis, recordRouterContact, recordRouterFailure, routerEndpoint, type RouterApiSummary } from './registry.js';
import { recordPollBuckets, type PollSample } from './traffic.js';

// Live monitoring over the RouterOS API: one long-lived session per monitored router, polled
// every routers.pollSeconds with five prints at once. Rates are counter deltas over the real
// time between polls; the picture is kept in memory for the live page and the sums go to the
// 5-minute buckets through the daemon's group commit. Nothing here is on the RADIUS path: all
// I/O is asynchronous with the API timeout, and a dead router is retried with a backoff.

export type RouterApiState = 'up' | 'down' | 'waiting' | 'off';

export interface InterfaceRate {
  name: string;
  running: boolean;
  /** Bits per second over the last poll interval (router's view: rx = into the router). */
  rxBps: number;
  txBps: number;
  rxBytes: number;
  txBytes: number;
}

export interface UserRate {
  username: string;
  service: 'hotspot' | 'ppp';
  /** The router's .id in /ip/hotspot/active or /ppp/active (for a kick). */
  id: string;
  address: string | null;
  mac: string | null;
  uptime: string | null;
  /** Customer's view: up = from the customer. */
  upBps: number;
  downBps: number;
  /** From the simple queue, when the router has one for the user (PPP, rate-limited hotspot). */
  maxLimit: string | null;
}

export interface RouterLive {
  nasId: number;
  state: RouterApiState;
  /** When the last poll finished (ok or not). */
  checkedAt: number | null;
  error: { kind: RouterOsErrorKind; detail: string | null; at: number } | null;
  resource: { cpuLoad: number; freeMemory: number; totalMemory: number; uptimeSeconds: number; version: string; boardName: string } | null;
  interfaces: InterfaceRate[];
  users: UserRate[];
  /**
   * Rolling window, oldest first: one point per poll, at most an hour's worth. Rates per
   * interface (name → [rxBps, txBps], router's view), never added across interfaces: a bridge
   * and its ports carry the same packets. Empty `interfaces` for a failed poll.
   */
  window: Array<{ at: number; interfaces: Record<string, [number, number]>; cpuLoad: number | null; users: number }>;
}

export interface MonitorDeps {
  db: Db;
  box: Pick<SecretBox, 'open'>;
  logger: Logger;
  /** Injected so tests and the daemon share one client: src/routeros/client.ts connectRouterOs. */
  connect: (endpoint: RouterOsEndpoint) => Promise<RouterOsSession>;
  pollMs: number;
  timeoutMs: number;
  /** Runs a database write in the group commit (main.ts: commit.submit), so bucket writes never hold RADIUS up. */
  write: (work: () => void, done: (err: Error | null) => void) => void;
  now?: () => number;
}

const WINDOW_MS = 3_600_000;
/** The longest wait between tries at a router that keeps failing. */
const MAX_BACKOFF_MS = 300_000;
/** Even with nothing changed, "last contact" on the router's row is refreshed this often. */
const CONTACT_REFRESH_MS = 3_600_000;

export const RESOURCE_PROPS = 'cpu-load,free-memory,total-memory,uptime,version,board-name';
export const INTERFACE_PROPS = 'name,type,running,disabled,rx-byte,tx-byte';
export const QUEUE_PROPS = 'name,target,max-limit,bytes,rate';

const num = (value: string | undefined): number => {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) ? n : 0;
};

/** A simple queue's "upload/download" pair. */
function pair(value: string | undefined): [number, number] | undefined {
  if (!value || !value.includes('/')) return undefined;
  const [up, down] = value.split('/');
  return [num(up), num(down)];
}

interface Counters {
  a: number;
  b: number;
  at: number;
}

/** Bytes moved since the previous reading and the rate over the real time between them; a counter that went down (reboot, re-dial) counts nothing. */
function delta(previous: Counters | undefined, a: number, b: number, at: number): { a: number; b: number; aBps: number; bBps: number } | undefined {
  if (!previous || at <= previous.at) return undefined;
  const seconds = (at - previous.at) / 1000;
  const da = a >= previous.a ? a - previous.a : 0;
  const db = b >= previous.b ? b - previous.b : 0;
  return { a: da, b: db, aBps: (da * 8) / seconds, bBps: (db * 8) / seconds };
}

interface Watched {
  nasId: number;
  row: RouterApiSummary;
  /** Changes when the router's API access changes: a poll begun before answers for nothing. */
  generation: number;
  session: RouterOsSession | undefined;
  inFlight: Promise<RouterLive | undefined> | undefined;
  nextAt: number;
  failures: number;
  live: RouterLive;
  interfaces: Map<string, Counters>;
  users: Map<string, Counters>;
  /** What the router's row last got: only a change is written. */
  recorded: { kind: 'contact'; version: string; board: string; at: number } | { kind: 'failure'; error: RouterOsErrorKind; detail: string | null } | undefined;
}

const accessKey = (r: RouterApiSummary) => `${r.host}|${r.port}|${r.tls}|${r.username}|${r.updatedAt}`;

function emptyLive(nasId: number, state: RouterApiState): RouterLive {
  return { nasId, state, checkedAt: null, error: null, resource: null, interfaces: [], users: [], window: [] };
}

export class RouterMonitor {
  private readonly watched = new Map<number, Watched>();
  private readonly now: () => number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private listedAt = -Infinity;
  private stopped = false;

  constructor(private readonly deps: MonitorDeps) {
    this.now = deps.now ?? Date.now;
    this.log = deps.logger;
  }

  /** The interval this monitor polls at (read at start; the setting may have changed since). */
  get pollMs(): number {
    return this.deps.pollMs;
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.tick(), Math.min(1000, this.deps.pollMs));
    this.timer.unref();
    setImmediate(() => this.tick());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const routers = [...this.watched.values()];
    // Closing first makes commands in flight fail at once instead of waiting for their timeout.
    await Promise.allSettled(routers.map((w) => this.closeSession(w)));
    await Promise.allSettled(routers.map((w) => w.inFlight));
    await Promise.allSettled(routers.map((w) => this.closeSession(w)));
  }

  /** The latest picture of one router (memory only, no I/O): undefined when it has no API access. */
  live(nasId: number): RouterLive | undefined {
    return this.watched.get(nasId)?.live;
  }

  /** Every monitored router's state, for the routers list (memory only). */
  states(): ReadonlyMap<number, RouterApiState> {
    return new Map([...this.watched].map(([id, w]) => [id, w.live.state]));
  }

  /** Polls now instead of waiting for the timer (staff's "refresh"); resolves with the new picture. */
  async pollNow(nasId: number): Promise<RouterLive | undefined> {
    if (this.stopped) return this.live(nasId);
    // Access added or changed a moment ago on the staff page: read the list first.
    this.refresh();
    const w = this.watched.get(nasId);
    if (!w || w.live.state === 'off') return w?.live;
    return this.poll(w);
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.now();
    if (now - this.listedAt >= Math.min(this.deps.pollMs, 5000)) this.refresh();
    for (const w of this.watched.values()) {
      if (w.live.state !== 'off' && !w.inFlight && w.nextAt <= now) void this.poll(w);
    }
  }

  /** Re-reads which routers to watch, so routers added or changed on the staff page join without a restart. */
  private refresh(): void {
    let rows: RouterApiSummary[];
    try {
      rows = listRouterApis(this.deps.db);
    } catch (err) {
      this.log.error({ err }, 'reading the routers to monitor failed; will retry');
      return;
    }
    const now = this.now();
    this.listedAt = now;
    const seen = new Set<number>();
    for (const row of rows) {
      seen.add(row.nasId);
      const w = this.watched.get(row.nasId);
      if (!w) {
        this.watched.set(row.nasId, {
          nasId: row.nasId,
          row,
          generation: 0,
          session: undefined,
          inFlight: undefined,
          nextAt: now,
          failures: 0,
          live: emptyLive(row.nasId, row.monitor ? 'waiting' : 'off'),
          interfaces: new Map(),
          users: new Map(),
          recorded: row.lastErrorKind
            ? { kind: 'failure', error: row.lastErrorKind, detail: row.lastErrorDetail }
            : row.lastContactAt !== null
              ? { kind: 'contact', version: row.routerosVersion ?? '', board: row.boardName ?? '', at: row.lastContactAt }
              : undefined,
        });
        continue;
      }
      const changed = accessKey(row) !== accessKey(w.row);
      w.row = row;
      if (!changed) continue;
      // New address, user or password: start over with a fresh session, at once.
      w.generation += 1;
      void this.closeSession(w);
      w.interfaces.clear();
      w.users.clear();
      w.failures = 0;
      w.nextAt = now;
      w.live = emptyLive(row.nasId, row.monitor ? 'waiting' : 'off');
    }
    for (const [nasId, w] of this.watched) {
      if (seen.has(nasId)) continue;
      w.generation += 1;
      void this.closeSession(w);
      this.watched.delete(nasId);
    }
  }

  private closeSession(w: Watched): Promise<void> {
    const session = w.session;
    w.session = undefined;
    return session ? session.close().catch(() => undefined) : Promise.resolve();
  }

  private poll(w: Watched): Promise<RouterLive | undefined> {
    if (w.inFlight) return w.inFlight;
    const poll = this.runPoll(w).finally(() => {
      if (w.inFlight === poll) w.inFlight = undefined;
    });
    w.inFlight = poll;
    return poll;
  }

  private async sessionOf(w: Watched, generation: number): Promise<RouterOsSession> {
    if (w.session?.connected) return w.session;
    await this.closeSession(w);
    const endpoint = routerEndpoint(this.deps.db, this.deps.box, w.nasId, this.deps.timeoutMs);
    if (!endpoint) throw new RouterOsError('closed', 'API access removed');
    const session = await this.deps.connect(endpoint);
    if (this.stopped || generation !== w.generation || this.watched.get(w.nasId) !== w) {
      await session.close().catch(() => undefined);
      throw new RouterOsError('closed', 'monitoring stopped or the router changed');
    }
    w.session = session;
    return session;
  }

  private async runPoll(w: Watched): Promise<RouterLive | undefined> {
    const generation = w.generation;
    const started = this.now();
    try {
      const session = await this.sessionOf(w, generation);
      // A menu the router lacks or refuses (no hotspot package, a restricted API user) is empty, not a failure.
      const optional = (reply: Promise<RouterOsReply>) =>
        reply.catch((err: unknown) => {
          if (err instanceof RouterOsError && err.kind === 'trap') return { items: [], done: {} };
          throw err;
        });
      const [resource, interfaces, hotspot, ppp, queues] = await Promise.all([
        session.run('/system/resource/print', [`=.proplist=${RESOURCE_PROPS}`]),
        session.run('/interface/print', ['=stats=', `=.proplist=${INTERFACE_PROPS}`]),
        optional(session.run('/ip/hotspot/active/print', [`=.proplist=${HOTSPOT_ACTIVE_PROPS}`])),
        optional(session.run('/ppp/active/print', [`=.proplist=${PPP_ACTIVE_PROPS}`])),
        optional(session.run('/queue/simple/print', [`=.proplist=${QUEUE_PROPS}`])),
      ]);
      if (this.stopped || generation !== w.generation) return w.live;
      this.succeeded(w, { resource: resource.items[0] ?? {}, interfaces: interfaces.items, hotspot: hotspot.items, ppp: ppp.items, queues: queues.items }, this.now());
      w.failures = 0;
      w.nextAt = started + this.deps.pollMs;
    } catch (err) {
      if (this.stopped) return w.live;
      if (generation !== w.generation) {
        w.nextAt = this.now();
        return w.live;
      }
      // A trap leaves the connection usable; anything else may have broken it.
      if (!(err instanceof RouterOsError && err.kind === 'trap')) await this.closeSession(w);
      this.failed(w, err, this.now());
      w.failures += 1;
      w.nextAt = started + Math.min(this.deps.pollMs * 2 ** (w.failures - 1), Math.max(this.deps.pollMs, MAX_BACKOFF_MS));
    }
    return w.live;
  }

  private succeeded(w: Watched, reply: { resource: RouterOsItem; interfaces: RouterOsItem[]; hotspot: RouterOsItem[]; ppp: RouterOsItem[]; queues: RouterOsItem[] }, at: number): void {
    const r = reply.resource;
    const resource = {
      cpuLoad: num(r['cpu-load']),
      freeMemory: num(r['free-memory']),
      totalMemory: num(r['total-memory']),
      uptimeSeconds: Math.floor((parseRouterOsDuration(r.uptime) ?? 0) / 1000),
      version: r.version ?? '',
      boardName: r['board-name'] ?? '',
    };

    const interfaces: InterfaceRate[] = [];
    const ifaceBuckets: Array<PollSample['interfaces'][number]> = [];
    const seenIfaces = new Map<string, Counters>();
    /** The dynamic interface of each PPP customer (pppoe-in, l2tp-in …), by name: "<pppoe-alice>". */
    const pppIfaces = new Map<string, [number, number]>();
    for (const item of reply.interfaces) {
      const name = item.name;
      if (!name) continue;
      const rx = num(item['rx-byte']);
      const tx = num(item['tx-byte']);
      // One per PPP customer, coming and going: their traffic is in the user buckets instead.
      if (/-in$/.test(item.type ?? '')) {
        pppIfaces.set(name, [rx, tx]);
        continue;
      }
      const moved = delta(w.interfaces.get(name), rx, tx, at);
      seenIfaces.set(name, { a: rx, b: tx, at });
      interfaces.push({ name, running: item.running === 'true', rxBps: Math.round(moved?.aBps ?? 0), txBps: Math.round(moved?.bBps ?? 0), rxBytes: rx, txBytes: tx });
      if (moved) ifaceBuckets.push({ iface: name, rxBytes: moved.a, txBytes: moved.b, rxBps: moved.aBps, txBps: moved.bBps });
    }
    w.interfaces = seenIfaces;

    const queueByName = new Map<string, RouterOsItem>();
    const queueByTarget = new Map<string, RouterOsItem>();
    for (const q of reply.queues) {
      if (q.name) queueByName.set(q.name, q);
      for (const target of (q.target ?? '').split(',')) if (target) queueByTarget.set(target.replace(/\/32$/, ''), q);
    }

    const users: UserRate[] = [];
    const perUser = new Map<string, { upBytes: number; downBytes: number; upBps: number; downBps: number }>();
    const seenUsers = new Map<string, Counters>();
    const count = (username: string, key: string, up: number, down: number, fallback: [number, number] | undefined) => {
      const moved = delta(w.users.get(key), up, down, at);
      seenUsers.set(key, { a: up, b: down, at });
      if (moved) {
        const sum = perUser.get(username) ?? { upBytes: 0, downBytes: 0, upBps: 0, downBps: 0 };
        sum.upBytes += moved.a;
        sum.downBytes += moved.b;
        sum.upBps += moved.aBps;
        sum.downBps += moved.bBps;
        perUser.set(username, sum);
        return { up: moved.aBps, down: moved.bBps };
      }
      // First sight of a session: the queue's own rate, when there is one.
      return { up: fallback?.[0] ?? 0, down: fallback?.[1] ?? 0 };
    };
    for (const item of reply.hotspot) {
      const username = item.user ?? '';
      const address = item.address || null;
      const queue = queueByName.get(`<hotspot-${username}>`) ?? (address ? queueByTarget.get(address) : undefined);
      // The router's view: bytes-in came from the customer, so it is the customer's upload.
      const rate = count(username, `hotspot ${item['.id']}`, num(item['bytes-in']), num(item['bytes-out']), pair(queue?.rate));
      users.push({ username, service: 'hotspot', id: item['.id'] ?? '', address, mac: item['mac-address'] || null, uptime: item.uptime || null, upBps: Math.round(rate.up), downBps: Math.round(rate.down), maxLimit: queue?.['max-limit'] || null });
    }
    for (const item of reply.ppp) {
      const username = item.name ?? '';
      const address = item.address || null;
      const queue = queueByName.get(`<pppoe-${username}>`) ?? (address ? queueByTarget.get(address) : undefined);
      // A simple queue counts "upload/download" of its target, the customer. A plan without a
      // rate limit has no queue: then the session's own interface counts, and the router's rx
      // on it came from the customer (upload). Keyed apart: the two count different bytes.
      const queueBytes = pair(queue?.bytes);
      const ifaceBytes = queueBytes ? undefined : pppIfaces.get(`<pppoe-${username}>`);
      const rate = queueBytes
        ? count(username, `ppp ${item['.id']} queue`, queueBytes[0], queueBytes[1], pair(queue?.rate))
        : ifaceBytes
          ? count(username, `ppp ${item['.id']} interface`, ifaceBytes[0], ifaceBytes[1], undefined)
          : { up: 0, down: 0 };
      users.push({ username, service: 'ppp', id: item['.id'] ?? '', address, mac: item['caller-id'] || null, uptime: item.uptime || null, upBps: Math.round(rate.up), downBps: Math.round(rate.down), maxLimit: queue?.['max-limit'] || null });
    }
    w.users = seenUsers;

    const previous = w.live;
    w.live = {
      nasId: w.nasId,
      state: 'up',
      checkedAt: at,
      error: null,
      resource,
      interfaces,
      users,
      window: this.windowWith(previous.window, {
        at,
        interfaces: Object.fromEntries(interfaces.map((i) => [i.name, [i.rxBps, i.txBps]])),
        cpuLoad: resource.cpuLoad,
        users: users.length,
      }),
    };
    if (previous.state !== 'up') this.log.info({ nas: w.row.nasName, host: w.row.host, port: w.row.port, version: resource.version }, `router ${w.row.nasName}: API up`);

    const last = w.recorded;
    const contact =
      previous.state !== 'up' || last?.kind !== 'contact' || last.version !== resource.version || last.board !== resource.boardName || at - last.at >= CONTACT_REFRESH_MS;
    if (contact) w.recorded = { kind: 'contact', version: resource.version, board: resource.boardName, at };
    const memoryUsed = Math.max(0, resource.totalMemory - resource.freeMemory);
    this.write(w, (db) => {
      recordPollBuckets(db, w.nasId, {
        at,
        health: { cpuLoad: resource.cpuLoad, memoryUsed, memoryTotal: resource.totalMemory, uptimeSeconds: resource.uptimeSeconds, hotspotUsers: reply.hotspot.length, pppUsers: reply.ppp.length },
        interfaces: ifaceBuckets,
        users: [...perUser].map(([username, u]) => ({ username, ...u })),
      });
      if (contact) recordRouterContact(db, w.nasId, { routerosVersion: resource.version || undefined, boardName: resource.boardName || undefined }, at);
    });
  }

  private failed(w: Watched, err: unknown, at: number): void {
    const failure = failureOf(err);
    const previous = w.live;
    const sameError = previous.state === 'down' && previous.error?.kind === failure.kind && previous.error.detail === failure.detail;
    w.live = {
      ...emptyLive(w.nasId, 'down'),
      checkedAt: at,
      error: { ...failure, at: sameError ? previous.error!.at : at },
      window: this.windowWith(previous.window, { at, interfaces: {}, cpuLoad: null, users: 0 }),
    };
    if (!sameError) {
      this.log.warn({ nas: w.row.nasName, host: w.row.host, port: w.row.port, kind: failure.kind }, `router ${w.row.nasName}: API down: ${failureText(failure, w.row)}`);
    }
    const last = w.recorded;
    const record = !(last?.kind === 'failure' && last.error === failure.kind && last.detail === failure.detail);
    if (record) w.recorded = { kind: 'failure', error: failure.kind, detail: failure.detail };
    this.write(w, (db) => {
      recordPollBuckets(db, w.nasId, { at, interfaces: [], users: [] });
      if (record) recordRouterFailure(db, w.nasId, failure.kind, failure.detail, at);
    });
  }

  private windowWith(window: RouterLive['window'], point: RouterLive['window'][number]): RouterLive['window'] {
    const kept = window.filter((p) => p.at > point.at - WINDOW_MS);
    kept.push(point);
    return kept;
  }

  private write(w: Watched, work: (db: Db) => void): void {
    const { db } = this.deps;
    this.deps.write(
      () => work(db),
      (err) => {
        if (!err) return;
        // Written again at the next change; the buckets lose one poll.
        w.recorded = undefined;
        this.log.error({ err, nas: w.row.nasName }, 'recording a router poll failed');
      },
    );
  }
}

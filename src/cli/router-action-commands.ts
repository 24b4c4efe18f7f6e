import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';
import {
  activeUsers,
  closeSessionsMissingFromRouter,
  kickUser,
  routerHealth,
  routerInterfaces,
  routerTraffic,
  routerUserTraffic,
  type ActiveUser,
} from '../network/index.js';
import { recordAudit } from '../staff/index.js';
import { formatTime, json, str, table, type Command } from './command.js';
import { actor } from './inputs.js';
import { onRouter, routerOf } from './router-commands.js';

// What the router has on now, and the actions RADIUS cannot do (issue 10): log a user off over
// the API, close Lango's sessions the router forgot, and the traffic the poller counted.

function hoursOf(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 24 * 400) throw new LangoError('INPUT_BAD_COUNT', { value: text, option: 'hours', min: 1, max: 24 * 400 });
  return n;
}

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) (n /= 1000), i++;
  return `${Number(n.toFixed(1))}${units[i]}`;
}

const bps = (n: number) => `${bytes(n / 8)}/s`;

interface TrafficReport {
  router: string;
  from: number;
  to: number;
  interfaces: Array<{ name: string; buckets: ReturnType<typeof routerTraffic> }>;
  users: ReturnType<typeof routerUserTraffic>;
  health: ReturnType<typeof routerHealth>;
}

export const routerActionCommands: Command[] = [
  {
    words: ['router', 'users'],
    summary: 'Who the router has online now (hotspot and PPP), asked over the RouterOS API.',
    usage: 'lango router users --name R1 [--json]',
    options: { name: { type: 'string' }, ...json },
    required: ['name'],
    run: (ctx, v) => onRouter(ctx, routerOf(ctx.db, str(v, 'name')!), activeUsers),
    print: (r) => table(r as ActiveUser[], [['service', 'SERVICE'], ['username', 'USER'], ['address', 'ADDRESS'], ['mac', 'MAC'], ['uptime', 'UPTIME'], ['id', 'ID']]),
  },
  {
    words: ['router', 'kick'],
    summary: 'Log a user off the router over the RouterOS API (when CoA is not available); --address picks one of several devices.',
    usage: 'lango router kick --name R1 --user U [--address 10.5.50.2] [--json]',
    options: { name: { type: 'string' }, user: { type: 'string' }, address: { type: 'string' }, ...json },
    required: ['name', 'user'],
    run: async (ctx, v) => {
      const router = routerOf(ctx.db, str(v, 'name')!);
      const username = str(v, 'user')!;
      const address = str(v, 'address') ?? null;
      const { removed } = await onRouter(ctx, router, (s) => kickUser(s, { username, address }));
      recordAudit(ctx.db, actor(), 'router.kick', `nas:${router.id}`, { name: router.name, username, address, removed });
      return { router: router.name, username, removed };
    },
    print: (r) => {
      const k = r as { router: string; username: string; removed: number };
      return k.removed > 0 ? `Logged ${k.username} off router ${k.router} (${k.removed} session(s)).` : `Router ${k.router} has nobody called ${k.username} online.`;
    },
  },
  {
    words: ['router', 'sync'],
    summary: "Close Lango's open sessions on a router that the router no longer has (their Stop was lost).",
    usage: 'lango router sync --name R1 [--json]',
    options: { name: { type: 'string' }, ...json },
    required: ['name'],
    run: async (ctx, v) => {
      const router = routerOf(ctx.db, str(v, 'name')!);
      // Taken before asking, so a session that starts while the list travels is never closed.
      const listedAt = Date.now();
      const present = await onRouter(ctx, router, activeUsers);
      return ctx.db.transaction((tx) => {
        const outcome = closeSessionsMissingFromRouter(tx as Db, router.id, present, listedAt);
        recordAudit(tx as Db, actor(), 'router.sync', `nas:${router.id}`, { name: router.name, listed: present.length, closed: outcome.closed, stillOpen: outcome.stillOpen });
        return { router: router.name, listed: present.length, ...outcome };
      }, { behavior: 'immediate' });
    },
    print: (r) => {
      const s = r as { router: string; listed: number; closed: number; stillOpen: number };
      return `Router ${s.router} has ${s.listed} user(s) online. Closed ${s.closed} session(s) it no longer has; ${s.stillOpen} still open.`;
    },
  },
  {
    words: ['router', 'traffic'],
    summary: 'Traffic per interface and per customer as the live monitor counted it, in 5-minute buckets.',
    usage: 'lango router traffic --name R1 [--hours 1] [--json]',
    options: { name: { type: 'string' }, hours: { type: 'string' }, ...json },
    required: ['name'],
    run: ({ db }, v): TrafficReport => {
      const router = routerOf(db, str(v, 'name')!);
      const to = Date.now();
      const from = to - hoursOf(str(v, 'hours')) * 3_600_000;
      return {
        router: router.name,
        from,
        to,
        interfaces: routerInterfaces(db, router.id, { from, to }).map((name) => ({ name, buckets: routerTraffic(db, router.id, { from, to, iface: name }) })),
        users: routerUserTraffic(db, router.id, { from, to }),
        health: routerHealth(db, router.id, { from, to }),
      };
    },
    print: (r) => {
      const t = r as TrafficReport;
      if (t.health.length === 0) return `No traffic counted for router ${t.router} in this time: is its live monitoring on (lango router list) and the daemon running?`;
      const interfaces = t.interfaces.flatMap((i) =>
        i.buckets.map((b) => ({ time: formatTime(b.bucket), iface: i.name, rx: bytes(b.rxBytes), tx: bytes(b.txBytes), rxPeak: bps(b.rxMaxBps), txPeak: bps(b.txMaxBps) })),
      );
      const users = t.users.map((u) => ({ time: formatTime(u.bucket), user: u.username, up: bytes(u.upBytes), down: bytes(u.downBytes), upPeak: bps(u.upMaxBps), downPeak: bps(u.downMaxBps) }));
      return [
        `Router ${t.router}, ${formatTime(t.from)} to ${formatTime(t.to)} (UTC)`,
        '',
        'Interfaces (rx = into the router):',
        table(interfaces, [['time', 'BUCKET'], ['iface', 'INTERFACE'], ['rx', 'RX'], ['tx', 'TX'], ['rxPeak', 'RX PEAK'], ['txPeak', 'TX PEAK']]),
        '',
        'Customers:',
        table(users, [['time', 'BUCKET'], ['user', 'USER'], ['up', 'UP'], ['down', 'DOWN'], ['upPeak', 'UP PEAK'], ['downPeak', 'DOWN PEAK']]),
      ].join('\n');
    },
  },
];

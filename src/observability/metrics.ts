import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GroupCommitStats } from '../db/group-commit.js';
import type { RadiusObserver, SocketKind } from '../radius/server.js';

/**
 * Prometheus metrics for /metrics. The RADIUS server only sees the small RadiusObserver
 * interface, so the protocol layer does not depend on prom-client. Labelled children are cached
 * because label lookup per packet would show up on the hot path.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lango_process_' });

  const requests = new Counter({
    name: 'lango_radius_requests_total',
    help: 'RADIUS requests answered, by type (access, accounting, status) and result.',
    labelNames: ['type', 'result'] as const,
    registers: [registry],
  });
  const drops = new Counter({
    name: 'lango_radius_drops_total',
    help: 'RADIUS packets dropped without reply, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'lango_radius_duplicates_total',
    help: 'Retransmissions answered from the duplicate cache or ignored while in flight.',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'lango_radius_latency_seconds',
    help: 'Time from receiving a request to sending its reply (accounting includes the group commit).',
    labelNames: ['type'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'lango_group_commit_batch_size',
    help: 'Records per durable group commit.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
    registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: 'lango_group_commit_seconds',
    help: 'Duration of one group commit including fsync.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [registry],
  });

  const typeName = (kind: SocketKind | 'status') => (kind === 'auth' ? 'access' : kind === 'acct' ? 'accounting' : 'status');
  const counters = new Map<string, { inc(): void }>();
  const child = (key: string, make: () => { inc(): void }) => {
    let c = counters.get(key);
    if (!c) counters.set(key, (c = make()));
    return c;
  };
  const timers = new Map<string, { observe(v: number): void }>();
  const timer = (type: string) => {
    let h = timers.get(type);
    if (!h) timers.set(type, (h = latency.labels(type)));
    return h;
  };

  const radius: RadiusObserver = {
    dropped(reason) {
      child(`d:${reason}`, () => drops.labels(reason)).inc();
    },
    answered(kind, result, seconds) {
      const type = typeName(kind);
      child(`r:${type}:${result}`, () => requests.labels(type, result)).inc();
      timer(type).observe(seconds);
    },
    duplicate(kind) {
      const type = typeName(kind);
      child(`u:${type}`, () => duplicates.labels(type)).inc();
    },
  };

  return {
    registry,
    radius,
    onGroupCommit(stats: GroupCommitStats) {
      batchSize.observe(stats.size);
      commitSeconds.observe(stats.seconds);
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

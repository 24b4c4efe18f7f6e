import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GroupCommitStats } from '../db/group-commit.js';
import type { CoaClientObserver } from '../radius/coa-client.js';
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

  const coaIgnored = new Counter({
    name: 'lango_coa_replies_ignored_total',
    help: 'Datagrams on the CoA/Disconnect socket not believed as an answer (bad authenticator or Message-Authenticator, unknown request, malformed), by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const coa: CoaClientObserver = {
    ignored(reason) {
      coaIgnored.labels(reason).inc();
    },
  };

  const decisionsDropped = new Counter({
    name: 'lango_decision_trace_dropped_total',
    help: 'Access-Request decisions not written to the decision trace (its buffer was full, or their commit failed).',
    registers: [registry],
  });

  return {
    registry,
    radius,
    coa,
    onDecisionsDropped(rows: number) {
      decisionsDropped.inc(rows);
    },
    onGroupCommit(stats: GroupCommitStats) {
      batchSize.observe(stats.size);
      commitSeconds.observe(stats.seconds);
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** What a billing run did, as the scheduler's runner returns it. */
export interface BillingRunFigures {
  invoiced: number;
  failed: number;
}

/**
 * Figures read from the database and the process when Prometheus scrapes (once per scrape,
 * never on the RADIUS path): each source is a small counted query in its domain.
 */
export interface StateSources {
  paymentsByStatus: () => Partial<Record<string, number>>;
  paymentsAwaitingReview: () => number;
  paymentCallbacks: () => number;
  outbox: () => { queued: number; failed: number; oldestQueuedAt: number | null };
  databaseBytes: () => { file: number; wal: number };
  openSessions: () => number;
  routersSilent: () => number;
  /** Webhook deliveries waiting and given up (absent: no webhook gauges). */
  webhooks?: () => { queued: number; failed: number };
  now: () => number;
}

/** Billing runs (counted in memory from the runner) and the scrape-time gauges, on the same registry. */
export function addOperationsMetrics(registry: Registry, sources: StateSources) {
  const lastRun = new Gauge({ name: 'lango_billing_last_run_timestamp_seconds', help: 'When the last billing run finished (0 = none since start).', registers: [registry] });
  const runs = new Counter({ name: 'lango_billing_runs_total', help: 'Billing runs finished since start.', registers: [registry] });
  const invoices = new Counter({ name: 'lango_billing_invoices_issued_total', help: 'Invoices issued by billing runs since start.', registers: [registry] });
  const failures = new Counter({ name: 'lango_billing_failures_total', help: 'Subscriptions a billing run could not bill, since start.', registers: [registry] });
  lastRun.set(0);

  const gauge = (name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        read(this);
      },
    });
  gauge('lango_payment_attempts', 'Payment attempts by status.', (g) => {
    g.reset();
    for (const [status, n] of Object.entries(sources.paymentsByStatus())) g.labels(status).set(n ?? 0);
  }, ['status']);
  gauge('lango_payments_awaiting_review', 'Flagged payment attempts and callbacks waiting for staff review.', (g) => g.set(sources.paymentsAwaitingReview()));
  gauge('lango_payment_callbacks_received', 'Provider callbacks stored in the payment inbox.', (g) => g.set(sources.paymentCallbacks()));
  let outbox: { at: number; figures: ReturnType<StateSources['outbox']> } | null = null;
  // The three outbox gauges share one read per scrape: a read less than a second old is reused.
  const readOutbox = () => {
    const now = sources.now();
    if (!outbox || now - outbox.at > 1_000 || now < outbox.at) outbox = { at: now, figures: sources.outbox() };
    return outbox.figures;
  };
  gauge('lango_outbox_queued', 'SMS waiting to be sent.', (g) => g.set(readOutbox().queued));
  gauge('lango_outbox_failed', 'SMS that could not be delivered.', (g) => g.set(readOutbox().failed));
  gauge('lango_outbox_oldest_queued_age_seconds', 'Age of the oldest SMS still waiting (0 = none).', (g) => {
    const o = readOutbox();
    g.set(o.oldestQueuedAt === null ? 0 : Math.max(0, (sources.now() - o.oldestQueuedAt) / 1000));
  });
  gauge('lango_database_bytes', 'Size of the database file and its write-ahead log.', (g) => {
    const size = sources.databaseBytes();
    g.labels('file').set(size.file);
    g.labels('wal').set(size.wal);
  }, ['part']);
  gauge('lango_sessions_open', 'Sessions open now.', (g) => g.set(sources.openSessions()));
  gauge('lango_routers_silent', 'Routers heard from since start that sent nothing for 10 minutes.', (g) => g.set(sources.routersSilent()));
  const webhooks = sources.webhooks;
  if (webhooks) {
    gauge('lango_webhook_deliveries', 'Webhook deliveries waiting to be sent (queued) and given up (failed).', (g) => {
      const figures = webhooks();
      g.labels('queued').set(figures.queued);
      g.labels('failed').set(figures.failed);
    }, ['status']);
  }

  return {
    onBillingRun(figures: BillingRunFigures, at: number) {
      runs.inc();
      invoices.inc(figures.invoiced);
      failures.inc(figures.failed);
      lastRun.set(at / 1000);
    },
  };
}

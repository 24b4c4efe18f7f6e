import { describe, expect, it } from 'vitest';
import { addOperationsMetrics, createMetrics } from './metrics.js';

// What Prometheus reads about billing, payments and the outbox, from figures the domains count.

describe('operations metrics', () => {
  it('shows payments by status, the outbox backlog and the last billing run', async () => {
    const metrics = createMetrics();
    const now = Date.UTC(2026, 10, 24, 7, 0);
    const ops = addOperationsMetrics(metrics.registry, {
      paymentsByStatus: () => ({ succeeded: 12, failed: 3 }),
      paymentsAwaitingReview: () => 2,
      paymentCallbacks: () => 15,
      outbox: () => ({ queued: 4, failed: 1, oldestQueuedAt: now - 90_000 }),
      databaseBytes: () => ({ file: 4096, wal: 512 }),
      openSessions: () => 7,
      routersSilent: () => 1,
      now: () => now,
    });
    ops.onBillingRun({ invoiced: 5, failed: 1 }, now);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^lango_payment_attempts\{status="succeeded"\} 12$/m);
    expect(text).toMatch(/^lango_payment_attempts\{status="failed"\} 3$/m);
    expect(text).toMatch(/^lango_payments_awaiting_review 2$/m);
    expect(text).toMatch(/^lango_payment_callbacks_received 15$/m);
    expect(text).toMatch(/^lango_outbox_queued 4$/m);
    expect(text).toMatch(/^lango_outbox_failed 1$/m);
    expect(text).toMatch(/^lango_outbox_oldest_queued_age_seconds 90$/m);
    expect(text).toMatch(/^lango_database_bytes\{part="wal"\} 512$/m);
    expect(text).toMatch(/^lango_sessions_open 7$/m);
    expect(text).toMatch(/^lango_routers_silent 1$/m);
    expect(text).toMatch(/^lango_billing_invoices_issued_total 5$/m);
    expect(text).toMatch(/^lango_billing_failures_total 1$/m);
    expect(text).toMatch(new RegExp(`^lango_billing_last_run_timestamp_seconds ${now / 1000}$`, 'm'));
  });
});

import { describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { lango, radclient } from '../support/peers.js';
import { onPostgres, openTestDatabase } from '../support/postgres.js';

// An operator's admin gets an SMS when a router stops sending accounting, and another when it
// is back; /metrics shows the figures Prometheus graphs.

const ADMIN_PHONE = '+211912345678';

function ok(daemon: Daemon, ...args: string[]): void {
  const run = lango(daemon, ...args);
  if (run.status !== 0) throw new Error(`lango ${args.join(' ')}: ${run.stderr}`);
}

function alertTexts(daemon: Daemon): string[] {
  const db = openTestDatabase(daemon.dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT body FROM messages WHERE recipient = ? AND key LIKE 'alert:%' ORDER BY id`).all(ADMIN_PHONE) as Array<{ body: string }>).map((r) => r.body);
  } finally {
    db.close();
  }
}

async function waitFor<T>(read: () => T, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const accounting = (type: string) => `Acct-Status-Type = ${type}\nAcct-Session-Id = "alert-1"\nUser-Name = "ann"\n`;

describe('health alerts', () => {
  it('texts the admin when a router goes silent, and again when its accounting resumes', async () => {
    const first = await startDaemon();
    ok(first, 'nas', 'add', '--name', 'Juba-North', '--ip', '127.0.0.1', '--secret', 'alert-secret');
    ok(first, 'settings', 'set', '--key', 'alerts.checkSeconds', '--value', '1');
    ok(first, 'settings', 'set', '--key', 'alerts.routerSilentMinutes', '--value', '0.05');
    const db = openTestDatabase(first.dbPath);
    db.prepare(`UPDATE staff SET phone = ? WHERE role = 'admin'`).run(ADMIN_PHONE);
    db.close();
    expect(await first.stop()).toBe(0);

    const daemon = await startDaemon({ dir: first.dir });
    try {
      expect(radclient(accounting('Start'), `127.0.0.1:${daemon.acctPort}`, 'acct', 'alert-secret').status).toBe(0);
      const started = await waitFor(() => alertTexts(daemon), (t) => t.length >= 1);
      expect(started).toHaveLength(1);
      expect(started[0]).toMatch(/^Lango alert: router Juba-North has sent no accounting/);

      // Still silent a few checks later: no second alert.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(alertTexts(daemon)).toHaveLength(1);

      expect(radclient(accounting('Interim-Update'), `127.0.0.1:${daemon.acctPort}`, 'acct', 'alert-secret').status).toBe(0);
      const resolved = await waitFor(() => alertTexts(daemon), (t) => t.length >= 2);
      expect(resolved[1]).toBe('Lango resolved: router Juba-North is sending accounting again.');

      const metrics = await (await fetch(`http://127.0.0.1:${daemon.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/^lango_sessions_open 1$/m);
      expect(metrics).toMatch(/^lango_outbox_queued \d+$/m);
      expect(metrics).toMatch(/^lango_outbox_oldest_queued_age_seconds [\d.e+-]+$/m);
      // The size of the SQLite file; on PostgreSQL there is no file of Lango's to measure (src/main.ts reports 0).
      expect(metrics).toMatch(onPostgres() ? /^lango_database_bytes\{part="file"\} \d+$/m : /^lango_database_bytes\{part="file"\} [1-9]\d*$/m);
      expect(metrics).toMatch(/^lango_database_bytes\{part="wal"\} \d+$/m);
      expect(metrics).toMatch(/^lango_payments_awaiting_review 0$/m);
      expect(metrics).toMatch(/^lango_payment_callbacks_received 0$/m);
      expect(metrics).toMatch(/^lango_routers_silent 0$/m);
      expect(metrics).toMatch(/^lango_billing_runs_total \d+$/m);
      expect(metrics).toMatch(/^lango_billing_last_run_timestamp_seconds /m);
      expect(metrics).toMatch(/^lango_process_nodejs_eventloop_lag_seconds [\d.e+-]+$/m);
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  }, 60_000);
});

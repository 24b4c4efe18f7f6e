import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './connection.js';
import { migrationsFolder } from './migrate.js';
import { onPostgres } from '../../tests/support/postgres.js';

/** A copy of migrations/ holding only the first `count` migrations: the database as an older release left it. */
function olderRelease(count: number): string {
  const folder = path.join(mkdtempSync(path.join(tmpdir(), 'lango-migrations-')), 'migrations');
  mkdirSync(path.join(folder, 'meta'), { recursive: true });
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const entry of journal.entries) cpSync(path.join(migrationsFolder(), `${entry.tag}.sql`), path.join(folder, `${entry.tag}.sql`));
  return folder;
}

describe('upgrading a database', () => {
  // SQLite's own migration history, on a SQLite file an older release left: PostgreSQL starts
  // from its own baseline (migrations/postgres, tested in src/db/postgres/migrate.test.ts).
  it.skipIf(onPostgres())('moves every customer\'s plan and period into a subscription, keeping sessions, usage and the change records the RADIUS cache follows', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lango-upgrade-')), 'lango.db');
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    migrate(drizzle(old), { migrationsFolder: olderRelease(3) });
    old.exec(`
      INSERT INTO plans (name, price_minor, currency, duration_seconds, created_at) VALUES ('Day', 5000, 'KES', 86400, 1);
      INSERT INTO customers (username, password_sealed, plan_id, status, created_at, updated_at, activated_at, expires_at) VALUES ('alice', 'x', 1, 'active', 1, 1, 1000, 87401000);
      INSERT INTO customers (username, password_sealed, status, created_at, updated_at) VALUES ('bob', 'y', 'active', 2, 2);
      INSERT INTO nas (name, ip, secret_sealed, created_at) VALUES ('r1', '10.0.0.1', 's', 1);
      INSERT INTO sessions (nas_id, acct_session_id, username, started_at, updated_at, customer_id, period_start) VALUES (1, 'a1', 'alice', 1, 1, 1, 1000);
      INSERT INTO usage (customer_id, period_start, input_octets, output_octets, updated_at) VALUES (1, 1000, 5, 7, 1);
    `);
    old.close();

    const upgraded = openDatabase(file);
    try {
      const subs = upgraded.sqlite.prepare('SELECT customer_id, plan_id, status, billing_kind, period_start, period_end FROM subscriptions').all();
      expect(subs).toEqual([{ customer_id: 1, plan_id: 1, status: 'active', billing_kind: 'prepaid', period_start: 1000, period_end: 87401000 }]);
      expect(upgraded.sqlite.prepare('SELECT count(*) AS n FROM sessions WHERE customer_id = 1').get()).toEqual({ n: 1 });
      expect(upgraded.sqlite.prepare('SELECT input_octets FROM usage WHERE customer_id = 1').get()).toEqual({ input_octets: 5 });
      expect(upgraded.sqlite.pragma('foreign_key_check')).toEqual([]);
      const changes = () => upgraded.sqlite.prepare('SELECT scope, customer_id FROM subscriber_changes ORDER BY id').all();
      upgraded.sqlite.prepare('DELETE FROM subscriber_changes').run();
      upgraded.sqlite.prepare("UPDATE customers SET status = 'suspended' WHERE username = 'bob'").run();
      upgraded.sqlite.prepare("UPDATE subscriptions SET status = 'paused'").run();
      expect(changes()).toEqual([{ scope: 'one', customer_id: 2 }, { scope: 'one', customer_id: 1 }]);
    } finally {
      upgraded.close();
    }
  });
});

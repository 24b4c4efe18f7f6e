import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { recordAudit, searchAudit } from './audit.js';
import { onPostgres } from '../../tests/support/postgres.js';

let conn: Connection;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1, 8, 0);

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-audit-')), 'lango.db'));
  recordAudit(conn.db, 'staff:amina', 'customer.suspend', 'customer:12', { username: 'alice', from: 'active', to: 'suspended', reason: 'unpaid 50%' }, T0);
  recordAudit(conn.db, 'staff:otieno', 'plan.edit', 'plan:3', { name: '1 Hour', before: { priceMinor: 2000 }, after: { priceMinor: 2500 } }, T0 + DAY);
  recordAudit(conn.db, 'cli:root', 'invoice.void', 'invoice:INV-2026-0007', { reason: 'twice', before: { status: 'issued' }, after: { status: 'void' } }, T0 + 2 * DAY);
  recordAudit(conn.db, 'staff:amina', 'customer.reactivate', 'customer:12', { username: 'alice', from: 'suspended', to: 'active' }, T0 + 3 * DAY);
});
afterEach(() => conn.close());

const actions = (entries: ReturnType<typeof searchAudit>) => entries.map((e) => e.action);

describe('searching the audit log', () => {
  it('lists newest first, a page at a time', () => {
    expect(actions(searchAudit(conn.db))).toEqual(['customer.reactivate', 'invoice.void', 'plan.edit', 'customer.suspend']);
    expect(actions(searchAudit(conn.db, { limit: 2, offset: 1 }))).toEqual(['invoice.void', 'plan.edit']);
  });

  it('finds by who: a staff username, or an actor as written', () => {
    expect(actions(searchAudit(conn.db, { actor: 'amina' }))).toEqual(['customer.reactivate', 'customer.suspend']);
    expect(actions(searchAudit(conn.db, { actor: 'cli:root' }))).toEqual(['invoice.void']);
    expect(searchAudit(conn.db, { actor: 'ami' })).toEqual([]);
  });

  it('finds by what: a whole action, or a family of them', () => {
    expect(actions(searchAudit(conn.db, { action: 'plan.edit' }))).toEqual(['plan.edit']);
    expect(actions(searchAudit(conn.db, { action: 'customer' }))).toEqual(['customer.reactivate', 'customer.suspend']);
    expect(actions(searchAudit(conn.db, { action: 'customer.' }))).toEqual(['customer.reactivate', 'customer.suspend']);
    expect(searchAudit(conn.db, { action: 'cust' })).toEqual([]);
  });

  it('finds by subject, or by the username the detail names', () => {
    expect(actions(searchAudit(conn.db, { subjects: ['invoice:INV-2026-0007'] }))).toEqual(['invoice.void']);
    expect(actions(searchAudit(conn.db, { subjects: ['invoice:alice'], username: 'alice' }))).toEqual(['customer.reactivate', 'customer.suspend']);
  });

  it('finds free text anywhere, taking % and _ as letters', () => {
    expect(actions(searchAudit(conn.db, { text: 'twice' }))).toEqual(['invoice.void']);
    expect(actions(searchAudit(conn.db, { text: '50%' }))).toEqual(['customer.suspend']);
    expect(searchAudit(conn.db, { text: '5_%' })).toEqual([]);
    expect(actions(searchAudit(conn.db, { text: '2500' }))).toEqual(['plan.edit']);
  });

  it('keeps to a time range: from inclusive, until exclusive', () => {
    expect(actions(searchAudit(conn.db, { from: T0 + DAY, until: T0 + 3 * DAY }))).toEqual(['invoice.void', 'plan.edit']);
    expect(actions(searchAudit(conn.db, { actor: 'amina', from: T0 + 1 }))).toEqual(['customer.reactivate']);
  });

  // SQLite's query plans; PostgreSQL plans by its own statistics and has the same indexes (schema-drift.test.ts).
  it.skipIf(onPostgres())('uses an index for the actor and time conditions', () => {
    const plan = (sql: string) => (conn.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(plan("SELECT * FROM audit_log WHERE actor IN ('staff:amina', 'amina') ORDER BY at DESC")).toMatch(/INDEX audit_by_actor/);
    expect(plan('SELECT * FROM audit_log WHERE at >= 1 AND at < 2 ORDER BY at DESC')).toMatch(/INDEX audit_by_at/);
    // "On what": the subjects a name resolves to, or the username written in the detail, as searchAudit asks.
    const onWhat = plan(`SELECT * FROM audit_log WHERE "audit_log"."subject" IN ('customer:1') OR json_extract("audit_log"."detail", '$.username') = 'amina' ORDER BY at DESC`);
    expect(onWhat).toMatch(/MULTI-INDEX OR/);
    expect(onWhat).toMatch(/INDEX audit_by_username/);
  });
});

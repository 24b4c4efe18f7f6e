import Database from 'better-sqlite3';
import type { Db, Sqlite } from '../db/connection.js';
import { sqliteOf } from '../db/prepared.js';
import { getSetting } from '../settings/index.js';

// The storage report (`lango storage`, the staff settings' Storage page): how many rows and
// bytes the tables that grow with traffic hold, and how long the decision trace keeps its rows.

/** The tables that grow with logins, traffic, money and messages; the rest stay small. */
export const GROWING_TABLES = [
  'auth_decisions',
  'sessions',
  'usage_daily',
  'usage_user_days',
  'usage_customer_days',
  'router_interface_buckets',
  'router_health_buckets',
  'router_user_buckets',
  'nas_load_samples',
  'enforcement_actions',
  'notification_events',
  'payment_attempts',
  'payment_inbox',
  'ledger_entries',
  'messages',
  'delivery_reports',
  'webhook_deliveries',
  'audit_log',
] as const;

export interface TableStorage {
  table: string;
  rows: number;
  /** Table and its indexes; null when the backend cannot tell. */
  bytes: number | null;
}

export interface StorageReport {
  tables: TableStorage[];
  /** The whole database; null when the backend cannot tell. */
  databaseBytes: number | null;
  trace: { keepDays: number; keepRows: number };
}

/**
 * Counts rows (a full count: run on request, not on a timer) and asks the backend for sizes:
 * SQLite's dbstat table (compiled into better-sqlite3) per table and its indexes, PostgreSQL's
 * pg_total_relation_size.
 */
export function storageReport(db: Db): StorageReport {
  const sqlite = sqliteOf(db);
  const rowsOf = (table: string) => Number((sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number | string }).n);
  // On PostgreSQL the connection is a stand-in with better-sqlite3's shape, not the real thing.
  const sizes = sqlite instanceof Database ? sqliteSizes(sqlite) : postgresSizes(sqlite);
  return {
    tables: GROWING_TABLES.map((table) => ({ table, rows: rowsOf(table), bytes: sizes.tables.get(table) ?? null })),
    databaseBytes: sizes.total,
    trace: { keepDays: getSetting(db, 'trace.keepDays'), keepRows: getSetting(db, 'trace.keepRows') },
  };
}

interface Sizes {
  tables: Map<string, number>;
  total: number | null;
}

function sqliteSizes(sqlite: Sqlite): Sizes {
  const tables = new Map<string, number>();
  let total: number | null = null;
  try {
    const owner = new Map((sqlite.prepare('SELECT name, tbl_name FROM sqlite_schema WHERE type IN (\'table\', \'index\')').all() as Array<{ name: string; tbl_name: string }>).map((r) => [r.name, r.tbl_name]));
    // aggregate = TRUE: one row per b-tree (a table or an index) instead of one per page.
    for (const tree of sqlite.prepare('SELECT name, pgsize FROM dbstat WHERE aggregate = TRUE').all() as Array<{ name: string; pgsize: number }>) {
      const table = owner.get(tree.name);
      if (table) tables.set(table, (tables.get(table) ?? 0) + tree.pgsize);
    }
    total = (sqlite.prepare('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()').get() as { bytes: number }).bytes;
  } catch {
    // A build without dbstat: rows only.
  }
  return { tables, total };
}

function postgresSizes(sqlite: Sqlite): Sizes {
  const tables = new Map<string, number>();
  for (const table of GROWING_TABLES) {
    const row = sqlite.prepare(`SELECT pg_total_relation_size('${table}') AS bytes`).get() as { bytes: number | string } | undefined;
    if (row) tables.set(table, Number(row.bytes));
  }
  const total = sqlite.prepare('SELECT pg_database_size(current_database()) AS bytes').get() as { bytes: number | string } | undefined;
  return { tables, total: total ? Number(total.bytes) : null };
}

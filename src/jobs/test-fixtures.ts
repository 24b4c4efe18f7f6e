import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Connection } from '../db/connection.js';

// For tests of work shared by several Lango nodes: two connections to one database stand in for
// two daemons. On SQLite they share a file; with LANGO_TEST_PG set the same file name maps to one
// PostgreSQL scratch database (src/db/postgres/scratch.ts), so the same tests run there.

export interface TwoNodes {
  a: Connection;
  b: Connection;
  close(): void;
}

export function openTwoNodes(): TwoNodes {
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-nodes-'));
  const file = path.join(dir, 'lango.db');
  const a = openDatabase(file);
  const b = openDatabase(file);
  return {
    a,
    b,
    close() {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyncFn } from 'synckit';
import type { WorkerReply, WorkerRequest } from './protocol.js';
import { bind, translate } from './translate.js';

/**
 * PostgreSQL behind better-sqlite3's synchronous shape. Lango's domain code is written against
 * better-sqlite3 (through drizzle's better-sqlite3 driver and a few raw prepared statements):
 * synchronous calls, one transaction at a time per connection. This object offers the same
 * calls, carried to a worker thread that holds a `pg` client while this thread waits
 * (synckit: Atomics.wait, then the answer is read off a MessagePort). So the domain code,
 * its transactions and its tests stay one copy for both backends.
 *
 * The price is that a query blocks this thread for a round trip to the server, as a SQLite
 * fsync does: keep PostgreSQL near the nodes (same host or LAN). Run several nodes, not one
 * big one.
 */

/**
 * Raised for a PostgreSQL error; `code` is the SQLSTATE (23505 unique violation …). The message
 * names the statement (its text, never its values) so a report of it can be acted on.
 */
export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly detail: string | undefined,
    readonly constraint: string | undefined,
    readonly statement?: string,
  ) {
    super(statement ? `${message} (in: ${statement.replace(/\s+/g, ' ').slice(0, 300)})` : message);
    this.name = 'PostgresError';
  }
}

// One global lock taken by every transaction: PostgreSQL then gives what SQLite's single writer
// gives, so read-then-write transactions (invoice numbers, claims, balances) stay exactly-once
// across nodes without each being rewritten for row locks or serialisable retries.
export const WRITE_LOCK_KEY = 0x4c414e47; // "LANG"

// A statement that waits longer than this is a stuck server or a lock held by a dead session:
// failing the request beats freezing the daemon.
const CALL_TIMEOUT_MS = 60_000;

function workerPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const built = path.join(here, 'worker.js');
  if (existsSync(built)) return built;
  // Running from source (vitest): the compiled worker in dist/ (npm test builds first).
  const root = here.replace(/[\\/]src[\\/]db[\\/]postgres$/, '');
  return path.join(root, 'dist', 'src', 'db', 'postgres', 'worker.js');
}

let call: ((request: WorkerRequest) => WorkerReply) | undefined;
function worker(request: WorkerRequest): WorkerReply {
  call ??= createSyncFn<(request: WorkerRequest) => Promise<WorkerReply>>(workerPath(), { timeout: CALL_TIMEOUT_MS });
  const reply = call(request);
  if (reply.kind === 'error') {
    const statement = request.op === 'query' || request.op === 'exec' ? request.text : undefined;
    throw new PostgresError(reply.message, reply.code, reply.detail, reply.constraint, statement);
  }
  return reply;
}

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

type Rows = Extract<WorkerReply, { kind: 'rows' }>;

function fixBytea(reply: Rows, arrays: boolean): unknown[] {
  if (reply.bytea.length === 0) return reply.rows;
  // Structured cloning turns a Buffer into a plain Uint8Array; better-sqlite3 gives Buffers.
  for (const row of reply.rows as Array<Record<string, unknown> | unknown[]>) {
    for (const i of reply.bytea) {
      const key = arrays ? i : reply.columns[i]!;
      const value = (row as Record<string | number, unknown>)[key];
      if (value instanceof Uint8Array) (row as Record<string | number, unknown>)[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return reply.rows;
}

export class PgStatement {
  private arrays = false;
  private plucked = false;
  private readonly text: string;
  private readonly slots: Array<number | string>;
  private readonly name: string;

  constructor(
    private readonly database: PgSyncDatabase,
    readonly source: string,
  ) {
    const translated = translate(source);
    this.text = translated.text;
    this.slots = translated.slots;
    // Named statements are parsed and planned once per server connection.
    this.name = `l${createHash('sha1').update(this.text).digest('base64url').slice(0, 20)}`;
  }

  raw(on = true): this {
    this.arrays = on;
    return this;
  }

  pluck(on = true): this {
    this.plucked = on;
    return this;
  }

  private query(args: unknown[]): Rows {
    return this.database.query(this.text, bind(this.slots, args), this.arrays || this.plucked ? 'array' : 'object', this.name);
  }

  run(...args: unknown[]): RunResult {
    return { changes: this.query(args).rowCount, lastInsertRowid: 0 };
  }

  all(...args: unknown[]): unknown[] {
    const reply = this.query(args);
    const rows = fixBytea(reply, this.arrays || this.plucked);
    return this.plucked ? rows.map((row) => (row as unknown[])[0]) : rows;
  }

  get(...args: unknown[]): unknown {
    return this.all(...args)[0];
  }

  iterate(...args: unknown[]): IterableIterator<unknown> {
    return this.all(...args)[Symbol.iterator]();
  }
}

type TransactionFn<A extends unknown[], R> = ((...args: A) => R) & {
  deferred: (...args: A) => R;
  immediate: (...args: A) => R;
  exclusive: (...args: A) => R;
};

export class PgSyncDatabase {
  private id: number | undefined;
  private depth = 0;
  readonly name: string;

  constructor(url: string, applicationName = 'lango') {
    this.name = url.replace(/\/\/[^@/]*@/, '//');
    // statement_timeout backs CALL_TIMEOUT_MS from the server's side. A node that loses power
    // inside a transaction would hold the write lock until the server noticed the dead TCP
    // connection (hours); Lango's transactions never sit idle, so the server ends one that does
    // after 15 s and the other nodes carry on. UTC keeps server-side time text out of the local
    // zone (Lango stores times as numbers anyway).
    const setup = [`SET statement_timeout = ${CALL_TIMEOUT_MS - 5_000}`, 'SET idle_in_transaction_session_timeout = 15000', "SET TIME ZONE 'UTC'"];
    const reply = worker({ op: 'open', url, applicationName, setup }) as Extract<WorkerReply, { kind: 'opened' }>;
    this.id = reply.id;
  }

  get open(): boolean {
    return this.id !== undefined;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  private connection(): number {
    if (this.id === undefined) throw new TypeError('The database connection is not open');
    return this.id;
  }

  /** @internal one statement with parameters, for PgStatement. */
  query(text: string, params: unknown[], rowMode: 'array' | 'object', name?: string): Rows {
    return worker({ op: 'query', id: this.connection(), text, params, rowMode, name, fresh: this.depth === 0 }) as Rows;
  }

  prepare(sql: string): PgStatement {
    return new PgStatement(this, sql);
  }

  /** Several statements without parameters (simple query protocol), as better-sqlite3's exec. */
  exec(sql: string): this {
    const begin = /^\s*begin\b(?:\s+(deferred|immediate|exclusive))?(?:\s+transaction)?\s*;?\s*$/i.exec(sql);
    if (begin) {
      this.begin();
      return this;
    }
    const end = /^\s*(commit|end|rollback)\b(?:\s+transaction)?\s*;?\s*$/i.exec(sql);
    worker({ op: 'exec', id: this.connection(), text: sql, fresh: this.depth === 0 });
    if (end) this.depth = 0;
    return this;
  }

  private begin(): void {
    worker({ op: 'exec', id: this.connection(), text: `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`, fresh: true });
    this.depth = 1;
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): TransactionFn<A, R> {
    const wrapped = (...args: A): R => {
      if (this.depth > 0) {
        const savepoint = `lango_sp${this.depth}`;
        worker({ op: 'exec', id: this.connection(), text: `SAVEPOINT ${savepoint}`, fresh: false });
        this.depth++;
        try {
          const result = fn(...args);
          worker({ op: 'exec', id: this.connection(), text: `RELEASE SAVEPOINT ${savepoint}`, fresh: false });
          return result;
        } catch (err) {
          worker({ op: 'exec', id: this.connection(), text: `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`, fresh: false });
          throw err;
        } finally {
          this.depth--;
        }
      }
      this.begin();
      try {
        const result = fn(...args);
        if (result instanceof Promise) throw new TypeError('Transaction function cannot return a promise');
        worker({ op: 'exec', id: this.connection(), text: 'COMMIT', fresh: false });
        return result;
      } catch (err) {
        try {
          worker({ op: 'exec', id: this.connection(), text: 'ROLLBACK', fresh: false });
        } catch {
          // The connection is gone; the server rolls back on its own.
        }
        throw err;
      } finally {
        this.depth = 0;
      }
    };
    return Object.assign(wrapped, { deferred: wrapped, immediate: wrapped, exclusive: wrapped });
  }

  /**
   * SQLite's PRAGMAs: the tuning ones (synchronous, cache_size …) have no meaning here and are
   * accepted as no-ops; the checks answer as a healthy SQLite would. Anything else is a bug: the
   * caller should have asked which dialect it is on.
   */
  pragma(text: string, _options?: { simple?: boolean }): unknown {
    const name = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? '';
    if (['synchronous', 'cache_size', 'busy_timeout', 'journal_mode', 'wal_autocheckpoint', 'foreign_keys', 'temp_store', 'mmap_size'].includes(name)) return [];
    if (name === 'wal_checkpoint') return [{ busy: 0, log: 0, checkpointed: 0 }];
    if (name === 'foreign_key_check') return [];
    if (name === 'integrity_check') return [{ integrity_check: 'ok' }];
    throw new Error(`PRAGMA ${name} has no PostgreSQL meaning`);
  }

  close(): this {
    if (this.id !== undefined) {
      const id = this.id;
      this.id = undefined;
      worker({ op: 'close', id });
    }
    return this;
  }
}

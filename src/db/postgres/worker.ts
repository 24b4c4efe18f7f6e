import pg from 'pg';
import { runAsWorker } from 'synckit';
import type { WorkerReply, WorkerRequest } from './protocol.js';

// The worker thread behind PgSyncDatabase: it owns the pg clients (one per connection the main
// thread opened) and answers one request at a time while the main thread waits on Atomics.
// Values are converted here to what better-sqlite3 would give, so drizzle's column mappers and
// the domain code cannot tell the backends apart.

const toNumber = (value: string): number => Number(value);
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case 20: // int8: counters, ids, timestamps in ms. Exact up to 2^53, as in SQLite's JS binding.
      case 1700: // numeric: sum() and avg() of bigint
        return toNumber;
      case 16: // bool: comparisons in a select list are 1/0 in SQLite
        return (value: string) => (value === 't' ? 1 : 0);
      default:
        return pg.types.getTypeParser(oid, format as 'text');
    }
  },
};

const clients = new Map<number, pg.Client>();
const settings = new Map<number, Extract<WorkerRequest, { op: 'open' }>>();
let nextId = 1;

async function connect(id: number): Promise<pg.Client> {
  const open = settings.get(id)!;
  const client = new pg.Client({ connectionString: open.url, types, application_name: open.applicationName });
  // A server restart or a network cut ends the client: forget it, and the next statement
  // outside a transaction connects again (clientOf). An 'error' must never crash the worker.
  const forget = () => {
    if (clients.get(id) === client) clients.delete(id);
  };
  client.on('error', forget);
  client.on('end', forget);
  await client.connect();
  for (const statement of open.setup) await client.query(statement);
  clients.set(id, client);
  return client;
}

async function clientOf(id: number, fresh: boolean): Promise<pg.Client> {
  const client = clients.get(id);
  if (client) return client;
  if (!settings.has(id)) throw new Error('the PostgreSQL connection is closed');
  // Inside a transaction a new connection would run the rest of it on its own: the server
  // rolled the transaction back with the old connection, so say so and let it fail.
  if (!fresh) throw new Error('the connection to PostgreSQL was lost inside a transaction, which the server rolled back');
  return connect(id);
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.op) {
    case 'open': {
      const id = nextId++;
      settings.set(id, request);
      try {
        await connect(id);
      } catch (err) {
        settings.delete(id);
        throw err;
      }
      return { kind: 'opened', id };
    }
    case 'query': {
      const client = await clientOf(request.id, request.fresh);
      // Structured cloning turned Buffers into plain Uint8Arrays on the way here.
      const values = request.params.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
      const config = { text: request.text, values, ...(request.name ? { name: request.name } : {}) };
      const result = request.rowMode === 'array' ? await client.query({ ...config, rowMode: 'array' as const }) : await client.query(config);
      return { kind: 'rows', rows: result.rows as unknown[], rowCount: result.rowCount ?? 0, columns: result.fields.map((f) => f.name), bytea: result.fields.flatMap((f, i) => (f.dataTypeID === 17 ? [i] : [])) };
    }
    case 'exec': {
      await (await clientOf(request.id, request.fresh)).query(request.text);
      return { kind: 'done' };
    }
    case 'close': {
      const client = clients.get(request.id);
      clients.delete(request.id);
      settings.delete(request.id);
      if (client) await client.end().catch(() => undefined);
      return { kind: 'done' };
    }
  }
}

runAsWorker(async (request: WorkerRequest): Promise<WorkerReply> => {
  try {
    return await handle(request);
  } catch (err) {
    // Errors cross the thread boundary as plain data, so the SQLSTATE code survives.
    const e = err as Error & { code?: string; detail?: string; constraint?: string };
    return { kind: 'error', message: e.message, code: e.code, detail: e.detail, constraint: e.constraint };
  }
});

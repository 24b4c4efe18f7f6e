import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgServer } from '../tests/support/postgres.js';
import { redact, startWireCounter, type WireCounter } from './bench-postgres.js';

// The bench's round-trip counts are only worth reporting if the proxy counts what the server
// is asked. An async pg client drives it here: PgSyncDatabase would block the thread the proxy
// runs on.
describe.skipIf(!pgServer())('the bench counting round trips to PostgreSQL on the wire', () => {
  let counter: WireCounter;
  let client: pg.Client;

  beforeAll(async () => {
    counter = await startWireCounter(pgServer()!);
    client = new pg.Client({ connectionString: counter.via(pgServer()!) });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
    await counter.close();
  });

  it('counts one round trip per statement, simple or with parameters, and names each statement by its text', async () => {
    const before = counter.snapshot();
    await client.query('BEGIN');
    await client.query({ name: 'two', text: 'SELECT $1::int + 1 AS n', values: [1] });
    await client.query({ name: 'two', text: 'SELECT $1::int + 1 AS n', values: [2] });
    await client.query('COMMIT');
    const after = counter.snapshot();
    expect(after.roundTrips - before.roundTrips).toBe(4);
    expect(after.statements.get('SELECT $1::int + 1 AS n')).toBe(2);
    expect(after.statements.get('BEGIN')).toBe(1);
  });
});

it('leaves the password out of a PostgreSQL URL the bench prints', () => {
  expect(redact('postgres://lango:secret@127.0.0.1:5432/postgres')).toBe('postgres://lango@127.0.0.1:5432/postgres');
});

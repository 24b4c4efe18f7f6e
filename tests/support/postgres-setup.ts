import { TEST_DATABASE_PREFIX } from '../../src/db/postgres/scratch.js';
import { dropDatabases } from './postgres.js';

// Vitest global setup for a run on PostgreSQL (LANGO_TEST_PG): the databases this run creates
// (src/db/postgres/scratch.ts maps each test's SQLite file to one) carry the run's own prefix,
// so runs side by side on one server leave each other alone, and are dropped at the end.
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const server = process.env.LANGO_TEST_PG;
  if (!server) return undefined;
  const prefix = `${TEST_DATABASE_PREFIX}${process.pid}_`;
  process.env.LANGO_TEST_PG_PREFIX = prefix;
  return async () => {
    await dropDatabases(server, prefix);
  };
}

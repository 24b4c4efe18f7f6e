import type { Db, Sqlite } from './connection.js';

/**
 * One set of prepared statements per SQLite connection, built on first use. Statements
 * prepared on a connection run inside whatever transaction that connection has open, so a
 * domain's hot path (a billing run's thousands of renewals, each in its own savepoint) pays
 * for preparing SQL once, not per call. Keyed by the connection, not the Db object: each
 * transaction hands out a fresh Db-like object on the same connection.
 */
export function preparedPer<T>(build: (db: Db, sqlite: Sqlite) => T): (db: Db) => T {
  const cache = new WeakMap<object, T>();
  return (db) => {
    const connection = sqliteOf(db);
    let statements = cache.get(connection);
    if (!statements) cache.set(connection, (statements = build(db, connection)));
    return statements;
  };
}

/** The better-sqlite3 connection behind a Db or a transaction on it. */
export function sqliteOf(db: Db): Sqlite {
  return (db as unknown as { session: { client: Sqlite } }).session.client;
}

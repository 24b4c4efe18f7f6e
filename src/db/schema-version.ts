import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from './connection.js';
import { migrationsFolder } from './migrate.js';

export interface SchemaVersion {
  dialect: Connection['dialect'];
  /** Migrations recorded in the database. */
  applied: number;
  /** The newest migration this installation ships, by name. */
  latest: string;
}

/**
 * Where the schema stands. openDatabase has already brought it to the latest migration; this
 * reads back what the database records, so `lango migrate` reports the database, not a hope.
 */
export function schemaVersion(connection: Connection): SchemaVersion {
  if (connection.dialect === 'postgres') {
    const names = connection.sqlite.prepare('SELECT name FROM lango_migrations ORDER BY name').pluck().all() as string[];
    return { dialect: 'postgres', applied: names.length, latest: names.at(-1) ?? '' };
  }
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const applied = (connection.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;
  return { dialect: 'sqlite', applied, latest: journal.entries.at(-1)?.tag ?? '' };
}

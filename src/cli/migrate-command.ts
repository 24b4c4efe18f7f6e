import { schemaVersion, type SchemaVersion } from '../db/schema-version.js';
import { json, type Command } from './command.js';

// Every command (and the daemon) migrates the database it opens; this one does only that, for
// an operator who wants the schema ready before starting nodes, and says where it stands.
export const migrateCommand: Command = {
  words: ['migrate'],
  summary: 'Create or update the database schema (SQLite file or PostgreSQL, from LANGO_DB) and say which migration it is at. The daemon does the same at start.',
  usage: 'lango migrate [--json]',
  options: { ...json },
  run: ({ connection }) => schemaVersion(connection),
  print: (r) => {
    const v = r as SchemaVersion;
    return `The ${v.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} database is up to date: ${v.applied} migration(s) applied, the latest ${v.latest}.`;
  },
};

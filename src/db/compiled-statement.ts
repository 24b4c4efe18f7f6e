import { Param, Placeholder, is, type SQLWrapper } from 'drizzle-orm';
import type { Sqlite } from './connection.js';

interface Compilable extends SQLWrapper {
  toSQL(): { sql: string; params: unknown[] };
}

interface Slot {
  name: string;
  encode: (value: unknown) => unknown;
}

const asIs = (value: unknown) => value;

/**
 * Compiles a drizzle query written with sql.placeholder() into a raw better-sqlite3 statement.
 * drizzle stays the source of the SQL (schema-checked, one dialect place) and of each column's
 * value encoding, while the hot paths skip its per-call placeholder mapping, which cost about as
 * much as SQLite's own work for a one-row upsert. Rows come back with SQLite's column names
 * (input_octets), not drizzle's field names: use it for writes, or reads of columns whose
 * names match; other reads belong to drizzle's own prepared queries.
 */
export function compileStatement<T extends Record<string, unknown>>(sqlite: Sqlite, query: Compilable) {
  const { sql, params } = query.toSQL();
  const slots: Slot[] = params.map((param) => {
    if (is(param, Placeholder)) return { name: param.name, encode: asIs };
    if (is(param, Param) && is(param.value, Placeholder)) {
      const encoder = param.encoder;
      return { name: param.value.name, encode: encoder ? (v: unknown) => encoder.mapToDriverValue(v) : asIs };
    }
    throw new Error(`compileStatement: every parameter must be a placeholder (${sql})`);
  });
  const statement = sqlite.prepare(sql);
  const argumentsOf = (values: T) => slots.map((slot) => slot.encode(values[slot.name]));
  return {
    run: (values: T) => statement.run(argumentsOf(values)),
    get: (values: T) => statement.get(argumentsOf(values)),
  };
}

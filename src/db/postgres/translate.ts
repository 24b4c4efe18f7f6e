/**
 * SQLite SQL, as drizzle's SQLite dialect and Lango's own raw statements write it, turned into
 * PostgreSQL SQL. This is the one place where the two dialects differ in text; the domain code
 * writes SQL that is valid in both where it can, and PostgreSQL gets functions with SQLite's
 * names (json_extract, json_set, instr) from its baseline migration. Each rule is named for the
 * construct it handles, so a reader can tell what PostgreSQL never sees.
 */

export interface Translated {
  text: string;
  /** For each $n, the argument it takes: a position in the arguments, or a name in the bound object. */
  slots: Array<number | string>;
}

type Segment = { code: string } | { literal: string };

/** Splits SQL into code and quoted parts ('strings', "identifiers", `identifiers`), dropping comments. */
function segments(sql: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  let i = 0;
  const flush = () => {
    if (code) out.push({ code });
    code = '';
  };
  while (i < sql.length) {
    const c = sql[i]!;
    // SQLite also takes [identifiers]; Lango never writes them, and PostgreSQL's bigint[] must pass.
    const closing = c === "'" ? "'" : c === '"' ? '"' : c === '`' ? '`' : null;
    if (closing) {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new Error(`unterminated ${c} in SQL: ${sql.slice(i, i + 40)}`);
        if (sql[j] === closing) {
          if (sql[j + 1] === closing) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      flush();
      let literal = sql.slice(i, j + 1);
      // PostgreSQL has only "double quotes" for identifiers.
      if (c === '`') literal = `"${literal.slice(1, -1).replace(/"/g, '""')}"`;
      out.push({ literal });
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      code += ' ';
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return out;
}

const RULES: Array<[name: string, pattern: RegExp, replacement: string]> = [
  // SQLite's query-planner hints mean nothing to PostgreSQL.
  ['not indexed', /\bnot\s+indexed\b/gi, ''],
  ['indexed by', /\bindexed\s+by\s+[A-Za-z_][A-Za-z0-9_]*/gi, ''],
  // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE is the same test.
  ['like', /\blike\b/gi, 'ilike'],
  // INTEGER in SQLite is 64-bit; PostgreSQL's integer is 32-bit. REAL in SQLite is a double.
  ['cast as integer', /\bas\s+integer\b/gi, 'as bigint'],
  ['cast as real', /\bas\s+real\b/gi, 'as double precision'],
  ['ifnull', /\bifnull\s*\(/gi, 'coalesce('],
  ['limit -1', /\blimit\s+-1\b/gi, 'limit all'],
];

const INSERT_OR_IGNORE = /^\s*insert\s+or\s+ignore\s+into\b/i;
const UNSUPPORTED = /^\s*(insert\s+or\s+replace|replace\s+into|pragma|vacuum|analyze|attach|detach)\b/i;

const cache = new Map<string, Translated>();

export function translate(sql: string): Translated {
  const hit = cache.get(sql);
  if (hit) return hit;
  const unsupported = UNSUPPORTED.exec(sql);
  if (unsupported) throw new Error(`SQLite-only statement reached PostgreSQL (${unsupported[1]}): ${sql.slice(0, 80)}`);
  const parts = segments(sql);
  const slots: Array<number | string> = [];
  let positional = 0;
  let ignore = false;
  const text = parts
    .map((part, index) => {
      if ('literal' in part) return part.literal;
      let code = part.code;
      if (index === 0 && INSERT_OR_IGNORE.test(code)) {
        ignore = true;
        code = code.replace(/insert\s+or\s+ignore\s+into/i, 'insert into');
      }
      for (const [, pattern, replacement] of RULES) code = code.replace(pattern, replacement);
      return code.replace(/\?(\d+)?|[@:$]([A-Za-z_][A-Za-z0-9_]*)/g, (whole, number: string | undefined, name: string | undefined, offset: number, all: string) => {
        // `::` would be a PostgreSQL cast; SQLite SQL has none, but do not mistake one for a name.
        if (whole.startsWith(':') && (all[offset - 1] === ':' || all[offset + 1] === ':')) return whole;
        if (name !== undefined) slots.push(name);
        else slots.push(number !== undefined ? Number(number) - 1 : positional++);
        return `$${slots.length}`;
      });
    })
    .join('');
  // drizzle's SQLite dialect names the conflict target's columns with their table; PostgreSQL
  // wants bare column names there.
  let out = text.replace(/\bon conflict\s*\(([^)]*)\)/gi, (_whole, target: string) => `on conflict (${target.replace(/"(?:[^"]|"")+"\./g, '')})`);
  if (ignore) {
    const returning = /\breturning\b/i.exec(out);
    out = returning ? `${out.slice(0, returning.index)} on conflict do nothing ${out.slice(returning.index)}` : `${out.replace(/;\s*$/, '')} on conflict do nothing`;
  }
  const result = { text: out, slots };
  if (cache.size < 10_000) cache.set(sql, result);
  return result;
}

/** The values for a translated statement's $1…$n, from better-sqlite3-style arguments. */
export function bind(slots: Array<number | string>, args: unknown[]): unknown[] {
  if (slots.length === 0) return [];
  const named = args.length === 1 && args[0] !== null && typeof args[0] === 'object' && !Buffer.isBuffer(args[0]) && !Array.isArray(args[0]) ? (args[0] as Record<string, unknown>) : undefined;
  const flat = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  return slots.map((slot) => {
    const value = typeof slot === 'string' ? named?.[slot] : flat[slot];
    if (typeof slot === 'string' && (!named || !(slot in named))) throw new RangeError(`missing named parameter "${slot}"`);
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'boolean') return value ? 1 : 0;
    return value === undefined ? null : value;
  });
}

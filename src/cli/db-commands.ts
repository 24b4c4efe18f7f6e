import { CopyRefusal, compareDatabases, copyDatabase, type CompareResult, type CopyResult } from '../operations/db-copy.js';
import { json, str, table, type Command } from './command.js';

// Moving to PostgreSQL: `lango db copy` and the check behind it, `lango db compare`. Neither
// opens LANGO_DB: both name their databases on the command line.

/** A refusal is printed plainly and exits 1; nothing was written. */
function refusing<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof CopyRefusal)) throw err;
    process.stderr.write(`lango: ${err.message}\n`);
    process.exit(1);
  }
}

function differencesText(differences: readonly string[]): string[] {
  const shown = differences.slice(0, 50).map((d) => `  ${d}`);
  return differences.length > shown.length ? [...shown, `  … and ${differences.length - shown.length} more (--json lists all)`] : shown;
}

export const dbCommands: Command[] = [
  {
    words: ['db', 'copy'],
    summary: 'Copy a SQLite installation into an empty PostgreSQL database (ids kept), then compare the two. Stop the daemon first.',
    usage: 'lango db copy --from ./data/lango.db --to postgres://user:password@host:5432/lango [--replace] [--json]',
    options: { from: { type: 'string' }, to: { type: 'string' }, replace: { type: 'boolean' }, ...json },
    required: ['from', 'to'],
    run: () => {
      throw new Error('db copy runs standalone');
    },
    standalone: (_config, v) =>
      refusing(() => {
        const result = copyDatabase(str(v, 'from')!, str(v, 'to')!, { replace: v.replace === true });
        if (result.differences.length > 0) process.exitCode = 1;
        return result;
      }),
    print: (r) => {
      const x = r as CopyResult;
      const filled = x.tables.filter((t) => t.rows > 0);
      return [
        `Copied ${x.from} to ${x.to}${x.replaced ? ' (its previous contents were removed)' : ''}.`,
        '',
        table(filled, [
          ['table', 'Table'],
          ['rows', 'Rows'],
          ['ms', 'ms'],
        ]),
        `${x.tables.length - filled.length} other table(s) were empty.`,
        `${x.rows} rows in ${(x.ms / 1000).toFixed(1)} s (${x.rowsPerSecond} rows/s).`,
        '',
        ...(x.differences.length === 0
          ? ['Compared afterwards: identical (row counts, ledger totals, invoice numbers, wallets, sessions).']
          : [`Compared afterwards: ${x.differences.length} difference(s) (was the daemon still writing to the file?):`, ...differencesText(x.differences)]),
        'Start Lango with LANGO_DB set to the PostgreSQL URL and the SAME key file (LANGO_KEY_FILE): stored secrets are copied still encrypted with it.',
      ].join('\n');
    },
  },
  {
    words: ['db', 'compare'],
    summary: 'Compare two Lango databases (SQLite files or PostgreSQL URLs): rows per table, ledger totals, trial balance, invoice numbers, wallets, sessions. Exit 1 when they differ.',
    usage: 'lango db compare A B [--json]   (each a file or a postgres:// URL; or --a A --b B)',
    options: { a: { type: 'string' }, b: { type: 'string' }, ...json },
    required: ['a', 'b'],
    positional: ['a', 'b'],
    run: () => {
      throw new Error('db compare runs standalone');
    },
    standalone: (_config, v) =>
      refusing(() => {
        const result = compareDatabases(str(v, 'a')!, str(v, 'b')!);
        if (!result.identical) process.exitCode = 1;
        return result;
      }),
    print: (r) => {
      const x = r as CompareResult;
      return x.identical
        ? `${x.a} and ${x.b} are identical (${x.figures} figures compared).`
        : [`${x.a} and ${x.b} differ in ${x.differences.length} figure(s) (first vs second):`, ...differencesText(x.differences)].join('\n');
    },
  },
];

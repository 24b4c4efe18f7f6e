import { createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { isPostgresUrl } from '../db/connection.js';
import { minorDigits } from '../billing/money.js';
import {
  ALL_PAGES,
  BackupRefusal,
  exportCsv,
  exportKinds,
  parseDay,
  restoreBackup,
  takeBackup,
  type BackupResult,
  type ExportKind,
  type RestoreResult,
} from '../operations/index.js';
import { json, str, type Command } from './command.js';

// Data safety from the command line: backups, restore and CSV exports.

/** A refusal is printed plainly and exits 1, like a LangoError; nothing was changed. */
async function refusing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof BackupRefusal)) throw err;
    process.stderr.write(`lango: ${err.message}\n`);
    process.exit(1);
  }
}

function day(text: string | undefined, option: string, zone: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDay(text, zone);
  if (ms === undefined) throw new BackupRefusal(`--${option} must be a date like 2026-11-01, not "${text}".`);
  return ms;
}

interface ExportResult {
  kind: ExportKind;
  rows: number;
  file: string | null;
}

const ON_POSTGRES =
  'LANGO_DB is PostgreSQL: back it up with pg_dump (or a streaming replica) and restore with pg_restore, as the README says. lango backup and lango restore handle a SQLite file.';

export const operationsCommands: Command[] = [
  {
    words: ['backup'],
    summary: 'Take a consistent backup of the database now (safe while the daemon runs), verify it, and delete ones older than backup.keepDays.',
    usage: 'lango backup [--to DIR] [--json]',
    options: { to: { type: 'string' }, ...json },
    run: ({ connection, config }, v) =>
      refusing(() => {
        if (connection.dialect === 'postgres') throw new BackupRefusal(ON_POSTGRES);
        return takeBackup(connection.sqlite, connection.db, { dbFile: config.LANGO_DB, keyFile: config.LANGO_KEY_FILE, zone: config.LANGO_TIMEZONE, to: str(v, 'to'), pagesPerStep: ALL_PAGES });
      }),
    print: (r) => {
      const b = r as BackupResult;
      return [
        `Backup written and verified: ${b.file} (${(b.bytes / 1_048_576).toFixed(1)} MB, schema version ${b.schemaVersion}).`,
        ...(b.copy ? [`Copied to ${b.copy}.`] : []),
        ...(b.removed.length ? [`Deleted ${b.removed.length} old backup(s).`] : []),
        `The secret key file is NOT in the backup: keep a copy of ${b.keyFile} (LANGO_KEY_FILE) somewhere safe and separate; without it the stored secrets cannot be read.`,
      ].join('\n');
    },
  },
  {
    words: ['restore'],
    summary: 'Replace the database with a backup, after checking it. The daemon must be stopped; the current database is kept beside it.',
    usage: 'lango restore BACKUP.db --yes [--json]   (or --file BACKUP.db)',
    options: { file: { type: 'string' }, yes: { type: 'boolean' }, ...json },
    required: ['file'],
    positional: 'file',
    run: () => {
      throw new Error('restore runs standalone');
    },
    // Opens neither the database (it may be the damaged thing being replaced) nor the key file
    // (a key made up here would not open the restored secrets).
    standalone: (config, v) =>
      refusing(async () => {
        if (isPostgresUrl(config.LANGO_DB)) throw new BackupRefusal(ON_POSTGRES);
        if (v.yes !== true) {
          throw new BackupRefusal(`This replaces ${path.resolve(config.LANGO_DB)} with ${path.resolve(str(v, 'file')!)} (the current one is kept as a .before-restore file). Run again with --yes to go ahead.`);
        }
        const result = await restoreBackup(config.LANGO_DB, str(v, 'file')!);
        const keyFile = config.LANGO_KEY_FILE;
        return { ...result, keyFileMissing: existsSync(keyFile) ? null : keyFile };
      }),
    print: (r) => {
      const x = r as RestoreResult;
      return [
        `Restored ${x.restored} from ${x.from} (schema version ${x.schemaVersion}).`,
        ...(x.previous ? [`The database it replaced is kept as ${x.previous}.`] : []),
        ...((x as RestoreResult & { keyFileMissing?: string | null }).keyFileMissing
          ? [`WARNING: there is no key file at ${(x as RestoreResult & { keyFileMissing?: string | null }).keyFileMissing}. Put the key file kept with this backup there before starting the daemon, or the stored router secrets and network passwords cannot be read.`]
          : []),
        'Start the daemon again; it updates the schema if this backup is older, and closes sessions left open in the backup.',
      ].join('\n');
    },
  },
  // One command per table, so it reads `lango export invoices --from …`.
  ...exportKinds.map(
    (kind): Command => ({
      words: ['export', kind],
      summary: `Write ${kind} as CSV (times in the operator time zone, money as decimals with the currency), to a file or the screen.`,
      usage: `lango export ${kind} [--from 2026-11-01] [--to 2026-11-30] [--out FILE] [--json]`,
      options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, ...json },
      run: ({ connection, config }, v) =>
        refusing(async (): Promise<ExportResult | string> => {
          const zone = config.LANGO_TIMEZONE;
          const from = day(str(v, 'from'), 'from', zone);
          const toDay = day(str(v, 'to'), 'to', zone);
          // --to names the last day included.
          const to = toDay === undefined ? undefined : toDay + 86_400_000;
          const out = str(v, 'out');
          if (out === undefined) {
            if (v.json === true) throw new BackupRefusal('--json needs --out FILE: without it the CSV itself goes to the screen.');
            await exportCsv(connection.sqlite, kind, process.stdout, { zone, digits: minorDigits, from, to, finalNewline: false });
            return '';
          }
          // wx: never overwrites an earlier export by mistake; 0600: it holds customers' details.
          const stream = createWriteStream(out, { flags: 'wx', mode: 0o600 });
          await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', (err) => reject(new BackupRefusal(`Cannot write ${out}: ${err.message}`))));
          const rows = await exportCsv(connection.sqlite, kind, stream, { zone, digits: minorDigits, from, to });
          stream.end();
          await finished(stream);
          return { kind, rows, file: path.resolve(out) };
        }),
      print: (r) => (typeof r === 'string' ? r : `Wrote ${(r as ExportResult).rows} ${kind} row(s) to ${(r as ExportResult).file}.`),
    }),
  ),
];

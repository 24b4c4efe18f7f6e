import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DateTime } from 'luxon';
import type { Sqlite } from '../db/connection.js';
import type { Currency } from '../db/schema/billing.js';

// CSV exports for the operator's accountant and spreadsheets. Rows are streamed from the
// database one at a time (no whole table in memory), quoted per RFC 4180, with money as plain
// decimals beside their currency and times in the operator's zone.

export const exportKinds = ['customers', 'invoices', 'payments', 'sessions'] as const;
export type ExportKind = (typeof exportKinds)[number];

type Cell = string | number | null;
type Row = Record<string, Cell>;
/** Minor-unit digits of a currency; billing's minorDigits (operations may not import billing). */
type Digits = (currency: Currency) => number;

interface ExportDefinition {
  /** Column name -> how the cell is written. */
  columns: Array<[string, (row: Row, zone: string, digits: Digits) => Cell]>;
  /** SELECT with :from and :to (epoch ms, to exclusive) on the export's own time column. */
  sql: string;
}

/** Integer minor units as "1234.50" exactly (no floating point), for spreadsheets and accounting tools. */
export function decimalMoney(minor: number, digits: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  const scale = 10 ** digits;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(digits, '0')}`;
}

/** ISO 8601 with the operator's offset, e.g. 2026-11-24T13:05:00.000+03:00. */
export function isoTime(ms: number | null, zone: string): string | null {
  return ms === null ? null : DateTime.fromMillis(ms, { zone }).toISO();
}

/**
 * One CSV field. A cell starting with = + - @ (or a tab/CR that Excel strips first) is
 * prefixed with ' so a spreadsheet shows it as text instead of running it as a formula: names,
 * references and notes come from customers and payment providers.
 */
export function csvField(value: Cell): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: Cell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

const money = (column: string) => (row: Row, _zone: string, digits: Digits) => (row[column] === null ? null : decimalMoney(Number(row[column]), digits(row.currency as Currency)));
const time = (column: string) => (row: Row, zone: string) => isoTime(row[column] as number | null, zone);
const plain = (column: string) => (row: Row) => row[column] ?? null;

const definitions: Record<ExportKind, ExportDefinition> = {
  customers: {
    sql: `SELECT id, username, full_name, phone, email, status, kind, currency, language, service_location, created_at
          FROM customers WHERE created_at >= :from AND created_at < :to ORDER BY id`,
    columns: [
      ['id', plain('id')], ['username', plain('username')], ['full_name', plain('full_name')], ['phone', plain('phone')], ['email', plain('email')],
      ['status', plain('status')], ['kind', plain('kind')], ['currency', plain('currency')], ['language', plain('language')],
      ['service_location', plain('service_location')], ['created_at', time('created_at')],
    ],
  },
  invoices: {
    sql: `SELECT i.id, i.number, i.kind, i.status, c.username, i.currency, i.net_minor, i.tax_minor, i.gross_minor, i.paid_minor, i.issued_at, i.due_at, i.period_start, i.period_end
          FROM invoices i LEFT JOIN customers c ON c.id = i.customer_id
          WHERE i.issued_at >= :from AND i.issued_at < :to ORDER BY i.issued_at, i.id`,
    columns: [
      ['id', plain('id')], ['number', plain('number')], ['kind', plain('kind')], ['status', plain('status')], ['customer', plain('username')],
      ['currency', plain('currency')], ['net', money('net_minor')], ['tax', money('tax_minor')], ['gross', money('gross_minor')], ['paid', money('paid_minor')],
      ['issued_at', time('issued_at')], ['due_at', time('due_at')], ['period_start', time('period_start')], ['period_end', time('period_end')],
    ],
  },
  payments: {
    sql: `SELECT p.id, p.receipt_number, c.username, p.method, p.reference, p.currency, p.amount_minor, p.received_at
          FROM payments p LEFT JOIN customers c ON c.id = p.customer_id
          WHERE p.received_at >= :from AND p.received_at < :to ORDER BY p.received_at, p.id`,
    columns: [
      ['id', plain('id')], ['receipt_number', plain('receipt_number')], ['customer', plain('username')], ['method', plain('method')],
      ['reference', plain('reference')], ['currency', plain('currency')], ['amount', money('amount_minor')],
      ['received_at', time('received_at')],
    ],
  },
  sessions: {
    sql: `SELECT s.id, s.username, n.name AS nas, s.acct_session_id, s.framed_ip, s.calling_station_id, s.started_at, s.stopped_at,
                 s.session_time, s.input_octets, s.output_octets, s.terminate_cause
          FROM sessions s LEFT JOIN nas n ON n.id = s.nas_id
          WHERE s.started_at >= :from AND s.started_at < :to ORDER BY s.started_at, s.id`,
    columns: [
      ['id', plain('id')], ['username', plain('username')], ['nas', plain('nas')], ['acct_session_id', plain('acct_session_id')],
      ['framed_ip', plain('framed_ip')], ['calling_station_id', plain('calling_station_id')], ['started_at', time('started_at')],
      ['stopped_at', time('stopped_at')], ['session_seconds', plain('session_time')], ['input_bytes', plain('input_octets')],
      ['output_bytes', plain('output_octets')], ['terminate_cause', plain('terminate_cause')],
    ],
  },
};

export interface ExportOptions {
  zone: string;
  digits: Digits;
  /** Epoch ms, inclusive; default: the beginning. */
  from?: number;
  /** Epoch ms, exclusive; default: no end. */
  to?: number;
  /** false leaves the last record without its line break (the CLI's own newline ends it on stdout). */
  finalNewline?: boolean;
}

/**
 * Writes one export as CSV to `out`, a row at a time, waiting when `out` is full so a large
 * table never sits in memory. Returns the number of data rows written.
 */
export async function exportCsv(sqlite: Sqlite, kind: ExportKind, out: Writable, options: ExportOptions): Promise<number> {
  const definition = definitions[kind];
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  // Each record's line break is written before the next one, so the last can be left off.
  let pending = '';
  const record = async (cells: Cell[]) => {
    const line = csvLine(cells);
    await write(pending + line.slice(0, -2));
    pending = '\r\n';
  };
  await record(definition.columns.map(([name]) => name));
  let count = 0;
  // iterate() keeps a read transaction open while it runs; WAL lets the daemon keep writing.
  const rows = sqlite.prepare(definition.sql).iterate({ from: options.from ?? 0, to: options.to ?? Number.MAX_SAFE_INTEGER }) as IterableIterator<Row>;
  for (const row of rows) {
    await record(definition.columns.map(([, cell]) => cell(row, options.zone, options.digits)));
    count++;
  }
  if (options.finalNewline !== false) await write(pending);
  return count;
}

/** "2026-11-01" (a day in the operator's zone) -> epoch ms at its start; undefined when not a date. */
export function parseDay(text: string, zone: string): number | undefined {
  const day = DateTime.fromISO(text, { zone });
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && day.isValid ? day.startOf('day').toMillis() : undefined;
}

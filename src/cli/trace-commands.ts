import { DateTime } from 'luxon';
import { decisionDetail, describeDecision, recentDecisions, type DecisionSubject } from '../aaa/decisions.js';
import { findCustomer, formatBytes, normaliseMac } from '../billing/index.js';
import { LangoError } from '../errors.js';
import { t } from '../i18n/index.js';
import { storageReport, type StorageReport } from '../operations/index.js';
import { json, str, table, type Command } from './command.js';

// The decision trace and what the database holds, from the command line: `lango decisions`
// (what each login got and why, in words) and `lango storage`.

interface DecisionView {
  id: number;
  at: number;
  time: string;
  nasId: number | null;
  nasIp: string;
  username: string;
  mac: string | null;
  customerId: number | null;
  result: string;
  reason: string;
  /** The reason in words, in the operator's zone. */
  words: string;
  detail: Record<string, string | number>;
  reply: string | null;
}

function sizeText(bytes: number | null): string {
  if (bytes === null) return t('trace.storage.unknownSize');
  return formatBytes(bytes);
}

export const traceCommands: Command[] = [
  {
    words: ['decisions'],
    summary: 'What the last Access-Requests of a user, customer or device got and why, newest first (the decision trace).',
    usage: 'lango decisions (--username USER | --customer USER | --mac MAC) [--limit N] [--json]',
    options: { username: { type: 'string' }, customer: { type: 'string' }, mac: { type: 'string' }, limit: { type: 'string' }, ...json },
    run: ({ db, config }, v) => {
      const username = str(v, 'username');
      const customer = str(v, 'customer');
      const mac = str(v, 'mac');
      let subject: DecisionSubject;
      if (customer !== undefined) {
        const found = findCustomer(db, customer);
        if (!found) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username: customer });
        subject = { customerId: found.id };
      } else if (username !== undefined) subject = { username: username.trim() };
      else if (mac !== undefined) subject = { mac: normaliseMac(mac) ?? mac.trim() };
      else {
        process.stderr.write(`lango: ${t('trace.cli.noSubject')}\n`);
        process.exit(2);
      }
      const limit = Math.min(1000, Math.max(1, Number(str(v, 'limit') ?? 20) || 20));
      return recentDecisions(db, subject, { limit }).map(
        (row): DecisionView => ({
          id: row.id,
          at: row.at,
          time: DateTime.fromMillis(row.at, { zone: config.LANGO_TIMEZONE }).toFormat('yyyy-MM-dd HH:mm:ss'),
          nasId: row.nasId,
          nasIp: row.nasIp,
          username: row.username,
          mac: row.mac,
          customerId: row.customerId,
          result: row.result,
          reason: row.reason,
          words: describeDecision(row, 'en', config.LANGO_TIMEZONE),
          detail: decisionDetail(row),
          reply: row.reply,
        }),
      );
    },
    print: (r) =>
      table(
        (r as DecisionView[]).map((d) => ({ ...d, result: t(`trace.result.${d.result as 'accept' | 'reject' | 'ignored'}`) })),
        [['time', 'TIME'], ['nasIp', 'ROUTER'], ['username', 'USER'], ['mac', 'MAC'], ['result', 'RESULT'], ['words', 'WHY']],
      ),
  },
  {
    words: ['storage'],
    summary: 'Rows and bytes of the tables that grow (decisions, sessions, router buckets, payments, messages, audit log) and how long decisions are kept.',
    usage: 'lango storage [--json]',
    options: { ...json },
    run: ({ db }) => storageReport(db),
    print: (r) => {
      const report = r as StorageReport;
      return [
        table(
          report.tables.map((row) => ({ table: row.table, rows: row.rows.toLocaleString('en'), size: sizeText(row.bytes) })),
          [['table', t('trace.storage.table')], ['rows', t('trace.storage.rows')], ['size', t('trace.storage.size')]],
        ),
        '',
        t('trace.storage.total', { size: sizeText(report.databaseBytes) }),
        t('trace.storage.retention', { days: report.trace.keepDays, rows: report.trace.keepRows.toLocaleString('en') }),
      ].join('\n');
    },
  },
];

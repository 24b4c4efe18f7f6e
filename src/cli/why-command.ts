import { DateTime } from 'luxon';
import { LangoError } from '../errors.js';
import { t } from '../i18n/index.js';
import { attemptSubject, describeEntries, explain, findSubjects, subjectTitle, type Explanation, type WhySubject } from '../support/index.js';
import { json, str, type Command } from './command.js';

// `lango why`: the support desk's "Why?" screen for operators on the server, the same
// timeline in plain lines (or --json), times in the operator's zone.

/** A refusal is printed plainly and exits 1; nothing was changed. */
function refuse(message: string): never {
  process.stderr.write(`lango: ${message}\n`);
  process.exit(1);
}

type WhyResult = { query: string; matches: WhySubject[] } | { query: string; zone: string; story: Explanation; lines: string[] };

const say = (key: string, values: Record<string, unknown> = {}) => t(`staff.why.${key}` as Parameters<typeof t>[0], values, 'en');

/** How to ask for one subject of several: its username or code, its MAC, or its receipt. */
function nextQuery(subject: WhySubject): string {
  return subject.kind === 'account' ? subject.username : subject.kind === 'mac' ? subject.mac : `#${subject.attemptId}`;
}

export const whyCommands: Command[] = [
  {
    words: ['why'],
    summary:
      'What happened to a customer, a voucher or a device, newest first: payments and their state, the plan, logins refused and why, sessions (silent and stale ones marked), CoA/Disconnect with the router\'s answer, SMS. Found by username, phone number, M-Pesa/MoMo receipt, voucher code or device MAC.',
    usage: 'lango why <username|phone|receipt|mac|voucher> [--limit 20] [--json]',
    options: { query: { type: 'string' }, limit: { type: 'string' }, ...json },
    required: ['query'],
    positional: 'query',
    run: ({ db, config }, v): WhyResult => {
      const query = str(v, 'query')!.trim();
      const limitText = str(v, 'limit') ?? '20';
      const limit = Number(limitText);
      if (!/^\d+$/.test(limitText) || limit < 1 || limit > 200) throw new LangoError('INPUT_BAD_COUNT', { value: limitText, option: 'limit', min: 1, max: 200 });
      // '#12' is payment attempt 12, as a list of several matches names one that has no account yet.
      const attempt = /^#\d{1,12}$/.test(query) ? attemptSubject(db, Number(query.slice(1))) : undefined;
      const matches = attempt ? [attempt] : findSubjects(db, query, 20);
      if (matches.length === 0) refuse(say('cli.none', { query }));
      if (matches.length > 1) return { query, matches };
      const zone = config.LANGO_TIMEZONE;
      const story = explain(db, matches[0]!, { now: Date.now(), limit, interimSeconds: config.LANGO_INTERIM_INTERVAL, graceSeconds: config.LANGO_STALE_GRACE });
      const lines = describeEntries(db, story, 'en', zone).map((w) => `${DateTime.fromMillis(w.entry.at, { zone }).toFormat('yyyy-MM-dd HH:mm')}  ${w.what}${w.detail.length > 0 ? `  (${w.detail.join(' · ')})` : ''}`);
      return { query, zone, story, lines };
    },
    print: (r) => {
      const result = r as WhyResult;
      if ('matches' in result) {
        return [say('cli.several', { count: result.matches.length, query: result.query }), ...result.matches.map((s) => `  ${nextQuery(s)}  ${subjectTitle(s, 'en')}`)].join('\n');
      }
      const { story, zone } = result;
      const head = [say('cli.subject', { subject: subjectTitle(story.subject, 'en') })];
      const a = story.account;
      if (a) {
        const ends = a.expiresAt !== null ? DateTime.fromMillis(a.expiresAt, { zone }).toFormat('yyyy-MM-dd HH:mm') : a.plan !== null && a.activatedAt === null ? say('facts.notStarted') : say('facts.never');
        head.push(
          [
            `${say('facts.status')}: ${say(`statuses.${a.status}`)}`,
            `${say('facts.plan')}: ${a.plan ?? say('facts.noPlan')}`,
            `${say('facts.ends')}: ${ends}`,
            `${say('facts.devices')}: ${say('facts.devicesValue', { open: a.devicesOnline, limit: a.deviceLimit })}`,
          ].join(' · '),
        );
      }
      return [...head, '', ...(result.lines.length > 0 ? result.lines : [say('empty')])].join('\n');
    },
  },
];

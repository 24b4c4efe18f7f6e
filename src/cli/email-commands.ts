import { readFileSync } from 'node:fs';
import { LangoError } from '../errors.js';
import { emailSummary, sendTestEmail, setupEmail, type EmailSummary } from '../messaging/email.js';
import { findStaff, setStaffEmail } from '../staff/index.js';
import { choice, json, str, type Command } from './command.js';
import { actor } from './inputs.js';

// Email as a second channel: the SMTP server Lango sends through, a test message, and the
// address a member of staff gets health alerts at.

function summaryLines(s: EmailSummary): string {
  return [
    `Email is ${s.enabled ? 'on' : 'off'}${s.enabled ? '' : ' (turn it on with: lango email setup --host … --enable)'}.`,
    `  server: ${s.host ?? '-'}:${s.port} (${s.secure ? 'TLS' : 'STARTTLS when offered'})`,
    `  user: ${s.user ?? '-'}   password: ${s.passwordSet ? 'stored (sealed)' : 'none'}`,
    `  from: ${s.from ?? '(operator name <noc@server>)'}`,
  ].join('\n');
}

export const emailCommands: Command[] = [
  {
    words: ['email', 'setup'],
    summary: 'Set the SMTP server email is sent through (ticket replies to customers, health alerts to staff); the password is stored sealed, never shown.',
    usage: 'lango email setup --host smtp.example.net [--port 587] [--secure] [--user noc@example.net] [--password-file FILE | --password …] [--from "ISP <noc@example.net>"] [--enable | --disable] [--json]',
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      secure: { type: 'boolean' },
      user: { type: 'string' },
      password: { type: 'string' },
      'password-file': { type: 'string' },
      from: { type: 'string' },
      enable: { type: 'boolean' },
      disable: { type: 'boolean' },
      ...json,
    },
    required: ['host'],
    run: ({ db, box }, v) => {
      const file = str(v, 'password-file');
      // A file keeps the password out of the shell history and the process list.
      const password = file !== undefined ? readFileSync(file, 'utf8').replace(/\r?\n$/, '') : str(v, 'password');
      const port = str(v, 'port');
      if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new LangoError('INPUT_BAD_SETTING', { key: 'smtp.port', value: port, reason: 'a port number such as 587 or 465' });
      return setupEmail(
        db,
        box,
        {
          host: str(v, 'host')!,
          port: port === undefined ? undefined : Number(port),
          secure: v.secure === true ? true : undefined,
          user: str(v, 'user'),
          password,
          from: str(v, 'from'),
          enabled: v.enable === true ? true : v.disable === true ? false : undefined,
        },
        actor(),
      );
    },
    print: (r) => summaryLines(r as EmailSummary),
  },
  {
    words: ['email', 'status'],
    summary: 'Show how email is set up (never the password).',
    usage: 'lango email status [--json]',
    options: { ...json },
    run: ({ db }) => emailSummary(db),
    print: (r) => summaryLines(r as EmailSummary),
  },
  {
    words: ['email', 'test'],
    summary: "Send one test email now through the SMTP server set up, and show the server's answer.",
    usage: 'lango email test --to you@example.net [--language en|ar] [--json]',
    options: { to: { type: 'string' }, language: { type: 'string' }, ...json },
    required: ['to'],
    run: async ({ db, box }, v) => {
      const result = await sendTestEmail(db, box, str(v, 'to')!, choice(str(v, 'language'), ['en', 'ar'] as const, 'language') ?? 'en');
      if (result.status !== 'accepted') throw new LangoError('PAY_BAD_CONFIG', { name: 'SMTP', reason: `not sent: ${result.description}` });
      return { to: str(v, 'to')!, messageId: result.gatewayMessageId };
    },
    print: (r) => `Sent to ${(r as { to: string }).to}: the SMTP server accepted it. Check that inbox (and its spam folder).`,
  },
  {
    words: ['staff', 'set-email'],
    summary: 'The address a member of staff gets health alerts at by email (admins); --email "" removes it.',
    usage: 'lango staff set-email --username amina --email amina@example.net [--json]',
    options: { username: { type: 'string' }, email: { type: 'string' }, ...json },
    required: ['username', 'email'],
    run: ({ db }, v) => {
      const username = str(v, 'username')!;
      const found = findStaff(db, username);
      if (!found) throw new LangoError('STAFF_UNKNOWN', { username });
      const result = setStaffEmail(db, { actor: actor(), id: found.id, email: str(v, 'email')!, now: Date.now() });
      if (result.kind === 'bad-email') throw new LangoError('INPUT_BAD_EMAIL', { value: str(v, 'email')! });
      return { username, email: result.kind === 'done' ? result.account.email : str(v, 'email') || null };
    },
    print: (r) => {
      const { username, email } = r as { username: string; email: string | null };
      return email ? `${username} gets health alerts at ${email} when email is on.` : `${username} has no alert email address now.`;
    },
  },
];

import nodemailer from 'nodemailer';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import type { Language } from '../db/schema/billing.js';
import { LangoError } from '../errors.js';
import { t } from '../i18n/index.js';
import { getSetting, setSetting } from '../settings/index.js';
import { getSecret, listSecrets, setSecret } from '../settings/secrets.js';
import type { SmsGateway, SmsRequest, SmsSendResult } from './gateway.js';
import { insertQueued } from './outbox.js';

// Email, the second outbound channel. Emails are rows of the same outbox as SMS (channel
// 'email', the address in `recipient`, a `subject`), queued in the caller's transaction and
// delivered after commit by the same sender (createSmsSender with channel 'email') through the
// SMTP "gateway" below: one set of states, retries and back-off for both channels.

/** The sealed secret holding the SMTP password (never a setting: settings are shown and exported). */
export const SMTP_PASSWORD_SECRET = 'smtp.password';

const EMAIL = /^[^\s@<>]{1,64}@[^\s@<>]{1,255}\.[^\s@<>]{2,}$/;
/** Plain-text bodies are short notices; a runaway reply is cut rather than refused. */
const MAX_EMAIL_BODY = 20_000;
const MAX_SUBJECT = 200;

export function isEmailAddress(value: string): boolean {
  return EMAIL.test(value);
}

/** Email is on and an SMTP server is named: only then are emails queued at all. */
export function emailEnabled(db: Db): boolean {
  return getSetting(db, 'email.enabled') && getSetting(db, 'smtp.host') !== null;
}

export interface EmailInput {
  /** What the email is for, once (the same rule as SMS keys): 'ticket-reply-email:<id>'. */
  key: string;
  customerId?: number | null | undefined;
  to: string;
  language: Language;
  template?: string | null | undefined;
  subject: string;
  body: string;
  critical: boolean;
  now: number;
}

/**
 * Stores an email for the sender inside the caller's transaction. The same key twice changes
 * nothing (`created: false`). Subjects are one line: a newline there would start a header.
 */
export function queueEmail(db: Db, input: EmailInput): { id: number; created: boolean } {
  const to = input.to.trim();
  if (!isEmailAddress(to)) throw new LangoError('INPUT_BAD_EMAIL', { value: to });
  const subject = input.subject.replace(/\s+/g, ' ').trim().slice(0, MAX_SUBJECT);
  const body = input.body.trim().slice(0, MAX_EMAIL_BODY);
  if (body.length === 0) throw new LangoError('INPUT_BAD_MESSAGE', { max: MAX_EMAIL_BODY });
  return insertQueued(db, {
    key: input.key,
    channel: 'email',
    customerId: input.customerId ?? null,
    recipient: to,
    subject,
    language: input.language,
    template: input.template ?? null,
    body,
    // No SMS parts: an email costs nothing per part, and SMS cost figures must not count it.
    parts: 0,
    encoding: 'ucs2',
    critical: input.critical,
    now: input.now,
  });
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the first byte; false = STARTTLS when the server offers it. */
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string;
  /** Per connection step; 30 s when absent. */
  timeoutMs?: number;
}

/** Error texts may quote the server's answer; never the password (nodemailer does not put it there, and its logger is off). */
function describe(err: unknown): { code: string; command: string | null; responseCode: number | null; text: string } {
  const e = err as { code?: unknown; command?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'ERROR';
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  return { code, command: typeof e.command === 'string' ? e.command : null, responseCode, text: String(e.message ?? err).slice(0, 300) };
}

/**
 * What an SMTP answer means for the outbox. A 5xx to this recipient (RCPT TO) or to this
 * message's content (after DATA) is final ('rejected'). A refused sign-in or sender address,
 * a 4xx, or no server at all is the operator's or the network's to fix: the email waits
 * ('retry') and the sender pauses the channel, so no address is failed for a setup mistake.
 */
export function smtpOutcome(err: unknown): SmsSendResult {
  const { code, command, responseCode, text } = describe(err);
  const label = responseCode === null ? code : `${code} ${responseCode}`;
  const permanent = responseCode !== null && responseCode >= 500 && responseCode < 600;
  if (permanent && ((code === 'EENVELOPE' && command === 'RCPT TO') || code === 'EMESSAGE')) return { status: 'rejected', code: label, description: text };
  return { status: 'retry', code: label, description: text };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** One SMTP server as a gateway of the outbox sender: one email per request, one connection per email. */
export function smtpGateway(config: SmtpConfig): SmsGateway {
  const timeout = config.timeoutMs ?? 30_000;
  const auth = config.user !== null && config.password !== null ? { user: config.user, pass: config.password } : undefined;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    // STARTTLS whenever offered. A password is never sent in the clear beyond this machine: a
    // remote server that offers no STARTTLS is refused (a retry the operator sees), while a
    // local relay on loopback may take it without TLS.
    requireTLS: !config.secure && auth !== undefined && !isLoopback(config.host),
    auth,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // nodemailer's own logger would print the SMTP conversation, AUTH included.
    logger: false,
    debug: false,
  });
  return {
    name: 'smtp',
    batchSize: 10,
    async send(requests: readonly SmsRequest[]): Promise<SmsSendResult[]> {
      const results: SmsSendResult[] = [];
      for (const request of requests) {
        try {
          const info = await transport.sendMail({ from: config.from, to: request.to, subject: request.subject ?? '', text: request.text });
          results.push({ status: 'accepted', gatewayMessageId: typeof info.messageId === 'string' ? info.messageId : null, cost: null });
        } catch (err) {
          results.push(smtpOutcome(err));
        }
      }
      return results;
    },
  };
}

/** The SMTP settings and sealed password as they are now; undefined when no server is named. */
export function smtpConfig(db: Db, box: SecretBox): SmtpConfig | undefined {
  const host = getSetting(db, 'smtp.host');
  if (host === null) return undefined;
  return {
    host,
    port: getSetting(db, 'smtp.port'),
    secure: getSetting(db, 'smtp.secure'),
    user: getSetting(db, 'smtp.user'),
    password: getSecret(db, box, SMTP_PASSWORD_SECRET) ?? null,
    from: getSetting(db, 'smtp.from') ?? `"${getSetting(db, 'operator.name').replace(/["\\]/g, '')}" <noc@${host}>`,
  };
}

/**
 * The gateway the email sender uses, reading the settings at each batch so a new server or
 * password needs no restart. Email switched off or no server: the batch waits as a retry.
 */
export function currentEmailGateway(db: Db, box: SecretBox): SmsGateway {
  return {
    name: 'smtp',
    batchSize: 10,
    async send(requests, signal) {
      const config = getSetting(db, 'email.enabled') ? smtpConfig(db, box) : undefined;
      if (!config) return requests.map(() => ({ status: 'retry' as const, code: 'NOT_CONFIGURED', description: 'email is off or no SMTP server is set (lango email setup)' }));
      return smtpGateway(config).send(requests, signal);
    },
  };
}

export interface EmailSetup {
  host: string;
  port?: number | undefined;
  secure?: boolean | undefined;
  user?: string | null | undefined;
  /** undefined = keep the stored one. */
  password?: string | undefined;
  from?: string | null | undefined;
  enabled?: boolean | undefined;
}

/** Stores the SMTP settings (each validated) and seals the password; the secret is never echoed. */
export function setupEmail(db: Db, box: SecretBox, input: EmailSetup, actor: string, now = Date.now()): EmailSummary {
  db.transaction((tx) => {
    const d = tx as Db;
    setSetting(d, 'smtp.host', input.host, actor, now);
    if (input.port !== undefined) setSetting(d, 'smtp.port', input.port, actor, now);
    if (input.secure !== undefined) setSetting(d, 'smtp.secure', input.secure, actor, now);
    if (input.user !== undefined) setSetting(d, 'smtp.user', input.user, actor, now);
    if (input.from !== undefined) setSetting(d, 'smtp.from', input.from, actor, now);
    if (input.password !== undefined) setSecret(d, box, SMTP_PASSWORD_SECRET, input.password, actor, now);
    if (input.enabled !== undefined) setSetting(d, 'email.enabled', input.enabled, actor, now);
  }, { behavior: 'immediate' });
  return emailSummary(db);
}

export interface EmailSummary {
  enabled: boolean;
  host: string | null;
  port: number;
  secure: boolean;
  user: string | null;
  /** Whether a password is stored; never the password. */
  passwordSet: boolean;
  from: string | null;
}

export function emailSummary(db: Db): EmailSummary {
  return {
    enabled: getSetting(db, 'email.enabled'),
    host: getSetting(db, 'smtp.host'),
    port: getSetting(db, 'smtp.port'),
    secure: getSetting(db, 'smtp.secure'),
    user: getSetting(db, 'smtp.user'),
    passwordSet: listSecrets(db, SMTP_PASSWORD_SECRET).some((s) => s.name === SMTP_PASSWORD_SECRET),
    from: getSetting(db, 'smtp.from'),
  };
}

/**
 * Sends one test email now, bypassing the outbox: the operator setting up SMTP wants the
 * server's answer on the spot, and nothing depends on this email arriving.
 */
export async function sendTestEmail(db: Db, box: SecretBox, to: string, language: Language = 'en'): Promise<SmsSendResult> {
  if (!isEmailAddress(to)) throw new LangoError('INPUT_BAD_EMAIL', { value: to });
  const config = smtpConfig(db, box);
  if (!config) return { status: 'retry', code: 'NOT_CONFIGURED', description: 'no SMTP server is set (lango email setup --host …)' };
  const operator = getSetting(db, 'operator.name');
  const [result] = await smtpGateway(config).send([{ id: 0, to, subject: t('email.test.subject', { operator }, language), text: t('email.test.body', { operator }, language) }]);
  return result!;
}

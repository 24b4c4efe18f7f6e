import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSmtp, type SmtpEmulator } from '../../scripts/emulators/smtp.js';
import { createSecretBox } from '../crypto/secret-box.js';
import type { Connection } from '../db/connection.js';
import { getSetting } from '../settings/index.js';
import { currentEmailGateway, emailEnabled, emailSummary, queueEmail, sendTestEmail, setupEmail, smtpOutcome } from './email.js';
import type { SmsGateway, SmsRequest } from './gateway.js';
import { findMessage, queueMessage } from './outbox.js';
import { outboxBacklog } from './outbox-stats.js';
import { createSmsSender, retryDelayMs } from './sender.js';
import { openTestDatabase, refusal } from './test-fixtures.js';

const PASSWORD = 'Sup3r-Secret-SMTP-pw';
const T0 = Date.UTC(2026, 10, 24, 9, 0);
const box = createSecretBox(Buffer.alloc(32, 7));

let smtp: SmtpEmulator;
let conn: Connection;
let clock: number;
let logLines: string[];

beforeAll(async () => {
  smtp = await startSmtp({ user: 'noc@skyline.example', password: PASSWORD });
});
afterAll(() => smtp.close());
beforeEach(() => {
  smtp.reset();
  conn = openTestDatabase();
  clock = T0;
  logLines = [];
  setupEmail(conn.db, box, { host: smtp.host, port: smtp.port, user: smtp.user, password: PASSWORD, from: 'Skyline Net <noc@skyline.example>', enabled: true }, 'test', T0);
});
afterEach(() => conn.close());

function emailSender() {
  const logger = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
  return createSmsSender({ db: conn.db, gateway: currentEmailGateway(conn.db, box), logger, now: () => clock, channel: 'email' });
}

const queue = (key: string, to = 'amina@example.net', extra: { language?: 'en' | 'ar'; subject?: string; body?: string } = {}) =>
  queueEmail(conn.db, { key, to, language: extra.language ?? 'en', subject: extra.subject ?? 'Your help request #4', body: extra.body ?? 'We fixed the cable.', critical: false, now: clock }).id;

describe('email through the outbox', () => {
  it('delivers a queued email to the SMTP server with its subject and body, signed in with the stored password', async () => {
    const id = queue('t:1', 'amina@example.net', { language: 'ar', subject: 'طلب المساعدة #4', body: 'مرحبًا أمينة،\nأصلحنا الكابل.' });
    expect(await emailSender().drainOnce()).toEqual({ sent: 1, failed: 0, retried: 0, unknown: 0 });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to).toEqual(['amina@example.net']);
    expect(mail.user).toBe('noc@skyline.example');
    expect(mail.headers.from).toBe('Skyline Net <noc@skyline.example>');
    expect(mail.subject).toBe('طلب المساعدة #4');
    expect(mail.text.replace(/\r\n/g, '\n')).toBe('مرحبًا أمينة،\nأصلحنا الكابل.');
    expect(findMessage(conn.db, id)).toMatchObject({ channel: 'email', status: 'sent', gateway: 'smtp', attempts: 1 });
  });

  it('keeps SMS and email apart: the SMS sender never takes an email, and the SMS backlog does not count emails', async () => {
    queue('t:2');
    queueMessage(conn.db, { key: 's:1', to: '+254700000001', language: 'en', body: 'Hello', critical: false, now: clock });
    const smsCalls: SmsRequest[][] = [];
    const smsGateway: SmsGateway = { name: 'fake', batchSize: 10, send: async (r) => (smsCalls.push([...r]), r.map(() => ({ status: 'accepted', gatewayMessageId: null, cost: null }))) };
    await createSmsSender({ db: conn.db, gateway: smsGateway, logger: pino({ level: 'silent' }), now: () => clock }).drainOnce();
    expect(smsCalls.flat().map((r) => r.to)).toEqual(['+254700000001']);
    expect(outboxBacklog(conn.db).queued).toBe(0);
    expect(outboxBacklog(conn.db, 'email').queued).toBe(1);
    await emailSender().drainOnce();
    expect(smtp.received.map((m) => m.to[0])).toEqual(['amina@example.net']);
  });

  it('keeps the email when the SMTP server is down and delivers it on a later try, nothing lost', async () => {
    const id = queue('t:3');
    smtp.setDown(true);
    const sender = emailSender();
    expect(await sender.drainOnce()).toEqual({ sent: 0, failed: 0, retried: 1, unknown: 0 });
    expect(findMessage(conn.db, id)).toMatchObject({ status: 'queued', nextAttemptAt: T0 + retryDelayMs(1) });
    expect(findMessage(conn.db, id)!.lastError).toMatch(/421/);

    smtp.setDown(false);
    // Not due yet: nothing is tried before the back-off is over.
    expect(await sender.drainOnce()).toEqual({ sent: 0, failed: 0, retried: 0, unknown: 0 });
    clock = T0 + retryDelayMs(1);
    expect(await sender.drainOnce()).toEqual({ sent: 1, failed: 0, retried: 0, unknown: 0 });
    expect(findMessage(conn.db, id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.received).toHaveLength(1);
  });

  it('treats a refused sign-in as the operator’s to fix (retry), and never writes a password to the log or the outbox', async () => {
    setupEmail(conn.db, box, { host: smtp.host, password: 'wrong-password-123' }, 'test', T0);
    const id = queue('t:4');
    expect(await emailSender().drainOnce()).toMatchObject({ retried: 1, failed: 0 });
    expect(smtp.refusedLogins).toBe(1);
    const row = findMessage(conn.db, id)!;
    expect(row.status).toBe('queued');
    expect(row.lastError).toMatch(/EAUTH/);
    const settingsText = JSON.stringify(conn.sqlite.prepare('SELECT key, value FROM settings').all());
    for (const text of [logLines.join('\n'), row.lastError ?? '', settingsText, JSON.stringify(emailSummary(conn.db))]) {
      expect(text).not.toContain('wrong-password-123');
      expect(text).not.toContain(PASSWORD);
    }
    expect(emailSummary(conn.db).passwordSet).toBe(true);
  });

  it('fails at once an email to an address the server refuses for good', async () => {
    smtp.rejectRecipient('gone@example.net');
    const id = queue('t:5', 'gone@example.net');
    expect(await emailSender().drainOnce()).toMatchObject({ failed: 1 });
    expect(findMessage(conn.db, id)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('fails for good only what the server refuses for this recipient or this message, never for a setup mistake', () => {
    const err = (code: string, command: string, responseCode: number) => Object.assign(new Error('refused'), { code, command, responseCode });
    expect(smtpOutcome(err('EENVELOPE', 'RCPT TO', 550)).status).toBe('rejected');
    expect(smtpOutcome(err('EMESSAGE', 'DATA', 554)).status).toBe('rejected');
    expect(smtpOutcome(err('EENVELOPE', 'MAIL FROM', 553)).status).toBe('retry');
    expect(smtpOutcome(err('EAUTH', 'AUTH PLAIN', 535)).status).toBe('retry');
    expect(smtpOutcome(err('EENVELOPE', 'RCPT TO', 451)).status).toBe('retry');
    expect(smtpOutcome(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' })).status).toBe('retry');
  });

  it('waits, without sending, while email is switched off', async () => {
    const id = queue('t:6');
    setupEmail(conn.db, box, { host: smtp.host, enabled: false }, 'test', T0);
    expect(emailEnabled(conn.db)).toBe(false);
    expect(await emailSender().drainOnce()).toMatchObject({ retried: 1 });
    expect(findMessage(conn.db, id)!.lastError).toMatch(/NOT_CONFIGURED/);
    expect(smtp.received).toHaveLength(0);
  });

  it('queues each key once and refuses what is not an address', () => {
    expect(queue('t:7')).toBe(queue('t:7'));
    expect(refusal(() => queue('t:8', 'not-an-address')).code).toBe('INPUT_BAD_EMAIL');
    // A subject is one header line: a newline in it cannot start another header.
    const id = queue('t:9', 'amina@example.net', { subject: 'Hi\r\nBcc: everyone@example.net' });
    expect(findMessage(conn.db, id)!.subject).toBe('Hi Bcc: everyone@example.net');
  });

  it('sends a test email at once and says what the server answered', async () => {
    expect(await sendTestEmail(conn.db, box, 'owner@example.net')).toMatchObject({ status: 'accepted' });
    expect(smtp.received[0]!.subject).toBe('Skyline Net: test email from Lango');
    expect(getSetting(conn.db, 'smtp.port')).toBe(smtp.port);
  });
});

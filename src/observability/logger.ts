import { pino, type Logger } from 'pino';

// Secrets never reach the log: these keys are censored wherever they appear in a log object
// (NAS secrets, passwords, cookies, provider tokens). Messages are written not to contain them.
const REDACT = [
  'secret', '*.secret', 'password', '*.password', 'passwordSealed', '*.passwordSealed', 'secretSealed', '*.secretSealed',
  'token', '*.token', 'authorization', '*.authorization', 'cookie', '*.cookie',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'lango' }, redact: { paths: REDACT, censor: '[redacted]' } });
}

/**
 * A phone number as a log or a page may show it: '+254712345678' → '+2547…678', '0712345678' →
 * '07…678'. Enough to tell two customers apart; the full number stays in the database.
 */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return '…';
  return `${phone.slice(0, phone.startsWith('+') ? 5 : 2)}…${phone.slice(-3)}`;
}

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

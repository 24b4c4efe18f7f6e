import { parseArgs } from 'node:util';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';
import { listenArgs, runIfMain, serveUntilSignalled } from './http-kit.js';

// An SMTP server emulator for tests and demos: loopback only, no TLS (STARTTLS is not offered,
// so clients send in the clear on the test machine), AUTH PLAIN/LOGIN accepted with the
// configured user and password only, and every accepted message recorded, its subject and
// plain-text body decoded (base64 / quoted-printable, RFC 2047 subjects) for assertions.
//
// In-process: `const smtp = await startSmtp({ user: 'noc', password: 's3cret' })`.
// As a process: `node dist/scripts/emulators/smtp.js --port 2525` prints one JSON line
// {"host": …, "port": …, "user": …, "password": …} and runs until SIGTERM.

export interface SmtpEmulatorOptions {
  port?: number;
  host?: string;
  user?: string;
  password?: string;
}

export interface SmtpReceived {
  /** The envelope: what the client said in MAIL FROM and RCPT TO. */
  from: string;
  to: string[];
  /** Who signed in for it. */
  user: string | null;
  /** Header names in lower case, values unfolded (encoded words left as they came). */
  headers: Record<string, string>;
  subject: string;
  /** The plain-text body, decoded. */
  text: string;
  raw: string;
}

export interface SmtpEmulator {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly received: SmtpReceived[];
  /** Sign-in attempts refused (wrong user or password). */
  readonly refusedLogins: number;
  /** While down, every connection is answered 421 (service not available): clients must retry. */
  setDown(down: boolean): void;
  /** Answers RCPT TO for this address with a permanent 550. */
  rejectRecipient(address: string): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startSmtp(options: SmtpEmulatorOptions = {}): Promise<SmtpEmulator> {
  const user = options.user ?? 'lango';
  const password = options.password ?? 'smtp-test-password';
  const received: SmtpReceived[] = [];
  const rejected = new Set<string>();
  let down = false;
  let refusedLogins = 0;

  const server = new SMTPServer({
    name: 'smtp-emulator.invalid',
    banner: 'Lango SMTP emulator',
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    // Password-less relays exist too (a local Postfix): a client that does not sign in is let through.
    authOptional: true,
    size: 10 * 1024 * 1024,
    logger: false,
    onConnect(_session, callback) {
      if (!down) return callback();
      const err = new Error('Service not available, try again later') as Error & { responseCode: number };
      err.responseCode = 421;
      callback(err);
    },
    onAuth(auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      if (auth.username === user && auth.password === password) return callback(null, { user: auth.username });
      refusedLogins += 1;
      const err = new Error('Invalid username or password') as Error & { responseCode: number };
      err.responseCode = 535;
      callback(err);
    },
    onRcptTo(address, _session, callback) {
      if (!rejected.has(address.address.toLowerCase())) return callback();
      const err = new Error('No such user here') as Error & { responseCode: number };
      err.responseCode = 550;
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail = session.envelope.mailFrom;
        received.push({
          ...parseMessage(raw),
          from: mail === false ? '' : mail.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : null,
          raw,
        });
        callback();
      });
    },
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // A client that hangs up mid-conversation is a test's business, not a reason to crash.
  server.on('error', () => undefined);
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    host,
    port,
    user,
    password,
    received,
    get refusedLogins() {
      return refusedLogins;
    },
    setDown(value) {
      down = value;
    },
    rejectRecipient(address) {
      rejected.add(address.toLowerCase());
    },
    reset() {
      received.length = 0;
      rejected.clear();
      down = false;
      refusedLogins = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers and the decoded plain-text part: enough of MIME for what nodemailer sends as text-only mail. */
export function parseMessage(raw: string): { headers: Record<string, string>; subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, subject: decodeWords(headers.subject ?? ''), text: decodeBody(body, headers['content-transfer-encoding'] ?? '7bit') };
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return decodeQuotedPrintable(body.replace(/=\r\n/g, ''));
    default:
      return body.replace(/\r\n$/, '');
  }
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '=' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8').replace(/\r\n$/, '');
}

/** RFC 2047: =?UTF-8?B?…?= and =?UTF-8?Q?…?=, adjacent words joined without the space between them. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ...listenArgs('2525'), user: { type: 'string' }, password: { type: 'string' } } });
  const emulator = await startSmtp({ port: Number(values.port), host: values.host, user: values.user, password: values.password });
  serveUntilSignalled(emulator, { host: emulator.host, port: emulator.port, user: emulator.user, password: emulator.password });
}

runIfMain(import.meta.url, main);

// The RouterOS API client (mikrotik.md §8): one TCP or TLS connection, one login, then tagged
// commands so the poller and a staff action can share the connection. Written in-house because
// node-routeros hangs on 7.18+ `!empty` and throws outside its promises; here every failure ends
// up as a RouterOsError on the promise of the command it concerns, never as an uncaught exception.
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { RouterOsError, type RouterOsEndpoint, type RouterOsItem, type RouterOsReply, type RouterOsSession } from './types.js';
import { attributesOf, encodeSentence, RouterOsFramingError, SentenceReader, tagOf } from './words.js';

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'EPIPE']);
// A dead router behind a VPN stays silent rather than resetting; probes notice it within minutes.
const KEEPALIVE_MS = 60_000;

/** Connects (TCP or TLS), logs in (6.43+ plain, falling back to the pre-6.43 challenge) and reads /system/resource once. */
export async function connectRouterOs(endpoint: RouterOsEndpoint): Promise<RouterOsSession> {
  const socket = await open(endpoint);
  const session = new Session(socket, endpoint);
  try {
    await logIn(session, endpoint);
  } catch (err) {
    session.abort();
    throw err;
  }
  session.loggedIn = true;
  try {
    const resource = await session.run('/system/resource/print', ['=.proplist=version,board-name']);
    session.routerosVersion = resource.items[0]?.version;
    session.boardName = resource.items[0]?.['board-name'];
  } catch {
    // A user without the read policy can still run what it was given; the version is only shown.
  }
  return session;
}

async function logIn(session: Session, endpoint: RouterOsEndpoint): Promise<void> {
  const name = `=name=${endpoint.username}`;
  try {
    const first = await session.run('/login', [name, `=password=${endpoint.password}`]);
    // Before 6.43 the router ignores the password and answers a challenge to hash it with.
    const challenge = first.done.ret;
    if (challenge === undefined) return;
    const digest = createHash('md5')
      .update(Buffer.from([0]))
      .update(Buffer.from(endpoint.password, 'utf8'))
      .update(Buffer.from(challenge, 'hex'))
      .digest('hex');
    await session.run('/login', [name, `=response=00${digest}`]);
  } catch (err) {
    if (err instanceof RouterOsError && err.kind === 'trap') {
      throw new RouterOsError('auth', 'the router refused the user name or password', err.category);
    }
    throw err;
  }
}

function where(endpoint: RouterOsEndpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

/** Names a socket error from before login in the words of RouterOsError kinds. */
function classify(err: NodeJS.ErrnoException, endpoint: RouterOsEndpoint, tlsStarted: boolean): RouterOsError {
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return new RouterOsError('refused', `${where(endpoint)} refused the connection: is the API service on and the port right?`);
  if (code === 'ETIMEDOUT') return new RouterOsError('timeout', `no answer from ${where(endpoint)}`);
  if (tlsStarted || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /CERT|SIGNATURE/.test(code)) {
    return new RouterOsError('tls', `the secure connection to ${where(endpoint)} failed (${code || err.message})`);
  }
  if (UNREACHABLE.has(code)) return new RouterOsError('unreachable', `${where(endpoint)} cannot be reached (${code})`);
  return new RouterOsError('unreachable', `${where(endpoint)} cannot be reached (${code || err.message})`);
}

function open(endpoint: RouterOsEndpoint): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let tcpUp = false;
    const socket = endpoint.tls
      ? tls.connect({ host: endpoint.host, port: endpoint.port, rejectUnauthorized: endpoint.verifyCertificate === true, servername: net.isIP(endpoint.host) ? undefined : endpoint.host })
      : net.connect({ host: endpoint.host, port: endpoint.port });
    const fail = (error: RouterOsError): void => {
      clearTimeout(timer);
      socket.removeListener(endpoint.tls ? 'secureConnect' : 'connect', ready);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new RouterOsError('timeout', `no answer from ${where(endpoint)} within ${endpoint.timeoutMs} ms`)), endpoint.timeoutMs);
    const ready = (): void => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    };
    const onError = (err: Error): void => fail(classify(err, endpoint, endpoint.tls && tcpUp));
    socket.once('connect', () => {
      tcpUp = true;
    });
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', ready);
    socket.on('error', onError);
  });
}

interface Pending {
  command: string;
  items: RouterOsItem[];
  empty: boolean;
  trap?: RouterOsError;
  timer: NodeJS.Timeout;
  resolve(reply: RouterOsReply): void;
  reject(err: RouterOsError): void;
}

class Session implements RouterOsSession {
  routerosVersion: string | undefined;
  boardName: string | undefined;
  loggedIn = false;
  private readonly reader = new SentenceReader();
  private readonly pending = new Map<string, Pending>();
  private nextTag = 1;
  private isOpen = true;
  /** Why the connection ended, when known: the pending commands are rejected with it. */
  private failure: RouterOsError | undefined;
  private readonly closed: Promise<void>;

  constructor(
    private readonly socket: net.Socket,
    private readonly endpoint: RouterOsEndpoint,
  ) {
    socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.failure ??= this.loggedIn
        ? new RouterOsError('closed', `the connection to ${where(endpoint)} was lost (${err.code ?? err.message})`)
        : classify(err, endpoint, false);
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.isOpen = false;
        this.failAll(this.failure ?? new RouterOsError('closed', `${where(endpoint)} closed the connection`));
        resolve();
      });
    });
  }

  get connected(): boolean {
    return this.isOpen;
  }

  run(command: string, words: readonly string[] = []): Promise<RouterOsReply> {
    if (!this.isOpen || this.socket.writableEnded) return Promise.reject(this.failure ?? new RouterOsError('closed', 'the connection to the router is closed'));
    const tag = String(this.nextTag++);
    return new Promise((resolve, reject) => {
      const entry: Pending = { command, items: [], empty: false, timer: this.timer(tag), resolve, reject };
      this.pending.set(tag, entry);
      this.socket.write(encodeSentence([command, ...words, `.tag=${tag}`]));
    });
  }

  close(): Promise<void> {
    if (this.isOpen) {
      this.failure ??= new RouterOsError('closed', 'the session was closed');
      this.socket.end();
      // A router that never acknowledges the FIN must not hold close() up.
      const force = setTimeout(() => this.socket.destroy(), this.endpoint.timeoutMs);
      void this.closed.then(() => clearTimeout(force));
    }
    return this.closed;
  }

  /** Drops the connection without waiting for the router: a failed login must not take twice the timeout. */
  abort(): void {
    this.socket.destroy();
  }

  /** Restarted on every sentence of the command, so a long print that keeps arriving is not cut off. */
  private timer(tag: string): NodeJS.Timeout {
    return setTimeout(() => this.expire(tag), this.endpoint.timeoutMs);
  }

  private expire(tag: string): void {
    const entry = this.pending.get(tag);
    if (!entry) return;
    this.pending.delete(tag);
    // Replies still on their way carry a tag nobody waits for, and are dropped.
    if (this.isOpen && !this.socket.writableEnded) this.socket.write(encodeSentence(['/cancel', `=tag=${tag}`]));
    if (entry.trap) entry.reject(entry.trap);
    else if (entry.empty) entry.resolve({ items: [], done: {} });
    else entry.reject(new RouterOsError('timeout', `${entry.command}: no answer from ${where(this.endpoint)} within ${this.endpoint.timeoutMs} ms`));
  }

  private receive(chunk: Buffer): void {
    let sentences: string[][];
    try {
      sentences = this.reader.push(chunk);
    } catch (err) {
      const detail = err instanceof RouterOsFramingError ? err.message : String(err);
      this.failure = new RouterOsError('protocol', `${where(this.endpoint)} sent bytes that are not the RouterOS API (${detail})`);
      this.socket.destroy();
      return;
    }
    for (const sentence of sentences) this.handle(sentence);
  }

  private handle(sentence: string[]): void {
    const kind = sentence[0];
    if (kind === '!fatal') {
      const reason = sentence.slice(1).find((word) => !word.startsWith('.tag=')) ?? '';
      this.failure = new RouterOsError('fatal', reason.replace(/^=message=/, '') || 'the router ended the session');
      this.socket.destroy();
      return;
    }
    const tag = tagOf(sentence);
    const entry = tag === undefined ? undefined : this.pending.get(tag);
    if (!entry || tag === undefined) return;
    clearTimeout(entry.timer);
    const attributes = attributesOf(sentence);
    switch (kind) {
      case '!re':
        entry.items.push(attributes);
        break;
      case '!empty':
        entry.empty = true;
        break;
      case '!trap': {
        const category = attributes.category === undefined ? undefined : Number(attributes.category);
        entry.trap ??= new RouterOsError('trap', attributes.message ?? 'the router refused the command', category);
        break;
      }
      case '!done':
        this.pending.delete(tag);
        if (entry.trap) entry.reject(entry.trap);
        else entry.resolve({ items: entry.items, done: attributes });
        return;
      default:
        break;
    }
    entry.timer = this.timer(tag);
  }

  private failAll(err: RouterOsError): void {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(err);
    }
    this.pending.clear();
  }
}

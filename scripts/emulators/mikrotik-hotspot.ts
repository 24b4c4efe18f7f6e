/**
 * A MikroTik hotspot on loopback, for the captive-portal tests: the router end of
 * mikrotik.md §7. It renders the RouterOS templates of web/hotspot/ the way RouterOS does
 * ($(var), $(var-esc), $(if …)/$(elif …)/$(else)/$(endif), chap-id and chap-challenge as
 * octal-escaped JavaScript strings, a fresh challenge per login page), takes the login on
 * /login (POST or GET: username, password = the CHAP response in hex or the plain password,
 * dst) and asks Lango over real RADIUS: an Access-Request shaped like the hotspot capture of
 * mikrotik.md §3, Message-Authenticator last as RouterOS sends it, and, as with
 * require-message-auth=yes-for-request-resp, replies without a valid Message-Authenticator are
 * dropped. Accept → alogin.html; Reject → login.html again with $(error) = the Reply-Message,
 * which sends the browser back to the portal.
 *
 * One hotspot client (one MAC/IP), since every browser on loopback looks alike.
 *
 *   node dist/scripts/emulators/mikrotik-hotspot.js --portal http://127.0.0.1:8080/hotspot \
 *     --radius-port 1812 --secret s3cret            prints {"url": …, "loginUrl": …}, runs until SIGTERM
 *
 * GET /__emulator/state answers the logins so far and the active session.
 */
import { randomBytes, randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hideUserPassword } from '../../src/radius/auth/pap.js';
import { encodeRequest, verifyResponse } from '../../src/radius/authenticators.js';
import { decodePacket, describeAttribute, encodeAttribute, type AttributeValue } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary, type Dictionary } from '../../src/radius/dictionary.js';
import { hmacMd5 } from '../../src/radius/md5.js';
import { Attr, Code, type Packet } from '../../src/radius/packet.js';
import { PORTAL_PLACEHOLDER } from '../../src/web/captive/assets.js';
import { repoRoot } from '../daemon-process.js';
import { closeServer, json, listen, listenArgs, readBody, runIfMain, serveUntilSignalled, text } from './http-kit.js';

export type LoginBy = 'http-chap' | 'http-pap' | 'https';

export interface HotspotOptions {
  /** Lango's portal URL; written into login.html where the operator would write it. */
  portalUrl: string;
  radius: { host?: string; port: number; secret: string; timeoutMs?: number; tries?: number };
  /** The profile's login-by. 'https' needs `tls`. Default 'http-chap'. */
  loginBy?: LoginBy;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** /system/identity: NAS-Identifier and $(identity). */
  identity?: string;
  /** NAS-IP-Address. Lango matches the router by the packet's source address (always 127.0.0.1 here). */
  nasIp?: string;
  /** /ip/hotspot server name: Called-Station-Id and $(server-name). */
  serverName?: string;
  client?: { mac: string; ip: string };
  /** Folder with login.html, alogin.html, …; default web/hotspot of this repository. */
  templateDir?: string;
  /** Template texts to use instead of the files (e.g. login.html as fetched from Lango). */
  templates?: Partial<Record<string, string>>;
  /** require-message-auth=yes-for-request-resp (default true). */
  requireMessageAuthenticator?: boolean;
  /** Page the client first asked for, when /login is opened without dst. */
  defaultOrig?: string;
}

export interface HotspotLogin {
  at: number;
  username: string;
  method: 'chap' | 'pap';
  outcome: 'accept' | 'reject' | 'timeout' | 'chap-missing';
  /** CHAP-Password as sent (ident byte + response), hex. */
  chapPassword?: string;
  replyMessage?: string;
  sessionTimeout?: number;
  rateLimit?: string;
  /** Every reply attribute by dictionary name (octets as hex). */
  reply: Record<string, string | number>;
}

export interface HotspotEmulator {
  /** Base URL of the router's web server. */
  url: string;
  /** What a new client is sent to: the router's /login. */
  loginUrl: string;
  logins: HotspotLogin[];
  /** The Access-Requests sent, decoded, in order. */
  requests: Packet[];
  close(): Promise<void>;
}

interface Session {
  username: string;
  startedAt: number;
  reply: Record<string, string | number>;
  sessionTimeout?: number;
  rateLimit?: string;
  replyMessage?: string;
}

// ---- RouterOS template language --------------------------------------------------------------

/** Renders a RouterOS hotspot template: $(name), $(name-esc), $(if …) $(elif …) $(else) $(endif). */
export function renderRouterTemplate(text: string, vars: Readonly<Record<string, string>>): string {
  const lookup = (name: string): string => {
    if (name in vars) return vars[name]!;
    if (name.endsWith('-esc')) return encodeURIComponent(vars[name.slice(0, -4)] ?? '');
    return '';
  };
  const holds = (expression: string): boolean => {
    const compare = /^([\w-]+)\s*(==|!=)\s*(?:'([^']*)'|"([^"]*)"|(\S*))$/.exec(expression.trim());
    if (!compare) return lookup(expression.trim()) !== '';
    const equal = lookup(compare[1]!) === (compare[3] ?? compare[4] ?? compare[5] ?? '');
    return compare[2] === '==' ? equal : !equal;
  };
  const stack: Array<{ parent: boolean; taken: boolean; on: boolean }> = [];
  const active = () => stack.length === 0 || stack[stack.length - 1]!.on;
  const pieces = text.split(/\$\(([^)]*)\)/);
  let out = '';
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) {
      if (active()) out += piece;
      return;
    }
    const directive = piece.trim();
    const top = stack[stack.length - 1];
    if (directive.startsWith('if ')) {
      const parent = active();
      const on = parent && holds(directive.slice(3));
      stack.push({ parent, taken: on, on });
    } else if (directive.startsWith('elif ')) {
      if (!top) throw new Error('$(elif) without $(if)');
      top.on = top.parent && !top.taken && holds(directive.slice(5));
      top.taken ||= top.on;
    } else if (directive === 'else') {
      if (!top) throw new Error('$(else) without $(if)');
      top.on = top.parent && !top.taken;
      top.taken = true;
    } else if (directive === 'endif') {
      if (!stack.pop()) throw new Error('$(endif) without $(if)');
    } else if (active()) {
      out += lookup(directive);
    }
  });
  if (stack.length > 0) throw new Error('$(if) without $(endif)');
  return out;
}

/** How RouterOS writes $(chap-id) and $(chap-challenge): every byte as a 3-digit octal escape. */
export function octalEscape(bytes: Buffer): string {
  return [...bytes].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
}

/** RouterOS time format: 1d2h3m4s, 0s. */
function routerTime(seconds: number): string {
  let rest = Math.max(0, Math.floor(seconds));
  let out = '';
  for (const [unit, size] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return rest > 0 || out === '' ? `${out}${rest}s` : out;
}

// ---- RADIUS client -------------------------------------------------------------------------------

class RadiusPeer {
  private readonly socket = dgram.createSocket('udp4');
  private readonly waiting = new Map<number, (reply: Packet) => void>();
  private identifier = randomInt(256);

  constructor(
    private readonly dictionary: Dictionary,
    private readonly target: { host: string; port: number; secret: Buffer; timeoutMs: number; tries: number; requireMa: boolean },
  ) {
    this.socket.on('message', (message) => {
      let reply: Packet;
      try {
        reply = decodePacket(message, this.dictionary);
      } catch {
        return; // bad-replies
      }
      this.waiting.get(reply.identifier)?.(reply);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
  }

  /**
   * Sends an Access-Request (Message-Authenticator last, as RouterOS does) and resends it with
   * the same identifier and authenticator after each timeout. Undefined when nothing valid came back.
   */
  async ask(attributes: Array<[string, AttributeValue]>, authenticator: Buffer): Promise<{ request: Packet; reply?: Packet }> {
    const identifier = (this.identifier = (this.identifier + 1) % 256);
    const body = Buffer.concat([...attributes.map(([name, value]) => encodeAttribute(this.dictionary.require(name), value)), Buffer.from([Attr.MessageAuthenticator, 18]), Buffer.alloc(16)]);
    const packet = encodeRequest({ code: Code.AccessRequest, identifier, attributes: body, secret: this.target.secret, messageAuthenticator: false, authenticator });
    hmacMd5(this.target.secret, [packet]).copy(packet, packet.length - 16);
    const request = decodePacket(packet, this.dictionary);
    const reply = await new Promise<Packet | undefined>((resolve) => {
      let tries = 0;
      let timer: NodeJS.Timeout;
      const done = (value: Packet | undefined) => {
        clearTimeout(timer);
        this.waiting.delete(identifier);
        resolve(value);
      };
      this.waiting.set(identifier, (candidate) => {
        if (!verifyResponse(candidate, authenticator, this.target.secret)) return;
        if (this.target.requireMa && candidate.messageAuthenticatorOffset < 0) return;
        if (candidate.code === Code.AccessAccept || candidate.code === Code.AccessReject) done(candidate);
      });
      const send = () => {
        if (tries++ >= this.target.tries) return done(undefined);
        this.socket.send(packet, this.target.port, this.target.host);
        timer = setTimeout(send, this.target.timeoutMs);
      };
      send();
    });
    return { request, ...(reply && { reply }) };
  }

  close(): void {
    this.socket.close();
  }
}

// ---- the hotspot ---------------------------------------------------------------------------------

export async function startMikrotikHotspot(options: HotspotOptions): Promise<HotspotEmulator> {
  const loginBy = options.loginBy ?? 'http-chap';
  if (loginBy === 'https' && !options.tls) throw new Error("login-by 'https' needs tls: { key, cert }");
  const dictionary = loadDictionary(defaultDictionaryPath());
  const secret = Buffer.from(options.radius.secret);
  const peer = new RadiusPeer(dictionary, {
    host: options.radius.host ?? '127.0.0.1',
    port: options.radius.port,
    secret,
    timeoutMs: options.radius.timeoutMs ?? 1_100,
    tries: options.radius.tries ?? 3,
    requireMa: options.requireMessageAuthenticator ?? true,
  });
  await peer.start();

  const templateDir = options.templateDir ?? join(repoRoot(), 'web', 'hotspot');
  const template = (name: string): string => {
    const text = options.templates?.[name] ?? readFileSync(join(templateDir, name), 'utf8');
    return name === 'login.html' ? text.replaceAll(PORTAL_PLACEHOLDER, options.portalUrl) : text;
  };
  const identity = options.identity ?? 'HS-EMULATOR-01';
  const serverName = options.serverName ?? 'hs-emulator';
  const client = options.client ?? { mac: 'AA:BB:CC:11:22:33', ip: '10.5.50.2' };
  const logins: HotspotLogin[] = [];
  const requests: Packet[] = [];
  let challenge: { id: number; value: Buffer } | null = null;
  let session: Session | null = null;
  let sessionCounter = randomInt(0x10000);
  let base = '';

  const commonVars = (orig: string): Record<string, string> => ({
    hostname: new URL(base).hostname,
    identity,
    'server-name': serverName,
    'login-by': loginBy,
    'plain-passwd': loginBy === 'http-chap' ? 'no' : 'yes',
    'link-login': `${base}/login?dst=${encodeURIComponent(orig)}`,
    'link-login-only': `${base}/login`,
    'link-logout': `${base}/logout`,
    'link-status': `${base}/status`,
    'link-orig': orig,
    'link-redirect': orig,
    mac: client.mac,
    ip: client.ip,
    'logged-in': session ? 'yes' : 'no',
  });

  const sessionVars = (current: Session): Record<string, string> => {
    const up = (Date.now() - current.startedAt) / 1000;
    const vars: Record<string, string> = {
      username: current.username,
      uptime: routerTime(up),
      'bytes-in-nice': '0 B',
      'bytes-out-nice': '0 B',
    };
    if (current.sessionTimeout !== undefined) {
      vars['session-timeout'] = routerTime(current.sessionTimeout);
      vars['session-time-left'] = routerTime(current.sessionTimeout - up);
      vars['radius27u'] = String(current.sessionTimeout);
    }
    if (current.rateLimit !== undefined) vars['radius8-14988'] = current.rateLimit;
    if (current.replyMessage !== undefined) vars.radius18 = current.replyMessage;
    return vars;
  };

  const loginPage = (orig: string, extra: Record<string, string> = {}): string => {
    const vars = { ...commonVars(orig), ...extra };
    if (loginBy === 'http-chap') {
      challenge = { id: randomInt(256), value: randomBytes(16) };
      vars['chap-id'] = octalEscape(Buffer.of(challenge.id));
      vars['chap-challenge'] = octalEscape(challenge.value);
    }
    return renderRouterTemplate(template('login.html'), vars);
  };

  const attempt = async (params: URLSearchParams): Promise<string> => {
    const username = params.get('username') ?? '';
    const password = params.get('password') ?? '';
    const orig = params.get('dst') || options.defaultOrig || 'http://example.com/';
    const issued = challenge;
    challenge = null;
    const method = loginBy === 'http-chap' ? 'chap' : 'pap';
    const record: HotspotLogin = { at: Date.now(), username, method, outcome: 'timeout', reply: {} };
    logins.push(record);
    if (method === 'chap' && (!issued || !/^[0-9a-f]{32}$/i.test(password))) {
      record.outcome = 'chap-missing';
      return loginPage(orig, { username, error: 'web browser did not send challenge response (try again, enable JavaScript)' });
    }
    const authenticator = randomBytes(16);
    const credentials: Array<[string, AttributeValue]> =
      method === 'chap'
        ? [
            ['CHAP-Challenge', issued!.value],
            ['CHAP-Password', Buffer.concat([Buffer.of(issued!.id), Buffer.from(password, 'hex')])],
          ]
        : [['User-Password', hideUserPassword(Buffer.from(password, 'utf8'), secret, authenticator)]];
    if (method === 'chap') record.chapPassword = `${issued!.id.toString(16).padStart(2, '0')}${password.toLowerCase()}`;
    sessionCounter = (sessionCounter + 1) % 0x10000;
    const { request, reply } = await peer.ask(
      [
        ['NAS-Port-Type', 'Wireless-802.11'],
        ['Calling-Station-Id', client.mac],
        ['Called-Station-Id', serverName],
        ['NAS-Port-Id', 'bridge-hotspot'],
        ['User-Name', username],
        ['NAS-Port', 0x80100000 + sessionCounter],
        ['Acct-Session-Id', `8010${sessionCounter.toString(16).padStart(4, '0')}`],
        ['Framed-IP-Address', client.ip],
        ['Mikrotik-Host-IP', client.ip],
        ...credentials,
        ['Service-Type', 'Login-User'],
        ['WISPr-Logoff-URL', `${base}/logout`],
        ['NAS-Identifier', identity],
        ['NAS-IP-Address', options.nasIp ?? '127.0.0.1'],
      ],
      authenticator,
    );
    requests.push(request);
    if (!reply) return loginPage(orig, { username, error: 'RADIUS server is not responding' });
    for (const attr of reply.attributes) {
      const [name, value] = describeAttribute(dictionary, attr);
      if (name === 'Message-Authenticator') continue;
      record.reply[name] = Buffer.isBuffer(value) ? value.toString('hex') : typeof value === 'bigint' ? value.toString() : value;
    }
    const replyMessage = reply.attributes.find((a) => a.vendor === 0 && a.type === Attr.ReplyMessage)?.value.toString('utf8');
    if (replyMessage !== undefined) record.replyMessage = replyMessage;
    if (reply.code === Code.AccessReject) {
      record.outcome = 'reject';
      // RouterOS errors.txt: invalid-username, overridden by the server's Reply-Message.
      return loginPage(orig, { username, error: replyMessage ?? 'invalid username or password' });
    }
    record.outcome = 'accept';
    if (typeof record.reply['Session-Timeout'] === 'number') record.sessionTimeout = record.reply['Session-Timeout'];
    if (typeof record.reply['Mikrotik-Rate-Limit'] === 'string') record.rateLimit = record.reply['Mikrotik-Rate-Limit'];
    session = { username, startedAt: Date.now(), reply: record.reply };
    if (record.sessionTimeout !== undefined) session.sessionTimeout = record.sessionTimeout;
    if (record.rateLimit !== undefined) session.rateLimit = record.rateLimit;
    if (replyMessage !== undefined) session.replyMessage = replyMessage;
    return renderRouterTemplate(template('alogin.html'), { ...commonVars(orig), ...sessionVars(session) });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', base);
    const html = (status: number, body: string) => {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(body);
    };
    if (url.pathname === '/__emulator/state') return json(response, 200, { logins, session });
    if (url.pathname === '/login') {
      const params = request.method === 'POST' ? new URLSearchParams(await readBody(request, { bytes: 16 * 1024 })) : url.searchParams;
      if (params.has('username')) return html(200, await attempt(params));
      const orig = url.searchParams.get('dst') || options.defaultOrig || 'http://example.com/';
      if (session) return html(200, renderRouterTemplate(template('alogin.html'), { ...commonVars(orig), ...sessionVars(session) }));
      return html(200, loginPage(orig));
    }
    if (url.pathname === '/status') {
      if (!session) return redirect(response, `${base}/login`);
      return html(200, renderRouterTemplate(template('status.html'), { ...commonVars(''), ...sessionVars(session) }));
    }
    if (url.pathname === '/logout') {
      if (!session) return html(200, renderRouterTemplate(template('error.html'), { ...commonVars(''), error: `you are not logged in (ip ${client.ip})` }));
      const ended = session;
      session = null;
      return html(200, renderRouterTemplate(template('logout.html'), { ...commonVars(''), ...sessionVars(ended) }));
    }
    // rlogin.html: any other page sends a client that is not logged in to the login page.
    if (!session) return redirect(response, `${base}/login?dst=${encodeURIComponent(url.href)}`);
    html(200, '<!doctype html><title>online</title><p>Online.</p>');
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((err: unknown) => text(response, 500, String(err)));
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createHttpServer(listener);
  base = await listen(server, options.port, options.host);

  return {
    url: base,
    loginUrl: `${base}/login`,
    logins,
    requests,
    async close() {
      peer.close();
      await closeServer(server);
    },
  };
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { location, 'cache-control': 'no-store' });
  response.end();
}

// ---- command line ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...listenArgs(),
      portal: { type: 'string' },
      'radius-host': { type: 'string', default: '127.0.0.1' },
      'radius-port': { type: 'string', default: '1812' },
      secret: { type: 'string' },
      'login-by': { type: 'string', default: 'http-chap' },
      identity: { type: 'string' },
      mac: { type: 'string' },
      'client-ip': { type: 'string' },
    },
  });
  if (!values.portal || !values.secret) throw new Error('usage: mikrotik-hotspot --portal <Lango /hotspot URL> --secret <shared secret> [--radius-port 1812] [--port 0] [--login-by http-chap|http-pap]');
  if (values['login-by'] !== 'http-chap' && values['login-by'] !== 'http-pap') throw new Error('--login-by is http-chap or http-pap here (https needs a certificate; use the module)');
  const emulator = await startMikrotikHotspot({
    port: Number(values.port),
    host: values.host,
    portalUrl: values.portal,
    radius: { host: values['radius-host'], port: Number(values['radius-port']), secret: values.secret },
    loginBy: values['login-by'],
    ...(values.identity !== undefined && { identity: values.identity }),
    ...(values.mac !== undefined && { client: { mac: values.mac, ip: values['client-ip'] ?? '10.5.50.2' } }),
  });
  serveUntilSignalled(emulator, { url: emulator.url, loginUrl: emulator.loginUrl });
}

runIfMain(import.meta.url, main);

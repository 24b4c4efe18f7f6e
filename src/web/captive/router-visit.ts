import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

// What the router's login.html forwards to the portal (web/hotspot/login.html): RouterOS
// variables under their own names. Everything here arrives in a URL anyone can edit, so it is
// parsed whole, and the login URL is checked before the page will post a password to it.

/** Where and how the page completes the login, or why it cannot. */
export type LoginTarget =
  | { kind: 'chap'; url: string; id: Buffer; challenge: Buffer }
  | { kind: 'pap'; url: string }
  | { kind: 'none'; reason: 'notFromRouter' | 'unknownRouter' | 'unsafeLogin' };

export interface RouterVisit {
  target: LoginTarget;
  /** The page the customer first asked for (link-orig); the router opens it after the login. */
  dst: string;
  /** The router's last-used username, to prefill the account form. */
  username: string;
  /** The router's $(error) text: its own message, or Lango's Reply-Message. */
  error: string;
  mac: string;
  ip: string;
  identity: string;
}

// Fastify's query parser gives an array for a repeated name; take the first, cap the length.
const field = (max: number) =>
  z
    .union([z.string(), z.array(z.string()).transform((values) => values[0] ?? '')])
    .transform((value) => value.slice(0, max))
    .optional()
    .catch(undefined);

const visitQuery = z.object({
  'link-login-only': field(512),
  'link-orig': field(1024),
  'chap-id': field(64),
  'chap-challenge': field(1024),
  username: field(128),
  error: field(300),
  mac: field(32),
  ip: field(64),
  identity: field(128),
});

/**
 * Decodes chap-id / chap-challenge. login.html's script sends hex; without JavaScript it sends
 * the text RouterOS wrote, octal-escaped JavaScript string content (`\371\015…`), decoded here.
 */
export function decodeChapValue(text: string, length?: number): Buffer | null {
  if (/^(?:[0-9a-f]{2})+$/i.test(text) && (length === undefined || text.length === length * 2)) return Buffer.from(text, 'hex');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    const char = text[i]!;
    if (char !== '\\') {
      const code = text.charCodeAt(i);
      if (code > 0xff) return null;
      bytes.push(code);
      i += 1;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4));
    const hex = /^x([0-9a-f]{2})/i.exec(text.slice(i + 1, i + 4));
    if (octal) {
      const value = parseInt(octal[0], 8);
      if (value > 0xff) return null;
      bytes.push(value);
      i += 1 + octal[0].length;
    } else if (hex) {
      bytes.push(parseInt(hex[1]!, 16));
      i += 4;
    } else if (i + 1 < text.length) {
      bytes.push(text.charCodeAt(i + 1) & 0xff);
      i += 2;
    } else {
      return null;
    }
  }
  if (bytes.length === 0 || (length !== undefined && bytes.length !== length)) return null;
  return Buffer.from(bytes);
}

/** Hostnames a router answers for on its own LAN (the hotspot's dns-name); never resolvable on the internet. */
const LOCAL_SUFFIXES = ['.lan', '.local', '.localdomain', '.internal', '.home.arpa'];

/**
 * A login URL the portal may send credentials to: a private, carrier-grade-NAT, loopback or
 * link-local address, a dot-less or LAN-only name, or a name the operator listed. Anything else
 * would let a crafted link on the operator's own portal post customers' logins to a stranger.
 */
export function isRouterHost(hostname: string, extra: readonly string[] = []): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (extra.some((name) => name.toLowerCase() === host)) return true;
  if (isIPv4(host)) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  if (isIPv6(host)) return host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  return !host.includes('.') || LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix));
}

function httpUrl(text: string | undefined): URL | null {
  if (!text) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

export function readRouterVisit(query: unknown, routerHosts: readonly string[] = []): RouterVisit {
  const parsed = visitQuery.safeParse(query ?? {});
  const q = parsed.success ? parsed.data : {};
  const login = httpUrl(q['link-login-only']);
  const chapId = q['chap-id'] ? decodeChapValue(q['chap-id'], 1) : null;
  const challenge = q['chap-challenge'] ? decodeChapValue(q['chap-challenge']) : null;
  let target: LoginTarget;
  if (!login) target = { kind: 'none', reason: 'notFromRouter' };
  else if (!isRouterHost(login.hostname, routerHosts)) target = { kind: 'none', reason: 'unknownRouter' };
  else if (chapId && challenge) target = { kind: 'chap', url: login.href, id: chapId, challenge };
  // Without CHAP the password travels as it is typed: only inside TLS (login-by=https).
  else if (login.protocol === 'https:') target = { kind: 'pap', url: login.href };
  else target = { kind: 'none', reason: 'unsafeLogin' };
  return {
    target,
    dst: httpUrl(q['link-orig'])?.href ?? '',
    username: q.username ?? '',
    error: (q.error ?? '').trim(),
    mac: q.mac ?? '',
    ip: q.ip ?? '',
    identity: q.identity ?? '',
  };
}

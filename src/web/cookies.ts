// The few cookies the staff and portal pages set, read and written by hand (no cookie plugin needed):
// always HttpOnly, SameSite=Strict and scoped to the pages' path.

/** Cookie name → value from a Cookie header; the first of a repeated name wins. */
export function readCookies(header: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (header ?? '').split(';').slice(0, 50)) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    if (!name || found.has(name)) continue;
    let value = part.slice(at + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      found.set(name, decodeURIComponent(value));
    } catch {
      // A value that is not valid percent-encoding is not one of ours.
    }
  }
  return found;
}

export interface CookieOptions {
  path: string;
  /** Seconds; 0 deletes the cookie; omitted = until the browser closes. */
  maxAge?: number;
  /** Over HTTPS (directly, or behind a trusted proxy that says so). */
  secure: boolean;
}

export function cookieHeader(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Strict'];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

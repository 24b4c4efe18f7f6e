import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Bearer tokens of the staff pages and the customer portal: sessions, CSRF, pending sign-ins.

/** 32 random bytes, base64url: a session cookie, a CSRF token. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The cookie carries the token; tables only its SHA-256 (hex), so a copied database opens no session. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Compares a token in constant time; false for anything but a non-empty string. */
export function sameToken(expected: string | undefined, given: unknown): boolean {
  if (typeof expected !== 'string' || typeof given !== 'string' || expected.length === 0) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { getSecret, setSecret } from '../settings/secrets.js';

// Callback URLs carry a random 192-bit token per provider, in hex (base64 can spell words Daraja
// refuses in URLs: 'exe', 'cmd', 'sql'), instead of the provider's name
// (Daraja refuses URLs containing "mpesa"): no signature exists on these callbacks, so the
// token is what keeps strangers from posting a forged "paid". Rotation keeps the previous
// token valid until the provider has the new URL.

const current = (provider: string) => `callback-token.${provider}`;
const previous = (provider: string) => `callback-token-previous.${provider}`;

export function callbackToken(db: Db, box: SecretBox, provider: string, actor = 'system'): string {
  const existing = getSecret(db, box, current(provider));
  if (existing) return existing;
  const token = randomBytes(24).toString('hex');
  setSecret(db, box, current(provider), token, actor);
  return token;
}

export function rotateCallbackToken(db: Db, box: SecretBox, provider: string, actor: string): string {
  const old = getSecret(db, box, current(provider));
  if (old) setSecret(db, box, previous(provider), old, actor);
  const token = randomBytes(24).toString('hex');
  setSecret(db, box, current(provider), token, actor);
  return token;
}

/** Valid tokens per provider (current first), for the callback router to match against. */
export function validTokens(db: Db, box: SecretBox, providers: readonly string[]): Map<string, string> {
  const byToken = new Map<string, string>();
  for (const provider of providers) {
    for (const name of [current(provider), previous(provider)]) {
      const token = getSecret(db, box, name);
      if (token) byToken.set(token, provider);
    }
  }
  return byToken;
}

/** Compares in constant time, so response timing does not leak a token byte by byte. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The URL a provider calls back for one of its routes (the first: attempt callbacks), from the
 * operator's public address and the provider's token. Read at each use, so a changed public
 * address applies to the next request without a restart.
 */
export function callbackUrl(db: Db, box: SecretBox, provider: { name: string; callbacks: ReadonlyArray<{ path: string }> }, path = provider.callbacks[0]?.path ?? ''): string {
  const base = getSetting(db, 'payments.publicUrl');
  if (base === null) throw new LangoError('PAY_NO_PUBLIC_URL');
  return `${base.replace(/\/+$/, '')}/cb/${callbackToken(db, box, provider.name)}/${path}`;
}

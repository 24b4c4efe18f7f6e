import { Secret, TOTP } from 'otpauth';

// Time-based one-time codes (RFC 6238) for the staff second factor, through the otpauth
// package: 6 digits, 30-second steps, SHA-1 — what every authenticator app reads from a QR code.

const PERIOD = 30;
const DIGITS = 6;

function totp(secret: string, label = 'staff'): TOTP {
  return new TOTP({ issuer: 'Lango', label, secret: Secret.fromBase32(secret), digits: DIGITS, period: PERIOD, algorithm: 'SHA1' });
}

/** A fresh secret (160 bits, base32) and the otpauth:// URI an authenticator app scans. */
export function newTotpSecret(label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totp(secret, label).toString() };
}

export function totpUri(secret: string, label: string): string {
  return totp(secret, label).toString();
}

/** Whether `text` is a plausible base32 TOTP secret (what the enrolment form sends back). */
export function isTotpSecret(text: string): boolean {
  return /^[A-Z2-7]{16,64}$/.test(text);
}

/** Digits only: people type codes with spaces ("123 456") or copy them with a trailing space. */
export function cleanCode(text: string): string {
  return text.replace(/[\s-]/g, '');
}

/**
 * The time step a code belongs to, if it is right for `now` give or take one step (a phone's
 * clock drifts, a person types slowly); null when wrong. A code for a step at or before
 * `lastStep` is refused too: a code seen once (over a shoulder, in a proxy log) is spent.
 */
export function checkTotp(secret: string, code: string, now: number, lastStep: number | null): { ok: true; step: number } | { ok: false; reason: 'wrong' | 'used' } {
  const token = cleanCode(code);
  if (!/^\d{6}$/.test(token)) return { ok: false, reason: 'wrong' };
  const delta = totp(secret).validate({ token, timestamp: now, window: 1 });
  if (delta === null) return { ok: false, reason: 'wrong' };
  const step = Math.floor(now / 1000 / PERIOD) + delta;
  if (lastStep !== null && step <= lastStep) return { ok: false, reason: 'used' };
  return { ok: true, step };
}

/** The code for a moment (tests, and nothing else: the server never shows a code). */
export function totpCode(secret: string, now: number): string {
  return totp(secret).generate({ timestamp: now });
}

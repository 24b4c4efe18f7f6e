import { timingSafeEqual } from 'node:crypto';
import { md5ChainDecrypt, md5ChainEncrypt } from './md5-chain.js';

const MAX_HIDDEN = 128;

function requireAuthenticator(requestAuthenticator: Buffer): void {
  if (requestAuthenticator.length !== 16) {
    throw new RangeError(`request authenticator must be 16 bytes, got ${requestAuthenticator.length}`);
  }
}

/** User-Password hiding (RFC 2865 §5.2): NUL-pad to a multiple of 16, at most 128 bytes. */
export function hideUserPassword(password: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer {
  if (password.length > MAX_HIDDEN) throw new RangeError(`password must be at most ${MAX_HIDDEN} bytes, got ${password.length}`);
  requireAuthenticator(requestAuthenticator);
  // An empty password still occupies one block: the attribute may not be empty.
  const padded = Buffer.alloc(Math.max(16, Math.ceil(password.length / 16) * 16));
  password.copy(padded);
  return md5ChainEncrypt(padded, secret, requestAuthenticator);
}

/**
 * Reverses User-Password hiding. Returns null for a value no conforming NAS
 * could have sent, since it comes off the wire and must never throw.
 */
export function revealUserPassword(hidden: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer | null {
  if (hidden.length === 0 || hidden.length % 16 !== 0 || hidden.length > MAX_HIDDEN) return null;
  if (requestAuthenticator.length !== 16) return null;
  const plain = md5ChainDecrypt(hidden, secret, requestAuthenticator);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  return plain.subarray(0, end);
}

/** Constant-time PAP check; the length comparison leaks only the password length. */
export function verifyPap(
  hidden: Buffer,
  secret: Buffer,
  requestAuthenticator: Buffer,
  expectedPassword: Buffer,
): boolean {
  const revealed = revealUserPassword(hidden, secret, requestAuthenticator);
  if (revealed === null || revealed.length !== expectedPassword.length) return false;
  return timingSafeEqual(revealed, expectedPassword);
}

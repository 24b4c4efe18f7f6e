import { createHash, timingSafeEqual } from 'node:crypto';

/** CHAP-Password value (RFC 2865 §5.3): ident byte + MD5(ident | password | challenge). */
export function computeChapPassword(ident: number, password: Buffer, challenge: Buffer): Buffer {
  if (!Number.isInteger(ident) || ident < 0 || ident > 255) throw new RangeError(`ident must be 0..255, got ${ident}`);
  const identByte = Buffer.of(ident);
  const digest = createHash('md5').update(identByte).update(password).update(challenge).digest();
  return Buffer.concat([identByte, digest]);
}

/**
 * Checks a CHAP-Password against the cleartext password. The caller picks the
 * challenge: CHAP-Challenge when present, otherwise the Request Authenticator.
 */
export function verifyChap(chapPassword: Buffer, challenge: Buffer, password: Buffer): boolean {
  if (chapPassword.length !== 17 || challenge.length === 0) return false;
  const expected = computeChapPassword(chapPassword[0] as number, password, challenge);
  return timingSafeEqual(expected, chapPassword);
}

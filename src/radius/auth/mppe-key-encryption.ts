import { randomBytes } from 'node:crypto';
import { md5ChainDecrypt, md5ChainEncrypt } from './md5-chain.js';
import { hideUserPassword } from './pap.js';

// A vendor-specific value holds at most 247 bytes (253 - vendor id - vendor
// type/length), so Salt(2) + C leaves room for 240 bytes of C, i.e. 1 length
// byte and 239 key bytes.
const MAX_KEY_LENGTH = 239;

function requireAuthenticator(requestAuthenticator: Buffer): void {
  if (requestAuthenticator.length !== 16) {
    throw new RangeError(`request authenticator must be 16 bytes, got ${requestAuthenticator.length}`);
  }
}

/**
 * MS-MPPE-Send-Key / Recv-Key encryption (RFC 2548 §2.4.2): value is
 * Salt(2) | C, where C hides KeyLen(1) | Key | zero padding with
 * b1 = MD5(S | RA | Salt). RA is the Access-Request's authenticator.
 */
export function encryptMppeKey(key: Buffer, secret: Buffer, requestAuthenticator: Buffer, salt: Buffer): Buffer {
  if (salt.length !== 2 || ((salt[0] as number) & 0x80) === 0) {
    throw new RangeError('MPPE salt must be 2 bytes with the top bit set');
  }
  if (key.length > MAX_KEY_LENGTH) throw new RangeError(`MPPE key must be at most ${MAX_KEY_LENGTH} bytes, got ${key.length}`);
  requireAuthenticator(requestAuthenticator);
  const plain = Buffer.alloc(Math.ceil((key.length + 1) / 16) * 16);
  plain[0] = key.length;
  key.copy(plain, 1);
  const cipher = md5ChainEncrypt(plain, secret, Buffer.concat([requestAuthenticator, salt]));
  return Buffer.concat([salt, cipher]);
}

/** Inverse of encryptMppeKey; null for values that cannot be a salted key. */
export function decryptMppeKey(value: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer | null {
  if (value.length < 18 || (value.length - 2) % 16 !== 0) return null;
  if (((value[0] as number) & 0x80) === 0 || requestAuthenticator.length !== 16) return null;
  const salt = value.subarray(0, 2);
  const plain = md5ChainDecrypt(value.subarray(2), secret, Buffer.concat([requestAuthenticator, salt]));
  const keyLength = plain[0] as number;
  if (keyLength > plain.length - 1) return null;
  return plain.subarray(1, 1 + keyLength);
}

/** Random 2-byte salts, top bit set and pairwise distinct as RFC 2548 requires within one packet. */
export function newMppeSalts(count: number): Buffer[] {
  if (!Number.isInteger(count) || count < 0 || count > 0x8000) {
    throw new RangeError(`salt count must be 0..32768, got ${count}`);
  }
  const seen = new Set<number>();
  const salts: Buffer[] = [];
  while (salts.length < count) {
    const salt = randomBytes(2);
    salt[0] = (salt[0] as number) | 0x80;
    const n = salt.readUInt16BE(0);
    if (seen.has(n)) continue;
    seen.add(n);
    salts.push(salt);
  }
  return salts;
}

/**
 * MS-CHAP-MPPE-Keys (RFC 2548 §2.4.1) is hidden exactly like User-Password,
 * so the 24 bytes go out as 32.
 */
export function hideMsChapMppeKeys(keys24: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer {
  if (keys24.length !== 24) throw new RangeError(`MS-CHAP-MPPE-Keys must be 24 bytes, got ${keys24.length}`);
  return hideUserPassword(keys24, secret, requestAuthenticator);
}

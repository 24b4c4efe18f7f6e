import { createHash } from 'node:crypto';
import { desEncryptBlock, expandDesKey } from './des.js';
import { md4 } from './md4.js';

// RFC 2759 §8 building blocks, shared by MS-CHAPv1 (RFC 2433) and v2.

const MAGIC_SERVER_SIGNING = Buffer.from('Magic server to client signing constant', 'ascii');
const MAGIC_PAD = Buffer.from('Pad to make it do more than one iteration', 'ascii');

function sha1(...parts: Buffer[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** NtPasswordHash: MD4 of the UTF-16LE password. */
export function ntPasswordHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/** HashNtPasswordHash: MD4 of the 16-byte NT hash. */
export function hashNtPasswordHash(passwordHash: Buffer): Buffer {
  return md4(passwordHash);
}

/**
 * The peer hashes only the account name, so a `DOMAIN\` prefix has to go.
 * Domain names cannot contain a backslash, hence the first one ends the domain
 * (FreeRADIUS's with_ntdomain_hack does the same).
 */
export function stripNtDomain(userName: string): string {
  const slash = userName.indexOf('\\');
  return slash === -1 ? userName : userName.slice(slash + 1);
}

/** ChallengeHash: first 8 bytes of SHA1(PeerChallenge | AuthenticatorChallenge | UserName). */
export function challengeHash(peerChallenge: Buffer, authenticatorChallenge: Buffer, userName: string): Buffer {
  return sha1(peerChallenge, authenticatorChallenge, Buffer.from(stripNtDomain(userName), 'utf8')).subarray(0, 8);
}

/** ChallengeResponse: three DES encryptions of the 8-byte challenge keyed by the zero-padded hash. */
export function challengeResponse(challenge8: Buffer, passwordHash: Buffer): Buffer {
  if (challenge8.length !== 8) throw new RangeError(`challenge must be 8 bytes, got ${challenge8.length}`);
  if (passwordHash.length !== 16) throw new RangeError(`password hash must be 16 bytes, got ${passwordHash.length}`);
  const zPasswordHash = Buffer.alloc(21);
  passwordHash.copy(zPasswordHash);
  return Buffer.concat(
    [0, 7, 14].map((offset) => desEncryptBlock(expandDesKey(zPasswordHash.subarray(offset, offset + 7)), challenge8)),
  );
}

/** GenerateAuthenticatorResponse: `S=` followed by 40 uppercase hex digits. */
export function generateAuthenticatorResponse(
  passwordHash: Buffer,
  ntResponse: Buffer,
  challenge8: Buffer,
): string {
  const digest = sha1(hashNtPasswordHash(passwordHash), ntResponse, MAGIC_SERVER_SIGNING);
  return 'S=' + sha1(digest, challenge8, MAGIC_PAD).toString('hex').toUpperCase();
}

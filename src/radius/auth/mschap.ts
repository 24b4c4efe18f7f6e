import { timingSafeEqual } from 'node:crypto';
import { mppeMasterKey, mppeServerStartKeys } from './mppe-keys.js';
import {
  challengeHash,
  challengeResponse,
  generateAuthenticatorResponse,
  hashNtPasswordHash,
  ntPasswordHash,
} from './mschap-crypto.js';

export { ntPasswordHash } from './mschap-crypto.js';

const RESPONSE_LENGTH = 50;

export type MschapV2Result =
  | { ok: false }
  | { ok: true; ident: number; authenticatorResponse: string; sendKey: Buffer; recvKey: Buffer };

export type MschapV1Result = { ok: false } | { ok: true; ident: number; mppeKeys: Buffer };

/**
 * Checks an MS-CHAP2-Response (Ident, Flags, Peer-Challenge[16], Reserved[8],
 * NT-Response[24]) against the cleartext password. Wrong sizes fail instead of
 * throwing because they come straight off the wire.
 */
export function verifyMschapV2(input: {
  userName: string;
  password: string;
  authenticatorChallenge: Buffer;
  response: Buffer;
}): MschapV2Result {
  const { userName, password, authenticatorChallenge, response } = input;
  if (response.length !== RESPONSE_LENGTH || authenticatorChallenge.length !== 16) return { ok: false };

  const ident = response[0] as number;
  const peerChallenge = response.subarray(2, 18);
  const ntResponse = response.subarray(26, 50);

  const passwordHash = ntPasswordHash(password);
  const challenge8 = challengeHash(peerChallenge, authenticatorChallenge, userName);
  const expected = challengeResponse(challenge8, passwordHash);
  if (!timingSafeEqual(expected, ntResponse)) return { ok: false };

  const masterKey = mppeMasterKey(hashNtPasswordHash(passwordHash), ntResponse);
  const { sendKey, recvKey } = mppeServerStartKeys(masterKey);
  return {
    ok: true,
    ident,
    authenticatorResponse: generateAuthenticatorResponse(passwordHash, ntResponse, challenge8),
    sendKey,
    recvKey,
  };
}

/**
 * Checks an MS-CHAP-Response (Ident, Flags, LM-Response[24], NT-Response[24])
 * against the 8-byte MS-CHAP-Challenge. LM responses are never accepted: the
 * LM hash is trivially crackable, so a peer without the "use NT" flag fails.
 */
export function verifyMschapV1(input: { password: string; challenge: Buffer; response: Buffer }): MschapV1Result {
  const { password, challenge, response } = input;
  if (response.length !== RESPONSE_LENGTH || challenge.length !== 8) return { ok: false };

  const ident = response[0] as number;
  const flags = response[1] as number;
  if ((flags & 0x01) === 0) return { ok: false };

  const passwordHash = ntPasswordHash(password);
  const expected = challengeResponse(challenge, passwordHash);
  if (!timingSafeEqual(expected, response.subarray(26, 50))) return { ok: false };

  // RFC 2548 §2.4.1 asks for LM-Key(8) | NT hash(16), but peers derive their
  // keys from the NT hash hash; FreeRADIUS sends that, with a zero LM key
  // because Lango never keeps LM hashes.
  const mppeKeys = Buffer.concat([Buffer.alloc(8), hashNtPasswordHash(passwordHash)]);
  return { ok: true, ident, mppeKeys };
}

function identByte(ident: number): Buffer {
  if (!Number.isInteger(ident) || ident < 0 || ident > 255) throw new RangeError(`ident must be 0..255, got ${ident}`);
  return Buffer.of(ident);
}

/**
 * MS-CHAP-Error value: Ident + `E=<code> R=0 [C=<32 hex>] V=3` (RFC 2759 §6 order).
 *
 * R=0 because Lango never offers a retry. C= is the challenge a peer would use
 * for that retry or a password change, so without a retry it carries nothing;
 * it is only written when the caller passes a 16-byte v2 challenge, which lets
 * Lango mirror FreeRADIUS's v2 replies for peers that insist on seeing it.
 * V=3 advertises the MS-CHAPv2 password-change version (RFC 2759 §6; RFC 2433
 * §6 asks v1 servers for >= 2 too), so the same text suits both versions.
 */
export function formatMschapError(ident: number, code: number, v2Challenge?: Buffer): Buffer {
  if (!Number.isInteger(code) || code < 0) throw new RangeError(`error code must be a non-negative integer, got ${code}`);
  let text = `E=${code} R=0`;
  if (v2Challenge !== undefined) {
    if (v2Challenge.length !== 16) throw new RangeError(`v2 challenge must be 16 bytes, got ${v2Challenge.length}`);
    text += ` C=${v2Challenge.toString('hex').toUpperCase()}`;
  }
  text += ' V=3';
  return Buffer.concat([identByte(ident), Buffer.from(text, 'ascii')]);
}

/** MS-CHAP2-Success value: Ident + the 42-character `S=<40 hex>` string. */
export function formatMschapV2Success(ident: number, authenticatorResponse: string): Buffer {
  if (!/^S=[0-9A-F]{40}$/.test(authenticatorResponse)) {
    throw new RangeError('authenticator response must be "S=" followed by 40 uppercase hex digits');
  }
  return Buffer.concat([identByte(ident), Buffer.from(authenticatorResponse, 'ascii')]);
}

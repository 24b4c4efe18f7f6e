import { describe, expect, it } from 'vitest';
import { desEncryptBlock, expandDesKey } from './des.js';
import { md4 } from './md4.js';
import { mppeMasterKey, mppeServerStartKeys } from './mppe-keys.js';
import {
  challengeHash,
  challengeResponse,
  generateAuthenticatorResponse,
  hashNtPasswordHash,
} from './mschap-crypto.js';
import { formatMschapError, formatMschapV2Success, ntPasswordHash, verifyMschapV1, verifyMschapV2 } from './mschap.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

// RFC 2759 §9.2 "Hash Example", repeated in RFC 3079 §3.5.3 (radius.md §7).
const v = {
  userName: 'User',
  password: 'clientPass',
  authenticatorChallenge: hex('5B5D7C7D7B3F2F3E3C2C602132262628'),
  peerChallenge: hex('21402324255E262A28295F2B3A337C7E'),
  challenge: hex('D02E4386BCE91226'),
  passwordHash: hex('44EBBA8D5312B8D611474411F56989AE'),
  ntResponse: hex('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF'),
  passwordHashHash: hex('41C00C584BD2D91C4017A2A12FA59F3F'),
  authenticatorResponse: 'S=407A5589115FD0D6209F510FE9C04566932CDA56',
  masterKey: hex('FDECE3717A8C838CB388E527AE3CDD31'),
  sendKey: hex('8B7CDC149B993A1BA118CB153F56DCCB'),
  recvKey: hex('D5F0E9521E3EA9589645E86051C82226'),
};

function v2Response(ident: number, peerChallenge: Buffer, ntResponse: Buffer): Buffer {
  return Buffer.concat([Buffer.of(ident, 0), peerChallenge, Buffer.alloc(8), ntResponse]);
}

function v1Response(ident: number, flags: number, ntResponse: Buffer): Buffer {
  return Buffer.concat([Buffer.of(ident, flags), Buffer.alloc(24), ntResponse]);
}

describe('MD4 and DES primitives', () => {
  it('computes the RFC 1320 MD4 test digests without OpenSSL', () => {
    expect(md4(Buffer.alloc(0)).toString('hex')).toBe('31d6cfe0d16ae931b73c59d7e0c089c0');
    expect(md4(Buffer.from('abc')).toString('hex')).toBe('a448017aaf21d8525fc10ae87aa6729d');
    expect(md4(Buffer.from('12345678901234567890123456789012345678901234567890123456789012345678901234567890')).toString('hex')).toBe(
      'e33b4ddc9c38f2199c3e7b164fcc0536',
    );
  });

  it('encrypts the FIPS DES example block', () => {
    expect(desEncryptBlock(hex('0123456789ABCDEF'), Buffer.from('Now is t')).toString('hex')).toBe('3fa40e8a984d4815');
  });

  it('derives the parity-adjusted DES keys of the RFC 2759 §9.3 example', () => {
    const hash = ntPasswordHash('MyPw');
    expect(hash.toString('hex').toUpperCase()).toBe('FC156AF7EDCD6C0EDDE3337D427F4EAC');
    expect(expandDesKey(hash.subarray(0, 7)).toString('hex').toUpperCase()).toBe('FD0B5B5E7F6E34D9');
    expect(expandDesKey(hash.subarray(7, 14)).toString('hex').toUpperCase()).toBe('0E6E796737EA08FE');
  });
});

describe('RFC 2759 §9.2 vectors', () => {
  it('hashes clientPass to the RFC PasswordHash', () => {
    expect(ntPasswordHash(v.password).equals(v.passwordHash)).toBe(true);
  });

  it('hashes the PasswordHash to the RFC PasswordHashHash', () => {
    expect(hashNtPasswordHash(v.passwordHash).equals(v.passwordHashHash)).toBe(true);
  });

  it('derives the RFC 8-byte Challenge from both challenges and the user name', () => {
    expect(challengeHash(v.peerChallenge, v.authenticatorChallenge, v.userName).equals(v.challenge)).toBe(true);
  });

  it('ignores a DOMAIN\\ prefix when hashing the challenge', () => {
    expect(challengeHash(v.peerChallenge, v.authenticatorChallenge, 'CORP\\User').equals(v.challenge)).toBe(true);
  });

  it('computes the RFC NT-Response', () => {
    expect(challengeResponse(v.challenge, v.passwordHash).equals(v.ntResponse)).toBe(true);
  });

  it('computes the RFC AuthenticatorResponse', () => {
    expect(generateAuthenticatorResponse(v.passwordHash, v.ntResponse, v.challenge)).toBe(v.authenticatorResponse);
  });

  it('computes the RFC 3079 MasterKey', () => {
    expect(mppeMasterKey(v.passwordHashHash, v.ntResponse).equals(v.masterKey)).toBe(true);
  });

  it('puts the Magic3 key in Send-Key and the Magic2 key in Recv-Key', () => {
    const keys = mppeServerStartKeys(v.masterKey);
    expect(keys.sendKey.equals(v.sendKey)).toBe(true);
    expect(keys.recvKey.equals(v.recvKey)).toBe(true);
  });
});

describe('verifyMschapV2', () => {
  const input = {
    userName: v.userName,
    password: v.password,
    authenticatorChallenge: v.authenticatorChallenge,
    response: v2Response(0x42, v.peerChallenge, v.ntResponse),
  };

  it('accepts the RFC vector and returns the FreeRADIUS-verified success data', () => {
    const result = verifyMschapV2(input);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.ident).toBe(0x42);
    expect(result.authenticatorResponse).toBe(v.authenticatorResponse);
    expect(result.sendKey.length).toBe(16);
    expect(result.sendKey.equals(v.sendKey)).toBe(true);
    expect(result.recvKey.equals(v.recvKey)).toBe(true);
  });

  it('accepts a user name with a DOMAIN\\ prefix', () => {
    expect(verifyMschapV2({ ...input, userName: 'CORP\\User' }).ok).toBe(true);
  });

  it('rejects a wrong password', () => {
    expect(verifyMschapV2({ ...input, password: 'clientPasS' })).toEqual({ ok: false });
  });

  it('rejects a different user name, since it is part of the challenge', () => {
    expect(verifyMschapV2({ ...input, userName: 'user' })).toEqual({ ok: false });
  });

  it('rejects a tampered NT-Response', () => {
    const response = Buffer.from(input.response);
    response[49] = (response[49] as number) ^ 1;
    expect(verifyMschapV2({ ...input, response })).toEqual({ ok: false });
  });

  it('returns ok:false instead of throwing on malformed sizes', () => {
    expect(verifyMschapV2({ ...input, response: input.response.subarray(0, 49) })).toEqual({ ok: false });
    expect(verifyMschapV2({ ...input, response: Buffer.concat([input.response, Buffer.of(0)]) })).toEqual({ ok: false });
    expect(verifyMschapV2({ ...input, response: Buffer.alloc(0) })).toEqual({ ok: false });
    expect(verifyMschapV2({ ...input, authenticatorChallenge: v.authenticatorChallenge.subarray(0, 8) })).toEqual({ ok: false });
  });
});

describe('verifyMschapV1', () => {
  // Captured from radtest -t mschap (radius.md §7).
  const challenge = hex('43D5B258E0066611');
  const ntResponse = hex('243680604EADC991C11DC986BEAD1102F285116A1095BF88');
  const input = { password: 'secretpw', challenge, response: v1Response(7, 1, ntResponse) };

  it('accepts the radtest MS-CHAPv1 vector', () => {
    const result = verifyMschapV1(input);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.ident).toBe(7);
  });

  it('returns 8 zero bytes plus the NT hash hash as MS-CHAP-MPPE-Keys', () => {
    const result = verifyMschapV1(input);
    if (!result.ok) throw new Error('expected success');
    expect(result.mppeKeys.length).toBe(24);
    expect(result.mppeKeys.subarray(0, 8).equals(Buffer.alloc(8))).toBe(true);
    expect(result.mppeKeys.subarray(8).equals(hashNtPasswordHash(ntPasswordHash('secretpw')))).toBe(true);
  });

  it('rejects a wrong password', () => {
    expect(verifyMschapV1({ ...input, password: 'secretpx' })).toEqual({ ok: false });
  });

  it('rejects a response that asks for the LM response only', () => {
    expect(verifyMschapV1({ ...input, response: v1Response(7, 0, ntResponse) })).toEqual({ ok: false });
  });

  it('returns ok:false instead of throwing on malformed sizes', () => {
    expect(verifyMschapV1({ ...input, response: input.response.subarray(0, 49) })).toEqual({ ok: false });
    expect(verifyMschapV1({ ...input, response: Buffer.alloc(0) })).toEqual({ ok: false });
    expect(verifyMschapV1({ ...input, challenge: Buffer.alloc(16) })).toEqual({ ok: false });
    expect(verifyMschapV1({ ...input, challenge: Buffer.alloc(0) })).toEqual({ ok: false });
  });
});

describe('MS-CHAP reply values', () => {
  it('formats MS-CHAP-Error as ident plus E=<code> R=0 V=3', () => {
    const value = formatMschapError(0x42, 691);
    expect(value[0]).toBe(0x42);
    expect(value.subarray(1).toString('ascii')).toBe('E=691 R=0 V=3');
  });

  it('places a v2 challenge between R= and V= as RFC 2759 §6 orders them', () => {
    const value = formatMschapError(1, 691, v.authenticatorChallenge);
    expect(value.subarray(1).toString('ascii')).toBe('E=691 R=0 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3');
  });

  it('refuses a v2 challenge that is not 16 bytes and an ident outside one byte', () => {
    expect(() => formatMschapError(1, 691, Buffer.alloc(8))).toThrow(RangeError);
    expect(() => formatMschapError(256, 691)).toThrow(RangeError);
  });

  it('formats MS-CHAP2-Success as ident plus the 42-character authenticator response', () => {
    const value = formatMschapV2Success(0x42, v.authenticatorResponse);
    expect(value.length).toBe(43);
    expect(value[0]).toBe(0x42);
    expect(value.subarray(1).toString('ascii')).toBe(v.authenticatorResponse);
  });

  it('refuses an authenticator response that is not S= plus 40 uppercase hex digits', () => {
    expect(() => formatMschapV2Success(1, v.authenticatorResponse.toLowerCase())).toThrow(RangeError);
    expect(() => formatMschapV2Success(1, 'S=1234')).toThrow(RangeError);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptMppeKey, encryptMppeKey, hideMsChapMppeKeys, newMppeSalts } from './mppe-key-encryption.js';
import { revealUserPassword } from './pap.js';

const secret = Buffer.from('testing123');
const ra = Buffer.from('35f28d609d96043ae932ddc9a5b7e99d', 'hex');
// RFC 2759 §9.2 server send key.
const sendKey = Buffer.from('8B7CDC149B993A1BA118CB153F56DCCB', 'hex');
const salt = Buffer.from('8a31', 'hex');

const md5 = (...parts: Buffer[]): Buffer => createHash('md5').update(Buffer.concat(parts)).digest();
const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((byte, i) => byte ^ (b[i] as number)));

describe('MS-MPPE-Send-Key / Recv-Key salt encryption', () => {
  it('encrypts a 16-byte key into a 34-byte value that starts with the salt', () => {
    const value = encryptMppeKey(sendKey, secret, ra, salt);
    expect(value.length).toBe(34);
    expect(value.subarray(0, 2).equals(salt)).toBe(true);
  });

  it('follows RFC 2548 §2.4.2 block by block: b1 = MD5(S|RA|Salt), b2 = MD5(S|c1)', () => {
    const value = encryptMppeKey(sendKey, secret, ra, salt);
    const plain = Buffer.concat([Buffer.of(16), sendKey, Buffer.alloc(15)]);
    const c1 = xor(plain.subarray(0, 16), md5(secret, ra, salt));
    const c2 = xor(plain.subarray(16, 32), md5(secret, c1));
    expect(value.subarray(2).equals(Buffer.concat([c1, c2]))).toBe(true);
  });

  it('round-trips keys of several lengths through decryptMppeKey', () => {
    for (const length of [0, 1, 15, 16, 31, 32, 100]) {
      const key = Buffer.alloc(length, 0xa5);
      const value = encryptMppeKey(key, secret, ra, salt);
      expect((value.length - 2) % 16).toBe(0);
      expect(decryptMppeKey(value, secret, ra)?.equals(key)).toBe(true);
    }
  });

  it('refuses a salt without the top bit set or of the wrong size', () => {
    expect(() => encryptMppeKey(sendKey, secret, ra, Buffer.from('0a31', 'hex'))).toThrow(RangeError);
    expect(() => encryptMppeKey(sendKey, secret, ra, Buffer.from('8a', 'hex'))).toThrow(RangeError);
  });

  it('returns null instead of throwing for values that cannot be salted keys', () => {
    const value = encryptMppeKey(sendKey, secret, ra, salt);
    expect(decryptMppeKey(Buffer.alloc(0), secret, ra)).toBeNull();
    expect(decryptMppeKey(value.subarray(0, 17), secret, ra)).toBeNull();
    expect(decryptMppeKey(value.subarray(0, 33), secret, ra)).toBeNull();
    const noTopBit = Buffer.from(value);
    noTopBit[0] = (noTopBit[0] as number) & 0x7f;
    expect(decryptMppeKey(noTopBit, secret, ra)).toBeNull();
  });

  it('returns null when the decrypted key length exceeds the value', () => {
    // One block whose first plaintext byte decrypts to 255 (> 15 bytes available).
    const block = xor(Buffer.concat([Buffer.of(255), Buffer.alloc(15)]), md5(secret, ra, salt));
    expect(decryptMppeKey(Buffer.concat([salt, block]), secret, ra)).toBeNull();
  });
});

describe('newMppeSalts', () => {
  it('returns distinct 2-byte salts with the top bit set', () => {
    const salts = newMppeSalts(1000);
    expect(salts.length).toBe(1000);
    expect(new Set(salts.map((s) => s.toString('hex'))).size).toBe(1000);
    for (const s of salts) {
      expect(s.length).toBe(2);
      expect((s[0] as number) & 0x80).toBe(0x80);
    }
  });

  it('refuses more salts than the 15-bit space holds', () => {
    expect(() => newMppeSalts(0x8001)).toThrow(RangeError);
  });
});

describe('MS-CHAP-MPPE-Keys hiding', () => {
  it('hides the 24-byte v1 keys like User-Password, giving 32 bytes', () => {
    const keys = Buffer.concat([Buffer.alloc(8), Buffer.from('41C00C584BD2D91C4017A2A12FA59F3F', 'hex')]);
    const hidden = hideMsChapMppeKeys(keys, secret, ra);
    expect(hidden.length).toBe(32);
    expect(revealUserPassword(hidden, secret, ra)?.equals(keys)).toBe(true);
  });

  it('refuses keys that are not 24 bytes', () => {
    expect(() => hideMsChapMppeKeys(Buffer.alloc(16), secret, ra)).toThrow(RangeError);
  });
});

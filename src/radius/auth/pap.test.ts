import { describe, expect, it } from 'vitest';
import { hideUserPassword, revealUserPassword, verifyPap } from './pap.js';

const secret = Buffer.from('testing123');
// Golden Access-Request from radius.md §4/§5 (radclient 3.2.1).
const goldenRa = Buffer.from('35f28d609d96043ae932ddc9a5b7e99d', 'hex');
const goldenHidden = Buffer.from('876d29c75b441cf4bae4ef878a638e3b', 'hex');
const ra = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

describe('User-Password hiding', () => {
  it('hides secretpw to the golden value from radius.md', () => {
    expect(hideUserPassword(Buffer.from('secretpw'), secret, goldenRa).toString('hex')).toBe(goldenHidden.toString('hex'));
  });

  it('reveals the golden User-Password secretpw from radius.md', () => {
    expect(revealUserPassword(goldenHidden, secret, goldenRa)?.toString()).toBe('secretpw');
  });

  it('round-trips passwords that span several 16-byte blocks', () => {
    for (const length of [1, 15, 16, 17, 31, 32, 100, 128]) {
      const password = Buffer.alloc(length, 0x61 + (length % 26));
      const hidden = hideUserPassword(password, secret, ra);
      expect(hidden.length).toBe(Math.ceil(length / 16) * 16);
      expect(revealUserPassword(hidden, secret, ra)?.equals(password)).toBe(true);
    }
  });

  it('feeds the ciphertext, not the plaintext, into the next block', () => {
    const a = hideUserPassword(Buffer.alloc(32, 0x41), secret, ra);
    const b = hideUserPassword(Buffer.concat([Buffer.alloc(16, 0x41), Buffer.alloc(16, 0x42)]), secret, ra);
    // Same first block, so the second keystream block must be identical too.
    expect(a.subarray(0, 16).equals(b.subarray(0, 16))).toBe(true);
    const xor = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) xor[i] = (a[16 + i] as number) ^ (b[16 + i] as number);
    expect(xor.equals(Buffer.alloc(16, 0x41 ^ 0x42))).toBe(true);
  });

  it('hides an empty password as one block of padding', () => {
    const hidden = hideUserPassword(Buffer.alloc(0), secret, ra);
    expect(hidden.length).toBe(16);
    expect(revealUserPassword(hidden, secret, ra)?.length).toBe(0);
  });

  it('refuses to hide a password longer than 128 bytes', () => {
    expect(() => hideUserPassword(Buffer.alloc(129, 0x61), secret, ra)).toThrow(RangeError);
  });

  it('returns null instead of throwing for hidden values of impossible length', () => {
    for (const length of [0, 1, 15, 17, 33, 144]) {
      expect(revealUserPassword(Buffer.alloc(length, 1), secret, ra)).toBeNull();
    }
    expect(revealUserPassword(goldenHidden, secret, Buffer.alloc(15))).toBeNull();
  });

  it('accepts the right password and rejects a wrong one', () => {
    expect(verifyPap(goldenHidden, secret, goldenRa, Buffer.from('secretpw'))).toBe(true);
    expect(verifyPap(goldenHidden, secret, goldenRa, Buffer.from('secretpx'))).toBe(false);
    expect(verifyPap(goldenHidden, secret, goldenRa, Buffer.from('secretpw1'))).toBe(false);
    expect(verifyPap(goldenHidden, secret, goldenRa, Buffer.from('secret'))).toBe(false);
    expect(verifyPap(goldenHidden, Buffer.from('wrongsecret'), goldenRa, Buffer.from('secretpw'))).toBe(false);
  });

  it('rejects malformed hidden values without throwing', () => {
    expect(verifyPap(Buffer.alloc(0), secret, ra, Buffer.alloc(0))).toBe(false);
    expect(verifyPap(Buffer.alloc(20), secret, ra, Buffer.from('x'))).toBe(false);
  });
});

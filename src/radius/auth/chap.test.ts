import { describe, expect, it } from 'vitest';
import { computeChapPassword, verifyChap } from './chap.js';

// Golden value from radius.md §6 (radtest -t chap, challenge = Request Authenticator).
const goldenRa = Buffer.from('1f02518505adbdb29bc1d37cdb73f923', 'hex');
const goldenChapPassword = Buffer.from('e1a135371569b8c6bb83672659b922a3b8', 'hex');
const password = Buffer.from('secretpw');

describe('CHAP', () => {
  it('computes the golden CHAP-Password from radius.md', () => {
    expect(computeChapPassword(0xe1, password, goldenRa).toString('hex')).toBe(goldenChapPassword.toString('hex'));
  });

  it('accepts the golden CHAP-Password with the right password', () => {
    expect(verifyChap(goldenChapPassword, goldenRa, password)).toBe(true);
  });

  it('rejects a wrong password, a different challenge or a changed ident', () => {
    expect(verifyChap(goldenChapPassword, goldenRa, Buffer.from('secretpx'))).toBe(false);
    const otherChallenge = Buffer.from(goldenRa);
    otherChallenge[0] = 0;
    expect(verifyChap(goldenChapPassword, otherChallenge, password)).toBe(false);
    const otherIdent = Buffer.from(goldenChapPassword);
    otherIdent[0] = 0xe2;
    expect(verifyChap(otherIdent, goldenRa, password)).toBe(false);
  });

  it('returns false instead of throwing when CHAP-Password is not 17 bytes', () => {
    expect(verifyChap(Buffer.alloc(0), goldenRa, password)).toBe(false);
    expect(verifyChap(goldenChapPassword.subarray(0, 16), goldenRa, password)).toBe(false);
    expect(verifyChap(Buffer.concat([goldenChapPassword, Buffer.of(0)]), goldenRa, password)).toBe(false);
  });

  it('returns false for an empty challenge', () => {
    expect(verifyChap(goldenChapPassword, Buffer.alloc(0), password)).toBe(false);
  });

  it('refuses an ident outside one byte', () => {
    expect(() => computeChapPassword(256, password, goldenRa)).toThrow(RangeError);
    expect(() => computeChapPassword(-1, password, goldenRa)).toThrow(RangeError);
  });
});

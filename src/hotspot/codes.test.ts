import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, codeSpace, generateCode } from './codes.js';

describe('voucher codes', () => {
  it('use no character a person could misread: no 0, O, 1, I or l, and no lower case', () => {
    expect(CODE_ALPHABET).not.toMatch(/[0O1Il]/);
    expect(CODE_ALPHABET).not.toMatch(/[a-z]/);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
  });

  it('are drawn only from the alphabet, after the prefix, at the asked length', () => {
    for (let i = 0; i < 1000; i++) expect(generateCode(8, 'HS')).toMatch(/^HS[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/);
  });

  it('do not repeat across a million codes of eight characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) seen.add(generateCode(8));
    // 31^8 ≈ 8.5e11: the birthday bound puts the expected repeats at about 0.6; allow a few.
    expect(1_000_000 - seen.size).toBeLessThanOrEqual(5);
  });

  it('use every symbol about equally often (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 62_000; i++) for (const c of generateCode(10)) counts.set(c, (counts.get(c) ?? 0) + 1);
    const expected = 620_000 / CODE_ALPHABET.length;
    for (const symbol of CODE_ALPHABET) expect(Math.abs(counts.get(symbol)! - expected) / expected).toBeLessThan(0.05);
  });

  it('leave a code space far larger than any batch', () => {
    expect(codeSpace(8)).toBeGreaterThan(10_000 * 1_000_000);
  });
});

import { describe, expect, it } from 'vitest';
import { checkTotp, cleanCode, newTotpSecret, totpCode } from './totp.js';

const T0 = Date.UTC(2026, 2, 1, 8, 0, 10);
const STEP = 30_000;

describe('TOTP codes', () => {
  it('makes a base32 secret and an otpauth:// URI naming Lango and the account', () => {
    const { secret, uri } = newTotpSecret('amina');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Lango:amina\?/);
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toContain('period=30');
    expect(uri).toContain('digits=6');
  });

  it('accepts the code of this step and of the steps just before and after, and no further', () => {
    const { secret } = newTotpSecret('a');
    for (const offset of [-1, 0, 1]) expect(checkTotp(secret, totpCode(secret, T0 + offset * STEP), T0, null).ok, `offset ${offset}`).toBe(true);
    for (const offset of [-3, 3]) expect(checkTotp(secret, totpCode(secret, T0 + offset * STEP), T0, null)).toEqual({ ok: false, reason: 'wrong' });
  });

  it('returns the step the code belongs to, and refuses a code from that step or an earlier one again', () => {
    const { secret } = newTotpSecret('a');
    const first = checkTotp(secret, totpCode(secret, T0), T0, null);
    expect(first).toEqual({ ok: true, step: Math.floor(T0 / STEP) });
    const step = (first as { step: number }).step;
    expect(checkTotp(secret, totpCode(secret, T0), T0 + 5_000, step)).toEqual({ ok: false, reason: 'used' });
    expect(checkTotp(secret, totpCode(secret, T0 - STEP), T0, step)).toEqual({ ok: false, reason: 'used' });
    expect(checkTotp(secret, totpCode(secret, T0 + STEP), T0 + STEP, step).ok).toBe(true);
  });

  it('refuses codes that are not six digits, and forgives spaces typed inside one', () => {
    const { secret } = newTotpSecret('a');
    const code = totpCode(secret, T0);
    expect(checkTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, T0, null).ok).toBe(true);
    expect(cleanCode(' 123-456 ')).toBe('123456');
    for (const bad of ['', '12345', '1234567', 'abcdef']) expect(checkTotp(secret, bad, T0, null)).toEqual({ ok: false, reason: 'wrong' });
  });
});

import { describe, expect, it } from 'vitest';
import { formatMoney, minorDigits, parseMoney } from './money.js';

describe('money', () => {
  it('knows Kenyan shillings have cents and Ugandan shillings do not', () => {
    expect(minorDigits('KES')).toBe(2);
    expect(minorDigits('UGX')).toBe(0);
    expect(minorDigits('SSP')).toBe(2);
    expect(minorDigits('USD')).toBe(2);
  });

  it('turns typed prices into integer minor units', () => {
    expect(parseMoney('20', 'KES')).toBe(2000);
    expect(parseMoney('49.5', 'KES')).toBe(4950);
    expect(parseMoney('0.07', 'USD')).toBe(7);
    expect(parseMoney('5000', 'UGX')).toBe(5000);
  });

  it('refuses amounts a cashier could mistype', () => {
    for (const bad of ['-5', '1e3', '20.001', '', 'abc', '1,000']) {
      expect(() => parseMoney(bad, 'KES'), bad).toThrow(/not an amount in KES/);
    }
    expect(() => parseMoney('500.5', 'UGX')).toThrow(/UGX/);
  });

  it('formats minor units back for people', () => {
    expect(formatMoney(4950, 'KES')).toMatch(/KES\s?49\.50/);
    expect(formatMoney(5000, 'UGX')).toMatch(/UGX\s?5,000/);
  });
});

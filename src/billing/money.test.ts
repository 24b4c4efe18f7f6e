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

  it('shows Ugandan shillings without decimals and the others with two, in English and in Arabic pages', () => {
    // Arabic pages keep Latin digits (numberLocale in src/web/staff/ui.ts); plain 'ar' is checked too.
    for (const locale of ['en', 'ar', 'ar-u-nu-latn']) {
      const ugx = formatMoney(150_000, 'UGX', locale);
      expect(ugx, locale).toContain('UGX');
      // No decimal separator at all (Latin '.' or Arabic '٫').
      expect(ugx, locale).not.toMatch(/[.٫]/);
      expect(ugx.replace(/[^0-9٠-٩]/g, ''), locale).toMatch(/^(150000|١٥٠٠٠٠)$/);
      for (const [currency, expected] of [['KES', '1,234.50'], ['SSP', '1,234.50'], ['USD', '1,234.50']] as const) {
        const text = formatMoney(123_450, currency, locale);
        if (locale === 'ar') expect(text.replace(/[^0-9٠-٩]/g, ''), `${currency} ${locale}`).toMatch(/^(123450|١٢٣٤٥٠)$/);
        else expect(text, `${currency} ${locale}`).toContain(expected);
      }
    }
    expect(formatMoney(150_000, 'UGX', 'ar-u-nu-latn')).toMatch(/^\u200f?150,000\s?UGX$/);
    expect(formatMoney(5, 'SSP', 'ar-u-nu-latn')).toMatch(/0\.05/);
  });
});

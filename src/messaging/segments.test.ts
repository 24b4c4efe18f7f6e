import { describe, expect, it } from 'vitest';
import { countSmsParts, isGsm7, preferGsm7 } from './segments.js';

const arabic = (n: number) => 'ب'.repeat(n);

describe('SMS part counting', () => {
  it('sends 160 GSM-7 characters as one part and 161 as two', () => {
    expect(countSmsParts('a'.repeat(160))).toEqual({ encoding: 'gsm7', parts: 1, length: 160 });
    expect(countSmsParts('a'.repeat(161))).toEqual({ encoding: 'gsm7', parts: 2, length: 161 });
  });

  it('fits 153 characters per part once a GSM-7 text is split', () => {
    expect(countSmsParts('a'.repeat(306)).parts).toBe(2);
    expect(countSmsParts('a'.repeat(307)).parts).toBe(3);
    expect(countSmsParts('a'.repeat(459)).parts).toBe(3);
  });

  it('counts a euro sign as two septets and stays GSM-7', () => {
    expect(countSmsParts('€'.repeat(80))).toEqual({ encoding: 'gsm7', parts: 1, length: 160 });
    expect(countSmsParts('a'.repeat(159) + '€')).toEqual({ encoding: 'gsm7', parts: 2, length: 161 });
    expect(isGsm7('^{}\\[~]|€')).toBe(true);
  });

  it('never splits an escape sequence across two parts', () => {
    // 152 septets, then '€' would straddle the boundary: it moves whole to the second part.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
    expect(countSmsParts(text)).toMatchObject({ length: 306, parts: 3 });
  });

  it('sends Arabic as UCS-2: 70 characters in one part, 67 per part after that', () => {
    expect(countSmsParts(arabic(70))).toEqual({ encoding: 'ucs2', parts: 1, length: 70 });
    expect(countSmsParts(arabic(71))).toEqual({ encoding: 'ucs2', parts: 2, length: 71 });
    expect(countSmsParts(arabic(134)).parts).toBe(2);
    expect(countSmsParts(arabic(135)).parts).toBe(3);
  });

  it('switches a whole English text to UCS-2 for one character outside GSM-7', () => {
    expect(countSmsParts('a'.repeat(69) + 'ç')).toMatchObject({ encoding: 'ucs2', parts: 1 });
    expect(countSmsParts('a'.repeat(70) + '’')).toMatchObject({ encoding: 'ucs2', parts: 2 });
  });

  it('counts an emoji as two UTF-16 units and keeps the pair in one part', () => {
    expect(countSmsParts('🙂'.repeat(35))).toMatchObject({ encoding: 'ucs2', length: 70, parts: 1 });
    expect(countSmsParts('a'.repeat(66) + '🙂' + 'a'.repeat(10))).toMatchObject({ length: 78, parts: 2 });
    expect(countSmsParts('a'.repeat(66) + '🙂'.repeat(34))).toMatchObject({ length: 134, parts: 3 });
  });
});

describe('GSM-7 lookalikes', () => {
  it('swaps the no-break space Intl puts in amounts, and curly quotes, when that makes the text GSM-7', () => {
    expect(preferGsm7('Paid KES\u00A01,500.00 – thanks, it’s “done”…')).toBe('Paid KES 1,500.00 - thanks, it\'s "done"...');
  });

  it('leaves a text that is UCS-2 anyway as it was', () => {
    const arabic = 'استلمنا \u200F1,500.00\u00A0KES – شكرا';
    expect(preferGsm7(arabic)).toBe(arabic);
  });
});

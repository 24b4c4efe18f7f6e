import { describe, expect, it } from 'vitest';
import { maskPhone } from './logger.js';

describe('a phone number in a log line or on a page', () => {
  it('keeps the country code and the last three digits of an international number', () => {
    expect(maskPhone('+254712345678')).toBe('+2547…678');
  });

  it('keeps only the leading 07 of a national number, not eight of its ten digits', () => {
    expect(maskPhone('0712345678')).toBe('07…678');
  });

  it('hides a short value entirely', () => {
    expect(maskPhone('12345')).toBe('…');
  });
});

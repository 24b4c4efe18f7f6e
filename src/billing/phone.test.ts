import { describe, expect, it } from 'vitest';
import { normalisePhone } from './phone.js';

describe('phone numbers', () => {
  it('reads Kenyan numbers typed the local way, with the country code or with +', () => {
    for (const typed of ['0712345678', '0712 345 678', '254712345678', '+254712345678', '+254 712-345-678', '00254712345678']) {
      expect(normalisePhone(typed), typed).toBe('+254712345678');
    }
  });

  it('reads South Sudanese and Ugandan numbers with their country codes', () => {
    expect(normalisePhone('+211912345678')).toBe('+211912345678');
    expect(normalisePhone('0912345678', 'SS')).toBe('+211912345678');
    expect(normalisePhone('256772123456')).toBe('+256772123456');
  });

  it('refuses what is not a phone number', () => {
    for (const bad of ['', '12345', '07123456789', '+2547123456', 'phone', '+0712345678']) expect(normalisePhone(bad), bad).toBeUndefined();
  });
});

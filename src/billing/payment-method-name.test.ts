import { describe, expect, it } from 'vitest';
import { paymentMethodName } from './payment-method-name.js';

describe('payment method names', () => {
  it('says cash and bank transfer in the reader’s language, and mobile money by its brand in both', () => {
    expect(paymentMethodName('cash', 'en')).toBe('Cash');
    expect(paymentMethodName('cash', 'ar')).toBe('نقدًا');
    expect(paymentMethodName('bank', 'ar')).toBe('تحويل بنكي');
    expect(paymentMethodName('mpesa', 'ar')).toBe('M-Pesa');
    expect(paymentMethodName('momo', 'en')).toBe('MTN MoMo');
  });

  it('shows a method it does not know as stored, and is not fooled by object property names', () => {
    expect(paymentMethodName('equity', 'ar')).toBe('equity');
    expect(paymentMethodName('constructor', 'en')).toBe('constructor');
  });
});

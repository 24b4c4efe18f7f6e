import { describe, expect, it } from 'vitest';
import { pickProvider, type PaymentProvider } from '../../payments/index.js';

const provider = (name: string, currencies: PaymentProvider['currencies'], amountStepMinor: number) => ({ name, currencies, amountStepMinor }) as PaymentProvider;
const mpesa = provider('mpesa', ['KES'], 100);
const momoUgx = provider('momo', ['UGX'], 1);
const momoKes = provider('momo', ['KES'], 1);

describe('pickProvider', () => {
  it('prompts with M-Pesa for shillings and MoMo for its own currency', () => {
    expect(pickProvider({ currency: 'KES', priceMinor: 2000 }, [momoKes, mpesa])?.name).toBe('mpesa');
    expect(pickProvider({ currency: 'UGX', priceMinor: 1000 }, [mpesa, momoUgx])?.name).toBe('momo');
  });

  it('falls back to whichever configured provider takes the currency', () => {
    expect(pickProvider({ currency: 'KES', priceMinor: 2000 }, [momoKes])?.name).toBe('momo');
  });

  it('sells nothing no provider can take: another currency, a price off the step, or free', () => {
    expect(pickProvider({ currency: 'SSP', priceMinor: 50000 }, [mpesa, momoUgx])).toBeUndefined();
    expect(pickProvider({ currency: 'KES', priceMinor: 2050 }, [mpesa])).toBeUndefined();
    expect(pickProvider({ currency: 'KES', priceMinor: 0 }, [mpesa])).toBeUndefined();
  });
});

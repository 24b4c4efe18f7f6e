import { describe, expect, it } from 'vitest';
import { sanitisePayerText } from './payer-text.js';

describe('MoMo payer texts', () => {
  it('removes apostrophes of every kind', () => {
    expect(sanitisePayerText("Lango's internet – 7 days")).toBe('Langos internet 7 days');
    expect(sanitisePayerText('Jane’s `plan`')).toBe('Janes plan');
  });

  it('folds accents and drops characters MoMo may refuse', () => {
    expect(sanitisePayerText('Café <fibre> 10 Mb/s ✓')).toBe('Cafe fibre 10 Mb/s');
  });

  it('cuts the text at 160 characters', () => {
    expect(sanitisePayerText('a'.repeat(400))).toHaveLength(160);
  });

  it('falls back to a plain word when nothing usable is left', () => {
    expect(sanitisePayerText('إنترنت')).toBe('Payment');
    expect(sanitisePayerText('   ', 'Lango')).toBe('Lango');
  });
});

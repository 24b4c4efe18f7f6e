import { describe, expect, it } from 'vitest';
import { pickLanguage } from './language.js';

describe('pickLanguage', () => {
  it('follows ?lang= first', () => {
    expect(pickLanguage('ar', 'en-GB')).toBe('ar');
    expect(pickLanguage('EN', 'ar')).toBe('en');
  });

  it('otherwise takes the best language the browser accepts that Lango speaks', () => {
    expect(pickLanguage(undefined, 'ar-SS,ar;q=0.9,en;q=0.8')).toBe('ar');
    expect(pickLanguage(undefined, 'fr-FR,fr;q=0.9,en;q=0.5,ar;q=0.7')).toBe('ar');
    expect(pickLanguage('sw', 'sw-KE,en;q=0.3')).toBe('en');
    expect(pickLanguage(['ar'], 'ar;q=0')).toBe('en');
  });

  it('falls back to English', () => {
    expect(pickLanguage(undefined, undefined)).toBe('en');
    expect(pickLanguage(undefined, 'sw-KE')).toBe('en');
  });
});

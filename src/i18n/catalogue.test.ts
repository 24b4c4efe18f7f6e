import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { t, type MessageKey } from './index.js';

function keys(node: object, prefix = ''): string[] {
  return Object.entries(node).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`)));
}

describe('i18n catalogue', () => {
  it('renders every English key as real text, never as the key itself', () => {
    for (const key of keys(en)) {
      const text = t(key as MessageKey, { name: 'x', username: 'x', ip: 'x', value: 'x', currency: 'KES', allowed: 'a', option: 'o', command: 'c', password: 'p' });
      expect(text, key).not.toBe(key);
      expect(text.length, key).toBeGreaterThan(2);
    }
  });

  it('fills in values without HTML escaping, since texts go to routers and terminals', () => {
    expect(t('cli.unknownPlan', { name: 'Day & Night' })).toContain('"Day & Night"');
  });
});

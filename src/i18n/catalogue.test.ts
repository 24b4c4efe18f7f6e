import { describe, expect, it } from 'vitest';
import { ar } from './ar.js';
import { en } from './en.js';
import { t, type MessageKey } from './index.js';

function keys(node: object, prefix = ''): string[] {
  return Object.entries(node).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`)));
}

/** Every text of a catalogue by its dotted key. */
function texts(node: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(node)) {
    if (typeof v === 'string') out.set(`${prefix}${k}`, v);
    else for (const [key, text] of texts(v as object, `${prefix}${k}.`)) out.set(key, text);
  }
  return out;
}

/** The {{placeholders}} of a text, sorted and without repeats. */
function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]!))].sort();
}

describe('i18n catalogue', () => {
  it('renders every English key as real text, never as the key itself', () => {
    for (const key of keys(en)) {
      const text = t(key as MessageKey, { name: 'x', username: 'x', ip: 'x', value: 'x', currency: 'KES', allowed: 'a', option: 'o', command: 'c', password: 'p' });
      expect(text, key).not.toBe(key);
      expect(text.length, key).toBeGreaterThan(2);
    }
  });

  it('has every English key in Arabic, no Arabic key that English lacks, and the same placeholders in both', () => {
    const english = texts(en);
    const arabic = texts(ar);
    const missing = [...english.keys()].filter((key) => !arabic.get(key)?.trim());
    const stale = [...arabic.keys()].filter((key) => !english.has(key));
    const mismatched = [...english]
      .filter(([key]) => arabic.has(key))
      .map(([key, text]) => ({ key, en: placeholders(text), ar: placeholders(arabic.get(key)!) }))
      .filter((p) => p.en.join() !== p.ar.join())
      .map((p) => `${p.key}: English {{${p.en.join('}} {{')}}}, Arabic {{${p.ar.join('}} {{')}}}`);
    expect({ missing, stale, mismatched }).toEqual({ missing: [], stale: [], mismatched: [] });
  });

  it('fills in values without HTML escaping, since texts go to routers and terminals', () => {
    expect(t('cli.unknownPlan', { name: 'Day & Night' })).toContain('"Day & Night"');
  });
});

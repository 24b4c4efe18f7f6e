import { languages, type Language } from '../../i18n/index.js';

function isLanguage(text: string): text is Language {
  return (languages as readonly string[]).includes(text);
}

/**
 * The page language: `?lang=` when it names one Lango speaks, else the best match in the
 * browser's Accept-Language (by q value, `ar-SA` counting as `ar`), else English.
 */
export function pickLanguage(requested: unknown, acceptLanguage: string | undefined): Language {
  if (typeof requested === 'string' && isLanguage(requested.toLowerCase())) return requested.toLowerCase() as Language;
  let best: { language: Language; q: number } | undefined;
  for (const part of (acceptLanguage ?? '').split(',').slice(0, 20)) {
    const [tag = '', ...params] = part.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0] ?? '';
    if (!isLanguage(primary)) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { language: primary, q };
  }
  return best?.language ?? 'en';
}

import type { MessageEncoding } from '../db/schema/messaging.js';

// GSM 03.38: the default alphabet (one septet each) and its extension table (escape + char,
// two septets). Anything else forces the whole message into UCS-2.
const BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const EXTENSION = new Set('^{}\\[~]|€\f');

const LIMITS = {
  gsm7: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
} as const;

export interface SmsParts {
  encoding: MessageEncoding;
  /** How many SMS the text is billed as. */
  parts: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  length: number;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (!BASIC.has(char) && !EXTENSION.has(char)) return false;
  return true;
}

/**
 * The parts a text is sent as. A concatenated message loses 7 septets (or 3 UCS-2 units) per
 * part to the header, and phones never split an escape sequence or a surrogate pair across two
 * parts, so multipart counting walks the text rather than dividing its length.
 */
export function countSmsParts(text: string): SmsParts {
  const encoding: MessageEncoding = isGsm7(text) ? 'gsm7' : 'ucs2';
  // Each unit that must stay whole: a septet, an escape pair, a UTF-16 unit or a surrogate pair.
  const units: number[] = [];
  for (const char of text) units.push(encoding === 'gsm7' ? (EXTENSION.has(char) ? 2 : 1) : char.length);
  const length = units.reduce((sum, n) => sum + n, 0);
  const limit = LIMITS[encoding];
  if (length <= limit.single) return { encoding, parts: 1, length };
  let parts = 1;
  let used = 0;
  for (const n of units) {
    if (used + n > limit.part) {
      parts++;
      used = 0;
    }
    used += n;
  }
  return { encoding, parts, length };
}

// Typographic characters that pull a whole text into UCS-2 (half the characters per part,
// twice the cost) for no visible gain: Intl puts a no-break space in "KES 1,500.00", and
// word processors curl quotes pasted into templates.
const LOOKALIKES: Array<[RegExp, string]> = [
  [/[\u00A0\u2007\u2009\u202F]/g, ' '],
  [/[\u2018\u2019\u201A\u2032]/g, "'"],
  [/[\u201C\u201D\u201E\u2033]/g, '"'],
  [/[\u2013\u2014\u2212]/g, '-'],
  [/\u2026/g, '...'],
];

/**
 * The text with GSM-7 lookalikes swapped in when that makes the whole text GSM-7; otherwise
 * unchanged, since a UCS-2 message (any Arabic) carries the originals at no extra cost.
 */
export function preferGsm7(text: string): string {
  if (isGsm7(text)) return text;
  const plain = LOOKALIKES.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
  return isGsm7(plain) ? plain : text;
}

import { randomInt } from 'node:crypto';

/**
 * Characters a person reads off a card and types on a phone without mistakes: no 0/O, 1/I/l,
 * and upper case only (phones capitalise the first letter on their own; the portal upper-cases
 * what is typed). 31 symbols: 8 of them give 31^8 ≈ 8.5 × 10^11 codes.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** One code from the OS CSPRNG; randomInt draws each symbol without modulo bias. */
export function generateCode(length: number, prefix = '', alphabet = CODE_ALPHABET): string {
  let code = prefix;
  for (let i = 0; i < length; i++) code += alphabet[randomInt(alphabet.length)];
  return code;
}

/** How many codes of this shape exist: a batch may use at most a small share of them. */
export function codeSpace(length: number, alphabet = CODE_ALPHABET): number {
  return alphabet.length ** length;
}

import { describe, expect, it } from 'vitest';
import { attributesOf, encodeLength, encodeSentence, parseAttributeWord, RouterOsFramingError, SentenceReader, tagOf } from './words.js';

// mikrotik.md §8: the length table, both sides of every boundary.
const LENGTHS: Array<[number, string]> = [
  [0x00, '00'],
  [0x7f, '7f'],
  [0x80, '8080'],
  [0x3fff, 'bfff'],
  [0x4000, 'c04000'],
  [0x1fffff, 'dfffff'],
  [0x200000, 'e0200000'],
  [0xfffffff, 'efffffff'],
  [0x10000000, 'f010000000'],
];

describe('RouterOS word codec', () => {
  it.each(LENGTHS)('encodes a length of %i as the bytes %s from the protocol table', (length, hex) => {
    expect(encodeLength(length).toString('hex')).toBe(hex);
  });

  it.each([0, 0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000])('reads back a word of %i bytes whole', (length) => {
    const word = 'x'.repeat(length);
    const reader = new SentenceReader();
    expect(reader.push(encodeSentence(['!re', `=v=${word}`]))).toEqual([['!re', `=v=${word}`]]);
  });

  it('reads a sentence that arrives one byte at a time', () => {
    const bytes = encodeSentence(['!re', '=name=ether1', `=comment=${'é'.repeat(100)}`, '.tag=7']);
    const reader = new SentenceReader();
    const seen: string[][] = [];
    for (const byte of bytes) seen.push(...reader.push(Buffer.from([byte])));
    expect(seen).toEqual([['!re', '=name=ether1', `=comment=${'é'.repeat(100)}`, '.tag=7']]);
  });

  it('reads several sentences from one chunk and keeps a partial one for the next', () => {
    const bytes = Buffer.concat([encodeSentence(['!re', '=a=1']), encodeSentence(['!done'])]);
    const reader = new SentenceReader();
    expect(reader.push(bytes.subarray(0, bytes.length - 2))).toEqual([['!re', '=a=1']]);
    expect(reader.push(bytes.subarray(bytes.length - 2))).toEqual([['!done']]);
  });

  it.each([0xf8, 0xff])('rejects a first byte of %i (a control byte) as a framing error', (byte) => {
    expect(() => new SentenceReader().push(Buffer.from([byte]))).toThrow(RouterOsFramingError);
  });

  it('splits an attribute on its first two equals signs only', () => {
    expect(parseAttributeWord('=a=b=c')).toEqual(['a', 'b=c']);
    expect(parseAttributeWord('=empty=')).toEqual(['empty', '']);
    expect(attributesOf(['!re', '=a=b=c', '.tag=3', '=.id=*1A'])).toEqual({ a: 'b=c', '.id': '*1A' });
  });

  it('finds the tag of a reply sentence', () => {
    expect(tagOf(['!done', '=ret=*5', '.tag=12'])).toBe('12');
    expect(tagOf(['!fatal', 'session terminated'])).toBeUndefined();
  });
});

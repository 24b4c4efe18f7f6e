// The RouterOS API's framing (mikrotik.md §8): a word is a variable-length length prefix and
// its bytes, a sentence is words ended by an empty word. Both the client and the emulator
// under scripts/ use this one codec. Words are UTF-8: RouterOS stores bytes as given, and the
// names Lango writes (users, comments, hosts) are ASCII in practice.

/** A first length byte of 0xF8 or more is a control byte, not a length: the peer must hang up. */
export class RouterOsFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouterOsFramingError';
  }
}

const MAX_WORD = 16 * 1024 * 1024;

export function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x4000) return Buffer.from([(length >> 8) | 0x80, length & 0xff]);
  if (length < 0x200000) return Buffer.from([(length >> 16) | 0xc0, (length >> 8) & 0xff, length & 0xff]);
  if (length < 0x10000000) return Buffer.from([(length >>> 24) | 0xe0, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = 0xf0;
  out.writeUInt32BE(length, 1);
  return out;
}

export function encodeSentence(words: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const word of words) {
    const bytes = Buffer.from(word, 'utf8');
    parts.push(encodeLength(bytes.length), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** How many bytes the length prefix at `at` takes and the length it holds; undefined while incomplete. */
function readLength(buffer: Buffer, at: number): { size: number; length: number } | undefined {
  if (at >= buffer.length) return undefined;
  const first = buffer[at]!;
  let size: number;
  if ((first & 0x80) === 0x00) size = 1;
  else if ((first & 0xc0) === 0x80) size = 2;
  else if ((first & 0xe0) === 0xc0) size = 3;
  else if ((first & 0xf0) === 0xe0) size = 4;
  else if (first === 0xf0) size = 5;
  else throw new RouterOsFramingError(`control byte 0x${first.toString(16)} received`);
  if (at + size > buffer.length) return undefined;
  let length: number;
  switch (size) {
    case 1:
      length = first;
      break;
    case 2:
      length = ((first & 0x3f) << 8) | buffer[at + 1]!;
      break;
    case 3:
      length = ((first & 0x1f) << 16) | (buffer[at + 1]! << 8) | buffer[at + 2]!;
      break;
    case 4:
      length = (first & 0x0f) * 0x1000000 + ((buffer[at + 1]! << 16) | (buffer[at + 2]! << 8) | buffer[at + 3]!);
      break;
    default:
      length = buffer.readUInt32BE(at + 1);
  }
  if (length > MAX_WORD) throw new RouterOsFramingError(`word of ${length} bytes is longer than ${MAX_WORD}`);
  return { size, length };
}

/**
 * Turns a TCP byte stream into sentences. Feed it every chunk; it returns the sentences the
 * chunk completed and keeps the rest for the next one.
 */
export class SentenceReader {
  private pending: Buffer = Buffer.alloc(0);
  private words: string[] = [];

  push(chunk: Buffer): string[][] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const sentences: string[][] = [];
    let at = 0;
    for (;;) {
      const prefix = readLength(this.pending, at);
      if (!prefix || at + prefix.size + prefix.length > this.pending.length) break;
      const start = at + prefix.size;
      at = start + prefix.length;
      if (prefix.length === 0) {
        sentences.push(this.words);
        this.words = [];
      } else {
        this.words.push(this.pending.toString('utf8', start, at));
      }
    }
    this.pending = this.pending.subarray(at);
    return sentences;
  }
}

/** `=name=value` → [name, value]; the value may itself hold `=` (split on the first two only). */
export function parseAttributeWord(word: string): [string, string] | undefined {
  if (!word.startsWith('=')) return undefined;
  const second = word.indexOf('=', 1);
  if (second < 0) return [word.slice(1), ''];
  return [word.slice(1, second), word.slice(second + 1)];
}

/** The `=name=value` words of a sentence as a record (other words ignored). */
export function attributesOf(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of words) {
    const pair = parseAttributeWord(word);
    if (pair) out[pair[0]] = pair[1];
  }
  return out;
}

/** The `.tag=` API attribute of a sentence, if any. */
export function tagOf(words: readonly string[]): string | undefined {
  for (const word of words) if (word.startsWith('.tag=')) return word.slice(5);
  return undefined;
}

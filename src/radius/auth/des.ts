import { createRequire } from 'node:module';

// des.js ships no type declarations; see md4.ts for why createRequire is used.
interface DesCipher {
  update(data: Uint8Array): number[];
}
interface DesJs {
  DES: {
    create(options: { type: 'encrypt' | 'decrypt'; key: Uint8Array; padding: boolean }): DesCipher;
  };
}

const requireCjs = createRequire(import.meta.url);
const desJs = requireCjs('des.js') as DesJs;

/**
 * Spreads a 7-byte (56-bit) key over 8 bytes, 7 key bits per byte, and sets the
 * low bit of each byte to odd parity (RFC 2759 §8.6 / §9.3). DES ignores the
 * parity bit, but setting it lets us check against the RFC's printed keys.
 */
export function expandDesKey(key7: Buffer): Buffer {
  if (key7.length !== 7) throw new RangeError(`DES key seed must be 7 bytes, got ${key7.length}`);
  const out = Buffer.alloc(8);
  let bits = 0n;
  for (const byte of key7) bits = (bits << 8n) | BigInt(byte);
  for (let i = 0; i < 8; i++) {
    const seven = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn);
    const byte = seven << 1;
    out[i] = byte | (popcount(byte) % 2 === 0 ? 1 : 0);
  }
  return out;
}

function popcount(n: number): number {
  let count = 0;
  for (let v = n; v !== 0; v >>= 1) count += v & 1;
  return count;
}

/** DES-ECB encryption of exactly one 8-byte block with an 8-byte key. */
export function desEncryptBlock(key8: Buffer, block: Buffer): Buffer {
  if (key8.length !== 8) throw new RangeError(`DES key must be 8 bytes, got ${key8.length}`);
  if (block.length !== 8) throw new RangeError(`DES block must be 8 bytes, got ${block.length}`);
  // padding:false matters: des.js defaults to PKCS#7 and would append a block on final().
  const cipher = desJs.DES.create({ type: 'encrypt', key: key8, padding: false });
  return Buffer.from(cipher.update(block));
}

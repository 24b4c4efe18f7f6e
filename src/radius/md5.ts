import { hash } from 'node:crypto';

// MD5 and HMAC-MD5 for the per-packet maths. Node's createHash/createHmac build an object and
// key schedule per call, which on this hardware cost more than the hashing of a RADIUS packet
// itself; the one-shot crypto.hash over a reused scratch buffer, with HMAC pads prepared once
// per secret, takes about a third less. Results are always fresh Buffers.

const scratch = Buffer.allocUnsafe(64 + 8192);

export function md5(parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  if (length > scratch.length) return hash('md5', Buffer.concat(parts as Buffer[]), 'buffer');
  let offset = 0;
  for (const part of parts) offset += part.copy(scratch, offset);
  return hash('md5', scratch.subarray(0, offset), 'buffer');
}

interface Pads {
  inner: Buffer;
  outer: Buffer;
}
const padsBySecret = new WeakMap<Buffer, Pads>();

function padsFor(secret: Buffer): Pads {
  let pads = padsBySecret.get(secret);
  if (!pads) {
    // RFC 2104: a key longer than the block is hashed first.
    const key = secret.length > 64 ? hash('md5', secret, 'buffer') : secret;
    const inner = Buffer.alloc(64, 0x36);
    const outer = Buffer.alloc(64, 0x5c);
    for (let i = 0; i < key.length; i++) {
      inner[i]! ^= key[i]!;
      outer[i]! ^= key[i]!;
    }
    pads = { inner, outer };
    padsBySecret.set(secret, pads);
  }
  return pads;
}

/** HMAC-MD5 (RFC 2104) of the concatenated parts. */
export function hmacMd5(secret: Buffer, parts: readonly Buffer[]): Buffer {
  const pads = padsFor(secret);
  return md5([pads.outer, md5([pads.inner, ...parts])]);
}

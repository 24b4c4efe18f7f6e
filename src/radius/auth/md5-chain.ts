import { md5 as md5Of } from '../md5.js';

// The MD5 "stream" shared by User-Password (RFC 2865 §5.2), MS-CHAP-MPPE-Keys
// and the salted MPPE keys (RFC 2548 §2.4): b1 = MD5(S | seed), bi = MD5(S | c(i-1)),
// ci = pi XOR bi. Both directions feed the *ciphertext* block into the next MD5.
// Input lengths must be multiples of 16; callers check that first.

function md5(a: Buffer, b: Buffer): Buffer {
  return md5Of([a, b]);
}

export function md5ChainEncrypt(plain: Buffer, secret: Buffer, seed: Buffer): Buffer {
  const out = Buffer.alloc(plain.length);
  let chain = seed;
  for (let off = 0; off < plain.length; off += 16) {
    const pad = md5(secret, chain);
    for (let i = 0; i < 16; i++) out[off + i] = (plain[off + i] as number) ^ (pad[i] as number);
    chain = out.subarray(off, off + 16);
  }
  return out;
}

export function md5ChainDecrypt(cipher: Buffer, secret: Buffer, seed: Buffer): Buffer {
  const out = Buffer.alloc(cipher.length);
  let chain = seed;
  for (let off = 0; off < cipher.length; off += 16) {
    const pad = md5(secret, chain);
    for (let i = 0; i < 16; i++) out[off + i] = (cipher[off + i] as number) ^ (pad[i] as number);
    chain = cipher.subarray(off, off + 16);
  }
  return out;
}

import { createRequire } from 'node:module';

// js-md4 ships no type declarations, so it is loaded through createRequire and
// typed here rather than through a global `declare module` that could clash
// with declarations elsewhere in the repo.
interface Md4Hasher {
  update(data: Uint8Array): Md4Hasher;
  arrayBuffer(): ArrayBuffer;
}
interface JsMd4 {
  create(): Md4Hasher;
}

const requireCjs = createRequire(import.meta.url);
const jsMd4 = requireCjs('js-md4') as JsMd4;

/**
 * MD4 digest (16 bytes).
 *
 * Node 20's OpenSSL 3 refuses createHash('md4') without the legacy provider, and
 * js-md4's default export and `.hex()` delegate to exactly that call in Node.
 * Only the `create().update().arrayBuffer()` path is pure JavaScript.
 */
export function md4(data: Buffer): Buffer {
  return Buffer.from(jsMd4.create().update(data).arrayBuffer());
}

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacMd5, md5 } from './md5.js';

describe('fast MD5 primitives', () => {
  it('hash exactly like node:crypto for every length a RADIUS packet can have', () => {
    for (const length of [0, 1, 16, 63, 64, 65, 200, 4096, 9000]) {
      const a = randomBytes(length);
      const b = randomBytes(7);
      expect(md5([a, b]).equals(createHash('md5').update(a).update(b).digest()), `md5 ${length}`).toBe(true);
      for (const secret of [Buffer.from('testing123'), randomBytes(64), randomBytes(100)]) {
        expect(hmacMd5(secret, [a, b]).equals(createHmac('md5', secret).update(a).update(b).digest()), `hmac ${length}/${secret.length}`).toBe(true);
      }
    }
  });

  it('returns a buffer of its own, not a view of the shared scratch space', () => {
    const first = md5([Buffer.from('a')]);
    const copy = Buffer.from(first);
    md5([Buffer.from('b')]);
    expect(first.equals(copy)).toBe(true);
  });
});

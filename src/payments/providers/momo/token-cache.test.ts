import { describe, expect, it } from 'vitest';
import { createTokenCache } from './token-cache.js';

function issuer(expiresInSeconds = 3600) {
  let issued = 0;
  return {
    get issued() {
      return issued;
    },
    issue: async () => {
      issued += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { token: `token-${issued}`, expiresInSeconds };
    },
  };
}

describe('MoMo token cache', () => {
  it('shares one token request among concurrent callers', async () => {
    const source = issuer();
    const cache = createTokenCache(source.issue, () => 0);
    const tokens = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    expect(source.issued).toBe(1);
  });

  it('refreshes the token five minutes before it expires', async () => {
    let now = 0;
    const source = issuer(3600);
    const cache = createTokenCache(source.issue, () => now);
    await cache.get();
    now = 54 * 60_000;
    expect(await cache.get()).toBe('token-1');
    now = 55 * 60_000;
    expect(await cache.get()).toBe('token-2');
  });

  it('refreshes a short-lived token at half its lifetime', async () => {
    let now = 0;
    const source = issuer(60);
    const cache = createTokenCache(source.issue, () => now);
    await cache.get();
    now = 29_000;
    expect(await cache.get()).toBe('token-1');
    now = 30_000;
    expect(await cache.get()).toBe('token-2');
  });

  it('drops a token MoMo refused, but not a newer one', async () => {
    const source = issuer();
    const cache = createTokenCache(source.issue, () => 0);
    await cache.get();
    cache.invalidate('token-1');
    expect(await cache.get()).toBe('token-2');
    cache.invalidate('token-1');
    expect(await cache.get()).toBe('token-2');
  });

  it('asks again after a failed token request', async () => {
    let fail = true;
    const cache = createTokenCache(async () => {
      if (fail) throw new Error('down');
      return { token: 'ok', expiresInSeconds: 3600 };
    }, () => 0);
    await expect(cache.get()).rejects.toThrow('down');
    fail = false;
    expect(await cache.get()).toBe('ok');
  });
});

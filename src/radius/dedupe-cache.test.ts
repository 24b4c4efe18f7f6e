import { describe, expect, it } from 'vitest';
import { DedupeCache } from './dedupe-cache.js';

const auth = (n: number) => Buffer.alloc(16, n);

describe('duplicate cache', () => {
  it('answers a retransmission with the cached reply', () => {
    const cache = new DedupeCache();
    const key = DedupeCache.key('10.0.0.1', 4000, 7);
    expect(cache.check(key, auth(1), 0)).toEqual({ kind: 'new' });
    cache.complete(key, auth(1), Buffer.from('reply'));
    expect(cache.check(key, auth(1), 1000)).toEqual({ kind: 'replay', reply: Buffer.from('reply') });
  });

  it('ignores a retransmission while the first copy is still being processed', () => {
    const cache = new DedupeCache();
    const key = DedupeCache.key('10.0.0.1', 4000, 7);
    cache.check(key, auth(1), 0);
    expect(cache.check(key, auth(1), 10)).toEqual({ kind: 'in_flight' });
  });

  it('treats the same identifier with a new authenticator as a new request', () => {
    const cache = new DedupeCache();
    const key = DedupeCache.key('10.0.0.1', 4000, 7);
    cache.check(key, auth(1), 0);
    cache.complete(key, auth(1), Buffer.from('old'));
    expect(cache.check(key, auth(2), 10)).toEqual({ kind: 'new' });
  });

  it('forgets a reply after 30 seconds', () => {
    const cache = new DedupeCache(30_000);
    const key = DedupeCache.key('10.0.0.1', 4000, 7);
    cache.check(key, auth(1), 0);
    cache.complete(key, auth(1), Buffer.from('reply'));
    expect(cache.check(key, auth(1), 30_001)).toEqual({ kind: 'new' });
  });

  it('lets a failed request be retried instead of swallowing the retry', () => {
    const cache = new DedupeCache();
    const key = DedupeCache.key('10.0.0.1', 4000, 7);
    cache.check(key, auth(1), 0);
    cache.forget(key, auth(1));
    expect(cache.check(key, auth(1), 5)).toEqual({ kind: 'new' });
  });

  it('drops expired entries so memory follows live traffic', () => {
    const cache = new DedupeCache(1000);
    for (let id = 0; id < 200; id++) cache.check(DedupeCache.key('10.0.0.1', 4000, id), auth(1), 0);
    cache.check(DedupeCache.key('10.0.0.2', 4000, 1), auth(1), 5000);
    expect(cache.size).toBe(1);
  });
});

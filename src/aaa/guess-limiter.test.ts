import { describe, expect, it } from 'vitest';
import { GuessLimiter } from './guess-limiter.js';

describe('the guess limiter', () => {
  it('blocks a device after the tenth wrong login within the window, and forgives it after', () => {
    const limiter = new GuessLimiter();
    for (let i = 0; i < 9; i++) limiter.failed('02:CC:00:00:00:09', 1_000);
    expect(limiter.blocked('02:CC:00:00:00:09', 1_000)).toBe(false);
    limiter.failed('02:CC:00:00:00:09', 1_000);
    expect(limiter.blocked('02:CC:00:00:00:09', 2_000)).toBe(true);
    expect(limiter.blocked('02:CC:00:00:00:10', 2_000)).toBe(false);
    expect(limiter.blocked('02:CC:00:00:00:09', 1_000 + 300_001)).toBe(false);
  });

  it('stops asking for the caller once every failure is older than the window', () => {
    const limiter = new GuessLimiter({ windowMs: 60_000 });
    limiter.failed('a', 0);
    limiter.failed('b', 30_000);
    expect(limiter.watching(50_000)).toBe(true);
    expect(limiter.watching(80_000)).toBe(true);
    expect(limiter.watching(90_001)).toBe(false);
  });
});

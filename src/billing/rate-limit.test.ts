import { describe, expect, it } from 'vitest';
import { isRateLimit } from './rate-limit.js';

describe('MikroTik rate limit strings', () => {
  it('accepts the forms MikroTik documents', () => {
    for (const ok of ['128k', '2M/2M', '64k/128M', '64k 256k', '64k/64k 256k/256k 128k/128k 10/10', '1M/5M 1M/8M 768k/4M 30/30 8 512k/2M', '2M/4M 4M/8M 1M/2M 16/16 8']) {
      expect(isRateLimit(ok), ok).toBe(true);
    }
  });

  it('refuses what a router would not understand', () => {
    for (const bad of ['', 'fast', '2M/', '2M//4M', '2G/2G', '2M/2M 4M/8M 1M/2M 16/16 9', '1 2 3 4 5 6 7']) {
      expect(isRateLimit(bad), bad).toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parseDataSize, parseDuration } from './plan-units.js';

describe('plan units', () => {
  it('reads durations the way operators write them', () => {
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('7d')).toBe(604800);
    expect(parseDuration('30D')).toBe(2592000);
  });

  it('refuses durations that are zero or unclear', () => {
    for (const bad of ['0h', '1', 'h', '1 hour', '-1h', '1.5h']) expect(() => parseDuration(bad), bad).toThrow(/not a duration/);
  });

  it('sells gigabytes in decimal units and accepts binary ones when asked', () => {
    expect(parseDataSize('1GB')).toBe(1_000_000_000);
    expect(parseDataSize('1.5GB')).toBe(1_500_000_000);
    expect(parseDataSize('500MB')).toBe(500_000_000);
    expect(parseDataSize('1GiB')).toBe(1024 ** 3);
  });

  it('refuses sizes that are zero or unclear', () => {
    for (const bad of ['0GB', '1', 'GB', '1 gigs', '-1GB']) expect(() => parseDataSize(bad), bad).toThrow(/not a data size/);
  });
});

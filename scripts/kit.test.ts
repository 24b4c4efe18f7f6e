import { describe, expect, it } from 'vitest';
import { daemonErrorLines, mulberry32, parseMetrics, positive, round, sample, samplesOf } from './kit.js';

const METRICS = [
  '# HELP lango_radius_drops_total Datagrams dropped, by reason.',
  '# TYPE lango_radius_drops_total counter',
  'lango_radius_drops_total{reason="bad_authenticator"} 3',
  'lango_radius_drops_total{reason="unknown_nas"} 12',
  'lango_radius_requests_total{type="access",result="accept"} 40',
  'lango_radius_requests_total{type="access",result="reject"} 2',
  'lango_process_nodejs_heap_size_used_bytes 1048576',
  '',
].join('\n');

describe('script kit', () => {
  it('replays the same random sequence for the same seed, and a different one for another seed', () => {
    const take = (seed: number) => {
      const next = mulberry32(seed);
      return Array.from({ length: 5 }, next);
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    for (const n of take(7)) expect(n >= 0 && n < 1).toBe(true);
  });

  it('reads Prometheus samples with their labels and skips comments', () => {
    const samples = parseMetrics(METRICS);
    expect(samples).toHaveLength(5);
    expect(samplesOf(samples, 'lango_radius_drops_total').map((s) => [s.labels.reason, s.value])).toEqual([
      ['bad_authenticator', 3],
      ['unknown_nas', 12],
    ]);
    expect(sample(METRICS, 'lango_radius_requests_total', { result: 'reject' })).toBe(2);
    expect(sample(METRICS, 'lango_process_nodejs_heap_size_used_bytes')).toBe(1048576);
  });

  it('answers 0 for a sample that is not there, and does not match a longer name', () => {
    expect(sample(METRICS, 'lango_radius_drops_total', { reason: 'too_short' })).toBe(0);
    expect(sample(METRICS, 'lango_radius_drops')).toBe(0);
  });

  it('refuses a flag that is not a positive integer, and takes a fraction where one is allowed', () => {
    expect(positive('packets', undefined)).toBeUndefined();
    expect(positive('packets', '1000')).toBe(1000);
    expect(() => positive('packets', '1.5')).toThrow('--packets must be a positive integer, got 1.5');
    expect(() => positive('rate', '0')).toThrow('--rate must be a positive integer');
    expect(positive('minutes', '0.5', false)).toBe(0.5);
    expect(() => positive('minutes', 'soon', false)).toThrow('--minutes must be a positive number, got soon');
  });

  it('picks error-level and non-JSON lines out of a daemon log', () => {
    const lines = ['{"level":30,"msg":"Lango is listening"}', '{"level":50,"msg":"boom"}', 'TypeError: x is undefined', '{"level":40,"msg":"unknown NAS"}'];
    expect(daemonErrorLines(lines)).toEqual(['{"level":50,"msg":"boom"}', 'TypeError: x is undefined']);
  });

  it('rounds to the digits asked for', () => {
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(1234.5, 0)).toBe(1235);
  });
});

import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { zoneFor } from './zone.js';

describe('remembered zones', () => {
  it('give the same offsets as the tz database, across the 2021 change in Juba and British summer time', () => {
    fc.assert(
      fc.property(fc.constantFrom('Africa/Juba', 'Africa/Nairobi', 'Africa/Kampala', 'Europe/London', 'Asia/Kathmandu'), fc.integer({ min: Date.UTC(1975, 0, 1), max: Date.UTC(2045, 0, 1) }), (name, ms) => {
        expect(zoneFor(name).offset(ms)).toBe(IANAZone.create(name).offset(ms));
      }),
      { numRuns: 3000 },
    );
    const juba = (iso: string) => DateTime.fromISO(iso, { zone: zoneFor('Africa/Juba') }).offset;
    expect(juba('2021-01-31T12:00')).toBe(180);
    expect(juba('2021-02-01T12:00')).toBe(120);
  });
});

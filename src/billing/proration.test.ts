import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { divideHalfEven, planChange, prorate } from './proration.js';

const at = (iso: string, zone = 'Africa/Nairobi') => DateTime.fromISO(iso, { zone }).toMillis();

describe('proration', () => {
  it('credits and charges a mid-March plan change in Nairobi to the cent', () => {
    // The March period is [1 March 00:00, 1 April 00:00) EAT: 31 days. From 16 March 00:00,
    // 16 of them are left. Old plan 3000 cents: 3000 x 16/31 = 1548.39 -> 1548.
    // New plan 5000 cents: 5000 x 16/31 = 2580.65 -> 2581. Net 2581 - 1548 = 1033.
    const period = { periodStart: at('2026-03-01T00:00'), periodEnd: at('2026-04-01T00:00') };
    const change = at('2026-03-16T00:00');
    expect(prorate(3000, period.periodStart, period.periodEnd, change)).toBe(1548);
    expect(planChange({ oldPriceMinor: 3000, newPriceMinor: 5000, ...period, at: change })).toEqual({
      creditMinor: 1548,
      chargeMinor: 2581,
      netMinor: 1033,
    });
    // A downgrade leaves the customer in credit: 1000 x 16/31 = 516.13 -> 516.
    expect(planChange({ oldPriceMinor: 3000, newPriceMinor: 1000, ...period, at: change }).netMinor).toBe(516 - 1548);
  });

  it('prorates a 28-day February by its own length, not a 30-day month', () => {
    // [1 Feb, 1 Mar) 2026 is 28 days; from 15 February 14 are left: exactly half.
    expect(prorate(3000, at('2026-02-01T00:00'), at('2026-03-01T00:00'), at('2026-02-15T00:00'))).toBe(1500);
  });

  it('rounds exact halves to the even neighbour', () => {
    expect(prorate(3, 0, 2, 1)).toBe(2); // 1.5 -> 2
    expect(prorate(5, 0, 2, 1)).toBe(2); // 2.5 -> 2
    expect(prorate(1, 0, 2, 1)).toBe(0); // 0.5 -> 0
    expect(prorate(7, 0, 2, 1)).toBe(4); // 3.5 -> 4
    // Half of February again: 4999 / 2 = 2499.5 -> 2500, 4997 / 2 = 2498.5 -> 2498.
    const [start, end, mid] = [at('2026-02-01T00:00'), at('2026-03-01T00:00'), at('2026-02-15T00:00')];
    expect(prorate(4999, start, end, mid)).toBe(2500);
    expect(prorate(4997, start, end, mid)).toBe(2498);
    expect(divideHalfEven(5n, 2n)).toBe(2n);
    expect(divideHalfEven(7n, 2n)).toBe(4n);
    expect(divideHalfEven(8n, 3n)).toBe(3n);
    expect(divideHalfEven(7n, 3n)).toBe(2n);
  });

  it('prorates Ugandan shillings, which have no minor digits, the same way', () => {
    // 10000 UGX x 16/31 = 5161.29 -> 5161.
    const kampala = 'Africa/Kampala';
    expect(prorate(10_000, at('2026-03-01T00:00', kampala), at('2026-04-01T00:00', kampala), at('2026-03-16T00:00', kampala))).toBe(5161);
  });

  it('charges everything before the period and nothing after it', () => {
    expect(prorate(3000, 1000, 2000, 0)).toBe(3000);
    expect(prorate(3000, 1000, 2000, 1000)).toBe(3000);
    expect(prorate(3000, 1000, 2000, 2000)).toBe(0);
    expect(prorate(3000, 1000, 2000, 5000)).toBe(0);
    expect(prorate(0, 1000, 2000, 1500)).toBe(0);
  });

  it('stays exact where floating point would not: a large amount over a long period', () => {
    // 9e15 x (period - 1 ms) is far past 2^53; the exact answer is just under the amount.
    const amount = 9_000_000_000_000_000;
    const end = 8_000_000_000_000;
    expect(prorate(amount, 0, end, 1)).toBe(Number(divideHalfEven(BigInt(amount) * BigInt(end - 1), BigInt(end))));
    expect(prorate(amount, 0, end, 1)).toBeLessThan(amount);
  });

  it('refuses negative amounts, empty or reversed periods and non-integers', () => {
    expect(() => prorate(-1, 0, 10, 5)).toThrow(/amount must be a non-negative whole number/);
    expect(() => prorate(1.5, 0, 10, 5)).toThrow(/amount/);
    expect(() => prorate(100, 10, 10, 5)).toThrow(/period end \(10\) must be after period start \(10\)/);
    expect(() => prorate(100, 10, 0, 5)).toThrow(/must be after/);
    expect(() => prorate(100, 0, 10, Number.NaN)).toThrow(/from must be whole/);
    expect(() => planChange({ oldPriceMinor: 100, newPriceMinor: -5, periodStart: 0, periodEnd: 10, at: 5 })).toThrow(/new price/);
    expect(() => divideHalfEven(-1n, 2n)).toThrow(/numerator/);
    expect(() => divideHalfEven(1n, 0n)).toThrow(/denominator/);
  });

  const amount = fc.integer({ min: 0, max: 10_000_000_000 });
  const period = fc
    .tuple(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.integer({ min: 1, max: 100 * 86_400_000 }))
    .map(([start, length]) => ({ start, end: start + length }));
  /** An instant somewhere around the period, including before and after it. */
  const around = (p: { start: number; end: number }) => fc.integer({ min: p.start - 86_400_000, max: p.end + 86_400_000 });

  it('never prorates below zero or above the amount', () => {
    fc.assert(
      fc.property(
        amount,
        period.chain((p) => fc.tuple(fc.constant(p), around(p))),
        (amount, [p, from]) => {
          const part = prorate(amount, p.start, p.end, from);
          expect(Number.isSafeInteger(part)).toBe(true);
          expect(part).toBeGreaterThanOrEqual(0);
          expect(part).toBeLessThanOrEqual(amount);
        },
      ),
    );
  });

  it('never charges more for starting later in the period', () => {
    fc.assert(
      fc.property(
        amount,
        period.chain((p) => fc.tuple(fc.constant(p), around(p), around(p))),
        (amount, [p, a, b]) => {
          const [early, late] = a <= b ? [a, b] : [b, a];
          expect(prorate(amount, p.start, p.end, early)).toBeGreaterThanOrEqual(prorate(amount, p.start, p.end, late));
        },
      ),
    );
  });

  it('splits a plan change into the proration of each plan at the same instant', () => {
    fc.assert(
      fc.property(
        amount,
        amount,
        period.chain((p) => fc.tuple(fc.constant(p), around(p))),
        (oldPriceMinor, newPriceMinor, [p, changeAt]) => {
          const result = planChange({ oldPriceMinor, newPriceMinor, periodStart: p.start, periodEnd: p.end, at: changeAt });
          expect(result.creditMinor).toBe(prorate(oldPriceMinor, p.start, p.end, changeAt));
          expect(result.chargeMinor).toBe(prorate(newPriceMinor, p.start, p.end, changeAt));
          expect(result.netMinor).toBe(result.chargeMinor - result.creditMinor);
        },
      ),
    );
  });

  it('rounds to the nearest whole, ties to even', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 18n }), (n, d) => {
        const q = divideHalfEven(n, d);
        const error = q * d - n; // how far q is from n/d, in units of 1/d
        const twice = 2n * (error < 0n ? -error : error);
        expect(twice <= d).toBe(true);
        if (twice === d) expect(q % 2n).toBe(0n);
      }),
    );
  });
});

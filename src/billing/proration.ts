/*
 * Proration by elapsed milliseconds of the period, not by days, so 28-, 30- and 31-day months
 * (and DST days of 23 or 25 hours) all prorate exactly. The maths is BigInt because
 * amount x milliseconds overflows 2^53 for ordinary prices, and rounding is half to even
 * so that ties do not bias every invoice the same way. Amounts are integer minor units
 * (KES cents, whole UGX), so one rule serves every currency.
 */

/** Half-to-even rounding of numerator/denominator for non-negative bigint or safe-integer inputs. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n) throw new Error(`numerator must not be negative, got ${numerator}`);
  if (denominator <= 0n) throw new Error(`denominator must be positive, got ${denominator}`);
  const quotient = numerator / denominator;
  const twiceRemainder = (numerator % denominator) * 2n;
  if (twiceRemainder > denominator) return quotient + 1n;
  if (twiceRemainder === denominator && quotient % 2n === 1n) return quotient + 1n;
  return quotient;
}

/** The part of `amountMinor` for [from, periodEnd) out of [periodStart, periodEnd), rounded half to even (banker's rounding), exact (BigInt maths), 0 when from >= periodEnd, amountMinor when from <= periodStart. */
export function prorate(amountMinor: number, periodStart: number, periodEnd: number, from: number): number {
  checkAmount(amountMinor, 'amount');
  checkPeriod(periodStart, periodEnd);
  checkTime(from, 'from');
  if (from >= periodEnd) return 0;
  if (from <= periodStart) return amountMinor;
  return Number(divideHalfEven(BigInt(amountMinor) * BigInt(periodEnd - from), BigInt(periodEnd - periodStart)));
}

/** Mid-cycle plan change: credit for the unused part of the old plan and charge for the rest of the period on the new plan. */
export function planChange(input: {
  oldPriceMinor: number;
  newPriceMinor: number;
  periodStart: number;
  periodEnd: number;
  at: number;
}): { creditMinor: number; chargeMinor: number; netMinor: number } {
  checkAmount(input.oldPriceMinor, 'old price');
  checkAmount(input.newPriceMinor, 'new price');
  // Each side is rounded on its own so the credit matches what a plain cancellation would
  // refund and the charge what a plain start would bill; net is what the customer owes
  // (negative: what they are owed).
  const creditMinor = prorate(input.oldPriceMinor, input.periodStart, input.periodEnd, input.at);
  const chargeMinor = prorate(input.newPriceMinor, input.periodStart, input.periodEnd, input.at);
  return { creditMinor, chargeMinor, netMinor: chargeMinor - creditMinor };
}

function checkAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${what} must be a non-negative whole number of minor units, got ${String(value)}`);
  }
}

function checkTime(value: number, what: string): void {
  // Whole milliseconds, because BigInt refuses fractions and a NaN would silently compare false.
  if (!Number.isSafeInteger(value)) throw new Error(`${what} must be whole UTC epoch milliseconds, got ${String(value)}`);
}

function checkPeriod(start: number, end: number): void {
  checkTime(start, 'period start');
  checkTime(end, 'period end');
  if (end <= start) throw new Error(`period end (${end}) must be after period start (${start})`);
}

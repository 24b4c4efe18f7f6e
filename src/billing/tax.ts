/**
 * Pricing one invoice line: discounts, then taxes. Pure; no clock, no database.
 *
 * Rounding rule, as an operator may be asked to explain it to a customer or a tax officer:
 *
 * 1. Amounts are whole minor units (KES cents, whole UGX). Rates are basis points (1600 = 16 %).
 *    All arithmetic is exact integer arithmetic (BigInt); nothing passes through a float.
 * 2. Rounding is half-to-even ("banker's rounding"): 0.5 of a minor unit goes to the even
 *    neighbour, so 12.5 -> 12 and 13.5 -> 14. It happens once per tax per line, and once per
 *    percent discount per line; never on invoice totals, which are plain sums of the lines.
 * 3. Discounts come off the entered amount (quantity × unit price) in the order given; a
 *    percent discount is a percentage of what is left after the discounts before it. The total
 *    discount is capped at the entered amount, so a line is never negative.
 * 4. Exclusive prices: net = entered amount − discount. Each tax is rate × its base, where the
 *    base is the net, or, for a compound tax, the net plus the taxes listed before it (Kenya:
 *    VAT is charged on price + excise duty). Gross = net + the taxes.
 * 5. Tax-inclusive prices: the entered amount − discount is the gross the customer pays, and it
 *    is never changed. The combined multiplier M (e.g. 1.15 × 1.16 = 1.334 for excise 15 % then
 *    compound VAT 16 %) gives net = round(gross ÷ M); each tax is then worked out from that net
 *    exactly as in rule 4, and whatever rounding remainder is left is added to or taken from the
 *    last tax so that net + taxes = gross exactly. The remainder is 0 or ±1 minor unit for any
 *    class of at most two rules each under 50 % (Kenya's excise then VAT, a single VAT); so the last
 *    tax can differ from rate × its base by up to 1½ minor units (½ rounding + 1 remainder),
 *    every other tax by at most ½.
 *    If the rounded net would leave more than ±1, or make the last tax negative, the net is
 *    instead the one nearest gross ÷ M that leaves at most ±1 (or, failing that, the smallest
 *    remainder possible). That only happens with unusual classes: several rules that all round up
 *    on the same step, or compound rates of 50 % and more.
 * 6. Exempt lines, and lines whose plan has no tax class, carry no tax: gross = net.
 */

export interface TaxRule {
  code: string; // 'VAT', 'EXCISE'
  name: string; // 'VAT 16%'
  rateBasisPoints: number; // 1600
  /** true: this tax is applied on top of the base plus the taxes before it (Kenya: VAT is charged on price + excise duty). */
  compound: boolean;
}

/** A plan's tax class: an ordered list of rules, and whether the plan's price already includes them. */
export interface TaxClass {
  code: string;
  inclusive: boolean;
  rules: TaxRule[];
}

export type Discount = { kind: 'percent'; basisPoints: number; label: string } | { kind: 'fixed'; amountMinor: number; label: string };

/** Active over [startsAt, endsAt) in epoch ms; null means open on that side. */
export interface Promotion {
  code: string;
  discount: Discount;
  startsAt: number | null;
  endsAt: number | null;
}

export interface LineInput {
  description: string;
  quantity: number;
  unitPriceMinor: number;
  taxClass: TaxClass | null;
  exempt: boolean;
  discounts: Discount[];
}

export interface PricedTax {
  code: string;
  name: string;
  rateBasisPoints: number;
  baseMinor: number;
  amountMinor: number;
}

export interface PricedLine {
  description: string;
  quantity: number;
  unitPriceMinor: number;
  /**
   * Total discount, as a positive number, taken off the entered amount (quantity × unit price).
   * For an exclusive class that amount is pre-tax, so netMinor = entered − discount; for an
   * inclusive class it is the price the customer pays, so grossMinor = entered − discount.
   */
  discountMinor: number;
  /** After discount, before tax. */
  netMinor: number;
  taxes: PricedTax[];
  taxMinor: number;
  /** Always exactly netMinor + taxMinor. */
  grossMinor: number;
}

export interface InvoiceTotals {
  netMinor: number;
  taxMinor: number;
  grossMinor: number;
  discountMinor: number;
  taxes: Array<{ code: string; name: string; rateBasisPoints: number; amountMinor: number }>;
}

const BASIS = 10_000n;
/** 100 %: an ad-valorem rate above this on an ISP service is far likelier a mistyped 1600 than a real tax. */
const MAX_RATE_BASIS_POINTS = 10_000;

/** A plain-English reason the rule cannot be used, or null when it is fine. */
export function validateTaxRule(rule: TaxRule): string | null {
  if (typeof rule.code !== 'string' || rule.code.trim() === '') return 'The tax needs a code, such as VAT or EXCISE.';
  if (rule.code !== rule.code.trim()) return `The tax code "${rule.code}" has spaces at the start or end.`;
  if (typeof rule.name !== 'string' || rule.name.trim() === '') return `The tax ${rule.code} needs a name to print on invoices, such as "VAT 16%".`;
  if (!Number.isInteger(rule.rateBasisPoints)) {
    return `The rate of ${rule.code} must be a whole number of basis points (1600 means 16%), not ${String(rule.rateBasisPoints)}.`;
  }
  if (rule.rateBasisPoints < 0) return `The rate of ${rule.code} cannot be negative.`;
  if (rule.rateBasisPoints > MAX_RATE_BASIS_POINTS) {
    return `The rate of ${rule.code} is ${rule.rateBasisPoints} basis points, more than 100%; rates are in basis points, so 16% is 1600.`;
  }
  if (typeof rule.compound !== 'boolean') return `Say whether ${rule.code} is charged on top of the taxes before it (compound) or not.`;
  return null;
}

/** Promotions in force at `at`, in the order given. */
export function activePromotions(promotions: Promotion[], at: number): Promotion[] {
  return promotions.filter((p) => (p.startsAt === null || at >= p.startsAt) && (p.endsAt === null || at < p.endsAt));
}

export function priceLine(line: LineInput): PricedLine {
  const { quantity, unitPriceMinor } = line;
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new RangeError(`Quantity must be a whole number of at least 1, not ${String(quantity)}.`);
  if (!Number.isSafeInteger(unitPriceMinor) || unitPriceMinor < 0) {
    throw new RangeError(`Unit price must be a whole, non-negative number of minor units, not ${String(unitPriceMinor)}.`);
  }
  const entered = BigInt(quantity) * BigInt(unitPriceMinor);
  const discount = totalDiscount(entered, line.discounts);
  const amount = entered - discount;

  const rules = line.exempt || line.taxClass === null ? [] : line.taxClass.rules;
  for (const rule of rules) {
    const reason = validateTaxRule(rule);
    if (reason !== null) throw new RangeError(reason);
  }

  let net: bigint;
  let taxes: Array<{ rule: TaxRule; base: bigint; amount: bigint }>;
  if (rules.length > 0 && line.taxClass?.inclusive === true) {
    ({ net, taxes } = splitInclusive(amount, rules));
  } else {
    net = amount;
    taxes = taxesOn(net, rules);
  }
  const tax = taxes.reduce((sum, t) => sum + t.amount, 0n);

  return {
    description: line.description,
    quantity,
    unitPriceMinor,
    discountMinor: toSafe(discount),
    netMinor: toSafe(net),
    taxes: taxes.map((t) => ({
      code: t.rule.code,
      name: t.rule.name,
      rateBasisPoints: t.rule.rateBasisPoints,
      baseMinor: toSafe(t.base),
      amountMinor: toSafe(t.amount),
    })),
    taxMinor: toSafe(tax),
    grossMinor: toSafe(net + tax),
  };
}

/** Invoice totals. Taxes are grouped by code and rate, so VAT at 16 % and at 8 % stay separate rows. */
export function sumLines(lines: PricedLine[]): InvoiceTotals {
  let net = 0n;
  let tax = 0n;
  let gross = 0n;
  let discount = 0n;
  const byTax = new Map<string, { code: string; name: string; rateBasisPoints: number; amount: bigint }>();
  for (const line of lines) {
    net += BigInt(line.netMinor);
    tax += BigInt(line.taxMinor);
    gross += BigInt(line.grossMinor);
    discount += BigInt(line.discountMinor);
    for (const t of line.taxes) {
      const key = `${t.code}\u0000${t.rateBasisPoints}`;
      const row = byTax.get(key);
      if (row) row.amount += BigInt(t.amountMinor);
      else byTax.set(key, { code: t.code, name: t.name, rateBasisPoints: t.rateBasisPoints, amount: BigInt(t.amountMinor) });
    }
  }
  return {
    netMinor: toSafe(net),
    taxMinor: toSafe(tax),
    grossMinor: toSafe(gross),
    discountMinor: toSafe(discount),
    taxes: [...byTax.values()].map((r) => ({ code: r.code, name: r.name, rateBasisPoints: r.rateBasisPoints, amountMinor: toSafe(r.amount) })),
  };
}

function totalDiscount(entered: bigint, discounts: Discount[]): bigint {
  let left = entered;
  for (const d of discounts) {
    let off: bigint;
    if (d.kind === 'percent') {
      if (!Number.isInteger(d.basisPoints) || d.basisPoints < 0 || d.basisPoints > MAX_RATE_BASIS_POINTS) {
        throw new RangeError(`Discount "${d.label}" must be between 0 and 10000 basis points (0% to 100%), not ${String(d.basisPoints)}.`);
      }
      off = roundHalfEven(left * BigInt(d.basisPoints), BASIS);
    } else {
      if (!Number.isSafeInteger(d.amountMinor) || d.amountMinor < 0) {
        throw new RangeError(`Discount "${d.label}" must be a whole, non-negative number of minor units, not ${String(d.amountMinor)}.`);
      }
      off = BigInt(d.amountMinor);
    }
    // A voucher worth more than what is left makes the line free, not a refund.
    left -= off < left ? off : left;
  }
  return entered - left;
}

function taxesOn(net: bigint, rules: TaxRule[]): Array<{ rule: TaxRule; base: bigint; amount: bigint }> {
  let before = 0n;
  return rules.map((rule) => {
    const base = rule.compound ? net + before : net;
    const amount = roundHalfEven(base * BigInt(rule.rateBasisPoints), BASIS);
    before += amount;
    return { rule, base, amount };
  });
}

function splitInclusive(gross: bigint, rules: TaxRule[]): { net: bigint; taxes: Array<{ rule: TaxRule; base: bigint; amount: bigint }> } {
  // Taxes as an exact fraction of net, num/den with den = 10000^rules: the multiplier is (den + num) / den.
  let num = 0n;
  let den = 1n;
  for (const rule of rules) {
    const rate = BigInt(rule.rateBasisPoints);
    num = num * BASIS + rate * (rule.compound ? den + num : den);
    den *= BASIS;
  }
  const exactNet = { num: gross * den, den: den + num };

  const attempt = (net: bigint) => {
    const taxes = taxesOn(net, rules);
    const remainder = gross - net - taxes.reduce((sum, t) => sum + t.amount, 0n);
    const last = taxes[taxes.length - 1];
    const usable = last !== undefined && last.amount + remainder >= 0n;
    return { net, taxes, remainder, usable };
  };

  type Attempt = ReturnType<typeof attempt>;
  const distance = (c: Attempt) => abs(c.net * exactNet.den - exactNet.num);
  const nearest = (a: Attempt, b: Attempt) => (distance(b) < distance(a) ? b : a);
  const smallest = (a: Attempt, b: Attempt) => {
    const diff = abs(b.remainder) - abs(a.remainder);
    return diff < 0n || (diff === 0n && distance(b) < distance(a)) ? b : a;
  };

  let chosen = attempt(roundHalfEven(exactNet.num, exactNet.den));
  if (!chosen.usable || abs(chosen.remainder) > 1n) {
    // net + taxes(net) rises strictly with net, so the nets that come closest to the gross sit
    // around the largest one that does not exceed it; walk there from the rounded guess, which
    // is a few steps away at most.
    let below = chosen;
    while (below.remainder < 0n && below.net > 0n) below = attempt(below.net - 1n);
    for (let next = attempt(below.net + 1n); next.remainder >= 0n; next = attempt(next.net + 1n)) below = next;
    // `below` is always usable: a non-negative remainder cannot make the last tax negative.
    const candidates = [below, attempt(below.net + 1n), ...(below.net > 0n ? [attempt(below.net - 1n)] : [])].filter((c) => c.usable);
    const withinOne = candidates.filter((c) => abs(c.remainder) <= 1n);
    chosen = withinOne.length > 0 ? withinOne.reduce(nearest) : candidates.reduce(smallest);
  }

  const taxes = chosen.taxes.map((t, i) => (i === chosen.taxes.length - 1 ? { ...t, amount: t.amount + chosen.remainder } : t));
  return { net: chosen.net, taxes };
}

/** num / den rounded half-to-even; both non-negative, den > 0. */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const quotient = num / den;
  const twice = (num % den) * 2n;
  if (twice > den || (twice === den && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function toSafe(n: bigint): number {
  const value = Number(n);
  if (!Number.isSafeInteger(value)) throw new RangeError(`The amount ${n} minor units is too large to price exactly.`);
  return value;
}

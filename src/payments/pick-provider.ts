import type { Db } from '../db/connection.js';
import type { Currency } from '../db/schema/billing.js';
import { getSetting } from '../settings/index.js';
import type { PaymentProvider } from './provider.js';
import type { ProviderRegistry } from './registry.js';

// Which configured provider prompts a phone for a given amount: shared by the captive portal's
// "buy", the agents' token desk and the customers' Pay page, so they always agree.

/** Providers that take the currency, best first: M-Pesa first for shillings, MoMo first for anything else. */
export function providersFor(currency: Currency, candidates: readonly PaymentProvider[]): PaymentProvider[] {
  const preferred = currency === 'KES' ? ['mpesa', 'momo'] : ['momo', 'mpesa'];
  const rank = (provider: PaymentProvider) => {
    const at = preferred.indexOf(provider.name);
    return at < 0 ? preferred.length : at;
  };
  return [...candidates].sort((a, b) => rank(a) - rank(b)).filter((provider) => provider.currencies.includes(currency));
}

/**
 * The provider that prompts the phone for an amount: the best one that takes the currency and
 * the amount (M-Pesa: whole shillings).
 */
export function pickProvider(plan: { currency: Currency; priceMinor: number }, candidates: readonly PaymentProvider[]): PaymentProvider | undefined {
  return providersFor(plan.currency, candidates).find((provider) => plan.priceMinor > 0 && plan.priceMinor % provider.amountStepMinor === 0);
}

/** Providers that can take a phone payment now: set up, loading, and able to call Lango back. */
export function mobileProviders(db: Db, providers: Pick<ProviderRegistry, 'usable'>, onError?: (name: string, err: unknown) => void): PaymentProvider[] {
  if (getSetting(db, 'payments.publicUrl') === null) return [];
  return providers.usable(onError);
}

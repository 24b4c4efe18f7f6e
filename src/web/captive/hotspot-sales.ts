import { findPlanById, formatMoney, listPlans, purchasePrice } from '../../billing/index.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/connection.js';
import { LangoError } from '../../errors.js';
import { describeValidity } from '../../hotspot/index.js';
import type { Language } from '../../i18n/index.js';
import { callbackUrl, mobileProviders, pickProvider, purchaseStatus, requestPurchase, type PaymentProvider, type ProviderRegistry } from '../../payments/index.js';
import type { CaptiveBuy } from './index.js';
import type { CaptivePackage } from './portal-page.js';

// The captive portal's "buy a package", joined to the domains: prepaid plans a configured
// provider can take, and a purchase (payments' requestPurchase) whose success sells a voucher
// to the paying phone. main.ts builds it; the plugin only sees the CaptiveBuy hooks.

export interface HotspotSalesDeps {
  db: Db;
  box: SecretBox;
  providers: Pick<ProviderRegistry, 'usable'>;
  /** The operator's zone: promotions and the sale's invoice dates follow it. */
  zone?: string;
  /** A provider whose stored configuration no longer loads is left out, and said here. */
  onProviderError?: (name: string, err: unknown) => void;
}

export interface VoucherOffer {
  planId: number;
  name: string;
  /** Formatted in the page language. */
  price: string;
  /** How long it lasts, in the page language ('1 hour'). */
  description: string;
  /** The provider that prompts the buyer's phone, or null when only cash is possible. */
  provider: string | null;
}

/**
 * What a voucher can be sold as, cheapest first: every prepaid plan with a price, at what the
 * buyer pays (taxes and promotions included), with the provider that would prompt the phone
 * (null: cash only). The portal and the agents' desk list the same offers.
 */
export function voucherOffers(db: Db, zone: string, language: Language, available: readonly PaymentProvider[]): VoucherOffer[] {
  return listPlans(db)
    .filter((plan) => plan.billingKind === 'prepaid' && plan.priceMinor > 0)
    .sort((a, b) => a.priceMinor - b.priceMinor || a.name.localeCompare(b.name))
    .map((plan) => {
      const priceMinor = purchasePrice(db, plan.id, Date.now(), zone);
      return {
        planId: plan.id,
        name: plan.name,
        price: formatMoney(priceMinor, plan.currency, language === 'ar' ? 'ar-u-nu-latn' : 'en'),
        description: describeValidity(plan, language),
        provider: pickProvider({ currency: plan.currency, priceMinor }, available)?.name ?? null,
      };
    });
}

export function createHotspotSales(deps: HotspotSalesDeps): CaptiveBuy {
  const { db, box, providers } = deps;
  const configured = (): PaymentProvider[] => providers.usable(deps.onProviderError);

  return {
    async packages(language: Language): Promise<CaptivePackage[]> {
      const available = mobileProviders(db, providers, deps.onProviderError);
      if (available.length === 0) return [];
      // Only what a phone can pay for: the portal sells by mobile money alone.
      return voucherOffers(db, deps.zone ?? 'Africa/Nairobi', language, available).flatMap((offer) => (offer.provider === null ? [] : [{ ...offer, provider: offer.provider }]));
    },

    async start(input) {
      const plan = findPlanById(db, input.planId);
      if (!plan || plan.billingKind !== 'prepaid') throw new LangoError('INPUT_UNKNOWN_PLAN', { name: String(input.planId) });
      const provider = pickProvider({ currency: plan.currency, priceMinor: purchasePrice(db, plan.id, Date.now(), deps.zone ?? 'Africa/Nairobi') }, configured());
      if (!provider) throw new LangoError('PAY_NOT_CONFIGURED', { name: plan.currency === 'KES' ? 'mpesa' : 'momo' });
      // Worked out before the attempt row is written, so a missing public address leaves no attempt behind.
      const url = callbackUrl(db, box, provider);
      const { attempt } = await requestPurchase(db, provider, () => url, { planId: plan.id, phone: input.phone, actor: 'portal', now: Date.now(), zone: deps.zone });
      return { key: attempt.key };
    },

    status: (key) => purchaseStatus(db, key),
  };
}

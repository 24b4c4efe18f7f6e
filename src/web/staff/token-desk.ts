import { findPlanById, normalisePhone, purchasePrice, type Plan } from '../../billing/index.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/connection.js';
import type { Currency } from '../../db/schema/billing.js';
import { LangoError } from '../../errors.js';
import { agentFloat, sellTokenForCash } from '../../hotspot/index.js';
import type { Language } from '../../i18n/index.js';
import { callbackUrl, mobileProviders, pickProvider, purchaseStatus, requestPurchase, type PaymentProvider, type ProviderRegistry } from '../../payments/index.js';
import { getSetting } from '../../settings/index.js';
import { findAgentSaleByKey, listAgentSales, recordAgentSale, type AgentSale, type StaffMember } from '../../staff/index.js';
import { voucherOffers, type VoucherOffer } from '../captive/hotspot-sales.js';

// The agent's token page joined to the domains, as web/captive/hotspot-sales.ts is for the
// portal: a cash token is sold, paid and booked in one transaction; a mobile money token is a
// hotspot purchase (payments' requestPurchase) whose settlement sells the voucher once paid.

export type TokenPackage = VoucherOffer;

export type SaleState =
  | { state: 'issued'; code: string }
  | { state: 'waiting' }
  | { state: 'failed'; reason: 'cancelled' | 'expired' | 'failed' };

export interface IssueInput {
  seller: Pick<StaffMember, 'id' | 'username'>;
  planId: number;
  phone: string;
  payment: 'cash' | 'mobile';
  /** The form's one-time key (UUID). */
  key: string;
  now: number;
}

export interface TokenDesk {
  /** Prepaid plans with a price, cheapest first, each with its mobile money provider if any. */
  packages(language: Language): TokenPackage[];
  /** Issues (cash) or requests (mobile money) one token; the same key again returns the first sale. Throws LangoError. */
  issue(input: IssueInput): Promise<AgentSale>;
  stateOf(sale: AgentSale): SaleState;
  /** Cash the agent holds for the operator, per currency: the agent float account's balance. */
  float(staffId: number): Array<{ currency: Currency; minor: number }>;
}

export interface TokenDeskDeps {
  db: Db;
  box: SecretBox;
  providers: Pick<ProviderRegistry, 'usable'>;
  zone: string;
  onProviderError?: (name: string, err: unknown) => void;
}

const sellable = (plan: Plan) => plan.billingKind === 'prepaid' && plan.priceMinor > 0;

export function createTokenDesk(deps: TokenDeskDeps): TokenDesk {
  const { db, box, providers, zone } = deps;
  const phoneProviders = (): PaymentProvider[] => mobileProviders(db, providers, deps.onProviderError);

  const sellForCash = (input: IssueInput, plan: Plan, phone: string): AgentSale => sellTokenForCash(db, box, { key: input.key, seller: input.seller, plan, phone, now: input.now, zone });

  return {
    packages(language) {
      return voucherOffers(db, zone, language, phoneProviders());
    },

    async issue(input) {
      const existing = findAgentSaleByKey(db, input.key);
      if (existing) return existing;
      const plan = findPlanById(db, input.planId);
      if (!plan || !sellable(plan)) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: String(input.planId) });
      const phone = normalisePhone(input.phone, getSetting(db, 'operator.country'));
      if (!phone) throw new LangoError('INPUT_BAD_PHONE', { value: input.phone });
      if (input.payment === 'cash') return sellForCash(input, plan, phone);

      const provider = pickProvider({ currency: plan.currency, priceMinor: purchasePrice(db, plan.id, input.now, zone) }, phoneProviders());
      if (!provider) throw new LangoError('STAFF_NO_MOBILE_MONEY');
      const actor = `agent:${input.seller.username}`;
      const url = callbackUrl(db, box, provider);
      // A purchase of the same package for the same phone already waiting (the portal, another
      // agent, a double tap) is refused by requestPurchase rather than handed back.
      const { attempt } = await requestPurchase(db, provider, () => url, { planId: plan.id, phone, actor, now: input.now, zone });
      return recordAgentSale(db, { key: input.key, staffId: input.seller.id, method: provider.name, planId: plan.id, priceMinor: attempt.amountMinor, currency: plan.currency, phone, code: null, attemptKey: attempt.key, createdAt: input.now }).sale;
    },

    stateOf(sale) {
      if (sale.code !== null) return { state: 'issued', code: sale.code };
      const status = sale.attemptKey === null ? undefined : purchaseStatus(db, sale.attemptKey);
      if (!status || status.state === 'pending') return { state: 'waiting' };
      if (status.state === 'paid') return { state: 'issued', code: status.code };
      return { state: 'failed', reason: status.reason };
    },

    float(staffId) {
      return agentFloat(db, staffId, listAgentSales(db, staffId, 10_000).filter((sale) => sale.method === 'cash').map((sale) => sale.currency as Currency));
    },
  };
}

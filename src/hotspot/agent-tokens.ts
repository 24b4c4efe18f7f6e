import { accountBalance, accounts, post, purchasePrice, type Plan } from '../billing/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import type { Currency } from '../db/schema/billing.js';
import { findAgentSaleByKey, recordAgentSale, recordAudit, type AgentSale } from '../staff/index.js';
import { sellPaidVoucher } from './vouchers.js';

/**
 * An agent hands over a token for cash, in one transaction: a voucher sold to the recipient's
 * phone, the cash received on its account (the recipient's receipt says cash) and moved into the
 * agent's float until the agent hands it over, the plan invoiced from it, the credentials SMS
 * queued, the sale listed for the agent and audit-logged. The form's one-time key makes a double
 * tap one sale.
 */
export function sellTokenForCash(db: Db, box: SecretBox, input: { key: string; seller: { id: number; username: string }; plan: Plan; phone: string; now: number; zone: string }): AgentSale {
  return db.transaction((tx) => {
    const d = tx as Db;
    const existing = findAgentSaleByKey(d, input.key);
    if (existing) return existing;
    const { plan, now } = input;
    const actor = `agent:${input.seller.username}`;
    // Taxes and promotions included, so the sale's invoice is paid in full.
    const priceMinor = purchasePrice(d, plan.id, now, input.zone);
    const voucher = sellPaidVoucher(d, box, { plan, phone: input.phone, seller: actor, actor, method: 'cash', reference: (code) => `T-${code}`, amountMinor: priceMinor, saleKey: input.key, now, zone: input.zone });
    post(d, {
      key: `agent-float:${input.key}`,
      kind: 'payment',
      customerId: null,
      currency: plan.currency,
      occurredAt: now,
      description: `Cash for token ${voucher.code} held by agent ${input.seller.username}`,
      actor,
      entries: [
        { account: accounts.agentFloat(input.seller.id), amountMinor: priceMinor },
        { account: accounts.money('cash'), amountMinor: -priceMinor },
      ],
    });
    const { sale } = recordAgentSale(d, { key: input.key, staffId: input.seller.id, method: 'cash', planId: plan.id, priceMinor, currency: plan.currency, phone: input.phone, code: voucher.code, attemptKey: null, createdAt: now });
    recordAudit(d, actor, 'token.issue', `voucher:${voucher.code}`, { method: 'cash', plan: plan.name, priceMinor, currency: plan.currency }, now);
    return sale;
  }, { behavior: 'immediate' });
}

/** Cash an agent holds for the operator, per currency. */
export function agentFloat(db: Db, staffId: number, currencies: readonly Currency[]): Array<{ currency: Currency; minor: number }> {
  return [...new Set(currencies)].sort().map((currency) => ({ currency, minor: accountBalance(db, accounts.agentFloat(staffId), currency) }));
}

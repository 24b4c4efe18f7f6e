import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accounts, addPlan, trialBalance, type Plan } from '../../billing/index.js';
import { accountBalance } from '../../billing/ledger.js';
import { createSecretBox } from '../../crypto/secret-box.js';
import { openDatabase, type Connection } from '../../db/connection.js';
import { LangoError } from '../../errors.js';
import { listVouchers } from '../../hotspot/index.js';
import { addStaff, listAgentSales } from '../../staff/index.js';
import { createTokenDesk, type TokenDesk } from './token-desk.js';

let conn: Connection;
let desk: TokenDesk;
let plan: Plan;
let seller: { id: number; username: string };
const NOW = Date.UTC(2026, 2, 1, 9, 0);

beforeEach(async () => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-desk-')), 'lango.db'));
  plan = addPlan(conn.db, { name: '1 Hour', priceMinor: 2000, currency: 'KES', durationSeconds: 3600, validityStarts: 'first_login', rateLimit: '2M/2M' });
  addPlan(conn.db, { name: 'Home', priceMinor: 250000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M' });
  seller = (await addStaff(conn.db, { username: 'amina', role: 'agent', password: 'kibera-shop-7' })).staff;
  desk = createTokenDesk({ db: conn.db, box: createSecretBox(Buffer.alloc(32, 3)), providers: { usable: () => [] }, zone: 'Africa/Nairobi' });
});
afterEach(() => conn.close());

describe('the token desk', () => {
  it('offers prepaid packages with a price, cash only while no provider is set up', () => {
    // Intl puts a no-break space between currency and amount.
    expect(desk.packages('en').map((p) => ({ ...p, price: p.price.replace(/\u00a0/g, ' ') }))).toEqual([{ planId: plan.id, name: '1 Hour', price: 'KES 20.00', description: '1 hour', provider: null }]);
  });

  it('sells a cash token in one go: a voucher on the plan, the price in the agent’s float, revenue invoiced, the SMS queued', async () => {
    const sale = await desk.issue({ seller, planId: plan.id, phone: '0711000009', payment: 'cash', key: randomUUID(), now: NOW });
    expect(sale).toMatchObject({ method: 'cash', phone: '+254711000009', priceMinor: 2000, currency: 'KES', staffId: seller.id });
    expect(desk.stateOf(sale)).toEqual({ state: 'issued', code: sale.code });
    expect(listVouchers(conn.db, { code: sale.code! })).toMatchObject([{ plan: '1 Hour', state: 'unused' }]);
    expect(desk.float(seller.id)).toEqual([{ currency: 'KES', minor: 2000 }]);
    // The cash went to the agent, not the drawer; the books balance.
    expect(accountBalance(conn.db, accounts.money('cash'), 'KES')).toBe(0);
    expect(accountBalance(conn.db, accounts.revenue('service'), 'KES')).toBeLessThan(0);
    expect(trialBalance(conn.db)).toEqual([expect.objectContaining({ currency: 'KES', total: 0, unbalanced: 0 })]);
    const events = conn.sqlite.prepare("SELECT kind, ref FROM notification_events WHERE kind = 'credentials'").all();
    expect(events).toEqual([{ kind: 'credentials', ref: `voucher:${sale.code}:code` }]);
  });

  it('makes one sale of a form sent twice', async () => {
    const key = randomUUID();
    const first = await desk.issue({ seller, planId: plan.id, phone: '0711000009', payment: 'cash', key, now: NOW });
    const again = await desk.issue({ seller, planId: plan.id, phone: '0711000009', payment: 'cash', key, now: NOW + 1 });
    expect(again.id).toBe(first.id);
    expect(listAgentSales(conn.db, seller.id)).toHaveLength(1);
    expect(desk.float(seller.id)).toEqual([{ currency: 'KES', minor: 2000 }]);
  });

  it('refuses a bad phone, a postpaid plan and mobile money nobody set up, selling nothing', async () => {
    const code = async (input: Partial<Parameters<TokenDesk['issue']>[0]>) => {
      try {
        await desk.issue({ seller, planId: plan.id, phone: '0711000009', payment: 'cash', key: randomUUID(), now: NOW, ...input });
      } catch (err) {
        return (err as LangoError).code;
      }
      return 'sold';
    };
    expect(await code({ phone: '12345' })).toBe('INPUT_BAD_PHONE');
    expect(await code({ planId: plan.id + 1 })).toBe('INPUT_UNKNOWN_PLAN');
    expect(await code({ payment: 'mobile' })).toBe('STAFF_NO_MOBILE_MONEY');
    expect(listAgentSales(conn.db, seller.id)).toEqual([]);
    expect(listVouchers(conn.db)).toEqual([]);
  });
});

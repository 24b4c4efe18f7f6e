import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCustomer, issueInvoice, setCustomerStatus, type CustomerSummary } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import type { Connection } from '../db/connection.js';
import { invoices } from '../db/schema/ledger.js';
import { campaigns } from '../db/schema/messaging.js';
import { setSetting } from '../settings/index.js';
import { auditTrail } from '../staff/index.js';
import { DOUBLE_SUBMIT_WINDOW_MS, listCampaigns, previewCampaign, sendCampaign } from './campaigns.js';
import { listMessages } from './outbox.js';
import { addTestCustomer, openTestDatabase, zone, refusal } from './test-fixtures.js';

let conn: Connection;
let wanjiru: CustomerSummary;
let deng: CustomerSummary;
let ochieng: CustomerSummary;
const now = Date.UTC(2026, 10, 24, 9, 0);
const body = 'Hi {{name}}, {{operator}} upgrades its network tonight from 01:00 to 03:00. Sorry for the break!';

beforeEach(() => {
  conn = openTestDatabase();
  setSetting(conn.db, 'messaging.smsPartCostMinor', 80, 'test');
  wanjiru = addTestCustomer(conn, { username: 'wanjiru', fullName: 'Wanjiru Kamau', phone: '0712345678' });
  // An Arabic name makes this one rendering UCS-2, and two parts.
  deng = addTestCustomer(conn, { username: 'deng', fullName: 'دينق قرنق', phone: '+211912345678', language: 'ar' });
  ochieng = addTestCustomer(conn, { username: 'ochieng', phone: '0722000001', planName: 'Office' });
  addTestCustomer(conn, { username: 'nophone' });
});
afterEach(() => conn.close());


describe('bulk SMS campaigns', () => {
  it('previews recipients with a phone, the longest rendering in parts, the total parts and their cost', () => {
    expect(previewCampaign(conn.db, { plan: 'Home 5M' }, body)).toEqual({ recipients: 2, partsPerMessage: 2, totalParts: 3, costMinor: 240, currency: 'KES' });
    expect(previewCampaign(conn.db, {}, body)).toMatchObject({ recipients: 3, totalParts: 4, costMinor: 320 });
  });

  it('prices in the currency most customers are billed in', () => {
    const box = createSecretBox(Buffer.alloc(32, 9));
    for (const username of ['juba1', 'juba2', 'juba3', 'juba4', 'juba5']) addCustomer(conn.db, box, { username, password: 'pw', currency: 'SSP' });
    expect(previewCampaign(conn.db, {}, body).currency).toBe('SSP');
  });

  it('narrows by status, plan, billing kind, language and overdue invoices', () => {
    const names = (filter: Parameters<typeof previewCampaign>[1]) => {
      sendCampaign(conn.db, filter, `${body} ${JSON.stringify(filter)}`, 'staff:1', now);
      return listMessages(conn.db, { limit: 1000 }).filter((m) => m.body.includes(JSON.stringify(filter))).map((m) => m.customerId).sort();
    };
    const { invoice } = issueInvoice(conn.db, {
      key: 'manual:cable', customerId: ochieng.id, subscriptionId: null, currency: 'KES', taxExempt: false, issuedAt: now, dueAt: now, periodStart: null, periodEnd: null, actor: 'test', zone,
      lines: [{ description: 'Cable', quantity: 1, unitPriceMinor: 50000, taxClass: null, discounts: [], revenue: 'service' }],
    });
    conn.db.update(invoices).set({ status: 'overdue' }).where(eq(invoices.id, invoice.id)).run();
    setCustomerStatus(conn.db, 'wanjiru', 'suspended');

    expect(names({ status: 'suspended' })).toEqual([wanjiru.id]);
    expect(names({ language: 'ar' })).toEqual([deng.id]);
    expect(names({ billingKind: 'postpaid' })).toEqual([ochieng.id]);
    expect(names({ overdue: true })).toEqual([ochieng.id]);
    expect(names({ overdue: false, plan: 'Home 5M' })).toEqual([wanjiru.id, deng.id].sort());
  });

  it('queues one non-critical message per customer with a phone, in their language, audit-logged', () => {
    const { campaign, created, queued } = sendCampaign(conn.db, { plan: 'Home 5M' }, body, 'staff:3', now);

    expect(created).toBe(true);
    expect(queued).toBe(2);
    expect(campaign).toMatchObject({ recipients: 2, parts: 3, actor: 'staff:3', filter: '{"plan":"Home 5M"}' });
    const sent = listMessages(conn.db, { campaignId: campaign.id });
    expect(sent.map((m) => [m.key, m.language, m.critical, m.template, m.status])).toEqual([
      [`campaign:${campaign.id}:${deng.id}`, 'ar', false, null, 'queued'],
      [`campaign:${campaign.id}:${wanjiru.id}`, 'en', false, null, 'queued'],
    ]);
    expect(sent[1]!.body).toBe('Hi Wanjiru Kamau, Skyline Net upgrades its network tonight from 01:00 to 03:00. Sorry for the break!');
    expect(auditTrail(conn.db, `campaign:${campaign.id}`)[0]).toMatchObject({ action: 'sms.campaign.send', detail: { recipients: 2, totalParts: 3, costMinor: 240, currency: 'KES' } });
    expect(listCampaigns(conn.db)[0]).toMatchObject({ id: campaign.id, statuses: { queued: 2 } });
  });

  it('answers a double submit with the first campaign and texts nobody twice', () => {
    const first = sendCampaign(conn.db, { plan: 'Home 5M', language: undefined }, body, 'staff:3', now);
    const again = sendCampaign(conn.db, { plan: 'Home 5M' }, `  ${body}  `, 'staff:3', now + 30_000);

    expect(again).toMatchObject({ created: false, queued: 0, campaign: { id: first.campaign.id } });
    expect(listMessages(conn.db)).toHaveLength(2);
    expect(conn.db.select().from(campaigns).all()).toHaveLength(1);
  });

  it('sends the same text again once the double-submit window has passed', () => {
    sendCampaign(conn.db, { plan: 'Home 5M' }, body, 'staff:3', now);
    expect(sendCampaign(conn.db, { plan: 'Home 5M' }, body, 'staff:3', now + DOUBLE_SUBMIT_WINDOW_MS + 1).created).toBe(true);
    expect(listMessages(conn.db)).toHaveLength(4);
  });

  it('lists campaigns newest first, a page at a time', () => {
    const first = sendCampaign(conn.db, { plan: 'Home 5M' }, body, 'staff:3', now).campaign.id;
    const second = sendCampaign(conn.db, { plan: 'Home 5M' }, body, 'staff:3', now + DOUBLE_SUBMIT_WINDOW_MS + 1).campaign.id;
    expect(listCampaigns(conn.db, 1).map((c) => c.id)).toEqual([second]);
    expect(listCampaigns(conn.db, 1, 1).map((c) => c.id)).toEqual([first]);
  });

  it('refuses a placeholder a campaign cannot fill, and a filter that matches nobody', () => {
    expect(refusal(() => previewCampaign(conn.db, {}, 'Your plan {{plan}} is great')).code).toBe('INPUT_BAD_PLACEHOLDER');
    expect(refusal(() => sendCampaign(conn.db, { plan: 'No such plan' }, body, 'staff:3', now)).code).toBe('INPUT_NO_RECIPIENTS');
    expect(conn.db.select().from(campaigns).all()).toEqual([]);
  });
});

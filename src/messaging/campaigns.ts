import { and, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import { listRecipients, mainCurrency, type Recipient, type RecipientFilter } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import type { Currency } from '../db/schema/billing.js';
import { campaigns, messages, type MessageStatus } from '../db/schema/messaging.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { recordAudit } from '../staff/index.js';
import { isSendableNumber, queueMessage } from './outbox.js';
import { countSmsParts, preferGsm7 } from './segments.js';
import { checkTemplateBody, fillPlaceholders, operatorValues } from './templates.js';

export type Campaign = typeof campaigns.$inferSelect;
export type CampaignFilter = RecipientFilter;

export interface CampaignPreview {
  recipients: number;
  /** The longest rendering (names differ in length, and one non-GSM name makes that text UCS-2). */
  partsPerMessage: number;
  totalParts: number;
  /** totalParts × messaging.smsPartCostMinor; 0 when the operator has not set a part price. */
  costMinor: number;
  currency: Currency;
}

/**
 * A second identical submit (same staff member, filter and text) within this window returns
 * the first campaign instead of texting everyone twice: a double click, a browser resubmit or
 * a retried request after a timeout.
 */
export const DOUBLE_SUBMIT_WINDOW_MS = 10 * 60_000;

interface Rendered {
  recipient: Recipient;
  body: string;
  parts: number;
}

function render(db: Db, filter: CampaignFilter, text: string): Rendered[] {
  const common = operatorValues(db);
  return listRecipients(db, filter)
    .filter((recipient) => isSendableNumber(recipient.phone))
    .map((recipient) => {
      const body = preferGsm7(fillPlaceholders(text, { ...common, name: recipient.name, username: recipient.username }).trim());
      return { recipient, body, parts: countSmsParts(body).parts };
    });
}

function previewOf(db: Db, rendered: Rendered[]): CampaignPreview {
  const totalParts = rendered.reduce((sum, r) => sum + r.parts, 0);
  return {
    recipients: rendered.length,
    partsPerMessage: rendered.reduce((max, r) => Math.max(max, r.parts), 0),
    totalParts,
    costMinor: totalParts * getSetting(db, 'messaging.smsPartCostMinor'),
    currency: mainCurrency(db),
  };
}

/** What sending would cost, before anyone presses send. The body may use {{name}}, {{username}}, {{operator}}. */
export function previewCampaign(db: Db, filter: CampaignFilter, body: string): CampaignPreview {
  const text = checkTemplateBody('custom', body);
  return previewOf(db, render(db, filter, text));
}

/**
 * Queues one message per matching customer with a phone number, under the key
 * 'campaign:<id>:<customer>', with the campaign row and the audit entry, in one transaction.
 * Bulk messages are not critical: one whose send timed out is never sent again.
 */
export function sendCampaign(db: Db, filter: CampaignFilter, body: string, actor: string, now: number): { campaign: Campaign; created: boolean; queued: number; preview: CampaignPreview } {
  const text = checkTemplateBody('custom', body);
  const filterJson = canonicalJson(filter);
  return db.transaction((tx) => {
    const d = tx as Db;
    const rendered = render(d, filter, text);
    const preview = previewOf(d, rendered);
    const earlier = d
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.actor, actor), eq(campaigns.filter, filterJson), eq(campaigns.body, text), gte(campaigns.createdAt, now - DOUBLE_SUBMIT_WINDOW_MS)))
      .orderBy(desc(campaigns.id))
      .get();
    if (earlier) return { campaign: earlier, created: false, queued: 0, preview };
    if (rendered.length === 0) throw new LangoError('INPUT_NO_RECIPIENTS');
    const campaign = d
      .insert(campaigns)
      .values({ filter: filterJson, body: text, recipients: preview.recipients, parts: preview.totalParts, createdAt: now, actor })
      .returning()
      .get();
    let queued = 0;
    for (const { recipient, body: rendering } of rendered) {
      const { created } = queueMessage(d, {
        key: `campaign:${campaign.id}:${recipient.customerId}`,
        customerId: recipient.customerId,
        to: recipient.phone,
        language: recipient.language,
        template: null,
        body: rendering,
        critical: false,
        campaignId: campaign.id,
        now,
      });
      if (created) queued++;
    }
    recordAudit(d, actor, 'sms.campaign.send', `campaign:${campaign.id}`, { filter, recipients: preview.recipients, totalParts: preview.totalParts, costMinor: preview.costMinor, currency: preview.currency }, now);
    return { campaign, created: true, queued, preview };
  }, { behavior: 'immediate' });
}

export interface CampaignSummary extends Campaign {
  /** Messages by status, for progress: queued → sent → delivered, or failed/unknown. */
  statuses: Partial<Record<MessageStatus, number>>;
}

export function listCampaigns(db: Db, limit = 50, offset = 0): CampaignSummary[] {
  const rows = db.select().from(campaigns).orderBy(desc(campaigns.id)).limit(limit).offset(offset).all();
  if (rows.length === 0) return [];
  const counts = db
    .select({ campaignId: messages.campaignId, status: messages.status, n: sql<number>`count(*)` })
    .from(messages)
    .where(inArray(messages.campaignId, rows.map((r) => r.id)))
    .groupBy(messages.campaignId, messages.status)
    .all();
  return rows.map((row) => ({
    ...row,
    statuses: Object.fromEntries(counts.filter((c) => c.campaignId === row.id).map((c) => [c.status, c.n])),
  }));
}

// The same filter typed in a different order, or with absent fields spelled out, is the same campaign.
function canonicalJson(filter: CampaignFilter): string {
  const entries = Object.entries(filter)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(Object.fromEntries(entries));
}

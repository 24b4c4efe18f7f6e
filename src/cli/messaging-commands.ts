import { readFileSync } from 'node:fs';
import { findCustomerById, formatMoney } from '../billing/index.js';
import type { MessageStatus } from '../db/schema/messaging.js';
import { LangoError } from '../errors.js';
import { languages } from '../i18n/index.js';
import { configureGateway, describeGateway } from '../messaging/gateway-config.js';
import { gatewayModules } from '../messaging/gateways/index.js';
import { cancelMessage, listMessages, listTemplates, previewCampaign, queueMessage, resetTemplate, sendCampaign, setTemplate, templateKeys, type CampaignFilter, type Message } from '../messaging/index.js';
import { callbackToken } from '../payments/index.js';
import { getSetting } from '../settings/index.js';
import { choice, formatTime, json, str, table, type CliContext, type Command, type Values } from './command.js';
import { actor, customerOf } from './inputs.js';

const STATUSES: readonly MessageStatus[] = ['queued', 'sending', 'sent', 'delivered', 'failed', 'unknown', 'cancelled'];

function messageView(ctx: CliContext, m: Message) {
  return {
    id: m.id,
    created: formatTime(m.createdAt),
    to: m.recipient,
    customer: m.customerId === null ? null : (findCustomerById(ctx.db, m.customerId)?.username ?? m.customerId),
    template: m.template,
    status: m.status,
    parts: m.parts,
    attempts: m.attempts,
    error: m.lastError,
    text: m.body,
  };
}

function campaignFilter(ctx: CliContext, v: Values): CampaignFilter {
  return {
    status: choice(str(v, 'status'), ['active', 'suspended', 'terminated'] as const, 'status'),
    plan: str(v, 'plan'),
    billingKind: choice(str(v, 'billing'), ['prepaid', 'postpaid'] as const, 'billing'),
    language: choice(str(v, 'language'), languages, 'language'),
    overdue: v.overdue === true ? true : undefined,
  };
}

function configFields(v: Values): Record<string, unknown> {
  const file = str(v, 'config-file');
  const text = file !== undefined ? readFileSync(file, 'utf8') : str(v, 'config');
  if (text === undefined) throw new LangoError('PAY_BAD_CONFIG', { name: 'sms gateway set', reason: "give --config '{…}' or --config-file FILE" });
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new LangoError('PAY_BAD_CONFIG', { name: 'sms gateway', reason: 'give one JSON object, e.g. {"username":"myapp","apiKey":"…"}' });
  }
}

const filterOptions = { status: { type: 'string' }, plan: { type: 'string' }, billing: { type: 'string' }, language: { type: 'string' }, overdue: { type: 'boolean' } } as const;

export const messagingCommands: Command[] = [
  {
    words: ['sms', 'gateway', 'set'],
    summary: "Set up an SMS gateway (Africa's Talking, a generic HTTP gateway); secret fields (API key) are stored sealed. Choose it with: lango settings set --key messaging.smsGateway --value africastalking",
    usage: 'lango sms gateway set --gateway africastalking|http --config \'{"username":"myapp","apiKey":"…","from":"MYISP"}\' | --config-file FILE [--json]',
    options: { gateway: { type: 'string' }, config: { type: 'string' }, 'config-file': { type: 'string' }, ...json },
    required: ['gateway'],
    run: (ctx, v) => {
      const name = choice(str(v, 'gateway'), Object.keys(gatewayModules), 'gateway')!;
      configureGateway(ctx.db, ctx.box, name, configFields(v), actor());
      return { name, settings: describeGateway(ctx.db, name), inUse: getSetting(ctx.db, 'messaging.smsGateway') === name };
    },
    print: (r) => {
      const { name, settings, inUse } = r as { name: string; settings: Record<string, unknown>; inUse: boolean };
      return [
        `${name} is set up${inUse ? ' and in use' : ` (not in use: lango settings set --key messaging.smsGateway --value ${name})`}:`,
        ...Object.entries(settings).map(([k, val]) => `  ${k}: ${typeof val === 'string' ? val : JSON.stringify(val)}`),
      ].join('\n');
    },
  },
  {
    words: ['sms', 'dlr-url'],
    summary: 'The URL to give the SMS gateway for delivery reports.',
    usage: 'lango sms dlr-url [--json]',
    options: { ...json },
    run: (ctx) => {
      const base = getSetting(ctx.db, 'payments.publicUrl');
      if (base === null) throw new LangoError('PAY_NO_PUBLIC_URL');
      return { url: `${base.replace(/\/+$/, '')}/cb/${callbackToken(ctx.db, ctx.box, 'sms')}/dlr` };
    },
    print: (r) => (r as { url: string }).url,
  },
  {
    words: ['sms', 'list'],
    summary: 'Messages in the outbox, newest first, with their delivery status.',
    usage: 'lango sms list [--status queued|sent|delivered|failed|unknown|cancelled] [--username alice] [--limit 50] [--json]',
    options: { status: { type: 'string' }, username: { type: 'string' }, limit: { type: 'string' }, ...json },
    run: (ctx, v) => {
      const username = str(v, 'username');
      return listMessages(ctx.db, {
        status: choice(str(v, 'status'), STATUSES, 'status'),
        customerId: username === undefined ? undefined : customerOf(ctx.db, username).id,
        limit: str(v, 'limit') === undefined ? 50 : Number(str(v, 'limit')),
      }).map((m) => messageView(ctx, m));
    },
    print: (rows) => table(rows as object[], [['id', 'ID'], ['created', 'CREATED (UTC)'], ['to', 'TO'], ['customer', 'CUSTOMER'], ['template', 'TEMPLATE'], ['status', 'STATUS'], ['parts', 'PARTS'], ['error', 'LAST ERROR']]),
  },
  {
    words: ['sms', 'send'],
    summary: 'Send one message to a customer now (queued in the outbox, delivered with retries).',
    usage: 'lango sms send --username alice --text "Your router will be replaced tomorrow at 10:00." [--json]',
    options: { username: { type: 'string' }, text: { type: 'string' }, ...json },
    required: ['username', 'text'],
    run: (ctx, v) => {
      const customer = customerOf(ctx.db, str(v, 'username')!);
      if (!customer.phone) throw new LangoError('PAY_NO_PHONE');
      const now = Date.now();
      return queueMessage(ctx.db, { key: `manual:${customer.id}:${now}`, customerId: customer.id, to: customer.phone, language: customer.language, template: null, body: str(v, 'text')!, critical: false, now });
    },
    print: (r) => `Queued as message ${(r as { id: number }).id}.`,
  },
  {
    words: ['sms', 'cancel'],
    summary: 'Cancel a message that has not been sent yet.',
    usage: 'lango sms cancel --id 42 [--json]',
    options: { id: { type: 'string' }, ...json },
    required: ['id'],
    run: (ctx, v) => cancelMessage(ctx.db, Number(str(v, 'id')), actor()),
    print: () => 'Cancelled.',
  },
  {
    words: ['sms', 'bulk'],
    summary: 'A message to every customer matching the filter. Without --send it only shows how many people, SMS parts and what it costs.',
    usage: 'lango sms bulk --text "Dear {{name}}, …" [--status active] [--plan NAME] [--billing prepaid|postpaid] [--language en|ar] [--overdue] [--send] [--json]',
    options: { text: { type: 'string' }, send: { type: 'boolean' }, ...filterOptions, ...json },
    required: ['text'],
    run: (ctx, v) => {
      const filter = campaignFilter(ctx, v);
      const text = str(v, 'text')!;
      if (v.send !== true) return { sent: false, preview: previewCampaign(ctx.db, filter, text) };
      const result = sendCampaign(ctx.db, filter, text, actor(), Date.now());
      return { sent: true, created: result.created, queued: result.queued, preview: result.preview };
    },
    print: (r) => {
      const { sent, created, queued, preview } = r as { sent: boolean; created?: boolean; queued?: number; preview: { recipients: number; partsPerMessage: number; totalParts: number; costMinor: number; currency: 'KES' } };
      const cost = preview.costMinor > 0 ? formatMoney(preview.costMinor, preview.currency) : 'unknown (set messaging.smsPartCostMinor)';
      const summary = `${preview.recipients} recipient(s), up to ${preview.partsPerMessage} SMS part(s) each, ${preview.totalParts} parts in all, cost ${cost}.`;
      if (!sent) return `${summary}\nNothing sent. Add --send to send it.`;
      return created ? `${summary}\nQueued ${queued} message(s).` : `${summary}\nThe same message to the same people was sent a moment ago; nothing queued again.`;
    },
  },
  {
    words: ['sms', 'template', 'list'],
    summary: 'The message sent for each event, per language (the operator’s text where set, else the default).',
    usage: 'lango sms template list [--json]',
    options: { ...json },
    run: (ctx) => listTemplates(ctx.db),
    print: (rows) => table((rows as Array<{ key: string; language: string; overridden: boolean; body: string }>).map((r) => ({ ...r, overridden: r.overridden ? 'yes' : '' })), [['key', 'EVENT'], ['language', 'LANG'], ['overridden', 'CHANGED'], ['body', 'TEXT']]),
  },
  {
    words: ['sms', 'template', 'set'],
    summary: 'Change the message sent for an event in one language; --reset goes back to the default.',
    usage: `lango sms template set --key ${templateKeys.slice(0, 3).join('|')}|… --language en|ar (--text "…{{name}}…" | --reset) [--json]`,
    options: { key: { type: 'string' }, language: { type: 'string' }, text: { type: 'string' }, reset: { type: 'boolean' }, ...json },
    required: ['key', 'language'],
    run: (ctx, v) => {
      if (v.reset === true) return { reset: resetTemplate(ctx.db, str(v, 'key')!, str(v, 'language')!, actor()) };
      const text = str(v, 'text');
      if (text === undefined) throw new LangoError('PAY_BAD_CONFIG', { name: 'sms template set', reason: 'give --text "…" or --reset' });
      return setTemplate(ctx.db, str(v, 'key')!, str(v, 'language')!, text, actor());
    },
    print: (r) => ('reset' in (r as object) ? 'Back to the default text.' : `Saved: ${(r as { body: string }).body}`),
  },
];

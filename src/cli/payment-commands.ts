import { readFileSync } from 'node:fs';
import { findCustomerById, formatMoney } from '../billing/index.js';
import type { AttemptStatus } from '../db/schema/payments.js';
import { LangoError } from '../errors.js';
import { t } from '../i18n/index.js';
import {
  approveFlagged,
  callbackUrl,
  configureProvider,
  describeProvider,
  dismissFlagged,
  findAttempt,
  flaggedCallbacks,
  listAttempts,
  markCallbackReviewed,
  ProviderRegistry,
  providerModules,
  requestPayment,
  rotateCallbackToken,
  settleAttempt,
  type Attempt,
} from '../payments/index.js';
import { choice, formatTime, json, str, table, type CliContext, type Command } from './command.js';
import { actor, amount, customerOf } from './inputs.js';

const STATUSES: readonly AttemptStatus[] = ['pending', 'unknown', 'succeeded', 'failed', 'cancelled', 'expired'];

function attemptId(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw new LangoError('INPUT_BAD_COUNT', { value: String(text), option: 'id', min: 1, max: Number.MAX_SAFE_INTEGER });
  return id;
}

function providerName(text: string | undefined): string {
  return choice(text, Object.keys(providerModules), 'provider')!;
}

/** Provider settings from --config (JSON) or --config-file, so secrets need not sit in shell history. */
function configFields(v: Record<string, unknown>): Record<string, unknown> {
  const file = str(v as never, 'config-file');
  const text = file !== undefined ? readFileSync(file, 'utf8') : str(v as never, 'config');
  if (text === undefined) throw new LangoError('PAY_BAD_CONFIG', { name: 'provider set', reason: 'give --config \'{…}\' or --config-file FILE' });
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new LangoError('PAY_BAD_CONFIG', { name: 'settings', reason: 'give one JSON object, e.g. {"shortcode":"174379","consumerKey":"…"}' });
  }
}

function attemptView(ctx: CliContext, a: Attempt) {
  return {
    id: a.id,
    provider: a.provider,
    status: a.status,
    customer: a.customerId === null ? `(none: "${a.accountReference ?? ''}")` : (findCustomerById(ctx.db, a.customerId)?.username ?? a.customerId),
    amount: formatMoney(a.amountMinor, a.currency),
    phone: a.phone,
    receipt: a.receipt,
    result: a.resultCode === null ? null : `${a.resultCode} ${a.resultDesc ?? ''}`.trim(),
    review: a.reviewReason === null ? null : a.reviewedAt === null ? a.reviewReason : `done by ${a.reviewedBy}`,
    created: formatTime(a.createdAt),
  };
}

const attemptColumns: Array<[string, string]> = [
  ['id', 'ID'],
  ['created', 'CREATED (UTC)'],
  ['provider', 'PROVIDER'],
  ['customer', 'CUSTOMER'],
  ['amount', 'AMOUNT'],
  ['status', 'STATUS'],
  ['receipt', 'RECEIPT'],
  ['review', 'REVIEW'],
];

export const paymentCommands: Command[] = [
  {
    words: ['provider', 'list'],
    summary: 'Payment providers Lango knows, whether each is set up, and the callback URLs to give them.',
    usage: 'lango provider list [--json]',
    options: { ...json },
    run: (ctx) => {
      const registry = new ProviderRegistry(ctx.db, ctx.box);
      const configured = new Set(registry.configured());
      return Object.keys(providerModules).map((name) => {
        const provider = configured.has(name) ? registry.get(name) : undefined;
        let urls: string[] = [];
        try {
          urls = provider ? provider.callbacks.map((r) => callbackUrl(ctx.db, ctx.box, provider, r.path)) : [];
        } catch (err) {
          urls = [(err as Error).message];
        }
        return { name, configured: configured.has(name), callbacks: urls };
      });
    },
    print: (rows) =>
      (rows as Array<{ name: string; configured: boolean; callbacks: string[] }>)
        .map((r) => [`${r.name}: ${r.configured ? 'set up' : 'not set up'}`, ...r.callbacks.map((u) => `  callback: ${u}`)].join('\n'))
        .join('\n'),
  },
  {
    words: ['provider', 'set'],
    summary: 'Set up or change a payment provider. Secret fields (consumer secret, passkey, API key) are stored sealed with the key file.',
    usage: 'lango provider set --provider mpesa --config \'{"shortcode":"174379","consumerKey":"…","consumerSecret":"…","passkey":"…"}\' | --config-file mpesa.json [--json]',
    options: { provider: { type: 'string' }, config: { type: 'string' }, 'config-file': { type: 'string' }, ...json },
    required: ['provider'],
    run: (ctx, v) => {
      const name = providerName(str(v, 'provider'));
      configureProvider(ctx.db, ctx.box, name, configFields(v), actor());
      return { name, settings: describeProvider(ctx.db, name) };
    },
    print: (r) => {
      const { name, settings } = r as { name: string; settings: Record<string, unknown> };
      return [`${name} is set up:`, ...Object.entries(settings).map(([k, val]) => `  ${k}: ${typeof val === 'string' ? val : JSON.stringify(val)}`)].join('\n');
    },
  },
  {
    words: ['provider', 'show'],
    summary: "A provider's settings (secret fields shown only as set / not set).",
    usage: 'lango provider show --provider mpesa [--json]',
    options: { provider: { type: 'string' }, ...json },
    required: ['provider'],
    run: (ctx, v) => describeProvider(ctx.db, providerName(str(v, 'provider'))),
    print: (r) => Object.entries(r as Record<string, unknown>).map(([k, val]) => `${k}: ${typeof val === 'string' ? val : JSON.stringify(val)}`).join('\n') || '(not set up)',
  },
  {
    words: ['provider', 'rotate-token'],
    summary: "Give a provider's callbacks a new secret URL; the old one keeps working until the next rotation, so update the provider in between.",
    usage: 'lango provider rotate-token --provider mpesa [--json]',
    options: { provider: { type: 'string' }, ...json },
    required: ['provider'],
    run: (ctx, v) => {
      const name = providerName(str(v, 'provider'));
      rotateCallbackToken(ctx.db, ctx.box, name, actor());
      const provider = new ProviderRegistry(ctx.db, ctx.box).require(name);
      return { name, callbacks: provider.callbacks.map((r) => callbackUrl(ctx.db, ctx.box, provider, r.path)) };
    },
    print: (r) => (r as { callbacks: string[] }).callbacks.map((u) => `callback: ${u}`).join('\n'),
  },
  {
    words: ['provider', 'register-c2b'],
    summary: 'Register the paybill/till confirmation and validation URLs with M-Pesa (production allows this once; see README).',
    usage: 'lango provider register-c2b [--version 2] [--json]',
    options: { version: { type: 'string' }, ...json },
    run: async (ctx, v) => {
      const provider = new ProviderRegistry(ctx.db, ctx.box).require('mpesa') as ReturnType<ProviderRegistry['require']> & {
        registerC2bUrls?: (input: { confirmationUrl: string; validationUrl: string; version: 1 | 2 }) => Promise<{ ok: true } | { ok: false; code: string; description: string }>;
      };
      const route = (name: string) => provider.callbacks.find((r) => r.route === name)!.path;
      const urls = { confirmationUrl: callbackUrl(ctx.db, ctx.box, provider, route('c2b-confirmation')), validationUrl: callbackUrl(ctx.db, ctx.box, provider, route('c2b-validation')) };
      const result = await provider.registerC2bUrls!({ ...urls, version: choice(str(v, 'version') ?? '2', ['1', '2'] as const, 'version') === '1' ? 1 : 2 });
      return { ...urls, result };
    },
    print: (r) => {
      const { confirmationUrl, validationUrl, result } = r as { confirmationUrl: string; validationUrl: string; result: { ok: boolean; code?: string; description?: string } };
      return result.ok ? `Registered.\n  confirmation: ${confirmationUrl}\n  validation: ${validationUrl}` : `M-Pesa refused: ${result.code} ${result.description}`;
    },
  },
  {
    words: ['pay', 'request'],
    summary: "Send a payment prompt to the customer's phone (M-Pesa STK push, MoMo); the receipt follows when they enter their PIN.",
    usage: 'lango pay request --username alice --provider mpesa [--amount 500] [--phone 0712345678] [--invoice INV-2026-000123] [--json]',
    options: { username: { type: 'string' }, provider: { type: 'string' }, amount: { type: 'string' }, phone: { type: 'string' }, invoice: { type: 'string' }, ...json },
    required: ['username', 'provider'],
    run: async (ctx, v) => {
      const customer = customerOf(ctx.db, str(v, 'username')!);
      const provider = new ProviderRegistry(ctx.db, ctx.box).require(providerName(str(v, 'provider')));
      const amountText = str(v, 'amount');
      const result = await requestPayment(ctx.db, provider, (name) => callbackUrl(ctx.db, ctx.box, { name, callbacks: provider.callbacks }), {
        customerId: customer.id,
        amountMinor: amountText === undefined ? undefined : amount(amountText, customer.currency),
        phone: str(v, 'phone'),
        invoiceNumber: str(v, 'invoice'),
        actor: actor(),
        now: Date.now(),
      });
      return { ...result, view: attemptView(ctx, result.attempt) };
    },
    print: (r) => {
      const { attempt, reused } = r as { attempt: Attempt; reused: boolean };
      if (attempt.status === 'failed') return `The provider refused the request: ${attempt.resultCode} ${attempt.resultDesc ?? ''}`;
      return (reused ? 'A request for the same payment is already waiting. ' : '') + t('payments.requestSent', { phone: attempt.phone ?? '', id: attempt.id });
    },
  },
  {
    words: ['payments', 'list'],
    summary: 'Mobile-money payment attempts, newest first; --review lists those waiting for a person (mismatches, unknown accounts, late successes).',
    usage: 'lango payments list [--status pending|unknown|succeeded|failed|cancelled|expired] [--review] [--username alice] [--json]',
    options: { status: { type: 'string' }, review: { type: 'boolean' }, username: { type: 'string' }, ...json },
    run: (ctx, v) => {
      const username = str(v, 'username');
      const customerId = username === undefined ? undefined : customerOf(ctx.db, username).id;
      return listAttempts(ctx.db, { status: choice(str(v, 'status'), STATUSES, 'status'), review: v.review === true, customerId }).map((a) => attemptView(ctx, a));
    },
    print: (rows) => table(rows as object[], attemptColumns),
  },
  {
    words: ['payments', 'check'],
    summary: 'Ask the provider now where an open payment attempt stands, and settle it if it is final.',
    usage: 'lango payments check --id 12 [--json]',
    options: { id: { type: 'string' }, ...json },
    required: ['id'],
    run: async (ctx, v) => {
      const attempt = findAttempt(ctx.db, attemptId(str(v, 'id')));
      if (!attempt) throw new LangoError('PAY_UNKNOWN_ATTEMPT', { id: str(v, 'id')! });
      if (attempt.providerRef === null || (attempt.status !== 'pending' && attempt.status !== 'unknown')) return { settlement: 'nothing to ask', view: attemptView(ctx, attempt) };
      const provider = new ProviderRegistry(ctx.db, ctx.box).require(attempt.provider);
      const outcome = await provider.query(attempt.providerRef, attempt.key);
      const settlement = settleAttempt(ctx.db, attempt.id, outcome, 'query', Date.now(), ctx.config.LANGO_TIMEZONE, ctx.box);
      return { settlement: settlement.kind, view: attemptView(ctx, findAttempt(ctx.db, attempt.id)!) };
    },
    print: (r) => {
      const { settlement, view } = r as { settlement: string; view: ReturnType<typeof attemptView> };
      return `${settlement}: attempt ${view.id} is ${view.status}${view.result ? ` (${view.result})` : ''}.`;
    },
  },
  {
    words: ['payments', 'approve'],
    summary: 'Credit a flagged payment after checking it: to its customer, or (money in suspense) to the customer you name.',
    usage: 'lango payments approve --id 12 [--username alice] [--amount 500 (what the provider really took)] [--json]',
    options: { id: { type: 'string' }, username: { type: 'string' }, amount: { type: 'string' }, ...json },
    required: ['id'],
    run: (ctx, v) => {
      const id = attemptId(str(v, 'id'));
      const username = str(v, 'username');
      const customer = username === undefined ? undefined : customerOf(ctx.db, username);
      const attempt = findAttempt(ctx.db, id);
      const amountText = str(v, 'amount');
      const currency = customer?.currency ?? attempt?.currency ?? 'KES';
      return approveFlagged(ctx.db, { attemptId: id, customerId: customer?.id, amountMinor: amountText === undefined ? undefined : amount(amountText, currency), actor: actor(), now: Date.now(), zone: ctx.config.LANGO_TIMEZONE });
    },
    print: (r) => `Credited: receipt ${(r as { receiptNumber: string }).receiptNumber}.`,
  },
  {
    words: ['payments', 'dismiss'],
    summary: 'Close a flagged payment without crediting it (refunded, a test), with a reason kept in the audit log.',
    usage: 'lango payments dismiss --id 12 --reason "refunded by M-Pesa reversal" [--json]',
    options: { id: { type: 'string' }, reason: { type: 'string' }, ...json },
    required: ['id'],
    run: (ctx, v) => {
      dismissFlagged(ctx.db, { attemptId: attemptId(str(v, 'id')), reason: str(v, 'reason') ?? '', actor: actor(), now: Date.now() });
      return { ok: true };
    },
    print: () => 'Dismissed.',
  },
  {
    words: ['payments', 'callbacks'],
    summary: 'Callbacks that named a request Lango never made (stored and flagged); --done marks one as looked at.',
    usage: 'lango payments callbacks [--done 7] [--json]',
    options: { done: { type: 'string' }, ...json },
    run: (ctx, v) => {
      const done = str(v, 'done');
      if (done !== undefined && !markCallbackReviewed(ctx.db, attemptId(done), actor(), Date.now())) throw new LangoError('PAY_NOT_FOR_REVIEW', { id: done });
      return flaggedCallbacks(ctx.db).map((c) => ({ id: c.id, received: formatTime(c.receivedAt), provider: c.provider, route: c.route, from: c.sourceIp, reason: c.reviewReason }));
    },
    print: (rows) => table(rows as object[], [['id', 'ID'], ['received', 'RECEIVED (UTC)'], ['provider', 'PROVIDER'], ['route', 'ROUTE'], ['from', 'FROM'], ['reason', 'WHY']]),
  },
];

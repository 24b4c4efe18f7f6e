import { z } from 'zod';
import { findPlanById } from '../../billing/index.js';
import { LangoError } from '../../errors.js';
import { MAX_BATCH, type BatchReport, type VoucherView } from '../../hotspot/index.js';
import { batchReport, batchReportPage, createBatchOnce, voucherPage } from '../../hotspot/vouchers.js';
import { apiError, errorBody, idParams, iso, isoSchema, money, moneySchema, offsetOf, page, pageOf, pageQuery, type ApiContext } from './core.js';

const STATES = ['unused', 'active', 'exhausted', 'expired', 'revoked'] as const;

const batchSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  plan: z.string(),
  count: z.number().int(),
  price: moneySchema,
  seller: z.string().nullable(),
  useBefore: isoSchema,
  macLock: z.boolean(),
  createdAt: isoSchema,
  codes: z.object({ unused: z.number().int(), active: z.number().int(), exhausted: z.number().int(), expired: z.number().int(), revoked: z.number().int() }),
  sold: moneySchema,
});
const codeSchema = z.object({ serial: z.number().int(), code: z.string(), state: z.enum(STATES), firstUsedAt: isoSchema, endsAt: isoSchema, lockedMac: z.string().nullable(), bytesUsed: z.number().int(), secondsUsed: z.number() });

const batchView = (r: BatchReport): z.infer<typeof batchSchema> => ({
  id: r.batch.id,
  name: r.batch.name,
  plan: r.plan,
  count: r.batch.count,
  price: money(r.batch.priceMinor, r.batch.currency),
  seller: r.batch.seller,
  useBefore: iso(r.batch.useBefore),
  macLock: r.batch.macLock,
  createdAt: iso(r.batch.createdAt),
  codes: r.counts,
  sold: money(r.soldMinor, r.batch.currency),
});
const codeView = (v: VoucherView): z.infer<typeof codeSchema> => ({ serial: v.serial, code: v.code, state: v.state, firstUsedAt: iso(v.firstUsedAt), endsAt: iso(v.endsAt), lockedMac: v.lockedMac, bytesUsed: v.bytesUsed, secondsUsed: v.secondsUsed });

const createBody = z.object({
  planId: z.number().int().positive(),
  count: z.number().int().min(1).max(MAX_BATCH),
  codeLength: z.number().int().min(6).max(16).default(8),
  prefix: z.string().regex(/^[A-Z0-9]{0,6}$/).default(''),
  useBefore: z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)).optional(),
  macLock: z.boolean().default(false),
  seller: z.string().trim().min(1).max(64).optional(),
});

function batchOr404(ctx: ApiContext, id: number): BatchReport {
  const report = batchReport(ctx.db, id, ctx.now());
  if (!report) throw new LangoError('HOTSPOT_UNKNOWN_BATCH', { batch: String(id) });
  return report;
}

export function registerVoucherApi(ctx: ApiContext): void {
  const { db } = ctx;
  ctx.route(
    { method: 'GET', url: '/voucher-batches', action: 'vouchers.view', tag: 'vouchers', summary: 'Voucher batches, newest first, with how many codes are unused, active, used up, expired or cancelled.', query: pageQuery, response: pageOf(batchSchema) },
    async (_request, _reply, { query }) => {
      const offset = offsetOf(query.after);
      return page(batchReportPage(db, { limit: query.limit + 1, offset }, ctx.now()), query.limit, offset, batchView);
    },
  );
  ctx.route({ method: 'GET', url: '/voucher-batches/{id}', action: 'vouchers.view', tag: 'vouchers', summary: 'One voucher batch.', params: idParams, response: batchSchema }, async (_request, _reply, { params }) => batchView(batchOr404(ctx, params.id)));
  ctx.route(
    { method: 'GET', url: '/voucher-batches/{id}/codes', action: 'vouchers.view', tag: 'vouchers', summary: 'A batch\'s codes by serial, optionally of one state.', params: idParams, query: pageQuery.extend({ state: z.enum(STATES).optional() }), response: pageOf(codeSchema) },
    async (_request, _reply, { params, query }) => {
      batchOr404(ctx, params.id);
      const offset = offsetOf(query.after);
      return page(voucherPage(db, params.id, query.state, { limit: query.limit + 1, offset }, ctx.now()), query.limit, offset, codeView);
    },
  );
  ctx.route(
    {
      method: 'POST',
      url: '/voucher-batches',
      action: 'vouchers.manage',
      tag: 'vouchers',
      summary: 'Print a batch of vouchers on a prepaid plan. With an Idempotency-Key, sending it again makes no second batch.',
      body: createBody,
      response: batchSchema,
      status: 201,
      headers: [{ name: 'Idempotency-Key', required: false, description: 'A key the caller makes once per batch (8 to 100 letters, digits, _ . : -).' }],
    },
    async (request, reply, { body }) => {
      if (!ctx.box) return reply.code(503).send(errorBody('unavailable', apiError('noKey', ctx.languageOf(request))));
      const plan = findPlanById(db, body.planId);
      if (!plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: `#${body.planId}` });
      const header = request.headers['idempotency-key'];
      if (header !== undefined && (typeof header !== 'string' || !/^[A-Za-z0-9_.:-]{8,100}$/.test(header))) return reply.code(400).send(errorBody('idempotency_key', apiError('idempotencyKey', ctx.languageOf(request))));
      const token = ctx.tokenOf(request);
      // createBatchOnce audits the creation; the key is the token's own, so two tokens never share one.
      const { batch, created } = createBatchOnce(db, ctx.box, {
        key: header === undefined ? `api:${token.id}:${crypto.randomUUID()}` : `api:${token.id}:${header}`,
        planName: plan.name,
        count: body.count,
        codeLength: body.codeLength,
        prefix: body.prefix,
        useBefore: body.useBefore ?? null,
        macLock: body.macLock,
        nasIds: null,
        seller: body.seller ?? null,
        actor: ctx.actorOf(request),
        now: ctx.now(),
      });
      if (!created) reply.header('idempotent-replayed', 'true');
      return reply.code(created ? 201 : 200).send(batchView(batchOr404(ctx, batch.id)));
    },
  );
}

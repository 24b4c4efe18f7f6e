import { z } from 'zod';
import { findPlanById, listPlansPage, type Plan } from '../../billing/index.js';
import { LangoError } from '../../errors.js';
import { idParams, money, moneySchema, offsetOf, page, pageOf, pageQuery, type ApiContext } from './core.js';

export const planSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  price: moneySchema,
  billingKind: z.enum(['prepaid', 'postpaid']),
  durationSeconds: z.number().int().nullable(),
  validityMonths: z.number().int().nullable(),
  validityStarts: z.string(),
  cycle: z.string().nullable(),
  rateLimit: z.string().nullable(),
  dataBytes: z.number().int().nullable(),
  timeAllowanceSeconds: z.number().int().nullable(),
  sharedUsers: z.number().int(),
});

const planView = (p: Plan): z.infer<typeof planSchema> => ({
  id: p.id,
  name: p.name,
  price: money(p.priceMinor, p.currency),
  billingKind: p.billingKind,
  durationSeconds: p.durationSeconds,
  validityMonths: p.validityMonths,
  validityStarts: p.validityStarts,
  cycle: p.cycle,
  rateLimit: p.rateLimit,
  dataBytes: p.dataBytes,
  timeAllowanceSeconds: p.timeAllowanceSeconds,
  sharedUsers: p.sharedUsers,
});

export function registerPlanApi(ctx: ApiContext): void {
  ctx.route(
    { method: 'GET', url: '/plans', action: 'plans.view', tag: 'plans', summary: 'Plans by name; `q` matches part of the name.', query: pageQuery.extend({ q: z.string().trim().max(64).optional(), billingKind: z.enum(['prepaid', 'postpaid']).optional() }), response: pageOf(planSchema) },
    async (_request, _reply, { query }) => {
      const offset = offsetOf(query.after);
      return page(listPlansPage(ctx.db, { query: query.q, billingKind: query.billingKind, offset, limit: query.limit + 1 }), query.limit, offset, planView);
    },
  );
  ctx.route({ method: 'GET', url: '/plans/{id}', action: 'plans.view', tag: 'plans', summary: 'One plan.', params: idParams, response: planSchema }, async (_request, _reply, { params }) => {
    const plan = findPlanById(ctx.db, params.id);
    if (!plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: `#${params.id}` });
    return planView(plan);
  });
}

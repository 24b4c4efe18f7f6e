import { z } from 'zod';
import { enqueueForCustomer } from '../../aaa/enforcement.js';
import { changePlan, findCustomerById, findPlanById, subscriptionOf, type Subscription } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import { LangoError } from '../../errors.js';
import { recordAudit } from '../../staff/index.js';
import { customerOr404 } from './customers.js';
import { idParams, iso, isoSchema, money, moneySchema, type ApiContext } from './core.js';

const subscriptionSchema = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  planId: z.number().int(),
  plan: z.string().nullable(),
  status: z.string(),
  billingKind: z.string(),
  cycle: z.string().nullable(),
  startedAt: isoSchema,
  periodStart: isoSchema,
  periodEnd: isoSchema,
  autoRenew: z.boolean(),
  nextPlanId: z.number().int().nullable(),
  pausedAt: isoSchema,
});

const view = (db: Db, s: Subscription): z.infer<typeof subscriptionSchema> => ({
  id: s.id,
  customerId: s.customerId,
  planId: s.planId,
  plan: findPlanById(db, s.planId)?.name ?? null,
  status: s.status,
  billingKind: s.billingKind,
  cycle: s.cycle,
  startedAt: iso(s.startedAt),
  periodStart: iso(s.periodStart),
  periodEnd: iso(s.periodEnd),
  autoRenew: s.autoRenew,
  nextPlanId: s.nextPlanId,
  pausedAt: iso(s.pausedAt),
});

const documentSchema = z.object({ number: z.string(), gross: moneySchema }).nullable();
const changeBody = z.object({ planId: z.number().int().positive(), when: z.enum(['now', 'renewal']).default('now') });
const changeResult = z.object({ from: z.string(), to: z.string(), when: z.enum(['now', 'renewal']), invoice: documentSchema, creditNote: documentSchema, subscription: subscriptionSchema });

function subscriptionOr404(db: Db, customerId: number): Subscription {
  const customer = customerOr404(db, customerId);
  const subscription = subscriptionOf(db, customer.id);
  if (!subscription) throw new LangoError('INPUT_NO_SUBSCRIPTION', { username: customer.username });
  return subscription;
}

export function registerSubscriptionApi(ctx: ApiContext): void {
  const { db } = ctx;
  ctx.route(
    { method: 'GET', url: '/customers/{id}/subscription', action: 'customers.view', tag: 'subscriptions', summary: 'A customer\'s subscription: plan, period, renewal.', params: idParams, response: subscriptionSchema },
    async (_request, _reply, { params }) => view(db, subscriptionOr404(db, params.id)),
  );

  ctx.route(
    {
      method: 'POST',
      url: '/customers/{id}/subscription/change-plan',
      action: 'customers.plan',
      tag: 'subscriptions',
      summary: 'Move a customer to another plan now (prorated invoice or credit note) or at renewal, as the staff page does.',
      params: idParams,
      body: changeBody,
      response: changeResult,
    },
    async (request, _reply, { params, body }) => {
      subscriptionOr404(db, params.id);
      const customer = findCustomerById(db, params.id)!;
      const plan = findPlanById(db, body.planId);
      if (!plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: `#${body.planId}` });
      const at = ctx.now();
      const actor = ctx.actorOf(request);
      const result = db.transaction((tx) => {
        const d = tx as Db;
        const r = changePlan(d, { username: customer.username, planName: plan.name, when: body.when, at, zone: ctx.zone, actor });
        // The speed changes on live sessions at the same moment, as the staff page does.
        const sessions = r.rateLimit ? enqueueForCustomer(d, customer.id, 'coa', 'plan changed', r.rateLimit, at) : 0;
        recordAudit(d, actor, 'customer.plan', `customer:${customer.id}`, {
          username: customer.username,
          before: { plan: r.from },
          after: { plan: r.to },
          when: body.when,
          invoice: r.invoice && { number: r.invoice.number, grossMinor: r.invoice.grossMinor, currency: r.invoice.currency },
          creditNote: r.creditNote && { number: r.creditNote.number, grossMinor: r.creditNote.grossMinor, currency: r.creditNote.currency },
          sessions,
        }, at);
        return r;
      }, { behavior: 'immediate' });
      const doc = (d: typeof result.invoice) => d && { number: d.number, gross: money(d.grossMinor, d.currency) };
      return { from: result.from, to: result.to, when: result.when, invoice: doc(result.invoice), creditNote: doc(result.creditNote), subscription: view(db, subscriptionOr404(db, customer.id)) };
    },
  );
}

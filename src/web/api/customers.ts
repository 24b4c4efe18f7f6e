import { z } from 'zod';
import { enqueueForCustomer } from '../../aaa/enforcement.js';
import { addCustomer, customerBalance, editCustomer, findCustomerById, findPlanById, listCustomersPage, recordEvent, searchCustomers, setCustomerStatus, type CustomerSummary } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import { LangoError } from '../../errors.js';
import { recordAudit } from '../../staff/index.js';
import { apiError, errorBody, idParams, iso, isoSchema, money, moneySchema, offsetOf, page, pageOf, pageQuery, reasonBody, type ApiContext } from './core.js';

/** A customer as the API shows one: never the password (sealed) or portal secrets. */
export const customerSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  status: z.enum(['active', 'suspended', 'terminated']),
  plan: z.string().nullable(),
  fullName: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  mac: z.string().nullable(),
  macBinding: z.boolean(),
  staticIp: z.string().nullable(),
  currency: z.string(),
  language: z.string(),
  createdAt: isoSchema,
  activatedAt: isoSchema,
  expiresAt: isoSchema,
  subscriptionStatus: z.string().nullable(),
  suspendedReason: z.string().nullable(),
});
const customerDetail = customerSchema.extend({ balance: z.object({ due: moneySchema, wallet: moneySchema }) });

export const customerView = (c: CustomerSummary): z.infer<typeof customerSchema> => ({
  id: c.id,
  username: c.username,
  status: c.status,
  plan: c.plan,
  fullName: c.fullName,
  phone: c.phone,
  email: c.email,
  mac: c.mac,
  macBinding: c.macBinding,
  staticIp: c.staticIp,
  currency: c.currency,
  language: c.language,
  createdAt: iso(c.createdAt),
  activatedAt: iso(c.activatedAt),
  expiresAt: iso(c.expiresAt),
  subscriptionStatus: c.subscriptionStatus,
  suspendedReason: c.suspendedReason,
});

export function customerOr404(db: Db, id: number): CustomerSummary {
  const customer = findCustomerById(db, id);
  if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username: `#${id}` });
  return customer;
}

const text = (max: number) => z.string().trim().min(1).max(max);
const createBody = z.object({
  username: text(64),
  password: z.string().min(1).max(128),
  planId: z.number().int().positive().optional(),
  fullName: text(120).optional(),
  phone: text(32).optional(),
  email: text(254).optional(),
  mac: text(32).optional(),
  staticIp: text(45).optional(),
});
const editBody = z
  .object({
    fullName: text(120).nullable(),
    phone: text(32).nullable(),
    email: text(254).nullable(),
    mac: text(32).nullable(),
    macBinding: z.boolean(),
    staticIp: text(45).nullable(),
    password: z.string().min(1).max(128),
  })
  .partial()
  .strict();

export function registerCustomerApi(ctx: ApiContext): void {
  const { db } = ctx;

  ctx.route(
    {
      method: 'GET',
      url: '/customers',
      action: 'customers.view',
      tag: 'customers',
      summary: 'Customers, newest first; `q` searches username, name, phone or MAC.',
      query: pageQuery.extend({ q: z.string().trim().min(1).max(100).optional(), status: z.enum(['active', 'suspended', 'terminated']).optional(), planId: z.coerce.number().int().positive().optional() }),
      response: pageOf(customerSchema),
    },
    async (_request, _reply, { query }) => {
      const offset = offsetOf(query.after);
      const filter = { status: query.status, planId: query.planId, offset };
      const rows = query.q ? searchCustomers(db, query.q, query.limit + 1, filter) : listCustomersPage(db, { ...filter, limit: query.limit + 1 });
      return page(rows, query.limit, offset, customerView);
    },
  );

  ctx.route(
    { method: 'GET', url: '/customers/{id}', action: 'customers.view', tag: 'customers', summary: 'One customer, with what they owe and hold in their wallet.', params: idParams, response: customerDetail },
    async (_request, _reply, { params }) => {
      const customer = customerOr404(db, params.id);
      const balance = customerBalance(db, customer.id, customer.currency);
      return { ...customerView(customer), balance: { due: money(balance.dueMinor, balance.currency), wallet: money(balance.walletMinor, balance.currency) } };
    },
  );

  ctx.route(
    { method: 'POST', url: '/customers', action: 'customers.edit', tag: 'customers', summary: 'Add a customer, optionally on a plan.', body: createBody, response: customerSchema, status: 201 },
    async (request, reply, { body }) => {
      if (!ctx.box) return reply.code(503).send(errorBody('unavailable', apiError('noKey', ctx.languageOf(request))));
      const plan = body.planId === undefined ? undefined : findPlanById(db, body.planId);
      if (body.planId !== undefined && !plan) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: `#${body.planId}` });
      const at = ctx.now();
      const box = ctx.box;
      const created = db.transaction((tx) => {
        const c = addCustomer(tx as Db, box, { username: body.username, password: body.password, planName: plan?.name, fullName: body.fullName, phone: body.phone, email: body.email, mac: body.mac, macBinding: body.mac !== undefined, staticIp: body.staticIp }, ctx.zone);
        recordAudit(tx as Db, ctx.actorOf(request), 'customer.create', `customer:${c.id}`, { username: c.username, after: { plan: c.plan, fullName: c.fullName, phone: c.phone, email: c.email, mac: c.mac, staticIp: c.staticIp } }, at);
        return c;
      }, { behavior: 'immediate' });
      return reply.code(201).send(customerView(created));
    },
  );

  ctx.route(
    { method: 'PATCH', url: '/customers/{id}', action: 'customers.edit', tag: 'customers', summary: 'Change a customer\'s details, MAC binding or network password; fields left out stay.', params: idParams, body: editBody, response: customerSchema },
    async (request, reply, { params, body }) => {
      const customer = customerOr404(db, params.id);
      if (body.password !== undefined && !ctx.box) return reply.code(503).send(errorBody('unavailable', apiError('noKey', ctx.languageOf(request))));
      const at = ctx.now();
      const edited = db.transaction((tx) => {
        const edit = editCustomer(tx as Db, ctx.box, customer.username, body, at);
        if (Object.keys(edit.after).length > 0 || edit.passwordChanged) {
          recordAudit(tx as Db, ctx.actorOf(request), 'customer.edit', `customer:${customer.id}`, { username: customer.username, before: edit.before, after: edit.after, passwordChanged: edit.passwordChanged }, at);
        }
        return edit.customer;
      }, { behavior: 'immediate' });
      return customerView(edited);
    },
  );

  for (const [verb, next] of [['suspend', 'suspended'], ['reactivate', 'active']] as const) {
    ctx.route(
      {
        method: 'POST',
        url: `/customers/{id}/${verb}`,
        action: 'customers.status',
        tag: 'customers',
        summary: verb === 'suspend' ? 'Suspend a customer (their live sessions are disconnected), with a reason.' : 'Reactivate a suspended customer, with a reason.',
        params: idParams,
        body: reasonBody,
        response: customerSchema,
      },
      async (request, reply, { params, body }) => {
        const customer = customerOr404(db, params.id);
        if (customer.status === next) return reply.code(409).send(errorBody('same_status', apiError('sameStatus', ctx.languageOf(request), { status: next })));
        if (customer.status === 'terminated') return reply.code(409).send(errorBody('terminated', apiError('terminated', ctx.languageOf(request))));
        const at = ctx.now();
        const actor = ctx.actorOf(request);
        const changed = db.transaction((tx) => {
          const d = tx as Db;
          const c = setCustomerStatus(d, customer.username, next, at);
          // As the staff page and `lango customer suspend` do: the running daemon sends the Disconnect-Requests.
          const queued = next === 'active' ? 0 : enqueueForCustomer(d, c.id, 'disconnect', 'account suspended', null, at);
          recordAudit(d, actor, `customer.${verb}`, `customer:${c.id}`, { username: c.username, from: customer.status, to: next, reason: body.reason, disconnecting: queued }, at);
          recordEvent(d, c.id, next === 'suspended' ? 'suspended' : 'reactivated', actor, { from: customer.status, to: next, reason: body.reason }, at);
          return c;
        }, { behavior: 'immediate' });
        return customerView(changed);
      },
    );
  }
}

import { z } from 'zod';
import { findCustomerById, listPaymentPage, recordPayment, type PaymentRow } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import { LangoError } from '../../errors.js';
import { once } from '../../operations/request-keys.js';
import { customerOr404 } from './customers.js';
import { apiError, errorBody, iso, isoSchema, money, moneySchema, offsetOf, page, pageOf, pageQuery, type ApiContext } from './core.js';

const paymentSchema = z.object({
  id: z.number().int(),
  receiptNumber: z.string(),
  username: z.string(),
  method: z.string(),
  reference: z.string(),
  amount: moneySchema,
  receivedAt: isoSchema,
  recordedBy: z.string(),
});

const view = (p: PaymentRow): z.infer<typeof paymentSchema> => ({
  id: p.id,
  receiptNumber: p.receiptNumber,
  username: p.username,
  method: p.method,
  reference: p.reference,
  amount: money(p.amountMinor, p.currency),
  receivedAt: iso(p.receivedAt),
  recordedBy: p.actor,
});

const moment = z.iso.datetime({ offset: true }).transform((text) => Date.parse(text));
const recordBody = z.object({
  customerId: z.number().int().positive(),
  method: z.enum(['cash', 'bank']),
  /** Receipt book number or bank reference: the same reference twice is one payment. */
  reference: z.string().trim().min(1).max(64),
  amount: moneySchema.extend({ amountMinor: z.number().int().positive().max(1e12) }),
  /** When the money arrived; default now. */
  receivedAt: moment.optional(),
});
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,100}$/;

export function registerPaymentApi(ctx: ApiContext): void {
  const { db } = ctx;
  ctx.route(
    {
      method: 'GET',
      url: '/payments',
      action: 'payments.view',
      tag: 'payments',
      summary: 'Money received (cash, bank, mobile money), newest first, by customer and time.',
      query: pageQuery.extend({ customerId: z.coerce.number().int().positive().optional(), method: z.string().max(16).optional(), from: moment.optional(), to: moment.optional() }),
      response: pageOf(paymentSchema),
    },
    async (_request, _reply, { query }) => {
      const offset = offsetOf(query.after);
      const rows = listPaymentPage(db, { customerId: query.customerId, method: query.method, from: query.from, to: query.to }, { limit: query.limit + 1, offset });
      return page(rows, query.limit, offset, view);
    },
  );

  ctx.route(
    {
      method: 'POST',
      url: '/payments',
      action: 'payments.record',
      tag: 'payments',
      summary: 'Record cash or bank money received. Sent again with the same Idempotency-Key, it is recorded once and answered as the first time.',
      body: recordBody,
      response: paymentSchema,
      status: 201,
      headers: [{ name: 'Idempotency-Key', required: true, description: 'A key the caller makes once per payment (8 to 100 letters, digits, _ . : -), e.g. a UUID.' }],
    },
    async (request, reply, { body }) => {
      const language = ctx.languageOf(request);
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) return reply.code(400).send(errorBody('idempotency_key', apiError('idempotencyKey', language)));
      // Money is received in the past: a future date would put it in months to come (reports, the receipt's number year).
      if (body.receivedAt !== undefined && body.receivedAt > ctx.now() + 5 * 60_000) return reply.code(400).send(errorBody('invalid', apiError('invalid', language, { field: 'receivedAt', problem: 'in the future' })));
      const customer = customerOr404(db, body.customerId);
      if (body.amount.currency !== customer.currency) throw new LangoError('INPUT_CURRENCY_MISMATCH', { expected: customer.currency, given: body.amount.currency, currency: body.amount.currency });
      const now = ctx.now();
      const actor = ctx.actorOf(request);
      // The answer itself is kept under the key, so a retry gets exactly the first answer.
      const outcome = once(db, { key: `api:${key}`, sender: actor, action: 'payments.record', now }, (d: Db) => {
        const { payment, created } = recordPayment(d, { customerId: customer.id, method: body.method, reference: body.reference, amountMinor: body.amount.amountMinor, currency: customer.currency, receivedAt: body.receivedAt ?? now, actor, zone: ctx.zone });
        const owner = created ? customer.username : (findCustomerById(d, payment.customerId)?.username ?? '');
        const shown = view({ ...payment, username: owner });
        return JSON.stringify(created ? { status: 201, body: shown } : { status: 409, body: errorBody('duplicate_payment', apiError('duplicatePayment', language, { reference: payment.reference, receipt: payment.receiptNumber })) });
      });
      if (outcome.kind === 'not-yours') return reply.code(409).send(errorBody('idempotency_key_reused', apiError('idempotencyKeyReused', language)));
      const answer = JSON.parse(outcome.result) as { status: number; body: unknown };
      if (outcome.kind === 'repeat') reply.header('idempotent-replayed', 'true');
      return reply.code(answer.status).send(answer.body);
    },
  );
}

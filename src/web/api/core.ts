import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/connection.js';
import type { Currency } from '../../db/schema/billing.js';
import type { ApiTokenSummary } from '../../integrations/api-tokens.js';
import { t, type Language } from '../../i18n/index.js';
import type { Action } from '../../staff/index.js';
import type { en } from '../../i18n/staff/api.js';

// What every API resource module shares: the route declaration, the error body, pages, money.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** /api/v1: the permission the token's role needs (src/staff/permissions.ts), or 'public'. */
    apiAction?: Action | 'public';
  }
}

export type ApiErrorKey = keyof typeof en.errors;

/** The one error body every refusal has. `code` is stable for programs; `message` is for people. */
export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export const errorBody = (code: string, message: string): z.infer<typeof errorSchema> => ({ error: { code, message } });
export const apiError = (key: ApiErrorKey, language: Language, values: Record<string, string | number> = {}) => t(`staff.api.errors.${key}`, values, language);

export interface ApiRouteSpec<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH';
  /** OpenAPI style: /customers/{id}. */
  url: string;
  action: Action;
  summary: string;
  tag: string;
  query?: Q;
  body?: B;
  params?: P;
  /** The 2xx answer's schema, for the document. */
  response: z.ZodType;
  /** 201 for creations. */
  status?: number;
  /** Header parameters the route reads (Idempotency-Key). */
  headers?: Array<{ name: string; required: boolean; description: string }>;
}
export type ApiRoute = ApiRouteSpec;

export type Handler<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType> = (
  request: FastifyRequest,
  reply: FastifyReply,
  input: { query: z.output<Q>; body: z.output<B>; params: z.output<P> },
) => Promise<unknown>;

export interface ApiContext {
  db: Db;
  zone: string;
  box: SecretBox | undefined;
  now: () => number;
  tokenOf: (request: FastifyRequest) => ApiTokenSummary;
  /** 'api-token:7': who the audit log and the payment record name. */
  actorOf: (request: FastifyRequest) => string;
  languageOf: (request: FastifyRequest) => Language;
  route: <Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType>(spec: ApiRouteSpec<Q, B, P>, handler: Handler<Q, B, P>) => void;
}

export const idParams = z.object({ id: z.coerce.number().int().positive().max(2 ** 53 - 1) });

/** Money as programs want it: integer minor units and the currency, never a formatted string. */
export const moneySchema = z.object({ amountMinor: z.number().int(), currency: z.enum(['KES', 'SSP', 'UGX', 'USD']) });
export const money = (amountMinor: number, currency: Currency) => ({ amountMinor, currency });

/** Moments as ISO 8601 in UTC; null stays null. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
export const isoSchema = z.string().nullable();

export const MAX_LIMIT = 200;
/**
 * How deep a list may be paged. Pages are LIMIT/OFFSET, and skipping millions of rows would
 * hold the daemon's one thread (RADIUS too) for seconds: deeper than this, narrow the list
 * (dates, a customer) instead.
 */
export const MAX_OFFSET = 10_000;

const decodeAfter = (after: string): number => Number(Buffer.from(after, 'base64url').toString('utf8'));

/**
 * `?limit=&after=`: `after` is the opaque `next` of the previous page. Pages are by position
 * in the list's order (newest first), so a row added meanwhile may be seen twice, never lost.
 */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(50),
  after: z
    .string()
    .max(40)
    .regex(/^[A-Za-z0-9_-]+$/)
    .refine((after) => {
      const n = decodeAfter(after);
      return Number.isSafeInteger(n) && n >= 0;
    }, 'not a cursor this API gave out')
    .refine((after) => decodeAfter(after) <= MAX_OFFSET, `lists are paged ${MAX_OFFSET} rows deep at most; narrow the list (from/to, a customer) to go further`)
    .optional(),
});

export function offsetOf(after: string | undefined): number {
  return after === undefined ? 0 : decodeAfter(after);
}

/** Given up to limit+1 rows, the page and the cursor to the next one (null on the last page). */
export function page<T, R>(rows: T[], limit: number, offset: number, view: (row: T) => R): { data: R[]; next: string | null } {
  const more = rows.length > limit;
  return { data: rows.slice(0, limit).map(view), next: more ? Buffer.from(String(offset + limit)).toString('base64url') : null };
}

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next: z.string().nullable() });

/** A reason staff and programs give for a status change; kept in the audit log and the timeline. */
export const reasonBody = z.object({ reason: z.string().trim().min(1).max(500) });

export const okSchema = z.object({ ok: z.literal(true) });

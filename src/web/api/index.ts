import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/connection.js';
import { errorCatalogue, errorMessage, LangoError } from '../../errors.js';
import { authenticateApiToken, type ApiTokenSummary } from '../../integrations/api-tokens.js';
import type { Language } from '../../i18n/index.js';
import { can } from '../../staff/index.js';
import { pickLanguage } from '../captive/language.js';
import { apiError, errorBody, type ApiContext, type ApiRoute, type ApiRouteSpec, type Handler } from './core.js';
import { registerCustomerApi } from './customers.js';
import { openApiDocument } from './openapi.js';
import { registerPaymentApi } from './payments.js';
import { registerPlanApi } from './plans.js';
import { registerSessionApi } from './sessions.js';
import { registerSubscriptionApi } from './subscriptions.js';
import { registerVoucherApi } from './vouchers.js';

export interface ApiOptions {
  db: Db;
  /** The operator's time zone: plan periods and billing use it. */
  zone: string;
  /** Seals customers' passwords and voucher codes; without it, creating them answers 503. */
  box?: SecretBox;
  /** Calls one token may make a minute (default 120). */
  perMinute?: number;
  now?: () => number;
}

/** Every resource module, each defining its routes through ctx.route (so the OpenAPI document lists them all). */
const RESOURCES = [registerCustomerApi, registerPlanApi, registerSubscriptionApi, registerPaymentApi, registerVoucherApi, registerSessionApi];

/**
 * The REST API for other systems (register with prefix '/api/v1'). A Bearer token acts with its
 * staff role's permissions: every route names its action, as staff pages do. JSON in and out;
 * every refusal is `{ "error": { "code", "message" } }`.
 */
export const apiRoutes: FastifyPluginAsync<ApiOptions> = async (app, options) => {
  const { db } = options;
  const now = options.now ?? Date.now;
  const tokens = new WeakMap<FastifyRequest, ApiTokenSummary>();
  const routes: ApiRoute[] = [];
  const languageOf = (request: FastifyRequest): Language => pickLanguage(undefined, request.headers['accept-language']);

  // JSON only: a form or plain text body is refused (415) rather than guessed at.
  app.removeContentTypeParser(['text/plain']);

  // Per token (the header's digest, so no lookup is needed to count); without one, per address.
  await app.register(rateLimit, {
    global: true,
    max: options.perMinute ?? 120,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const header = request.headers.authorization;
      // Per token for a well-formed one; per address otherwise, so made-up tokens share one bucket.
      return typeof header === 'string' && /^Bearer lango_[A-Za-z0-9_-]{20,100}$/.test(header) ? `t:${createHash('sha256').update(header).digest('hex')}` : `a:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => Object.assign(new Error('rate limited'), { statusCode: context.statusCode }),
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    return payload;
  });

  // The gate runs before the body is read: a stranger's upload is refused unread.
  app.addHook('onRequest', async (request, reply) => {
    const action = request.routeOptions.config.apiAction;
    if (action === 'public') return;
    // No route (the 404 answer) needs no token; a route that forgot its action is refused, not opened.
    if (action === undefined) {
      if (request.routeOptions.url === undefined) return;
      return reply.code(403).send(errorBody('forbidden', apiError('forbidden', languageOf(request), { role: '-', action: '-' })));
    }
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const token = match ? authenticateApiToken(db, match[1]!, now()) : undefined;
    const language = languageOf(request);
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      return reply.code(401).send(errorBody('unauthorized', apiError('unauthorized', language)));
    }
    if (!can(token.role, action)) return reply.code(403).send(errorBody('forbidden', apiError('forbidden', language, { role: token.role, action })));
    tokens.set(request, token);
  });

  const ctx: ApiContext = {
    db,
    zone: options.zone,
    box: options.box,
    now,
    tokenOf: (request) => tokens.get(request)!,
    actorOf: (request) => `api-token:${tokens.get(request)!.id}`,
    languageOf,
    route: <Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType>(spec: ApiRouteSpec<Q, B, P>, handler: Handler<Q, B, P>) => {
      routes.push(spec as unknown as ApiRoute);
      app.route({
        method: spec.method,
        url: spec.url.replace(/\{(\w+)\}/g, ':$1'),
        config: { apiAction: spec.action },
        handler: async (request, reply) => {
          const language = languageOf(request);
          const parts = [['query', spec.query, request.query], ['body', spec.body, request.body], ['params', spec.params, request.params]] as const;
          const parsed: Record<string, unknown> = {};
          for (const [where, schema, value] of parts) {
            if (!schema) continue;
            const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
            if (!result.success) {
              const issue = result.error.issues[0]!;
              const field = [where, ...issue.path.map(String)].join('.');
              return reply.code(400).send(errorBody('invalid', apiError('invalid', language, { field, problem: issue.message })));
            }
            parsed[where] = result.data;
          }
          return handler(request, reply, parsed as never);
        },
      });
    },
  };

  // The document describing every route, open to anyone: it holds no data, and client generators fetch it without a token.
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', { config: { apiAction: 'public' } }, async () => (document ??= openApiDocument(routes, app.prefix)));

  for (const register of RESOURCES) register(ctx);

  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('not_found', apiError('notFound', languageOf(request)))));

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const language = languageOf(request);
    if (err instanceof LangoError) {
      const entry = errorCatalogue[err.code];
      const status = 'status' in entry ? entry.status : 400;
      return reply.code(status).send(errorBody(err.code, errorMessage(err.code, language, err.values)));
    }
    const status = err.statusCode ?? 500;
    if (status === 413) return reply.code(413).send(errorBody('too_large', apiError('tooLarge', language)));
    if (status === 415) return reply.code(415).send(errorBody('unsupported_media_type', apiError('notJson', language)));
    if (status === 429) return reply.code(429).send(errorBody('rate_limited', apiError('rateLimited', language)));
    if (status >= 400 && status < 500) return reply.code(400).send(errorBody('bad_request', apiError(err.code?.includes('JSON') ? 'badJson' : 'badRequest', language)));
    request.log.error({ err }, 'API call failed');
    return reply.code(500).send(errorBody('internal', apiError('failed', language)));
  });
};

export type { ApiContext } from './core.js';

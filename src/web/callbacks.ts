import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { CallbackBodyError, receiveCallback, tokenMatches, validTokens, type CallbackAnswer, type ProviderRegistry } from '../payments/index.js';

export interface CallbackOptions {
  db: Db;
  box: SecretBox;
  providers: ProviderRegistry;
  zone: string;
  /** After each callback that changed something: kick the reconciler, the SMS sender, CoA… */
  onCallback: (provider: string, answer: CallbackAnswer) => void;
  /** Extra token-guarded routes owned by other domains, e.g. SMS delivery reports: name → handler. */
  extra?: Record<string, (body: unknown) => void>;
}

/** Providers post small JSON; anything bigger is not theirs. */
const BODY_LIMIT = 16 * 1024;
const TOKEN_REFRESH_MS = 5_000;

/**
 * Public provider callbacks at /cb/<token>/<path>. The token (random, per provider, sealed at
 * rest) is the guard, since none of these providers signs its callbacks; paths never name the
 * provider (Daraja refuses URLs containing "mpesa"). Answers carry no internals: 404 for an
 * unknown token or path, 400 for a body that is not what the route expects, 200 once the raw
 * body is on disk and acted on.
 */
export const callbackRoutes: FastifyPluginAsync<CallbackOptions> = async (app, options) => {
  // Generous: Safaricom posts from a handful of addresses (and behind a proxy without
  // LANGO_TRUST_PROXY everything shares one), and a callback refused with 429 is not retried.
  await app.register(rateLimit, { max: 6000, timeWindow: 60_000 });

  // Keep the raw text: it is what gets stored, byte for byte, as evidence.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, { raw: body as string, parsed: JSON.parse(body as string) as unknown });
    } catch {
      const err = new Error('body is not JSON') as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    done(null, { raw: body as string, parsed: Object.fromEntries(new URLSearchParams(body as string)) });
  });

  let tokens = new Map<string, string>();
  let loadedAt = 0;
  const providerFor = (token: string): string | undefined => {
    const now = Date.now();
    if (now - loadedAt > TOKEN_REFRESH_MS) {
      tokens = validTokens(options.db, options.box, [...options.providers.configured(), ...Object.keys(options.extra ?? {})]);
      loadedAt = now;
    }
    for (const [candidate, provider] of tokens) if (tokenMatches(token, candidate)) return provider;
    return undefined;
  };

  const handle = async (request: FastifyRequest<{ Params: { token: string; '*': string } }>, reply: FastifyReply) => {
    const owner = providerFor(request.params.token);
    const body = request.body as { raw: string; parsed: unknown } | undefined;
    if (!owner) return reply.code(404).send({ error: 'not found' });
    if (!body) return reply.code(400).send({ error: 'a body is required' });
    const extra = options.extra?.[owner];
    if (extra) {
      try {
        extra(body.parsed);
      } catch (err) {
        request.log.warn({ err: (err as Error).message }, 'callback body not understood');
        return reply.code(400).send({ error: 'unexpected body' });
      }
      return reply.code(200).send({ ok: true });
    }
    const provider = options.providers.get(owner);
    const route = provider?.callbacks.find((r) => r.path === request.params['*'] && r.methods.includes(request.method as 'POST' | 'PUT'));
    if (!provider || !route) return reply.code(404).send({ error: 'not found' });
    const source = provider.checkSource?.(request.ip) ?? 'ok';
    if (source === 'refuse') {
      request.log.warn({ provider: owner, ip: request.ip }, 'payment callback from an address not on the allow-list: refused');
      return reply.code(403).send({ error: 'forbidden' });
    }
    if (source === 'unlisted') request.log.warn({ provider: owner, ip: request.ip }, 'payment callback from an address not on the provider list (accepted: allow-list in log mode)');
    try {
      const answer = receiveCallback(options.db, provider, route, { body: body.parsed, rawBody: body.raw, sourceIp: request.ip, now: Date.now(), zone: options.zone, box: options.box });
      options.onCallback(owner, answer);
      return reply.code(answer.status).send(answer.body);
    } catch (err) {
      if (err instanceof CallbackBodyError) {
        request.log.warn({ provider: owner, route: route.route, reason: err.message }, 'payment callback with an unexpected body: refused, nothing stored');
        return reply.code(400).send({ error: 'unexpected body' });
      }
      throw err;
    }
  };

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'payment callback failed; the provider or the reconciler will retry');
    // 413, 415, 400 and 429 say what the sender did wrong; nothing else about the server leaks.
    return reply.code(status).send({ error: status >= 500 ? 'try again later' : err.message });
  });

  // logLevel warn: Fastify's per-request info lines carry the URL, and the URL carries the
  // token that is these endpoints' only guard. Refusals are logged above without it.
  app.route({ method: ['POST', 'PUT'], url: '/cb/:token/*', bodyLimit: BODY_LIMIT, logLevel: 'warn', handler: handle });
};

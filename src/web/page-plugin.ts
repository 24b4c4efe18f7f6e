import zlib from 'node:zlib';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';

/**
 * What every human-facing page plugin (staff pages, customer portal) sets up the same way:
 * responses compressed for slow links (brotli at a quality cheap enough for pages made per
 * request, or gzip), plain HTML forms parsed (urlencoded, small bodies only), and a per-route
 * rate limit for sign-in forms answered through the plugin's error handler.
 */
export async function registerPagePlumbing(app: FastifyInstance): Promise<void> {
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'], brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } } });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => Object.assign(new Error(`rate limit: ${context.max} sign-ins a minute`), { statusCode: context.statusCode }),
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

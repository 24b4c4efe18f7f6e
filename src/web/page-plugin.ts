import zlib from 'node:zlib';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * What every human-facing page plugin (staff pages, customer portal) sets up the same way:
 * responses compressed for slow links (brotli at a quality cheap enough for pages made per
 * request, or gzip), plain HTML forms parsed (urlencoded, small bodies only; nothing else), and a per-route
 * rate limit for sign-in forms answered through the plugin's error handler.
 */
export async function registerPagePlumbing(app: FastifyInstance): Promise<void> {
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'], brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } } });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => Object.assign(new Error(`rate limit: ${context.max} sign-ins a minute`), { statusCode: context.statusCode }),
  });
  // Forms only: a JSON or text body is refused (415) rather than read, as no page sends one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

/** Why a page request failed, in the words a page can show. */
export type PageRefusal = 'failed' | 'tooMany' | 'tooLarge' | 'badForm';

/**
 * One error answer for both page areas: a refusal before the route runs (too large, not a form,
 * too many tries) gets the area's page in plain words and an info line; anything else is a real
 * failure, logged as an error and answered 500, never the framework's English sentence.
 */
export function setPageErrorHandler(
  app: FastifyInstance,
  area: string,
  answer: (request: FastifyRequest, reply: FastifyReply, status: number, refusal: PageRefusal) => unknown,
): void {
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500 || status < 400) {
      request.log.error({ err: error }, `${area} page failed`);
      return answer(request, reply, 500, 'failed');
    }
    request.log.info({ status, reason: error.message }, `${area} request refused`);
    return answer(request, reply, status, status === 429 ? 'tooMany' : status === 413 ? 'tooLarge' : 'badForm');
  });
}

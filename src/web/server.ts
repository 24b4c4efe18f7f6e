import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { callbackRoutes, type CallbackOptions } from './callbacks.js';
import { captivePortal, type CaptiveOptions } from './captive/index.js';
import { healthRoutes, type HealthSources } from './health.js';
import { portalPages, type PortalWebOptions } from './portal/index.js';
import { apiRoutes, type ApiOptions } from './api/index.js';
import { staffPages, type StaffWebOptions } from './staff/index.js';

/** The HTTP edge. Each area is its own encapsulated plugin; issue 7 adds admin/ and portal/. */
export function buildHttpServer(options: { logger: Logger; health: HealthSources; callbacks?: CallbackOptions; captive?: CaptiveOptions; staff?: StaffWebOptions; portal?: PortalWebOptions; api?: ApiOptions; trustProxy?: boolean | readonly string[] }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // Past the default 100 characters, a path parameter was refused by the router itself with
    // a framework JSON body (and the URL echoed) that no area's handler shaped. Node's 16 KB
    // header limit bounds a URL anyway; each route checks its parameters (no regex routes).
    routerOptions: { maxParamLength: 16 * 1024 },
    // Likewise a broken %-escape in the path (/staff/customers/%zz): read as literal text, the
    // area's own not-found answer (page or API error body) says there is nothing there.
    rewriteUrl: (request) => readablePath(request.url ?? '/'),
    // Behind nginx/Caddy terminating HTTPS, the client address is in X-Forwarded-For.
    trustProxy: fastifyTrustProxy(options.trustProxy ?? false),
  });
  // Probes and Prometheus scrapes arrive every few seconds; logging each would drown the log.
  app.register(healthRoutes, { ...options.health, logLevel: 'warn' });
  if (options.callbacks) app.register(callbackRoutes, options.callbacks);
  if (options.captive) app.register(captivePortal, { ...options.captive, prefix: '/hotspot' });
  if (options.staff) app.register(staffPages, { ...options.staff, prefix: '/staff' });
  if (options.portal) app.register(portalPages, { ...options.portal, prefix: '/portal' });
  if (options.api) app.register(apiRoutes, { ...options.api, prefix: '/api/v1' });
  return app;
}

/** The URL with every path segment that cannot be %-decoded escaped as literal text; the query is left as it is. */
export function readablePath(url: string): string {
  const at = url.indexOf('?');
  const path = at < 0 ? url : url.slice(0, at);
  if (!path.includes('%')) return url;
  const segments = path.split('/').map((segment) => {
    try {
      decodeURIComponent(segment);
      return segment;
    } catch {
      return encodeURIComponent(segment);
    }
  });
  return segments.join('/') + (at < 0 ? '' : url.slice(at));
}

/**
 * LANGO_TRUST_PROXY as Fastify wants it. `true` means a proxy on this machine (nginx, Caddy in
 * front of Lango): loopback peers are believed, and the client is the last address they did not
 * add themselves. Never "trust every hop", where the client would be the first X-Forwarded-For
 * entry, which any client can write. (Fastify 5.12 ignores hop counts, so no number here.)
 */
export function fastifyTrustProxy(value: boolean | readonly string[]): string[] | false {
  if (value === true) return ['loopback'];
  return value === false ? false : [...value];
}

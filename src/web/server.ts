import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { callbackRoutes, type CallbackOptions } from './callbacks.js';
import { captivePortal, type CaptiveOptions } from './captive/index.js';
import { healthRoutes, type HealthSources } from './health.js';
import { portalPages, type PortalWebOptions } from './portal/index.js';
import { apiRoutes, type ApiOptions } from './api/index.js';
import { staffPages, type StaffWebOptions } from './staff/index.js';

/** The HTTP edge. Each area is its own encapsulated plugin; issue 7 adds admin/ and portal/. */
export function buildHttpServer(options: { logger: Logger; health: HealthSources; callbacks?: CallbackOptions; captive?: CaptiveOptions; staff?: StaffWebOptions; portal?: PortalWebOptions; api?: ApiOptions; trustProxy?: boolean }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // Behind nginx/Caddy terminating HTTPS, the client address is in X-Forwarded-For.
    trustProxy: options.trustProxy ?? false,
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

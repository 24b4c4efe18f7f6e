import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { healthRoutes, type HealthSources } from './health.js';

/** The HTTP edge. Each area is its own encapsulated plugin; issue 7 adds admin/, portal/ and callbacks/. */
export function buildHttpServer(options: { logger: Logger; health: HealthSources }): FastifyInstance {
  const app = Fastify({ loggerInstance: options.logger as FastifyBaseLogger, bodyLimit: 64 * 1024 });
  // Probes and Prometheus scrapes arrive every few seconds; logging each would drown the log.
  app.register(healthRoutes, { ...options.health, logLevel: 'warn' });
  return app;
}

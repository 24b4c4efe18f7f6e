import type { FastifyPluginCallback } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthSources {
  databaseReachable: () => boolean;
  socketsListening: () => boolean;
  metrics: Registry;
}

/** /healthz for load balancers and systemd watchers, /metrics for Prometheus. */
export const healthRoutes: FastifyPluginCallback<HealthSources> = (app, sources, done) => {
  app.get('/healthz', async (_request, reply) => {
    const database = sources.databaseReachable();
    const radius = sources.socketsListening();
    const ok = database && radius;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unhealthy', database, radius });
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.type(sources.metrics.contentType).send(await sources.metrics.metrics());
  });
  done();
};

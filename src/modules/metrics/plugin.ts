// GET /metrics (Prometheus text; METRICS_TOKEN is checked by server/plugins/access.ts, and live
// mode does not start without one) and what is observed of each request: the HTTP metrics, and
// the name of its trace span. Requests are labelled by route pattern (`/api/orders/:id`), never
// by raw URL, so ids cannot explode the series count; a request that matched no route is
// "unmatched".
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { metrics, recordBuildInfo, registry, watchPool } from '../../lib/metrics.ts';
import { errorResponses } from '../../lib/schemas.ts';
import { activeSpan, tracingStarted } from '../../lib/tracing.ts';

const metricsSchema = {
  operationId: 'getMetrics',
  tags: ['operations'],
  summary: 'Prometheus metrics',
  headers: Type.Object({ authorization: Type.Optional(Type.String({ maxLength: 1024 })) }),
  response: { 200: Type.String(), ...errorResponses(401) },
};

export default fp(
  async function metricsPlugin(app: FastifyInstance) {
    const { config, database } = app.ctx;
    recordBuildInfo(config.buildCommit);
    const { pool } = database;
    const unwatchPool = watchPool('app', () => ({
      max: pool.options.max,
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }));
    app.addHook('onClose', async () => unwatchPool());

    if (tracingStarted()) {
      // The HTTP instrumentation names a request's span by its method alone; the route pattern
      // is known here. The request id links the trace to the request's log lines.
      app.addHook('onRequest', async (request) => {
        const span = activeSpan();
        if (!span) return;
        const route = request.routeOptions.url ?? 'unmatched';
        span.updateName(`${request.method} ${route}`);
        span.setAttributes({ 'http.route': route, 'paydeck.request_id': request.id });
      });
    }

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const seconds = reply.elapsedTime / 1000;
      metrics.httpRequests.inc({
        method: request.method,
        route,
        status: `${Math.floor(reply.statusCode / 100)}xx`,
      });
      metrics.httpDuration.observe({ method: request.method, route }, seconds);
    });

    app.get(
      '/metrics',
      { schema: metricsSchema, config: { auth: 'metrics_token' } },
      async (_request, reply) => {
        reply.header('cache-control', 'no-store').type(registry.contentType);
        return registry.metrics();
      },
    );
  },
  { name: 'metrics' },
);

// GET /metrics (Prometheus text; METRICS_TOKEN is checked by server/plugins/access.ts) and the
// HTTP request metrics. Requests are labelled by route pattern (`/api/orders/:id`), never by raw
// URL, so ids cannot explode the series count; a request that matched no route is "unmatched".
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { metrics, registry } from '../../lib/metrics.ts';
import { errorResponses } from '../../lib/schemas.ts';

const metricsSchema = {
  operationId: 'getMetrics',
  tags: ['operations'],
  summary: 'Prometheus metrics',
  headers: Type.Object({ authorization: Type.Optional(Type.String({ maxLength: 1024 })) }),
  response: { 200: Type.String(), ...errorResponses(401) },
};

export default fp(
  async function metricsPlugin(app: FastifyInstance) {
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

// GET /metrics (Prometheus text) and the HTTP request metrics. Requests are labelled by route
// pattern (`/api/orders/:id`), never by raw URL, so ids cannot explode the series count; a
// request that matched no route is counted under "unmatched".
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { safeEqual } from '../../lib/crypto.ts';
import { unauthorized } from '../../lib/errors.ts';
import { metrics, registry } from '../../lib/metrics.ts';
import { errorResponses } from '../../lib/schemas.ts';

const metricsSchema = {
  tags: ['operations'],
  summary: 'Prometheus metrics',
  headers: Type.Object({ authorization: Type.Optional(Type.String({ maxLength: 1024 })) }),
  response: { 200: Type.String(), ...errorResponses(401) },
};

function checkToken(token: string | undefined) {
  return async (request: FastifyRequest) => {
    if (!token) return;
    const sent = request.headers.authorization ?? '';
    if (!safeEqual(sent, `Bearer ${token}`)) throw unauthorized('Send Authorization: Bearer <METRICS_TOKEN>.', 'metrics_token_invalid');
  };
}

export default fp(
  async function metricsPlugin(app: FastifyInstance) {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const seconds = reply.elapsedTime / 1000;
      metrics.httpRequests.inc({ method: request.method, route, status: `${Math.floor(reply.statusCode / 100)}xx` });
      metrics.httpDuration.observe({ method: request.method, route }, seconds);
    });

    app.get('/metrics', { schema: metricsSchema, preHandler: checkToken(app.ctx.config.metricsToken) }, async (_request, reply) => {
      reply.header('cache-control', 'no-store').type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);

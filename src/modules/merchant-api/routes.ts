// The merchant API (/api/v1): server-to-server, authenticated by secret API keys with scopes
// (`config: { auth: 'api_key', scope }`, enforced by server/plugins/access.ts). Each route is a
// schema, a scope and one call into a service. Here: orders. Payments, refunds and customers
// register their /api/v1 routes from their own components (see server/app.ts).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createdRange, pageOf } from '../../lib/list-query.ts';
import { actorFrom } from '../audit/actor.ts';
import { requestKeyOf } from '../idempotency/plugin.ts';
import { createOrderSchema, getOrderSchema, listOrdersSchema } from './schemas.ts';

export default async function merchantApiRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.post(
    '/orders',
    {
      schema: createOrderSchema,
      config: { auth: 'api_key', scope: 'orders:write', idempotency: 'optional' },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await services.merchant.createOrder(
            request.body,
            actorFrom(request),
            requestKeyOf(request),
          ),
        ),
  );

  app.get(
    '/orders',
    { schema: listOrdersSchema, config: { auth: 'api_key', scope: 'orders:read' } },
    async (request) => {
      const q = request.query;
      return services.orders.list(
        { status: q.status, customerId: q.customer_id, created: createdRange(q), q: q.q },
        pageOf(q),
      );
    },
  );

  app.get(
    '/orders/:id',
    { schema: getOrderSchema, config: { auth: 'api_key', scope: 'orders:read' } },
    async (request) => services.orders.getFor(request.params.id, null),
  );
}

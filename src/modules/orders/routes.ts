// Customer-facing orders: create an order from the catalog, list and read own orders. Paying
// them is the payments component's (payments/routes.ts).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorFrom } from '../audit/actor.ts';
import { requestKeyOf } from '../idempotency/plugin.ts';
import { currentUser } from '../auth/plugin.ts';
import { createOrderSchema, getOrderSchema, listOrdersSchema } from './schemas.ts';

export default async function orderRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.post(
    '/',
    { schema: createOrderSchema, config: { auth: 'session', idempotency: 'optional' } },
    async (request, reply) => {
      const user = currentUser(request);
      const order = await services.orders.create(
        { userId: user.id, items: request.body.items, requestKey: requestKeyOf(request) },
        actorFrom(request),
      );
      return reply.status(201).send(await services.orders.getFor(order.id, user.id));
    },
  );

  app.get('/', { schema: listOrdersSchema, config: { auth: 'session' } }, async (request) =>
    services.orders.listForUser(currentUser(request).id, {
      limit: request.query.limit ?? 20,
      startingAfter: request.query.starting_after,
    }),
  );

  app.get(
    '/:id',
    { schema: getOrderSchema, config: { auth: 'session', checkoutLink: 'order' } },
    async (request) => services.orders.getFor(request.params.id, currentUser(request).id),
  );
}

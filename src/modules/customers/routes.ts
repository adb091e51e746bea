// Customer routes: list and read customers (merchant API), look them up (console).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { pageOf } from '../../lib/list-query.ts';
import { actorFrom } from '../audit/actor.ts';
import {
  createCustomerSchema,
  deleteCustomerSchema,
  findCustomersSchema,
  getCustomerSchema,
  listCustomersSchema,
  updateCustomerSchema,
} from './schemas.ts';

/** /api/v1: customers through the merchant API (secret API keys with scopes). */
export async function merchantCustomerRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.get(
    '/customers',
    { schema: listCustomersSchema, config: { auth: 'api_key', scope: 'customers:read' } },
    async (request) =>
      services.customers.list({ email: request.query.email }, pageOf(request.query)),
  );

  app.get(
    '/customers/:id',
    { schema: getCustomerSchema, config: { auth: 'api_key', scope: 'customers:read' } },
    async (request) => services.customers.get(request.params.id),
  );

  app.post(
    '/customers',
    {
      schema: createCustomerSchema,
      config: { auth: 'api_key', scope: 'customers:write', idempotency: 'optional' },
    },
    async (request, reply) => {
      const user = await services.guests.create(request.body, actorFrom(request));
      return reply.status(201).send(await services.customers.get(user.id));
    },
  );

  app.patch(
    '/customers/:id',
    { schema: updateCustomerSchema, config: { auth: 'api_key', scope: 'customers:write' } },
    async (request) => {
      await services.guests.update(request.params.id, request.body, actorFrom(request));
      return services.customers.get(request.params.id);
    },
  );

  app.delete(
    '/customers/:id',
    { schema: deleteCustomerSchema, config: { auth: 'api_key', scope: 'customers:write' } },
    async (request) => ({
      id: request.params.id,
      deleted: true as const,
      deletion: await services.account.deleteCustomer(request.params.id, actorFrom(request)),
    }),
  );
}

/** /api/admin: customer lookup from the operator console. */
export async function adminCustomerRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.get(
    '/customers',
    { schema: findCustomersSchema, config: { auth: 'admin' } },
    async (request) =>
      services.customers.list(
        { q: request.query.q },
        { limit: request.query.limit ?? 25, startingAfter: request.query.starting_after },
      ),
  );
}

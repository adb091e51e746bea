// Customer routes: list and read customers (merchant API), look them up (console).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { pageOf } from '../../lib/list-query.ts';
import { findCustomersSchema, getCustomerSchema, listCustomersSchema } from './schemas.ts';

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

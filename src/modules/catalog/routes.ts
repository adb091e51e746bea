import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorFrom } from '../audit/actor.ts';
import { publicProduct } from './service.ts';
import {
  adminCreateProductSchema,
  adminListProductsSchema,
  adminUpdateProductSchema,
  catalogSchema,
} from './schemas.ts';

/** GET /api/catalog: what customers can buy. */
export async function catalogRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/catalog', { schema: catalogSchema, config: { auth: 'public' } }, async () => ({
    data: (await app.services.catalog.listActive()).map(publicProduct),
  }));
}

/** /api/admin/products: catalog management for operators. */
export async function adminCatalogRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/products',
    { schema: adminListProductsSchema, config: { auth: 'admin' } },
    async () => ({
      data: (await app.services.catalog.listAll()).map(publicProduct),
    }),
  );
  app.post(
    '/products',
    { schema: adminCreateProductSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request, reply) => {
      const row = await app.services.catalog.create(request.body, actorFrom(request));
      return reply.status(201).send(publicProduct(row));
    },
  );
  app.patch(
    '/products/:id',
    { schema: adminUpdateProductSchema, config: { auth: 'admin' } },
    async (request) =>
      publicProduct(
        await app.services.catalog.update(request.params.id, request.body, actorFrom(request)),
      ),
  );
}

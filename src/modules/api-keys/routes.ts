// /api/admin/api-keys: operators create, list and revoke merchant API keys.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorFrom } from '../audit/actor.ts';
import { currentUser } from '../auth/plugin.ts';
import { publicApiKey } from './service.ts';
import { createApiKeySchema, listApiKeysSchema, revokeApiKeySchema } from './schemas.ts';

export default async function apiKeyAdminRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  // onRequest, not preHandler: a refused caller never reaches validation or idempotency.

  app.post(
    '/api-keys',
    { schema: createApiKeySchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request, reply) => {
      const { row, secret } = await app.services.apiKeys.create(
        request.body,
        currentUser(request).id,
        actorFrom(request),
      );
      return reply.status(201).send({ ...publicApiKey(row), secret });
    },
  );

  app.get('/api-keys', { schema: listApiKeysSchema, config: { auth: 'admin' } }, async () => ({
    data: (await app.services.apiKeys.list()).map(publicApiKey),
  }));

  app.delete(
    '/api-keys/:id',
    { schema: revokeApiKeySchema, config: { auth: 'admin' } },
    async (request) =>
      publicApiKey(await app.services.apiKeys.revoke(request.params.id, actorFrom(request))),
  );
}

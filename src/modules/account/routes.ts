// GET /api/account/export and DELETE /api/account (SPEC.md §3).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../../lib/schemas.ts';
import { actorFrom } from '../audit/actor.ts';
import { currentUser } from '../auth/plugin.ts';
import { AccountService } from './service.ts';

export default async function accountRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireUser);
  const { database, clock } = app.ctx;
  const account = new AccountService(database.db, clock, app.services.provider, app.services.orders);

  app.get(
    '/api/account/export',
    {
      schema: {
        tags: ['account'],
        summary: 'Everything Paydeck holds about the signed-in customer, as JSON',
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const data = await account.export(currentUser(request).id);
      reply.header('content-disposition', 'attachment; filename="paydeck-my-data.json"');
      return data;
    },
  );

  app.delete(
    '/api/account',
    {
      schema: {
        tags: ['account'],
        summary: 'Delete my account: Stripe customer deleted, personal data erased, financial records kept pseudonymised',
        response: { 204: Type.Null(), ...errorResponses(401, 403, 409, 503) },
      },
    },
    async (request, reply) => {
      await account.delete(currentUser(request).id, actorFrom(request));
      app.clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );
}

// GET /api/account/export and DELETE /api/account (SPEC.md §3).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { rateLimit } from '../../lib/rate-limits.ts';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';
import { actorFrom } from '../audit/actor.ts';
import { AccountDeletion } from './schemas.ts';
import { currentUser } from '../auth/plugin.ts';

export default async function accountRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { account } = app.services;

  app.get(
    '/api/account/export',
    {
      config: { auth: 'session' },
      schema: {
        operationId: 'exportAccount',
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

  // Guessing the password through this route is limited like signing in.
  const deletePerUser = rateLimit(app, {
    name: 'account-delete:user',
    max: app.ctx.config.rateLimit.authPerMinute,
    windowMs: 60_000,
    key: (r) => r.session?.user.id,
  });

  app.delete(
    '/api/account',
    {
      config: { auth: 'session' },
      preHandler: [deletePerUser],
      schema: {
        operationId: 'deleteAccount',
        tags: ['account'],
        summary:
          'Delete my account: Stripe customer deleted, personal data erased, financial records kept pseudonymised',
        description:
          'Needs the current password; a wrong one answers 403 `password_invalid` and deletes nothing. ' +
          'A payment waiting for 3-D Secure is canceled at Stripe first, and one whose outcome is unknown is settled with Stripe; ' +
          'a payment still in flight after that answers 409 (`payment_outcome_unknown`, or `payment_in_progress` while processing or authorised). ' +
          'The answer lists what was removed and what was kept, anonymised, and why.',
        body: StrictObject({
          password: Type.String({
            minLength: 1,
            maxLength: 256,
            description: 'The current password',
          }),
        }),
        response: { 200: AccountDeletion, ...errorResponses(400, 401, 403, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const deletion = await account.delete(
        currentUser(request).id,
        request.body.password,
        actorFrom(request),
      );
      app.clearSessionCookie(reply);
      return deletion;
    },
  );
}

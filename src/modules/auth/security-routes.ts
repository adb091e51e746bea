// A signed-in person's security settings: an operator's second factor (enrolment, recovery codes;
// ADR 023) and everyone's sessions (list, end one, end the others). Registered under /api/auth;
// an operator ending another account's sessions is under /api/admin (adminSessionRoutes).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from './plugin.ts';
import { requestMeta, secondFactorCodeLimits } from './routes.ts';
import {
  confirmEnrolmentSchema,
  listSessionsSchema,
  regenerateRecoveryCodesSchema,
  revokeOtherSessionsSchema,
  revokeSessionSchema,
  revokeUserSessionsSchema,
  secondFactorStatusSchema,
  startEnrolmentSchema,
} from './schemas.ts';

export async function securityRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { secondFactor, sessionControl } = app.services;
  const codeLimits = secondFactorCodeLimits(app);

  app.get('/mfa', { schema: secondFactorStatusSchema, config: { auth: 'session' } }, (request) =>
    secondFactor.status(currentUser(request)),
  );

  app.post(
    '/mfa/enrolment',
    { schema: startEnrolmentSchema, config: { auth: 'session' } },
    (request) => secondFactor.startEnrolment(currentUser(request), requestMeta(request)),
  );

  app.post(
    '/mfa/enrolment/confirm',
    { schema: confirmEnrolmentSchema, config: { auth: 'session' }, preHandler: codeLimits },
    (request) =>
      secondFactor.confirmEnrolment(
        currentUser(request),
        request.session!.id,
        request.body.code,
        requestMeta(request),
      ),
  );

  app.post(
    '/mfa/recovery-codes',
    { schema: regenerateRecoveryCodesSchema, config: { auth: 'session' }, preHandler: codeLimits },
    (request) =>
      secondFactor.regenerateRecoveryCodes(
        currentUser(request),
        request.body.code,
        requestMeta(request),
      ),
  );

  app.get(
    '/sessions',
    { schema: listSessionsSchema, config: { auth: 'session' } },
    async (request) => ({
      data: await sessionControl.list(currentUser(request).id, request.session!.id),
    }),
  );

  app.delete(
    '/sessions/:id',
    { schema: revokeSessionSchema, config: { auth: 'session' } },
    async (request, reply) => {
      const { current } = await sessionControl.revoke(currentUser(request), request.params.id, {
        ...requestMeta(request),
        currentId: request.session!.id,
      });
      if (current) app.clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/sessions/revoke-others',
    { schema: revokeOtherSessionsSchema, config: { auth: 'session' } },
    (request) =>
      sessionControl.revokeOthers(currentUser(request), request.session!.id, requestMeta(request)),
  );
}

export async function adminSessionRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.delete(
    '/users/:id/sessions',
    { schema: revokeUserSessionsSchema, config: { auth: 'admin' } },
    (request) =>
      app.services.sessionControl.revokeAllOf(
        currentUser(request),
        request.params.id,
        requestMeta(request),
      ),
  );
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from './plugin.ts';
import { byIp, rateLimit } from '../../lib/rate-limits.ts';
import { toPublicUser, type RequestMeta } from './service.ts';
import { loginSchema, logoutSchema, sessionSchema, signupSchema } from './schemas.ts';

export function requestMeta(request: FastifyRequest): RequestMeta {
  return {
    ip: request.ip ?? null,
    userAgent: request.headers['user-agent'] ?? null,
    requestId: request.id,
  };
}

export default async function authRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const rateLimits = app.ctx.config.rateLimit;
  // Per IP against spraying, per email against guessing one account's password from many IPs.
  const perIp = rateLimit(app, {
    name: 'auth:ip',
    max: rateLimits.authPerMinute,
    windowMs: 60_000,
    key: byIp,
  });
  const perEmail = rateLimit(app, {
    name: 'auth:email',
    max: rateLimits.authPerEmailPerHour,
    windowMs: 3_600_000,
    key: (request) => {
      const email = (request.body as { email?: unknown } | undefined)?.email;
      return typeof email === 'string' ? email.trim().toLowerCase() : undefined;
    },
  });

  app.post(
    '/signup',
    {
      schema: signupSchema,
      config: { auth: 'visitor', csrf: false },
      preHandler: [perIp, perEmail],
    },
    async (request, reply) => {
      const signedIn = await app.services.auth.signup(request.body, requestMeta(request));
      app.setSessionCookie(reply, signedIn.token);
      return reply.status(201).send({ user: signedIn.user, csrf_token: signedIn.csrfToken });
    },
  );

  app.post(
    '/login',
    {
      schema: loginSchema,
      config: { auth: 'visitor', csrf: false },
      preHandler: [perIp, perEmail],
    },
    async (request, reply) => {
      const signedIn = await app.services.auth.login(
        request.body,
        requestMeta(request),
        request.session?.id,
      );
      app.setSessionCookie(reply, signedIn.token);
      return { user: signedIn.user, csrf_token: signedIn.csrfToken };
    },
  );

  app.post(
    '/logout',
    { schema: logoutSchema, config: { auth: 'session' } },
    async (request, reply) => {
      await app.services.auth.logout(
        currentUser(request),
        request.session!.id,
        request.body?.everywhere === true,
        requestMeta(request),
      );
      app.clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.get('/session', { schema: sessionSchema, config: { auth: 'visitor' } }, async (request) => ({
    user: request.session ? toPublicUser(request.session.user) : null,
    csrf_token: request.session?.csrfToken ?? null,
  }));
}

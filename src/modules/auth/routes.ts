import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from './plugin.ts';
import { byIp, rateLimit } from '../../lib/rate-limits.ts';
import { toPublicUser, type RequestMeta, type SignedIn } from './service.ts';
import {
  changePasswordSchema,
  loginSchema,
  logoutSchema,
  passwordResetConfirmSchema,
  passwordResetRequestSchema,
  secondFactorSignInSchema,
  sessionSchema,
  signupSchema,
} from './schemas.ts';

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
  const { policy } = app.services.secondFactor;

  /**
   * The session answer of sign-up, sign-in and its second step. `enrolled`: whether the account
   * has a second factor (sign-in answers a full session to an operator only without one, or
   * after its code).
   */
  function sessionBody(signedIn: SignedIn, enrolled: boolean) {
    return {
      user: signedIn.user,
      csrf_token: signedIn.csrfToken,
      second_factor_pending: signedIn.secondFactorPending,
      operator_mfa: signedIn.user?.role === 'admin' ? { policy, enrolled } : null,
    };
  }

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
  const codeLimits = secondFactorCodeLimits(app);

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
      return reply.status(201).send(sessionBody(signedIn, false));
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
        (request.session ?? request.pendingSignIn)?.id,
      );
      app.setSessionCookie(reply, signedIn.token);
      // A full session from the password alone means the account has no second factor.
      return sessionBody(signedIn, false);
    },
  );

  app.post(
    '/login/second-factor',
    {
      schema: secondFactorSignInSchema,
      config: { auth: 'second_factor' },
      preHandler: codeLimits,
    },
    async (request, reply) => {
      const signedIn = await app.services.secondFactor.completeSignIn(
        request.pendingSignIn!,
        { code: request.body.code, recoveryCode: request.body.recovery_code },
        requestMeta(request),
      );
      app.setSessionCookie(reply, signedIn.token);
      return sessionBody(signedIn, true);
    },
  );

  app.post(
    '/logout',
    { schema: logoutSchema, config: { auth: 'session', checkoutLink: 'any' } },
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

  // Guessing the current password through this route is limited like signing in.
  app.post(
    '/password',
    { schema: changePasswordSchema, config: { auth: 'session' }, preHandler: [perIp] },
    async (request) => {
      const { sessionsEnded } = await app.services.auth.changePassword(
        currentUser(request),
        request.session!.id,
        { currentPassword: request.body.current_password, newPassword: request.body.new_password },
        requestMeta(request),
      );
      return { other_sessions_ended: sessionsEnded };
    },
  );

  // Forgot password. Limited per IP and per address (each link is an email sent to someone);
  // the limits count unknown addresses the same as known ones, so a 429 tells nothing either.
  const resetPerIp = rateLimit(app, {
    name: 'password-reset:ip',
    max: rateLimits.authPerMinute,
    windowMs: 60_000,
    key: byIp,
  });
  const resetPerEmail = rateLimit(app, {
    name: 'password-reset:email',
    max: rateLimits.passwordResetPerEmailPerHour,
    windowMs: 3_600_000,
    key: (request) => {
      const email = (request.body as { email?: unknown } | undefined)?.email;
      return typeof email === 'string' ? email.trim().toLowerCase() : undefined;
    },
  });

  app.post(
    '/password-reset',
    {
      schema: passwordResetRequestSchema,
      config: { auth: 'visitor', csrf: false },
      preHandler: [resetPerIp, resetPerEmail],
    },
    async (request, reply) => {
      await app.services.passwordResets.request(request.body.email, requestMeta(request));
      return reply.status(202).send({
        message:
          'If an account has this address, we sent it a link to choose a new password. It works once, for 30 minutes.',
      });
    },
  );

  app.post(
    '/password-reset/confirm',
    {
      schema: passwordResetConfirmSchema,
      config: { auth: 'visitor', csrf: false },
      preHandler: [resetPerIp],
    },
    async (request) => {
      const { sessionsEnded } = await app.services.passwordResets.confirm(
        request.body.token,
        request.body.password,
        requestMeta(request),
      );
      return { sessions_ended: sessionsEnded };
    },
  );

  app.get('/session', { schema: sessionSchema, config: { auth: 'visitor' } }, async (request) => {
    const session = request.session;
    const pending = request.pendingSignIn;
    return {
      user: session ? toPublicUser(session.user) : null,
      // A sign-in waiting for its code needs the token to send it.
      csrf_token: (session ?? pending)?.csrfToken ?? null,
      second_factor_pending: !session && pending !== null,
      operator_mfa:
        session?.user.role === 'admin' ? { policy, enrolled: session.secondFactorEnrolled } : null,
      checkout_order_id: session?.checkoutOrderId ?? null,
    };
  });
}

/**
 * Second-factor codes are limited like passwords: per IP, and per account (ADR 023) — the same
 * two counters for the sign-in step, enrolment and new recovery codes.
 */
export function secondFactorCodeLimits(app: FastifyInstance) {
  const limits = app.ctx.config.rateLimit;
  return [
    rateLimit(app, { name: 'mfa:ip', max: limits.authPerMinute, windowMs: 60_000, key: byIp }),
    rateLimit(app, {
      name: 'mfa:user',
      max: limits.authPerEmailPerHour,
      windowMs: 3_600_000,
      key: (request) => (request.pendingSignIn ?? request.session)?.user.id,
    }),
  ];
}

// Checkout links: the route the checkout page calls when it was opened from a checkout_url.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { byIp, rateLimit } from '../../lib/rate-limits.ts';
import { requestMeta } from '../auth/routes.ts';
import { openCheckoutSchema } from './schemas.ts';

export default async function checkoutRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  // Tokens are not guessable, but each try costs a MAC and a read: limited like signing in.
  const perIp = rateLimit(app, {
    name: 'checkout:ip',
    max: app.ctx.config.rateLimit.authPerMinute,
    windowMs: 60_000,
    key: byIp,
  });

  app.post(
    '/sessions',
    {
      schema: openCheckoutSchema,
      // Runs before this browser has a session for the order, like signing in.
      config: { auth: 'visitor', csrf: false },
      preHandler: [perIp],
    },
    async (request, reply) => {
      const signedIn = await app.services.checkout.open(
        request.body.order_id,
        request.body.token,
        requestMeta(request),
        (request.session ?? request.pendingSignIn)?.id,
      );
      app.setSessionCookie(reply, signedIn.token);
      return {
        user: signedIn.user,
        csrf_token: signedIn.csrfToken,
        second_factor_pending: false,
        operator_mfa: null,
        checkout_order_id: request.body.order_id,
      };
    },
  );
}

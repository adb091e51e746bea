// The wallet: SetupIntents for Stripe.js, saving a card by its pm_… id, listing, default, removal.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorFrom } from '../audit/actor.ts';
import { currentUser } from '../auth/plugin.ts';
import { byIp, rateLimit } from '../../lib/rate-limits.ts';
import { publicPaymentMethod } from './service.ts';
import {
  addPaymentMethodSchema,
  createSetupIntentSchema,
  deletePaymentMethodSchema,
  listPaymentMethodsSchema,
  setDefaultPaymentMethodSchema,
} from './schemas.ts';

export default async function paymentMethodRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const wallet = app.services.paymentMethods;
  // Card testing: saving cards is limited per IP and per account. Adding one card takes a
  // SetupIntent and a save; only the save counts against the limit, so one card counts once.
  // SetupIntents get their own, looser counters: a customer may start over (a typo, a failed
  // 3-D Secure) without using up the limit, but cannot ask for them without end.
  const perHour = app.ctx.config.rateLimit.addCardPerHour;
  const byUser = (r: FastifyRequest) => r.session?.user.id;
  const addPerIp = rateLimit(app, {
    name: 'add-card:ip',
    max: perHour * 2,
    windowMs: 3_600_000,
    key: byIp,
  });
  const addPerUser = rateLimit(app, {
    name: 'add-card:user',
    max: perHour,
    windowMs: 3_600_000,
    key: byUser,
  });
  const setupPerIp = rateLimit(app, {
    name: 'setup-intent:ip',
    max: perHour * 6,
    windowMs: 3_600_000,
    key: byIp,
  });
  const setupPerUser = rateLimit(app, {
    name: 'setup-intent:user',
    max: perHour * 3,
    windowMs: 3_600_000,
    key: byUser,
  });

  app.post(
    '/api/setup-intents',
    {
      schema: createSetupIntentSchema,
      config: { auth: 'session', idempotency: 'optional' },
      preHandler: [setupPerIp, setupPerUser],
    },
    async (request) => {
      const key = request.headers['idempotency-key'];
      return wallet.createSetupIntent(
        currentUser(request).id,
        typeof key === 'string' ? key : undefined,
      );
    },
  );

  app.post(
    '/api/payment-methods',
    {
      schema: addPaymentMethodSchema,
      config: { auth: 'session', idempotency: 'optional' },
      preHandler: [addPerIp, addPerUser],
    },
    async (request, reply) => {
      const { row, created } = await wallet.add(
        currentUser(request).id,
        request.body.payment_method_id,
        actorFrom(request),
      );
      return reply.status(created ? 201 : 200).send(publicPaymentMethod(row));
    },
  );

  app.get(
    '/api/payment-methods',
    // A checkout link lists the customer's cards too: saved at an earlier link's checkout, with
    // their consent, they pay the next order.
    { schema: listPaymentMethodsSchema, config: { auth: 'session', checkoutLink: 'any' } },
    async (request) => ({
      data: (await wallet.list(currentUser(request).id)).map(publicPaymentMethod),
    }),
  );

  app.delete(
    '/api/payment-methods/:id',
    { schema: deletePaymentMethodSchema, config: { auth: 'session' } },
    async (request, reply) => {
      await wallet.remove(currentUser(request).id, request.params.id, actorFrom(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/payment-methods/:id/default',
    { schema: setDefaultPaymentMethodSchema, config: { auth: 'session', idempotency: 'optional' } },
    async (request) =>
      publicPaymentMethod(
        await wallet.setDefault(currentUser(request).id, request.params.id, actorFrom(request)),
      ),
  );
}

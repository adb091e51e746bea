// Customer-facing orders and payments: create an order from the catalog, list and read own
// orders, pay (Idempotency-Key required), and settle after 3-D Secure.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorFrom } from '../audit/actor.ts';
import { currentUser } from '../auth/plugin.ts';
import { byIp, rateLimit } from '../../lib/rate-limits.ts';
import { payOrderSchema, syncOrderSchema } from '../payments/schemas.ts';
import type { PayResult } from '../payments/service.ts';
import { publicPayment } from './service.ts';
import { createOrderSchema, getOrderSchema, listOrdersSchema } from './schemas.ts';

export async function payResponse(
  app: FastifyInstance,
  result: Pick<PayResult, 'payment' | 'clientSecret' | 'nextAction'>,
  userId: string | null,
) {
  const p = publicPayment(result.payment);
  return {
    order: await app.services.orders.getFor(result.payment.orderId, userId),
    payment: {
      id: p.id,
      status: p.status,
      ...(result.clientSecret ? { client_secret: result.clientSecret } : {}),
      ...(result.nextAction ? { next_action: result.nextAction } : {}),
      failure_code: p.failure_code,
      decline_code: p.decline_code,
      failure_message: p.failure_message,
    },
  };
}

export default async function orderRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;
  // Card testing: a burst of payment attempts from one IP or one account is refused.
  const perMinute = app.ctx.config.rateLimit.payPerMinute;
  const payPerIp = rateLimit(app, {
    name: 'pay:ip',
    max: perMinute * 3,
    windowMs: 60_000,
    key: byIp,
  });
  const payPerUser = rateLimit(app, {
    name: 'pay:user',
    max: perMinute,
    windowMs: 60_000,
    key: (r) => r.session?.user.id,
  });

  app.post(
    '/',
    { schema: createOrderSchema, config: { auth: 'session', idempotency: 'optional' } },
    async (request, reply) => {
      const user = currentUser(request);
      const order = await services.orders.create(
        { userId: user.id, items: request.body.items },
        actorFrom(request),
      );
      return reply.status(201).send(await services.orders.getFor(order.id, user.id));
    },
  );

  app.get('/', { schema: listOrdersSchema, config: { auth: 'session' } }, async (request) =>
    services.orders.listForUser(currentUser(request).id, {
      limit: request.query.limit ?? 20,
      startingAfter: request.query.starting_after,
    }),
  );

  app.get('/:id', { schema: getOrderSchema, config: { auth: 'session' } }, async (request) =>
    services.orders.getFor(request.params.id, currentUser(request).id),
  );

  app.post(
    '/:id/pay',
    {
      schema: payOrderSchema,
      config: { auth: 'session', idempotency: 'required' },
      preHandler: [payPerIp, payPerUser],
    },
    async (request, reply) => {
      const user = currentUser(request);
      const result = await services.payments.pay(
        {
          orderId: request.params.id,
          userId: user.id,
          paymentMethodId: request.body?.payment_method_id,
          savePaymentMethod: request.body?.save_payment_method,
        },
        actorFrom(request),
      );
      return reply.status(result.httpStatus).send(await payResponse(app, result, user.id));
    },
  );

  app.post(
    '/:id/sync',
    { schema: syncOrderSchema, config: { auth: 'session' } },
    async (request) => {
      const user = currentUser(request);
      const payment = await services.payments.syncOrder(
        request.params.id,
        user.id,
        actorFrom(request),
      );
      if (!payment)
        return {
          order: await services.orders.getFor(request.params.id, user.id),
          payment: { id: '', status: 'none' },
        };
      return payResponse(app, { payment, clientSecret: null, nextAction: null }, user.id);
    },
  );
}

// Payment routes for the three channels, each a schema, an access declaration and one call into
// the payments service:
//  - customers (/api/orders): pay an order (Idempotency-Key required), settle after 3-D Secure;
//  - the merchant API (/api/v1): charge off-session, capture, cancel, list and read payments;
//  - the console (/api/admin): capture and cancel.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createdRange, pageOf } from '../../lib/list-query.ts';
import { byIp, rateLimit } from '../../lib/rate-limits.ts';
import { actorFrom } from '../audit/actor.ts';
import { currentUser } from '../auth/plugin.ts';
import type { OrderView } from '../orders/service.ts';
import { requestKeyOf } from '../idempotency/plugin.ts';
import {
  adminCancelOrderSchema,
  adminCaptureOrderSchema,
  cancelOrderPaymentSchema,
  chargeOrderSchema,
  getPaymentSchema,
  listPaymentsSchema,
  merchantCancelOrderSchema,
  merchantCaptureOrderSchema,
  payOrderSchema,
  syncOrderSchema,
} from './schemas.ts';
import { publicPayment, type PayResult } from './service.ts';

/** The answer to a pay or charge request: the order, and the payment's outcome. */
async function payResponse(
  app: FastifyInstance,
  result: Pick<PayResult, 'payment' | 'order' | 'clientSecret' | 'nextAction'>,
  userId: string | null,
) {
  const p = publicPayment(result.payment);
  return {
    // The view the settling transaction read, when it has one (the caller's access to the order
    // was checked before paying); otherwise the order as it is now.
    order: result.order
      ? // The settling transaction's view is the merchant's; a customer gets their own.
        userId === null
        ? (result.order as OrderView)
        : app.services.orders.forCustomer(result.order as OrderView)
      : await app.services.orders.getFor(result.payment.orderId, userId),
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

/**
 * /api/orders/:id/pay, /sync and /cancel-payment: the signed-in customer pays their order,
 * settles it after 3-D Secure, or gives up a payment left waiting for 3-D Secure.
 */
export async function customerPaymentRoutes(base: FastifyInstance) {
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
    '/:id/pay',
    {
      schema: payOrderSchema,
      config: { auth: 'session', idempotency: 'required', checkoutLink: 'order' },
      // Before the Idempotency-Key is claimed: a refusal here is never stored as the key's answer.
      preHandler: [
        payPerIp,
        payPerUser,
        async (request) => services.auth.requireCurrentTerms(currentUser(request).id),
      ],
    },
    async (request, reply) => {
      const user = currentUser(request);
      const result = await services.payments.pay(
        {
          orderId: request.params.id,
          userId: user.id,
          paymentMethodId: request.body?.payment_method_id,
          savePaymentMethod: request.body?.save_payment_method,
          requestKey: requestKeyOf(request),
        },
        actorFrom(request),
      );
      return reply.status(result.httpStatus).send(await payResponse(app, result, user.id));
    },
  );

  app.post(
    '/:id/sync',
    { schema: syncOrderSchema, config: { auth: 'session', checkoutLink: 'order' } },
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

  app.post(
    '/:id/cancel-payment',
    { schema: cancelOrderPaymentSchema, config: { auth: 'session', idempotency: 'optional' } },
    async (request) => {
      const user = currentUser(request);
      await services.payments.cancelForCustomer(request.params.id, user.id, actorFrom(request));
      return services.orders.getFor(request.params.id, user.id);
    },
  );
}

/** /api/v1: payments through the merchant API (secret API keys with scopes). */
export async function merchantPaymentRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.post(
    '/orders/:id/charge',
    {
      schema: chargeOrderSchema,
      config: { auth: 'api_key', scope: 'payments:write', idempotency: 'optional' },
    },
    async (request, reply) => {
      const result = await services.payments.pay(
        {
          orderId: request.params.id,
          userId: null,
          offSession: true,
          paymentMethodId: request.body?.payment_method_id,
          requestKey: requestKeyOf(request),
        },
        actorFrom(request),
      );
      return reply.status(result.httpStatus).send(await payResponse(app, result, null));
    },
  );

  app.post(
    '/orders/:id/capture',
    {
      schema: merchantCaptureOrderSchema,
      config: { auth: 'api_key', scope: 'payments:write', idempotency: 'optional' },
    },
    async (request) => {
      await services.payments.capture(request.params.id, request.body?.amount, actorFrom(request));
      return services.orders.getFor(request.params.id, null);
    },
  );

  app.post(
    '/orders/:id/cancel',
    {
      schema: merchantCancelOrderSchema,
      config: { auth: 'api_key', scope: 'orders:write', idempotency: 'optional' },
    },
    async (request) => {
      await services.payments.cancel(request.params.id, actorFrom(request));
      return services.orders.getFor(request.params.id, null);
    },
  );

  app.get(
    '/payments',
    { schema: listPaymentsSchema, config: { auth: 'api_key', scope: 'payments:read' } },
    async (request) => {
      const q = request.query;
      return services.payments.records.list(
        {
          status: q.status,
          customerId: q.customer_id,
          orderId: q.order_id,
          declineCode: q.decline_code,
          created: createdRange(q),
        },
        pageOf(q),
      );
    },
  );

  app.get(
    '/payments/:id',
    { schema: getPaymentSchema, config: { auth: 'api_key', scope: 'payments:read' } },
    async (request) => services.payments.records.get(request.params.id),
  );
}

/** /api/admin: capture and cancel from the operator console. */
export async function adminPaymentRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.post(
    '/orders/:id/capture',
    { schema: adminCaptureOrderSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request) => {
      await services.payments.capture(request.params.id, request.body?.amount, actorFrom(request));
      return services.orders.getFor(request.params.id, null);
    },
  );

  app.post(
    '/orders/:id/cancel',
    { schema: adminCancelOrderSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request) => {
      await services.payments.cancel(request.params.id, actorFrom(request));
      return services.orders.getFor(request.params.id, null);
    },
  );
}

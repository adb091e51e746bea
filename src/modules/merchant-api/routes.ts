// The merchant API (/api/v1): server-to-server, authenticated by secret API keys with scopes
// (`config: { auth: 'api_key', scope }`, enforced by server/plugins/access.ts). Each route is a
// schema, a scope and one call into a service.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorFrom } from '../audit/actor.ts';
import { payResponse } from '../orders/routes.ts';
import { publicRefund } from '../orders/service.ts';
import { MerchantApiService, createdRange } from './service.ts';
import {
  cancelOrderSchema,
  captureOrderSchema,
  chargeOrderSchema,
  createOrderSchema,
  getCustomerSchema,
  getOrderSchema,
  getPaymentSchema,
  getRefundSchema,
  listCustomersSchema,
  listOrdersSchema,
  listPaymentsSchema,
  listRefundsSchema,
  refundOrderSchema,
} from './schemas.ts';

const page = (q: { limit?: number | undefined; starting_after?: string | undefined }) => ({
  limit: q.limit ?? 10,
  startingAfter: q.starting_after,
});

export default async function merchantApiRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;
  const merchant = new MerchantApiService(app.ctx.database.db, services);

  // Orders ------------------------------------------------------------------------------------

  app.post(
    '/orders',
    {
      schema: createOrderSchema,
      config: { auth: 'api_key', scope: 'orders:write', idempotency: 'optional' },
    },
    async (request, reply) =>
      reply.status(201).send(await merchant.createOrder(request.body, actorFrom(request))),
  );

  app.get(
    '/orders',
    { schema: listOrdersSchema, config: { auth: 'api_key', scope: 'orders:read' } },
    async (request) => {
      const q = request.query;
      return merchant.listOrders(
        { status: q.status, customerId: q.customer_id, created: createdRange(q), q: q.q },
        page(q),
      );
    },
  );

  app.get(
    '/orders/:id',
    { schema: getOrderSchema, config: { auth: 'api_key', scope: 'orders:read' } },
    async (request) => services.orders.getFor(request.params.id, null),
  );

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
        },
        actorFrom(request),
      );
      return reply.status(result.httpStatus).send(await payResponse(app, result, null));
    },
  );

  app.post(
    '/orders/:id/capture',
    {
      schema: captureOrderSchema,
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
      schema: cancelOrderSchema,
      config: { auth: 'api_key', scope: 'orders:write', idempotency: 'optional' },
    },
    async (request) => {
      await services.payments.cancel(request.params.id, actorFrom(request));
      return services.orders.getFor(request.params.id, null);
    },
  );

  app.post(
    '/orders/:id/refunds',
    {
      schema: refundOrderSchema,
      config: { auth: 'api_key', scope: 'refunds:write', idempotency: 'optional' },
    },
    async (request, reply) => {
      const { refund, httpStatus } = await services.refunds.refund(
        { orderId: request.params.id, amount: request.body?.amount, reason: request.body?.reason },
        actorFrom(request),
      );
      return reply.status(httpStatus).send(publicRefund(refund));
    },
  );

  // Payments, refunds, customers ----------------------------------------------------------------

  app.get(
    '/payments',
    { schema: listPaymentsSchema, config: { auth: 'api_key', scope: 'payments:read' } },
    async (request) => {
      const q = request.query;
      return merchant.listPayments(
        {
          status: q.status,
          customerId: q.customer_id,
          orderId: q.order_id,
          declineCode: q.decline_code,
          created: createdRange(q),
        },
        page(q),
      );
    },
  );

  app.get(
    '/payments/:id',
    { schema: getPaymentSchema, config: { auth: 'api_key', scope: 'payments:read' } },
    async (request) => merchant.getPayment(request.params.id),
  );

  app.get(
    '/refunds',
    { schema: listRefundsSchema, config: { auth: 'api_key', scope: 'refunds:read' } },
    async (request) => {
      const q = request.query;
      return merchant.listRefunds(
        {
          status: q.status,
          orderId: q.order_id,
          paymentId: q.payment_id,
          customerId: q.customer_id,
          created: createdRange(q),
        },
        page(q),
      );
    },
  );

  app.get(
    '/refunds/:id',
    { schema: getRefundSchema, config: { auth: 'api_key', scope: 'refunds:read' } },
    async (request) => merchant.getRefund(request.params.id),
  );

  app.get(
    '/customers',
    { schema: listCustomersSchema, config: { auth: 'api_key', scope: 'customers:read' } },
    async (request) => merchant.listCustomers({ email: request.query.email }, page(request.query)),
  );

  app.get(
    '/customers/:id',
    { schema: getCustomerSchema, config: { auth: 'api_key', scope: 'customers:read' } },
    async (request) => merchant.getCustomer(request.params.id),
  );
}

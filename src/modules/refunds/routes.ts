// Refund routes: refund an order, list and read refunds (merchant API), refund from the console.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createdRange, pageOf } from '../../lib/list-query.ts';
import { actorFrom } from '../audit/actor.ts';
import { requestKeyOf } from '../idempotency/plugin.ts';
import {
  adminRefundOrderSchema,
  getRefundSchema,
  listRefundsSchema,
  merchantRefundOrderSchema,
} from './schemas.ts';
import { publicRefund } from './service.ts';

/** /api/v1: refunds through the merchant API (secret API keys with scopes). */
export async function merchantRefundRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.post(
    '/orders/:id/refunds',
    {
      schema: merchantRefundOrderSchema,
      config: { auth: 'api_key', scope: 'refunds:write', idempotency: 'optional' },
    },
    async (request, reply) => {
      const { refund, httpStatus } = await services.refunds.refund(
        {
          orderId: request.params.id,
          amount: request.body?.amount,
          reason: request.body?.reason,
          requestKey: requestKeyOf(request),
        },
        actorFrom(request),
      );
      return reply.status(httpStatus).send(publicRefund(refund));
    },
  );

  app.get(
    '/refunds',
    { schema: listRefundsSchema, config: { auth: 'api_key', scope: 'refunds:read' } },
    async (request) => {
      const q = request.query;
      return services.refunds.records.list(
        {
          status: q.status,
          orderId: q.order_id,
          paymentId: q.payment_id,
          customerId: q.customer_id,
          created: createdRange(q),
        },
        pageOf(q),
      );
    },
  );

  app.get(
    '/refunds/:id',
    { schema: getRefundSchema, config: { auth: 'api_key', scope: 'refunds:read' } },
    async (request) => services.refunds.records.get(request.params.id),
  );
}

/** /api/admin: refunds from the operator console. */
export async function adminRefundRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.post(
    '/orders/:id/refunds',
    { schema: adminRefundOrderSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request, reply) => {
      const { refund, httpStatus } = await services.refunds.refund(
        {
          orderId: request.params.id,
          amount: request.body?.amount,
          reason: request.body?.reason,
          requestKey: requestKeyOf(request),
        },
        actorFrom(request),
      );
      return reply.status(httpStatus).send(publicRefund(refund));
    },
  );
}

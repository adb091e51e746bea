// The operator API (/api/admin): payments with their timeline, refunds, capture and cancel from
// the console, customer lookup and the audit log. Admin session cookie + CSRF token.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorFrom } from '../audit/actor.ts';
import { publicRefund } from '../orders/service.ts';
import { createdRange } from '../merchant-api/service.ts';
import { AdminService } from './service.ts';
import {
  cancelOrderSchema,
  captureOrderSchema,
  findCustomersSchema,
  getPaymentSchema,
  listAuditSchema,
  listPaymentsSchema,
  refundOrderSchema,
  verifyAuditSchema,
} from './schemas.ts';

export default async function adminRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  // onRequest, not preHandler: a refused caller never reaches validation or idempotency.
  const { services } = app;
  const admin = new AdminService(app.ctx.database.db, services);

  app.get(
    '/payments',
    { schema: listPaymentsSchema, config: { auth: 'admin' } },
    async (request) => {
      const q = request.query;
      return admin.searchPayments(
        {
          status: q.status,
          created: createdRange(q),
          amountGte: q.amount_gte,
          amountLte: q.amount_lte,
          customerEmail: q.customer_email,
          declineCode: q.decline_code,
          q: q.q,
        },
        { limit: q.limit ?? 25, offset: q.offset ?? 0 },
      );
    },
  );

  app.get(
    '/payments/:id',
    { schema: getPaymentSchema, config: { auth: 'admin' } },
    async (request) => admin.paymentDetail(request.params.id),
  );

  app.post(
    '/orders/:id/refunds',
    { schema: refundOrderSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request, reply) => {
      const { refund, httpStatus } = await services.refunds.refund(
        { orderId: request.params.id, amount: request.body?.amount, reason: request.body?.reason },
        actorFrom(request),
      );
      return reply.status(httpStatus).send(publicRefund(refund));
    },
  );

  app.post(
    '/orders/:id/capture',
    { schema: captureOrderSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request) => {
      await services.payments.capture(request.params.id, request.body?.amount, actorFrom(request));
      return services.orders.getFor(request.params.id, null);
    },
  );

  app.post(
    '/orders/:id/cancel',
    { schema: cancelOrderSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request) => {
      await services.payments.cancel(request.params.id, actorFrom(request));
      return services.orders.getFor(request.params.id, null);
    },
  );

  app.get(
    '/customers',
    { schema: findCustomersSchema, config: { auth: 'admin' } },
    async (request) =>
      admin.findCustomers(request.query.q, {
        limit: request.query.limit ?? 25,
        startingAfter: request.query.starting_after,
      }),
  );

  app.get('/audit', { schema: listAuditSchema, config: { auth: 'admin' } }, async (request) => {
    const q = request.query;
    return admin.audit(
      {
        targetType: q.target_type,
        targetId: q.target_id,
        action: q.action,
        actorType: q.actor_type,
        actorId: q.actor_id,
      },
      { limit: q.limit ?? 50, startingAfter: q.starting_after },
    );
  });

  app.post('/audit/verify', { schema: verifyAuditSchema, config: { auth: 'admin' } }, async () =>
    admin.verifyAudit(),
  );
}

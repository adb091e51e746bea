// The operator API (/api/admin): payments with their customers and their timeline, and the audit
// log. Admin session cookie + CSRF token. Refunds, capture and cancel, and customer lookup are
// registered by their own components (see server/app.ts).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createdRange } from '../../lib/list-query.ts';
import {
  getPaymentSchema,
  listAuditSchema,
  listPaymentsSchema,
  verifyAuditSchema,
} from './schemas.ts';

export default async function adminRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { admin, audit } = app.services;

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

  app.get('/audit', { schema: listAuditSchema, config: { auth: 'admin' } }, async (request) => {
    const q = request.query;
    return audit.list(
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
    audit.verify(),
  );
}

// GET /api/admin/mail: what the local catcher kept, so a new user sees every message Paydeck
// would have sent (alerts, and customers' emails). Empty when SMTP_URL sends mail for real.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { caughtMail } from './mailer.ts';
import { listMailSchema } from './schemas.ts';

export default async function adminMailRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/mail', { schema: listMailSchema, config: { auth: 'admin' } }, async (request) => {
    const page = await caughtMail(app.ctx.database.db, {
      limit: request.query.limit ?? 25,
      startingAfter: request.query.starting_after,
    });
    return {
      data: page.data.map((m) => ({
        id: m.id,
        from: m.fromAddress,
        to: m.toAddresses,
        subject: m.subject,
        text: m.text,
        created_at: m.createdAt.toISOString(),
      })),
      has_more: page.hasMore,
      mailer: app.services.mailer?.kind ?? ('none' as const),
    };
  });
}

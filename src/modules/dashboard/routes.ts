import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { dashboardSchema } from './schemas.ts';

/** /api/admin/dashboard: the console's first page. */
export async function adminDashboardRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/dashboard', { schema: dashboardSchema, config: { auth: 'admin' } }, async (request) =>
    app.services.dashboard.figures(request.query.window ?? '24h'),
  );
}

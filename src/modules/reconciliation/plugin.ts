// The reconciliation component's operator routes. The service is app.services.reconciliation
// (the scheduled job reaches it there too).
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { adminReconciliationRoutes } from './routes.ts';

export default fp(
  async function reconciliationPlugin(app: FastifyInstance) {
    await app.register(adminReconciliationRoutes, { prefix: '/api/admin' });
  },
  { name: 'reconciliation', dependencies: ['auth'] },
);

// The reconciliation component: its service decorated on the root app (the scheduled job reaches
// it there) and the operator routes.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { adminReconciliationRoutes } from './routes.ts';
import { ReconciliationService } from './service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    reconciliation: ReconciliationService;
  }
}

export default fp(
  async function reconciliationPlugin(app: FastifyInstance) {
    const { provider, payments, refunds } = app.services;
    app.decorate(
      'reconciliation',
      new ReconciliationService({
        db: app.ctx.database.db,
        clock: app.ctx.clock,
        provider,
        payments,
        refunds,
        logger: app.log as unknown as Logger,
      }),
    );
    await app.register(adminReconciliationRoutes, { prefix: '/api/admin' });
  },
  { name: 'reconciliation', dependencies: ['auth'] },
);

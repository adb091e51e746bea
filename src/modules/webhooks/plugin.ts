// The webhooks component's routes, each in its own context: the intake (whose raw-body parser
// applies there only) and the operator's event log. The service is app.services.webhooks.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { adminWebhookRoutes, webhookIntakeRoutes } from './routes.ts';

export default fp(
  async function webhooksPlugin(app: FastifyInstance) {
    await app.register(webhookIntakeRoutes);
    await app.register(adminWebhookRoutes, { prefix: '/api/admin' });
  },
  { name: 'webhooks', dependencies: ['auth'] },
);

// The webhooks component: the accepted secrets and the service, decorated on the root app (jobs
// and start-up reach them there), and its routes in their own contexts.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { DisputesService } from '../disputes/service.ts';
import { adminWebhookRoutes, webhookIntakeRoutes } from './routes.ts';
import { WebhookSecrets } from './secrets.ts';
import { WebhooksService } from './service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    webhookSecrets: WebhookSecrets;
    webhooks: WebhooksService;
  }
}

export default fp(
  async function webhooksPlugin(app: FastifyInstance) {
    const { database, clock, config } = app.ctx;
    const secrets = new WebhookSecrets(config.stripe.webhookSecrets);
    const { provider, payments, refunds, jobs } = app.services;
    app.decorate('webhookSecrets', secrets);
    app.decorate(
      'webhooks',
      new WebhooksService({
        db: database.db,
        clock,
        provider,
        payments,
        refunds,
        disputes: new DisputesService(database.db, clock),
        jobs,
        secrets,
        logger: app.log as unknown as Logger,
      }),
    );
    await app.register(webhookIntakeRoutes);
    await app.register(adminWebhookRoutes, { prefix: '/api/admin' });
  },
  { name: 'webhooks', dependencies: ['auth'] },
);

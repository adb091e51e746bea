// What the browser needs to talk to Stripe: nothing secret.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export default async function configRoutes(app: FastifyInstance) {
  const { stripe } = app.ctx.config;
  const body = {
    publishable_key: stripe.publishableKey ?? '',
    stripe_js_url: stripe.jsUrl,
    mode: stripe.mode,
  };
  app.get(
    '/api/config',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getBrowserConfig',
        tags: ['config'],
        summary: 'Browser configuration: Stripe publishable key, Stripe.js URL, mode',
        response: {
          200: Type.Object(
            {
              publishable_key: Type.String(),
              stripe_js_url: Type.String(),
              mode: Type.Union([
                Type.Literal('simulated'),
                Type.Literal('test'),
                Type.Literal('live'),
              ]),
            },
            { title: 'BrowserConfig' },
          ),
        },
      },
    },
    async () => body,
  );
}

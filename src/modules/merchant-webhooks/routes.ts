// Webhook endpoints and events: for the merchant's backend under /api/v1 (scopes webhooks:read
// and webhooks:write) and for the console under /api/admin. Each route is a schema, an access
// declaration and one call into the service.
import type { FastifyContextConfig, FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createdRange, pageOf } from '../../lib/list-query.ts';
import { actorFrom } from '../audit/actor.ts';
import { endpointSchemas } from './schemas.ts';

type Channel = 'merchant' | 'admin';

function routesFor(channel: Channel) {
  const read: FastifyContextConfig =
    channel === 'merchant'
      ? { auth: 'api_key' as const, scope: 'webhooks:read' as const }
      : { auth: 'admin' as const };
  const write: FastifyContextConfig =
    channel === 'merchant'
      ? { auth: 'api_key' as const, scope: 'webhooks:write' as const }
      : { auth: 'admin' as const };
  const schemas = endpointSchemas(channel);

  return async function webhookEndpointRoutes(base: FastifyInstance) {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const service = () => app.services.merchantWebhooks;

    // No Idempotency-Key on the two routes that answer a secret: it must never be stored.
    app.post(
      '/webhook_endpoints',
      { schema: schemas.create, config: write },
      async (request, reply) => {
        const { endpoint, secret } = await service().create(request.body, actorFrom(request));
        return reply.status(201).send({ ...endpoint, secret });
      },
    );

    app.get('/webhook_endpoints', { schema: schemas.list, config: read }, async () => ({
      data: await service().list(),
    }));

    app.get('/webhook_endpoints/:id', { schema: schemas.get, config: read }, async (request) =>
      service().get(request.params.id),
    );

    app.post(
      '/webhook_endpoints/:id',
      { schema: schemas.update, config: { ...write, idempotency: 'optional' } },
      async (request) => service().update(request.params.id, request.body, actorFrom(request)),
    );

    app.delete(
      '/webhook_endpoints/:id',
      { schema: schemas.remove, config: write },
      async (request) => service().remove(request.params.id, actorFrom(request)),
    );

    app.post(
      '/webhook_endpoints/:id/rotate_secret',
      { schema: schemas.rotate, config: write },
      async (request) => {
        const { endpoint, secret } = await service().rotateSecret(
          request.params.id,
          actorFrom(request),
        );
        return { ...endpoint, secret };
      },
    );

    app.get(
      '/webhook_endpoints/:id/deliveries',
      { schema: schemas.deliveries, config: read },
      async (request) =>
        service().deliveries(request.params.id, {
          limit: request.query.limit ?? 20,
          startingAfter: request.query.starting_after,
        }),
    );

    app.post(
      '/webhook_endpoints/:id/resend',
      { schema: schemas.resend, config: { ...write, idempotency: 'optional' } },
      async (request, reply) => {
        reply.code(202);
        return service().resend(request.params.id, request.body.event_id, actorFrom(request));
      },
    );

    app.get('/events', { schema: schemas.listEvents, config: read }, async (request) =>
      service().listEvents(
        { type: request.query.type, created: createdRange(request.query) },
        pageOf(request.query),
      ),
    );

    app.get('/events/:id', { schema: schemas.getEvent, config: read }, async (request) =>
      service().getEvent(request.params.id),
    );
  };
}

export const merchantWebhookRoutes = routesFor('merchant');
export const adminWebhookEndpointRoutes = routesFor('admin');

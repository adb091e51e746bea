import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { byIp, rateLimit } from '../../lib/rate-limits.ts';
import { actorFrom } from '../audit/actor.ts';
import type { WebhookEventRow } from './repository.ts';
import { getEventSchema, intakeSchema, listEventsSchema, replayEventSchema } from './schemas.ts';

/** Stripe's payloads are small; 1 MB leaves room without inviting abuse. */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** Failed verifications allowed per IP and minute; Stripe itself never fails, so this only slows probing. */
const UNVERIFIED_PER_MINUTE = 30;

/** POST /webhooks/stripe. Its own encapsulated context: the raw-body parser applies here only. */
export async function webhookIntakeRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  // The signature covers the exact bytes Stripe sent: keep them, whatever the declared type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
  const limitUnverified = rateLimit(app, {
    name: 'webhook-unverified:ip',
    max: UNVERIFIED_PER_MINUTE,
    windowMs: 60_000,
    key: byIp,
  });

  // Only failures count against the limit, so a flood of forgeries never slows Stripe's deliveries.
  async function verified(request: FastifyRequest) {
    try {
      return app.services.webhooks.verify(
        request.body as Buffer | undefined,
        request.headers['stripe-signature'] as string | undefined,
      );
    } catch (err) {
      await limitUnverified(request);
      throw err;
    }
  }

  app.post(
    '/webhooks/stripe',
    { schema: intakeSchema, config: { auth: 'stripe_signature' } },
    async (request) => {
      await app.services.webhooks.receive(await verified(request));
      return { received: true as const };
    },
  );
}

function publicEvent(row: WebhookEventRow) {
  return {
    id: row.stripeEventId,
    type: row.type,
    object_id: row.objectId,
    status: row.status,
    attempts: row.attempts,
    last_error: row.lastError,
    livemode: row.livemode,
    api_version: row.apiVersion,
    created: row.stripeCreatedAt.toISOString(),
    received_at: row.receivedAt.toISOString(),
    processed_at: row.processedAt?.toISOString() ?? null,
  };
}
const eventDetail = (row: WebhookEventRow) => ({ ...publicEvent(row), payload: row.payload });

/** /api/admin/webhook-events: the operator's event log, with replay. */
export async function adminWebhookRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/webhook-events',
    { schema: listEventsSchema, config: { auth: 'admin' } },
    async (request) => {
      const { status, type, object_id, limit, starting_after } = request.query;
      const page = await app.services.webhooks.list(
        { status, type, objectId: object_id },
        { limit: limit ?? 25, startingAfter: starting_after },
      );
      return { data: page.data.map(publicEvent), has_more: page.hasMore };
    },
  );
  app.get(
    '/webhook-events/:id',
    { schema: getEventSchema, config: { auth: 'admin' } },
    async (request) => eventDetail(await app.services.webhooks.get(request.params.id)),
  );
  app.post(
    '/webhook-events/:id/replay',
    { schema: replayEventSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request) =>
      eventDetail(await app.services.webhooks.replay(request.params.id, actorFrom(request))),
  );
}

import { Type } from 'typebox';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';

const EventStatus = Type.Union(
  [
    Type.Literal('received'),
    Type.Literal('processed'),
    Type.Literal('ignored'),
    Type.Literal('failed'),
  ],
  { title: 'WebhookEventStatus' },
);
const StripeEventId = Type.String({ minLength: 1, maxLength: 255, pattern: '^evt_[A-Za-z0-9_]+$' });

/** The last second a timestamp column (and a JavaScript Date) holds comfortably: 9999-12-31T23:59:59Z. */
const LAST_UNIX_SECOND = 253_402_300_799;

/**
 * What intake reads from a Stripe event before storing it; the rest of the envelope is kept as
 * Stripe sent it. Checked after the signature, so a well-signed event of another shape is a 400
 * rather than a failed insert.
 */
export const StripeEventEnvelope = Type.Object({
  id: StripeEventId,
  type: Type.String({ minLength: 1, maxLength: 255 }),
  created: Type.Integer({ minimum: 0, maximum: LAST_UNIX_SECOND, description: 'Unix seconds' }),
  livemode: Type.Optional(Type.Boolean()),
  api_version: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  data: Type.Object({
    object: Type.Object({ id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
  }),
});

export const intakeSchema = {
  operationId: 'receiveStripeWebhook',
  tags: ['webhooks'],
  summary: 'Stripe events (signed with the endpoint secret)',
  // Optional here so that a missing signature is answered (and counted) like a bad one.
  headers: Type.Object({ 'stripe-signature': Type.Optional(Type.String({ maxLength: 8192 })) }),
  response: {
    200: Type.Object({ received: Type.Literal(true) }),
    ...errorResponses(400, 413, 429),
  },
};

const WebhookEvent = Type.Object(
  {
    id: Type.String({ description: 'Stripe event id' }),
    type: Type.String(),
    object_id: Type.Union([Type.String(), Type.Null()]),
    status: EventStatus,
    attempts: Type.Integer(),
    last_error: Type.Union([Type.String(), Type.Null()]),
    livemode: Type.Boolean(),
    api_version: Type.Union([Type.String(), Type.Null()]),
    created: Type.String({ format: 'date-time', description: 'When Stripe created the event' }),
    received_at: Type.String({ format: 'date-time' }),
    processed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'WebhookEvent' },
);
const WebhookEventDetail = Type.Intersect(
  [WebhookEvent, Type.Object({ payload: Type.Unknown() })],
  { title: 'WebhookEventDetail' },
);

export const listEventsSchema = {
  operationId: 'adminListWebhookEvents',
  tags: ['admin'],
  summary: 'Stored Stripe events, newest first',
  querystring: StrictObject({
    status: Type.Optional(EventStatus),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    object_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    starting_after: Type.Optional(StripeEventId),
  }),
  response: {
    200: Type.Object(
      { data: Type.Array(WebhookEvent), has_more: Type.Boolean() },
      { title: 'WebhookEventList' },
    ),
    ...errorResponses(400, 401, 403),
  },
};

const EventParams = StrictObject({ id: StripeEventId });

export const getEventSchema = {
  operationId: 'adminGetWebhookEvent',
  tags: ['admin'],
  summary: 'One stored Stripe event with its payload',
  params: EventParams,
  response: { 200: WebhookEventDetail, ...errorResponses(400, 401, 403, 404) },
};

export const replayEventSchema = {
  operationId: 'adminReplayWebhookEvent',
  tags: ['admin'],
  summary: 'Process a stored event again',
  params: EventParams,
  body: Type.Optional(StrictObject({})),
  response: { 200: WebhookEventDetail, ...errorResponses(400, 401, 403, 404, 409) },
};

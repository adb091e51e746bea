// Merchant webhook schemas: endpoints, their delivery log, and events. Each route is declared
// twice — under /api/v1 for the merchant's API key and /api/admin for the console — with the same
// body and answer schemas and an operationId of its own.
import { Type } from 'typebox';
import { CreatedQuery, PageQuery, literals, listOf } from '../../lib/api-schemas.ts';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { MERCHANT_EVENT_TYPES } from './service.ts';

export const MerchantEventType = Type.Union(
  MERCHANT_EVENT_TYPES.map((t) => Type.Literal(t)),
  { title: 'MerchantEventType' },
);

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const WebhookEndpoint = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    url: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    events: Type.Array(Type.String()),
    status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
    disabled_reason: Type.Union([Type.Literal('manual'), Type.Literal('failing'), Type.Null()]),
    disabled_at: NullableTimestamp,
    failing_since: Type.Union([Timestamp, Type.Null()], {
      description: 'The first failed attempt since the last delivered one',
    }),
    previous_secret_expires_at: Type.Union([Timestamp, Type.Null()], {
      description: 'After a rotation: until when the previous secret signs beside the new one',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'WebhookEndpoint' },
);

export const WebhookEndpointWithSecret = Type.Object(
  {
    ...WebhookEndpoint.properties,
    secret: Type.String({
      description:
        'The signing secret (whsec_…) for the standardwebhooks library. Shown only in this response.',
    }),
  },
  { title: 'WebhookEndpointWithSecret' },
);

export const MerchantEvent = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Also sent as the webhook-id header' }),
    type: Type.String(),
    timestamp: Timestamp,
    data: Type.Object(
      {},
      {
        additionalProperties: true,
        description: 'The object as the API shows it at the moment of the change',
      },
    ),
  },
  { title: 'MerchantEvent' },
);

export const WebhookDelivery = Type.Object(
  {
    id: Type.Integer(),
    event_id: Type.String({ format: 'uuid' }),
    event_type: Type.String(),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('delivered'),
      Type.Literal('failed'),
    ]),
    attempt_count: Type.Integer(),
    next_attempt_at: NullableTimestamp,
    delivered_at: NullableTimestamp,
    last_error: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    attempts: Type.Array(
      Type.Object({
        attempted_at: Timestamp,
        duration_ms: Type.Integer(),
        request: Type.Object({
          url: Type.String(),
          headers: Type.Record(Type.String(), Type.String()),
        }),
        response_status: Type.Union([Type.Integer(), Type.Null()]),
        response_body: Type.Union([Type.String(), Type.Null()], {
          description: 'The first 4 KB of the answer',
        }),
        error: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  },
  { title: 'WebhookDelivery' },
);

const EndpointUrl = Type.String({
  minLength: 8,
  maxLength: 2048,
  description: 'https:// (http:// only where private targets are allowed)',
});
const EventTypes = Type.Array(MerchantEventType, {
  minItems: 1,
  maxItems: MERCHANT_EVENT_TYPES.length,
  uniqueItems: true,
});
const Description = Type.String({ minLength: 1, maxLength: 500 });
const EndpointParams = StrictObject({ id: Uuid });

type Channel = 'merchant' | 'admin';
const tagsOf = (channel: Channel) => [channel === 'merchant' ? 'merchant API' : 'admin'];
const opId = (channel: Channel, name: string) =>
  channel === 'merchant' ? name : `admin${name[0]!.toUpperCase()}${name.slice(1)}`;

export function endpointSchemas(channel: Channel) {
  const tags = tagsOf(channel);
  return {
    create: {
      operationId: opId(channel, 'createWebhookEndpoint'),
      tags,
      summary: 'Register a webhook endpoint; its signing secret is shown once',
      body: StrictObject({
        url: EndpointUrl,
        events: EventTypes,
        description: Type.Optional(Description),
      }),
      response: { 201: WebhookEndpointWithSecret, ...errorResponses(400, 401, 403, 409, 429) },
    },
    list: {
      operationId: opId(channel, 'listWebhookEndpoints'),
      tags,
      summary: 'Webhook endpoints, newest first (never their secrets)',
      response: {
        200: Type.Object({ data: Type.Array(WebhookEndpoint) }, { title: 'WebhookEndpointList' }),
        ...errorResponses(401, 403, 429),
      },
    },
    get: {
      operationId: opId(channel, 'getWebhookEndpoint'),
      tags,
      summary: 'One webhook endpoint',
      params: EndpointParams,
      response: { 200: WebhookEndpoint, ...errorResponses(400, 401, 403, 404, 429) },
    },
    update: {
      operationId: opId(channel, 'updateWebhookEndpoint'),
      tags,
      summary: 'Change an endpoint, or disable and re-enable it',
      params: EndpointParams,
      body: StrictObject({
        url: Type.Optional(EndpointUrl),
        events: Type.Optional(EventTypes),
        description: Type.Optional(Description),
        status: Type.Optional(literals(['enabled', 'disabled'] as const)),
      }),
      response: { 200: WebhookEndpoint, ...errorResponses(400, 401, 403, 404, 429) },
    },
    remove: {
      operationId: opId(channel, 'deleteWebhookEndpoint'),
      tags,
      summary: 'Delete an endpoint and its delivery log',
      params: EndpointParams,
      response: {
        200: Type.Object(
          {
            id: Type.String({ format: 'uuid' }),
            deleted: Type.Literal(true),
            deleted_at: Timestamp,
          },
          { title: 'DeletedWebhookEndpoint' },
        ),
        ...errorResponses(400, 401, 403, 404, 429),
      },
    },
    rotate: {
      operationId: opId(channel, 'rotateWebhookEndpointSecret'),
      tags,
      summary: 'A new signing secret, shown once; the old one keeps signing beside it for 24 hours',
      params: EndpointParams,
      response: { 200: WebhookEndpointWithSecret, ...errorResponses(400, 401, 403, 404, 429) },
    },
    deliveries: {
      operationId: opId(channel, 'listWebhookDeliveries'),
      tags,
      summary: "The endpoint's delivery log, newest first, with every attempt",
      params: EndpointParams,
      querystring: StrictObject({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        starting_after: Type.Optional(Type.Integer({ minimum: 1 })),
      }),
      response: {
        200: listOf(WebhookDelivery, 'WebhookDeliveryList'),
        ...errorResponses(400, 401, 403, 404, 429),
      },
    },
    resend: {
      operationId: opId(channel, 'resendWebhookEvent'),
      tags,
      summary: 'Send an event to the endpoint once more',
      params: EndpointParams,
      body: StrictObject({ event_id: Uuid }),
      response: { 202: WebhookDelivery, ...errorResponses(400, 401, 403, 404, 429) },
    },
    listEvents: {
      operationId: opId(channel, 'listEvents'),
      tags,
      summary: 'Events, newest first: what was (or would be) sent to webhook endpoints',
      querystring: StrictObject({
        ...PageQuery,
        ...CreatedQuery,
        type: Type.Optional(MerchantEventType),
      }),
      response: {
        200: listOf(MerchantEvent, 'MerchantEventList'),
        ...errorResponses(400, 401, 403, 429),
      },
    },
    getEvent: {
      operationId: opId(channel, 'getEvent'),
      tags,
      summary: 'One event',
      params: StrictObject({ id: Uuid }),
      response: { 200: MerchantEvent, ...errorResponses(400, 401, 403, 404, 429) },
    },
  };
}

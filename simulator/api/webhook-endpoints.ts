import { invalidRequest, noSuch } from '../errors.ts';
import { paginate } from '../objects.ts';
import {
  allowOnly,
  applyMetadata,
  bool,
  nullableStr,
  requiredStr,
  str,
  strArray,
  type Params,
} from '../params.ts';
import type { Route } from '../router.ts';
import { type Ctx } from '../sim.ts';
import type { WebhookEndpoint } from '../types.ts';
import { newId, nowSeconds, randomToken } from '../util.ts';

/** `*`, or dotted lower-case words like `payment_intent.succeeded`. */
function isEventType(type: string): boolean {
  const parts = type.split('.');
  return type === '*' || (parts.length >= 2 && parts.every((p) => /^[a-z_]+$/.test(p)));
}

function enabledEvents(params: Params, required: boolean): string[] | undefined {
  const events = strArray(params, 'enabled_events');
  if (!events || events.length === 0) {
    if (required) {
      throw invalidRequest('Missing required param: enabled_events.', {
        param: 'enabled_events',
        code: 'parameter_missing',
      });
    }
    return undefined;
  }
  for (const e of events) {
    if (!isEventType(e)) {
      throw invalidRequest(`Invalid event type: ${e}`, { param: 'enabled_events' });
    }
  }
  return events;
}

function checkUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return url;
  } catch {
    // fall through
  }
  throw invalidRequest(`Invalid URL: ${url}`, { param: 'url', code: 'url_invalid' });
}

function create(ctx: Ctx, params: Params): WebhookEndpoint & { secret: string } {
  allowOnly(params, ['url', 'enabled_events', 'description', 'metadata', 'api_version', 'connect']);
  const url = checkUrl(requiredStr(params, 'url'));
  const events = enabledEvents(params, true)!;
  const endpoint: WebhookEndpoint = {
    id: newId('we'),
    object: 'webhook_endpoint',
    // null: events use the account's default version (the SDK's pinned one here), as on Stripe.
    api_version: str(params, 'api_version') ?? null,
    application: null,
    created: nowSeconds(),
    description: str(params, 'description') ?? null,
    enabled_events: events,
    livemode: false,
    metadata: applyMetadata({}, params.metadata),
    status: 'enabled',
    url,
  };
  const secret = `whsec_${randomToken(32)}`;
  ctx.sim.store.internal.webhookSecrets[endpoint.id] = secret;
  ctx.sim.store.put('webhook_endpoints', endpoint);
  // The secret is shown only in the create response, as on Stripe.
  return { ...endpoint, secret };
}

function getEndpoint(ctx: Ctx, id: string): WebhookEndpoint {
  const endpoint = ctx.sim.store.get<WebhookEndpoint>('webhook_endpoints', id);
  if (!endpoint) throw noSuch('webhook endpoint', id);
  return endpoint;
}

function updateEndpoint(ctx: Ctx, params: Params, id: string): WebhookEndpoint {
  allowOnly(params, ['url', 'enabled_events', 'description', 'metadata', 'disabled']);
  const endpoint = getEndpoint(ctx, id);
  const url = str(params, 'url');
  if (url) endpoint.url = checkUrl(url);
  const events = enabledEvents(params, false);
  if (events) endpoint.enabled_events = events;
  const description = nullableStr(params, 'description');
  if (description !== undefined) endpoint.description = description;
  const disabled = bool(params, 'disabled');
  if (disabled !== undefined) endpoint.status = disabled ? 'disabled' : 'enabled';
  endpoint.metadata = applyMetadata(endpoint.metadata ?? {}, params.metadata);
  ctx.sim.store.changed();
  return endpoint;
}

export const webhookEndpointRoutes: Route[] = [
  { method: 'POST', path: '/v1/webhook_endpoints', handler: (ctx, p) => create(ctx, p) },
  {
    method: 'GET',
    path: '/v1/webhook_endpoints/:id',
    handler: (ctx, _p, { id }) => getEndpoint(ctx, id!),
  },
  {
    method: 'POST',
    path: '/v1/webhook_endpoints/:id',
    handler: (ctx, p, { id }) => updateEndpoint(ctx, p, id!),
  },
  {
    method: 'DELETE',
    path: '/v1/webhook_endpoints/:id',
    handler: (ctx, _p, { id }) => {
      getEndpoint(ctx, id!);
      ctx.sim.store.remove('webhook_endpoints', id!);
      delete ctx.sim.store.internal.webhookSecrets[id!];
      return { id, object: 'webhook_endpoint', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/webhook_endpoints',
    handler: (ctx, p) =>
      paginate(ctx.sim.store.newestFirst('webhook_endpoints'), p, '/v1/webhook_endpoints'),
  },
];

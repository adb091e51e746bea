// Events: every state change is recorded as a Stripe event (a snapshot of the object, with
// `previous_attributes` for updates) and handed to webhook delivery.
import type { Ctx } from './sim.ts';
import { API_VERSION, type StripeEvent, type StripeObject } from './types.ts';
import { clone, newId, previousAttributes } from './util.ts';

/** Events kept (oldest dropped), so that long load tests do not grow without bound. */
const EVENT_LIMIT = 50_000;

/** Records an event (a snapshot of `object`) and hands it to webhook delivery. */
export function emit(
  ctx: Ctx,
  type: string,
  object: StripeObject,
  previous?: Record<string, unknown>,
): StripeEvent {
  const endpoints = ctx.sim.webhooks.endpointsFor(type);
  const event: StripeEvent = {
    id: newId('evt'),
    object: 'event',
    api_version: API_VERSION,
    // On the simulator's clock, which time travel moves (POST /_sim/clock).
    created: Math.floor(ctx.sim.webhooks.now() / 1000),
    data: previous
      ? { object: clone(object), previous_attributes: previous }
      : { object: clone(object) },
    livemode: false,
    pending_webhooks: endpoints.length,
    request: { id: ctx.requestId, idempotency_key: ctx.idempotencyKey },
    type,
  };
  const events = ctx.sim.store.collections.events;
  events.set(event.id, event);
  if (events.size > EVENT_LIMIT) events.delete(events.keys().next().value!);
  ctx.sim.store.changed();
  if (endpoints.length > 0) ctx.sim.webhooks.enqueue(event, endpoints);
  return event;
}

/**
 * Applies `change` to a stored object, all or nothing: it runs on a copy, so a validation error
 * thrown halfway leaves the object untouched. Given an event type, emits it with
 * `previous_attributes` (only when something actually changed).
 */
export function update<T extends StripeObject>(
  ctx: Ctx,
  obj: T,
  change: (draft: T) => void,
  eventType?: string,
): T {
  const draft = clone(obj);
  change(draft);
  const previous = previousAttributes(obj, draft);
  Object.assign(obj, draft);
  ctx.sim.store.changed();
  if (eventType && Object.keys(previous).length > 0) emit(ctx, eventType, obj, previous);
  return obj;
}

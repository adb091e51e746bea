// Builders for webhook tests: signed Stripe events, an operator account, and a hand-run of the
// jobs the app queued (tests have no pg-boss worker; the handlers are the real ones).
import Stripe from 'stripe';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema.ts';
import { PROCESS_WEBHOOK_JOB } from '../../src/modules/webhooks/service.ts';
import type { TestApp } from './app.ts';
import { aCustomer, newKey } from './builders.ts';

export const TEST_WEBHOOK_SECRET = 'whsec_paydeck_tests_primary';

export function stripeFor(t: TestApp): Stripe {
  const url = new URL(t.sim.url);
  return new Stripe('sk_test_paydeck_tests', {
    host: url.hostname,
    port: url.port,
    protocol: 'http',
  });
}

/** A Stripe event envelope around `object`, shaped like the ones Stripe sends. */
export function anEvent(
  type: string,
  object: Record<string, unknown>,
  options: { id?: string; created?: number } = {},
) {
  return {
    id: options.id ?? `evt_${newKey('t').replace(/[^A-Za-z0-9]/g, '')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: options.created ?? Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

/** Posts an event to the intake, signed with `secret` (at `timestamp`, unix seconds). */
export function deliver(
  t: TestApp,
  event: object | string,
  options: { secret?: string; timestamp?: number; signature?: string | null; ip?: string } = {},
) {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const signature =
    options.signature === undefined
      ? Stripe.webhooks.generateTestHeaderString({
          payload,
          secret: options.secret ?? TEST_WEBHOOK_SECRET,
          ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
        })
      : options.signature;
  return t.app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    payload,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(signature !== null ? { 'stripe-signature': signature } : {}),
    },
    ...(options.ip ? { remoteAddress: options.ip } : {}),
  });
}

/** Runs (and removes) the webhook-processing jobs the app queued, in the order given. */
export async function processQueuedWebhooks(
  t: TestApp,
  order: (ids: string[]) => string[] = (ids) => ids,
): Promise<string[]> {
  const queued = t.jobs.filter((j) => j.name === PROCESS_WEBHOOK_JOB);
  t.jobs.splice(0, t.jobs.length, ...t.jobs.filter((j) => j.name !== PROCESS_WEBHOOK_JOB));
  const ids = order(queued.map((j) => (j.data as { eventId: string }).eventId));
  for (const id of ids) await t.app.services.webhooks.process(id);
  return ids;
}

/** A signed-in operator. */
export async function anAdmin(t: TestApp) {
  const { client, user } = await aCustomer(t);
  await t.database.db.update(users).set({ role: 'admin' }).where(eq(users.id, user.id));
  return { client, user };
}

/** Waits until the simulator has no webhook delivery scheduled or in flight. */
export async function webhooksDelivered(t: TestApp, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${t.sim.url}/_sim/webhooks/deliveries`);
    const body = (await res.json()) as { pending: number };
    if (body.pending === 0) return;
    if (Date.now() > deadline) throw new Error('webhook deliveries still pending');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Idempotency-Key records hold only what a route handler answered (ADR 008): a request refused
// before its handler ran leaves its key free for the client's retry, and a claim left behind by
// a request that died is taken over once its lease has run out.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAppBehindProxy, type AppBehindProxy } from '../helpers/app-behind-proxy.ts';
import { aCustomer, aCustomerWithOrder, aProduct, newKey, pay } from '../helpers/builders.ts';
import { idempotencyKeys, refunds as refundsTable } from '../../src/db/schema.ts';
import { LEASE_MS } from '../../src/modules/idempotency/plugin.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { eventually } from '../helpers/eventually.ts';
import { anApiKey } from '../helpers/api-keys.ts';
import { addFault, clearFaults, stripeFor } from '../helpers/stripe.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function recordOf(app: TestApp, userId: string, key: string) {
  return app.database.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, `user:${userId}`), eq(idempotencyKeys.key, key)))
    .then((rows) => rows[0]);
}

/** The limiter's counters for one app (Redis only: the in-process store cannot be reached). */
async function forgetRateLimits(app: TestApp) {
  if (!app.redis) return;
  const counters = await app.redis.keys(`${app.app.ctx.rateLimitNamespace}*`);
  if (counters.length > 0) await app.redis.del(...counters);
}

/**
 * Puts a key back in the state a crashed process leaves it: claimed, no response, last renewed
 * `ageMs` ago (by default long past its lease). Keys from newKey() are unique, so the key alone
 * names the record whoever its caller.
 */
async function abandon(key: string, ageMs = LEASE_MS + 60_000) {
  await t.database.db
    .update(idempotencyKeys)
    .set({
      state: 'in_progress',
      responseStatus: null,
      responseBody: null,
      lockedAt: new Date(Date.now() - ageMs),
    })
    .where(eq(idempotencyKeys.key, key));
}

describe('refusals made before the handler ran are not stored', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await createTestApp({ env: { RATE_LIMIT_PAY_PER_MINUTE: '1' } });
  });
  afterAll(() => limited.close());

  it('when a pay is refused by the rate limit, then its key stores nothing: the retry is a fresh 429, not a replay', async () => {
    await forgetRateLimits(limited);
    const { client, user, order } = await aCustomerWithOrder(limited);
    const other = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: (await aProduct(limited)).id, quantity: 1 }] },
    });
    expect(
      (await pay(client, other.json().id, { payment_method_id: 'pm_card_visa' })).statusCode,
    ).toBe(200);

    const key = newKey('limited');
    const refused = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limited');
    expect(await recordOf(limited, user.id, key)).toBeUndefined();

    const retry = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(retry.statusCode).toBe(429);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it.skipIf(!process.env.REDIS_URL)(
    'when the rate limit has cleared, then the refused key pays, and its retry replays the payment',
    async () => {
      await forgetRateLimits(limited);
      const { client, order } = await aCustomerWithOrder(limited);
      const other = await client.request('POST', '/api/orders', {
        body: { items: [{ product_id: (await aProduct(limited)).id, quantity: 1 }] },
      });
      expect(
        (await pay(client, other.json().id, { payment_method_id: 'pm_card_visa' })).statusCode,
      ).toBe(200);
      const key = newKey('limited-then-paid');
      expect(
        (await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key)).statusCode,
      ).toBe(429);

      // A minute later, as far as the limiter knows.
      await forgetRateLimits(limited);
      const paid = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
      expect(paid.statusCode).toBe(200);
      expect(paid.headers['idempotent-replayed']).toBeUndefined();
      expect(paid.json().order).toMatchObject({ id: order.id, status: 'paid' });
      await forgetRateLimits(limited);
      const replay = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(paid.body);
    },
  );

  it('when a request fails validation, then its key stays free for the corrected request', async () => {
    const { client } = await aCustomer(t);
    const product = await aProduct(t, 1200);
    const key = newKey('invalid-first');
    const invalid = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 0 }] },
      headers: { 'idempotency-key': key },
    });
    expect(invalid.statusCode).toBe(400);
    const fixed = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 1 }] },
      headers: { 'idempotency-key': key },
    });
    expect(fixed.statusCode).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it("when the handler itself refuses, then that answer is the key's result: the retry replays it", async () => {
    const { client } = await aCustomer(t);
    const key = newKey('handler-refusal');
    const body = { items: [{ product_id: '00000000-0000-4000-8000-000000000000', quantity: 1 }] };
    const first = await client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.statusCode).toBeGreaterThanOrEqual(400);
    expect(first.statusCode).toBeLessThan(500);
    const again = await client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.statusCode).toBe(first.statusCode);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });
});

describe('a claim left by a request that died', () => {
  it('when its lease has run out, then a retry with the same key takes it over and runs, and the next retry replays that', async () => {
    const { client } = await aCustomer(t);
    const product = await aProduct(t, 1500);
    const key = newKey('crashed');
    const body = { items: [{ product_id: product.id, quantity: 1 }] };
    const first = await client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.statusCode).toBe(201);
    // Its process died 5 s after the lease ran out (still well inside the old 60 s lock).
    await abandon(key, LEASE_MS + 5_000);

    const retry = await client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    // The handler ran again, and found the order its first run created: not a second order.
    expect(retry.json().id).toBe(first.json().id);
    expect((await client.request('GET', '/api/orders')).json().data).toHaveLength(1);
    const again = await client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(retry.body);
  });

  it('when its lease is still fresh, then a retry is told the key is in use', async () => {
    const { client } = await aCustomer(t);
    const product = await aProduct(t, 1500);
    const key = newKey('renewed');
    const body = { items: [{ product_id: product.id, quantity: 1 }] };
    expect(
      (await client.request('POST', '/api/orders', { body, headers: { 'idempotency-key': key } }))
        .statusCode,
    ).toBe(201);
    await abandon(key, 2_000);

    const retry = await client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(retry.statusCode).toBe(409);
    expect(retry.json().error.code).toBe('idempotency_key_in_use');
    expect(retry.headers['retry-after']).toBe('1');
  });
});

describe('a pay whose first answer was lost (the process died before its key was completed)', () => {
  async function intentsOf(orderId: string) {
    return (
      await stripeFor(t).paymentIntents.search({
        query: `metadata['paydeck_order_id']:'${orderId}'`,
      })
    ).data;
  }

  afterEach(() => clearFaults(t));

  it('when the payment succeeded, then the retry with the same key gets that payment, not 409 order_already_paid', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const key = newKey('lost-paid');
    const first = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(first.statusCode).toBe(200);
    await abandon(key);

    const retry = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().payment.id).toBe(first.json().payment.id);
    expect(retry.json().order.status).toBe('paid');
    expect(await intentsOf(order.id)).toHaveLength(1);
    // …and that answer is now the key's: the next retry replays it.
    const again = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().payment.id).toBe(first.json().payment.id);
  });

  it('when the payment was left unknown (Stripe acted, its answer lost), then the retry settles it and answers paid, with one charge', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const key = newKey('lost-unknown');
    await addFault(t, {
      match: 'POST /v1/payment_intents',
      kind: 'reset',
      phase: 'after',
      count: 4,
    });
    const first = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(first.statusCode).toBe(202);
    expect(first.json().payment.status).toBe('unknown');
    await clearFaults(t);
    await abandon(key);

    const retry = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().payment.id).toBe(first.json().payment.id);
    expect(retry.json().payment.status).toBe('succeeded');
    expect(await intentsOf(order.id)).toHaveLength(1);
  });

  it('when the card was declined, then the retry gets the same decline for the same payment, and Stripe is not asked again', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const key = newKey('lost-declined');
    const body = { payment_method_id: 'pm_card_visa_chargeDeclinedInsufficientFunds' };
    const first = await pay(client, order.id, body, key);
    expect(first.statusCode).toBe(402);
    await abandon(key);

    const retry = await pay(client, order.id, body, key);
    expect(retry.statusCode, retry.body).toBe(402);
    expect(retry.json().error.code).toBe(first.json().error.code);
    expect(retry.json().error.payment.id).toBe(first.json().error.payment.id);
    expect(retry.json().error.decline_code).toBe('insufficient_funds');
    expect(await intentsOf(order.id)).toHaveLength(1);
  });

  it('when a refund was made, then the retry with the same key gets that refund, never a second one', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    const { api } = await anApiKey(t);
    const key = newKey('lost-refund');
    const refund = () =>
      api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
        body: { amount: 500 },
        headers: { 'idempotency-key': key },
      });
    const first = await refund();
    expect(first.statusCode, first.body).toBe(200);
    await abandon(key);

    const retry = await refund();
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().id).toBe(first.json().id);
    const refunds = await t.database.db
      .select()
      .from(refundsTable)
      .where(eq(refundsTable.orderId, order.id));
    expect(refunds).toHaveLength(1);
    const paymentIntent = (await intentsOf(order.id))[0]!;
    expect(
      (await stripeFor(t).refunds.list({ payment_intent: paymentIntent.id })).data,
    ).toHaveLength(1);
  });

  it('when a merchant order was created, then the retry with the same key gets that order, not a second one to charge', async () => {
    const { api } = await anApiKey(t);
    const { user } = await aCustomer(t);
    const key = newKey('lost-order');
    const create = () =>
      api.request('POST', '/api/v1/orders', {
        body: { customer_id: user.id, amount: 1234, currency: 'usd' },
        headers: { 'idempotency-key': key },
      });
    const first = await create();
    expect(first.statusCode, first.body).toBe(201);
    await abandon(key);

    const retry = await create();
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.json().id).toBe(first.json().id);
    const listed = await api.request('GET', `/api/v1/orders?customer_id=${user.id}`);
    expect(listed.json().data).toHaveLength(1);
  });

  it('when another key pays the same order, then it is still refused as already paid', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    const other = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, newKey('x'));
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('order_already_paid');
  });
});

describe('a request that runs longer than its lease', () => {
  const clock = new ManualClock(new Date());
  let heldRuns = 0;
  let releaseHeld = () => {};
  /** A handler that runs until the test lets it answer. */
  const heldOpen = (app: FastifyInstance) => {
    app.post(
      '/test/held-open',
      { config: { auth: 'session', idempotency: 'optional' } },
      async (_request, reply) => {
        heldRuns += 1;
        const run = heldRuns;
        await new Promise<void>((resolve) => (releaseHeld = resolve));
        return reply.status(201).send({ run });
      },
    );
  };
  // Two instances of Paydeck on one database: the retry reaches the one not running the request.
  let running: AppBehindProxy;
  let peer: AppBehindProxy;
  beforeAll(async () => {
    [running, peer] = await Promise.all([
      createAppBehindProxy({ clock, routes: heldOpen }),
      createAppBehindProxy({ clock, routes: heldOpen }),
    ]);
  });
  afterAll(() => Promise.all([running?.close(), peer?.close()]));

  it('when it is still running past the lease, then its renewals keep the key: a retry on another instance is 409 in use, then replays the outcome', async () => {
    const { client, user } = await aCustomer(running);
    const key = newKey('long-running');
    const first = client.request('POST', '/test/held-open', {
      headers: { 'idempotency-key': key },
    });
    const claimed = await eventually(() => recordOf(running, user.id, key));

    clock.advance(LEASE_MS + 10_000);
    // The running request renews its claim at the (moved) current time.
    await eventually(
      async () =>
        (await recordOf(running, user.id, key))!.lockedAt.getTime() > claimed.lockedAt.getTime(),
    );
    const elsewhere = client.on(peer.app);
    const retry = await elsewhere.request('POST', '/test/held-open', {
      headers: { 'idempotency-key': key },
    });
    expect(retry.statusCode).toBe(409);
    expect(retry.json().error.code).toBe('idempotency_key_in_use');

    releaseHeld();
    const done = await first;
    expect(done.statusCode).toBe(201);
    const replay = await elsewhere.request('POST', '/test/held-open', {
      headers: { 'idempotency-key': key },
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(done.body);
    expect(heldRuns).toBe(1);
  });
});

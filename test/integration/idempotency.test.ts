// Idempotency-Key records hold only what a route handler answered (ADR 008): a request refused
// before its handler ran leaves its key free for the client's retry, and a claim left behind by
// a request that died is taken over once its lease has run out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAppBehindProxy, type AppBehindProxy } from '../helpers/app-behind-proxy.ts';
import { aCustomer, aCustomerWithOrder, aProduct, newKey, pay } from '../helpers/builders.ts';
import { idempotencyKeys } from '../../src/db/schema.ts';
import { LEASE_MS } from '../../src/modules/idempotency/plugin.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { eventually } from '../helpers/eventually.ts';

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
  /** Puts a key back in the state a crashed process leaves it: claimed, no response, last renewed `ageMs` ago. */
  async function abandon(userId: string, key: string, ageMs: number) {
    await t.database.db
      .update(idempotencyKeys)
      .set({
        state: 'in_progress',
        responseStatus: null,
        responseBody: null,
        lockedAt: new Date(Date.now() - ageMs),
      })
      .where(and(eq(idempotencyKeys.scope, `user:${userId}`), eq(idempotencyKeys.key, key)));
  }

  it('when its lease has run out, then a retry with the same key takes it over and runs, and the next retry replays that', async () => {
    const { client, user } = await aCustomer(t);
    const product = await aProduct(t, 1500);
    const key = newKey('crashed');
    const body = { items: [{ product_id: product.id, quantity: 1 }] };
    expect(
      (await client.request('POST', '/api/orders', { body, headers: { 'idempotency-key': key } }))
        .statusCode,
    ).toBe(201);
    // Its process died 5 s after the lease ran out (still well inside the old 60 s lock).
    await abandon(user.id, key, LEASE_MS + 5_000);

    const retry = await client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const again = await client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(retry.body);
  });

  it('when its lease is still fresh, then a retry is told the key is in use', async () => {
    const { client, user } = await aCustomer(t);
    const product = await aProduct(t, 1500);
    const key = newKey('renewed');
    const body = { items: [{ product_id: product.id, quantity: 1 }] };
    expect(
      (await client.request('POST', '/api/orders', { body, headers: { 'idempotency-key': key } }))
        .statusCode,
    ).toBe(201);
    await abandon(user.id, key, 2_000);

    const retry = await client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(retry.statusCode).toBe(409);
    expect(retry.json().error.code).toBe('idempotency_key_in_use');
    expect(retry.headers['retry-after']).toBe('1');
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

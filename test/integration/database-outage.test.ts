// A database outage, for real: a TCP proxy between the app and PostgreSQL resets every
// connection and refuses new ones for a few seconds while requests run. Every request answers
// 503 service_unavailable with Retry-After in our one error shape (no 500, no hang), the process
// stays up, /readyz names the database, and once it is back everything works again by itself —
// and no Idempotency-Key is left locked: retrying any key used succeeds or replays.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createAppBehindProxy, type AppBehindProxy } from '../helpers/app-behind-proxy.ts';
import { aCustomer, aProduct, newKey, pay } from '../helpers/builders.ts';
import { eventually, sleep } from '../helpers/eventually.ts';
import { addFault, clearFaults } from '../helpers/stripe.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';
import { idempotencyKeys } from '../../src/db/schema.ts';

let t: AppBehindProxy;
/** Resolved by the test once the proxy is cut; the transaction route waits for it. */
let signalCut: () => void = () => {};
const cutHappened = new Promise<void>((resolve) => (signalCut = resolve));
let transactionOpen = false;
/** How many times the answer-then-lose-the-database handler ran. */
let answerRuns = 0;

/** Marks the slow statement, to find its backend among those of every test file. */
const SLOW_STATEMENT_MARK = `outage-test-${process.pid}-${Date.now()}`;

/** Test-only routes, on every app of this file. */
function testRoutes(app: FastifyInstance, proxy: TcpProxy) {
  // Holds a pooled client inside a transaction across the cut: the connection dies under it.
  app.post(
    '/test/transaction-across-cut',
    { config: { auth: 'session', idempotency: 'optional' } },
    async () =>
      app.ctx.database.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        transactionOpen = true;
        await cutHappened;
        await tx.execute(sql`select 1`);
        return { ok: true };
      }),
  );
  // A statement PostgreSQL is still running when the test terminates its connection.
  app.get('/test/slow-statement', { config: { auth: 'public' } }, async () => {
    await app.ctx.database.db.execute(sql.raw(`select pg_sleep(20) /* ${SLOW_STATEMENT_MARK} */`));
    return { ok: true };
  });
  // Does its work and answers, but the database is gone before the answer can be stored.
  app.post(
    '/test/answer-then-lose-database',
    { config: { auth: 'session', idempotency: 'optional' } },
    async (_request, reply) => {
      answerRuns += 1;
      const run = answerRuns;
      await proxy.cut();
      return reply.status(201).send({ run });
    },
  );
}

beforeAll(async () => {
  t = await createAppBehindProxy({ routes: testRoutes });
});
afterEach(() => t?.proxy.restore());
afterAll(() => t?.close());

function recordOf(userId: string, key: string) {
  return t.database.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, `user:${userId}`), eq(idempotencyKeys.key, key)))
    .then((rows) => rows[0]);
}

/**
 * Sends a request again while it is answered 503, as a client honouring Retry-After would (just
 * faster): right after the database returns, a pooled connection that has not yet noticed the
 * outage may fail one more request.
 */
function untilAvailable(
  send: () => Promise<LightMyRequestResponse>,
): Promise<LightMyRequestResponse> {
  return eventually(async () => {
    const res = await send();
    return res.statusCode !== 503 && res;
  });
}

function expectUnavailable(res: LightMyRequestResponse, what: string) {
  expect({ what, status: res.statusCode }).toEqual({ what, status: 503 });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.json()).toEqual({
    error: {
      code: 'service_unavailable',
      message: expect.any(String),
      request_id: expect.stringMatching(/^req_/),
      retry_after: expect.any(Number),
    },
  });
}

/** Errors nobody handled: in production each would have ended the process. */
const uncaught: unknown[] = [];
const recordUncaught = (err: unknown) => uncaught.push(err);
beforeAll(() => {
  process.on('uncaughtException', recordUncaught);
});
afterAll(() => {
  process.off('uncaughtException', recordUncaught);
});

describe('the database goes away and comes back', () => {
  it('when the database is cut mid-requests, then each answers 503 with Retry-After in our shape, /readyz fails the database, and once it is back every request works and no key stays locked', async () => {
    const product = await aProduct(t, 1800);
    const { client, user } = await aCustomer(t);
    const orderBody = { items: [{ product_id: product.id, quantity: 1 }] };
    const order = (await client.request('POST', '/api/orders', { body: orderBody })).json() as {
      id: string;
    };

    // A payment mid-flight at the cut: it has claimed its key, and Stripe is slow to create the
    // customer (its first call, a few queries after the claim), so the answer comes back to an
    // app without a database.
    await addFault(t, { match: 'POST /v1/customers', kind: 'latency', latency_ms: 3_000 });
    const payKey = newKey('pay-across-cut');
    let payAnswered = false;
    const paying = pay(client, order.id, { payment_method_id: 'pm_card_visa' }, payKey).finally(
      () => (payAnswered = true),
    );
    await eventually(() => recordOf(user.id, payKey));
    const transactionKey = newKey('transaction-across-cut');
    const inTransaction = client.request('POST', '/test/transaction-across-cut', {
      headers: { 'idempotency-key': transactionKey },
    });
    await eventually(() => transactionOpen);
    // And a burst the cut lands in the middle of.
    const burstKeys = Array.from({ length: 8 }, () => newKey('burst'));
    const burst = burstKeys.map((key) =>
      client.request('POST', '/api/orders', {
        body: orderBody,
        headers: { 'idempotency-key': key },
      }),
    );

    await t.proxy.cut();
    signalCut();
    // A few seconds without the database (until Stripe has answered the payment), requests
    // arriving all along.
    const during: Array<[string, LightMyRequestResponse]> = [];
    const duringKeys: string[] = [];
    const cutStarted = Date.now();
    while (!payAnswered || Date.now() - cutStarted < 2_000) {
      const key = newKey('during');
      duringKeys.push(key);
      const [created, listed, read] = await Promise.all([
        client.request('POST', '/api/orders', {
          body: orderBody,
          headers: { 'idempotency-key': key },
        }),
        client.request('GET', '/api/orders'),
        client.request('GET', `/api/orders/${order.id}`),
      ]);
      during.push(['create order', created], ['list orders', listed], ['read order', read]);
      await sleep(100);
    }
    const readyDuring = await t.app.inject({ method: 'GET', url: '/readyz' });
    const [paid, transaction, ...bursts] = await Promise.all([paying, inTransaction, ...burst]);

    expectUnavailable(paid, 'pay');
    expectUnavailable(transaction, 'transaction');
    for (const [what, res] of during) expectUnavailable(res, what);
    // The burst: each finished before the cut, or is refused the same way.
    for (const res of bursts) if (res.statusCode !== 201) expectUnavailable(res, 'burst');
    expect(readyDuring.statusCode).toBe(503);
    expect(readyDuring.json().checks.database.status).toBe('error');

    await t.proxy.restore();
    await clearFaults(t);
    // It recovers by itself: nothing restarts the pool.
    await eventually(
      async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200,
    );
    expect(
      (await untilAvailable(() => client.request('GET', `/api/orders/${order.id}`))).statusCode,
    ).toBe(200);

    // Every key used is free, or holds its outcome: retrying it succeeds or replays.
    const repaid = await untilAvailable(() =>
      pay(client, order.id, { payment_method_id: 'pm_card_visa' }, payKey),
    );
    expect({ status: repaid.statusCode, body: repaid.json() }).toMatchObject({
      status: 200,
      body: { order: { id: order.id, status: 'paid' } },
    });
    const transactionAgain = await untilAvailable(() =>
      client.request('POST', '/test/transaction-across-cut', {
        headers: { 'idempotency-key': transactionKey },
      }),
    );
    expect(transactionAgain.statusCode).toBe(200);
    for (const key of [...burstKeys, ...duringKeys]) {
      const again = await untilAvailable(() =>
        client.request('POST', '/api/orders', {
          body: orderBody,
          headers: { 'idempotency-key': key },
        }),
      );
      expect({ key, status: again.statusCode, body: again.json() }).toMatchObject({
        key,
        status: 201,
        body: { status: 'open' },
      });
    }
    const stillClaimed = await t.database.db
      .select({ key: idempotencyKeys.key })
      .from(idempotencyKeys)
      .where(
        and(eq(idempotencyKeys.scope, `user:${user.id}`), eq(idempotencyKeys.state, 'in_progress')),
      );
    expect(stillClaimed).toEqual([]);
    // The process stayed up: no connection dying under a request escaped as an uncaught error.
    expect(uncaught).toEqual([]);
  });

  // The embedded database (PGlite) runs one backend, one statement at a time: none to terminate.
  it.skipIf(!process.env.DATABASE_URL)(
    'when PostgreSQL terminates the connection under a request (a restart: 57P01), then it answers 503 in our shape, and the next request works',
    async () => {
      const slow = t.app.inject({ method: 'GET', url: '/test/slow-statement' });
      const terminated = await eventually(async () => {
        const { rows } = await t.database.pool.query<{ terminated: boolean }>(
          `select pg_terminate_backend(pid) as terminated from pg_stat_activity
          where query like $1 and pid <> pg_backend_pid()`,
          [`%${SLOW_STATEMENT_MARK}%`],
        );
        return rows.length > 0 && rows;
      });
      expect(terminated).toEqual([{ terminated: true }]);
      expectUnavailable(await slow, 'statement on a terminated connection');
      expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    },
  );

  describe('when the answer is known but could not be stored', () => {
    let peer: AppBehindProxy;
    beforeAll(async () => {
      // A second instance on the same database (through its own proxy, never cut).
      peer = await createAppBehindProxy({ routes: testRoutes });
    });
    afterAll(() => peer?.close());

    it('when the database goes away after the handler answered, then the client gets that answer, and a retry replays it without running it again', async () => {
      const { client, user } = await aCustomer(t);
      const key = newKey('answered');
      const runsBefore = answerRuns;
      const first = await client.request('POST', '/test/answer-then-lose-database', {
        headers: { 'idempotency-key': key },
      });
      expect(first.statusCode).toBe(201);
      expect(first.json()).toEqual({ run: runsBefore + 1 });

      await t.proxy.restore();
      const retry = await untilAvailable(() =>
        client.request('POST', '/test/answer-then-lose-database', {
          headers: { 'idempotency-key': key },
        }),
      );
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toBe(first.body);
      expect(answerRuns).toBe(runsBefore + 1);
      expect(await recordOf(user.id, key)).toMatchObject({
        state: 'completed',
        responseStatus: 201,
      });
    });

    it('when no retry comes back to this instance, then the answer reaches the database by itself once it is back, and another instance replays it', async () => {
      const { client, user } = await aCustomer(t);
      const key = newKey('answered-elsewhere');
      const runsBefore = answerRuns;
      const first = await client.request('POST', '/test/answer-then-lose-database', {
        headers: { 'idempotency-key': key },
      });
      expect(first.statusCode).toBe(201);

      await t.proxy.restore();
      await eventually(
        async () => (await recordOf(user.id, key).catch(() => undefined))?.state === 'completed',
      );
      const elsewhere = client.on(peer.app);
      const replay = await elsewhere.request('POST', '/test/answer-then-lose-database', {
        headers: { 'idempotency-key': key },
      });
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(first.body);
      expect(answerRuns).toBe(runsBefore + 1);
    });
  });
});

// Settling an Idempotency-Key while the database is away (ADR 008, "Settling never fails the
// response and is retried"): the client gets its answer; the write is retried quietly (one
// warning, not one per try) until it lands; and a process that stops meanwhile says which keys
// it leaves to their lease, which another instance then takes over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { createAppBehindProxy, type AppBehindProxy } from '../helpers/app-behind-proxy.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer, newKey } from '../helpers/builders.ts';
import { eventually } from '../helpers/eventually.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';
import { idempotencyKeys } from '../../src/db/schema.ts';
import { LEASE_MS } from '../../src/modules/idempotency/plugin.ts';
import * as repo from '../../src/modules/idempotency/repository.ts';

let runs = 0;
/** Answers, after taking the database away from its app: the answer cannot be stored yet. */
function answerThenCut(app: FastifyInstance, proxy: TcpProxy) {
  app.post(
    '/test/settle/answer-then-cut',
    { config: { auth: 'session', idempotency: 'optional' } },
    async (_request, reply) => {
      runs += 1;
      const run = runs;
      await proxy.cut();
      return reply.status(201).send({ run });
    },
  );
}
/** The same route on an app whose database never goes away. */
function sameRoute(app: FastifyInstance) {
  app.post(
    '/test/settle/answer-then-cut',
    { config: { auth: 'session', idempotency: 'optional' } },
    async (_request, reply) => {
      runs += 1;
      return reply.status(201).send({ run: runs });
    },
  );
}

let peer: TestApp;
beforeAll(async () => {
  peer = await createTestApp({ routes: sameRoute });
});
afterAll(() => peer.close());

function recordOf(userId: string, key: string) {
  return peer.database.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, `user:${userId}`), eq(idempotencyKeys.key, key)))
    .then((rows) => rows[0]);
}

const lines = (app: TestApp, msg: string, scope: string) =>
  app.logs.filter((line) => line.includes(msg) && line.includes(`"scope":"${scope}"`));

describe('an answer that cannot be stored yet', () => {
  let t: AppBehindProxy;
  beforeAll(async () => {
    t = await createAppBehindProxy({ routes: answerThenCut });
  });
  afterAll(() => t?.close());

  it('when the database stays away for several tries, then the client has its answer, one warning is logged (not one per try), and the answer lands once the database is back', async () => {
    const { client, user } = await aCustomer(t);
    const key = newKey('quiet-retries');
    const first = await client.request('POST', '/test/settle/answer-then-cut', {
      headers: { 'idempotency-key': key },
    });
    expect(first.statusCode).toBe(201);
    const scope = `user:${user.id}`;
    const notYet = 'idempotency claim not settled yet; retrying';
    await eventually(() => lines(t, notYet, scope).length > 0);
    // Several tries fail meanwhile (100 ms, then 200 ms, 400 ms…): still one warning.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(lines(t, notYet, scope)).toHaveLength(1);
    expect(JSON.parse(lines(t, notYet, scope)[0]!)).toMatchObject({ level: 40, pending: 'store' });

    await t.proxy.restore();
    await eventually(async () => (await recordOf(user.id, key))?.state === 'completed');
    expect(await recordOf(user.id, key)).toMatchObject({
      responseStatus: 201,
      responseBody: first.body,
    });
  });
});

describe('a process that stops while an answer is still to be stored', () => {
  it(
    'when the database is still away, then it names the key it leaves unsettled; once the lease has run out another instance takes the key over',
    { timeout: 60_000 },
    async () => {
      const own = await createAppBehindProxy({ routes: answerThenCut });
      const { client, user } = await aCustomer(own);
      const scope = `user:${user.id}`;
      const key = newKey('left-at-stop');
      try {
        const first = await client.request('POST', '/test/settle/answer-then-cut', {
          headers: { 'idempotency-key': key },
        });
        expect(first.statusCode).toBe(201);
      } finally {
        await own.app.close();
      }
      const left = lines(
        own,
        'idempotency claim left unsettled at shutdown; its lease expires',
        scope,
      );
      expect(left).toHaveLength(1);
      expect(JSON.parse(left[0]!)).toMatchObject({ level: 40, pending: 'store' });
      await own.proxy.restore();
      await own.proxy.close();
      await own.sim.close();
      await own.database.close();
      own.redis?.disconnect();

      // Nothing was stored: the claim is still the dead process's, until its lease runs out.
      expect(await recordOf(user.id, key)).toMatchObject({
        state: 'in_progress',
        responseBody: null,
      });
      const elsewhere = client.on(peer.app);
      const meanwhile = await elsewhere.request('POST', '/test/settle/answer-then-cut', {
        headers: { 'idempotency-key': key },
      });
      expect(meanwhile.statusCode).toBe(409);
      await peer.database.db
        .update(idempotencyKeys)
        .set({ lockedAt: new Date(Date.now() - LEASE_MS - 1_000) })
        .where(eq(idempotencyKeys.key, key));
      const taken = await elsewhere.request('POST', '/test/settle/answer-then-cut', {
        headers: { 'idempotency-key': key },
      });
      expect(taken.statusCode).toBe(201);
      expect(taken.headers['idempotent-replayed']).toBeUndefined();
      expect(await recordOf(user.id, key)).toMatchObject({
        state: 'completed',
        responseBody: taken.body,
      });
    },
  );

  it('when the database is back by then, then its last attempt stores the answer', async () => {
    const own = await createAppBehindProxy({ routes: answerThenCut });
    const { client, user } = await aCustomer(own);
    const key = newKey('stored-at-stop');
    let first;
    try {
      first = await client.request('POST', '/test/settle/answer-then-cut', {
        headers: { 'idempotency-key': key },
      });
      expect(first.statusCode).toBe(201);
      await own.proxy.restore();
    } finally {
      await own.close();
    }
    expect(await recordOf(user.id, key)).toMatchObject({
      state: 'completed',
      responseBody: first!.body,
    });
    expect(lines(own, 'idempotency claim left unsettled at shutdown', `user:${user.id}`)).toEqual(
      [],
    );
  });
});

describe('an app whose database comes back while it runs', () => {
  it('when the database returns, then the pending answer is stored by the retries alone', async () => {
    const own = await createAppBehindProxy({ routes: answerThenCut });
    try {
      const { client, user } = await aCustomer(own);
      const key = newKey('stored-by-retry');
      const first = await client.request('POST', '/test/settle/answer-then-cut', {
        headers: { 'idempotency-key': key },
      });
      expect(first.statusCode).toBe(201);
      await own.proxy.restore();
      await eventually(async () => (await recordOf(user.id, key))?.state === 'completed');
      expect((await recordOf(user.id, key))?.responseBody).toBe(first.body);
    } finally {
      await own.close();
    }
  });
});

describe('taking over a claim', () => {
  it('when two takeovers of one expired claim race, then only the first wins', async () => {
    const key = newKey('cas');
    const now = new Date();
    const old = new Date(now.getTime() - LEASE_MS - 60_000);
    expect(
      await repo.insertClaim(peer.database.db, {
        scope: 'test:cas',
        key,
        method: 'POST',
        path: '/test/cas',
        requestHash: 'h',
        lockedAt: old,
        createdAt: old,
        expiresAt: new Date(now.getTime() + 60_000),
      }),
    ).toBe(true);
    const existing = (await repo.findKey(peer.database.db, 'test:cas', key))!;
    const first = await repo.takeOver(peer.database.db, existing, now);
    const second = await repo.takeOver(peer.database.db, existing, new Date(now.getTime() + 1));
    expect([first, second]).toEqual([true, false]);
    expect((await repo.findKey(peer.database.db, 'test:cas', key))!.lockedAt).toEqual(now);
  });
});

describe('two instances taking over one abandoned key at once', () => {
  it('when both retry after the lease ran out, then exactly one runs the handler; the others are told the key is in use or replay its answer', async () => {
    const other = await createTestApp({ routes: sameRoute });
    try {
      const { client, user } = await aCustomer(peer);
      const key = newKey('raced');
      const first = await client.request('POST', '/test/settle/answer-then-cut', {
        headers: { 'idempotency-key': key },
      });
      expect(first.statusCode).toBe(201);
      // As a process that died while running it would have left it, long past its lease.
      await peer.database.db
        .update(idempotencyKeys)
        .set({
          state: 'in_progress',
          responseStatus: null,
          responseBody: null,
          lockedAt: new Date(Date.now() - LEASE_MS - 60_000),
        })
        .where(eq(idempotencyKeys.key, key));

      const before = runs;
      const send = (app: TestApp) =>
        client.on(app.app).request('POST', '/test/settle/answer-then-cut', {
          headers: { 'idempotency-key': key },
        });
      const answers = await Promise.all([send(peer), send(other), send(peer), send(other)]);
      // One ran it; each other one was told the key is in use, or (once it was done) replayed it.
      const ran = answers.filter(
        (res) => res.statusCode === 201 && res.headers['idempotent-replayed'] === undefined,
      );
      expect(ran).toHaveLength(1);
      for (const res of answers.filter((a) => a !== ran[0])) {
        if (res.statusCode === 409) expect(res.json().error.code).toBe('idempotency_key_in_use');
        else
          expect({ status: res.statusCode, body: res.body }).toEqual({
            status: 201,
            body: ran[0]!.body,
          });
      }
      expect(runs).toBe(before + 1);
      expect(await recordOf(user.id, key)).toMatchObject({ state: 'completed' });
    } finally {
      await other.close();
    }
  });
});

// What an Idempotency-Key stores and replays (ADR 008), through test routes whose handler answers
// whatever the test asks for: the same key and request replay the stored answer byte for byte; a
// different request under the key is refused 422; only what the handler answered is stored, and a
// 5xx or 429 releases the key; keys are checked, scoped to their caller, leased and reaped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer, aProduct, newKey } from '../helpers/builders.ts';
import { eventually } from '../helpers/eventually.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { idempotencyKeys } from '../../src/db/schema.ts';
import { AppError } from '../../src/lib/errors.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { IDEMPOTENCY_RETENTION_MS, LEASE_MS } from '../../src/modules/idempotency/plugin.ts';
import { allJobs } from '../../src/server/runtime.ts';

/** What a test asks the answering handler to do. */
interface Ask {
  /** Counts this handler's runs under this label. */
  label: string;
  status?: number;
  /** Throw an AppError with `status` (or a plain Error when `status` is 500) instead of answering. */
  fail?: boolean;
  /** Wait until the test opens the gate of this name. */
  hold?: string;
}

/** Runs of the test handlers, by label. */
const runs = new Map<string, number>();
const gates = new Map<string, () => void>();
const ran = (label: string) => runs.get(label) ?? 0;
const count = (label: string) => {
  const run = ran(label) + 1;
  runs.set(label, run);
  return run;
};

/** Opens a held request's gate once its handler is waiting there. */
async function open(gate: string) {
  const release = await eventually(() => gates.get(gate));
  gates.delete(gate);
  release();
}

const idempotent = { auth: 'session', idempotency: 'optional' } as const;
/** The body every answering route takes: an Ask. */
const askSchema = {
  body: {
    type: 'object',
    required: ['label'],
    additionalProperties: false,
    properties: {
      label: { type: 'string', maxLength: 200 },
      status: { type: 'integer', minimum: 200, maximum: 599 },
      fail: { type: 'boolean' },
      hold: { type: 'string', maxLength: 200 },
    },
  },
};
const answering = { config: idempotent, schema: askSchema };

function testRoutes(app: FastifyInstance) {
  app.post('/test/idem/answer', answering, async (request, reply) => {
    const ask = request.body as Ask;
    const run = count(ask.label);
    if (ask.hold) await new Promise<void>((resolve) => gates.set(ask.hold!, resolve));
    const status = ask.status ?? 201;
    if (ask.fail && status === 500) throw new Error('the test handler broke');
    if (ask.fail) throw new AppError(status, 'test_refusal', 'Refused by the test handler.');
    return reply.status(status).send({ label: ask.label, run });
  });
  app.post(
    '/test/idem/required',
    { config: { auth: 'session', idempotency: 'required' }, schema: askSchema },
    async (request, reply) => reply.status(201).send({ run: count((request.body as Ask).label) }),
  );
  app.post('/test/idem/items/:id', { config: idempotent }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return reply.status(201).send({ id, run: count(`item:${id}`) });
  });
  // Answers with no body at all.
  app.post('/test/idem/empty', answering, async (request, reply) => {
    count((request.body as Ask).label);
    return reply.status(200).send();
  });
  // Answers with bytes rather than text.
  app.post('/test/idem/bytes', answering, async (request, reply) => {
    const run = count((request.body as Ask).label);
    return reply
      .status(200)
      .type('application/json')
      .send(Buffer.from(`{"bytes":${run}}`));
  });
  // Writes its response itself: onSend never runs, only onResponse.
  app.post('/test/idem/hijacked', answering, async (request, reply) => {
    const run = count((request.body as Ask).label);
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/json' });
    reply.raw.end(JSON.stringify({ run }));
  });
  // One route for two methods: only its POST is an idempotent request.
  app.route({
    method: ['POST', 'PUT'],
    url: '/test/idem/either',
    config: idempotent,
    schema: askSchema,
    handler: async (request, reply) =>
      reply.status(201).send({ run: count((request.body as Ask).label) }),
  });
}

// Ten days in the past: the reaper run below, at this clock's time, can only reach this file's
// records, never those of test files running beside it (created at the real time).
const clock = new ManualClock(new Date(Date.now() - 10 * 24 * 3_600_000));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock, routes: testRoutes });
});
afterAll(() => t.close());

function recordOf(app: TestApp, userId: string, key: string) {
  return app.database.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, `user:${userId}`), eq(idempotencyKeys.key, key)))
    .then((rows) => rows[0]);
}

function ask(client: TestClient, body: Ask, key?: string, url = '/test/idem/answer') {
  return client.request('POST', url, {
    body,
    ...(key !== undefined ? { headers: { 'idempotency-key': key } } : {}),
  });
}

describe('the same key and request', () => {
  it('when a request is sent twice with one key, then the second is the stored answer replayed (status, body, JSON type) and the handler ran once', async () => {
    const { client, user } = await aCustomer(t);
    const key = newKey('replay');
    const label = newKey('replay');
    const first = await ask(client, { label, status: 201 }, key);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.json()).toEqual({ label, run: 1 });

    const again = await ask(client, { label, status: 201 }, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(again.body).toBe(first.body);
    expect(ran(label)).toBe(1);
    expect(await recordOf(t, user.id, key)).toMatchObject({
      method: 'POST',
      path: '/test/idem/answer',
      state: 'completed',
      responseStatus: 201,
      responseBody: first.body,
    });
  });

  it('when the same body is sent with its fields in another order, then it is the same request: replayed', async () => {
    const { client } = await aCustomer(t);
    const key = newKey('reordered');
    const label = newKey('reordered');
    const first = await client.request('POST', '/test/idem/answer', {
      body: `{"label":"${label}","status":202}`,
      headers: { 'idempotency-key': key },
    });
    const again = await client.request('POST', '/test/idem/answer', {
      body: `{"status":202,"label":"${label}"}`,
      headers: { 'idempotency-key': key },
    });
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(ran(label)).toBe(1);
  });

  it('when the handler answered with no body, then the replay has no body either', async () => {
    const { client } = await aCustomer(t);
    const key = newKey('empty');
    const label = newKey('empty');
    const first = await ask(client, { label }, key, '/test/idem/empty');
    expect(first.statusCode).toBe(200);
    expect(first.body).toBe('');
    const again = await ask(client, { label }, key, '/test/idem/empty');
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe('');
    expect(ran(label)).toBe(1);
  });

  it('when the handler answered with bytes, then the replay is the same text', async () => {
    const { client } = await aCustomer(t);
    const key = newKey('bytes');
    const label = newKey('bytes');
    const first = await ask(client, { label }, key, '/test/idem/bytes');
    expect(first.json()).toEqual({ bytes: 1 });
    const again = await ask(client, { label }, key, '/test/idem/bytes');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe('{"bytes":1}');
    expect(ran(label)).toBe(1);
  });

  it('when the same path is spelled with percent-encoding, then it is the same request: replayed', async () => {
    const { client, user } = await aCustomer(t);
    const key = newKey('spelling');
    const id = newKey('item');
    const first = await client.request('POST', `/test/idem/items/${id}`, {
      body: {},
      headers: { 'idempotency-key': key },
    });
    expect(first.statusCode).toBe(201);
    const encoded = `%${id.charCodeAt(0).toString(16)}${id.slice(1)}`;
    const again = await client.request('POST', `/test/idem/items/${encoded}`, {
      body: {},
      headers: { 'idempotency-key': key },
    });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(ran(`item:${id}`)).toBe(1);
    expect((await recordOf(t, user.id, key))?.path).toBe(`/test/idem/items/${id}`);
  });
});

describe('the same key for another request', () => {
  it('when the body differs, then it is refused 422 idempotency_key_reused, the handler does not run, and the first answer is still replayed', async () => {
    const { client } = await aCustomer(t);
    const key = newKey('reused');
    const label = newKey('reused');
    const first = await ask(client, { label, status: 201 }, key);
    expect(first.statusCode).toBe(201);

    const other = await ask(client, { label, status: 202 }, key);
    expect(other.statusCode).toBe(422);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.json().error).toMatchObject({
      code: 'idempotency_key_reused',
      message: expect.stringContaining('different request'),
    });
    expect(ran(label)).toBe(1);

    const again = await ask(client, { label, status: 201 }, key);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
  });

  it('when the path names another resource, then it is refused 422, not answered with the first resource', async () => {
    const { client } = await aCustomer(t);
    const key = newKey('other-item');
    const [a, b] = [newKey('item-a'), newKey('item-b')];
    const first = await client.request('POST', `/test/idem/items/${a}`, {
      body: {},
      headers: { 'idempotency-key': key },
    });
    expect(first.json()).toEqual({ id: a, run: 1 });
    const other = await client.request('POST', `/test/idem/items/${b}`, {
      body: {},
      headers: { 'idempotency-key': key },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('idempotency_key_reused');
    expect(ran(`item:${b}`)).toBe(0);
  });

  it('when the route differs, then it is refused 422', async () => {
    const { client } = await aCustomer(t);
    const key = newKey('other-route');
    const label = newKey('other-route');
    expect((await ask(client, { label }, key)).statusCode).toBe(201);
    const other = await ask(client, { label }, key, '/test/idem/required');
    expect(other.statusCode).toBe(422);
    expect(ran(label)).toBe(1);
  });

  it('when the same key is used by one customer for two different orders, then two orders exist', async () => {
    const { client } = await aCustomer(t);
    const product = await aProduct(t, 900);
    const create = (key: string) =>
      client.request('POST', '/api/orders', {
        body: { items: [{ product_id: product.id, quantity: 1 }] },
        headers: { 'idempotency-key': key },
      });
    // Two keys, one body: two operations (the services tell them apart by the request's key).
    const one = await create(newKey('order-one'));
    const two = await create(newKey('order-two'));
    expect(one.statusCode).toBe(201);
    expect(two.statusCode).toBe(201);
    expect(two.headers['idempotent-replayed']).toBeUndefined();
    expect(two.json().id).not.toBe(one.json().id);
    expect((await client.request('GET', '/api/orders')).json().data).toHaveLength(2);
  });
});

describe('only what the handler answered is stored', () => {
  it.each([
    [500, false],
    [503, false],
    [500, true],
    [429, true],
    [503, true],
  ])(
    'when the handler answers %i (thrown: %s), then nothing is stored: the key is released and the retry runs the handler again',
    async (status, fail) => {
      const { client, user } = await aCustomer(t);
      const key = newKey(`transient-${status}`);
      const label = newKey(`transient-${status}`);
      const first = await ask(client, { label, status, fail }, key);
      expect(first.statusCode).toBe(status);
      expect(await recordOf(t, user.id, key)).toBeUndefined();

      const retry = await ask(client, { label, status, fail }, key);
      expect(retry.statusCode).toBe(status);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(ran(label)).toBe(2);
    },
  );

  it.each([
    [499, false],
    [402, true],
    [409, true],
    [200, false],
  ])(
    'when the handler answers %i (thrown: %s), then that is the key’s result: the retry replays it',
    async (status, fail) => {
      const { client, user } = await aCustomer(t);
      const key = newKey(`stored-${status}`);
      const label = newKey(`stored-${status}`);
      const first = await ask(client, { label, status, fail }, key);
      expect(first.statusCode).toBe(status);
      const retry = await ask(client, { label, status, fail }, key);
      expect(retry.statusCode).toBe(status);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toBe(first.body);
      expect(ran(label)).toBe(1);
      expect(await recordOf(t, user.id, key)).toMatchObject({
        state: 'completed',
        responseStatus: status,
      });
    },
  );

  it('when the handler writes its response itself (onSend never runs), then the key is released, not left in use', async () => {
    const { client, user } = await aCustomer(t);
    const key = newKey('hijacked');
    const label = newKey('hijacked');
    const first = await ask(client, { label }, key, '/test/idem/hijacked');
    expect(first.json()).toEqual({ run: 1 });
    await eventually(async () => (await recordOf(t, user.id, key)) === undefined);
    const retry = await ask(client, { label }, key, '/test/idem/hijacked');
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual({ run: 2 });
  });

  it('when a request without a key is sent twice, then it runs twice and nothing is stored', async () => {
    const { client, user } = await aCustomer(t);
    const label = newKey('no-key');
    expect((await ask(client, { label })).statusCode).toBe(201);
    const second = await ask(client, { label });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(ran(label)).toBe(2);
    const stored = await t.database.db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.scope, `user:${user.id}`));
    expect(stored).toEqual([]);
  });

  it('when a route serves PUT and POST, then only its POST is idempotent', async () => {
    const { client, user } = await aCustomer(t);
    const label = newKey('either');
    const key = newKey('either');
    for (let i = 0; i < 2; i++) {
      const put = await client.request('PUT', '/test/idem/either', {
        body: { label },
        headers: { 'idempotency-key': key },
      });
      expect(put.statusCode).toBe(201);
      expect(put.headers['idempotent-replayed']).toBeUndefined();
    }
    expect(ran(label)).toBe(2);
    expect(await recordOf(t, user.id, key)).toBeUndefined();
    const post = () =>
      client.request('POST', '/test/idem/either', {
        body: { label },
        headers: { 'idempotency-key': key },
      });
    await post();
    expect((await post()).headers['idempotent-replayed']).toBe('true');
    expect(ran(label)).toBe(3);
  });
});

describe('the key itself', () => {
  it('when a route requires a key and none is sent, then 400 idempotency_key_required names the header, and the handler does not run', async () => {
    const { client } = await aCustomer(t);
    const label = newKey('required');
    const res = await ask(client, { label }, undefined, '/test/idem/required');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'idempotency_key_required',
      field: 'Idempotency-Key',
      message: expect.stringContaining('Idempotency-Key'),
    });
    expect(ran(label)).toBe(0);
    const keyed = await ask(client, { label }, newKey('required'), '/test/idem/required');
    expect(keyed.statusCode).toBe(201);
  });

  it('when a key of 255 printable characters is sent, then it is used', async () => {
    const { client, user } = await aCustomer(t);
    const key = `~${newKey('long')}`.padEnd(255, '!');
    const label = newKey('long');
    expect((await ask(client, { label }, key)).statusCode).toBe(201);
    expect((await ask(client, { label }, key)).headers['idempotent-replayed']).toBe('true');
    expect((await recordOf(t, user.id, key))?.key).toBe(key);
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['a space inside', 'two words'],
    ['a tab inside', 'tab\there'],
  ])(
    'when the key has %s, then 400 idempotency_key_invalid, and the handler does not run',
    async (_, key) => {
      const { client, user } = await aCustomer(t);
      const label = newKey('invalid-key');
      const res = await ask(client, { label }, key);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'idempotency_key_invalid',
        field: 'Idempotency-Key',
        message: 'Idempotency-Key must be 1–255 printable ASCII characters.',
      });
      expect(ran(label)).toBe(0);
      expect(await recordOf(t, user.id, key)).toBeUndefined();
    },
  );
});

describe('keys belong to their caller', () => {
  it('when another customer sends a key this customer is still using, then theirs runs at once (not 409 in use), and each replays their own', async () => {
    const alice = await aCustomer(t);
    const bob = await aCustomer(t);
    const key = newKey('shared-running');
    const [aliceLabel, bobLabel] = [newKey('alice'), newKey('bob')];
    const gate = newKey('gate');
    const held = ask(alice.client, { label: aliceLabel, hold: gate }, key);
    await eventually(() => gates.has(gate));

    const bobs = await ask(bob.client, { label: bobLabel }, key);
    expect(bobs.statusCode).toBe(201);
    expect(bobs.json()).toEqual({ label: bobLabel, run: 1 });

    await open(gate);
    const alices = await held;
    expect(alices.json()).toEqual({ label: aliceLabel, run: 1 });
    expect((await ask(alice.client, { label: aliceLabel, hold: gate }, key)).body).toBe(
      alices.body,
    );
    expect((await ask(bob.client, { label: bobLabel }, key)).body).toBe(bobs.body);
  });
});

describe('a key whose request is still running', () => {
  it('when the same request comes again meanwhile, then 409 idempotency_key_in_use with Retry-After, and it replays once the first has answered', async () => {
    const { client } = await aCustomer(t);
    const key = newKey('running');
    const label = newKey('running');
    const gate = newKey('gate');
    const first = ask(client, { label, hold: gate }, key);
    await eventually(() => gates.has(gate));

    const meanwhile = await ask(client, { label, hold: gate }, key);
    expect(meanwhile.statusCode).toBe(409);
    expect(meanwhile.headers['retry-after']).toBe('1');
    expect(meanwhile.json().error).toMatchObject({
      code: 'idempotency_key_in_use',
      message: expect.stringContaining('still in progress'),
    });
    // Another request under the key is refused as such, even while the first runs.
    expect((await ask(client, { label, status: 200 }, key)).statusCode).toBe(422);

    await open(gate);
    const done = await first;
    expect(done.statusCode).toBe(201);
    const replay = await ask(client, { label, hold: gate }, key);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(done.body);
    expect(ran(label)).toBe(1);
  });

  it('when its claim was last renewed exactly one lease ago, then it is still in use; a moment later a retry takes it over and runs', async () => {
    const { client, user } = await aCustomer(t);
    const key = newKey('lease-edge');
    const label = newKey('lease-edge');
    expect((await ask(client, { label }, key)).statusCode).toBe(201);
    // As a process that died while running it would have left it.
    const abandon = (ageMs: number) =>
      t.database.db
        .update(idempotencyKeys)
        .set({
          state: 'in_progress',
          responseStatus: null,
          responseBody: null,
          lockedAt: new Date(clock.now().getTime() - ageMs),
        })
        .where(eq(idempotencyKeys.key, key));

    await abandon(LEASE_MS);
    const edge = await ask(client, { label }, key);
    expect(edge.statusCode).toBe(409);
    expect(edge.json().error.code).toBe('idempotency_key_in_use');

    await abandon(LEASE_MS + 1);
    const taken = await ask(client, { label }, key);
    expect(taken.statusCode).toBe(201);
    expect(taken.headers['idempotent-replayed']).toBeUndefined();
    expect(taken.json()).toEqual({ label, run: 2 });
    expect(await recordOf(t, user.id, key)).toMatchObject({
      state: 'completed',
      lockedAt: clock.now(),
      responseBody: taken.body,
    });
  });

  it('when another instance took its claim over while it ran, then its renewal stops and its late answer is not stored over the new claim', async () => {
    const { client, user } = await aCustomer(t);
    const key = newKey('taken-over');
    const label = newKey('taken-over');
    const gate = newKey('gate');
    const first = ask(client, { label, hold: gate }, key);
    await eventually(() => gates.has(gate));

    // Another instance took the claim over: the row carries that instance's lease token now.
    const theirs = new Date(clock.now().getTime() + 1);
    await t.database.db
      .update(idempotencyKeys)
      .set({ lockedAt: theirs })
      .where(eq(idempotencyKeys.key, key));
    // The running request's next renewal (every few seconds) finds the claim no longer its own.
    clock.advance(1_000);
    await eventually(() =>
      t.logs.some(
        (line) =>
          line.includes('idempotency claim lost its lease while its request ran') &&
          line.includes(`user:${user.id}`),
      ),
    );

    await open(gate);
    expect((await first).statusCode).toBe(201);
    await eventually(() =>
      t.logs.some(
        (line) =>
          line.includes('idempotency claim was taken over before its response was stored') &&
          line.includes(`user:${user.id}`),
      ),
    );
    expect(await recordOf(t, user.id, key)).toMatchObject({
      state: 'in_progress',
      lockedAt: theirs,
      responseStatus: null,
    });
  });
});

describe('keys are kept 24 hours', () => {
  it('when a key is claimed, then its record expires 24 hours later; the reaper removes it only after that, and the key is then free for a new request', async () => {
    const { client, user } = await aCustomer(t);
    const key = newKey('reaped');
    const label = newKey('reaped');
    const claimedAt = clock.now();
    expect((await ask(client, { label, status: 201 }, key)).statusCode).toBe(201);
    const record = await recordOf(t, user.id, key);
    expect(record).toMatchObject({ createdAt: claimedAt, lockedAt: claimedAt });
    expect(record!.expiresAt.getTime() - claimedAt.getTime()).toBe(IDEMPOTENCY_RETENTION_MS);
    expect(IDEMPOTENCY_RETENTION_MS).toBe(24 * 3_600_000);

    const reaper = allJobs(t.app).find((job) => job.name === 'idempotency.reap')!;
    try {
      clock.set(new Date(record!.expiresAt.getTime() - 1));
      await reaper.handler({} as never, { id: 'test-reap-early', retryCount: 0 });
      expect(await recordOf(t, user.id, key)).toBeDefined();
      clock.set(new Date(record!.expiresAt.getTime() + 1));
      await reaper.handler({} as never, { id: 'test-reap', retryCount: 0 });
      expect(await recordOf(t, user.id, key)).toBeUndefined();
    } finally {
      clock.set(new Date(claimedAt.getTime() + 1_000));
    }

    const fresh = await ask(client, { label, status: 202 }, key);
    expect(fresh.statusCode).toBe(202);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(ran(label)).toBe(2);
  });
});

describe('an app built inside the test (start-up is part of what is tested)', () => {
  it('when Paydeck starts, then a key claimed on its routes replays, and its route checks still run before the claim', async () => {
    const own = await createTestApp({ routes: testRoutes });
    try {
      const { client, user } = await aCustomer(own);
      const key = newKey('startup');
      const label = newKey('startup');
      const first = await ask(client, { label }, key);
      expect(first.statusCode).toBe(201);
      const again = await ask(client, { label }, key);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
      // A pay refused by its route's own check (validation) stores nothing under its key.
      const refusedKey = newKey('startup-refused');
      const refused = await client.request('POST', '/api/orders', {
        body: { items: [] },
        headers: { 'idempotency-key': refusedKey },
      });
      expect(refused.statusCode).toBe(400);
      expect(await recordOf(own, user.id, refusedKey)).toBeUndefined();
    } finally {
      await own.close();
    }
  });
});

// The Idempotency-Key plugin as Paydeck starts it (ADR 008): every app here is built inside its
// test, so a change that breaks start-up (the hooks, the claim appended to each POST route's own
// preHandlers, the reaper job) fails a test here instead of a file's set-up.
import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestApp } from '../helpers/app.ts';
import { aCustomer, newKey } from '../helpers/builders.ts';
import { allJobs } from '../../src/server/runtime.ts';
import { tooManyRequests } from '../../src/lib/errors.ts';

let runs = 0;
function answering(app: FastifyInstance) {
  app.post(
    '/test/startup/answer',
    { config: { auth: 'session', idempotency: 'optional' } },
    async (_request, reply) => {
      runs += 1;
      return reply.status(201).send({ run: runs });
    },
  );
  // A route with a check of its own, as the pay route's rate limits: it runs before the claim.
  app.post(
    '/test/startup/guarded',
    {
      config: { auth: 'session', idempotency: 'optional' },
      preHandler: async (request) => {
        if (request.headers['x-test-refuse']) throw tooManyRequests(60);
      },
    },
    async (_request, reply) => {
      runs += 1;
      return reply.status(201).send({ run: runs });
    },
  );
}

describe('the plugin in a starting app', () => {
  it('when Paydeck starts, then keys claimed on its routes replay, a refusal before the handler stores nothing, nothing is logged as an error, and the reaper is scheduled hourly', async () => {
    const t = await createTestApp({ routes: answering });
    try {
      const { client } = await aCustomer(t);
      const key = newKey('startup');
      const first = await client.request('POST', '/test/startup/answer', {
        headers: { 'idempotency-key': key },
      });
      expect(first.statusCode).toBe(201);
      const again = await client.request('POST', '/test/startup/answer', {
        headers: { 'idempotency-key': key },
      });
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
      // Without a key: the handler runs each time.
      const plain = await client.request('POST', '/test/startup/answer');
      expect(plain.json()).toEqual({ run: JSON.parse(first.body).run + 1 });

      // An order refused by validation (a route check before the claim) leaves its key free.
      const refusedKey = newKey('startup-refused');
      const refused = await client.request('POST', '/api/orders', {
        body: { items: [] },
        headers: { 'idempotency-key': refusedKey },
      });
      expect(refused.statusCode).toBe(400);
      const retried = await client.request('POST', '/api/orders', {
        body: { items: [] },
        headers: { 'idempotency-key': refusedKey },
      });
      expect(retried.headers['idempotent-replayed']).toBeUndefined();

      // The route's own check refuses before the claim: the key stays free for the retry.
      const guardedKey = newKey('startup-guarded');
      const limited = await client.request('POST', '/test/startup/guarded', {
        headers: { 'idempotency-key': guardedKey, 'x-test-refuse': '1' },
      });
      expect(limited.statusCode).toBe(429);
      const passed = await client.request('POST', '/test/startup/guarded', {
        headers: { 'idempotency-key': guardedKey },
      });
      expect(passed.statusCode).toBe(201);
      expect(passed.headers['idempotent-replayed']).toBeUndefined();

      // Settling went as planned: no hook failed, no claim was found taken over.
      const errors = t.logs.filter((line) => JSON.parse(line).level >= 50);
      expect(errors).toEqual([]);
      expect(t.logs.filter((line) => line.includes('was taken over'))).toEqual([]);

      const reaper = allJobs(t.app).find((job) => job.name === 'idempotency.reap');
      expect(reaper?.schedule).toMatch(/^\d{1,2} \* \* \* \*$/);
    } finally {
      await t.close();
    }
  });
});

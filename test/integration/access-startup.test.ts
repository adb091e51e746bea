// What the access plugin decides while the app starts: the route table, the refusal to start
// with an unsound declaration, the allowed origins and the metrics token read from the
// configuration. Each test builds its own app inside the test, so that a fault in start-up
// fails that test rather than a shared beforeAll.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import { connectDatabase, type Database } from '../../src/db/client.ts';
import { buildApp } from '../../src/server/app.ts';
import { startSimulator, type SimulatorHandle } from '../../simulator/index.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import { testEnv } from '../helpers/app.ts';

const PARTNER_ORIGIN = 'https://partner.example.test';

let sim: SimulatorHandle;
let database: Database;
let config: Config;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, quiet: true });
  database = connectDatabase(inject('databaseUrl'), { max: 2 });
  config = loadConfig({
    ...testEnv,
    STRIPE_API_BASE: sim.url,
    STRIPE_SIMULATED: 'true',
    CORS_ORIGINS: PARTNER_ORIGIN,
    DATABASE_URL: inject('databaseUrl'),
  });
});
afterAll(async () => {
  await sim.close();
  await database.close();
});

let built = 0;
/** A Paydeck app with extra test routes, not started yet; `use` starts it and closes it after. */
async function withApp(
  routes: (app: FastifyInstance) => void,
  use: (app: FastifyInstance) => Promise<void>,
  overrides: Partial<Config> = {},
) {
  const app = await buildApp({
    config: { ...config, ...overrides },
    database,
    logger: false,
    rateLimitNamespace: `access-startup-${process.pid}-${++built}:`,
  });
  routes(app);
  try {
    await use(app);
  } finally {
    await app.close().catch(() => undefined);
  }
}

const ok = async () => ({ ok: true });
const scopeOf = async (request: FastifyRequest) => ({
  idempotency_scope: request.idempotencyScope ?? null,
});

describe('start-up', () => {
  it('when every route declares who may call it, then the app starts and the route table lists each method of each route with its declaration', async () => {
    await withApp(
      (app) => {
        app.route({
          method: ['GET', 'POST'],
          url: '/api/startup/two-methods',
          config: { auth: 'public' },
          handler: ok,
        });
        app.post(
          '/api/startup/keyed',
          { config: { auth: 'api_key', scope: 'orders:write', idempotency: 'required' } },
          scopeOf,
        );
        app.post('/api/startup/sign-in', { config: { auth: 'visitor', csrf: false } }, ok);
        app.post(
          '/api/startup/operator',
          { config: { auth: 'admin', idempotency: 'optional' } },
          ok,
        );
      },
      async (app) => {
        await app.ready();
        const table = app.routeTable;
        expect(table.length).toBeGreaterThan(40);
        for (const route of table) expect(route.auth, `${route.method} ${route.url}`).toBeDefined();
        expect(table).toContainEqual({
          method: 'GET',
          url: '/api/v1/customers',
          auth: 'api_key',
          scope: 'customers:read',
          idempotency: undefined,
        });
        expect(table).toContainEqual({
          method: 'POST',
          url: '/api/orders/:id/pay',
          auth: 'session',
          scope: undefined,
          idempotency: 'required',
        });
        expect(table.filter((r) => r.url.startsWith('/api/startup/'))).toEqual([
          ...['GET', 'POST', 'HEAD'].map((method) => ({
            method,
            url: '/api/startup/two-methods',
            auth: 'public',
            scope: undefined,
            idempotency: undefined,
          })),
          {
            method: 'POST',
            url: '/api/startup/keyed',
            auth: 'api_key',
            scope: 'orders:write',
            idempotency: 'required',
          },
          {
            method: 'POST',
            url: '/api/startup/sign-in',
            auth: 'visitor',
            scope: undefined,
            idempotency: undefined,
          },
          {
            method: 'POST',
            url: '/api/startup/operator',
            auth: 'admin',
            scope: undefined,
            idempotency: 'optional',
          },
        ]);
        // The request hook is in place from the start: a keyed route refuses a caller without a
        // key, and lets one holding the scope in, scoped to that key.
        const res = await app.inject({ method: 'POST', url: '/api/startup/keyed' });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('invalid_api_key');
        const { row, secret } = await app.services.apiKeys.create(
          { name: 'start-up key', scopes: ['orders:write'] },
          null,
          systemActor('test'),
        );
        const keyed = await app.inject({
          method: 'POST',
          url: '/api/startup/keyed',
          headers: { authorization: `Bearer ${secret}`, 'idempotency-key': `startup-${row.id}` },
        });
        expect(keyed.statusCode, keyed.body).toBe(200);
        expect(keyed.json()).toEqual({ idempotency_scope: `api_key:${row.id}` });
      },
    );
  });

  it('when declarations are unsound, then start-up names each one and why; sound ones pass', async () => {
    await withApp(
      (app) => {
        // Sound: nothing to report about these.
        app.post('/x/sign-in', { config: { auth: 'visitor', csrf: false } }, ok);
        app.post(
          '/x/keyed',
          { config: { auth: 'api_key', scope: 'orders:write', idempotency: 'required' } },
          ok,
        );
        app.post('/x/operator', { config: { auth: 'admin', idempotency: 'optional' } }, ok);
        app.post('/x/customer', { config: { auth: 'session', idempotency: 'required' } }, ok);
        // Unsound, one reason each.
        app.post('/x/nothing', ok);
        app.post('/x/robot', { config: { auth: 'robot' as 'public' } }, ok);
        app.post('/x/no-scope', { config: { auth: 'api_key' } }, ok);
        app.post(
          '/x/unknown-scope',
          { config: { auth: 'api_key', scope: 'orders:fly' as 'orders:read' } },
          ok,
        );
        app.post('/x/session-scope', { config: { auth: 'session', scope: 'orders:read' } }, ok);
        app.post('/x/session-no-csrf', { config: { auth: 'session', csrf: false } }, ok);
        app.post(
          '/x/public-idempotent',
          { config: { auth: 'public', idempotency: 'optional' } },
          ok,
        );
      },
      async (app) => {
        const failure = await app.ready().then(
          () => undefined,
          (err: unknown) => err as Error,
        );
        expect(failure?.message).toBe(
          [
            'Every route must declare who may call it (config.auth). Refusing to start:',
            '  POST /x/nothing declares no `config.auth`',
            '  POST /x/robot declares an unknown auth kind "robot"',
            '  POST /x/no-scope is an api_key route without a known `scope`',
            '  POST /x/unknown-scope is an api_key route without a known `scope`',
            '  POST /x/session-scope declares a `scope` but is not an api_key route',
            '  POST /x/session-no-csrf turns CSRF off, which only visitor routes may do',
            '  POST /x/public-idempotent accepts Idempotency-Key but identifies no caller to scope it to',
          ].join('\n'),
        );
      },
    );
  });

  it('when a browser posts from PUBLIC_URL or one of CORS_ORIGINS, then it passes; from another origin, 403', async () => {
    await withApp(
      (app) => app.post('/api/startup/form', { config: { auth: 'public' } }, ok),
      async (app) => {
        await app.ready();
        const post = (origin: string) =>
          app.inject({ method: 'POST', url: '/api/startup/form', headers: { origin } });
        expect((await post(config.publicOrigin)).statusCode).toBe(200);
        expect((await post(PARTNER_ORIGIN)).statusCode).toBe(200);
        const refused = await post('https://evil.example');
        expect(refused.statusCode).toBe(403);
        expect(refused.json().error.code).toBe('origin_not_allowed');
      },
    );
  });

  it('when no metrics token is configured, then anyone may scrape; with one, only its holder', async () => {
    await withApp(
      () => undefined,
      async (app) => {
        await app.ready();
        expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      },
      { metricsToken: undefined },
    );
    await withApp(
      () => undefined,
      async (app) => {
        await app.ready();
        expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
        const scrape = await app.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: 'Bearer a-metrics-token-for-start-up' },
        });
        expect(scrape.statusCode).toBe(200);
      },
      { metricsToken: 'a-metrics-token-for-start-up' },
    );
  });
});

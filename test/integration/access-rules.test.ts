// The access rules one by one, through test-only routes that answer with what the access hook
// decided about the caller (its idempotency scope, session user and API key). The route walk in
// access.test.ts proves that no caller gets in where it must not; this file pins what each rule
// lets through, and the exact refusal each one gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { anAdmin, anApiKey } from '../helpers/api-keys.ts';
import { TestClient } from '../helpers/http-client.ts';

const PARTNER_ORIGIN = 'https://partner.example.test';
const METRICS_TOKEN = 'metrics-token-for-the-access-rules-test';
const BASE = '/api/access-rules';

/** What the access hook left on the request for the handler. */
const decided = (request: FastifyRequest) => ({
  idempotency_scope: request.idempotencyScope ?? null,
  user_id: request.session?.user.id ?? null,
  api_key_id: request.apiKey?.id ?? null,
});

function testRoutes(app: FastifyInstance) {
  for (const auth of ['public', 'visitor', 'session', 'admin'] as const) {
    app.get(`${BASE}/${auth}`, { config: { auth } }, async (request) => decided(request));
    app.post(`${BASE}/${auth}`, { config: { auth } }, async (request) => decided(request));
  }
  // Like sign-in: a visitor route that runs before a session (and its CSRF token) exists.
  app.post(`${BASE}/no-csrf`, { config: { auth: 'visitor', csrf: false } }, async (request) =>
    decided(request),
  );
  app.post(
    `${BASE}/api-key`,
    { config: { auth: 'api_key', scope: 'orders:read' } },
    async (request) => decided(request),
  );
}

let t: TestApp;
let customer: TestClient;
let customerId: string;
let admin: TestClient;
let adminId: string;

beforeAll(async () => {
  t = await createTestApp({
    env: { CORS_ORIGINS: PARTNER_ORIGIN, METRICS_TOKEN },
    routes: testRoutes,
  });
  customer = new TestClient(t.app);
  customerId = (await customer.signup(uniqueEmail('access-rules'))).user.id;
  const operator = await anAdmin(t);
  admin = operator.client;
  adminId = operator.user!.id;
});
afterAll(() => t.close());

function send(
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string | string[]> = {},
) {
  return t.app.inject({ method, url: `${BASE}/${path}`, headers });
}

const withSession = (client: TestClient, csrf = true): Record<string, string> => ({
  cookie: client.cookie!,
  ...(csrf ? { 'x-csrf-token': client.csrfToken! } : {}),
});

describe('the Origin check on cookie routes', () => {
  it('when a state-changing request comes from an origin not allowed, then 403 origin_not_allowed naming it and PUBLIC_URL', async () => {
    for (const path of ['public', 'visitor']) {
      const res = await send('POST', path, { origin: 'https://evil.example' });
      expect(res.statusCode, path).toBe(403);
      expect(res.json().error).toMatchObject({
        code: 'origin_not_allowed',
        message: `Requests from https://evil.example are not allowed: open Paydeck at ${t.config.publicOrigin} (PUBLIC_URL), or add the origin to CORS_ORIGINS.`,
      });
    }
    const session = await send('POST', 'session', {
      ...withSession(customer),
      origin: 'https://evil.example',
    });
    expect(session.statusCode).toBe(403);
    expect(session.json().error.code).toBe('origin_not_allowed');
  });

  it('when the origin is PUBLIC_URL, one of CORS_ORIGINS or absent, then the request goes through', async () => {
    for (const origin of [t.config.publicOrigin, PARTNER_ORIGIN, undefined]) {
      const res = await send('POST', 'public', origin ? { origin } : {});
      expect(res.statusCode, String(origin)).toBe(200);
    }
  });

  it('when the browser says the request is cross-site, then 403 whatever the Origin; same-site passes', async () => {
    const cross = await send('POST', 'public', { 'sec-fetch-site': 'cross-site' });
    expect(cross.statusCode).toBe(403);
    expect(cross.json().error).toMatchObject({
      code: 'origin_not_allowed',
      message: 'Cross-site requests are not allowed.',
    });
    for (const site of ['same-origin', 'same-site', 'none'])
      expect((await send('POST', 'public', { 'sec-fetch-site': site })).statusCode, site).toBe(200);
  });

  it('when a foreign origin only reads (GET), then it is not refused', async () => {
    const res = await send('GET', 'public', {
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(res.statusCode).toBe(200);
  });

  it('when a merchant backend calls the API with a key, then the Origin check does not apply', async () => {
    const key = await anApiKey(t, ['orders:read'], admin);
    const res = await send('POST', 'api-key', {
      authorization: `Bearer ${key.secret}`,
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('sessions', () => {
  it('when a signed-in customer calls a session route, then the handler sees the user and the idempotency scope is the user', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await send(method, 'session', withSession(customer));
      expect(res.statusCode, method).toBe(200);
      expect(res.json()).toEqual({
        idempotency_scope: `user:${customerId}`,
        user_id: customerId,
        api_key_id: null,
      });
    }
  });

  it('when nobody is signed in, then a session route answers 401 unauthenticated', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await send(method, 'session');
      expect(res.statusCode, method).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
  });

  it('when a customer calls an operator route, then 403 naming the operator account; an operator gets in', async () => {
    const refused = await send('GET', 'admin', withSession(customer));
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({
      code: 'forbidden',
      message: 'This needs an operator (admin) account.',
    });
    expect((await send('GET', 'admin')).statusCode).toBe(401);

    const res = await send('POST', 'admin', withSession(admin));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      idempotency_scope: `user:${adminId}`,
      user_id: adminId,
      api_key_id: null,
    });
  });

  it('when a visitor route is called with or without a session, then the handler sees the user if any, and no idempotency scope', async () => {
    expect((await send('GET', 'visitor', withSession(customer))).json()).toEqual({
      idempotency_scope: null,
      user_id: customerId,
      api_key_id: null,
    });
    expect((await send('GET', 'visitor')).json()).toEqual({
      idempotency_scope: null,
      user_id: null,
      api_key_id: null,
    });
  });

  it('when a public route is called with a session, then no session is read', async () => {
    const res = await send('POST', 'public', withSession(customer, false));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ idempotency_scope: null, user_id: null, api_key_id: null });
  });

  it('when a session cookie is longer than any session token, then it identifies nobody', async () => {
    const long = `${t.app.sessionCookieName}=${'a'.repeat(101)}`;
    expect((await send('GET', 'visitor', { cookie: long })).json().user_id).toBeNull();
    expect((await send('GET', 'session', { cookie: long })).statusCode).toBe(401);
  });
});

describe('CSRF', () => {
  it('when a cookie-authenticated POST has no or a wrong CSRF token, then 403 csrf_token_invalid, on visitor, session and operator routes', async () => {
    for (const [path, client] of [
      ['visitor', customer],
      ['session', customer],
      ['admin', admin],
    ] as const) {
      for (const token of [undefined, 'not-the-token', ['a', 'b']]) {
        const res = await send('POST', path, {
          cookie: client.cookie!,
          ...(token ? { 'x-csrf-token': token } : {}),
        });
        expect(res.statusCode, `${path} ${String(token)}`).toBe(403);
        expect(res.json().error).toMatchObject({
          code: 'csrf_token_invalid',
          message:
            'Missing or invalid CSRF token. Send the X-CSRF-Token header from GET /api/auth/session.',
        });
      }
      expect((await send('POST', path, withSession(client))).statusCode, path).toBe(200);
    }
  });

  it('when a cookie-authenticated GET has no CSRF token, then it is not refused', async () => {
    for (const path of ['visitor', 'session'])
      expect((await send('GET', path, withSession(customer, false))).statusCode, path).toBe(200);
  });

  it('when nobody is signed in, then a visitor POST needs no CSRF token', async () => {
    expect((await send('POST', 'visitor')).statusCode).toBe(200);
  });

  it('when a visitor route turns CSRF off (sign-in), then a signed-in POST without the token passes', async () => {
    const res = await send('POST', 'no-csrf', withSession(customer, false));
    expect(res.statusCode).toBe(200);
    expect(res.json().user_id).toBe(customerId);
  });
});

describe('API keys', () => {
  it('when a key holds the scope, then the handler sees the key and the idempotency scope is the key', async () => {
    const key = await anApiKey(t, ['orders:read'], admin);
    const res = await send('POST', 'api-key', { authorization: `Bearer ${key.secret}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      idempotency_scope: `api_key:${key.id}`,
      user_id: null,
      api_key_id: key.id,
    });
  });

  it('when a key lacks the scope, then 403 insufficient_scope naming it', async () => {
    const key = await anApiKey(t, ['orders:write', 'customers:read'], admin);
    const res = await send('POST', 'api-key', { authorization: `Bearer ${key.secret}` });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      code: 'insufficient_scope',
      message: 'This API key lacks the "orders:read" scope.',
      required_scope: 'orders:read',
    });
  });

  it('when there is no key, or a session instead of one, then 401 invalid_api_key', async () => {
    for (const headers of [{}, withSession(customer)]) {
      const res = await send('POST', 'api-key', headers);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('invalid_api_key');
    }
  });
});

describe('the metrics token', () => {
  it('when the configured token is sent, then the scrape passes; another one gets 401 metrics_token_invalid', async () => {
    const ok = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    for (const authorization of [METRICS_TOKEN, `Bearer ${METRICS_TOKEN}x`, '']) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization },
      });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().error).toMatchObject({
        code: 'metrics_token_invalid',
        message: 'Send Authorization: Bearer <METRICS_TOKEN>.',
      });
    }
  });
});

describe('no route', () => {
  it('when a route matches nothing, then 404, not a refusal', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/access-rules/nothing-here' });
    expect(res.statusCode).toBe(404);
  });
});

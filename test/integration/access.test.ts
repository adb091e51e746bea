// Who may call what, checked by walking the route table itself: every registered route and
// method, under many spellings of its path, for every kind of caller that its declaration does
// not allow. A new route is covered without editing this file. The route that answered a request
// is read from the app's own request log (route pattern by request id), so the assertion is
// "the answer is what the matched route's declaration allows" whatever the router made of the
// spelling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ALL_SCOPES, anAdmin, anApiKey } from '../helpers/api-keys.ts';
import { aCustomerWithCard, aMerchantOrder } from '../helpers/builders.ts';
import { TestClient } from '../helpers/http-client.ts';
import { codeAt } from '../../src/modules/auth/totp.ts';
import type { DeclaredRoute } from '../../src/server/plugins/access.ts';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/config.ts';

const METRICS_TOKEN = 'metrics-token-for-the-access-test';

interface Caller {
  name: string;
  headers: Record<string, string>;
  /** Whether a route with this declaration lets the caller in. */
  allowedBy(route: DeclaredRoute): boolean;
  /** Limits the walk to the routes where this caller tells something new. */
  tries?(route: DeclaredRoute): boolean;
}

let t: TestApp;
let callers: Caller[];
let customer: TestClient;
let admin: TestClient;
let fullKey: string;
let awaitingSecondFactor: TestClient;

function sessionHeaders(client: TestClient): Record<string, string> {
  return { cookie: client.cookie!, 'x-csrf-token': client.csrfToken! };
}

const anyone = (route: DeclaredRoute) =>
  ['public', 'visitor', 'stripe_signature'].includes(route.auth!);

beforeAll(async () => {
  t = await createTestApp({ env: { METRICS_TOKEN } });
  const operator = await anAdmin(t);
  admin = operator.client;
  const buyer = await aCustomerWithCard(t);
  customer = buyer.client;
  const full = await anApiKey(t, ALL_SCOPES, admin);
  fullKey = full.secret;
  const revoked = await anApiKey(t, ALL_SCOPES, admin);
  const revoke = await admin.request('DELETE', `/api/admin/api-keys/${revoked.id}`);
  expect(revoke.statusCode).toBe(200);
  // One key per scope that holds every scope but that one.
  const lacking = new Map<string, string>();
  for (const scope of ALL_SCOPES)
    lacking.set(
      scope,
      (
        await anApiKey(
          t,
          ALL_SCOPES.filter((s) => s !== scope),
          admin,
        )
      ).secret,
    );

  // An operator with a second factor who gave the password but not yet the code (ADR 023).
  const enrolled = await anAdmin(t);
  const { secret } = (await enrolled.client.request('POST', '/api/auth/mfa/enrolment')).json();
  const confirmed = await enrolled.client.request('POST', '/api/auth/mfa/enrolment/confirm', {
    body: { code: codeAt(secret as string, new Date()) },
  });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  awaitingSecondFactor = new TestClient(t.app);
  const pending = await awaitingSecondFactor.request('POST', '/api/auth/login', {
    body: { email: enrolled.email, password: 'an-operator-password' },
  });
  expect(pending.json()).toMatchObject({ user: null, second_factor_pending: true });

  callers = [
    { name: 'nobody', headers: {}, allowedBy: anyone },
    {
      name: 'a sign-in awaiting its second factor',
      headers: sessionHeaders(awaitingSecondFactor),
      allowedBy: (r) => anyone(r) || r.auth === 'second_factor',
    },
    {
      name: 'a customer session',
      headers: sessionHeaders(customer),
      allowedBy: (r) => anyone(r) || r.auth === 'session',
    },
    {
      name: 'an operator session',
      headers: sessionHeaders(admin),
      allowedBy: (r) => anyone(r) || r.auth === 'session' || r.auth === 'admin',
    },
    {
      name: 'a revoked key',
      headers: { authorization: `Bearer ${revoked.secret}` },
      allowedBy: anyone,
    },
    // A valid key opens no session or operator route: one of them tries every route, the
    // others only the routes that need the scope they lack.
    ...ALL_SCOPES.map((scope, i) => ({
      name: `a key lacking ${scope}`,
      headers: { authorization: `Bearer ${lacking.get(scope)!}` },
      allowedBy: (r: DeclaredRoute) => anyone(r) || (r.auth === 'api_key' && r.scope !== scope),
      tries: (r: DeclaredRoute) => i === 0 || r.scope === scope,
    })),
    {
      name: 'a wrong metrics token',
      headers: { authorization: 'Bearer not-the-metrics-token-at-all' },
      allowedBy: anyone,
    },
  ];
});
afterAll(() => t.close());

/** A concrete path for a route pattern: each parameter gets a plausible value. */
function concretePath(url: string): string {
  const samples: Record<string, string> = { document: 'terms' };
  return url
    .replace(/:(\w+)/g, (_, name: string) => samples[name] ?? 'ord_1x2y3z')
    .replace(/\*$/, 'file.js');
}

const encodeChar = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

/** The spellings an attacker tries: each should reach the same route, another one, or none. */
function spellings(path: string): string[] {
  const segments = path.split('/').slice(1); // path starts with '/'
  const at = (i: number, f: (segment: string) => string) =>
    '/' + segments.map((s, j) => (j === i ? f(s) : s)).join('/');
  const variants = new Set<string>([
    path,
    `${path}/`,
    `${path}?`,
    `${path}?x=1`,
    `/${path}`,
    path.toUpperCase(),
  ]);
  segments.forEach((segment, i) => {
    if (!segment) return;
    const letter = segment.search(/[a-z]/i);
    if (letter >= 0)
      variants.add(at(i, (s) => s.slice(0, letter) + encodeChar(s[letter]!) + s.slice(letter + 1)));
    const digit = segment.search(/[0-9]/);
    if (digit >= 0)
      variants.add(at(i, (s) => s.slice(0, digit) + encodeChar(s[digit]!) + s.slice(digit + 1)));
    variants.add(at(i, (s) => s[0]!.toUpperCase() + s.slice(1)));
    variants.add(at(i, (s) => `${s};jsessionid=1`));
    variants.add(at(i, (s) => [...s].map(encodeChar).join('')));
    if (i > 0) {
      const head = '/' + segments.slice(0, i).join('/');
      const tail = segments.slice(i).join('/');
      variants.add(`${head}%2F${tail}`);
      variants.add(`${head}%2f${tail}`);
      variants.add(`${head}//${tail}`);
      variants.add(`${head}/./${tail}`);
      variants.add(`${head}/%2e/${tail}`);
      variants.add(`${head}/x/../${tail}`);
      variants.add(`${head}/x/%2e%2e/${tail}`);
    }
  });
  return [...variants];
}

/** The route pattern that answered, from the app's own "request completed" log line. */
function answeredBy(res: LightMyRequestResponse): string {
  const id = String(res.headers['x-request-id']);
  for (let i = t.logs.length - 1; i >= 0; i--) {
    const line = t.logs[i]!;
    if (line.includes(`"reqId":"${id}"`) && line.includes('"request completed"'))
      return (JSON.parse(line) as { route: string }).route;
  }
  throw new Error(`no request log line for ${id}`);
}

function declarationOf(method: string, url: string): DeclaredRoute | undefined {
  return t.app.routeTable.find((r) => r.method === method && r.url === url);
}

describe('the route table', () => {
  it('when the app starts, then every route declares who may call it', () => {
    expect(t.app.routeTable.length).toBeGreaterThan(40);
    for (const route of t.app.routeTable)
      expect(route.auth, `${route.method} ${route.url}`).toBeDefined();
    // The merchant API, the console API and the customer API are all in the table.
    expect(declarationOf('GET', '/api/v1/customers')).toMatchObject({
      auth: 'api_key',
      scope: 'customers:read',
    });
    expect(declarationOf('POST', '/api/orders/:id/pay')).toMatchObject({
      auth: 'session',
      idempotency: 'required',
    });
    expect(declarationOf('GET', '/api/admin/audit')).toMatchObject({ auth: 'admin' });
  });

  it('when any caller the declaration does not allow calls any route under any spelling, then 401/403, or no route (404)', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of t.app.routeTable) {
      for (const path of spellings(concretePath(route.url))) {
        for (const caller of callers) {
          if (caller.allowedBy(route) || caller.tries?.(route) === false) continue;
          const res = await t.app.inject({
            method: route.method as 'GET',
            url: path,
            headers: {
              ...caller.headers,
              ...(['POST', 'PUT', 'PATCH'].includes(route.method)
                ? { 'content-type': 'application/json' }
                : {}),
            },
            ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { payload: '{}' } : {}),
          });
          checked++;
          const matched = answeredBy(res);
          const declaration =
            matched === 'unmatched' ? undefined : declarationOf(route.method, matched);
          const where = `${caller.name}: ${route.method} ${path} (answered by ${matched}) → ${res.statusCode}`;
          if (res.statusCode >= 500) failures.push(`${where}: server error`);
          else if (!declaration) {
            // No route: a JSON 404, a malformed-URL 400, or the single-page app's HTML shell.
            const page =
              res.statusCode === 200 && String(res.headers['content-type']).startsWith('text/html');
            if (![400, 404].includes(res.statusCode) && !page)
              failures.push(`${where}: expected 404 for no route`);
          } else if (!caller.allowedBy(declaration) && ![401, 403].includes(res.statusCode)) {
            failures.push(`${where}: the ${declaration.auth} route let the caller in`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    console.log(`route walk: ${checked} requests`);
    expect(checked).toBeGreaterThan(1500);
  }, 300_000);

  it('when an allowed caller reads a route, then it is not refused for who it is', async () => {
    const allowed: Array<[Record<string, string>, (r: DeclaredRoute) => boolean]> = [
      [{}, anyone],
      [sessionHeaders(customer), (r) => r.auth === 'session'],
      [sessionHeaders(admin), (r) => r.auth === 'admin'],
      [{ authorization: `Bearer ${fullKey}` }, (r) => r.auth === 'api_key'],
      [{ authorization: `Bearer ${METRICS_TOKEN}` }, (r) => r.auth === 'metrics_token'],
    ];
    for (const route of t.app.routeTable.filter((r) => r.method === 'GET')) {
      const [headers] = allowed.find(([, fits]) => fits(route)) ?? [];
      expect(headers, `no caller fits ${route.url}`).toBeDefined();
      const res = await t.app.inject({
        method: 'GET',
        url: concretePath(route.url),
        headers: headers!,
      });
      expect(
        [401, 403],
        `GET ${route.url} → ${res.statusCode} ${res.body.slice(0, 200)}`,
      ).not.toContain(res.statusCode);
      expect(res.statusCode, `GET ${route.url}`).toBeLessThan(500);
    }
  });
});

describe('the percent-encoded merchant API (issue 8)', () => {
  /** What exists for one customer: other test files write to the same tables meanwhile. */
  async function counts(userId: string) {
    const rows = await t.database.db.execute<{
      orders: number;
      payments: number;
      refunds: number;
    }>(sql`
      select (select count(*) from orders where user_id = ${userId})::int as orders,
             (select count(*) from payments where user_id = ${userId})::int as payments,
             (select count(*) from refunds r join payments p on p.id = r.payment_id where p.user_id = ${userId})::int as refunds`);
    return rows.rows[0]!;
  }

  it('when nobody, a revoked key or a key without the scope calls encoded /api/v1 paths, then 401/403 and nothing is created, charged or refunded', async () => {
    const api = (await anApiKey(t, ALL_SCOPES, admin)).api;
    const buyer = await aCustomerWithCard(t);
    const paid = await aMerchantOrder(api, { customer_email: buyer.user.email, amount: 4200 });
    const charged = await api.request('POST', `/api/v1/orders/${paid.id}/charge`, { body: {} });
    expect(charged.statusCode).toBe(200);
    const open = await aMerchantOrder(api, { customer_email: buyer.user.email, amount: 4300 });
    const revoked = await anApiKey(t, ALL_SCOPES, admin);
    await admin.request('DELETE', `/api/admin/api-keys/${revoked.id}`);
    const readOnly = await anApiKey(t, ['orders:read'], admin);
    const before = await counts(buyer.user.id);

    const attempts: Array<{ auth: Record<string, string>; status: number }> = [
      { auth: {}, status: 401 },
      { auth: { authorization: `Bearer ${revoked.secret}` }, status: 401 },
      { auth: { authorization: `Bearer ${readOnly.secret}` }, status: 403 },
    ];
    for (const prefix of ['/api/%761', '/api/v%31', '/api/%76%31', '/%61pi/v1']) {
      for (const { auth, status } of attempts) {
        const send = (method: 'GET' | 'POST', url: string, body?: unknown) =>
          t.app.inject({
            method,
            url: prefix + url,
            headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
            ...(body ? { payload: JSON.stringify(body) } : {}),
          });
        const list = await send('GET', '/customers');
        // The read-only key lacks customers:read too.
        expect(list.statusCode, `${prefix}/customers`).toBe(status);
        expect(list.body).not.toContain(buyer.user.email);
        for (const res of [
          await send('POST', '/orders', {
            customer_email: buyer.user.email,
            amount: 99_999_999,
            currency: 'usd',
          }),
          await send('POST', `/orders/${open.id}/charge`, {}),
          await send('POST', `/orders/${paid.id}/refunds`, { amount: 100 }),
        ]) {
          expect(res.statusCode, res.body).toBe(status);
          expect(res.json().error.code).toBe(
            status === 401 ? 'invalid_api_key' : 'insufficient_scope',
          );
        }
      }
    }
    expect(await counts(buyer.user.id)).toEqual(before);
  });

  it('when the key is valid, then an encoded spelling reaches the same route and its idempotency key is the same request', async () => {
    const key = await anApiKey(t, ALL_SCOPES, admin);
    const buyer = await aCustomerWithCard(t);
    const headers = {
      authorization: `Bearer ${key.secret}`,
      'content-type': 'application/json',
      'idempotency-key': `enc-${Date.now()}`,
    };
    const body = JSON.stringify({
      amount: 1234,
      currency: 'usd',
      customer_email: buyer.user.email,
    });
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers,
      payload: body,
    });
    expect(first.statusCode, first.body).toBe(201);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/%761/orders',
      headers,
      payload: body,
    });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
  });
});

describe('the audit actor', () => {
  it('when the walk is over, then no audit entry written during an HTTP request names the system as its actor', async () => {
    const rows = await t.database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from audit_entries where request_id is not null and actor_type = 'system'`,
    );
    expect(rows.rows[0]!.n).toBe(0);
  });
});

describe('start-up', () => {
  it('when a route declares nothing, then the app refuses to start and names it', async () => {
    const app = await buildApp({
      config: t.config,
      database: t.database,
      logger: false,
      rateLimitNamespace: 'access-test:',
    });
    app.get('/api/forgotten', async () => ({ ok: true }));
    app.post('/api/v1/scopeless', { config: { auth: 'api_key' } }, async () => ({ ok: true }));
    app.post(
      '/api/anonymous-write',
      { config: { auth: 'public', idempotency: 'optional' } },
      async () => ({ ok: true }),
    );
    await expect(app.ready()).rejects.toThrow(
      /GET \/api\/forgotten declares no `config.auth`[\s\S]*POST \/api\/v1\/scopeless is an api_key route without a known `scope`[\s\S]*POST \/api\/anonymous-write accepts Idempotency-Key but identifies no caller/,
    );
    await app.close().catch(() => undefined);
  });
});

describe('HTTPS redirect behind a proxy', () => {
  it('when plain HTTP arrives with a forged X-Forwarded-Host, then the redirect goes to PUBLIC_URL, not to the forged host', async () => {
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_paydeck_tests',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_paydeck_tests',
      STRIPE_API_BASE: t.sim.url,
      STRIPE_SIMULATED: 'true',
      PUBLIC_URL: 'https://pay.example.com',
      TRUST_PROXY: 'true',
      DATABASE_URL: t.config.databaseUrl ?? 'postgres://unused',
    });
    const app = await buildApp({
      config,
      database: t.database,
      logger: false,
      rateLimitNamespace: 'access-https:',
    });
    await app.ready();
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/api/orders?x=1',
        headers: {
          'x-forwarded-proto': 'http',
          'x-forwarded-host': 'evil.example',
          host: 'evil.example',
        },
      });
      expect(res.statusCode).toBe(301);
      expect(res.headers.location).toBe('https://pay.example.com/api/orders?x=1');
      const health = await app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-forwarded-proto': 'http' },
      });
      expect(health.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

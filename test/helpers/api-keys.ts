// Builders for the merchant API and the console: an operator signed in through the real login,
// and API keys created through the admin API, plus a small bearer-key client.
import type { LightMyRequestResponse } from 'fastify';
import { uniqueEmail, type TestApp } from './app.ts';
import { TestClient } from './http-client.ts';
import { createPaydeckClient, type PaydeckClient } from '../../packages/client/src/index.ts';

export const ALL_SCOPES = [
  'orders:read',
  'orders:write',
  'payments:read',
  'payments:write',
  'refunds:read',
  'refunds:write',
  'customers:read',
  'customers:write',
  'webhooks:read',
  'webhooks:write',
];

/** A signed-in operator (role admin), with its CSRF token. */
export async function anAdmin(t: TestApp) {
  const email = uniqueEmail('admin');
  const password = 'an-operator-password';
  const user = await t.app.services.auth.createAccount({
    email,
    password,
    name: 'Olive Operator',
    role: 'admin',
  });
  const client = new TestClient(t.app);
  const login = await client.request('POST', '/api/auth/login', { body: { email, password } });
  if (login.statusCode !== 200)
    throw new Error(`admin login failed: ${login.statusCode} ${login.body}`);
  await client.request('GET', '/api/auth/session');
  return { client, user, email };
}

/** An API key created by an operator through POST /api/admin/api-keys. */
export async function anApiKey(t: TestApp, scopes: string[] = ALL_SCOPES, admin?: TestClient) {
  const operator = admin ?? (await anAdmin(t)).client;
  const res = await operator.request('POST', '/api/admin/api-keys', {
    body: { name: 'test key', scopes },
  });
  if (res.statusCode !== 201) throw new Error(`api key failed: ${res.statusCode} ${res.body}`);
  const key = res.json() as { id: string; secret: string; prefix: string; scopes: string[] };
  return { ...key, api: new ApiClient(t, key.secret) };
}

/** Calls /api/v1 with a bearer key, as a merchant's backend would. */
export class ApiClient {
  constructor(
    private readonly t: TestApp,
    readonly secret: string,
  ) {}

  request(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.secret}`,
      ...options.headers,
    };
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    return this.t.app.inject({
      method,
      url,
      headers,
      ...(options.body !== undefined
        ? {
            payload: typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
          }
        : {}),
    });
  }
}

/**
 * The merchant SDK (packages/client) for a key, exactly as a merchant's backend builds it, with its
 * requests answered by the app in-process (`app.inject`) instead of over a socket.
 */
export function sdkFor(t: TestApp, secret: string): PaydeckClient {
  return createPaydeckClient({
    baseUrl: 'http://paydeck.test',
    apiKey: secret,
    fetch: async (request: Request) => {
      const url = new URL(request.url);
      const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
      const res = await t.app.inject({
        method: request.method as 'GET' | 'POST' | 'DELETE',
        url: `${url.pathname}${url.search}`,
        headers: Object.fromEntries(request.headers),
        ...(body ? { payload: body } : {}),
      });
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        for (const one of Array.isArray(value) ? value : [value])
          if (one !== undefined) headers.append(name, String(one));
      }
      const empty = res.statusCode === 204 || res.statusCode === 304;
      return new Response(empty ? null : new Uint8Array(res.rawPayload), {
        status: res.statusCode,
        headers,
      });
    },
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer } from '../helpers/builders.ts';
import { ALL_SCOPES, ApiClient, anAdmin, anApiKey } from '../helpers/api-keys.ts';
import { apiKeys, auditEntries } from '../../src/db/schema.ts';
import { sha256Hex } from '../../src/lib/crypto.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('API keys', () => {
  it('when an operator creates a key, then the secret is shown once and only its hash is stored', async () => {
    const { client } = await anAdmin(t);
    const res = await client.request('POST', '/api/admin/api-keys', {
      body: { name: 'Backend', scopes: ['orders:read', 'orders:write'] },
    });
    expect(res.statusCode).toBe(201);
    const key = res.json();
    expect(key.secret).toMatch(/^pd_sk_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({
      name: 'Backend',
      scopes: ['orders:read', 'orders:write'],
      revoked_at: null,
    });
    expect(key.secret.startsWith(key.prefix)).toBe(true);

    const [row] = await t.database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(JSON.stringify(row)).not.toContain(key.secret);
    expect(row!.keyHash).toBe(sha256Hex(key.secret));
    // The secret is nowhere in the database: not in the audit log, not in idempotency records.
    const secretTail = key.secret.slice(12);
    const [{ hits }] = (
      await t.database.db.execute(sql`
      select (select count(*) from audit_entries where after::text like ${'%' + secretTail + '%'})
           + (select count(*) from idempotency_keys where response_body like ${'%' + secretTail + '%'}) as hits`)
    ).rows as [{ hits: string }];
    expect(Number(hits)).toBe(0);

    const [audit] = await t.database.db
      .select()
      .from(auditEntries)
      .where(eq(auditEntries.targetId, key.id));
    expect(audit).toMatchObject({
      action: 'api_key.created',
      actorType: 'admin',
      targetType: 'api_key',
    });

    const list = await client.request('GET', '/api/admin/api-keys');
    expect(list.statusCode).toBe(200);
    const listed = list.json().data.find((k: { id: string }) => k.id === key.id);
    expect(listed).toMatchObject({ name: 'Backend', prefix: key.prefix });
    expect(listed.secret).toBeUndefined();
    expect(list.body).not.toContain(key.secret);
  });

  it('when a key is used, then it works, last_used_at is set, and after revocation it is refused with 401', async () => {
    const { client } = await anAdmin(t);
    const key = await anApiKey(t, ['orders:read'], client);
    const ok = await key.api.request('GET', '/api/v1/orders');
    expect(ok.statusCode).toBe(200);
    const [used] = await t.database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(used!.lastUsedAt).not.toBeNull();

    const revoke = await client.request('DELETE', `/api/admin/api-keys/${key.id}`);
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json().revoked_at).not.toBeNull();
    const refused = await key.api.request('GET', '/api/v1/orders');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('invalid_api_key');
    const [audit] = await t.database.db
      .select()
      .from(auditEntries)
      .where(
        sql`${auditEntries.targetId} = ${key.id} and ${auditEntries.action} = 'api_key.revoked'`,
      );
    expect(audit).toBeDefined();
  });

  it.each([
    ['no Authorization header', undefined],
    ['a malformed key', 'Bearer nope'],
    ['an unknown key', `Bearer pd_sk_${'A'.repeat(43)}`],
    ['Basic auth', 'Basic dXNlcjpwYXNz'],
  ])('when the request has %s, then 401 invalid_api_key as JSON', async (_label, authorization) => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orders',
      headers: authorization ? { authorization } : {},
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json().error).toMatchObject({ code: 'invalid_api_key' });
    expect(res.json().error.request_id).toBeTruthy();
  });

  it('when a key lacks the route scope, then 403 insufficient_scope naming the scope', async () => {
    const key = await anApiKey(t, ['orders:read']);
    const res = await key.api.request('POST', '/api/v1/orders', {
      body: { customer_email: 'x@example.test', amount: 1000, currency: 'usd' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      code: 'insufficient_scope',
      required_scope: 'orders:write',
    });
    const payments = await key.api.request('GET', '/api/v1/payments');
    expect(payments.statusCode).toBe(403);
  });

  it('when a session cookie is sent to /api/v1 without a key, then it is not accepted', async () => {
    const { client } = await anAdmin(t);
    const res = await client.request('GET', '/api/v1/orders');
    expect(res.statusCode).toBe(401);
  });

  it('when a customer calls the admin API, then 403; without a session 401', async () => {
    const { client } = await aCustomer(t);
    const create = await client.request('POST', '/api/admin/api-keys', {
      body: { name: 'mine', scopes: ALL_SCOPES },
    });
    expect(create.statusCode).toBe(403);
    expect((await client.request('GET', '/api/admin/api-keys')).statusCode).toBe(403);
    expect((await client.request('GET', '/api/admin/payments')).statusCode).toBe(403);
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/admin/api-keys' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('when an operator posts without the CSRF token, then 403', async () => {
    const { client } = await anAdmin(t);
    const res = await client.request('POST', '/api/admin/api-keys', {
      body: { name: 'x', scopes: ['orders:read'] },
      csrf: false,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('csrf_token_invalid');
  });

  it.each([
    [{ name: 'x', scopes: ['orders:delete'] }, 'scopes.0'],
    [{ name: '', scopes: ['orders:read'] }, 'name'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: 'x' }, 'scopes'],
    [{ name: 'x', scopes: ['orders:read'], admin: true }, 'admin'],
  ])('when the key request is invalid (%j), then 400 naming %s', async (body, field) => {
    const { client } = await anAdmin(t);
    const res = await client.request('POST', '/api/admin/api-keys', { body });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe(field);
  });

  it('when revoking an unknown key, then 404; a malformed id 400', async () => {
    const { client } = await anAdmin(t);
    expect(
      (await client.request('DELETE', `/api/admin/api-keys/${crypto.randomUUID()}`)).statusCode,
    ).toBe(404);
    expect((await client.request('DELETE', '/api/admin/api-keys/nope')).statusCode).toBe(400);
  });

  it('when a key makes too many requests in a second, then 429 with Retry-After', async () => {
    // A small budget of its own, so that a loaded machine still sends more than it in a second.
    const limited = await createTestApp({ env: { RATE_LIMIT_API_KEY_PER_SECOND: '5' } });
    try {
      const key = await anApiKey(limited, ['orders:read']);
      const other = new ApiClient(limited, (await anApiKey(limited, ['orders:read'])).secret);
      const results = await Promise.all(
        Array.from({ length: 30 }, () => key.api.request('GET', '/api/v1/orders?limit=1')),
      );
      const refused = results.filter((r) => r.statusCode === 429);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.headers['retry-after']).toBeDefined();
      // another key has its own budget
      expect((await other.request('GET', '/api/v1/orders?limit=1')).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('health', () => {
  it('/healthz answers while the process runs', async () => {
    const res = await t.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz checks the database', async () => {
    const res = await t.app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json().checks.database).toEqual({ status: 'ok' });
  });

  it('/readyz answers 503 naming the failed dependency', async () => {
    t.app.readinessChecks.set('broken-for-test', async () => {
      throw new Error('unreachable');
    });
    const res = await t.app.inject('/readyz');
    t.app.readinessChecks.delete('broken-for-test');
    expect(res.statusCode).toBe(503);
    expect(res.json().checks['broken-for-test']).toEqual({ status: 'error', error: 'unreachable' });
  });
});

describe('errors and headers', () => {
  it('an unknown API route is a JSON 404', async () => {
    const res = await t.app.inject('/api/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'route_not_found' });
  });

  it('API responses are not cached and carry security headers and a request id', async () => {
    const res = await t.app.inject('/api/auth/session');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });

  it('/api/config tells the browser the publishable key and mode, nothing secret', async () => {
    const res = await t.app.inject('/api/config');
    expect(res.json()).toEqual({
      publishable_key: 'pk_test_paydeck_tests',
      stripe_js_url: `${t.sim.url}/v3/`,
      mode: 'simulated',
    });
    expect(res.body).not.toContain('sk_test');
  });

  it('the legal documents are served with their version', async () => {
    const res = await t.app.inject('/api/legal/terms');
    expect(res.json()).toMatchObject({
      document: 'terms',
      version: expect.any(String),
      title: 'Terms of Service',
    });
    expect((await t.app.inject('/api/legal/cookies')).statusCode).toBe(400);
  });

  it('an unexpected failure is a 500 with a generic message and the request id, details only in the log', async () => {
    const before = t.logs.length;
    const { database } = t.app.ctx;
    const original = database.pool.query.bind(database.pool);
    // Simulate the database breaking mid-request.
    (database.pool as { query: unknown }).query = () =>
      Promise.reject(new Error('boom: connection lost'));
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'x@example.test', password: 'whatever password' }),
    });
    (database.pool as { query: unknown }).query = original;
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('internal_error');
    expect(res.body).not.toContain('boom');
    expect(t.logs.slice(before).join('')).toContain('boom: connection lost');
  });
});

describe('requests the HTTP parser refuses', () => {
  it('when the request line and headers pass 16 KB, then 431 in our error shape with a request id, not Fastify’s own', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET /api/orders?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/x-request-id: req_/i);
    expect(head).toMatch(/cache-control: no-store/i);
    expect(JSON.parse(body!)).toMatchObject({
      error: { code: 'request_too_large', request_id: expect.stringMatching(/^req_/) },
    });
  });
});

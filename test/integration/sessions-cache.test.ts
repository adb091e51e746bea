// Resolved sessions are cached in each instance (auth/session-cache.ts, ADR 029). These tests run
// two app instances on one database and one Redis, as two servers behind a load balancer: a
// session ended, a password changed or a session revoked on one instance is refused by the
// other on the very next request, although that instance had the session in its cache. Without
// REDIS_URL (the embedded-database run) the same checks hold because nothing is cached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { TestClient } from '../helpers/http-client.ts';
import { registry } from '../../src/lib/metrics.ts';
import { randomToken } from '../../src/lib/crypto.ts';

let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  // One deployment: one revocation counter, apart from other test files' apps.
  const sessionCacheKey = `test-sessions-${randomToken(6)}`;
  [a, b] = await Promise.all([
    createTestApp({ sessionCacheKey }),
    createTestApp({ sessionCacheKey }),
  ]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

/** Statements sent to PostgreSQL so far by requests to GET /api/auth/session (both instances). */
async function sessionReadStatements(): Promise<number> {
  const text = await registry.getSingleMetricAsString('paydeck_db_statements_total');
  const line = text.split('\n').find((l) => l.includes('route="/api/auth/session"'));
  return Number(line?.split(' ').pop() ?? 0);
}

const signedInUser = async (client: TestClient) =>
  (await client.request('GET', '/api/auth/session')).json().user as { id: string } | null;

/** A customer signed in on instance A, whose session instance B has resolved (and cached). */
async function aSessionKnownToB(password = 'a-long-enough-password') {
  const onA = new TestClient(a.app);
  const { user } = await onA.signup(uniqueEmail('cache'), password);
  const onB = onA.on(b.app);
  expect((await signedInUser(onB))?.id).toBe(user.id);
  return { onA, onB, user };
}

describe('session cache', () => {
  it('when a session was resolved once, then the next request on that instance reads no session from the database (with Redis; without, it always reads)', async () => {
    const { onB, user } = await aSessionKnownToB();
    const before = await sessionReadStatements();
    expect((await signedInUser(onB))?.id).toBe(user.id);
    const read = (await sessionReadStatements()) - before;
    // Without Redis no revocation could reach this instance from another: nothing is cached.
    if (process.env.REDIS_URL) expect(read).toBe(0);
    else expect(read).toBeGreaterThan(0);
  });

  it('when a customer signs out on one instance, then the other refuses the session at once', async () => {
    const { onA, onB } = await aSessionKnownToB();
    const stale = onB.on(b.app);
    expect((await onA.request('POST', '/api/auth/logout', { body: {} })).statusCode).toBe(204);
    expect(await signedInUser(stale)).toBeNull();
    expect((await stale.request('GET', '/api/orders')).statusCode).toBe(401);
  });

  it('when the password changes on one instance, then the other sessions are refused on the other', async () => {
    const password = 'the-first-long-password';
    const { onA, onB } = await aSessionKnownToB(password);
    // A second browser of the same account, signed in and known to B too.
    const second = new TestClient(b.app);
    const email = (await onA.request('GET', '/api/auth/session')).json().user.email as string;
    expect(
      (await second.request('POST', '/api/auth/login', { body: { email, password } })).statusCode,
    ).toBe(200);
    expect(await signedInUser(second)).not.toBeNull();

    const changed = await onA.request('POST', '/api/auth/password', {
      body: { current_password: password, new_password: 'the-second-long-password' },
    });
    expect(changed.statusCode).toBe(200);
    expect(await signedInUser(second)).toBeNull();
    // The session that changed it stays signed in, on both instances.
    expect(await signedInUser(onB)).not.toBeNull();
  });

  it('when a customer ends their other sessions on one instance, then the other instance refuses them', async () => {
    const { onA, onB } = await aSessionKnownToB();
    const elsewhere = new TestClient(a.app);
    const email = (await onA.request('GET', '/api/auth/session')).json().user.email as string;
    await elsewhere.request('POST', '/api/auth/login', {
      body: { email, password: 'a-long-enough-password' },
    });
    const elsewhereOnB = elsewhere.on(b.app);
    expect(await signedInUser(elsewhereOnB)).not.toBeNull();

    const ended = await onA.request('POST', '/api/auth/sessions/revoke-others', { body: {} });
    expect(ended.statusCode).toBe(200);
    expect(await signedInUser(elsewhereOnB)).toBeNull();
    expect(await signedInUser(onB)).not.toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { emailIs } from '../../src/db/sealed-users.ts';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { TestClient } from '../helpers/http-client.ts';
import { ManualClock, systemClock } from '../../src/lib/clock.ts';
import { SessionStore } from '../../src/modules/auth/sessions.ts';
import { legalAcceptances, sessions, users } from '../../src/db/schema.ts';
import { legalDocuments } from '../../src/modules/legal/documents.ts';

let t: TestApp;
const clock = new ManualClock(new Date());

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

describe('sign-up', () => {
  it('when a new person signs up, then they are signed in with a CSRF token and their acceptance is recorded', async () => {
    const client = new TestClient(t.app);
    const email = uniqueEmail('signup');
    const res = await client.request('POST', '/api/auth/signup', {
      body: {
        email: email.toUpperCase(),
        password: 'correct horse battery',
        name: ' Ann Example ',
        accept_terms: true,
      },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({ email, name: 'Ann Example', role: 'customer' });
    expect(body.csrf_token).toMatch(/^[\w-]{40,}$/);
    expect(res.headers['set-cookie']).toMatch(/paydeck_session=.+; .*HttpOnly/);
    expect(res.headers['set-cookie']).toMatch(/SameSite=Lax/);

    const session = await client.request('GET', '/api/auth/session');
    expect(session.json()).toEqual({
      user: body.user,
      csrf_token: body.csrf_token,
      second_factor_pending: false,
      operator_mfa: null,
      checkout_order_id: null,
    });

    const [row] = await t.database.db.select().from(users).where(emailIs(email));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    const accepted = await t.database.db
      .select()
      .from(legalAcceptances)
      .where(eq(legalAcceptances.userId, row!.id));
    expect(accepted.map((a) => [a.document, a.version]).sort()).toEqual([
      ['privacy', legalDocuments.privacy.version],
      ['terms', legalDocuments.terms.version],
    ]);
  });

  it('when the email is already registered (any case), then 409 email_taken on the email field', async () => {
    const email = uniqueEmail('dup');
    await new TestClient(t.app).signup(email);
    const res = await new TestClient(t.app).request('POST', '/api/auth/signup', {
      body: {
        email: email.toUpperCase(),
        password: 'another long password',
        name: 'B',
        accept_terms: true,
      },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'email_taken', field: 'email' });
    expect(res.json().error.request_id).toMatch(/^req_/);
  });

  it('when the terms are not accepted, then 400 terms_not_accepted and no account', async () => {
    const email = uniqueEmail('noterms');
    const res = await new TestClient(t.app).request('POST', '/api/auth/signup', {
      body: { email, password: 'correct horse battery', name: 'C', accept_terms: false },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'terms_not_accepted', field: 'accept_terms' });
    expect(await t.database.db.select().from(users).where(emailIs(email))).toHaveLength(0);
  });
});

describe('bad input on sign-up is a 4xx JSON error naming the problem', () => {
  const valid = () => ({
    email: uniqueEmail('bad'),
    password: 'correct horse battery',
    name: 'D',
    accept_terms: true,
  });
  const cases: Array<[string, () => unknown, number, string, string | undefined]> = [
    ['malformed JSON', () => '{"email": ', 400, 'invalid_json', undefined],
    ['a missing field', () => ({ ...valid(), name: undefined }), 400, 'validation_failed', 'name'],
    ['an unknown field', () => ({ ...valid(), role: 'admin' }), 400, 'unknown_field', 'role'],
    [
      'an oversized name',
      () => ({ ...valid(), name: 'x'.repeat(5000) }),
      400,
      'validation_failed',
      'name',
    ],
    [
      'a too short password',
      () => ({ ...valid(), password: 'short' }),
      400,
      'validation_failed',
      'password',
    ],
    [
      'a wrong type',
      () => ({ ...valid(), accept_terms: 'yes' }),
      400,
      'validation_failed',
      'accept_terms',
    ],
    ['a number as a string', () => ({ ...valid(), name: 42 }), 400, 'validation_failed', 'name'],
    [
      'an invalid email',
      () => ({ ...valid(), email: 'not-an-email' }),
      400,
      'validation_failed',
      'email',
    ],
    ['an array body', () => [valid()], 400, 'validation_failed', undefined],
    [
      'a body over 64 KiB',
      () => ({ ...valid(), name: 'x'.repeat(70_000) }),
      413,
      'payload_too_large',
      undefined,
    ],
  ];
  it.each(cases)('%s', async (_label, body, status, code, field) => {
    const res = await new TestClient(t.app).request('POST', '/api/auth/signup', { body: body() });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const error = res.json().error;
    expect(error.code).toBe(code);
    expect(error.message).toEqual(expect.any(String));
    expect(error.request_id).toMatch(/^req_/);
    if (field) expect(error.field).toBe(field);
  });

  it('a form-encoded body is refused with 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a@b.co',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });
});

describe('sign-in', () => {
  it('when the password is wrong or the email unknown, then the same 401 invalid_credentials', async () => {
    const email = uniqueEmail('login');
    await new TestClient(t.app).signup(email, 'the right password!');
    for (const body of [
      { email, password: 'the wrong password' },
      { email: uniqueEmail('nobody'), password: 'the right password!' },
    ]) {
      const res = await new TestClient(t.app).request('POST', '/api/auth/login', { body });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatchObject({
        code: 'invalid_credentials',
        message: 'The email or password is incorrect.',
      });
    }
  });

  it('when signing in, then the session id rotates and the old cookie stops working', async () => {
    const email = uniqueEmail('rotate');
    const client = new TestClient(t.app);
    await client.signup(email, 'the right password!');
    const oldCookie = client.cookie!;
    const res = await client.request('POST', '/api/auth/login', {
      body: { email, password: 'the right password!' },
    });
    expect(res.statusCode).toBe(200);
    expect(client.cookie).not.toBe(oldCookie);
    const stale = await t.app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: { cookie: oldCookie },
    });
    expect(stale.json().user).toBeNull();
    const fresh = await client.request('GET', '/api/auth/session');
    expect(fresh.json().user.email).toBe(email);
  });

  it('the session id is stored only as a hash', async () => {
    const client = new TestClient(t.app);
    const { user } = await client.signup(uniqueEmail('hash'));
    const token = client.cookie!.split('=')[1]!;
    const rows = await t.database.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toContain(token);
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('CSRF and origin', () => {
  it('when a cookie-authenticated POST has no or a wrong CSRF token, then 403 and the session survives', async () => {
    const client = new TestClient(t.app);
    await client.signup(uniqueEmail('csrf'));
    const missing = await client.request('POST', '/api/auth/logout', { csrf: false });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('csrf_token_invalid');
    const wrong = await client.request('POST', '/api/auth/logout', {
      csrf: false,
      headers: { 'x-csrf-token': 'nope' },
    });
    expect(wrong.statusCode).toBe(403);
    expect((await client.request('GET', '/api/auth/session')).json().user).not.toBeNull();
  });

  it('when a state-changing request comes from another origin, then 403 origin_not_allowed', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      payload: JSON.stringify({ email: uniqueEmail(), password: 'whatever password' }),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('origin_not_allowed');
  });
});

describe('sign-out', () => {
  it('when signing out with the token, then 204 and the session is gone', async () => {
    const client = new TestClient(t.app);
    await client.signup(uniqueEmail('logout'));
    const cookie = client.cookie!;
    const res = await client.request('POST', '/api/auth/logout');
    expect(res.statusCode).toBe(204);
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: { cookie },
    });
    expect(after.json()).toEqual({
      user: null,
      csrf_token: null,
      second_factor_pending: false,
      operator_mfa: null,
      checkout_order_id: null,
    });
  });

  it('when signing out everywhere, then every session of that user ends', async () => {
    const email = uniqueEmail('everywhere');
    const laptop = new TestClient(t.app);
    await laptop.signup(email, 'the right password!');
    const phone = new TestClient(t.app);
    await phone.request('POST', '/api/auth/login', {
      body: { email, password: 'the right password!' },
    });
    const res = await laptop.request('POST', '/api/auth/logout', { body: { everywhere: true } });
    expect(res.statusCode).toBe(204);
    expect((await phone.request('GET', '/api/auth/session')).json().user).toBeNull();
  });

  it('when not signed in, then 401', async () => {
    const res = await new TestClient(t.app).request('POST', '/api/auth/logout');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });
});

describe('session expiry', () => {
  it('when idle longer than the idle timeout, then the session is over', async () => {
    const client = new TestClient(t.app);
    await client.signup(uniqueEmail('idle'));
    clock.advance(t.config.session.idleTimeoutMs - 60_000);
    expect((await client.request('GET', '/api/auth/session')).json().user).not.toBeNull();
    clock.advance(t.config.session.idleTimeoutMs + 1000);
    expect((await client.request('GET', '/api/auth/session')).json().user).toBeNull();
  });

  it('when active but past the absolute timeout, then the session is over', async () => {
    const client = new TestClient(t.app);
    await client.signup(uniqueEmail('absolute'));
    const step = t.config.session.idleTimeoutMs / 2;
    let elapsed = 0;
    while (elapsed + step < t.config.session.absoluteTimeoutMs) {
      clock.advance(step);
      elapsed += step;
      expect((await client.request('GET', '/api/auth/session')).json().user).not.toBeNull();
    }
    clock.advance(step);
    expect((await client.request('GET', '/api/auth/session')).json().user).toBeNull();
  });

  it('when the purge runs, then expired sessions are deleted and live ones kept', async () => {
    const live = new TestClient(t.app);
    const { user: liveUser } = await live.signup(uniqueEmail('live'));
    const stale = new TestClient(t.app);
    const { user: staleUser } = await stale.signup(uniqueEmail('stale'));
    // The purge deletes every expired session in the database, and other test files keep live
    // sessions in it meanwhile: expire this one by its deadline, and purge at the real time
    // (this file's manual clock runs hours ahead and would expire theirs).
    await t.database.db
      .update(sessions)
      .set({ idleExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.userId, staleUser.id));
    await new SessionStore(t.database.db, systemClock, t.config.session).purgeExpired();
    const count = async (id: string) =>
      (await t.database.db.select().from(sessions).where(eq(sessions.userId, id))).length;
    expect(await count(liveUser.id)).toBe(1);
    expect(await count(staleUser.id)).toBe(0);
  });
});

describe('logs', () => {
  it('never contain a password, an email, a cookie, a session token or a CSRF token', async () => {
    const email = uniqueEmail('secret');
    const password = 'a-very-secret-password-123';
    const client = new TestClient(t.app);
    const { csrf_token } = await client.signup(email, password);
    await client.request('POST', '/api/auth/login', {
      body: { email, password: 'wrong-password-456' },
    });
    await client.request('GET', '/api/auth/session');
    const token = client.cookie!.split('=')[1]!;
    await client.request('POST', '/api/auth/logout');
    const all = t.logs.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [password, 'wrong-password-456', email, token, csrf_token]) {
      expect(all).not.toContain(secret);
    }
  });
});

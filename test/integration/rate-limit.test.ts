import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    env: { RATE_LIMIT_AUTH_PER_MINUTE: '3', RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: '1000' },
  });
});
afterAll(() => t.close());

const login = (email: string, ip = '10.9.8.7') =>
  t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: ip,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ email, password: 'not the password' }),
  });

describe('rate limits on sign-in', () => {
  it('when one IP exceeds the per-minute limit, then 429 rate_limited with Retry-After, and other IPs are unaffected', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(uniqueEmail('rl'))).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await login(uniqueEmail('rl'));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error).toMatchObject({ code: 'rate_limited' });
    expect((await login(uniqueEmail('rl'), '10.9.8.8')).statusCode).toBe(401);
  });
});

describe('rate limits per email', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await createTestApp({
      env: { RATE_LIMIT_AUTH_PER_MINUTE: '1000', RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: '2' },
    });
  });
  afterAll(() => strict.close());

  it('when one email is tried from many IPs, then it is limited regardless of IP', async () => {
    const email = uniqueEmail('target');
    const tries = [];
    for (let i = 0; i < 3; i++) {
      const res = await strict.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: `10.1.1.${i + 1}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email, password: 'guess number ' + i }),
      });
      tries.push(res.statusCode);
    }
    expect(tries).toEqual([401, 401, 429]);
  });
});

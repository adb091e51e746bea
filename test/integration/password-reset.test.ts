// "Forgot password" by email (issue 15, ADR 028), end to end: SMTP_URL points at a local SMTP
// server; the request goes through the real route, the email through the send job's handler,
// the link's token back through the confirm route. Unknown addresses get the same answer and no
// email; a link works once and for 30 minutes; every session of the account ends; an operator
// with a second factor still needs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { auditEntries, outbox, passwordResets } from '../../src/db/schema.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { sha256Hex } from '../../src/lib/crypto.ts';
import { SEND_JOB } from '../../src/modules/customer-emails/service.ts';
import { codeAt } from '../../src/modules/auth/totp.ts';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { aCustomer } from '../helpers/builders.ts';
import { TestClient } from '../helpers/http-client.ts';
import { mailPart, startSmtpSink } from '../helpers/receivers.ts';

const NEW_PASSWORD = 'a-brand-new-password-42';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
const clock = new ManualClock(new Date());

beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await createTestApp({ clock, env: { SMTP_URL: smtp.url } });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const visitor = () => new TestClient(t.app);

function requestReset(email: string, client = visitor()) {
  return client.request('POST', '/api/auth/password-reset', { body: { email } });
}

function confirmReset(token: string, password = NEW_PASSWORD) {
  return visitor().request('POST', '/api/auth/password-reset/confirm', {
    body: { token, password },
  });
}

/** Sends the queued emails, then the token of the newest reset link mailed to `email`. */
async function tokenMailedTo(email: string): Promise<string> {
  await t.runJobs((j) => j.name === SEND_JOB);
  const mail = smtp.messages.filter((m) => m.to.includes(email)).at(-1);
  expect(mail?.subject).toBe('Reset your Paydeck password');
  const text = mailPart(mail!, 'text/plain');
  const prefix = `${t.config.publicUrl}/reset-password#token=`;
  const start = text.indexOf(prefix);
  expect(start, text).toBeGreaterThanOrEqual(0);
  expect(mailPart(mail!, 'text/html')).toContain(`href="${prefix}`);
  return /^[A-Za-z0-9_-]+/.exec(text.slice(start + prefix.length))![0];
}

async function signIn(email: string, password: string) {
  const client = visitor();
  const res = await client.request('POST', '/api/auth/login', { body: { email, password } });
  return { client, res };
}

describe('password reset by email', () => {
  it('when a customer asks, then a link arrives; it sets the password, signs out every session, and the old password stops working', async () => {
    const { client: signedIn, user } = await aCustomer(t);
    // In use before the reset (so this instance holds it in its session cache).
    expect((await signedIn.request('GET', '/api/orders')).statusCode).toBe(200);
    const res = await requestReset(user.email.toUpperCase());
    expect(res.statusCode).toBe(202);
    const token = await tokenMailedTo(user.email);

    // Only the hash is stored, and the token leaves the outbox row once the email is sent.
    const [reset] = await t.database.db
      .select()
      .from(passwordResets)
      .where(eq(passwordResets.userId, user.id));
    expect(reset!.tokenHash).toBe(sha256Hex(token));
    const [message] = await t.database.db.select().from(outbox).where(eq(outbox.userId, user.id));
    expect(message).toMatchObject({ kind: 'password_reset', outcome: 'sent', payload: {} });
    expect(JSON.stringify(message)).not.toContain(token);

    const confirmed = await confirmReset(token);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toEqual({ sessions_ended: 1 });

    // The session signed in before the reset is refused.
    expect((await signedIn.request('GET', '/api/orders')).statusCode).toBe(401);
    expect((await signIn(user.email, 'a-long-enough-password')).res.statusCode).toBe(401);
    const fresh = await signIn(user.email, NEW_PASSWORD);
    expect(fresh.res.statusCode).toBe(200);

    const audit = await t.database.db
      .select({ action: auditEntries.action, after: auditEntries.after })
      .from(auditEntries)
      .where(
        and(
          eq(auditEntries.targetId, user.id),
          inArray(auditEntries.action, ['password.reset_requested', 'password.reset']),
        ),
      )
      // The sealer rewrites rows as it chains them: the table's own order is no order.
      .orderBy(asc(auditEntries.id));
    expect(audit).toEqual([
      { action: 'password.reset_requested', after: null },
      { action: 'password.reset', after: { sessions_ended: 1 } },
    ]);
  });

  it('when a link is used a second time, then 400 reset_link_invalid and the password stays', async () => {
    const { user } = await aCustomer(t);
    await requestReset(user.email);
    const token = await tokenMailedTo(user.email);
    expect((await confirmReset(token)).statusCode).toBe(200);
    const again = await confirmReset(token, 'an-attacker-password-1');
    expect(again.statusCode).toBe(400);
    expect(again.json().error).toMatchObject({ code: 'reset_link_invalid', field: 'token' });
    expect((await signIn(user.email, NEW_PASSWORD)).res.statusCode).toBe(200);
  });

  it('when two links were sent and one is used, then the other no longer works', async () => {
    const { user } = await aCustomer(t);
    await requestReset(user.email);
    const first = await tokenMailedTo(user.email);
    await requestReset(user.email);
    const second = await tokenMailedTo(user.email);
    expect(second).not.toBe(first);
    expect((await confirmReset(second)).statusCode).toBe(200);
    expect((await confirmReset(first, 'another-new-password-7')).statusCode).toBe(400);
  });

  it('when the link is older than 30 minutes, then it is refused', async () => {
    const { user } = await aCustomer(t);
    await requestReset(user.email);
    const token = await tokenMailedTo(user.email);
    clock.advance(30 * 60_000);
    const late = await confirmReset(token);
    expect(late.statusCode).toBe(400);
    expect(late.json().error.code).toBe('reset_link_invalid');
  });

  it('when the address has no account, then the answer is the same and no email is written', async () => {
    const { user } = await aCustomer(t);
    const known = await requestReset(user.email);
    const nobody = uniqueEmail('nobody');
    const unknown = await requestReset(nobody);
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.json()).toEqual(known.json());
    await t.runJobs((j) => j.name === SEND_JOB);
    expect(smtp.messages.filter((m) => m.to.includes(nobody))).toEqual([]);
  });

  it('when the token or the password is malformed, then 400 in the one error shape', async () => {
    const short = await confirmReset('x'.repeat(43), 'short');
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBeTruthy();
    const unknown = await confirmReset('y'.repeat(43));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('reset_link_invalid');
    const noEmail = await visitor().request('POST', '/api/auth/password-reset', {
      body: { email: 'not an address' },
    });
    expect(noEmail.statusCode).toBe(400);
  });

  it('when an operator with a second factor resets the password, then signing in still asks for the code', async () => {
    const email = uniqueEmail('reset-ops');
    const password = 'an-operator-password';
    await t.app.services.auth.createAccount({ email, password, name: 'Ops', role: 'admin' });
    const { client } = await signIn(email, password);
    const start = await client.request('POST', '/api/auth/mfa/enrolment');
    expect(start.statusCode, start.body).toBe(200);
    const { secret } = start.json() as { secret: string };
    const enrolled = await client.request('POST', '/api/auth/mfa/enrolment/confirm', {
      body: { code: codeAt(secret, clock.now()) },
    });
    expect(enrolled.statusCode, enrolled.body).toBe(200);

    await requestReset(email);
    expect((await confirmReset(await tokenMailedTo(email))).statusCode).toBe(200);
    const after = await signIn(email, NEW_PASSWORD);
    expect(after.res.statusCode).toBe(200);
    expect(after.res.json()).toMatchObject({ user: null, second_factor_pending: true });
  });
});

describe('password reset limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await createTestApp({
      env: { SMTP_URL: smtp.url, RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_PER_HOUR: '2' },
    });
  });
  afterAll(() => limited?.close());

  it('when one address is asked for too often, then 429, whether or not it has an account', async () => {
    const client = new TestClient(limited.app);
    for (const email of [uniqueEmail('limited'), uniqueEmail('limited-nobody')]) {
      const ask = () => client.request('POST', '/api/auth/password-reset', { body: { email } });
      expect((await ask()).statusCode).toBe(202);
      expect((await ask()).statusCode).toBe(202);
      const third = await ask();
      expect(third.statusCode).toBe(429);
      expect(third.json().error.code).toBe('rate_limited');
    }
  });
  it('when a customer the merchant API created (no password) resets it, then they have an account, and their checkout links ask them to sign in', async () => {
    const email = uniqueEmail('guest-reset');
    const actor = { type: 'system' as const, id: null, ip: null, requestId: 'test' };
    const guest = await t.app.services.guests.create({ email, name: 'Gwen Guest' }, actor);
    const order = await t.app.services.orders.create(
      { userId: guest.id, amount: 1200, currency: 'usd' },
      actor,
    );
    const link = new URL((await t.app.services.orders.getFor(order.id, null)).checkout_url);
    const openLink = () =>
      visitor().request('POST', '/api/checkout/sessions', {
        body: { order_id: order.id, token: link.searchParams.get('token') },
      });
    const linkBrowser = visitor();
    const opened = await linkBrowser.request('POST', '/api/checkout/sessions', {
      body: { order_id: order.id, token: link.searchParams.get('token') },
    });
    expect(opened.statusCode).toBe(200);
    expect((await linkBrowser.request('GET', `/api/orders/${order.id}`)).statusCode).toBe(200);

    expect((await requestReset(email)).statusCode).toBe(202);
    expect((await confirmReset(await tokenMailedTo(email))).statusCode).toBe(200);

    expect((await signIn(email, NEW_PASSWORD)).res.statusCode).toBe(200);
    // The session the link opened ended with the reset, like every other.
    expect((await linkBrowser.request('GET', `/api/orders/${order.id}`)).statusCode).toBe(401);
    const refused = await openLink();
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('sign_in_required');
  });
});

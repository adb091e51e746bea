// A customer's own data: export it all, delete the account.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { anApiKey } from '../helpers/api-keys.ts';
import { openUser } from '../../src/db/sealed-users.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer, aCustomerWithOrder, aMerchantOrder, pay } from '../helpers/builders.ts';
import { addFault, authenticate, clearFaults, stripeFor } from '../helpers/stripe.ts';
import {
  auditEntries,
  idempotencyKeys,
  orders,
  payments,
  stripeCustomers,
  users,
} from '../../src/db/schema.ts';

let t: TestApp;

/** The user's row, its email and name opened (they are encrypted at rest, ADR 027). */
async function storedUser(id: string) {
  const [row] = await t.database.db.select().from(users).where(eq(users.id, id));
  return row && openUser(row);
}
beforeAll(async () => {
  t = await createTestApp({ env: { STRIPE_TIMEOUT_MS: '400', STRIPE_MAX_NETWORK_RETRIES: '0' } });
});
afterEach(() => clearFaults(t));
afterAll(() => t.close());

describe('data export', () => {
  it('when a customer downloads their data, then it holds their profile, cards, orders and payments — never a card number', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    await client.request('POST', '/api/payment-methods', {
      body: { payment_method_id: 'pm_card_visa' },
    });
    await pay(client, order.id, {});
    const res = await client.request('GET', '/api/account/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/attachment/);
    const data = res.json();
    expect(data.profile).toMatchObject({ id: user.id, email: user.email, name: user.name });
    expect(data.payment_methods).toEqual([
      expect.objectContaining({ brand: 'visa', last4: '4242' }),
    ]);
    expect(data.orders).toEqual([expect.objectContaining({ id: order.id, status: 'paid' })]);
    expect(data.orders[0].payments[0].status).toBe('succeeded');
    expect(data.legal_acceptances.map((a: { document: string }) => a.document).sort()).toEqual([
      'privacy',
      'terms',
    ]);
    expect(res.body).not.toContain('4242424242424242');
  });

  it('needs a session', async () => {
    expect((await t.app.inject('/api/account/export')).statusCode).toBe(401);
  });
});

describe('account deletion', () => {
  it('deletes the Stripe customer, erases personal data, keeps the financial records pseudonymised', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    await client.request('POST', '/api/payment-methods', {
      body: { payment_method_id: 'pm_card_visa' },
    });
    await pay(client, order.id, {});
    const [customer] = await t.database.db
      .select()
      .from(stripeCustomers)
      .where(eq(stripeCustomers.userId, user.id));

    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
    });
    expect(res.statusCode).toBe(200);
    // The answer says what went and what stays, anonymised, and why.
    const answer = res.json() as {
      removed: Array<{ data: string; count: number }>;
      kept_anonymised: Array<{ data: string; count: number; reason: string }>;
      canceled_payments: string[];
    };
    expect(answer.canceled_payments).toEqual([]);
    const removed = Object.fromEntries(answer.removed.map((r) => [r.data, r.count]));
    expect(removed).toMatchObject({
      profile: 1,
      sessions: 1,
      payment_methods: 1,
      stripe_customer: 1,
      legal_acceptance_ips: 2,
    });
    expect(removed.stored_answers).toBeGreaterThanOrEqual(1);
    // The stored answers to their requests (which may show their name and email) went too.
    expect(
      await t.database.db
        .select()
        .from(idempotencyKeys)
        .where(eq(idempotencyKeys.scope, `user:${user.id}`)),
    ).toEqual([]);
    const kept = Object.fromEntries(answer.kept_anonymised.map((k) => [k.data, k]));
    expect(kept.orders).toMatchObject({ count: 1, reason: expect.stringMatching(/law/) });
    expect(kept.payments).toMatchObject({ count: 1, reason: expect.stringMatching(/law/) });
    expect(kept.refunds).toMatchObject({ count: 0 });
    expect(kept.legal_acceptances).toMatchObject({ count: 2 });
    expect(answer.kept_anonymised.every((k) => k.reason.length > 0)).toBe(true);

    const deleted = (await stripeFor(t).customers.retrieve(customer!.stripeCustomerId)) as {
      deleted?: boolean;
    };
    expect(deleted.deleted).toBe(true);
    const row = await storedUser(user.id);
    expect(row!.email).not.toContain(user.email.split('@')[0]);
    expect(row!.name).toBe('Deleted user');
    expect(
      await t.database.db.select().from(orders).where(eq(orders.userId, user.id)),
    ).toHaveLength(1);
    expect(
      await t.database.db.select().from(payments).where(eq(payments.userId, user.id)),
    ).toHaveLength(1);
    // Signed out everywhere, and the old password no longer works.
    expect((await client.request('GET', '/api/auth/session')).json().user).toBeNull();
    const login = await client.request('POST', '/api/auth/login', {
      body: { email: user.email, password: 'a-long-enough-password' },
    });
    expect(login.statusCode).toBe(401);
  });

  it('when the password is wrong or missing, then nothing is deleted: 403 password_invalid, or 400', async () => {
    const { client, user } = await aCustomerWithOrder(t);
    const wrong = await client.request('DELETE', '/api/account', {
      body: { password: 'not-my-password' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toMatchObject({ code: 'password_invalid', field: 'password' });
    const missing = await client.request('DELETE', '/api/account', { body: {} });
    expect(missing.statusCode).toBe(400);
    expect((await client.request('DELETE', '/api/account')).statusCode).toBe(400);

    expect((await client.request('GET', '/api/auth/session')).json().user).toMatchObject({
      id: user.id,
      email: user.email,
    });
    const row = await storedUser(user.id);
    expect(row!.email).toBe(user.email);
  });

  it('needs the CSRF token', async () => {
    const { client } = await aCustomerWithOrder(t);
    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
      csrf: false,
    });
    expect(res.statusCode).toBe(403);
    expect((await client.request('GET', '/api/auth/session')).json().user).not.toBeNull();
  });

  it('when a payment waits for 3-D Secure, then it is canceled at Stripe first and the account is deleted', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    const paid = await pay(client, order.id, {
      payment_method_id: 'pm_card_authenticationRequired',
    });
    const paymentId = paid.json().payment.id as string;
    const intentId = (paid.json().payment.client_secret as string).split('_secret_')[0]!;

    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().canceled_payments).toEqual([paymentId]);
    expect((await stripeFor(t).paymentIntents.retrieve(intentId)).status).toBe('canceled');
    const [payment] = await t.database.db.select().from(payments).where(eq(payments.id, paymentId));
    expect(payment!.status).toBe('canceled');
    const row = await storedUser(user.id);
    expect(row!.name).toBe('Deleted user');
    const [deleted] = await t.database.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.targetId, user.id), eq(auditEntries.action, 'account.deleted')));
    expect(deleted!.after).toMatchObject({ canceled_payments: [paymentId] });
  });

  it('when the customer finished 3-D Secure meanwhile, then the payment is recorded as paid, never canceled, and the account is deleted', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const paid = await pay(client, order.id, {
      payment_method_id: 'pm_card_authenticationRequired',
    });
    const clientSecret = paid.json().payment.client_secret as string;
    await authenticate(t, clientSecret, 'complete');

    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().canceled_payments).toEqual([]);
    const intent = await stripeFor(t).paymentIntents.retrieve(clientSecret.split('_secret_')[0]!);
    expect(intent.status).toBe('succeeded');
    const [payment] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.id, paid.json().payment.id));
    expect(payment!.status).toBe('succeeded');
    const [kept] = await t.database.db.select().from(orders).where(eq(orders.id, order.id));
    expect(kept!.status).toBe('paid');
  });

  it('when a payment’s outcome is unknown, then it is settled with Stripe first and the account is deleted', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'error_500', phase: 'before' });
    const pending = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(pending.json().payment.status).toBe('unknown');
    await clearFaults(t);

    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
    });
    expect(res.statusCode).toBe(200);
    const [payment] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.id, pending.json().payment.id));
    expect(payment!.status).toBe('succeeded');
    expect(
      res.json().kept_anonymised.find((k: { data: string }) => k.data === 'payments').count,
    ).toBe(1);
  });

  it('when Stripe still cannot say how a payment ended, then 409 payment_outcome_unknown and nothing is deleted', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'error_500', phase: 'before' });
    const pending = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(pending.json().payment.status).toBe('unknown');

    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
    });
    await clearFaults(t);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'payment_outcome_unknown',
      payments: [{ id: pending.json().payment.id, status: 'unknown' }],
    });
    expect(res.json().error.message).toMatch(/not deleted/);
    const row = await storedUser(user.id);
    expect(row!.email).toBe(user.email);
    expect((await client.request('GET', '/api/auth/session')).json().user).not.toBeNull();
  });

  it('when a payment is authorised and awaits capture, then 409 payment_in_progress and nothing is released', async () => {
    const { client, user } = await aCustomer(t);
    const { api } = await anApiKey(t, ['orders:write']);
    const order = await aMerchantOrder(api, { customer_id: user.id, capture_method: 'manual' });
    const paid = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(paid.json().order.status).toBe('authorized');
    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('payment_in_progress');
    expect(res.json().error.message).toMatch(/authorised/);
    const [payment] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.id, paid.json().payment.id));
    expect(payment!.status).toBe('requires_capture');
  });
});

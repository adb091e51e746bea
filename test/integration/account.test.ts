// A customer's own data: export it all, delete the account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { stripeFor } from '../helpers/stripe.ts';
import { orders, payments, stripeCustomers, users } from '../../src/db/schema.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
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
    expect(res.statusCode).toBe(204);

    const deleted = (await stripeFor(t).customers.retrieve(customer!.stripeCustomerId)) as {
      deleted?: boolean;
    };
    expect(deleted.deleted).toBe(true);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, user.id));
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
    const [row] = await t.database.db.select().from(users).where(eq(users.id, user.id));
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

  it('is refused while a payment is awaiting 3-D Secure', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await pay(client, order.id, { payment_method_id: 'pm_card_authenticationRequired' });
    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('payment_in_progress');
  });
});

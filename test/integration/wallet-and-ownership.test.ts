// The wallet, and that nobody can touch another customer's cards, orders or payments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer, aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { stripeFor } from '../helpers/stripe.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('wallet', () => {
  it('when a card is saved, then it is attached to the customer at Stripe and listed with brand, last 4 and expiry only', async () => {
    const { client } = await aCustomer(t);
    const setup = await client.request('POST', '/api/setup-intents');
    expect(setup.statusCode).toBe(200);
    expect(setup.json().client_secret).toMatch(/^seti_.+_secret_/);
    const saved = await client.request('POST', '/api/payment-methods', {
      body: { payment_method_id: 'pm_card_visa' },
    });
    expect(saved.statusCode).toBe(201);
    const card = saved.json();
    expect(card).toMatchObject({ brand: 'visa', last4: '4242', is_default: true });
    expect(Object.keys(card).sort()).toEqual([
      'brand',
      'created_at',
      'exp_month',
      'exp_year',
      'id',
      'is_default',
      'last4',
    ]);
    const pm = await stripeFor(t).paymentMethods.retrieve(card.id);
    expect(pm.customer).toMatch(/^cus_/);
    const second = (
      await client.request('POST', '/api/payment-methods', {
        body: { payment_method_id: 'pm_card_mastercard' },
      })
    ).json();
    expect(second.is_default).toBe(false);
    const list = (await client.request('GET', '/api/payment-methods')).json().data;
    expect(list.map((c: { last4: string }) => c.last4)).toEqual(['4242', '4444']);
  });

  it('set default and remove: Stripe follows, and removing the default promotes another card', async () => {
    const { client } = await aCustomer(t);
    const visa = (
      await client.request('POST', '/api/payment-methods', {
        body: { payment_method_id: 'pm_card_visa' },
      })
    ).json();
    const mc = (
      await client.request('POST', '/api/payment-methods', {
        body: { payment_method_id: 'pm_card_mastercard' },
      })
    ).json();
    const made = await client.request('POST', `/api/payment-methods/${mc.id}/default`);
    expect(made.statusCode).toBe(200);
    expect(made.json().is_default).toBe(true);
    const pm = await stripeFor(t).paymentMethods.retrieve(mc.id);
    const customer = (await stripeFor(t).customers.retrieve(String(pm.customer))) as {
      invoice_settings: { default_payment_method: string };
    };
    expect(customer.invoice_settings.default_payment_method).toBe(mc.id);
    expect((await client.request('DELETE', `/api/payment-methods/${mc.id}`)).statusCode).toBe(204);
    const list = (await client.request('GET', '/api/payment-methods')).json().data;
    expect(list).toEqual([expect.objectContaining({ id: visa.id, is_default: true })]);
    expect((await stripeFor(t).paymentMethods.retrieve(mc.id)).customer).toBeNull();
  });

  it('a saved card pays an order without naming it (the default is used)', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await client.request('POST', '/api/payment-methods', {
      body: { payment_method_id: 'pm_card_visa' },
    });
    const res = await pay(client, order.id, {});
    expect(res.statusCode).toBe(200);
    expect(res.json().order.status).toBe('paid');
  });

  it('save_payment_method keeps a new card in the wallet after paying', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, {
      payment_method_id: 'pm_card_visa',
      save_payment_method: true,
    });
    expect(res.json().order.status).toBe('paid');
    const list = (await client.request('GET', '/api/payment-methods')).json().data;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ brand: 'visa', last4: '4242' });
  });

  it('without any card, paying asks for one', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, {});
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'payment_method_required',
      field: 'payment_method_id',
    });
  });
});

describe("another customer's things answer 404", () => {
  it('cards, orders, payments', async () => {
    const owner = await aCustomerWithOrder(t);
    const card = (
      await owner.client.request('POST', '/api/payment-methods', {
        body: { payment_method_id: 'pm_card_visa' },
      })
    ).json();
    const stranger = await aCustomerWithOrder(t);

    expect(
      (await stranger.client.request('DELETE', `/api/payment-methods/${card.id}`)).statusCode,
    ).toBe(404);
    expect(
      (await stranger.client.request('POST', `/api/payment-methods/${card.id}/default`)).statusCode,
    ).toBe(404);
    const steal = await stranger.client.request('POST', '/api/payment-methods', {
      body: { payment_method_id: card.id },
    });
    expect(steal.statusCode).toBe(404);
    const payWithTheirs = await pay(stranger.client, stranger.order.id, {
      payment_method_id: card.id,
    });
    expect(payWithTheirs.statusCode).toBe(404);
    expect((await stranger.client.request('GET', `/api/orders/${owner.order.id}`)).statusCode).toBe(
      404,
    );
    expect(
      (await pay(stranger.client, owner.order.id, { payment_method_id: 'pm_card_visa' }))
        .statusCode,
    ).toBe(404);
    expect(
      (await stranger.client.request('POST', `/api/orders/${owner.order.id}/sync`)).statusCode,
    ).toBe(404);
    const mine = (await stranger.client.request('GET', '/api/orders')).json().data;
    expect(mine.map((o: { id: string }) => o.id)).toEqual([stranger.order.id]);
    // The owner's card is untouched.
    expect((await owner.client.request('GET', '/api/payment-methods')).json().data).toHaveLength(1);
  });
});

describe('roles', () => {
  it('a customer calling operator routes gets 403; no session gets 401', async () => {
    const { client } = await aCustomer(t);
    const res = await client.request('GET', '/api/admin/products');
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect((await t.app.inject('/api/admin/products')).statusCode).toBe(401);
    expect((await t.app.inject('/api/orders')).statusCode).toBe(401);
  });
});

describe('orders', () => {
  it('prices come from the server; unknown fields and bad quantities are refused', async () => {
    const { client, product } = await aCustomerWithOrder(t, { unitAmount: 1999 });
    const withPrice = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 1, unit_amount: 1 }] },
    });
    expect(withPrice.statusCode).toBe(400);
    expect(withPrice.json().error).toMatchObject({
      code: 'unknown_field',
      field: 'items.0.unit_amount',
    });
    const zero = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 0 }] },
    });
    expect(zero.statusCode).toBe(400);
    const three = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 3 }] },
    });
    expect(three.json()).toMatchObject({ amount: 5997, currency: 'usd', status: 'open' });
  });

  it("an amount below Stripe's minimum is refused when the order is created", async () => {
    const { client } = await aCustomer(t);
    const cheap = await t.app.services.catalog.create(
      { name: 'Sticker', unit_amount: 30, currency: 'usd' },
      { type: 'system', id: null, ip: null, requestId: null },
    );
    const res = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: cheap.id, quantity: 1 }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('amount_too_small');
  });
});

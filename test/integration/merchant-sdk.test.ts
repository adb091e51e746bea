// The merchant SDK (packages/client) against the real app: every call below is typed from the
// OpenAPI document, so a route whose schema drifts from what the SDK was generated from fails
// here (at runtime) or in `npm run typecheck` (at compile time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaydeckError, unwrap, type PaydeckClient } from '../../packages/client/src/index.ts';
import { createPaydeckClient } from '../../packages/client/src/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer, newKey } from '../helpers/builders.ts';
import { anApiKey, sdkFor } from '../helpers/api-keys.ts';
import { cardPaymentMethod } from '../helpers/stripe.ts';

let t: TestApp;
let paydeck: PaydeckClient;
beforeAll(async () => {
  t = await createTestApp();
  paydeck = sdkFor(t, (await anApiKey(t)).secret);
});
afterAll(() => t.close());

/** A customer with a card saved as their default, through the customer pages' own API. */
async function aCustomerWithCard() {
  const { client, user } = await aCustomer(t);
  const saved = await client.request('POST', '/api/payment-methods', {
    body: { payment_method_id: await cardPaymentMethod(t, '4242424242424242') },
  });
  expect(saved.statusCode, saved.body).toBe(201);
  return user;
}

describe('the merchant SDK', () => {
  it('when a backend creates, charges and refunds an order, then every answer is the typed object', async () => {
    const customer = await aCustomerWithCard();
    const created = await paydeck.POST('/api/v1/orders', {
      body: {
        customer_email: customer.email,
        amount: 4200,
        currency: 'usd',
        description: 'Two tickets',
        metadata: { booking: 'B-17' },
      },
      headers: { 'idempotency-key': newKey('sdk-order') },
    });
    expect(created.response.status).toBe(201);
    const order = unwrap(created);
    expect(order).toMatchObject({
      amount: 4200,
      currency: 'usd',
      status: 'open',
      customer_id: customer.id,
      metadata: { booking: 'B-17' },
    });

    const chargeKey = newKey('sdk-charge');
    const charged = unwrap(
      await paydeck.POST('/api/v1/orders/{id}/charge', {
        params: { path: { id: order.id } },
        body: {},
        headers: { 'idempotency-key': chargeKey },
      }),
    );
    expect(charged.order).toMatchObject({ status: 'paid', amount: 4200 });
    expect(charged.payment.status).toBe('succeeded');
    // The same key replays the first answer: no second charge.
    const again = await paydeck.POST('/api/v1/orders/{id}/charge', {
      params: { path: { id: order.id } },
      body: {},
      headers: { 'idempotency-key': chargeKey },
    });
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(unwrap(again).payment.id).toBe(charged.payment.id);

    const refund = unwrap(
      await paydeck.POST('/api/v1/orders/{id}/refunds', {
        params: { path: { id: order.id } },
        body: { amount: 1200, reason: 'requested_by_customer' },
        headers: { 'idempotency-key': newKey('sdk-refund') },
      }),
    );
    expect(refund).toMatchObject({ amount: 1200, status: 'succeeded' });

    const read = unwrap(
      await paydeck.GET('/api/v1/orders/{id}', { params: { path: { id: order.id } } }),
    );
    expect(read).toMatchObject({ status: 'partially_refunded', amount_refunded: 1200 });
    const listed = unwrap(
      await paydeck.GET('/api/v1/refunds', { params: { query: { order_id: order.id } } }),
    );
    expect(listed.data.map((r) => r.id)).toEqual([refund.id]);
    const payment = unwrap(
      await paydeck.GET('/api/v1/payments/{id}', { params: { path: { id: charged.payment.id } } }),
    );
    expect(payment).toMatchObject({ order_id: order.id, status: 'succeeded' });
  });

  it('when Paydeck refuses, then the error is in the one shape and unwrap throws it with its code and field', async () => {
    const missing = await paydeck.GET('/api/v1/orders/{id}', {
      params: { path: { id: crypto.randomUUID() } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error.code).toBe('not_found');
    expect(() => unwrap(missing)).toThrow(PaydeckError);

    const invalid = await paydeck.POST('/api/v1/orders', {
      body: { customer_email: 'nobody@example.com', amount: -5, currency: 'usd' },
    });
    expect(invalid.response.status).toBe(400);
    let thrown: unknown;
    try {
      unwrap(invalid);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PaydeckError);
    expect(thrown).toMatchObject({ status: 400, field: 'amount' });
    expect((thrown as PaydeckError).requestId).toBe(invalid.response.headers.get('x-request-id'));
  });

  it('when the key lacks a scope, then 403 names it; a key that is not a secret key is refused before any request', async () => {
    const readOnly = sdkFor(t, (await anApiKey(t, ['orders:read'])).secret);
    const refused = await readOnly.POST('/api/v1/orders', {
      body: { customer_email: 'nobody@example.com', amount: 500, currency: 'usd' },
    });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.error.message).toMatch(/orders:write/);
    expect(() =>
      createPaydeckClient({ baseUrl: 'http://paydeck.test', apiKey: 'pk_test_oops' }),
    ).toThrow(/secret API key/);
  });
});

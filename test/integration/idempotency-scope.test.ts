// Idempotency keys belong to their caller: the same Idempotency-Key sent by two customers, or
// by two API keys, is two operations — never one caller's stored response replayed to another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer, aProduct, newKey, pay } from '../helpers/builders.ts';
import { anApiKey } from '../helpers/api-keys.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('idempotency keys are scoped to the caller', () => {
  it('when two customers create the same order with the same key, then each gets their own order, and a replay stays with its caller', async () => {
    const product = await aProduct(t, 1800);
    const alice = await aCustomer(t);
    const bob = await aCustomer(t);
    const key = newKey('shared');
    const body = { items: [{ product_id: product.id, quantity: 1 }] };

    const a = await alice.client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    const b = await bob.client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(a.json().customer_id).toBe(alice.user.id);
    expect(b.json().customer_id).toBe(bob.user.id);
    expect(b.json().id).not.toBe(a.json().id);
    expect((await bob.client.request('GET', `/api/orders/${b.json().id}`)).statusCode).toBe(200);

    // The key is remembered for its own caller: Alice's retry is a replay of her order.
    const again = await alice.client.request('POST', '/api/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(a.json().id);
  });

  it('when two customers pay their own orders with the same key, then both are charged for their own order', async () => {
    const product = await aProduct(t, 2100);
    const key = newKey('pay-shared');
    const results = [];
    for (const who of [await aCustomer(t), await aCustomer(t)]) {
      const order = await who.client.request('POST', '/api/orders', {
        body: { items: [{ product_id: product.id, quantity: 1 }] },
      });
      const res = await pay(
        who.client,
        order.json().id,
        { payment_method_id: 'pm_card_visa' },
        key,
      );
      results.push({ order: order.json().id as string, res });
    }
    for (const { order, res } of results) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.json().order).toMatchObject({ id: order, status: 'paid' });
    }
  });

  it('when two API keys create the same order with the same key, then each gets its own order, and a replay stays with its key', async () => {
    const first = await anApiKey(t);
    const second = await anApiKey(t);
    const { user } = await aCustomer(t);
    const key = newKey('api-shared');
    const body = { customer_id: user.id, amount: 4400, currency: 'usd' };

    const a = await first.api.request('POST', '/api/v1/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    const b = await second.api.request('POST', '/api/v1/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json().id).not.toBe(a.json().id);

    const again = await second.api.request('POST', '/api/v1/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(b.json().id);
    const listed = (await first.api.request('GET', `/api/v1/orders?customer_id=${user.id}`)).json();
    expect(listed.data.map((o: { id: string }) => o.id).sort()).toEqual(
      [a.json().id, b.json().id].sort(),
    );
  });

  it('when an API key creates an order with a key a customer already used, then its order is created (no replay of the customer one)', async () => {
    const { api } = await anApiKey(t);
    const customer = await aCustomer(t);
    const product = await aProduct(t, 2600);
    const key = newKey('mixed');
    const own = await customer.client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 1 }] },
      headers: { 'idempotency-key': key },
    });
    expect(own.statusCode).toBe(201);
    const merchant = await api.request('POST', '/api/v1/orders', {
      body: { customer_id: customer.user.id, amount: 2600, currency: 'usd' },
      headers: { 'idempotency-key': key },
    });
    expect(merchant.statusCode).toBe(201);
    expect(merchant.headers['idempotent-replayed']).toBeUndefined();
    expect(merchant.json().id).not.toBe(own.json().id);
  });
});

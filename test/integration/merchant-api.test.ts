import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer, aProduct, newKey, pay } from '../helpers/builders.ts';
import { anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { cardPaymentMethod } from '../helpers/stripe.ts';
import { outbox, refunds } from '../../src/db/schema.ts';
import { OFF_SESSION_RETRY_JOB } from '../../src/modules/payments/job-names.ts';

let t: TestApp;
let api: ApiClient;
beforeAll(async () => {
  t = await createTestApp();
  api = (await anApiKey(t)).api;
});
afterAll(() => t.close());

async function anOrder(body: Record<string, unknown>) {
  const res = await api.request('POST', '/api/v1/orders', {
    body: { amount: 5000, currency: 'usd', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`order failed: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; amount: number; status: string; checkout_url: string };
}

/**
 * A customer with a card saved as their default (as Elements would: a fresh pm_… from a card
 * number, then POST /api/payment-methods).
 */
async function aCustomerWithCard(number = '4242424242424242') {
  const { client, user } = await aCustomer(t);
  const saved = await client.request('POST', '/api/payment-methods', {
    body: { payment_method_id: await cardPaymentMethod(t, number) },
  });
  if (saved.statusCode !== 201) throw new Error(`card failed: ${saved.statusCode} ${saved.body}`);
  return { client, user, card: saved.json() as { id: string; brand: string; last4: string } };
}

describe('merchant API: the README journey', () => {
  it('when the merchant creates an order and the customer pays it, then refunds in two halves leave it refunded', async () => {
    const { client, user } = await aCustomer(t);
    const order = await anOrder({
      customer_email: user.email.toUpperCase(),
      description: 'Annual plan',
      metadata: { invoice: 'INV-1001' },
    });
    expect(order).toMatchObject({
      amount: 5000,
      status: 'open',
      customer_id: user.id,
      metadata: { invoice: 'INV-1001' },
    });
    expect(new URL(order.checkout_url).pathname).toBe(`/checkout/${order.id}`);
    expect(new URL(order.checkout_url).searchParams.get('token')).toMatch(/^\d+\.[\w-]+\.[\w-]+$/);

    // The customer sees it in their own orders and pays it at checkout.
    const paid = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(paid.statusCode).toBe(200);
    expect(paid.json().order.status).toBe('paid');

    const first = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 2500, reason: 'requested_by_customer' },
      headers: { 'idempotency-key': newKey('refund') },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      amount: 2500,
      status: 'succeeded',
      reason: 'requested_by_customer',
    });
    expect(first.json().stripe_refund_id).toMatch(/^re_/);
    const rest = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, { body: {} });
    expect(rest.statusCode).toBe(200);
    expect(rest.json().amount).toBe(2500);

    const after = (await api.request('GET', `/api/v1/orders/${order.id}`)).json();
    expect(after).toMatchObject({ status: 'refunded', amount_refunded: 5000 });
    expect(after.refunds).toHaveLength(2);

    // Nothing left: a further refund is refused and stores nothing.
    const before = await t.database.db.select().from(refunds).where(eq(refunds.orderId, order.id));
    const beyond = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 1 },
    });
    expect(beyond.statusCode).toBeGreaterThanOrEqual(400);
    expect(beyond.statusCode).toBeLessThan(500);
    expect(beyond.json().error.code).toBe('charge_already_refunded');
    expect(
      await t.database.db.select().from(refunds).where(eq(refunds.orderId, order.id)),
    ).toHaveLength(before.length);

    // Lists and searches find what happened.
    const payments = (await api.request('GET', `/api/v1/payments?order_id=${order.id}`)).json();
    expect(payments.data).toHaveLength(1);
    expect(payments.data[0]).toMatchObject({ status: 'succeeded', amount_refunded: 5000 });
    const one = await api.request('GET', `/api/v1/payments/${payments.data[0].id}`);
    expect(one.json().id).toBe(payments.data[0].id);
    const refundList = (await api.request('GET', `/api/v1/refunds?order_id=${order.id}`)).json();
    expect(refundList.data.map((r: { amount: number }) => r.amount)).toEqual([2500, 2500]);
    const byCustomer = (await api.request('GET', `/api/v1/refunds?customer_id=${user.id}`)).json();
    expect(byCustomer.data).toHaveLength(2);
    expect((await api.request('GET', `/api/v1/refunds/${first.json().id}`)).json().amount).toBe(
      2500,
    );
    const found = (await api.request('GET', '/api/v1/orders?q=INV-1001')).json();
    expect(found.data.map((o: { id: string }) => o.id)).toContain(order.id);
    const byText = (
      await api.request('GET', '/api/v1/orders?q=annual%20PLAN&status=refunded')
    ).json();
    expect(byText.data.map((o: { id: string }) => o.id)).toContain(order.id);
    const byId = (await api.request('GET', `/api/v1/orders?q=${order.id}`)).json();
    expect(byId.data.map((o: { id: string }) => o.id)).toEqual([order.id]);
  });

  it('when the same Idempotency-Key is replayed on create, then the same order comes back, marked replayed', async () => {
    const { user } = await aCustomer(t);
    const key = newKey('create');
    const body = { customer_id: user.id, amount: 1200, currency: 'eur' };
    const a = await api.request('POST', '/api/v1/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    const b = await api.request('POST', '/api/v1/orders', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(a.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json().id).toBe(a.json().id);
    const other = await api.request('POST', '/api/v1/orders', {
      body: { ...body, amount: 1300 },
      headers: { 'idempotency-key': key },
    });
    expect(other.statusCode).toBe(422);
  });

  it('when the order is made of catalog items, then the server prices it', async () => {
    const { user } = await aCustomer(t);
    const product = await aProduct(t, 1999, 'usd');
    const res = await api.request('POST', '/api/v1/orders', {
      body: { customer_id: user.id, items: [{ product_id: product.id, quantity: 3 }] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      amount: 5997,
      currency: 'usd',
      items: [{ product_id: product.id, quantity: 3, unit_amount: 1999 }],
    });
  });

  it('when the customer is unknown, then 404', async () => {
    const byId = await api.request('POST', '/api/v1/orders', {
      body: { customer_id: crypto.randomUUID(), amount: 1000, currency: 'usd' },
    });
    expect(byId.statusCode).toBe(404);
    const byEmail = await api.request('POST', '/api/v1/orders', {
      body: { customer_email: 'nobody@example.test', amount: 1000, currency: 'usd' },
    });
    expect(byEmail.statusCode).toBe(404);
  });

  it('when another customer asks for a merchant-created order through the customer API, then 404', async () => {
    const { user } = await aCustomer(t);
    const { client: stranger } = await aCustomer(t);
    const order = await anOrder({ customer_id: user.id });
    expect((await stranger.request('GET', `/api/orders/${order.id}`)).statusCode).toBe(404);
    expect((await pay(stranger, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      404,
    );
  });
});

describe('merchant API: off-session charges', () => {
  it('when the customer has a saved card, then charge takes the money off-session', async () => {
    const { user, card } = await aCustomerWithCard();
    const order = await anOrder({ customer_id: user.id });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, {
      headers: { 'idempotency-key': newKey('charge') },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      order: { status: 'paid' },
      payment: { status: 'succeeded' },
    });
    const [payment] = (await api.request('GET', `/api/v1/payments?customer_id=${user.id}`)).json()
      .data;
    expect(payment).toMatchObject({ off_session: true, payment_method_id: card.id });
    const customer = (await api.request('GET', `/api/v1/customers/${user.id}`)).json();
    expect(customer).toMatchObject({
      id: user.id,
      email: user.email,
      default_payment_method: { brand: 'visa', last4: '4242' },
    });
    const byEmail = (
      await api.request('GET', `/api/v1/customers?email=${encodeURIComponent(user.email)}`)
    ).json();
    expect(byEmail.data.map((c: { id: string }) => c.id)).toEqual([user.id]);
  });

  it('when the customer has no card, then 400 naming payment_method_id', async () => {
    const { user } = await aCustomer(t);
    const order = await anOrder({ customer_id: user.id });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'payment_method_required',
      field: 'payment_method_id',
    });
  });

  it('when the bank requires authentication, then 402 authentication_required and the customer is asked to come back', async () => {
    const { user } = await aCustomerWithCard('4000002760003184');
    const order = await anOrder({ customer_id: user.id });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(res.statusCode).toBe(402);
    expect(res.json().error).toMatchObject({ code: 'authentication_required', order_id: order.id });
    const messages = await t.database.db.select().from(outbox).where(eq(outbox.userId, user.id));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      kind: 'payment_requires_authentication',
      payload: { order_id: order.id },
    });
    expect((await api.request('GET', `/api/v1/orders/${order.id}`)).json().status).toBe(
      'requires_action',
    );
  });

  it('when the card is soft-declined, then a retry is scheduled', async () => {
    // 4000000000000341 (pm_card_chargeCustomerFail) attaches, then declines when charged:
    // generic_decline, a soft decline.
    const { user } = await aCustomerWithCard('4000000000000341');
    const order = await anOrder({ customer_id: user.id });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(res.statusCode).toBe(402);
    expect(res.json().error).toMatchObject({
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    const retries = t.jobs.filter(
      (j) =>
        j.name === OFF_SESSION_RETRY_JOB && (j.data as { orderId: string }).orderId === order.id,
    );
    expect(retries).toHaveLength(1);
    expect(retries[0]!.data).toMatchObject({ attempt: 2 });
    const declined = (
      await api.request(
        'GET',
        `/api/v1/payments?decline_code=generic_decline&customer_id=${user.id}`,
      )
    ).json();
    expect(declined.data).toHaveLength(1);
  });

  it('when the card is hard-declined (lost card), then no retry is scheduled', async () => {
    // A lost card cannot be attached (Stripe refuses), so the merchant names it directly.
    const { client, user } = await aCustomer(t);
    const attach = await client.request('POST', '/api/payment-methods', {
      body: { payment_method_id: 'pm_card_visa_chargeDeclinedLostCard' },
    });
    expect(attach.statusCode).toBe(402);
    const order = await anOrder({ customer_id: user.id });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, {
      body: { payment_method_id: 'pm_card_visa_chargeDeclinedLostCard' },
    });
    expect(res.statusCode).toBe(402);
    expect(res.json().error).toMatchObject({ code: 'card_declined', decline_code: 'lost_card' });
    expect(
      t.jobs.filter(
        (j) =>
          j.name === OFF_SESSION_RETRY_JOB && (j.data as { orderId: string }).orderId === order.id,
      ),
    ).toHaveLength(0);
  });
});

describe('merchant API: manual capture and cancel', () => {
  it('when a manual-capture order is charged, then it is authorized, captured in part, and refundable up to the captured amount', async () => {
    const { user } = await aCustomerWithCard();
    const order = await anOrder({ customer_id: user.id, capture_method: 'manual', amount: 8000 });
    const auth = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(auth.statusCode).toBe(200);
    expect(auth.json()).toMatchObject({
      order: { status: 'authorized' },
      payment: { status: 'requires_capture' },
    });

    const tooMuch = await api.request('POST', `/api/v1/orders/${order.id}/capture`, {
      body: { amount: 9000 },
    });
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.json().error.field).toBe('amount');

    const captured = await api.request('POST', `/api/v1/orders/${order.id}/capture`, {
      body: { amount: 6000 },
      headers: { 'idempotency-key': newKey('cap') },
    });
    expect(captured.statusCode).toBe(200);
    expect(captured.json().status).toBe('paid');
    expect(captured.json().payments[0]).toMatchObject({
      status: 'succeeded',
      amount_captured: 6000,
    });

    const over = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 6001 },
    });
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toMatchObject({
      code: 'refund_exceeds_captured',
      field: 'amount',
      refundable: 6000,
    });
    expect(
      await t.database.db.select().from(refunds).where(eq(refunds.orderId, order.id)),
    ).toHaveLength(0);
    const cancelPaid = await api.request('POST', `/api/v1/orders/${order.id}/cancel`);
    expect(cancelPaid.statusCode).toBe(409);
  });

  it('when an authorized order is canceled, then the authorization is released and the order canceled', async () => {
    const { user } = await aCustomerWithCard();
    const order = await anOrder({ customer_id: user.id, capture_method: 'manual' });
    await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/cancel`, {
      headers: { 'idempotency-key': newKey('cancel') },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'canceled', payments: [{ status: 'canceled' }] });
    const listed = (
      await api.request('GET', `/api/v1/orders?status=canceled&customer_id=${user.id}`)
    ).json();
    expect(listed.data.map((o: { id: string }) => o.id)).toEqual([order.id]);
  });

  it('when an open order is canceled, then it cannot be charged any more', async () => {
    const { user } = await aCustomerWithCard();
    const order = await anOrder({ customer_id: user.id });
    expect(
      (await api.request('POST', `/api/v1/orders/${order.id}/cancel`, { body: {} })).statusCode,
    ).toBe(200);
    const charge = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(charge.statusCode).toBe(409);
    expect(charge.json().error.code).toBe('order_canceled');
  });
});

describe('merchant API: lists', () => {
  it('when listing with limit and starting_after, then pages follow each other without overlap', async () => {
    const { user } = await aCustomer(t);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await anOrder({ customer_id: user.id, amount: 1000 + i })).id);
    const first = (
      await api.request('GET', `/api/v1/orders?customer_id=${user.id}&limit=2`)
    ).json();
    expect(first.has_more).toBe(true);
    const second = (
      await api.request(
        'GET',
        `/api/v1/orders?customer_id=${user.id}&limit=2&starting_after=${first.data[1].id}`,
      )
    ).json();
    const third = (
      await api.request(
        'GET',
        `/api/v1/orders?customer_id=${user.id}&limit=2&starting_after=${second.data[1].id}`,
      )
    ).json();
    expect(third.has_more).toBe(false);
    const seen = [...first.data, ...second.data, ...third.data].map((o: { id: string }) => o.id);
    expect(seen).toEqual([...ids].reverse());
  });

  it('when filtering by creation time (ISO or unix seconds), then only orders in the range come back', async () => {
    const { user } = await aCustomer(t);
    const order = await anOrder({ customer_id: user.id });
    const now = Math.floor(Date.now() / 1000);
    const inRange = (
      await api.request(
        'GET',
        `/api/v1/orders?customer_id=${user.id}&created_gte=${now - 60}&created_lte=${new Date(Date.now() + 60_000).toISOString()}`,
      )
    ).json();
    expect(inRange.data.map((o: { id: string }) => o.id)).toEqual([order.id]);
    const future = (
      await api.request('GET', `/api/v1/orders?customer_id=${user.id}&created_gte=${now + 3600}`)
    ).json();
    expect(future.data).toEqual([]);
    const bad = await api.request('GET', '/api/v1/orders?created_gte=2026-13-45');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('created_gte');
  });
});

describe('merchant API: bad input is 4xx JSON naming the field', () => {
  const order = crypto.randomUUID();
  const cases: Array<[string, 'GET' | 'POST', string, unknown, string]> = [
    [
      'create: unknown field',
      'POST',
      '/api/v1/orders',
      { customer_id: order, amount: 100, currency: 'usd', color: 'red' },
      'color',
    ],
    [
      'create: amount as a string',
      'POST',
      '/api/v1/orders',
      { customer_id: order, amount: '100', currency: 'usd' },
      'amount',
    ],
    [
      'create: fractional amount',
      'POST',
      '/api/v1/orders',
      { customer_id: order, amount: 10.5, currency: 'usd' },
      'amount',
    ],
    [
      'create: negative amount',
      'POST',
      '/api/v1/orders',
      { customer_id: order, amount: -1, currency: 'usd' },
      'amount',
    ],
    [
      'create: unsupported currency',
      'POST',
      '/api/v1/orders',
      { customer_id: order, amount: 100, currency: 'xxx' },
      'currency',
    ],
    [
      'create: bad customer id',
      'POST',
      '/api/v1/orders',
      { customer_id: 'cus_1', amount: 100, currency: 'usd' },
      'customer_id',
    ],
    [
      'create: bad email',
      'POST',
      '/api/v1/orders',
      { customer_email: 'not-an-email', amount: 100, currency: 'usd' },
      'customer_email',
    ],
    [
      'create: no customer',
      'POST',
      '/api/v1/orders',
      { amount: 1000, currency: 'usd' },
      'customer_id',
    ],
    [
      'create: bad capture method',
      'POST',
      '/api/v1/orders',
      { customer_id: order, amount: 100, currency: 'usd', capture_method: 'later' },
      'capture_method',
    ],
    [
      'create: too much metadata',
      'POST',
      '/api/v1/orders',
      {
        customer_id: order,
        amount: 100,
        currency: 'usd',
        metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
      },
      'metadata',
    ],
    [
      'create: metadata value not a string',
      'POST',
      '/api/v1/orders',
      { customer_id: order, amount: 100, currency: 'usd', metadata: { a: 1 } },
      'metadata.a',
    ],
    [
      'create: long metadata value',
      'POST',
      '/api/v1/orders',
      { customer_id: order, amount: 100, currency: 'usd', metadata: { a: 'x'.repeat(501) } },
      'metadata.a',
    ],
    [
      'create: bad item quantity',
      'POST',
      '/api/v1/orders',
      { customer_id: order, items: [{ product_id: order, quantity: 0 }] },
      'items.0.quantity',
    ],
    ['charge: bad order id', 'POST', '/api/v1/orders/nope/charge', {}, 'id'],
    ['charge: unknown field', 'POST', `/api/v1/orders/${order}/charge`, { amount: 5 }, 'amount'],
    ['capture: zero amount', 'POST', `/api/v1/orders/${order}/capture`, { amount: 0 }, 'amount'],
    ['cancel: unknown field', 'POST', `/api/v1/orders/${order}/cancel`, { reason: 'x' }, 'reason'],
    [
      'refund: bad reason',
      'POST',
      `/api/v1/orders/${order}/refunds`,
      { reason: 'because' },
      'reason',
    ],
    [
      'refund: amount as a string',
      'POST',
      `/api/v1/orders/${order}/refunds`,
      { amount: '10' },
      'amount',
    ],
    ['orders list: limit too big', 'GET', '/api/v1/orders?limit=1000', undefined, 'limit'],
    ['orders list: bad status', 'GET', '/api/v1/orders?status=lost', undefined, 'status'],
    ['orders list: unknown filter', 'GET', '/api/v1/orders?colour=red', undefined, 'colour'],
    [
      'orders list: bad cursor',
      'GET',
      '/api/v1/orders?starting_after=ord_1',
      undefined,
      'starting_after',
    ],
    ['order: bad id', 'GET', '/api/v1/orders/123', undefined, 'id'],
    ['payments list: bad status', 'GET', '/api/v1/payments?status=done', undefined, 'status'],
    [
      'payments list: bad created',
      'GET',
      '/api/v1/payments?created_lte=yesterday',
      undefined,
      'created_lte',
    ],
    ['payment: bad id', 'GET', '/api/v1/payments/pi_123', undefined, 'id'],
    [
      'refunds list: bad payment id',
      'GET',
      '/api/v1/refunds?payment_id=x',
      undefined,
      'payment_id',
    ],
    ['refund: bad id', 'GET', '/api/v1/refunds/re_1', undefined, 'id'],
    ['customers list: unknown filter', 'GET', '/api/v1/customers?name=x', undefined, 'name'],
    ['customer: bad id', 'GET', '/api/v1/customers/cus_1', undefined, 'id'],
  ];
  it.each(cases)('%s', async (_label, method, url, body, field) => {
    const res = await api.request(method, url, body === undefined ? {} : { body });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json().error.field).toBe(field);
  });

  it('when the body is not JSON, then 400 invalid_json', async () => {
    const res = await api.request('POST', '/api/v1/orders', {
      body: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
  });

  it('when an id is unknown, then 404 on every read and action', async () => {
    const id = crypto.randomUUID();
    for (const [method, url] of [
      ['GET', `/api/v1/orders/${id}`],
      ['GET', `/api/v1/payments/${id}`],
      ['GET', `/api/v1/refunds/${id}`],
      ['GET', `/api/v1/customers/${id}`],
      ['POST', `/api/v1/orders/${id}/charge`],
      ['POST', `/api/v1/orders/${id}/capture`],
      ['POST', `/api/v1/orders/${id}/cancel`],
      ['POST', `/api/v1/orders/${id}/refunds`],
    ] as const) {
      const res = await api.request(method, url, method === 'POST' ? { body: {} } : {});
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
  });
});

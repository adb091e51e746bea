// Zero-decimal (JPY, KRW) and three-decimal (KWD) currencies through Paydeck: the amount Stripe
// is asked for, captures and refunds are the order's minor units as they are — never scaled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import {
  aCustomerWithCard,
  aCustomerWithOrder,
  aMerchantOrder,
  newKey,
  pay,
} from '../helpers/builders.ts';
import { anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { intentCreations, stripeFor } from '../helpers/stripe.ts';

let t: TestApp;
let api: ApiClient;
let stripe: Stripe;
beforeAll(async () => {
  t = await createTestApp();
  api = (await anApiKey(t)).api;
  stripe = stripeFor(t);
});
afterAll(() => t.close());

async function intentOf(orderId: string) {
  const found = await stripe.paymentIntents.search({
    query: `metadata['paydeck_order_id']:'${orderId}'`,
  });
  expect(found.data).toHaveLength(1);
  return stripe.paymentIntents.retrieve(found.data[0]!.id);
}

describe('zero-decimal currencies', () => {
  it('when a customer pays a JPY order from the catalog, then Stripe charges exactly the order amount in yen', async () => {
    const { client, order } = await aCustomerWithOrder(t, {
      unitAmount: 1500,
      quantity: 3,
      currency: 'jpy',
    });
    expect(order).toMatchObject({ amount: 4500, currency: 'jpy' });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(200);
    expect(res.json().order).toMatchObject({ status: 'paid', amount: 4500 });
    expect(res.json().order.payments[0]).toMatchObject({
      amount: 4500,
      amount_captured: 4500,
      currency: 'jpy',
    });

    const intent = await intentOf(order.id);
    expect(intent).toMatchObject({
      amount: 4500,
      amount_received: 4500,
      currency: 'jpy',
      status: 'succeeded',
    });
  });

  it.each([
    ['jpy', 12_345],
    ['krw', 15_000],
  ])(
    'when a merchant charges a %s order off-session, then Stripe charges exactly %i',
    async (currency, amount) => {
      const { user } = await aCustomerWithCard(t);
      const order = await aMerchantOrder(api, { customer_id: user.id, amount, currency });
      const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, {
        body: {},
        headers: { 'idempotency-key': newKey('charge') },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().order).toMatchObject({ status: 'paid', amount, currency });
      const intent = await intentOf(order.id);
      expect(intent).toMatchObject({ amount, amount_received: amount, currency });
    },
  );

  it('when a JPY payment is refunded in part and then in full, then Stripe refunds the same yen and the order ends refunded', async () => {
    const { client, order } = await aCustomerWithOrder(t, { unitAmount: 3000, currency: 'jpy' });
    expect(
      (await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).json().order.status,
    ).toBe('paid');
    const part = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 345 },
    });
    expect(part.statusCode).toBe(200);
    expect(part.json()).toMatchObject({ amount: 345, currency: 'jpy', status: 'succeeded' });
    expect((await api.request('GET', `/api/v1/orders/${order.id}`)).json()).toMatchObject({
      status: 'partially_refunded',
      amount_refunded: 345,
    });

    const rest = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, { body: {} });
    expect(rest.json()).toMatchObject({ amount: 2655, status: 'succeeded' });
    const intent = await intentOf(order.id);
    const atStripe = await stripe.refunds.list({ payment_intent: intent.id });
    expect(atStripe.data.map((r) => r.amount).sort((a, b) => a - b)).toEqual([345, 2655]);
    expect(atStripe.data.every((r) => r.currency === 'jpy')).toBe(true);
    expect((await api.request('GET', `/api/v1/orders/${order.id}`)).json()).toMatchObject({
      status: 'refunded',
      amount_refunded: 3000,
    });
  });

  it('when a JPY manual-capture order is captured in part, then Stripe authorizes the order amount and captures exactly the part', async () => {
    const { user } = await aCustomerWithCard(t);
    const order = await aMerchantOrder(api, {
      customer_id: user.id,
      amount: 10_000,
      currency: 'jpy',
      capture_method: 'manual',
    });
    const auth = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(auth.json().order.status).toBe('authorized');
    expect(await intentOf(order.id)).toMatchObject({
      amount: 10_000,
      amount_capturable: 10_000,
      status: 'requires_capture',
    });

    const captured = await api.request('POST', `/api/v1/orders/${order.id}/capture`, {
      body: { amount: 7000 },
    });
    expect(captured.statusCode).toBe(200);
    expect(captured.json().payments[0]).toMatchObject({
      status: 'succeeded',
      amount_captured: 7000,
    });
    expect(await intentOf(order.id)).toMatchObject({
      amount: 10_000,
      amount_received: 7000,
      status: 'succeeded',
    });
  });
});

describe('three-decimal currencies', () => {
  it('when a merchant charges a KWD order (1.500 KWD), then Stripe charges exactly 1500 fils', async () => {
    const { user } = await aCustomerWithCard(t);
    const order = await aMerchantOrder(api, {
      customer_id: user.id,
      amount: 1500,
      currency: 'kwd',
    });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(res.statusCode).toBe(200);
    expect(res.json().order).toMatchObject({ status: 'paid', amount: 1500, currency: 'kwd' });
    expect(await intentOf(order.id)).toMatchObject({
      amount: 1500,
      amount_received: 1500,
      currency: 'kwd',
    });

    const refund = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 500 },
    });
    expect(refund.json()).toMatchObject({ amount: 500, currency: 'kwd', status: 'succeeded' });
    const atStripe = await stripe.refunds.list({ payment_intent: (await intentOf(order.id)).id });
    expect(atStripe.data.map((r) => r.amount)).toEqual([500]);
  });

  it('when a KWD amount does not end in 0, then the order is refused before anything reaches Stripe', async () => {
    const { user } = await aCustomerWithCard(t);
    const before = (await intentCreations(t)).length;
    const res = await api.request('POST', '/api/v1/orders', {
      body: { customer_id: user.id, amount: 1505, currency: 'kwd' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'amount_invalid', field: 'amount' });
    expect((await intentCreations(t)).length).toBe(before);
  });
});

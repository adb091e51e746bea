import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, newKey, pay } from '../helpers/builders.ts';

let t: TestApp;
let stripe: Stripe;
beforeAll(async () => {
  t = await createTestApp();
  const url = new URL(t.sim.url);
  stripe = new Stripe('sk_test_paydeck_tests', {
    host: url.hostname,
    port: url.port,
    protocol: 'http',
  });
});
afterAll(() => t.close());

describe('paying an order with a card', () => {
  it('when the card succeeds, then the order is paid with the right amount', async () => {
    const { client, order } = await aCustomerWithOrder(t, { unitAmount: 1250, quantity: 2 });
    expect(order.amount).toBe(2500);
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.payment.status).toBe('succeeded');
    expect(body.order.status).toBe('paid');
    expect(body.order.payments[0]).toMatchObject({
      amount: 2500,
      amount_captured: 2500,
      status: 'succeeded',
    });
    const pi = await stripe.paymentIntents.retrieve(
      body.order.payments[0].stripe_payment_intent_id,
    );
    expect(pi.status).toBe('succeeded');
    expect(pi.amount).toBe(2500);
  });

  it('when the card is declined for insufficient funds, then 402 with a message a customer understands', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, {
      payment_method_id: 'pm_card_visa_chargeDeclinedInsufficientFunds',
    });
    expect(res.statusCode).toBe(402);
    expect(res.json().error).toMatchObject({
      code: 'card_declined',
      decline_code: 'insufficient_funds',
    });
    expect(res.json().error.message).toMatch(/insufficient funds/i);
    const after = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(after.status).toBe('open');
    expect(after.payments[0]).toMatchObject({
      status: 'failed',
      decline_code: 'insufficient_funds',
      failure_code: 'card_declined',
    });
    // and the order can still be paid with another card
    const retry = await pay(client, order.id, { payment_method_id: 'pm_card_mastercard' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().order.status).toBe('paid');
  });

  it('when 3-D Secure is required, then requires_action with client_secret, and sync settles it after authentication', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, {
      payment_method_id: 'pm_card_authenticationRequired',
    });
    expect(res.statusCode).toBe(200);
    const { payment } = res.json();
    expect(payment.status).toBe('requires_action');
    expect(payment.client_secret).toMatch(/^pi_.+_secret_/);
    expect(payment.next_action.type).toBe('use_stripe_sdk');
    const piId = payment.client_secret.split('_secret_')[0];
    const done = await fetch(`${t.sim.url}/_sim/3ds/${piId}/complete`, { method: 'POST' });
    expect(done.ok).toBe(true);
    const synced = await client.request('POST', `/api/orders/${order.id}/sync`);
    expect(synced.statusCode).toBe(200);
    expect(synced.json().order.status).toBe('paid');
    expect(synced.json().payment).toMatchObject({ id: expect.any(String), status: 'succeeded' });
  });

  it('when the same Idempotency-Key is replayed, then the stored response comes back and Stripe is called once', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const key = newKey('replay');
    const first = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    const second = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(second.statusCode).toBe(first.statusCode);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
    const mismatch = await pay(client, order.id, { payment_method_id: 'pm_card_mastercard' }, key);
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().error.code).toBe('idempotency_key_reused');
  });

  it('when paying without an Idempotency-Key, then 400', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await client.request('POST', `/api/orders/${order.id}/pay`, {
      body: { payment_method_id: 'pm_card_visa' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('idempotency_key_required');
  });
});

// Every row of Stripe's test-card table (shared/reference/stripe-test-cards.md), through our API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { authenticate, cardPaymentMethod, stripeFor } from '../helpers/stripe.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const order = async (
  client: Awaited<ReturnType<typeof aCustomerWithOrder>>['client'],
  id: string,
) => (await client.request('GET', `/api/orders/${id}`)).json();

describe('cards that succeed', () => {
  it.each([
    ['visa', 'pm_card_visa'],
    ['mastercard', 'pm_card_mastercard'],
    ['3DS supported, not required', '4000000000003055'],
    ['3DS2 frictionless', '4000000032200000'],
  ])('%s → paid', async (_label, card) => {
    const { client, order: o } = await aCustomerWithOrder(t);
    const pm = card.startsWith('pm_') ? card : await cardPaymentMethod(t, card);
    const res = await pay(client, o.id, { payment_method_id: pm });
    expect(res.statusCode).toBe(200);
    expect(res.json().payment.status).toBe('succeeded');
    expect(res.json().order.status).toBe('paid');
  });
});

describe('cards that decline', () => {
  it.each([
    [
      'generic decline',
      'pm_card_visa_chargeDeclined',
      'card_declined',
      'generic_decline',
      /declined/i,
    ],
    [
      'insufficient funds',
      'pm_card_visa_chargeDeclinedInsufficientFunds',
      'card_declined',
      'insufficient_funds',
      /insufficient funds/i,
    ],
    ['lost card', 'pm_card_visa_chargeDeclinedLostCard', 'card_declined', 'lost_card', /declined/i],
    [
      'stolen card',
      'pm_card_visa_chargeDeclinedStolenCard',
      'card_declined',
      'stolen_card',
      /declined/i,
    ],
    [
      'expired card',
      'pm_card_chargeDeclinedExpiredCard',
      'expired_card',
      'expired_card',
      /expired/i,
    ],
    [
      'incorrect CVC',
      'pm_card_chargeDeclinedIncorrectCvc',
      'incorrect_cvc',
      'incorrect_cvc',
      /security code/i,
    ],
    [
      'processing error',
      'pm_card_chargeDeclinedProcessingError',
      'processing_error',
      'processing_error',
      /error occurred/i,
    ],
    [
      'velocity limit',
      'pm_card_visa_chargeDeclinedVelocityLimitExceeded',
      'card_declined',
      'card_velocity_exceeded',
      /too many/i,
    ],
  ])(
    '%s → 402 naming it, recorded on the payment, order still payable',
    async (_label, pm, code, declineCode, message) => {
      const { client, order: o } = await aCustomerWithOrder(t);
      const res = await pay(client, o.id, { payment_method_id: pm });
      expect(res.statusCode).toBe(402);
      const error = res.json().error;
      expect(error.code).toBe('card_declined');
      expect(error.stripe_code).toBe(code);
      expect(error.decline_code).toBe(declineCode);
      expect(error.message).toMatch(message);
      const after = await order(client, o.id);
      expect(after.status).toBe('open');
      expect(after.payments[0]).toMatchObject({
        status: 'failed',
        failure_code: code,
        decline_code: declineCode,
      });
    },
  );

  it('a declining card cannot be saved to the wallet', async () => {
    const { client } = await aCustomerWithOrder(t);
    const res = await client.request('POST', '/api/payment-methods', {
      body: { payment_method_id: 'pm_card_visa_chargeDeclined' },
    });
    expect(res.statusCode).toBe(402);
    expect(res.json().error.message).toMatch(/declined/i);
    expect((await client.request('GET', '/api/payment-methods')).json().data).toEqual([]);
  });

  it('"attaches, then fails": saved fine, declined when charged', async () => {
    const { client, order: o } = await aCustomerWithOrder(t);
    const saved = await client.request('POST', '/api/payment-methods', {
      body: { payment_method_id: 'pm_card_chargeCustomerFail' },
    });
    expect(saved.statusCode).toBe(201);
    const res = await pay(client, o.id, { payment_method_id: saved.json().id });
    expect(res.statusCode).toBe(402);
    expect(res.json().error.code).toBe('card_declined');
  });
});

describe('3-D Secure', () => {
  it('authentication completed → paid after sync', async () => {
    const { client, order: o } = await aCustomerWithOrder(t);
    const res = await pay(client, o.id, { payment_method_id: 'pm_card_authenticationRequired' });
    expect(res.json().payment.status).toBe('requires_action');
    expect(res.json().order.status).toBe('requires_action');
    await authenticate(t, res.json().payment.client_secret, 'complete');
    const synced = await client.request('POST', `/api/orders/${o.id}/sync`);
    expect(synced.json().order.status).toBe('paid');
  });

  it('authentication failed → failed with a clear message, and the order can be paid with another card', async () => {
    const { client, order: o } = await aCustomerWithOrder(t);
    const res = await pay(client, o.id, { payment_method_id: 'pm_card_authenticationRequired' });
    await authenticate(t, res.json().payment.client_secret, 'fail');
    const synced = (await client.request('POST', `/api/orders/${o.id}/sync`)).json();
    expect(synced.payment.status).toBe('failed');
    expect(synced.payment.failure_code).toBe('payment_intent_authentication_failure');
    expect(synced.payment.failure_message).toMatch(/could not verify/i);
    expect(synced.order.status).toBe('open');
    const again = await pay(client, o.id, { payment_method_id: 'pm_card_visa' });
    expect(again.json().order.status).toBe('paid');
  });

  it.each([
    ['then declined', '4000008400001629', 'card_declined'],
    ['then insufficient funds', '4000008260003178', 'insufficient_funds'],
  ])('authenticates, %s → failed with the decline', async (_label, number, expected) => {
    const { client, order: o } = await aCustomerWithOrder(t);
    const res = await pay(client, o.id, { payment_method_id: await cardPaymentMethod(t, number) });
    expect(res.json().payment.status).toBe('requires_action');
    await authenticate(t, res.json().payment.client_secret, 'complete');
    const synced = (await client.request('POST', `/api/orders/${o.id}/sync`)).json();
    expect(synced.payment.status).toBe('failed');
    expect([synced.payment.decline_code, synced.payment.failure_code]).toContain(expected);
    expect(synced.order.status).toBe('open');
  });

  it('abandoned challenge: paying again with another card cancels the waiting attempt', async () => {
    const { client, order: o } = await aCustomerWithOrder(t);
    const first = await pay(client, o.id, { payment_method_id: 'pm_card_authenticationRequired' });
    const piId = first.json().payment.client_secret.split('_secret_')[0];
    const second = await pay(client, o.id, { payment_method_id: 'pm_card_visa' });
    expect(second.statusCode).toBe(200);
    expect(second.json().order.status).toBe('paid');
    expect((await stripeFor(t).paymentIntents.retrieve(piId)).status).toBe('canceled');
  });
});

describe('disputes', () => {
  it('the dispute card pays, and the payment is marked disputed once synced', async () => {
    const { client, order: o } = await aCustomerWithOrder(t);
    const res = await pay(client, o.id, { payment_method_id: 'pm_card_createDispute' });
    expect(res.json().order.status).toBe('paid');
    const payment = res.json().order.payments[0];
    const disputes = await stripeFor(t).disputes.list({
      payment_intent: payment.stripe_payment_intent_id,
    } as never);
    expect(disputes.data).toHaveLength(1);
    await t.app.services.payments.syncPayment(payment.id, {
      type: 'system',
      id: 'test',
      ip: null,
      requestId: null,
    });
    expect((await order(client, o.id)).payments[0].disputed).toBe(true);
  });
});

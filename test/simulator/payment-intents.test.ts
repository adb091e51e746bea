// PaymentIntents and SetupIntents: the status machine and the rules documented by Stripe.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { control, raw, sdk, settle3ds, startSim, stripeError, waitFor } from './helpers.ts';

let sim: SimulatorHandle;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startSim();
  stripe = sdk(sim);
});
afterAll(() => sim.close());

const card = { allowed_payment_method_types: ['card'] };

async function eventsFor(id: string): Promise<string[]> {
  const list = await stripe.events.list({ limit: 100 });
  return list.data
    .filter(
      (e) =>
        (e.data.object as { id: string; payment_intent?: string }).id === id ||
        (e.data.object as { payment_intent?: string }).payment_intent === id,
    )
    .map((e) => e.type)
    .reverse();
}

describe('creation', () => {
  it('when created without a payment method, then requires_payment_method with a client secret', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1099,
      currency: 'usd',
      metadata: { order_id: 'o1' },
    });
    expect(pi).toMatchObject({
      object: 'payment_intent',
      status: 'requires_payment_method',
      amount: 1099,
      currency: 'usd',
      livemode: false,
      automatic_payment_methods: { enabled: true },
      metadata: { order_id: 'o1' },
      latest_charge: null,
      amount_received: 0,
    });
    expect(pi.client_secret!.startsWith(`${pi.id}_secret_`)).toBe(true);
  });

  it('when the amount is below the currency minimum, then 400 amount_too_small', async () => {
    for (const [currency, below] of [
      ['usd', 49],
      ['eur', 49],
      ['gbp', 29],
      ['jpy', 49],
    ] as const) {
      const err = await stripeError(() =>
        stripe.paymentIntents.create({ amount: below, currency }),
      );
      expect(err.statusCode).toBe(400);
      expect(err.code).toBe('amount_too_small');
      expect(err.param).toBe('amount');
    }
    expect((await stripe.paymentIntents.create({ amount: 50, currency: 'usd' })).amount).toBe(50);
  });

  it('when the currency is zero-decimal, then the amount is whole units', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'jpy',
      payment_method: 'pm_card_visa',
      confirm: true,
      ...card,
    });
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 500, currency: 'jpy' });
  });
});

describe('automatic payment methods and return_url', () => {
  it('when confirmed without return_url under automatic payment methods, then 400', async () => {
    const err = await stripeError(() =>
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
      }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.type).toBe('StripeInvalidRequestError');
    expect(err.message).toMatch(/return_url/);
  });

  it('when create+confirm lacks a return_url, then the error carries the created intent, replayed on retry', async () => {
    const key = `no-return-url-${Date.now()}`;
    const params = { amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true };
    const err = await stripeError(() =>
      stripe.paymentIntents.create(params, { idempotencyKey: key }),
    );
    expect(err.payment_intent).toMatchObject({
      object: 'payment_intent',
      status: 'requires_confirmation',
    });
    const again = await stripeError(() =>
      stripe.paymentIntents.create(params, { idempotencyKey: key }),
    );
    expect(again.payment_intent?.id).toBe(err.payment_intent!.id);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
  });

  it('when an intent route gets unknown parameters, then Stripe lists them and attaches the intent', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const res = await raw(sim, 'POST', `/v1/payment_intents/${pi.id}/cancel`, {
      body: 'amount=1&currency=usd',
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'parameter_unknown',
      message: 'Received unknown parameters: amount, currency',
      param: 'amount',
      payment_intent: { id: pi.id },
    });
  });

  it('when created with the pre-endive payment_method_types=[card], then no return_url is needed', async () => {
    const res = await raw(sim, 'POST', '/v1/payment_intents', {
      body: 'amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true&payment_method_types[0]=card',
    });
    expect(res.json).toMatchObject({
      status: 'succeeded',
      payment_method_types: ['card'],
      automatic_payment_methods: null,
    });
  });

  it('when allowed types include a redirecting method, then return_url is required again', async () => {
    const err = await stripeError(() =>
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
        allowed_payment_method_types: ['card', 'ideal'],
      }),
    );
    expect(err.param).toBe('return_url');
  });

  it('when a return_url is given, or redirects are off, or types are [card], then it confirms', async () => {
    const a = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      return_url: 'https://shop.example/return',
    });
    const b = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const c = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      ...card,
    });
    expect([a.status, b.status, c.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });
});

describe('status machine', () => {
  it('when created, then confirmed, then it succeeds with a charge and the events Stripe sends', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...card });
    const withPm = await stripe.paymentIntents.update(pi.id, { payment_method: 'pm_card_visa' });
    expect(withPm.status).toBe('requires_confirmation');
    const done = await stripe.paymentIntents.confirm(pi.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      amount_received: 2000,
      amount_capturable: 0,
    });
    const charge = await stripe.charges.retrieve(done.latest_charge as string);
    expect(charge).toMatchObject({
      amount: 2000,
      amount_captured: 2000,
      captured: true,
      paid: true,
      status: 'succeeded',
      payment_intent: pi.id,
      outcome: {
        network_status: 'approved_by_network',
        type: 'authorized',
        risk_level: 'normal',
        seller_message: 'Payment complete.',
      },
      payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
    });
    expect(charge.balance_transaction).toMatch(/^txn_/);
    expect(await eventsFor(pi.id)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
  });

  it('when capture_method is manual, then requires_capture, then partial capture succeeds', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
      ...card,
    });
    expect(pi).toMatchObject({
      status: 'requires_capture',
      amount_capturable: 5000,
      amount_received: 0,
    });
    const tooMuch = await stripeError(() =>
      stripe.paymentIntents.capture(pi.id, { amount_to_capture: 6000 }),
    );
    expect(tooMuch.statusCode).toBe(400);
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
    expect(captured).toMatchObject({
      status: 'succeeded',
      amount_received: 3000,
      amount_capturable: 0,
    });
    const charge = await stripe.charges.retrieve(captured.latest_charge as string);
    expect(charge).toMatchObject({ captured: true, amount_captured: 3000 });
    expect(await eventsFor(pi.id)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.amount_capturable_updated',
      'charge.captured',
      'payment_intent.succeeded',
    ]);
    const again = await stripeError(() => stripe.paymentIntents.capture(pi.id));
    expect(again.code).toBe('payment_intent_unexpected_state');
  });

  it('when canceled with a reason, then canceled; a succeeded intent cannot be canceled', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const canceled = await stripe.paymentIntents.cancel(pi.id, {
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled.canceled_at).toBeGreaterThan(0);
    const paid = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      ...card,
    });
    const err = await stripeError(() => stripe.paymentIntents.cancel(paid.id));
    expect(err.code).toBe('payment_intent_unexpected_state');
    expect(await eventsFor(pi.id)).toContain('payment_intent.canceled');
  });

  it('when an authorized intent is canceled, then its charge is released', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
      ...card,
    });
    await stripe.paymentIntents.cancel(pi.id);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ captured: false, refunded: true, amount_refunded: 1000 });
  });

  it('when a declined intent is retried with a good card, then it succeeds', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...card });
    const err = await stripeError(() =>
      stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa_chargeDeclined' }),
    );
    expect(err.payment_intent?.id).toBe(pi.id);
    const failedCharge = await stripe.charges.retrieve(err.payment_intent!.latest_charge as string);
    expect(failedCharge).toMatchObject({
      status: 'failed',
      paid: false,
      failure_code: 'card_declined',
      outcome: { network_status: 'declined_by_network', type: 'issuer_declined' },
    });
    const ok = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    expect(ok.status).toBe('succeeded');
    expect(ok.last_payment_error).toBeNull();
    const charges = await stripe.charges.list({ payment_intent: pi.id });
    expect(charges.data.map((c) => c.status)).toEqual(['succeeded', 'failed']);
    expect(await eventsFor(pi.id)).toEqual([
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
  });

  it('when an unattached payment method was used once, then a second use is refused', async () => {
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '4242424242424242', exp_month: 1, exp_year: 2040 },
    });
    await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: pm.id,
      confirm: true,
      ...card,
    });
    const err = await stripeError(() =>
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: pm.id,
        confirm: true,
        ...card,
      }),
    );
    expect(err.statusCode).toBe(400);
  });

  it('when setup_future_usage is set with a customer, then the card is attached for later', async () => {
    const customer = await stripe.customers.create();
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: customer.id,
      setup_future_usage: 'off_session',
      payment_method: 'pm_card_authenticationRequiredOnSetup',
      confirm: true,
      ...card,
    });
    expect(pi.status).toBe('requires_action');
    await settle3ds(sim, pi.id, 'complete');
    const pms = await stripe.customers.listPaymentMethods(customer.id);
    expect(pms.data).toHaveLength(1);
    const later = await stripe.paymentIntents.create({
      amount: 700,
      currency: 'usd',
      customer: customer.id,
      payment_method: pms.data[0]!.id,
      off_session: true,
      confirm: true,
      ...card,
    });
    expect(later.status).toBe('succeeded');
  });
});

describe('processing (control API processing_ms)', () => {
  it('when processing is slowed down, then processing first, then succeeded with events', async () => {
    await control(sim, 'POST', '/_sim/config', { processing_ms: 150 });
    try {
      const pi = await stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
        ...card,
      });
      expect(pi.status).toBe('processing');
      expect(pi.processing).toMatchObject({ type: 'card' });
      const done = await waitFor(async () => {
        const now = await stripe.paymentIntents.retrieve(pi.id);
        return now.status !== 'processing' && now;
      });
      expect(done.status).toBe('succeeded');
      expect(await eventsFor(pi.id)).toEqual([
        'payment_intent.created',
        'payment_intent.processing',
        'charge.succeeded',
        'payment_intent.succeeded',
      ]);
      const declined = await stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_visa_chargeDeclined',
        confirm: true,
        ...card,
      });
      expect(declined.status).toBe('processing');
      const failed = await waitFor(async () => {
        const now = await stripe.paymentIntents.retrieve(declined.id);
        return now.status !== 'processing' && now;
      });
      expect(failed.last_payment_error?.code).toBe('card_declined');
    } finally {
      await control(sim, 'POST', '/_sim/config', { processing_ms: 0 });
    }
  });
});

describe('3-D Secure', () => {
  it('when a challenge is needed, then next_action follows the README contract', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      ...card,
    });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action).toMatchObject({
      type: 'use_stripe_sdk',
      use_stripe_sdk: {
        type: 'three_d_secure_redirect',
        stripe_js: `${sim.url}/_sim/3ds/${pi.id}`,
      },
    });
    expect((pi.next_action!.use_stripe_sdk as { source: string }).source).toMatch(/^src_/);
    const redirect = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: 'https://shop.example/back',
    });
    expect(redirect.next_action).toMatchObject({
      type: 'redirect_to_url',
      redirect_to_url: { return_url: 'https://shop.example/back' },
    });
    expect(redirect.next_action!.redirect_to_url!.url).toContain(`/_sim/3ds/${redirect.id}`);
    expect(await eventsFor(pi.id)).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
    ]);
  });

  it('when authentication fails, then requires_payment_method with payment_intent_authentication_failure', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      ...card,
    });
    const res = await settle3ds(sim, pi.id, 'fail');
    expect(res.status).toBe(200);
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error).toMatchObject({
      code: 'payment_intent_authentication_failure',
    });
    expect(after.last_payment_error!.payment_method!.id).toMatch(/^pm_/);
    expect(await eventsFor(pi.id)).toContain('payment_intent.payment_failed');
  });

  it('when authenticated under manual capture, then requires_capture', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      ...card,
    });
    await settle3ds(sim, pi.id, 'complete');
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_capture');
  });

  it('when the intent does not need action, then the 3DS endpoints refuse', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    expect((await settle3ds(sim, pi.id, 'complete')).status).toBe(400);
    expect((await settle3ds(sim, 'pi_unknown', 'complete')).status).toBe(404);
  });
});

describe('publishable key (Stripe.js)', () => {
  it('when retrieving and confirming with the client secret, then it works; without, it does not', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const pk = 'pk_test_browser';
    const denied = await raw(sim, 'GET', `/v1/payment_intents/${pi.id}`, { key: pk });
    expect(denied.status).toBe(400);
    const got = await raw(
      sim,
      'GET',
      `/v1/payment_intents/${pi.id}?client_secret=${pi.client_secret}`,
      { key: pk },
    );
    expect(got.json).toMatchObject({ id: pi.id });
    const pm = await raw(sim, 'POST', '/v1/payment_methods', {
      key: pk,
      body: 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2040&card[cvc]=123',
    });
    const confirmed = await raw(sim, 'POST', `/v1/payment_intents/${pi.id}/confirm`, {
      key: pk,
      body: `client_secret=${pi.client_secret}&payment_method=${pm.json.id as string}`,
    });
    expect(confirmed.json).toMatchObject({ status: 'succeeded' });
    const wrong = await raw(sim, 'POST', `/v1/payment_intents/${pi.id}/capture`, {
      key: pk,
      body: '',
    });
    expect(wrong.status).toBe(401);
  });
});

describe('search and list', () => {
  it('when searching by metadata, status and customer, then only matches come back', async () => {
    const customer = await stripe.customers.create();
    const tag = `t${Date.now()}`;
    const a = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: customer.id,
      metadata: { tag },
      payment_method: 'pm_card_visa',
      confirm: true,
      ...card,
    });
    await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: customer.id,
      metadata: { tag },
    });
    await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      metadata: { tag: 'other' },
    });
    const found = await stripe.paymentIntents.search({
      query: `metadata['${tag}']:'x' OR metadata['tag']:'${tag}'`,
    });
    expect(found.data).toHaveLength(2);
    const succeeded = await stripe.paymentIntents.search({
      query: `metadata['tag']:'${tag}' AND status:'succeeded' AND customer:'${customer.id}'`,
    });
    expect(succeeded.data.map((p) => p.id)).toEqual([a.id]);
    expect(succeeded.object).toBe('search_result');
    const listed = await stripe.paymentIntents.list({ customer: customer.id });
    expect(listed.data).toHaveLength(2);
  });
});

describe('setup intents', () => {
  it('when created and confirmed with a card, then succeeded and the card is attached', async () => {
    const customer = await stripe.customers.create();
    const si = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_visa',
      ...card,
    });
    expect(si).toMatchObject({
      object: 'setup_intent',
      status: 'requires_confirmation',
      usage: 'off_session',
    });
    const done = await stripe.setupIntents.confirm(si.id);
    expect(done.status).toBe('succeeded');
    const pm = await stripe.paymentMethods.retrieve(done.payment_method as string);
    expect(pm.customer).toBe(customer.id);
    const types = (await stripe.events.list({ limit: 20 })).data.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'setup_intent.created',
        'setup_intent.succeeded',
        'payment_method.attached',
      ]),
    );
  });

  it('when the card declines, then 402 with setup_intent and last_setup_error', async () => {
    const customer = await stripe.customers.create();
    const err = await stripeError(() =>
      stripe.setupIntents.create({
        customer: customer.id,
        payment_method: 'pm_card_visa_chargeDeclined',
        confirm: true,
        ...card,
      }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err.setup_intent?.status).toBe('requires_payment_method');
    expect(err.setup_intent?.last_setup_error?.code).toBe('card_declined');
  });

  it('when 3DS fails, then setup_intent_authentication_failure; cancel works', async () => {
    const si = await stripe.setupIntents.create({
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      ...card,
    });
    expect(si.status).toBe('requires_action');
    await settle3ds(sim, si.id, 'fail');
    const failed = await stripe.setupIntents.retrieve(si.id);
    expect(failed.last_setup_error?.code).toBe('setup_intent_authentication_failure');
    const canceled = await stripe.setupIntents.cancel(si.id, { cancellation_reason: 'abandoned' });
    expect(canceled.status).toBe('canceled');
  });
});

// PaymentMethods: card details, validation, attach/detach and lists.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { NEXT_YEAR, cardPaymentMethod, sdk, startSim, stripeError } from './helpers.ts';

let sim: SimulatorHandle;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startSim();
  stripe = sdk(sim);
});
afterAll(() => sim.close());

describe('creating card payment methods', () => {
  it('when created from card details, then card fields are filled like Stripe', async () => {
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '5555555555554444', exp_month: 4, exp_year: NEXT_YEAR, cvc: '314' },
      billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com' },
      metadata: { source: 'test' },
    });
    expect(pm.id).toMatch(/^pm_/);
    expect(pm).toMatchObject({
      object: 'payment_method',
      type: 'card',
      customer: null,
      livemode: false,
      metadata: { source: 'test' },
      billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com' },
      card: {
        brand: 'mastercard',
        last4: '4444',
        exp_month: 4,
        exp_year: NEXT_YEAR,
        funding: 'credit',
        country: 'US',
        networks: { available: ['mastercard'] },
        three_d_secure_usage: { supported: true },
      },
    });
    expect(pm.card!.fingerprint).toMatch(/^\w{16}$/);
    const same = await cardPaymentMethod(stripe, '5555555555554444');
    expect(same.card!.fingerprint).toBe(pm.card!.fingerprint);
  });

  it('when the expiry date is past, then invalid_expiry_year or invalid_expiry_month', async () => {
    const year = await stripeError(() =>
      stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 1, exp_year: 2020 },
      }),
    );
    expect(year).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(year.code).toBe('invalid_expiry_year');
    const month = await stripeError(() =>
      stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 13, exp_year: NEXT_YEAR },
      }),
    );
    expect(month.code).toBe('invalid_expiry_month');
  });
});

describe('attach, detach and list', () => {
  it('when pm_card_visa is attached, then a new pm_ copy belongs to the customer', async () => {
    const customer = await stripe.customers.create();
    const a = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const b = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expect(a.id).toMatch(/^pm_(?!card_)/);
    expect(a.id).not.toBe(b.id);
    expect(a.customer).toBe(customer.id);
    const listed = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(listed.data.map((p) => p.id)).toEqual([b.id, a.id]);
    const viaCustomer = await stripe.customers.listPaymentMethods(customer.id);
    expect(viaCustomer.data).toHaveLength(2);
    expect((await stripe.customers.retrievePaymentMethod(customer.id, a.id)).id).toBe(a.id);
    const detached = await stripe.paymentMethods.detach(a.id);
    expect(detached.customer).toBeNull();
    expect((await stripe.paymentMethods.list({ customer: customer.id })).data).toHaveLength(1);
    const types = (await stripe.events.list({ limit: 5 })).data.map((e) => e.type);
    expect(types[0]).toBe('payment_method.detached');
    expect(types).toContain('payment_method.attached');
  });

  it('when a declining card is attached, then the decline is returned; 0341 attaches', async () => {
    const customer = await stripe.customers.create();
    const err = await stripeError(() =>
      stripe.paymentMethods.attach('pm_card_visa_chargeDeclinedInsufficientFunds', {
        customer: customer.id,
      }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err.decline_code).toBe('insufficient_funds');
    const pm = await cardPaymentMethod(stripe, '4000000000000341');
    expect((await stripe.paymentMethods.attach(pm.id, { customer: customer.id })).customer).toBe(
      customer.id,
    );
  });

  it('when detaching an unattached payment method, then 400', async () => {
    const pm = await cardPaymentMethod(stripe, '4242424242424242');
    const err = await stripeError(() => stripe.paymentMethods.detach(pm.id));
    expect(err.statusCode).toBe(400);
  });
});

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

describe('a detached payment method may not be used again', () => {
  // Stripe: "Detachment is permanent and irreversible — once detached, a PaymentMethod can no
  // longer be used for payments or re-attached to a Customer."
  const ATTACH_REFUSED =
    'This PaymentMethod was previously used without being attached to a Customer or was ' +
    'detached from a Customer, and may not be used again.';
  const USE_REFUSED = /was detached from a Customer\. It may not be used again\./;
  const card = { allowed_payment_method_types: ['card'] };

  /** Customer A saves a card, then detaches it: the `pm_…` id is all that is left. */
  async function detachedCard(): Promise<{ pm: Stripe.PaymentMethod; a: Stripe.Customer }> {
    const a = await stripe.customers.create({ email: 'a@example.com' });
    const pm = await cardPaymentMethod(stripe, '4242424242424242');
    await stripe.paymentMethods.attach(pm.id, { customer: a.id });
    const detached = await stripe.paymentMethods.detach(pm.id);
    expect(detached.customer).toBeNull();
    return { pm, a };
  }

  function expectRefused(err: Stripe.errors.StripeError, message: string | RegExp): void {
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(400);
    expect(err.rawType).toBe('invalid_request_error');
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  }

  it('when another customer attaches it by id, then 400 and it stays unattached', async () => {
    const { pm } = await detachedCard();
    const b = await stripe.customers.create({ email: 'b@example.com' });
    const err = await stripeError(() => stripe.paymentMethods.attach(pm.id, { customer: b.id }));
    expectRefused(err, ATTACH_REFUSED);
    expect((await stripe.paymentMethods.retrieve(pm.id)).customer).toBeNull();
    expect((await stripe.customers.listPaymentMethods(b.id)).data).toHaveLength(0);
  });

  it('when the same customer re-attaches it, then 400 too', async () => {
    const { pm, a } = await detachedCard();
    const err = await stripeError(() => stripe.paymentMethods.attach(pm.id, { customer: a.id }));
    expectRefused(err, ATTACH_REFUSED);
    expect((await stripe.customers.listPaymentMethods(a.id)).data).toHaveLength(0);
  });

  it('when another customer pays with it, then 400 and nothing is charged', async () => {
    const { pm } = await detachedCard();
    const b = await stripe.customers.create({ email: 'b@example.com' });
    const confirmed = await stripeError(() =>
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        customer: b.id,
        payment_method: pm.id,
        confirm: true,
        ...card,
      }),
    );
    expectRefused(confirmed, USE_REFUSED);
    const unconfirmed = await stripeError(() =>
      stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm.id }),
    );
    expectRefused(unconfirmed, USE_REFUSED);
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: b.id,
      ...card,
    });
    const atConfirm = await stripeError(() =>
      stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id }),
    );
    expectRefused(atConfirm, USE_REFUSED);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_payment_method');
    const charges = await stripe.charges.list({ limit: 100 });
    expect(charges.data.filter((c) => c.payment_method === pm.id)).toHaveLength(0);
  });

  it('when it was on a PaymentIntent before being detached, then confirming fails', async () => {
    const a = await stripe.customers.create();
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: a.id });
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: a.id,
      payment_method: pm.id,
      ...card,
    });
    await stripe.paymentMethods.detach(pm.id);
    const err = await stripeError(() => stripe.paymentIntents.confirm(pi.id));
    expectRefused(err, USE_REFUSED);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_confirmation');
  });

  it('when a SetupIntent is created or confirmed with it, then 400', async () => {
    const { pm } = await detachedCard();
    const b = await stripe.customers.create();
    const created = await stripeError(() =>
      stripe.setupIntents.create({ customer: b.id, payment_method: pm.id, ...card }),
    );
    expectRefused(created, USE_REFUSED);
    const si = await stripe.setupIntents.create({ customer: b.id, ...card });
    const confirmed = await stripeError(() =>
      stripe.setupIntents.confirm(si.id, { payment_method: pm.id }),
    );
    expectRefused(confirmed, USE_REFUSED);
    expect((await stripe.setupIntents.retrieve(si.id)).status).toBe('requires_payment_method');
    expect((await stripe.customers.listPaymentMethods(b.id)).data).toHaveLength(0);
  });
});

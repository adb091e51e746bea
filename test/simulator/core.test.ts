// Stripe's REST conventions: keys, errors, request ids, lists, expand, metadata, customers.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { raw, sdk, startSim, stripeError } from './helpers.ts';

let sim: SimulatorHandle;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startSim();
  stripe = sdk(sim);
});
afterAll(() => sim.close());

describe('authentication', () => {
  it('when no key is given, then 401 with Stripe error object', async () => {
    const res = await raw(sim, 'GET', '/v1/customers', { key: null });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error' });
    expect((res.json.error as { message: string }).message).toMatch(
      /You did not provide an API key/,
    );
  });

  it('when a live or malformed key is given, then the SDK raises StripeAuthenticationError', async () => {
    const bad = sdk(sim, 'sk_live_nope');
    const err = await stripeError(() => bad.customers.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
  });

  it('when a publishable key calls a secret-key endpoint, then 401', async () => {
    const res = await raw(sim, 'GET', '/v1/customers', { key: 'pk_test_abc' });
    expect(res.status).toBe(401);
  });

  it('when a publishable key creates a card PaymentMethod, then it is accepted', async () => {
    const res = await raw(sim, 'POST', '/v1/payment_methods', {
      key: 'pk_test_abc',
      body: 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2040&card[cvc]=123',
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      object: 'payment_method',
      card: { last4: '4242', brand: 'visa' },
    });
  });
});

describe('responses', () => {
  it('when any request is answered, then it carries a req_ Request-Id and the Stripe-Version', async () => {
    const res = await raw(sim, 'GET', '/v1/customers', {
      headers: { 'Stripe-Version': '2026-10-28.endive' },
    });
    expect(res.headers.get('request-id')).toMatch(/^req_\w+$/);
    expect(res.headers.get('stripe-version')).toBe('2026-10-28.endive');
    const denied = await raw(sim, 'GET', '/v1/customers', { key: null });
    expect(denied.headers.get('request-id')).toMatch(/^req_/);
  });

  it('when the SDK gets a response, then lastResponse.requestId is the req_ id', async () => {
    const c = await stripe.customers.create();
    expect(c.lastResponse.requestId).toMatch(/^req_/);
  });

  it('when a resource is missing, then 404 resource_missing with param and doc_url', async () => {
    const err = await stripeError(() => stripe.customers.retrieve('cus_missing'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('resource_missing');
    expect(err.param).toBe('id');
    expect(err.message).toBe("No such customer: 'cus_missing'");
    expect(err.doc_url).toMatch(/^https:\/\/stripe\.com\/docs\/error-codes/);
    expect(err.raw).toHaveProperty('request_log_url');
  });

  it('when the URL is unknown, then 404 Unrecognized request URL', async () => {
    const res = await raw(sim, 'GET', '/v1/nothing_here');
    expect(res.status).toBe(404);
    expect((res.json.error as { message: string }).message).toMatch(/^Unrecognized request URL/);
  });

  it('when an unknown parameter is sent, then 400 parameter_unknown', async () => {
    const err = await stripeError(() =>
      stripe.customers.create({ emial: 'x@example.com' } as Stripe.CustomerCreateParams),
    );
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('parameter_unknown');
    expect(err.param).toBe('emial');
  });

  it('when a required parameter is missing, then 400 parameter_missing', async () => {
    const err = await stripeError(() =>
      stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams),
    );
    expect(err.code).toBe('parameter_missing');
    expect(err.param).toBe('amount');
  });
});

describe('customers', () => {
  it('when created, retrieved, updated and deleted, then each answer has Stripe shape', async () => {
    const c = await stripe.customers.create({
      email: 'jenny@example.com',
      name: 'Jenny Rosen',
      metadata: { order_id: '42' },
    });
    expect(c.id).toMatch(/^cus_/);
    expect(c).toMatchObject({ object: 'customer', livemode: false, email: 'jenny@example.com' });
    expect(Math.abs(c.created - Date.now() / 1000)).toBeLessThan(5);
    const updated = await stripe.customers.update(c.id, {
      metadata: { order_id: '', plan: 'pro' },
    });
    expect(updated.metadata).toEqual({ plan: 'pro' });
    expect((await stripe.customers.retrieve(c.id)) as Stripe.Customer).toMatchObject({
      name: 'Jenny Rosen',
    });
    const deleted = await stripe.customers.del(c.id);
    expect(deleted).toMatchObject({ id: c.id, object: 'customer', deleted: true });
    expect(await stripe.customers.retrieve(c.id)).toMatchObject({ id: c.id, deleted: true });
    const err = await stripeError(() => stripe.customers.update(c.id, { name: 'x' }));
    expect(err.statusCode).toBe(404);
  });

  it('when the default payment method is set, then it must be attached to the customer', async () => {
    const c = await stripe.customers.create();
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: c.id });
    const updated = await stripe.customers.update(c.id, {
      invoice_settings: { default_payment_method: pm.id },
      expand: ['invoice_settings.default_payment_method'],
    });
    expect((updated.invoice_settings.default_payment_method as Stripe.PaymentMethod).id).toBe(
      pm.id,
    );
    const other = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '4242424242424242', exp_month: 1, exp_year: 2040 },
    });
    const err = await stripeError(() =>
      stripe.customers.update(c.id, { invoice_settings: { default_payment_method: other.id } }),
    );
    expect(err.statusCode).toBe(400);
  });

  it('when an update fails validation, then nothing of it is applied and no event is sent', async () => {
    const c = await stripe.customers.create({ name: 'Before' });
    const err = await stripeError(() =>
      stripe.customers.update(c.id, {
        name: 'After',
        invoice_settings: { default_payment_method: 'pm_nope' },
      }),
    );
    expect(err.statusCode).toBe(400);
    expect(((await stripe.customers.retrieve(c.id)) as Stripe.Customer).name).toBe('Before');
    const updates = await stripe.events.list({ type: 'customer.updated', limit: 100 });
    expect(updates.data.some((e) => (e.data.object as Stripe.Customer).id === c.id)).toBe(false);
  });

  it('when listed with an email filter, then only that email comes back', async () => {
    const email = `only-${Date.now()}@example.com`;
    await stripe.customers.create({ email });
    await stripe.customers.create({ email: 'someone-else@example.com' });
    const list = await stripe.customers.list({ email });
    expect(list.data.map((c) => c.email)).toEqual([email]);
  });

  it('when customer events are listed, then created, updated and deleted were recorded', async () => {
    const c = await stripe.customers.create({ name: 'A' });
    await stripe.customers.update(c.id, { name: 'B' });
    await stripe.customers.del(c.id);
    const events = await stripe.events.list({
      types: ['customer.created', 'customer.updated', 'customer.deleted'],
      limit: 100,
    });
    const mine = events.data.filter((e) => (e.data.object as { id: string }).id === c.id);
    expect(mine.map((e) => e.type)).toEqual([
      'customer.deleted',
      'customer.updated',
      'customer.created',
    ]);
    expect(mine[1]!.data.previous_attributes).toEqual({ name: 'A' });
    expect(mine[0]!.request?.id).toMatch(/^req_/);
  });
});

describe('lists and pagination', () => {
  it('when paging with starting_after and ending_before, then Stripe cursor semantics hold', async () => {
    const own = new Stripe('sk_test_pages', {
      host: '127.0.0.1',
      port: sim.port,
      protocol: 'http',
    });
    await sim.reset();
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await own.customers.create({ name: `c${i}` })).id);
    const newestFirst = [...created].reverse();
    const page1 = await own.customers.list({ limit: 3 });
    expect(page1).toMatchObject({ object: 'list', has_more: true, url: '/v1/customers' });
    expect(page1.data.map((c) => c.id)).toEqual(newestFirst.slice(0, 3));
    const page2 = await own.customers.list({ limit: 3, starting_after: page1.data[2]!.id });
    expect(page2.data.map((c) => c.id)).toEqual(newestFirst.slice(3, 6));
    const page3 = await own.customers.list({ limit: 3, starting_after: page2.data[2]!.id });
    expect(page3.data.map((c) => c.id)).toEqual(newestFirst.slice(6));
    expect(page3.has_more).toBe(false);
    const back = await own.customers.list({ limit: 2, ending_before: page2.data[0]!.id });
    expect(back.data.map((c) => c.id)).toEqual(newestFirst.slice(1, 3));
    expect(back.has_more).toBe(true);
    const all: string[] = [];
    for await (const c of own.customers.list({ limit: 2 })) all.push(c.id);
    expect(all).toEqual(newestFirst);
  });

  it('when limit is out of range, then 400', async () => {
    const err = await stripeError(() => stripe.customers.list({ limit: 101 }));
    expect(err.param).toBe('limit');
  });
});

describe('expand', () => {
  it('when expanding latest_charge, payment_method and customer, then objects replace ids', async () => {
    const customer = await stripe.customers.create();
    const pi = await stripe.paymentIntents.create({
      amount: 1234,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_visa',
      allowed_payment_method_types: ['card'],
      confirm: true,
      expand: ['latest_charge', 'payment_method', 'customer', 'latest_charge.balance_transaction'],
    });
    const charge = pi.latest_charge as Stripe.Charge;
    expect(charge.object).toBe('charge');
    expect((charge.balance_transaction as Stripe.BalanceTransaction).object).toBe(
      'balance_transaction',
    );
    expect((pi.payment_method as Stripe.PaymentMethod).object).toBe('payment_method');
    expect((pi.customer as Stripe.Customer).id).toBe(customer.id);
    const stored = await stripe.paymentIntents.retrieve(pi.id);
    expect(typeof stored.latest_charge).toBe('string');
    const list = await stripe.paymentIntents.list({
      customer: customer.id,
      expand: ['data.latest_charge'],
    });
    expect((list.data[0]!.latest_charge as Stripe.Charge).id).toBe(charge.id);
  });

  it('when expanding a field that is not expandable, then 400', async () => {
    const c = await stripe.customers.create();
    const err = await stripeError(() => stripe.customers.retrieve(c.id, { expand: ['nope'] }));
    expect(err.statusCode).toBe(400);
  });
});

describe('metadata', () => {
  it('when a key is set to an empty string, then it is removed; other keys stay', async () => {
    const c = await stripe.customers.create({ metadata: { a: '1', b: '2' } });
    const u = await stripe.customers.update(c.id, { metadata: { a: '', c: '3' } });
    expect(u.metadata).toEqual({ b: '2', c: '3' });
  });

  it('when metadata is set to an empty string, then all keys are removed', async () => {
    const c = await stripe.customers.create({ metadata: { a: '1' } });
    const u = await stripe.customers.update(c.id, {
      metadata: '' as unknown as Stripe.MetadataParam,
    });
    expect(u.metadata).toEqual({});
  });
});

describe('events', () => {
  it('when filtered by a wildcard type, then only that family comes back', async () => {
    await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      allowed_payment_method_types: ['card'],
    });
    const charges = await stripe.events.list({ type: 'charge.*', limit: 100 });
    expect(charges.data.length).toBeGreaterThan(0);
    expect(charges.data.every((e) => e.type.startsWith('charge.'))).toBe(true);
  });

  it('when caused by a request with an idempotency key, then the event names both', async () => {
    const c = await stripe.customers.create({ name: 'k' }, { idempotencyKey: 'event-key-1' });
    const event = (await stripe.events.list({ type: 'customer.created', limit: 100 })).data.find(
      (e) => (e.data.object as Stripe.Customer).id === c.id,
    )!;
    expect(event.request).toEqual({ id: c.lastResponse.requestId, idempotency_key: 'event-key-1' });
    expect((await stripe.events.retrieve(event.id)).id).toBe(event.id);
  });
});

describe('customer search and deleted references', () => {
  it('when searching customers by email, then the match comes back', async () => {
    const email = `search-${Date.now()}@example.com`;
    const c = await stripe.customers.create({ email });
    const found = await stripe.customers.search({ query: `email:'${email}'` });
    expect(found.data.map((x) => x.id)).toEqual([c.id]);
  });

  it('when an expanded customer was deleted, then the deleted stub is expanded', async () => {
    const c = await stripe.customers.create();
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: c.id,
    });
    await stripe.customers.del(c.id);
    const got = await stripe.paymentIntents.retrieve(pi.id, { expand: ['customer'] });
    expect(got.customer).toEqual({ id: c.id, object: 'customer', deleted: true });
  });
});

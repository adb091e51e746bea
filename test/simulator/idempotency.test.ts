// Stripe's idempotent requests, as stripe-test-cards.md and docs.stripe.com/api/idempotent_requests
// describe them.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { control, raw, sdk, startSim, stripeError } from './helpers.ts';

let sim: SimulatorHandle;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startSim();
  stripe = sdk(sim);
});
afterAll(() => sim.close());

const create = (key: string, amount = 1000, pm = 'pm_card_visa') =>
  stripe.paymentIntents.create(
    {
      amount,
      currency: 'usd',
      payment_method: pm,
      confirm: true,
      allowed_payment_method_types: ['card'],
    },
    { idempotencyKey: key },
  );

async function countCreates(): Promise<number> {
  const list = await stripe.paymentIntents.list({ limit: 100 });
  return list.data.length;
}

describe('idempotency', () => {
  it('when the same key and parameters are sent again, then the first response is replayed', async () => {
    const key = `order-${Date.now()}`;
    const before = await countCreates();
    const first = await create(key);
    const second = await create(key);
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(await countCreates()).toBe(before + 1);
  });

  it('when the first attempt declined, then the decline (402 and body) is replayed', async () => {
    const key = `decline-${Date.now()}`;
    const a = await stripeError(() => create(key, 1000, 'pm_card_visa_chargeDeclined'));
    const b = await stripeError(() => create(key, 1000, 'pm_card_visa_chargeDeclined'));
    expect(b.statusCode).toBe(402);
    expect(b.payment_intent?.id).toBe(a.payment_intent?.id);
    expect(b.headers?.['idempotent-replayed']).toBe('true');
  });

  it('when the same key comes with different parameters, then 400 idempotency_error', async () => {
    const key = `mismatch-${Date.now()}`;
    await create(key, 1000);
    const err = await stripeError(() => create(key, 2000));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.statusCode).toBe(400);
    expect(err.rawType).toBe('idempotency_error');
  });

  it('when the same key arrives while the first is still running, then 409 idempotency_key_in_use', async () => {
    await control(sim, 'POST', '/_sim/faults', {
      match: 'POST /v1/customers',
      kind: 'latency',
      latency_ms: 300,
      count: 1,
    });
    const key = `slow-${Date.now()}`;
    const first = stripe.customers.create({ name: 'slow' }, { idempotencyKey: key });
    await new Promise((r) => setTimeout(r, 50));
    const err = await stripeError(() =>
      stripe.customers.create({ name: 'slow' }, { idempotencyKey: key }),
    );
    expect(err.statusCode).toBe(409);
    expect(err.code).toBe('idempotency_key_in_use');
    const done = await first;
    const replay = await stripe.customers.create({ name: 'slow' }, { idempotencyKey: key });
    expect(replay.id).toBe(done.id);
  });

  it('when the request failed validation, then nothing is stored and the key can be reused', async () => {
    const key = `invalid-${Date.now()}`;
    const err = await stripeError(() =>
      stripe.paymentIntents.create({ amount: 10, currency: 'usd' }, { idempotencyKey: key }),
    );
    expect(err.code).toBe('amount_too_small');
    const ok = await stripe.paymentIntents.create(
      { amount: 1000, currency: 'usd' },
      { idempotencyKey: key },
    );
    expect(ok.amount).toBe(1000);
  });

  it('when another API key uses the same idempotency key, then it is a different request', async () => {
    const key = `scoped-${Date.now()}`;
    const a = await stripe.customers.create({ name: 'a' }, { idempotencyKey: key });
    const other = sdk(sim, 'sk_test_other_account');
    const b = await other.customers.create({ name: 'b' }, { idempotencyKey: key });
    expect(b.id).not.toBe(a.id);
  });

  it('when the key is longer than 255 characters, then 400', async () => {
    const res = await raw(sim, 'POST', '/v1/customers', {
      body: 'name=x',
      headers: { 'Idempotency-Key': 'k'.repeat(256) },
    });
    expect(res.status).toBe(400);
  });
});

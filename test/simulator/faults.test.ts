// Fault injection through /_sim/, seen through the real SDK and its retries.
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { control, sdk, startSim, stripeError } from './helpers.ts';

let sim: SimulatorHandle;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startSim();
  stripe = sdk(sim);
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

/** The SDK with its default retries, but fast back-off for tests. */
function retrying(): Stripe {
  const client = sdk(sim, 'sk_test_simulator', { maxNetworkRetries: 2 });
  // stripe-node reads these on each retry; shorten its 0.5 s back-off for the test.
  const internals = client as unknown as {
    getInitialNetworkRetryDelay(): number;
    getMaxNetworkRetryDelay(): number;
  };
  internals.getInitialNetworkRetryDelay = () => 0.01;
  internals.getMaxNetworkRetryDelay = () => 0.02;
  return client;
}

async function fault(body: Record<string, unknown>): Promise<string> {
  const res = await control(sim, 'POST', '/_sim/faults', body);
  expect(res.status).toBe(200);
  return res.json.id as string;
}

async function requests(
  path: string,
  method = 'POST',
): Promise<{ status: number; outcome: string; idempotency_key: string }[]> {
  const res = await control(
    sim,
    'GET',
    `/_sim/requests?method=${method}&path=${encodeURIComponent(path)}`,
  );
  return res.json.data as { status: number; outcome: string; idempotency_key: string }[];
}

const create = (client: Stripe) =>
  client.paymentIntents.create({
    amount: 1000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
    allowed_payment_method_types: ['card'],
  });

describe('errors before executing', () => {
  it('when one 500 is injected, then the SDK retries and one PaymentIntent exists', async () => {
    await fault({ match: 'POST /v1/payment_intents', kind: 'error_500', count: 1 });
    const pi = await create(retrying());
    expect(pi.status).toBe('succeeded');
    const log = await requests('/v1/payment_intents');
    expect(log.map((r) => r.status)).toEqual([500, 200]);
    expect(log[0]!.idempotency_key).toBe(log[1]!.idempotency_key);
    expect((await stripe.paymentIntents.list()).data).toHaveLength(1);
  });

  it('when 500s persist and retries are off, then StripeAPIError', async () => {
    await fault({ match: 'POST /v1/payment_intents', kind: 'error_500' });
    const err = await stripeError(() => create(stripe));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err.statusCode).toBe(500);
    expect((await stripe.paymentIntents.list()).data).toHaveLength(0);
  });

  it('when a 429 is injected, then Stripe-Should-Retry is sent and the error is a rate limit', async () => {
    await fault({ match: 'GET /v1/customers', kind: 'error_429', count: 1 });
    const err = await stripeError(() => stripe.customers.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(err.headers?.['stripe-should-retry']).toBe('true');
    expect((await retrying().customers.list()).object).toBe('list');
  });

  it('when the connection is reset, then StripeConnectionError; with retries it recovers', async () => {
    const id = await fault({ match: 'POST /v1/customers', kind: 'reset' });
    // stripe-node retries a closed connection once even with retries off.
    const err = await stripeError(() => stripe.customers.create({}, { maxNetworkRetries: 0 }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((await requests('/v1/customers')).map((r) => r.outcome)).toEqual(['reset', 'reset']);
    await control(sim, 'DELETE', `/_sim/faults/${id}`);
    await fault({ match: 'POST /v1/customers', kind: 'reset', count: 2 });
    const c = await retrying().customers.create();
    expect(c.id).toMatch(/^cus_/);
  });

  it('when the request hangs, then the client times out', async () => {
    await fault({ match: 'GET /v1/customers/:id', kind: 'hang', count: 1 });
    const c = await stripe.customers.create();
    const impatient = sdk(sim, 'sk_test_simulator', { timeout: 200 });
    const err = await stripeError(() => impatient.customers.retrieve(c.id));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((await stripe.customers.retrieve(c.id)).id).toBe(c.id);
  });
});

describe('errors after executing (unknown outcome)', () => {
  it('when the response of a create is lost, then the object exists and a retry with the same key replays it', async () => {
    await fault({ match: 'POST /v1/payment_intents', kind: 'error_500', phase: 'after', count: 1 });
    const pi = await create(retrying());
    expect(pi.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.paymentIntents.list()).data.map((p) => p.id)).toEqual([pi.id]);
  });

  it('when the connection resets after executing, then the client sees an error but the payment happened', async () => {
    await fault({ match: 'POST /v1/payment_intents', kind: 'reset', phase: 'after', count: 2 });
    const err = await stripeError(() => create(stripe));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const list = await stripe.paymentIntents.list();
    expect(list.data).toHaveLength(1);
    expect(list.data[0]!.status).toBe('succeeded');
    // The SDK's own retry of the closed connection carried the same key: a replay, also lost.
    expect((await requests('/v1/payment_intents')).map((r) => r.outcome)).toEqual([
      'reset',
      'reset',
    ]);
  });

  it('when it hangs after executing, then the client times out and the object exists', async () => {
    await fault({ match: 'POST /v1/customers', kind: 'hang', phase: 'after', count: 1 });
    const impatient = sdk(sim, 'sk_test_simulator', { timeout: 200 });
    await stripeError(() => impatient.customers.create({ email: 'lost@example.com' }));
    expect((await stripe.customers.list({ email: 'lost@example.com' })).data).toHaveLength(1);
  });
});

describe('latency, fractions and seeds', () => {
  it('when global and per-operation latency are set, then requests take at least that long', async () => {
    await control(sim, 'POST', '/_sim/config', { latency_ms: 60 });
    const id = await fault({ match: 'GET /v1/customers', kind: 'latency', latency_ms: 60 });
    const t0 = Date.now();
    await stripe.customers.list();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
    const t1 = Date.now();
    await stripe.events.list();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(55);
    // The per-operation rule delayed its own operation only: other requests get the global
    // latency alone (the rule's tally, not a stopwatch, says it did not fire for them).
    const rules = (await control(sim, 'GET', '/_sim/faults')).json.data as {
      id: string;
      fired: number;
    }[];
    expect(rules.find((r) => r.id === id)).toMatchObject({ fired: 1 });
    expect((await control(sim, 'GET', '/_sim/config')).json).toMatchObject({ latency_ms: 60 });
  });

  it('when a fraction is set with a seed, then the same requests fail on every run', async () => {
    const run = async () => {
      await sim.reset();
      await control(sim, 'POST', '/_sim/config', { seed: 42 });
      await fault({ match: 'GET /v1/customers', kind: 'error_500', fraction: 0.5 });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 20; i++)
        outcomes.push(
          await stripe.customers.list().then(
            () => true,
            () => false,
          ),
        );
      return outcomes;
    };
    const first = await run();
    expect(first).toContain(true);
    expect(first).toContain(false);
    expect(await run()).toEqual(first);
  });

  it('when a rule has a count, then it fires that many times and is listed with its tally', async () => {
    const id = await fault({ match: '* /v1/customers', kind: 'error_500', count: 2 });
    const results = [];
    for (let i = 0; i < 3; i++)
      results.push(
        await stripe.customers.list().then(
          () => 200,
          (e: Stripe.errors.StripeError) => e.statusCode,
        ),
      );
    expect(results).toEqual([500, 500, 200]);
    const rules = (await control(sim, 'GET', '/_sim/faults')).json.data as {
      id: string;
      fired: number;
      remaining: number;
    }[];
    expect(rules.find((r) => r.id === id)).toMatchObject({ fired: 2, remaining: 0 });
    expect((await control(sim, 'DELETE', `/_sim/faults/${id}`)).status).toBe(200);
    expect(((await control(sim, 'GET', '/_sim/faults')).json.data as unknown[]).length).toBe(0);
  });
});

describe('control API', () => {
  it('when reset, then all state is gone', async () => {
    await stripe.customers.create();
    expect((await control(sim, 'POST', '/_sim/reset')).status).toBe(200);
    expect((await stripe.customers.list()).data).toHaveLength(0);
    expect((await control(sim, 'GET', '/_sim/requests')).json.data).toHaveLength(1);
  });

  it('when a fault rule is malformed, then 400 and it never reaches /v1/', async () => {
    const res = await control(sim, 'POST', '/_sim/faults', {
      match: 'nonsense',
      kind: 'error_500',
    });
    expect(res.status).toBe(400);
    const v1 = await fetch(`${sim.url}/v1/_sim/reset`, {
      method: 'POST',
      headers: { Authorization: 'Bearer sk_test_x' },
    });
    expect(v1.status).toBe(404);
  });
});

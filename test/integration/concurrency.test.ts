// No double charge under concurrency: one idempotency key fired 100 times, 20 different keys at
// one order, parallel first payments creating the Stripe customer, parallel refunds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer, aCustomerWithOrder, aProduct, newKey, pay } from '../helpers/builders.ts';
import { intentCreations, stripeFor } from '../helpers/stripe.ts';
import { stripeCustomers } from '../../src/db/schema.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function intentsOfOrder(orderId: string) {
  const found = await stripeFor(t).paymentIntents.search({
    query: `metadata['paydeck_order_id']:'${orderId}'`,
  });
  return found.data;
}

describe('one idempotency key, 100 parallel requests', () => {
  it('creates one PaymentIntent; each answer is that payment or 409 in use; a later repeat replays it exactly', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const key = newKey('hundred');
    const responses = await Promise.all(
      Array.from({ length: 100 }, () =>
        pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 200);
    const inUse = responses.filter((r) => r.statusCode === 409);
    expect(ok.length + inUse.length).toBe(100);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of inUse) expect(r.json().error.code).toBe('idempotency_key_in_use');
    const paymentIds = new Set(ok.map((r) => r.json().payment.id));
    expect(paymentIds.size).toBe(1);

    expect(await intentsOfOrder(order.id)).toHaveLength(1);
    const first = ok.find((r) => r.headers['idempotent-replayed'] === undefined)!;
    const repeat = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(repeat.body).toBe(first.body);
  });
});

describe('20 parallel requests with different keys for one order', () => {
  it('exactly one succeeds; the others get a clear 4xx; one charge at Stripe', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pay(client, order.id, { payment_method_id: 'pm_card_visa' }, newKey(`k${i}`)),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const r of responses.filter((x) => x.statusCode !== 200)) {
      expect(r.statusCode).toBe(409);
      expect(['order_payment_in_progress', 'order_already_paid']).toContain(r.json().error.code);
    }
    expect(await intentsOfOrder(order.id)).toHaveLength(1);
    expect((await client.request('GET', `/api/orders/${order.id}`)).json().status).toBe('paid');
  });
});

describe('first payments in parallel', () => {
  it('create one Stripe customer for the user', async () => {
    const { client, user } = await aCustomer(t);
    const product = await aProduct(t);
    const orders = await Promise.all(
      [1, 2, 3].map(async () =>
        (
          await client.request('POST', '/api/orders', {
            body: { items: [{ product_id: product.id, quantity: 1 }] },
          })
        ).json(),
      ),
    );
    const results = await Promise.all(
      orders.map((o) => pay(client, o.id, { payment_method_id: 'pm_card_visa' })),
    );
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    const rows = await t.database.db
      .select()
      .from(stripeCustomers)
      .where(eq(stripeCustomers.userId, user.id));
    expect(rows).toHaveLength(1);
    const customers = new Set<string>();
    for (const o of orders)
      for (const pi of await intentsOfOrder(o.id)) customers.add(String(pi.customer));
    expect([...customers]).toEqual([rows[0]!.stripeCustomerId]);
  });
});

describe('refunds in parallel', () => {
  it('never refund more than was captured', async () => {
    const { client, order } = await aCustomerWithOrder(t, { unitAmount: 10_000 });
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        t.app.services.refunds.refund({ orderId: order.id, amount: 4_000 }, systemActor('test')),
      ),
    );
    const succeeded = attempts.filter((a) => a.status === 'fulfilled');
    expect(succeeded).toHaveLength(2);
    for (const a of attempts.filter((x) => x.status === 'rejected')) {
      expect((a as PromiseRejectedResult).reason.code).toBe('refund_exceeds_captured');
    }
    const after = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(after.amount_refunded).toBe(8_000);
    expect(after.status).toBe('partially_refunded');
    const rest = await t.app.services.refunds.refund({ orderId: order.id }, systemActor('test'));
    expect(rest.refund.amount).toBe(2_000);
    expect((await client.request('GET', `/api/orders/${order.id}`)).json().status).toBe('refunded');
    await expect(
      t.app.services.refunds.refund({ orderId: order.id, amount: 1 }, systemActor('test')),
    ).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });
    const stripeRefunds = await stripeFor(t).refunds.list({
      payment_intent: after.payments[0].stripe_payment_intent_id,
    });
    expect(stripeRefunds.data.reduce((s, r) => s + r.amount, 0)).toBe(10_000);
  });
});

describe('intent creations reach Stripe with our deterministic keys', () => {
  it('every creation carries a paydeck-payment-<id> key', async () => {
    const creations = await intentCreations(t);
    expect(creations.length).toBeGreaterThan(0);
    for (const c of creations) expect(c.idempotency_key).toMatch(/^paydeck-payment-[0-9a-f-]{36}$/);
  });
});

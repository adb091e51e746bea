// A customer cancels their own payment left waiting for 3-D Secure (issue 12, item 4):
// POST /api/orders/:id/cancel-payment, on the real database and the simulator.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, newKey, pay } from '../helpers/builders.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { addFault, authenticate, clearFaults, stripeFor } from '../helpers/stripe.ts';
import { auditEntries } from '../../src/db/schema.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { STRIPE_TIMEOUT_MS: '400', STRIPE_MAX_NETWORK_RETRIES: '0' } });
});
afterEach(() => clearFaults(t));
afterAll(() => t.close());

/** A customer whose payment waits for 3-D Secure: they started the challenge and walked away. */
async function anAbandonedChallenge() {
  const { client, user, order } = await aCustomerWithOrder(t);
  const res = await pay(client, order.id, { payment_method_id: 'pm_card_authenticationRequired' });
  expect(res.json().payment.status).toBe('requires_action');
  const clientSecret = res.json().payment.client_secret as string;
  return {
    client,
    user,
    order,
    paymentId: res.json().payment.id as string,
    clientSecret,
    intentId: clientSecret.split('_secret_')[0]!,
  };
}

/** Cancel requests that reached the simulator for this PaymentIntent. */
async function cancelCalls(intentId: string): Promise<number> {
  const path = encodeURIComponent(`/v1/payment_intents/${intentId}/cancel`);
  const res = await fetch(`${t.sim.url}/_sim/requests?method=POST&path=${path}`);
  return ((await res.json()) as { data: unknown[] }).data.length;
}

function cancelPayment(client: TestClient, orderId: string, key?: string) {
  return client.request('POST', `/api/orders/${orderId}/cancel-payment`, {
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });
}

describe('POST /api/orders/:id/cancel-payment', () => {
  it('when a customer cancels a payment waiting for 3-D Secure, then it is canceled at Stripe, audited, and the order can be paid again', async () => {
    const { client, user, order, paymentId, intentId } = await anAbandonedChallenge();

    const res = await cancelPayment(client, order.id);
    expect(res.statusCode).toBe(200);
    expect(await cancelCalls(intentId)).toBe(1);
    expect(res.json()).toMatchObject({ id: order.id, status: 'open' });
    expect(res.json().payments[0]).toMatchObject({ id: paymentId, status: 'canceled' });
    expect((await stripeFor(t).paymentIntents.retrieve(intentId)).status).toBe('canceled');

    const [entry] = await t.database.db
      .select()
      .from(auditEntries)
      .where(
        and(eq(auditEntries.targetId, paymentId), eq(auditEntries.action, 'payment.canceled')),
      );
    expect(entry).toMatchObject({ actorType: 'user', actorId: user.id, targetType: 'payment' });
    expect(entry!.before).toMatchObject({ status: 'requires_action' });

    const again = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(again.statusCode).toBe(200);
    expect(again.json().order.status).toBe('paid');
  });

  it('when it is asked twice, then the second answers the same canceled payment and nothing more happens', async () => {
    const { client, order, paymentId, intentId } = await anAbandonedChallenge();
    const first = await cancelPayment(client, order.id);
    const second = await cancelPayment(client, order.id);
    expect(second.statusCode).toBe(200);
    expect(await cancelCalls(intentId)).toBe(1);
    expect(second.json().status).toBe(first.json().status);
    expect(second.json().payments).toEqual(first.json().payments);
    const canceledEntries = await t.database.db
      .select()
      .from(auditEntries)
      .where(
        and(eq(auditEntries.targetId, paymentId), eq(auditEntries.action, 'payment.canceled')),
      );
    expect(canceledEntries).toHaveLength(1);

    // With an Idempotency-Key, a replay is the stored answer.
    const key = newKey('cancel');
    const keyed = await cancelPayment(client, order.id, key);
    const replay = await cancelPayment(client, order.id, key);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(keyed.body);
  });

  it('when another customer asks, then 404 and their payment still waits', async () => {
    const { order, paymentId } = await anAbandonedChallenge();
    const other = await aCustomerWithOrder(t);
    const res = await cancelPayment(other.client, order.id);
    expect(res.statusCode).toBe(404);
    const payment = await t.app.services.payments.records.find(paymentId);
    expect(payment!.status).toBe('requires_action');
  });

  it('when the payment is paid, processing or absent, then 409 payment_not_cancelable and Stripe is not asked', async () => {
    const paid = await aCustomerWithOrder(t);
    await pay(paid.client, paid.order.id, { payment_method_id: 'pm_card_visa' });
    const res = await cancelPayment(paid.client, paid.order.id);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'payment_not_cancelable' });
    expect(res.json().error.message).toMatch(/paid/);
    const intent = (await paid.client.request('GET', `/api/orders/${paid.order.id}`)).json()
      .payments[0].stripe_payment_intent_id;
    expect((await stripeFor(t).paymentIntents.retrieve(intent)).status).toBe('succeeded');
    expect(await cancelCalls(intent)).toBe(0);

    const unpaid = await aCustomerWithOrder(t);
    const none = await cancelPayment(unpaid.client, unpaid.order.id);
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('payment_not_cancelable');

    // A payment whose outcome is unknown is never canceled blind: it is settled first.
    const unknown = await aCustomerWithOrder(t);
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'error_500', phase: 'before' });
    const pending = await pay(unknown.client, unknown.order.id, {
      payment_method_id: 'pm_card_visa',
    });
    expect(pending.json().payment.status).toBe('unknown');
    const refused = await cancelPayment(unknown.client, unknown.order.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ payment_status: 'unknown' });
  });

  it('when the customer finished 3-D Secure meanwhile, then the payment is recorded as paid, never canceled, and 409 says so', async () => {
    const { client, order, paymentId, clientSecret, intentId } = await anAbandonedChallenge();
    // Finished in another tab: Stripe has it succeeded, we still say requires_action.
    await authenticate(t, clientSecret, 'complete');
    expect((await t.app.services.payments.records.find(paymentId))!.status).toBe('requires_action');

    const res = await cancelPayment(client, order.id);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'payment_not_cancelable',
      payment_status: 'succeeded',
    });
    expect((await stripeFor(t).paymentIntents.retrieve(intentId)).status).toBe('succeeded');
    const after = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(after.status).toBe('paid');
    expect(after.payments[0]).toMatchObject({ id: paymentId, status: 'succeeded' });
  });

  it('when Stripe cannot be reached, then 503 and the payment stays waiting, to be settled later', async () => {
    const { client, order, paymentId, intentId } = await anAbandonedChallenge();
    await addFault(t, {
      match: 'POST /v1/payment_intents/*/cancel',
      kind: 'error_500',
      phase: 'before',
    });
    const res = await cancelPayment(client, order.id);
    expect(res.statusCode).toBe(503);
    expect((await t.app.services.payments.records.find(paymentId))!.status).toBe('requires_action');
    await clearFaults(t);
    expect((await stripeFor(t).paymentIntents.retrieve(intentId)).status).toBe('requires_action');
    expect((await cancelPayment(client, order.id)).statusCode).toBe(200);
  });

  it('needs a session and the CSRF token', async () => {
    const { client, order } = await anAbandonedChallenge();
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/orders/${order.id}/cancel-payment` }))
        .statusCode,
    ).toBe(401);
    const noCsrf = await client.request('POST', `/api/orders/${order.id}/cancel-payment`, {
      csrf: false,
    });
    expect(noCsrf.statusCode).toBe(403);
  });
});

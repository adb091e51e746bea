// The payments component's own checks and steps (payments/service/*.ts), each asserted on what
// Paydeck answers, what it records and what Stripe saw: paying guards (whose order, which card,
// which state), a decline's details, an answer Stripe never gave, capture and cancel, and the
// off-session follow-ups (the customer asked to authenticate; a soft decline retried).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { createTestApp, type QueuedJob, type TestApp } from '../helpers/app.ts';
import {
  aCustomer,
  aCustomerWithCard,
  aCustomerWithOrder,
  aMerchantOrder,
  newKey,
  pay,
} from '../helpers/builders.ts';
import { anAdmin, anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { addFault, clearFaults, stripeFor } from '../helpers/stripe.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { auditEntries, orders, outbox, payments } from '../../src/db/schema.ts';
import { OFF_SESSION_RETRY_JOB, SYNC_PAYMENT_JOB } from '../../src/modules/payments/job-names.ts';

const clock = new ManualClock(new Date());
let t: TestApp;
let api: ApiClient;
beforeAll(async () => {
  t = await createTestApp({
    clock,
    env: { STRIPE_TIMEOUT_MS: '400', STRIPE_MAX_NETWORK_RETRIES: '0' },
  });
  api = (await anApiKey(t)).api;
});
afterEach(() => clearFaults(t));
afterAll(() => t.close());

async function orderRow(id: string) {
  const [row] = await t.database.db.select().from(orders).where(eq(orders.id, id));
  return row!;
}
const paymentsOf = (orderId: string) =>
  t.database.db
    .select()
    .from(payments)
    .where(eq(payments.orderId, orderId))
    .orderBy(asc(payments.createdAt));
const auditOf = (targetId: string) =>
  t.database.db
    .select()
    .from(auditEntries)
    .where(eq(auditEntries.targetId, targetId))
    .orderBy(asc(auditEntries.id));
async function intentsOf(orderId: string) {
  return (
    await stripeFor(t).paymentIntents.search({
      query: `metadata['paydeck_order_id']:'${orderId}'`,
    })
  ).data;
}

describe('paying: the checks before Stripe is asked', () => {
  it('when a customer pays someone else’s order, then 404, and nothing is written', async () => {
    const { order } = await aCustomerWithOrder(t);
    const { client: stranger } = await aCustomer(t);
    const res = await pay(stranger, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(404);
    expect(await paymentsOf(order.id)).toEqual([]);
  });

  it('when the order was canceled, then 409 order_canceled; when paid, 409 order_already_paid', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const canceled = await api.request('POST', `/api/v1/orders/${order.id}/cancel`);
    expect(canceled.statusCode, canceled.body).toBe(200);
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('order_canceled');

    const paid = await aCustomerWithOrder(t);
    expect(
      (await pay(paid.client, paid.order.id, { payment_method_id: 'pm_card_visa' })).statusCode,
    ).toBe(200);
    const again = await pay(paid.client, paid.order.id, { payment_method_id: 'pm_card_visa' });
    expect(again.json().error.code).toBe('order_already_paid');
    expect(await paymentsOf(paid.order.id)).toHaveLength(1);
  });

  it('when the card named is neither saved nor a Stripe payment method id, then 404 payment method', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, { payment_method_id: 'card_not_a_pm' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toMatch(/^Payment method/);
    expect(await paymentsOf(order.id)).toEqual([]);
  });

  it('when a saved card is named by its wallet id, then that card is charged', async () => {
    const { client, card } = await aCustomerWithCard(t);
    const { order } = await (async () => {
      const res = await client.request('POST', '/api/orders', {
        body: {
          items: [
            {
              product_id: (
                await t.app.services.catalog.create(
                  { name: `P ${newKey()}`, unit_amount: 1300, currency: 'usd' },
                  { type: 'system', id: 'test', ip: null, requestId: null },
                )
              ).id,
              quantity: 1,
            },
          ],
        },
      });
      return { order: res.json() as { id: string } };
    })();
    const res = await pay(client, order.id, { payment_method_id: card.id });
    expect(res.statusCode, res.body).toBe(200);
    const [payment] = await paymentsOf(order.id);
    expect(payment!.cardLast4).toBe(card.last4);
    expect(payment!.stripePaymentMethodId).toMatch(/^pm_/);
  });
});

describe('paying: what Stripe answers', () => {
  it('when the customer asks to keep the card, then Stripe is asked to set it up for later, and told so in the metadata', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, {
      payment_method_id: 'pm_card_visa',
      save_payment_method: true,
    });
    expect(res.statusCode, res.body).toBe(200);
    const [intent] = await intentsOf(order.id);
    expect(intent).toMatchObject({
      setup_future_usage: 'off_session',
      metadata: expect.objectContaining({ paydeck_save_payment_method: 'true' }),
    });
    const plain = await aCustomerWithOrder(t);
    await pay(plain.client, plain.order.id, { payment_method_id: 'pm_card_visa' });
    const [other] = await intentsOf(plain.order.id);
    expect(other!.setup_future_usage).toBeNull();
    expect(other!.metadata).not.toHaveProperty('paydeck_save_payment_method');
  });

  it('when the card is declined, then 402 carries the decline, the payment and the order, and the order can be paid again', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, {
      payment_method_id: 'pm_card_visa_chargeDeclinedInsufficientFunds',
    });
    expect(res.statusCode).toBe(402);
    const [payment] = await paymentsOf(order.id);
    expect(res.json().error).toMatchObject({
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      stripe_code: 'card_declined',
      payment: { id: payment!.id, status: 'failed' },
      order_id: order.id,
    });
    expect(payment).toMatchObject({
      status: 'failed',
      failureCode: 'card_declined',
      declineCode: 'insufficient_funds',
      failureMessage: res.json().error.message,
    });
    expect((await orderRow(order.id)).status).toBe('open');
    const retry = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(retry.statusCode).toBe(200);
  });

  it('when Stripe never answers, then 202 unknown, a sync job is queued, and the sync settles it once', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await addFault(t, {
      match: 'POST /v1/payment_intents',
      kind: 'reset',
      phase: 'after',
      count: 20,
    });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode, res.body).toBe(202);
    const [payment] = await paymentsOf(order.id);
    expect(payment!.status).toBe('unknown');
    const syncs = (job: QueuedJob) =>
      job.name === SYNC_PAYMENT_JOB &&
      (job.data as { paymentId: string }).paymentId === payment!.id;
    expect(t.jobs.filter(syncs)).toEqual([
      expect.objectContaining({
        options: expect.objectContaining({ startAfter: 5, singletonKey: payment!.id }),
      }),
    ]);
    expect((await auditOf(payment!.id)).map((e) => e.action)).toEqual([
      'payment.created',
      'payment.outcome_unknown',
    ]);
    await clearFaults(t);
    expect(await t.runJobs(syncs)).toEqual([expect.objectContaining({ ok: true })]);
    expect((await paymentsOf(order.id))[0]!.status).toBe('succeeded');
    expect(await intentsOf(order.id)).toHaveLength(1);
    expect((await orderRow(order.id)).status).toBe('paid');
  });
});

describe('capture and cancel', () => {
  async function anAuthorizedOrder(amount = 6000) {
    const { user } = await aCustomerWithCard(t);
    const order = await aMerchantOrder(api, {
      customer_id: user.id,
      amount,
      capture_method: 'manual',
    });
    const auth = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(auth.json().order.status, auth.body).toBe('authorized');
    return order;
  }

  it('when more than was authorized is captured, then 400 amount_exceeds_authorized; exactly the amount is captured', async () => {
    const order = await anAuthorizedOrder(6000);
    const over = await api.request('POST', `/api/v1/orders/${order.id}/capture`, {
      body: { amount: 6001 },
    });
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toMatchObject({
      code: 'amount_exceeds_authorized',
      field: 'amount',
      message: expect.stringContaining('6000'),
    });
    const exact = await api.request('POST', `/api/v1/orders/${order.id}/capture`, {
      body: { amount: 6000 },
    });
    expect(exact.statusCode, exact.body).toBe(200);
    expect(exact.json()).toMatchObject({ status: 'paid' });
    const [payment] = await paymentsOf(order.id);
    expect(payment).toMatchObject({ status: 'succeeded', amountCaptured: 6000 });
    expect((await orderRow(order.id)).paidAt).not.toBeNull();
  });

  it('when an order with no authorized payment is captured, then 409 order_not_capturable; an unknown order is 404', async () => {
    const { user } = await aCustomerWithCard(t);
    const open = await aMerchantOrder(api, { customer_id: user.id, amount: 1000 });
    const res = await api.request('POST', `/api/v1/orders/${open.id}/capture`, { body: {} });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('order_not_capturable');
    const missing = await api.request(
      'POST',
      '/api/v1/orders/00000000-0000-4000-8000-000000000000/capture',
      { body: {} },
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe('Order not found.');
    const cancelMissing = await api.request(
      'POST',
      '/api/v1/orders/00000000-0000-4000-8000-000000000000/cancel',
    );
    expect(cancelMissing.statusCode).toBe(404);
    expect(cancelMissing.json().error.message).toBe('Order not found.');
  });

  it('when an authorized order is canceled from the console, then Stripe releases the authorization and the order is canceled, audited, and canceling again changes nothing', async () => {
    const order = await anAuthorizedOrder(4000);
    const { client } = await anAdmin(t);
    const res = await client.request('POST', `/api/admin/orders/${order.id}/cancel`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('canceled');
    const [payment] = await paymentsOf(order.id);
    expect(payment!.status).toBe('canceled');
    const [intent] = await intentsOf(order.id);
    expect(intent!.status).toBe('canceled');
    const entries = await auditOf(order.id);
    expect(entries.filter((e) => e.action === 'order.canceled')).toEqual([
      expect.objectContaining({
        actorType: 'admin',
        before: { status: expect.any(String) },
        after: { status: 'canceled' },
      }),
    ]);

    const again = await client.request('POST', `/api/admin/orders/${order.id}/cancel`);
    expect(again.statusCode).toBe(200);
    expect((await auditOf(order.id)).filter((e) => e.action === 'order.canceled')).toHaveLength(1);
  });

  it('when a paid order is canceled, then 409 order_already_paid; one whose payment is unknown, 409 in progress', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    const paid = await api.request('POST', `/api/v1/orders/${order.id}/cancel`);
    expect(paid.statusCode).toBe(409);
    expect(paid.json().error.code).toBe('order_already_paid');

    const pending = await aCustomerWithOrder(t);
    await addFault(t, {
      match: 'POST /v1/payment_intents',
      kind: 'reset',
      phase: 'before',
      count: 20,
    });
    expect(
      (await pay(pending.client, pending.order.id, { payment_method_id: 'pm_card_visa' }))
        .statusCode,
    ).toBe(202);
    const inFlight = await api.request('POST', `/api/v1/orders/${pending.order.id}/cancel`);
    expect(inFlight.statusCode).toBe(409);
    expect(inFlight.json().error).toMatchObject({
      code: 'order_payment_in_progress',
      message: 'A payment for this order is still being processed; try again shortly.',
    });
    expect((await orderRow(pending.order.id)).status).not.toBe('canceled');
  });

  it('when an open order is canceled, then it is canceled without asking Stripe', async () => {
    const { order } = await aCustomerWithOrder(t);
    const res = await api.request('POST', `/api/v1/orders/${order.id}/cancel`);
    expect(res.statusCode).toBe(200);
    expect((await orderRow(order.id)).status).toBe('canceled');
    expect(await intentsOf(order.id)).toEqual([]);
  });
});

describe('off-session follow-ups', () => {
  it('when a merchant charge needs the customer to authenticate, then the order waits for them, they are told, and it is audited', async () => {
    // 4000002760003184 attaches, then every payment needs authentication.
    const { user } = await aCustomerWithCard(t, '4000002760003184');
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 2200 });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(res.statusCode).toBe(402);
    expect(res.json().error.code).toBe('authentication_required');
    const [payment] = await paymentsOf(order.id);
    expect((await orderRow(order.id)).status).toBe('requires_action');
    const messages = await t.database.db.select().from(outbox).where(eq(outbox.userId, user.id));
    expect(messages).toEqual([
      expect.objectContaining({
        kind: 'payment_requires_authentication',
        payload: {
          order_id: order.id,
          payment_id: payment!.id,
          amount: 2200,
          currency: 'usd',
          checkout_path: `/checkout/${order.id}`,
        },
      }),
    ]);
    expect(
      (await auditOf(order.id)).filter(
        (e) => e.action === 'order.awaiting_customer_authentication',
      ),
    ).toEqual([expect.objectContaining({ after: { payment_id: payment!.id } })]);
    expect(t.jobs.filter((j) => j.name === OFF_SESSION_RETRY_JOB)).toEqual([]);
  });

  it('when a merchant charge is hard-declined, then no retry is scheduled', async () => {
    const { user } = await aCustomerWithCard(t);
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 900 });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, {
      body: { payment_method_id: 'pm_card_visa_chargeDeclinedStolenCard' },
    });
    expect(res.statusCode).toBe(402);
    expect(
      t.jobs.filter(
        (j) =>
          j.name === OFF_SESSION_RETRY_JOB && (j.data as { orderId: string }).orderId === order.id,
      ),
    ).toEqual([]);
  });
});

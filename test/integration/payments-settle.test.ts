// Recording what Stripe said about a payment (payments/service/settle.ts) in the cases the pay
// path and the sync tests do not show: news that changes no status (a dispute), a sync that adds
// nothing, a decline and a failed challenge as recorded and audited, the card kept only when asked
// and paid, a re-drive that still finds Stripe away, and the outcome metrics.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { rowReaders } from '../helpers/rows.ts';
import { aCustomerWithOrder, aProduct, newKey } from '../helpers/builders.ts';
import type { TestClient } from '../helpers/http-client.ts';
import {
  addFault,
  authenticate,
  cardPaymentMethod,
  clearFaults,
  stripeFor,
} from '../helpers/stripe.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { metrics } from '../../src/lib/metrics.ts';
import { payments } from '../../src/db/schema.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';

const clock = new ManualClock(new Date());
const actor = systemActor('test');
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    clock,
    env: { STRIPE_TIMEOUT_MS: '3000', STRIPE_MAX_NETWORK_RETRIES: '0' },
  });
});
afterEach(() => clearFaults(t));
afterAll(() => t.close());

const service = () => t.app.services.payments;
const { paymentRow, paymentsOf, orderRow, auditRows: auditOf } = rowReaders(() => t);
/** A second order for a customer who already has one. */
async function anotherOrderOf(client: TestClient) {
  const product = await aProduct(t, 1900);
  const res = await client.request('POST', '/api/orders', {
    body: { items: [{ product_id: product.id, quantity: 1 }] },
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string };
}

/** How many times an outcome was counted (the registry is the process's own). */
async function outcomes(outcome: string, currency: string, declineCode = '') {
  const { values } = await metrics.paymentOutcomes.get();
  const found = values.find(
    (v) =>
      v.labels.outcome === outcome &&
      v.labels.currency === currency &&
      v.labels.decline_code === declineCode,
  );
  return found?.value ?? 0;
}
async function amountCounted(currency: string) {
  const { values } = await metrics.paymentAmount.get();
  return values.find((v) => v.labels.currency === currency)?.value ?? 0;
}

describe('news about a payment that changes no status', () => {
  it('when Stripe reports a dispute on a paid payment, then a sync flags it and keeps its status, amount and paid time; a second sync writes nothing', async () => {
    const { user, order } = await aCustomerWithOrder(t, { unitAmount: 3100 });
    const paid = await service().pay(
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_createDispute' },
      actor,
    );
    expect(paid.payment).toMatchObject({
      status: 'succeeded',
      stripeChargeId: expect.stringMatching(/^ch_/),
      stripePaymentMethodId: expect.stringMatching(/^pm_/),
    });
    // At Stripe a dispute opens days after the charge; the simulator opens it at once. Recorded
    // as Paydeck would have had it before the dispute opened:
    await t.database.db
      .update(payments)
      .set({ disputed: false })
      .where(eq(payments.id, paid.payment.id));
    const { paidAt, updatedAt } = await orderRow(order.id);
    expect(paidAt).not.toBeNull();
    const counted = await outcomes('succeeded', 'usd');
    const amount = await amountCounted('usd');

    clock.advance(60_000);
    const synced = await service().syncPayment(paid.payment.id, actor);
    expect(synced).toMatchObject({ status: 'succeeded', disputed: true, amountCaptured: 3100 });
    // Not a second success: the outcome and the amount were counted when it succeeded.
    expect(await outcomes('succeeded', 'usd')).toBe(counted);
    expect(await amountCounted('usd')).toBe(amount);
    expect(await paymentRow(paid.payment.id)).toMatchObject({
      disputed: true,
      updatedAt: clock.now(),
      cardLast4: paid.payment.cardLast4,
    });
    // The order stays paid as it was: not even rewritten.
    expect(await orderRow(order.id)).toMatchObject({ status: 'paid', paidAt, updatedAt });
    const audited = await auditOf(paid.payment.id);
    expect(audited.map((e) => e.action)).toEqual([
      'payment.created',
      'payment.succeeded',
      'payment.succeeded',
    ]);

    clock.advance(60_000);
    expect(await service().syncPayment(paid.payment.id, actor)).toMatchObject({ disputed: true });
    expect((await paymentRow(paid.payment.id)).updatedAt).toEqual(synced.updatedAt);
    expect(await auditOf(paid.payment.id)).toHaveLength(audited.length);
  });
});

describe('a declined payment', () => {
  it('when a card is declined, then the payment is failed with the decline and the card, audited with Stripe’s request; a later sync writes nothing', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    await expect(
      service().pay(
        {
          orderId: order.id,
          userId: user.id,
          paymentMethodId: await cardPaymentMethod(t, '4000000000009995'),
        },
        actor,
      ),
    ).rejects.toMatchObject({ status: 402 });
    const [row] = await paymentsOf(order.id);
    expect(row).toMatchObject({
      status: 'failed',
      failureCode: 'card_declined',
      declineCode: 'insufficient_funds',
      cardLast4: '9995',
      disputed: false,
      stripePaymentIntentId: expect.stringMatching(/^pi_/),
      lastStripeRequestId: expect.stringMatching(/^req_/),
    });
    expect(row!.failureMessage).not.toBe('');
    expect((await client.request('GET', `/api/orders/${order.id}`)).json().status).toBe('open');
    expect((await orderRow(order.id)).paidAt).toBeNull();
    const [created, failed] = await auditOf(row!.id);
    expect(failed).toMatchObject({
      action: 'payment.failed',
      actorType: 'system',
      actorId: 'test',
      targetType: 'payment',
      before: {
        status: created!.after && (created!.after as { status: string }).status,
        amount_captured: 0,
        amount_refunded: 0,
        stripe_payment_intent_id: null,
        failure_code: null,
        decline_code: null,
      },
      after: {
        status: 'failed',
        amount_captured: 0,
        amount_refunded: 0,
        stripe_payment_intent_id: row!.stripePaymentIntentId,
        failure_code: 'card_declined',
        decline_code: 'insufficient_funds',
      },
      stripeRequestId: row!.lastStripeRequestId,
      stripeEventId: null,
      occurredAt: clock.now(),
    });

    // Stripe's declined intent has let go of the card: the one recorded stays, and nothing is written.
    clock.advance(1000);
    expect(await service().syncPayment(row!.id, actor)).toMatchObject({
      status: 'failed',
      cardLast4: '9995',
    });
    expect(await paymentRow(row!.id)).toEqual(row);
    expect(await auditOf(row!.id)).toHaveLength(2);
  });
});

describe('a payment whose 3-D Secure challenge failed', () => {
  it('when the sync learns it from the intent, then the payment is failed with the intent’s error', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    const started = await service().pay(
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_authenticationRequired' },
      actor,
    );
    expect(started.payment.status).toBe('requires_action');
    const { client_secret } = await stripeFor(t).paymentIntents.retrieve(
      started.payment.stripePaymentIntentId!,
    );
    await authenticate(t, client_secret!, 'fail');
    const synced = await service().syncPayment(started.payment.id, actor);
    expect(synced).toMatchObject({
      status: 'failed',
      failureCode: 'payment_intent_authentication_failure',
    });
    expect(synced.failureMessage).toMatch(/could not verify/i);
  });
});

describe('a snapshot older than what is recorded', () => {
  it('when Stripe still shows a state the payment has left, then the sync skips it: status, order, audit and metrics stay as they were', async () => {
    const currency = 'chf';
    const { user, order } = await aCustomerWithOrder(t, { currency });
    const started = await service().pay(
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_authenticationRequired' },
      actor,
    );
    expect(started.payment.status).toBe('requires_action');
    // A later state recorded meanwhile (as a webhook would), while Stripe's answer to this sync
    // is the older one: a transition backwards.
    await t.database.pool.query(
      `UPDATE payments SET status = 'succeeded', amount_captured = amount WHERE id = $1`,
      [started.payment.id],
    );
    await t.database.pool.query(`UPDATE orders SET status = 'paid' WHERE id = $1`, [order.id]);
    const recorded = await paymentRow(started.payment.id);
    const audited = (await auditOf(started.payment.id)).length;
    const counted = await outcomes('requires_action', currency);

    const synced = await service().syncPayment(started.payment.id, actor);
    expect(synced).toMatchObject({ id: started.payment.id, status: 'succeeded' });
    expect(await paymentRow(started.payment.id)).toEqual(recorded);
    expect((await orderRow(order.id)).status).toBe('paid');
    expect(await auditOf(started.payment.id)).toHaveLength(audited);
    expect(await outcomes('requires_action', currency)).toBe(counted);
    expect(await outcomes('succeeded', currency)).toBe(0);
  });
});

describe('a card the customer asked to keep', () => {
  it('when the payment is declined or still waits for 3-D Secure, then it is not kept; once paid it is kept, once', async () => {
    const wallet = async (client: TestClient) =>
      (
        (await client.request('GET', '/api/payment-methods')).json().data as Array<{
          last4: string;
        }>
      ).map((card) => card.last4);
    const first = await aCustomerWithOrder(t);
    await expect(
      service().pay(
        {
          orderId: first.order.id,
          userId: first.user.id,
          paymentMethodId: await cardPaymentMethod(t, '4000000000009995'),
          savePaymentMethod: true,
        },
        actor,
      ),
    ).rejects.toMatchObject({ status: 402 });
    expect((await paymentsOf(first.order.id))[0]).toMatchObject({
      status: 'failed',
      savePaymentMethod: true,
    });
    expect(await wallet(first.client)).toEqual([]);

    const started = await service().pay(
      {
        orderId: first.order.id,
        userId: first.user.id,
        paymentMethodId: await cardPaymentMethod(t, '4000002760003184'),
        savePaymentMethod: true,
        requestKey: newKey(),
      },
      actor,
    );
    expect(started.payment.status).toBe('requires_action');
    expect(await service().syncPayment(started.payment.id, actor)).toMatchObject({
      status: 'requires_action',
    });
    expect(await wallet(first.client)).toEqual([]);

    const { client_secret } = await stripeFor(t).paymentIntents.retrieve(
      started.payment.stripePaymentIntentId!,
    );
    await authenticate(t, client_secret!, 'complete');
    expect(await service().syncPayment(started.payment.id, actor)).toMatchObject({
      status: 'succeeded',
    });
    expect(await service().syncPayment(started.payment.id, actor)).toMatchObject({
      status: 'succeeded',
    });
    expect(await wallet(first.client)).toEqual(['3184']);

    // Another order paid with a new card, not asked to keep: the wallet is unchanged.
    const second = await service().pay(
      {
        orderId: (await anotherOrderOf(first.client)).id,
        userId: first.user.id,
        paymentMethodId: await cardPaymentMethod(t, '5555555555554444'),
      },
      actor,
    );
    expect(second.payment).toMatchObject({ status: 'succeeded', cardLast4: '4444' });
    expect(await wallet(first.client)).toEqual(['3184']);
  });
});

describe('a payment whose outcome is unknown', () => {
  it('when its re-drive finds Stripe still away, then the payment is left as it was: one outcome_unknown audited', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'reset', count: 20 });
    const first = await service().pay(
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_visa' },
      actor,
    );
    expect(first.payment.status).toBe('unknown');
    const before = await paymentRow(first.payment.id);

    clock.advance(1000);
    expect(await service().syncPayment(first.payment.id, actor)).toMatchObject({
      status: 'unknown',
    });
    expect((await paymentRow(first.payment.id)).updatedAt).toEqual(before.updatedAt);
    expect((await auditOf(first.payment.id)).map((e) => e.action)).toEqual([
      'payment.created',
      'payment.outcome_unknown',
    ]);
  });
});

describe('the outcome metrics', () => {
  it('when payments settle, then each outcome is counted once with its decline code, and a success adds what it captured', async () => {
    const currency = 'eur';
    const declined = await aCustomerWithOrder(t, { currency });
    const paid = await aCustomerWithOrder(t, { currency, unitAmount: 4700 });
    const before = {
      failed: await outcomes('failed', currency, 'insufficient_funds'),
      succeeded: await outcomes('succeeded', currency),
      amount: await amountCounted(currency),
    };

    await service()
      .pay(
        {
          orderId: declined.order.id,
          userId: declined.user.id,
          paymentMethodId: 'pm_card_visa_chargeDeclinedInsufficientFunds',
        },
        actor,
      )
      .catch(() => undefined);
    const success = await service().pay(
      { orderId: paid.order.id, userId: paid.user.id, paymentMethodId: 'pm_card_visa' },
      actor,
    );
    expect(success.payment.status).toBe('succeeded');
    // A sync that changes nothing counts nothing.
    await service().syncPayment(success.payment.id, actor);

    expect(await outcomes('failed', currency, 'insufficient_funds')).toBe(before.failed + 1);
    expect(await outcomes('succeeded', currency)).toBe(before.succeeded + 1);
    expect(await amountCounted(currency)).toBe(before.amount + 4700);
  });

  it('when a payment waits for 3-D Secure, then the wait is counted', async () => {
    const currency = 'gbp';
    const { user, order } = await aCustomerWithOrder(t, { currency });
    const before = await outcomes('requires_action', currency);
    const started = await service().pay(
      {
        orderId: order.id,
        userId: user.id,
        paymentMethodId: await cardPaymentMethod(t, '4000002760003184'),
      },
      actor,
    );
    expect(started.payment.status).toBe('requires_action');
    expect(await outcomes('requires_action', currency)).toBe(before + 1);
  });

  it('when the customer cancels a payment waiting for 3-D Secure, then the cancellation is counted once', async () => {
    const currency = 'sek';
    const { user, order } = await aCustomerWithOrder(t, { currency });
    const started = await service().pay(
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_authenticationRequired' },
      actor,
    );
    expect(started.payment.status).toBe('requires_action');
    const before = await outcomes('canceled', currency);
    const canceled = await service().cancelForCustomer(order.id, user.id, actor);
    expect(canceled.status).toBe('canceled');
    expect(await outcomes('canceled', currency)).toBe(before + 1);
  });
});

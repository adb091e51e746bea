// The pay step (payments/service/pay.ts) beyond the checks of payments-service.test.ts: a client
// request that comes back with its key after its answer was lost (each outcome the first attempt
// can have come to, and the 24-hour life of a key), the default card, a 3-D Secure attempt
// settled at Stripe while the order still waits for it, and what a payment's creation records.
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
import { anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import {
  addFault,
  authenticate,
  cardPaymentMethod,
  clearFaults,
  stripeFor,
} from '../helpers/stripe.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { metrics } from '../../src/lib/metrics.ts';
import { auditEntries, orders, payments } from '../../src/db/schema.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import { IDEMPOTENCY_RETENTION_MS } from '../../src/modules/idempotency/plugin.ts';
import {
  OFF_SESSION_RETRY_JOB,
  REDRIVE_WINDOW_MS,
  SYNC_PAYMENT_JOB,
} from '../../src/modules/payments/job-names.ts';
import type { PayInput } from '../../src/modules/payments/service.ts';

const clock = new ManualClock(new Date());
const actor = systemActor('test');
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

/** The service's pay, as the routes call it: the answer, or the error it threw. */
const payDirect = (input: PayInput) => t.app.services.payments.pay(input, actor);
const failureOf = (input: PayInput) =>
  payDirect(input).then(
    (result) => {
      throw new Error(`expected an error, got ${result.httpStatus} ${result.payment.status}`);
    },
    (err: unknown) =>
      err as { status: number; code: string; message: string; details?: Record<string, unknown> },
  );

const paymentsOf = (orderId: string) =>
  t.database.db
    .select()
    .from(payments)
    .where(eq(payments.orderId, orderId))
    .orderBy(asc(payments.createdAt));
async function orderStatus(id: string) {
  const [row] = await t.database.db.select().from(orders).where(eq(orders.id, id));
  return row!.status;
}
async function intentsOf(orderId: string) {
  return (
    await stripeFor(t).paymentIntents.search({
      query: `metadata['paydeck_order_id']:'${orderId}'`,
    })
  ).data;
}
const syncsOf = (paymentId: string) =>
  t.jobs.filter(
    (job: QueuedJob) =>
      job.name === SYNC_PAYMENT_JOB && (job.data as { paymentId: string }).paymentId === paymentId,
  );

describe('the same request again, after its answer was lost', () => {
  it('when the payment went through, then the same payment is answered; a stranger with the key gets 404; an operator, the payment', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    const input = {
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_visa',
      requestKey: newKey('rk'),
    };
    const first = await payDirect(input);
    expect(first).toMatchObject({
      httpStatus: 200,
      payment: { status: 'succeeded' },
      clientSecret: null,
      nextAction: null,
    });

    const again = await payDirect(input);
    expect(again).toMatchObject({ httpStatus: 200, clientSecret: null, nextAction: null });
    expect(again.payment).toMatchObject({ id: first.payment.id, status: 'succeeded' });

    const { user: stranger } = await aCustomer(t);
    expect(await failureOf({ ...input, userId: stranger.id })).toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'Order not found.',
    });
    const operator = await payDirect({ ...input, userId: null });
    expect(operator).toMatchObject({ httpStatus: 200, payment: { id: first.payment.id } });

    expect(await paymentsOf(order.id)).toHaveLength(1);
    expect(await intentsOf(order.id)).toHaveLength(1);
  });

  it('when the key is 24 hours old, then it is a new request: a paid order is refused, one millisecond earlier it is answered', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    const input = {
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_visa',
      requestKey: newKey('rk'),
    };
    const first = await payDirect(input);
    const created = first.payment.createdAt.getTime();

    clock.set(new Date(created + IDEMPOTENCY_RETENTION_MS - 1));
    expect((await payDirect(input)).payment.id).toBe(first.payment.id);
    clock.set(new Date(created + IDEMPOTENCY_RETENTION_MS));
    expect(await failureOf(input)).toMatchObject({ status: 409, code: 'order_already_paid' });
  });

  it.each([
    ['pm_card_visa_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
  ])(
    'when the card was declined (%s), then the same decline is answered for the same payment, and the card is not tried again',
    async (paymentMethodId, stripeCode, declineCode) => {
      const { user, order } = await aCustomerWithOrder(t);
      const input = {
        orderId: order.id,
        userId: user.id,
        paymentMethodId,
        requestKey: newKey('rk'),
      };
      const first = await failureOf(input);
      expect(first.status).toBe(402);
      const [payment] = await paymentsOf(order.id);

      const again = await failureOf(input);
      expect(again).toMatchObject({ status: 402, code: 'card_declined', message: first.message });
      expect(again.details).toEqual({
        decline_code: declineCode,
        stripe_code: stripeCode,
        payment: { id: payment!.id, status: 'failed' },
        order_id: order.id,
      });
      expect(await paymentsOf(order.id)).toHaveLength(1);
      expect(await intentsOf(order.id)).toHaveLength(1);
    },
  );

  it('when Stripe still does not answer, then 202 with the same unknown payment and another sync queued; once too old to replay and never at Stripe, the order is paid afresh', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    const input = {
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_visa',
      requestKey: newKey('rk'),
    };
    await addFault(t, {
      match: 'POST /v1/payment_intents',
      kind: 'reset',
      phase: 'before',
      count: 50,
    });
    const first = await payDirect(input);
    expect(first).toMatchObject({ httpStatus: 202, payment: { status: 'unknown' } });
    expect(syncsOf(first.payment.id)).toHaveLength(1);
    expect(await orderStatus(order.id)).toBe('processing');

    const again = await payDirect(input);
    expect(again).toMatchObject({
      httpStatus: 202,
      payment: { id: first.payment.id, status: 'unknown' },
      clientSecret: null,
    });
    const syncs = syncsOf(first.payment.id);
    expect(syncs).toHaveLength(2);
    expect(syncs[1]!.options).toEqual({ startAfter: 5, singletonKey: first.payment.id });
    expect(await paymentsOf(order.id)).toHaveLength(1);
    // Another request (another key) meanwhile is refused: the unknown payment still holds the order.
    expect(await failureOf({ ...input, requestKey: newKey('rk') })).toMatchObject({
      status: 409,
      code: 'order_payment_in_progress',
      message: 'A payment for this order is already in progress or complete.',
    });

    await clearFaults(t);
    clock.advance(REDRIVE_WINDOW_MS);
    const afresh = await payDirect(input);
    expect(afresh.httpStatus).toBe(200);
    expect(afresh.payment.id).not.toBe(first.payment.id);
    expect(await paymentsOf(order.id)).toEqual([
      expect.objectContaining({
        id: first.payment.id,
        status: 'failed',
        failureCode: 'not_created',
      }),
      expect.objectContaining({ id: afresh.payment.id, status: 'succeeded' }),
    ]);
    expect(await intentsOf(order.id)).toHaveLength(1);
  });

  it('when the payment waits for 3-D Secure, then the same challenge is answered again', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    const input = {
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_authenticationRequired',
      requestKey: newKey('rk'),
    };
    const first = await payDirect(input);
    expect(first.payment.status).toBe('requires_action');
    expect(first.clientSecret).toMatch(/_secret_/);

    const again = await payDirect(input);
    expect(again).toMatchObject({
      httpStatus: 200,
      payment: { id: first.payment.id, status: 'requires_action' },
      clientSecret: first.clientSecret,
    });
    expect(again.nextAction).toEqual(first.nextAction);
    expect(again.nextAction).not.toBeNull();
  });
});

describe('Stripe refusing the request', () => {
  it('when Stripe refuses to create the intent, then its error is answered, the payment is recorded failed with its code and message, and the order is open again', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    // A card detached from a customer can never be used again (400 at Stripe, nothing charged).
    const stripe = stripeFor(t);
    const pm = await cardPaymentMethod(t, '4242424242424242');
    const customer = await stripe.customers.create({});
    await stripe.paymentMethods.attach(pm, { customer: customer.id });
    await stripe.paymentMethods.detach(pm);

    const refused = await failureOf({ orderId: order.id, userId: user.id, paymentMethodId: pm });
    expect(refused.status).toBe(400);
    expect(refused.message).toMatch(/may not be used again/);
    const [payment] = await paymentsOf(order.id);
    expect(payment).toMatchObject({
      status: 'failed',
      failureCode: refused.code,
      failureMessage: refused.message,
    });
    expect(await orderStatus(order.id)).toBe('open');
  });
});

describe('an order that cannot be paid', () => {
  it('when the order is canceled, then paying it is 409 order_canceled; authorized, partially refunded or refunded, 409 order_already_paid', async () => {
    const { client, user } = await aCustomerWithCard(t);
    const charged = async (captureMethod: 'manual' | 'automatic') => {
      const order = await aMerchantOrder(api, {
        customer_id: user.id,
        amount: 3000,
        capture_method: captureMethod,
      });
      const res = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
      expect(res.statusCode, res.body).toBe(200);
      return order.id;
    };
    const refund = async (orderId: string, amount: number) => {
      const res = await api.request('POST', `/api/v1/orders/${orderId}/refunds`, {
        body: { amount },
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    const authorized = await charged('manual');
    const partly = await charged('automatic');
    await refund(partly, 1000);
    const refunded = await charged('automatic');
    await refund(refunded, 3000);
    const canceled = await aMerchantOrder(api, { customer_id: user.id, amount: 3000 });
    await api.request('POST', `/api/v1/orders/${canceled.id}/cancel`);
    const refusedCanceled = await pay(client, canceled.id, { payment_method_id: 'pm_card_visa' });
    expect(refusedCanceled.json().error).toMatchObject({
      code: 'order_canceled',
      message: 'This order was canceled.',
    });
    for (const [orderId, status] of [
      [authorized, 'authorized'],
      [partly, 'partially_refunded'],
      [refunded, 'refunded'],
    ] as const) {
      expect(await orderStatus(orderId)).toBe(status);
      const res = await pay(client, orderId, { payment_method_id: 'pm_card_visa' });
      expect(res.statusCode, status).toBe(409);
      expect(res.json().error, status).toMatchObject({
        code: 'order_already_paid',
        message: 'This order is already paid.',
      });
      expect(await paymentsOf(orderId), status).toHaveLength(1);
    }
  });
});

describe('which card', () => {
  it('when no card is named, then the default card is charged, and a saved card can be named by its wallet id; with no default card, 400 payment_method_required and nothing written', async () => {
    const { client, card, user } = await aCustomerWithCard(t);
    const product = await t.app.services.catalog.create(
      { name: `P ${newKey()}`, unit_amount: 1700, currency: 'usd' },
      actor,
    );
    const created = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 1 }] },
    });
    const orderId = (created.json() as { id: string }).id;
    const res = await pay(client, orderId, {});
    expect(res.statusCode, res.body).toBe(200);
    const [payment] = await paymentsOf(orderId);
    expect(payment).toMatchObject({ status: 'succeeded', cardLast4: card.last4 });
    // The same card named by its wallet id.
    const second = await aMerchantOrder(api, { customer_id: user.id, amount: 1100 });
    const named = await pay(client, second.id, { payment_method_id: card.id });
    expect(named.statusCode, named.body).toBe(200);
    expect((await paymentsOf(second.id))[0]).toMatchObject({ cardLast4: card.last4 });

    const bare = await aCustomerWithOrder(t);
    const refused = await pay(bare.client, bare.order.id, {});
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      code: 'payment_method_required',
      message: 'Choose a saved card or enter a new one.',
      field: 'payment_method_id',
    });
    expect(await paymentsOf(bare.order.id)).toEqual([]);
  });
});

describe('whose order', () => {
  it('when a customer pays an order of someone else, then 404 Order not found', async () => {
    const { order } = await aCustomerWithOrder(t);
    const { user: stranger } = await aCustomer(t);
    const refused = await failureOf({
      orderId: order.id,
      userId: stranger.id,
      paymentMethodId: 'pm_card_visa',
    });
    expect(refused).toMatchObject({ status: 404, message: 'Order not found.' });
  });
});

describe('an off-session retry', () => {
  it('when a soft-declined merchant charge is retried by its job, then the new attempt names the one it retries', async () => {
    // 4000000000000341 attaches, then every charge is declined with generic_decline (soft).
    const { user } = await aCustomerWithCard(t, '4000000000000341');
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 2100 });
    const charge = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(charge.statusCode).toBe(402);
    const retries = (job: QueuedJob) =>
      job.name === OFF_SESSION_RETRY_JOB && (job.data as { orderId: string }).orderId === order.id;
    expect(t.jobs.filter(retries).map((j) => j.options.singletonKey)).toEqual([`${order.id}:2`]);
    expect(await t.runJobs(retries)).toEqual([expect.objectContaining({ ok: true })]);
    const [first, second] = await paymentsOf(order.id);
    expect(second).toMatchObject({ attempt: 2, retryOf: first!.id, offSession: true });
  });

  it('when the customer is meanwhile authenticating a payment at checkout, then the retry leaves it alone', async () => {
    const { client, user } = await aCustomerWithCard(t, '4000000000000341');
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 2300 });
    const charge = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(charge.statusCode).toBe(402);
    const checkout = await pay(client, order.id, {
      payment_method_id: 'pm_card_authenticationRequired',
    });
    expect(checkout.json().payment.status).toBe('requires_action');

    const retries = (job: QueuedJob) =>
      job.name === OFF_SESSION_RETRY_JOB && (job.data as { orderId: string }).orderId === order.id;
    expect(await t.runJobs(retries)).toEqual([expect.objectContaining({ ok: true })]);
    expect((await paymentsOf(order.id)).map((p) => p.status)).toEqual([
      'failed',
      'requires_action',
    ]);
    expect(await orderStatus(order.id)).toBe('requires_action');
  });
});

describe('a card of someone else', () => {
  it('when a customer names a Stripe payment method saved by another customer, then 404 and nothing is written', async () => {
    const owner = await aCustomer(t);
    const pm = await cardPaymentMethod(t, '4242424242424242');
    const saved = await owner.client.request('POST', '/api/payment-methods', {
      body: { payment_method_id: pm },
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, { payment_method_id: pm });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toBe('Payment method not found.');
    expect(await paymentsOf(order.id)).toEqual([]);
  });
});

describe('an order a merchant charge left waiting for the customer', () => {
  it('when the customer comes to checkout and pays with another card, then the order is paid', async () => {
    // 4000002760003184 attaches, then every payment needs authentication.
    const { client, user } = await aCustomerWithCard(t, '4000002760003184');
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 2600 });
    const charge = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(charge.json().error.code).toBe('authentication_required');
    expect(await orderStatus(order.id)).toBe('requires_action');
    const waiting = await t.database.db
      .select()
      .from(auditEntries)
      .where(eq(auditEntries.action, 'order.awaiting_customer_authentication'));
    expect(waiting.filter((e) => e.targetId === order.id)).toEqual([
      expect.objectContaining({ targetType: 'order' }),
    ]);

    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await orderStatus(order.id)).toBe('paid');
    expect((await paymentsOf(order.id)).map((p) => p.status)).toEqual(['failed', 'succeeded']);
  });
});

describe('keeping the card', () => {
  it('when a customer pays with a new card and asks to keep it, then it is in their wallet afterwards; without asking, it is not', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const pm = await cardPaymentMethod(t, '5555555555554444');
    const res = await pay(client, order.id, { payment_method_id: pm, save_payment_method: true });
    expect(res.statusCode, res.body).toBe(200);
    const wallet = (await client.request('GET', '/api/payment-methods')).json().data;
    expect(wallet).toEqual([expect.objectContaining({ last4: '4444', brand: 'mastercard' })]);

    const plain = await aCustomerWithOrder(t);
    const other = await cardPaymentMethod(t, '5555555555554444');
    expect((await pay(plain.client, plain.order.id, { payment_method_id: other })).statusCode).toBe(
      200,
    );
    expect((await plain.client.request('GET', '/api/payment-methods')).json().data).toEqual([]);
  });

  it('when a manual-capture order is authorized with a new card the customer asked to keep, then the card is in their wallet', async () => {
    const { client, user } = await aCustomer(t);
    const order = await aMerchantOrder(api, { customer_id: user.id, capture_method: 'manual' });
    const pm = await cardPaymentMethod(t, '5555555555554444');
    const res = await pay(client, order.id, { payment_method_id: pm, save_payment_method: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().order.status).toBe('authorized');
    const wallet = (await client.request('GET', '/api/payment-methods')).json().data;
    expect(wallet).toEqual([expect.objectContaining({ last4: '4444', brand: 'mastercard' })]);
  });

  it('when a card the customer asked to keep is declined, then nothing is added to their wallet', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const pm = await cardPaymentMethod(t, '4000000000009995');
    const res = await pay(client, order.id, { payment_method_id: pm, save_payment_method: true });
    expect(res.statusCode, res.body).toBe(402);
    expect((await client.request('GET', '/api/payment-methods')).json().data).toEqual([]);
  });
});

describe('an order waiting for 3-D Secure', () => {
  it('when the challenge was passed but not yet synced and the customer pays with another card, then 409 already paid, and the first payment is recorded as paid', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    const first = await payDirect({
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_authenticationRequired',
    });
    await authenticate(t, first.clientSecret!, 'complete');
    expect(await orderStatus(order.id)).toBe('requires_action');

    const second = await failureOf({
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_visa',
    });
    expect(second).toMatchObject({ status: 409, code: 'order_already_paid' });
    expect(await paymentsOf(order.id)).toEqual([
      expect.objectContaining({ id: first.payment.id, status: 'succeeded' }),
    ]);
    expect(await orderStatus(order.id)).toBe('paid');
    expect(await intentsOf(order.id)).toHaveLength(1);
  });

  it('when the challenge was abandoned and another card pays, then the first payment is recorded canceled', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    const first = await payDirect({
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_authenticationRequired',
    });
    const second = await payDirect({
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_visa',
    });
    expect(second.payment.status).toBe('succeeded');
    expect(await paymentsOf(order.id)).toEqual([
      expect.objectContaining({ id: first.payment.id, status: 'canceled' }),
      expect.objectContaining({ id: second.payment.id, status: 'succeeded' }),
    ]);
    const [intent] = (await intentsOf(order.id)).filter(
      (i) => i.id === first.payment.stripePaymentIntentId,
    );
    expect(intent!.status).toBe('canceled');
  });
});

describe('what a payment’s creation records', () => {
  it('when a customer pays, then payment.created is audited with the order, amount and attempt, and an attempt is counted by currency and session type', async () => {
    const attempts = async (labels: { currency: string; off_session: string }) =>
      (await metrics.paymentAttempts.get()).values.find(
        (v) => v.labels.currency === labels.currency && v.labels.off_session === labels.off_session,
      )?.value ?? 0;
    const before = await attempts({ currency: 'eur', off_session: 'false' });
    const { user, order } = await aCustomerWithOrder(t, { currency: 'eur', unitAmount: 1900 });
    const result = await payDirect({
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_visa',
    });
    expect(await attempts({ currency: 'eur', off_session: 'false' })).toBe(before + 1);
    const entries = await t.database.db
      .select()
      .from(auditEntries)
      .where(eq(auditEntries.targetId, result.payment.id))
      .orderBy(asc(auditEntries.id));
    expect(entries[0]).toMatchObject({
      action: 'payment.created',
      actorType: 'system',
      targetType: 'payment',
      after: {
        order_id: order.id,
        status: 'creating',
        amount: 1900,
        currency: 'eur',
        off_session: false,
        attempt: 1,
      },
    });
    expect(result.payment).toMatchObject({
      stripeIdempotencyKey: `paydeck-payment-${result.payment.id}`,
      attempt: 1,
      retryOf: null,
      offSession: false,
    });
  });
});

describe('the pay and sync answers', () => {
  it('when a customer pays, then the order in the answer has the plain checkout link; the merchant charging gets the signed one', async () => {
    const { client, user } = await aCustomerWithCard(t);
    const order = await aMerchantOrder(api, { customer_id: user.id });
    const paid = await pay(client, order.id);
    expect(paid.statusCode, paid.body).toBe(200);
    const plain = new URL(paid.json().order.checkout_url);
    expect([plain.pathname, plain.search]).toEqual([`/checkout/${order.id}`, '']);

    const other = await aMerchantOrder(api, { customer_id: user.id });
    const charged = await api.request('POST', `/api/v1/orders/${other.id}/charge`, { body: {} });
    expect(charged.statusCode, charged.body).toBe(200);
    const signed = new URL(charged.json().order.checkout_url);
    expect(signed.pathname).toBe(`/checkout/${other.id}`);
    expect(signed.searchParams.get('token')).toMatch(/^\d+\./);
  });

  it('when an order nobody has tried to pay is synced, then the answer is the order and no payment', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await client.request('POST', `/api/orders/${order.id}/sync`, { body: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      order: { id: order.id, status: 'open', payments: [] },
      payment: { id: '', status: 'none' },
    });
  });
});

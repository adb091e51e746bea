// The background jobs, worked for real: every job the app queues here is run through the
// handler the worker runs (allJobs, via TestApp.runJobs), and its effect checked in the
// database — the payment sync job, the refund sync job and the off-session retry job.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { createTestApp, type QueuedJob, type TestApp } from '../helpers/app.ts';
import {
  aCustomerWithCard,
  aCustomerWithOrder,
  aMerchantOrder,
  aSavedCard,
  newKey,
  pay,
} from '../helpers/builders.ts';
import { anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { addFault, clearFaults, stripeFor } from '../helpers/stripe.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { orders, payments, refunds } from '../../src/db/schema.ts';
import { OFF_SESSION_RETRY_JOB, SYNC_PAYMENT_JOB } from '../../src/modules/payments/job-names.ts';
import { SYNC_REFUND_JOB } from '../../src/modules/refunds/job-names.ts';

// Time stands still unless a test moves it: retry schedules are compared exactly.
const clock = new ManualClock(new Date());
let t: TestApp;
let api: ApiClient;
beforeAll(async () => {
  // Short Stripe timeouts so faults resolve quickly; the SDK's own retries stay on (1 + 2 tries).
  t = await createTestApp({
    clock,
    env: { STRIPE_TIMEOUT_MS: '400', STRIPE_MAX_NETWORK_RETRIES: '2' },
  });
  api = (await anApiKey(t)).api;
});
afterEach(() => clearFaults(t));
afterAll(() => t.close());

const syncOfPayment = (paymentId: string) => (job: QueuedJob) =>
  job.name === SYNC_PAYMENT_JOB && (job.data as { paymentId: string }).paymentId === paymentId;
const syncOfRefund = (refundId: string) => (job: QueuedJob) =>
  job.name === SYNC_REFUND_JOB && (job.data as { refundId: string }).refundId === refundId;
const retryOf = (orderId: string) => (job: QueuedJob) =>
  job.name === OFF_SESSION_RETRY_JOB && (job.data as { orderId: string }).orderId === orderId;

async function paymentRow(id: string) {
  const [row] = await t.database.db.select().from(payments).where(eq(payments.id, id));
  return row!;
}
async function orderRow(id: string) {
  const [row] = await t.database.db.select().from(orders).where(eq(orders.id, id));
  return row!;
}
async function refundRow(id: string) {
  const [row] = await t.database.db.select().from(refunds).where(eq(refunds.id, id));
  return row!;
}
const paymentsOfOrder = (orderId: string) =>
  t.database.db
    .select()
    .from(payments)
    .where(eq(payments.orderId, orderId))
    .orderBy(asc(payments.attempt), asc(payments.createdAt));
const intentsOfOrder = async (orderId: string) =>
  (await stripeFor(t).paymentIntents.search({ query: `metadata['paydeck_order_id']:'${orderId}'` }))
    .data;

describe('the payment sync job', () => {
  it('when Stripe charged but its answer was lost, then the queued sync job settles the payment and pays the order, with one charge', async () => {
    const { client, order } = await aCustomerWithOrder(t, { unitAmount: 4200 });
    await addFault(t, {
      match: 'POST /v1/payment_intents',
      kind: 'error_500',
      phase: 'after',
      count: 3,
    });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(202);
    const paymentId = res.json().payment.id as string;
    expect(await paymentRow(paymentId)).toMatchObject({
      status: 'unknown',
      stripePaymentIntentId: null,
    });
    await clearFaults(t);

    const queued = t.jobs.filter(syncOfPayment(paymentId));
    expect(queued).toHaveLength(1);
    expect(queued[0]!.options).toMatchObject({ singletonKey: paymentId });

    const runs = await t.runJobs(syncOfPayment(paymentId));
    expect(runs).toEqual([expect.objectContaining({ name: SYNC_PAYMENT_JOB, ok: true })]);
    expect(await paymentRow(paymentId)).toMatchObject({
      status: 'succeeded',
      amountCaptured: 4200,
      stripePaymentIntentId: expect.stringMatching(/^pi_/),
    });
    expect(await orderRow(order.id)).toMatchObject({ status: 'paid', paidAt: expect.any(Date) });
    expect(t.jobs.filter(syncOfPayment(paymentId))).toEqual([]);
    const intents = await intentsOfOrder(order.id);
    expect(intents.map((i) => [i.status, i.amount])).toEqual([['succeeded', 4200]]);
  });

  it('when the request never reached Stripe, then the sync job makes the charge once and pays the order', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await addFault(t, {
      match: 'POST /v1/payment_intents',
      kind: 'reset',
      phase: 'before',
      count: 3,
    });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(202);
    const paymentId = res.json().payment.id as string;
    expect(await intentsOfOrder(order.id)).toEqual([]);
    await clearFaults(t);

    expect(await t.runJobs(syncOfPayment(paymentId))).toEqual([
      expect.objectContaining({ ok: true }),
    ]);
    expect((await paymentRow(paymentId)).status).toBe('succeeded');
    expect((await orderRow(order.id)).status).toBe('paid');
    expect(await intentsOfOrder(order.id)).toHaveLength(1);
  });

  it('when Stripe is still down as the sync job runs, then the job fails (so it is retried) and the payment stays unknown, never failed', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'error_500', phase: 'before' });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(202);
    const paymentId = res.json().payment.id as string;

    const first = await t.runJobs(syncOfPayment(paymentId));
    expect(first).toEqual([
      expect.objectContaining({
        ok: false,
        retried: true,
        error: expect.stringMatching(/still unknown/),
      }),
    ]);
    expect((await paymentRow(paymentId)).status).toBe('unknown');
    expect((await orderRow(order.id)).status).toBe('processing');
    expect(t.jobs.filter(syncOfPayment(paymentId))).toEqual([
      expect.objectContaining({ retryCount: 1 }),
    ]);

    await clearFaults(t);
    expect(await t.runJobs(syncOfPayment(paymentId))).toEqual([
      expect.objectContaining({ ok: true, retryCount: 1 }),
    ]);
    expect((await paymentRow(paymentId)).status).toBe('succeeded');
    expect((await orderRow(order.id)).status).toBe('paid');
    expect(await intentsOfOrder(order.id)).toHaveLength(1);
  });
});

describe('the refund sync job', () => {
  async function aPaidOrder(amount: number) {
    const { user } = await aCustomerWithCard(t);
    const order = await aMerchantOrder(api, { customer_id: user.id, amount });
    const charged = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(charged.json().order.status).toBe('paid');
    return order;
  }

  it('when a refund reached Stripe but its answer was lost, then the sync job settles it and the totals', async () => {
    const order = await aPaidOrder(5000);
    await addFault(t, { match: 'POST /v1/refunds', kind: 'reset', phase: 'after', count: 3 });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 2000 },
      headers: { 'idempotency-key': newKey('refund') },
    });
    expect(res.statusCode).toBe(202);
    const refundId = res.json().id as string;
    expect(await refundRow(refundId)).toMatchObject({ status: 'unknown', stripeRefundId: null });
    await clearFaults(t);

    expect(t.jobs.filter(syncOfRefund(refundId))).toEqual([
      expect.objectContaining({ options: expect.objectContaining({ singletonKey: refundId }) }),
    ]);
    expect(await t.runJobs(syncOfRefund(refundId))).toEqual([
      expect.objectContaining({ name: SYNC_REFUND_JOB, ok: true }),
    ]);

    expect(await refundRow(refundId)).toMatchObject({
      status: 'succeeded',
      stripeRefundId: expect.stringMatching(/^re_/),
    });
    const [payment] = await paymentsOfOrder(order.id);
    expect(payment).toMatchObject({ amountCaptured: 5000, amountRefunded: 2000 });
    expect(await orderRow(order.id)).toMatchObject({
      status: 'partially_refunded',
      amountRefunded: 2000,
    });
    const atStripe = await stripeFor(t).refunds.list({
      payment_intent: payment!.stripePaymentIntentId!,
    });
    expect(atStripe.data.map((r) => r.amount)).toEqual([2000]);
  });

  it('when Stripe is still down as the refund sync job runs, then the job fails (so it is retried), and the next try refunds once', async () => {
    const order = await aPaidOrder(3000);
    await addFault(t, { match: 'POST /v1/refunds', kind: 'error_500', phase: 'before' });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, { body: {} });
    expect(res.statusCode).toBe(202);
    const refundId = res.json().id as string;

    expect(await t.runJobs(syncOfRefund(refundId))).toEqual([
      expect.objectContaining({ ok: false, retried: true }),
    ]);
    expect((await refundRow(refundId)).status).toBe('unknown');
    expect((await orderRow(order.id)).status).toBe('paid');

    await clearFaults(t);
    expect(await t.runJobs(syncOfRefund(refundId))).toEqual([
      expect.objectContaining({ ok: true }),
    ]);
    expect((await refundRow(refundId)).status).toBe('succeeded');
    expect(await orderRow(order.id)).toMatchObject({ status: 'refunded', amountRefunded: 3000 });
    const [payment] = await paymentsOfOrder(order.id);
    expect(
      (await stripeFor(t).refunds.list({ payment_intent: payment!.stripePaymentIntentId! })).data,
    ).toHaveLength(1);
  });
});

describe('the off-session retry job', () => {
  // 4000000000000341 attaches, then every charge is declined with generic_decline (a soft decline).
  const ALWAYS_SOFT_DECLINED = '4000000000000341';

  it('when every off-session attempt is soft-declined, then retries follow the schedule and stop after its last attempt', async () => {
    const delays = t.config.offSessionRetryDelaysMinutes;
    expect(delays.length).toBeGreaterThan(0);
    const { user } = await aCustomerWithCard(t, ALWAYS_SOFT_DECLINED);
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 2900 });
    const first = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(first.statusCode).toBe(402);
    expect(first.json().error.decline_code).toBe('generic_decline');

    for (const [i, delayMinutes] of delays.entries()) {
      const attempt = i + 2;
      const queued = t.jobs.filter(retryOf(order.id));
      expect(queued, `retry ${attempt} scheduled`).toHaveLength(1);
      expect(queued[0]!.data).toMatchObject({ orderId: order.id, attempt });
      expect(queued[0]!.options.startAfter).toEqual(
        new Date(clock.now().getTime() + delayMinutes * 60_000),
      );
      clock.advance(delayMinutes * 60_000);
      // A decline is the outcome of the job, not a failure of it: pg-boss must not run it again.
      expect(await t.runJobs(retryOf(order.id))).toEqual([expect.objectContaining({ ok: true })]);
    }

    // The schedule is spent: the last decline schedules nothing.
    expect(t.jobs.filter(retryOf(order.id))).toEqual([]);
    const rows = await paymentsOfOrder(order.id);
    expect(rows.map((p) => [p.attempt, p.status, p.offSession, p.declineCode])).toEqual(
      Array.from({ length: delays.length + 1 }, (_, i) => [
        i + 1,
        'failed',
        true,
        'generic_decline',
      ]),
    );
    // Each retry names the attempt it retries.
    expect(rows.map((p) => p.retryOf)).toEqual([null, ...rows.slice(0, -1).map((p) => p.id)]);
    expect((await orderRow(order.id)).status).toBe('open');
    expect(await intentsOfOrder(order.id)).toHaveLength(delays.length + 1);
  });

  it("when the customer's default card works by the time of the retry, then the retry pays the order and nothing more is scheduled", async () => {
    const { client, user } = await aCustomerWithCard(t, ALWAYS_SOFT_DECLINED);
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 3100 });
    expect(
      (await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} })).statusCode,
    ).toBe(402);
    const good = await aSavedCard(t, client, '4242424242424242');
    expect(
      (await client.request('POST', `/api/payment-methods/${good.id}/default`, { body: {} }))
        .statusCode,
    ).toBe(200);

    clock.advance(t.config.offSessionRetryDelaysMinutes[0]! * 60_000);
    expect(await t.runJobs(retryOf(order.id))).toEqual([expect.objectContaining({ ok: true })]);

    const rows = await paymentsOfOrder(order.id);
    expect(rows.map((p) => [p.attempt, p.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(rows[1]).toMatchObject({ retryOf: rows[0]!.id, offSession: true, amountCaptured: 3100 });
    expect((await orderRow(order.id)).status).toBe('paid');
    expect(t.jobs.filter(retryOf(order.id))).toEqual([]);
  });

  it('when pg-boss delivers the same retry job twice, then the card is tried once for that attempt', async () => {
    const { user } = await aCustomerWithCard(t, ALWAYS_SOFT_DECLINED);
    const order = await aMerchantOrder(api, { customer_id: user.id });
    expect(
      (await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} })).statusCode,
    ).toBe(402);
    const [retry] = t.jobs.filter(retryOf(order.id));
    expect(await t.runJobs((job) => job === retry)).toEqual([
      expect.objectContaining({ ok: true }),
    ]);
    // At-least-once delivery: the same job again (a worker died before pg-boss recorded it done).
    t.jobs.push(retry!);
    expect(await t.runJobs((job) => job === retry)).toEqual([
      expect.objectContaining({ ok: true }),
    ]);

    const rows = await paymentsOfOrder(order.id);
    expect(rows.map((p) => p.attempt)).toEqual([1, 2]);
    expect(await intentsOfOrder(order.id)).toHaveLength(2);
    expect(
      t.jobs.filter(retryOf(order.id)).map((j) => (j.data as { attempt: number }).attempt),
    ).toEqual([3]);
  });

  it('when the order was canceled before the retry runs, then the retry charges nothing', async () => {
    const { user } = await aCustomerWithCard(t, ALWAYS_SOFT_DECLINED);
    const order = await aMerchantOrder(api, { customer_id: user.id });
    expect(
      (await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} })).statusCode,
    ).toBe(402);
    expect(
      (await api.request('POST', `/api/v1/orders/${order.id}/cancel`, { body: {} })).statusCode,
    ).toBe(200);

    expect(await t.runJobs(retryOf(order.id))).toEqual([expect.objectContaining({ ok: true })]);
    expect(await paymentsOfOrder(order.id)).toHaveLength(1);
    expect((await orderRow(order.id)).status).toBe('canceled');
    expect(await intentsOfOrder(order.id)).toHaveLength(1);
  });
});

// The refunds component (refunds/service/*.ts, repository.ts, jobs.ts) through the merchant API,
// the console and the refund sync job: what may be refunded, what reaches Stripe, how a refund
// Stripe refused or never answered is settled — also a day later — and refunds made outside
// Paydeck imported from Stripe's events.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { createTestApp, type QueuedJob, type TestApp } from '../helpers/app.ts';
import { aCustomerWithCard, aMerchantOrder, newKey } from '../helpers/builders.ts';
import { anAdmin, anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { addFault, clearFaults, stripeFor } from '../helpers/stripe.ts';
import {
  TEST_WEBHOOK_SECRET,
  anEvent,
  deliver,
  processQueuedWebhooks,
} from '../helpers/webhooks.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import {
  auditEntries,
  idempotencyKeys,
  orders,
  payments,
  refunds,
  webhookEvents,
} from '../../src/db/schema.ts';
import { SYNC_REFUND_JOB } from '../../src/modules/refunds/job-names.ts';
import { metrics } from '../../src/lib/metrics.ts';

// Time moves only when a test moves it: refunds are re-driven or given up by their age.
const clock = new ManualClock(new Date());
let t: TestApp;
let api: ApiClient;
let apiKeyId: string;
beforeAll(async () => {
  t = await createTestApp({
    clock,
    env: {
      STRIPE_TIMEOUT_MS: '400',
      STRIPE_MAX_NETWORK_RETRIES: '0',
      STRIPE_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET,
    },
  });
  const key = await anApiKey(t);
  api = key.api;
  apiKeyId = key.id;
});
afterEach(() => clearFaults(t));
afterAll(() => t.close());

const HOUR = 3_600_000;
const syncOf = (refundId: string) => (job: QueuedJob) =>
  job.name === SYNC_REFUND_JOB && (job.data as { refundId: string }).refundId === refundId;

async function refundRow(id: string) {
  const [row] = await t.database.db.select().from(refunds).where(eq(refunds.id, id));
  return row!;
}
async function orderRow(id: string) {
  const [row] = await t.database.db.select().from(orders).where(eq(orders.id, id));
  return row!;
}
async function paymentOf(orderId: string) {
  const [row] = await t.database.db.select().from(payments).where(eq(payments.orderId, orderId));
  return row!;
}
const refundsOf = (orderId: string) =>
  t.database.db
    .select()
    .from(refunds)
    .where(eq(refunds.orderId, orderId))
    .orderBy(asc(refunds.createdAt));
async function stripeRefundsOf(orderId: string) {
  const intent = (await paymentOf(orderId)).stripePaymentIntentId!;
  return (await stripeFor(t).refunds.list({ payment_intent: intent })).data;
}
const auditOf = (targetId: string) =>
  t.database.db
    .select()
    .from(auditEntries)
    .where(eq(auditEntries.targetId, targetId))
    .orderBy(asc(auditEntries.id));

/** An order charged through the merchant API with the customer's saved card. */
async function aPaidOrder(amount: number, currency = 'usd') {
  const { user } = await aCustomerWithCard(t);
  const order = await aMerchantOrder(api, { customer_id: user.id, amount, currency });
  const charged = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
  expect(charged.json().order.status, charged.body).toBe('paid');
  return { order, user };
}

function refund(orderId: string, body: Record<string, unknown> = {}, key?: string) {
  return api.request('POST', `/api/v1/orders/${orderId}/refunds`, {
    body,
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });
}

/** How many refunds the metrics counted with this outcome (USD). */
async function counted(outcome: string) {
  const { values } = await metrics.refunds.get();
  return (
    values.find((v) => v.labels.outcome === outcome && v.labels.currency === 'usd')?.value ?? 0
  );
}

/** A Stripe refund event about `refund`, stamped at the app's time. */
function refundEvent(refund: object) {
  return anEvent('charge.refund.updated', refund as Record<string, unknown>, {
    created: Math.floor(clock.now().getTime() / 1000),
  });
}

/** Delivers a signed event as Stripe would, at the app's time. */
function deliverNow(event: ReturnType<typeof anEvent>) {
  return deliver(t, event, { timestamp: Math.floor(clock.now().getTime() / 1000) });
}

/** Puts a refund's key back as a process that died before completing it would have left it. */
async function abandonKey(key: string) {
  await t.database.db
    .update(idempotencyKeys)
    .set({
      state: 'in_progress',
      responseStatus: null,
      responseBody: null,
      lockedAt: new Date(clock.now().getTime() - 10 * 60_000),
    })
    .where(eq(idempotencyKeys.key, key));
}

describe('what may be refunded', () => {
  it('when an order is refunded in two parts, then each part is its own Stripe refund, and the totals and statuses follow', async () => {
    const { order } = await aPaidOrder(5000);
    const first = await refund(order.id, { amount: 1200, reason: 'requested_by_customer' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      order_id: order.id,
      amount: 1200,
      currency: 'usd',
      status: 'succeeded',
      reason: 'requested_by_customer',
      stripe_refund_id: expect.stringMatching(/^re_/),
      failure_reason: null,
    });
    expect(await orderRow(order.id)).toMatchObject({
      status: 'partially_refunded',
      amountRefunded: 1200,
    });
    expect((await paymentOf(order.id)).amountRefunded).toBe(1200);

    // No amount: what is left.
    const rest = await refund(order.id);
    expect(rest.statusCode, rest.body).toBe(200);
    expect(rest.json()).toMatchObject({ amount: 3800, reason: null, status: 'succeeded' });
    expect(await orderRow(order.id)).toMatchObject({ status: 'refunded', amountRefunded: 5000 });
    expect((await paymentOf(order.id)).amountRefunded).toBe(5000);

    const atStripe = await stripeRefundsOf(order.id);
    expect(atStripe.map((r) => r.id).sort()).toEqual(
      [first.json().stripe_refund_id, rest.json().stripe_refund_id].sort(),
    );
    const byId = new Map(atStripe.map((r) => [r.id, r]));
    expect(byId.get(first.json().stripe_refund_id)).toMatchObject({
      amount: 1200,
      reason: 'requested_by_customer',
      metadata: { paydeck_refund_id: first.json().id, paydeck_order_id: order.id },
    });
    expect(byId.get(rest.json().stripe_refund_id)).toMatchObject({
      amount: 3800,
      reason: null,
      metadata: { paydeck_refund_id: rest.json().id, paydeck_order_id: order.id },
    });

    const [row] = (await refundsOf(order.id)).filter((r) => r.id === first.json().id);
    expect(row).toMatchObject({
      paymentId: (await paymentOf(order.id)).id,
      stripeIdempotencyKey: `paydeck-refund-${first.json().id}`,
      createdByType: 'api_key',
      createdById: apiKeyId,
      lastStripeRequestId: expect.stringMatching(/^req_/),
    });
    expect((await auditOf(first.json().id)).map((e) => [e.action, e.actorType])).toEqual([
      ['refund.created', 'api_key'],
      ['refund.succeeded', 'api_key'],
    ]);
    expect((await auditOf(first.json().id))[0]!.after).toEqual({
      order_id: order.id,
      payment_id: (await paymentOf(order.id)).id,
      amount: 1200,
      currency: 'usd',
      reason: 'requested_by_customer',
    });
    expect((await auditOf(first.json().id))[1]).toMatchObject({
      before: { status: 'creating', stripe_refund_id: null },
      after: {
        status: 'succeeded',
        stripe_refund_id: first.json().stripe_refund_id,
        failure_reason: null,
      },
      stripeRequestId: expect.stringMatching(/^req_/),
    });
  });

  it('when a refund asks exactly what is left, then it is made; one unit more is refused with what is left; nothing left is refused as refunded', async () => {
    const { order } = await aPaidOrder(3000);
    expect((await refund(order.id, { amount: 1000 })).statusCode).toBe(200);

    const over = await refund(order.id, { amount: 2001 });
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toMatchObject({
      code: 'refund_exceeds_captured',
      field: 'amount',
      refundable: 2000,
      message: expect.stringContaining('2000'),
    });

    const exact = await refund(order.id, { amount: 2000 });
    expect(exact.statusCode, exact.body).toBe(200);
    const none = await refund(order.id, { amount: 1 });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('charge_already_refunded');
    expect(await refundsOf(order.id)).toHaveLength(2);
    expect((await stripeRefundsOf(order.id)).map((r) => r.amount).sort()).toEqual([1000, 2000]);
  });

  it('when the order is unpaid or unknown, then it is refused and Stripe is not asked', async () => {
    const { user } = await aCustomerWithCard(t);
    const unpaid = await aMerchantOrder(api, { customer_id: user.id, amount: 1500 });
    const res = await refund(unpaid.id, { amount: 100 });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('order_not_paid');
    expect(await refundsOf(unpaid.id)).toEqual([]);

    const missing = await refund('00000000-0000-4000-8000-000000000000', { amount: 100 });
    expect(missing.statusCode).toBe(404);
  });

  it('when a refund is asked with no body at all, then what is left is refunded (merchant API and console), and each success is counted', async () => {
    const succeededBefore = await counted('succeeded');
    const { order } = await aPaidOrder(1800);
    const res = await api.request('POST', `/api/v1/orders/${order.id}/refunds`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ amount: 1800, status: 'succeeded' });

    const other = await aPaidOrder(1100);
    const { client } = await anAdmin(t);
    const console = await client.request('POST', `/api/admin/orders/${other.order.id}/refunds`);
    expect(console.statusCode, console.body).toBe(200);
    expect(console.json()).toMatchObject({ amount: 1100, status: 'succeeded' });
    expect(await counted('succeeded')).toBe(succeededBefore + 2);
  });

  it('when an operator refunds from the console, then the refund is theirs', async () => {
    const { order } = await aPaidOrder(2500);
    const { client, user } = await anAdmin(t);
    const res = await client.request('POST', `/api/admin/orders/${order.id}/refunds`, {
      body: { amount: 500 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await refundRow(res.json().id)).toMatchObject({
      createdByType: 'admin',
      createdById: user!.id,
      amount: 500,
    });
  });
});

describe('a refund Stripe refuses', () => {
  it('when Stripe refuses it (the money was refunded outside Paydeck), then it is recorded failed with Stripe’s reason, and the refusal reaches the caller', async () => {
    const { order } = await aPaidOrder(2000);
    const intent = (await paymentOf(order.id)).stripePaymentIntentId!;
    await stripeFor(t).refunds.create({ payment_intent: intent, amount: 2000 });
    const failedBefore = await counted('failed');

    const res = await refund(order.id, { amount: 700 });
    expect(await counted('failed')).toBe(failedBefore + 1);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    const [failed] = await refundsOf(order.id);
    expect(failed).toMatchObject({ status: 'failed', amount: 700, stripeRefundId: null });
    expect(failed!.failureReason).toBeTruthy();
    expect(res.json().error.message).toBe(failed!.failureReason);
    // Nothing is counted as refunded for it.
    expect(await orderRow(order.id)).toMatchObject({ status: 'paid', amountRefunded: 0 });
    expect((await auditOf(failed!.id)).map((e) => e.action)).toEqual([
      'refund.created',
      'refund.failed',
    ]);
  });
});

describe('a refund whose answer was lost', () => {
  it('when the same request comes again, then a refund still unknown answers 202 and is queued to be settled, never refunded twice', async () => {
    const { order } = await aPaidOrder(4000);
    const key = newKey('unknown-again');
    await addFault(t, { match: 'POST /v1/refunds', kind: 'reset', phase: 'after', count: 20 });
    const first = await refund(order.id, { amount: 1000 }, key);
    expect(first.statusCode).toBe(202);
    expect(first.json().status).toBe('unknown');
    expect(t.jobs.filter(syncOf(first.json().id))).toEqual([
      expect.objectContaining({
        options: expect.objectContaining({ startAfter: 5, singletonKey: first.json().id }),
      }),
    ]);
    t.jobs.splice(0, t.jobs.length, ...t.jobs.filter((j) => !syncOf(first.json().id)(j)));

    await abandonKey(key);
    const again = await refund(order.id, { amount: 1000 }, key);
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ id: first.json().id, status: 'unknown' });
    expect(t.jobs.filter(syncOf(first.json().id))).toHaveLength(1);
    expect(await refundsOf(order.id)).toHaveLength(1);

    await clearFaults(t);
    const runs = await t.runJobs(syncOf(first.json().id));
    expect(runs).toEqual([expect.objectContaining({ ok: true })]);
    expect(await stripeRefundsOf(order.id)).toHaveLength(1);
    expect((await refundRow(first.json().id)).status).toBe('succeeded');
  });

  it('when the same request comes again after the refund failed, then it answers 402 refund_failed naming that refund', async () => {
    const { order } = await aPaidOrder(2000);
    const intent = (await paymentOf(order.id)).stripePaymentIntentId!;
    await stripeFor(t).refunds.create({ payment_intent: intent, amount: 2000 });
    const key = newKey('failed-again');
    const first = await refund(order.id, { amount: 500 }, key);
    expect(first.statusCode).toBeGreaterThanOrEqual(400);
    const [failed] = await refundsOf(order.id);

    await abandonKey(key);
    const again = await refund(order.id, { amount: 500 }, key);
    expect(again.statusCode).toBe(402);
    expect(again.json().error).toMatchObject({
      code: 'refund_failed',
      message: failed!.failureReason,
      refund: { id: failed!.id, status: 'failed' },
    });
    expect(await refundsOf(order.id)).toHaveLength(1);
  });

  it('when the same request comes again while its refund is still being created (its process died before asking Stripe), then it answers 202 with that refund and queues its sync', async () => {
    const { order } = await aPaidOrder(2500);
    const key = newKey('creating-again');
    await addFault(t, { match: 'POST /v1/refunds', kind: 'reset', phase: 'before', count: 20 });
    const first = await refund(order.id, { amount: 400 }, key);
    await clearFaults(t);
    expect(first.statusCode).toBe(202);
    const refundId = first.json().id as string;
    t.jobs.splice(0, t.jobs.length, ...t.jobs.filter((j) => !syncOf(refundId)(j)));
    await t.database.db.update(refunds).set({ status: 'creating' }).where(eq(refunds.id, refundId));

    await abandonKey(key);
    const again = await refund(order.id, { amount: 400 }, key);
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ id: refundId, status: 'creating' });
    expect(t.jobs.filter(syncOf(refundId))).toEqual([
      expect.objectContaining({
        options: expect.objectContaining({ startAfter: 5, singletonKey: refundId }),
      }),
    ]);
    expect(await refundsOf(order.id)).toHaveLength(1);
  });

  it('when the same key comes back 24 hours later, then it is a new request: a new refund', async () => {
    const { order } = await aPaidOrder(3000);
    const key = newKey('a-day-later');
    const first = await refund(order.id, { amount: 1000 }, key);
    expect(first.statusCode).toBe(200);
    await abandonKey(key);
    // Exactly 24 hours: the key's life is over.
    clock.advance(24 * HOUR);
    const later = await refund(order.id, { amount: 1000 }, key);
    expect(later.statusCode, later.body).toBe(200);
    expect(later.json().id).not.toBe(first.json().id);
    expect(await stripeRefundsOf(order.id)).toHaveLength(2);
  });
});

describe('the refund sync job', () => {
  /** A refund that never got an answer: Stripe was reset before (`never`) or after it acted. */
  async function anUnknownRefund(phase: 'before' | 'after', amount = 800) {
    const { order } = await aPaidOrder(4000);
    await addFault(t, { match: 'POST /v1/refunds', kind: 'reset', phase, count: 20 });
    const res = await refund(order.id, { amount });
    await clearFaults(t);
    expect(res.statusCode).toBe(202);
    t.jobs.splice(0, t.jobs.length, ...t.jobs.filter((j) => !syncOf(res.json().id)(j)));
    return { order, refundId: res.json().id as string };
  }

  /** Queues the refund's sync job, as the sweeper or a retry would, and works it. */
  async function runSync(refundId: string) {
    t.jobs.push(
      Object.assign({ name: SYNC_REFUND_JOB, data: { refundId } }, { options: {}, retryCount: 0 }),
    );
    const [run] = await t.runJobs(syncOf(refundId));
    t.jobs.splice(0, t.jobs.length, ...t.jobs.filter((j) => !syncOf(refundId)(j)));
    return run!;
  }

  it('when a refund left creating is younger than 10 seconds, then it is left alone (its request may still run) and the job fails to come back; at 10 seconds, it is re-driven', async () => {
    const { order, refundId } = await anUnknownRefund('before');
    // As a process that died between writing it and calling Stripe leaves it.
    const now = clock.now();
    await t.database.db
      .update(refunds)
      .set({ status: 'creating', createdAt: new Date(now.getTime() - 9_000) })
      .where(eq(refunds.id, refundId));

    const young = await runSync(refundId);
    expect(young).toMatchObject({ ok: false, error: `refund ${refundId} still creating` });
    expect((await refundRow(refundId)).status).toBe('creating');

    clock.advance(1_000);
    const old = await runSync(refundId);
    expect(old).toMatchObject({ ok: true });
    expect((await auditOf(refundId)).at(-1)).toMatchObject({
      action: 'refund.succeeded',
      actorType: 'system',
      actorId: 'sync-job',
    });
    expect(await refundRow(refundId)).toMatchObject({
      status: 'succeeded',
      stripeRefundId: expect.stringMatching(/^re_/),
    });
    expect(await stripeRefundsOf(order.id)).toHaveLength(1);
  });

  it('when a refund Stripe acted on is still unknown after 23 hours, then it is found among the payment’s refunds at Stripe, not made again', async () => {
    const { order, refundId } = await anUnknownRefund('after', 900);
    // Another refund of the payment, made since in Stripe's dashboard, is listed first.
    const intent = (await paymentOf(order.id)).stripePaymentIntentId!;
    const external = await stripeFor(t).refunds.create({ payment_intent: intent, amount: 100 });
    clock.advance(23 * HOUR);
    const run = await runSync(refundId);
    expect(run.ok).toBe(true);
    const atStripe = await stripeRefundsOf(order.id);
    expect(atStripe).toHaveLength(2);
    const ours = atStripe.find((r) => r.id !== external.id)!;
    expect(ours.metadata?.paydeck_refund_id).toBe(refundId);
    expect(await refundRow(refundId)).toMatchObject({
      status: 'succeeded',
      stripeRefundId: ours.id,
    });
  });

  it('when a refund Stripe never saw is still unknown after 23 hours, then it is failed as never having reached Stripe, and nothing is counted', async () => {
    const { order, refundId } = await anUnknownRefund('before', 600);
    // Exactly the re-drive window: from here on, a re-drive could refund twice.
    clock.advance(23 * HOUR);
    const run = await runSync(refundId);
    expect(run.ok).toBe(true);
    expect(await refundRow(refundId)).toMatchObject({
      status: 'failed',
      failureReason: 'The refund never reached Stripe.',
    });
    expect(await stripeRefundsOf(order.id)).toEqual([]);
    expect(await orderRow(order.id)).toMatchObject({ status: 'paid', amountRefunded: 0 });
  });

  it('when a refund Stripe refused is synced, then it stays failed: it is never sent to Stripe again', async () => {
    const { order } = await aPaidOrder(2000);
    const intent = (await paymentOf(order.id)).stripePaymentIntentId!;
    await stripeFor(t).refunds.create({ payment_intent: intent, amount: 1500 });
    const refused = await refund(order.id, { amount: 1000 });
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    const [failed] = await refundsOf(order.id);
    clock.advance(60_000);
    const run = await runSync(failed!.id);
    expect(run.ok).toBe(true);
    expect(await refundRow(failed!.id)).toEqual(failed);
    expect((await stripeRefundsOf(order.id)).map((r) => r.amount)).toEqual([1500]);
  });

  it('when the re-drive of an unknown refund is refused by Stripe, then the refund is failed; when Stripe is still away, it stays unknown', async () => {
    const away = await anUnknownRefund('before', 700);
    await addFault(t, { match: 'POST /v1/refunds', kind: 'reset', phase: 'before', count: 5 });
    expect(await runSync(away.refundId)).toMatchObject({
      ok: false,
      error: `refund ${away.refundId} still unknown`,
    });
    expect((await refundRow(away.refundId)).status).toBe('unknown');
    await clearFaults(t);

    // Meanwhile the whole payment was refunded at Stripe: the re-drive is refused.
    const intent = (await paymentOf(away.order.id)).stripePaymentIntentId!;
    await stripeFor(t).refunds.create({ payment_intent: intent, amount: 4000 });
    expect((await runSync(away.refundId)).ok).toBe(true);
    const row = await refundRow(away.refundId);
    expect(row).toMatchObject({ status: 'failed', stripeRefundId: null });
    expect(row.failureReason).toBeTruthy();
  });

  it('when the job names a refund that does not exist, then it fails', async () => {
    const run = await runSync('00000000-0000-4000-8000-000000000000');
    expect(run).toMatchObject({ ok: false, error: 'Refund not found.' });
  });

  it('when a refund that is already settled is synced, then it stays as it is', async () => {
    const { order } = await aPaidOrder(1500);
    const made = await refund(order.id, { amount: 300 });
    const before = await refundRow(made.json().id);
    const succeeded = await counted('succeeded');
    const run = await runSync(made.json().id);
    expect(run.ok).toBe(true);
    expect(await refundRow(made.json().id)).toEqual(before);
    expect(await counted('succeeded')).toBe(succeeded);
    expect(await auditOf(made.json().id)).toHaveLength(2);
  });
});

describe('refunds made outside Paydeck', () => {
  it('when Stripe reports a refund made in its dashboard, then it is imported once, counted, and audited', async () => {
    const { order } = await aPaidOrder(5000);
    const payment = await paymentOf(order.id);
    const external = await stripeFor(t).refunds.create({
      payment_intent: payment.stripePaymentIntentId!,
      amount: 1500,
    });
    const event = anEvent('charge.refund.updated', external as unknown as Record<string, unknown>, {
      created: Math.floor(clock.now().getTime() / 1000),
    });
    const delivered = await deliverNow(event);
    expect(delivered.statusCode, delivered.body).toBe(200);
    await processQueuedWebhooks(t);
    // The same event twice: still one refund.
    expect((await deliverNow({ ...event, id: `${event.id}x` })).statusCode).toBe(200);
    await processQueuedWebhooks(t);

    const imported = await refundsOf(order.id);
    expect(imported).toHaveLength(1);
    expect(imported[0]).toMatchObject({
      paymentId: payment.id,
      amount: 1500,
      currency: 'usd',
      status: 'succeeded',
      stripeRefundId: external.id,
      stripeIdempotencyKey: `stripe-external-${external.id}`,
      createdByType: 'stripe',
      createdById: null,
    });
    expect(await orderRow(order.id)).toMatchObject({
      status: 'partially_refunded',
      amountRefunded: 1500,
    });
    expect((await paymentOf(order.id)).amountRefunded).toBe(1500);
    const audit = await auditOf(imported[0]!.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'refund.imported',
      stripeEventId: event.id,
      after: {
        stripe_refund_id: external.id,
        amount: 1500,
        status: 'succeeded',
        payment_id: payment.id,
      },
    });

    // What Paydeck can still refund takes it into account.
    const over = await refund(order.id, { amount: 3501 });
    expect(over.json().error).toMatchObject({ code: 'refund_exceeds_captured', refundable: 3500 });
  });

  it('when Stripe reports a refund of ours whose answer was lost, then it is found by its metadata and settled from the event', async () => {
    const { order } = await aPaidOrder(3000);
    await addFault(t, { match: 'POST /v1/refunds', kind: 'reset', phase: 'after', count: 20 });
    const res = await refund(order.id, { amount: 1000 });
    await clearFaults(t);
    expect(res.statusCode).toBe(202);
    const [atStripe] = await stripeRefundsOf(order.id);
    const event = refundEvent(atStripe!);
    const delivered = await deliverNow(event);
    expect(delivered.statusCode, delivered.body).toBe(200);
    await processQueuedWebhooks(t);

    expect(await refundRow(res.json().id)).toMatchObject({
      status: 'succeeded',
      stripeRefundId: atStripe!.id,
    });
    expect(await refundsOf(order.id)).toHaveLength(1);
    const settled = (await auditOf(res.json().id)).find((e) => e.action === 'refund.succeeded');
    expect(settled).toMatchObject({ stripeEventId: event.id, actorType: 'stripe' });
    expect(await orderRow(order.id)).toMatchObject({ amountRefunded: 1000 });
  });

  it('when Stripe reports a refund whose metadata names no refund of ours, then nothing is recorded', async () => {
    const { order } = await aPaidOrder(2000);
    const intent = (await paymentOf(order.id)).stripePaymentIntentId!;
    const foreign = await stripeFor(t).refunds.create({
      payment_intent: intent,
      amount: 300,
      metadata: { paydeck_refund_id: 'not-one-of-ours' },
    });
    expect((await deliverNow(refundEvent(foreign))).statusCode).toBe(200);
    await processQueuedWebhooks(t);
    expect(await refundsOf(order.id)).toEqual([]);

    // Metadata that only contains an id (a prefix or a suffix around it) names none either.
    const someId = crypto.randomUUID();
    for (const metadata of [`x${someId}`, `${someId}x`]) {
      const odd = await stripeFor(t).refunds.create({
        payment_intent: intent,
        amount: 100,
        metadata: { paydeck_refund_id: metadata },
      });
      const event = refundEvent(odd);
      expect((await deliverNow(event)).statusCode).toBe(200);
      await processQueuedWebhooks(t);
      const [row] = await t.database.db
        .select()
        .from(webhookEvents)
        .where(eq(webhookEvents.stripeEventId, event.id));
      expect(row!.status).toBe('ignored');
    }
    expect(await refundsOf(order.id)).toEqual([]);
  });

  it('when Stripe reports a refund of a payment Paydeck never made, then it is ignored', async () => {
    const stripe = stripeFor(t);
    // A card-only intent (this SDK version's types omit `payment_method_types`).
    const intent = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      ...{ payment_method_types: ['card'] },
    });
    const external = await stripe.refunds.create({ payment_intent: intent.id, amount: 1000 });
    const event = refundEvent(external);
    expect((await deliverNow(event)).statusCode).toBe(200);
    await processQueuedWebhooks(t);
    const [row] = await t.database.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.stripeEventId, event.id));
    expect(row!.status).toBe('ignored');
    expect(
      await t.database.db.select().from(refunds).where(eq(refunds.stripeRefundId, external.id)),
    ).toEqual([]);
  });

  it('when a stale answer would move a final refund backwards, then it is skipped', async () => {
    const { order } = await aPaidOrder(2000);
    const made = await refund(order.id, { amount: 600 });
    // Recorded failed (as Stripe can fail a refund after success); Stripe's copy still says succeeded.
    await t.database.db
      .update(refunds)
      .set({ status: 'failed' })
      .where(eq(refunds.id, made.json().id));
    const before = await refundRow(made.json().id);
    const [atStripe] = await stripeRefundsOf(order.id);
    expect((await deliverNow(refundEvent(atStripe!))).statusCode).toBe(200);
    await processQueuedWebhooks(t);
    expect(await refundRow(made.json().id)).toEqual(before);
    expect(await auditOf(made.json().id)).toHaveLength(2);
  });

  it('when Stripe reports a refund of ours, then it is followed by its metadata, not imported', async () => {
    const { order } = await aPaidOrder(2000);
    const made = await refund(order.id, { amount: 400 });
    const [atStripe] = await stripeRefundsOf(order.id);
    const event = anEvent('charge.refund.updated', atStripe as unknown as Record<string, unknown>, {
      created: Math.floor(clock.now().getTime() / 1000),
    });
    const delivered = await deliverNow(event);
    expect(delivered.statusCode, delivered.body).toBe(200);
    await processQueuedWebhooks(t);
    expect(await refundsOf(order.id)).toHaveLength(1);
    expect((await refundRow(made.json().id)).stripeRefundId).toBe(atStripe!.id);
  });
});

describe('listing refunds', () => {
  it('when refunds are listed by order, payment, status or customer, then each filter narrows the list, newest first, and pages say when more remain', async () => {
    const { order, user } = await aPaidOrder(6000);
    const ids: string[] = [];
    for (const amount of [100, 200, 300]) {
      clock.advance(1_000);
      ids.push((await refund(order.id, { amount })).json().id);
    }
    ids.reverse();
    const payment = await paymentOf(order.id);
    const list = async (query: string) => {
      const res = await api.request('GET', `/api/v1/refunds?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { data: Array<{ id: string }>; has_more: boolean };
    };
    const idsOf = (page: { data: Array<{ id: string }> }) => page.data.map((r) => r.id);

    expect(idsOf(await list(`order_id=${order.id}`))).toEqual(ids);
    expect(idsOf(await list(`payment_id=${payment.id}`))).toEqual(ids);
    expect(idsOf(await list(`customer_id=${user.id}`))).toEqual(ids);
    expect(idsOf(await list(`order_id=${order.id}&status=succeeded`))).toEqual(ids);
    expect(idsOf(await list(`order_id=${order.id}&status=failed`))).toEqual([]);
    const after = Math.floor(clock.now().getTime() / 1000) + 3_600;
    expect(idsOf(await list(`order_id=${order.id}&created_gte=${after}`))).toEqual([]);
    expect(idsOf(await list(`order_id=${order.id}&created_lte=${after}`))).toEqual(ids);

    expect(await list(`order_id=${order.id}&limit=2`)).toMatchObject({ has_more: true });
    expect(idsOf(await list(`order_id=${order.id}&limit=2`))).toEqual(ids.slice(0, 2));
    expect(await list(`order_id=${order.id}&limit=3`)).toMatchObject({ has_more: false });
    const next = await list(`order_id=${order.id}&limit=2&starting_after=${ids[1]}`);
    expect(next).toMatchObject({ has_more: false });
    expect(idsOf(next)).toEqual(ids.slice(2));

    const one = await api.request('GET', `/api/v1/refunds/${ids[0]}`);
    expect(one.json()).toMatchObject({ id: ids[0], amount: 300, order_id: order.id });
    const missing = await api.request(
      'GET',
      '/api/v1/refunds/00000000-0000-4000-8000-000000000000',
    );
    expect(missing.statusCode).toBe(404);
  });
});

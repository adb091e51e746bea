// Stripe failing while a payment is being created: 500s, timeouts, connection resets — with the
// answer lost after Stripe acted ("after") or before ("before"). Never a double charge; the sync
// job settles every payment.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { addFault, clearFaults, stripeFor } from '../helpers/stripe.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import { SYNC_PAYMENT_JOB } from '../../src/modules/payments/job-names.ts';
import { SYNC_REFUND_JOB } from '../../src/modules/refunds/job-names.ts';

let t: TestApp;
beforeAll(async () => {
  // Short timeouts so "hang" faults resolve quickly; the SDK's own retries stay on.
  t = await createTestApp({ env: { STRIPE_TIMEOUT_MS: '400', STRIPE_MAX_NETWORK_RETRIES: '2' } });
});
afterEach(() => clearFaults(t));
afterAll(() => t.close());

async function intentsOf(orderId: string) {
  return (
    await stripeFor(t).paymentIntents.search({ query: `metadata['paydeck_order_id']:'${orderId}'` })
  ).data;
}

/** Runs the sync jobs the app queued, as the worker would. */
async function runQueuedSyncs(): Promise<void> {
  for (const job of t.jobs.splice(0)) {
    if (job.name === SYNC_PAYMENT_JOB)
      await t.app.services.payments.syncPayment(
        (job.data as { paymentId: string }).paymentId,
        systemActor('test'),
      );
    if (job.name === SYNC_REFUND_JOB)
      await t.app.services.refunds.syncRefund(
        (job.data as { refundId: string }).refundId,
        systemActor('test'),
      );
  }
}

describe('Stripe fails while the PaymentIntent is created', () => {
  it.each([
    ['500 after Stripe acted', { kind: 'error_500', phase: 'after' }],
    ['timeout after Stripe acted', { kind: 'hang', phase: 'after' }],
    ['connection reset after Stripe acted', { kind: 'reset', phase: 'after' }],
    ['500 before Stripe acted', { kind: 'error_500', phase: 'before' }],
    ['connection reset before Stripe acted', { kind: 'reset', phase: 'before' }],
  ])(
    '%s: 202 unknown, then the sync job settles it with exactly one charge',
    async (_label, fault) => {
      const { client, order } = await aCustomerWithOrder(t);
      // Enough occurrences to defeat the SDK's own retries (1 + 2).
      await addFault(t, { match: 'POST /v1/payment_intents', count: 3, ...fault });
      const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
      expect(res.statusCode).toBe(202);
      expect(res.json().payment.status).toBe('unknown');
      expect(res.json().order.status).toBe('processing');
      expect(t.jobs.some((j) => j.name === SYNC_PAYMENT_JOB)).toBe(true);

      await clearFaults(t);
      // Another pay attempt while unknown cannot start a second charge.
      const second = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
      expect(second.statusCode).toBe(409);

      await runQueuedSyncs();
      const after = (await client.request('GET', `/api/orders/${order.id}`)).json();
      expect(after.status).toBe('paid');
      expect(after.payments).toHaveLength(1);
      expect(after.payments[0].status).toBe('succeeded');
      const intents = await intentsOf(order.id);
      expect(intents).toHaveLength(1);
      expect(intents[0]!.status).toBe('succeeded');
    },
  );

  it('a 500 that the SDK retries through is invisible: paid at once, one charge', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await addFault(t, {
      match: 'POST /v1/payment_intents',
      kind: 'error_500',
      phase: 'after',
      count: 1,
    });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(200);
    expect(res.json().order.status).toBe('paid');
    expect(await intentsOf(order.id)).toHaveLength(1);
  });

  it('while Stripe stays down, the sync job keeps the payment unknown (and retries), never failed', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await addFault(t, { match: '* /v1/payment_intents/**', kind: 'error_500', phase: 'before' });
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'error_500', phase: 'before' });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(202);
    const paymentId = res.json().payment.id;
    const synced = await t.app.services.payments.syncPayment(paymentId, systemActor('test'));
    expect(synced.status).toBe('unknown');
    await clearFaults(t);
    const settled = await t.app.services.payments.syncPayment(paymentId, systemActor('test'));
    expect(settled.status).toBe('succeeded');
    expect(await intentsOf(order.id)).toHaveLength(1);
  });
});

describe('Stripe fails while a refund is created', () => {
  it('the refund is unknown, then settled once by the sync job', async () => {
    const { client, order } = await aCustomerWithOrder(t, { unitAmount: 5000 });
    await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    await addFault(t, { match: 'POST /v1/refunds', kind: 'reset', phase: 'after', count: 3 });
    const { refund, httpStatus } = await t.app.services.refunds.refund(
      { orderId: order.id, amount: 2000 },
      systemActor('test'),
    );
    expect(httpStatus).toBe(202);
    expect(refund.status).toBe('unknown');
    await clearFaults(t);
    await runQueuedSyncs();
    const after = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(after.refunds[0]).toMatchObject({ status: 'succeeded', amount: 2000 });
    expect(after.amount_refunded).toBe(2000);
    const stripeRefunds = await stripeFor(t).refunds.list({
      payment_intent: after.payments[0].stripe_payment_intent_id,
    });
    expect(stripeRefunds.data).toHaveLength(1);
  });
});

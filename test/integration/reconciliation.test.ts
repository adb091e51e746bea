// Reconciliation runs against the whole system (startPaydeck: its own database, the queue, the
// simulator endpoint registered at start-up) because it sweeps every payment in the database:
// sharing the test run's database would make it reconcile other files' payments against this
// file's simulator. Workers are off, so nothing settles behind the test's back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { eq } from 'drizzle-orm';
import { payments } from '../../src/db/schema.ts';
import { registry } from '../../src/lib/metrics.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import type { TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { asTestApp, startSystem, type RunningSystem } from '../helpers/system.ts';
import { anAdmin, stripeFor } from '../helpers/webhooks.ts';
import { SUBSCRIBED_STRIPE_EVENTS } from '../../src/modules/webhooks/service.ts';

let system: RunningSystem;
let t: TestApp;
let stripe: Stripe;
beforeAll(async () => {
  system = await startSystem({ RUN_WORKERS: 'false' });
  t = asTestApp(system);
  stripe = stripeFor(t);
});
afterAll(() => system.close());

async function fault(rule: Record<string, unknown>) {
  const res = await fetch(`${system.simulatorUrl}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });
  expect(res.ok).toBe(true);
}

async function runNow() {
  const { client } = await anAdmin(t);
  const res = await client.request('POST', '/api/admin/reconciliation/run');
  expect(res.statusCode).toBe(200);
  return { client, run: res.json() };
}

describe('start-up in simulated mode', () => {
  it('when Paydeck starts, then its webhook endpoint is registered at the simulator and its secret accepted', async () => {
    const endpoints = await stripe.webhookEndpoints.list();
    const ours = endpoints.data.filter((e) => e.url === `${system.baseUrl}/webhooks/stripe`);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.enabled_events).toEqual(SUBSCRIBED_STRIPE_EVENTS);
    expect(t.app.services.webhookSecrets.all()).toHaveLength(1);
  });
});

describe('reconciliation', () => {
  it('when Stripe made a payment but its answer was lost, then reconcile settles it and records the discrepancy', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await fault({
      match: 'POST /v1/payment_intents',
      kind: 'error_500',
      phase: 'after',
      should_retry: false,
      count: 1,
    });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(202);
    expect(res.json().payment.status).toBe('unknown');
    const paymentId = res.json().payment.id as string;

    const { run } = await runNow();
    expect(run.finished_at).not.toBeNull();
    expect(run.discrepancies).toContainEqual(
      expect.objectContaining({
        object_type: 'payment',
        object_id: paymentId,
        field: 'status',
        ours: 'unknown',
        theirs: 'succeeded',
        fixed: true,
      }),
    );
    expect((await client.request('GET', `/api/orders/${order.id}`)).json().status).toBe('paid');
    // Stripe made exactly one PaymentIntent for it: the re-drive replayed the same idempotency key.
    const intents = await stripe.paymentIntents.search({
      query: `metadata['paydeck_payment_id']:'${paymentId}'`,
    });
    expect(intents.data).toHaveLength(1);

    // A second run finds nothing more about this payment.
    const { run: again } = await runNow();
    expect(
      again.discrepancies.filter((d: { object_id: string }) => d.object_id === paymentId),
    ).toEqual([]);
  });

  it('when a refund is made directly at Stripe, then it shows up as an amount_refunded discrepancy and is imported', async () => {
    const { client, order } = await aCustomerWithOrder(t, { unitAmount: 3000 });
    const paid = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(paid.json().payment.status).toBe('succeeded');
    const [payment] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.orderId, order.id));
    await stripe.refunds.create({ payment_intent: payment!.stripePaymentIntentId!, amount: 700 });

    const { client: admin, run } = await runNow();
    expect(run.discrepancies).toContainEqual(
      expect.objectContaining({
        object_type: 'payment',
        object_id: payment!.id,
        stripe_id: payment!.stripePaymentIntentId,
        field: 'amount_refunded',
        ours: '0',
        theirs: '700',
        // A refund Paydeck did not make is imported as a refund row, so the totals agree again.
        fixed: true,
      }),
    );
    const after = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(after.amount_refunded).toBe(700);
    expect(after.status).toBe('partially_refunded');
    expect(after.refunds).toEqual([expect.objectContaining({ amount: 700, status: 'succeeded' })]);
    const report = await admin.request('GET', '/api/admin/reconciliation/runs?limit=1');
    expect(report.statusCode).toBe(200);
    expect(report.json().data[0]).toMatchObject({
      id: run.id,
      discrepancy_count: run.discrepancies.length,
    });
    const text = await registry.metrics();
    expect(text).toMatch(
      /paydeck_reconciliation_discrepancies_total\{object="payment",field="amount_refunded"\} [1-9]/,
    );
    expect(text).toMatch(/paydeck_payments_unsettled\{status="unknown"\} \d+/);
  });

  it('when a refund through Paydeck lost its answer, then reconcile settles the refund', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    expect(
      (await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).json().payment.status,
    ).toBe('succeeded');
    await fault({
      match: 'POST /v1/refunds',
      kind: 'error_500',
      phase: 'after',
      should_retry: false,
      count: 1,
    });
    const { refund, httpStatus } = await t.app.services.refunds.refund(
      { orderId: order.id, amount: 1000 },
      systemActor('test'),
    );
    expect(httpStatus).toBe(202);
    expect(refund.status).toBe('unknown');

    const { run } = await runNow();
    expect(run.discrepancies).toContainEqual(
      expect.objectContaining({
        object_type: 'refund',
        object_id: refund.id,
        field: 'status',
        ours: 'unknown',
        theirs: 'succeeded',
        fixed: true,
      }),
    );
    const view = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(view).toMatchObject({ status: 'partially_refunded', amount_refunded: 1000 });
  });

  it('when a customer asks for the report, then 403', async () => {
    const { client } = await aCustomerWithOrder(t);
    expect((await client.request('GET', '/api/admin/reconciliation/runs')).statusCode).toBe(403);
  });
});

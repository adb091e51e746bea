// Reconciliation of captured amounts. Like reconciliation.test.ts it runs against a whole system
// of its own (startSystem: its own database and simulator), because a run sweeps every payment
// in the database; workers are off, so webhooks are stored but nothing settles behind the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { eq } from 'drizzle-orm';
import { payments } from '../../src/db/schema.ts';
import type { TestApp } from '../helpers/app.ts';
import { anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { aCustomerWithCard, aMerchantOrder } from '../helpers/builders.ts';
import { anAdmin, stripeFor } from '../helpers/webhooks.ts';
import { asTestApp, startSystem, type RunningSystem } from '../helpers/system.ts';

let system: RunningSystem;
let t: TestApp;
let stripe: Stripe;
let api: ApiClient;
beforeAll(async () => {
  system = await startSystem({ RUN_WORKERS: 'false' });
  t = asTestApp(system);
  stripe = stripeFor(t);
  api = (await anApiKey(t)).api;
});
afterAll(() => system.close());

async function runNow() {
  const { client } = await anAdmin(t);
  const res = await client.request('POST', '/api/admin/reconciliation/run');
  expect(res.statusCode).toBe(200);
  return res.json() as { discrepancies: Array<Record<string, unknown>> };
}

/** An 8000 manual-capture order, authorized through Paydeck; returns it and its payment row. */
async function anAuthorizedOrder() {
  const { user } = await aCustomerWithCard(t);
  const order = await aMerchantOrder(api, {
    customer_id: user.id,
    amount: 8000,
    capture_method: 'manual',
  });
  const auth = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
  expect(auth.json().order.status).toBe('authorized');
  const [payment] = await t.database.db
    .select()
    .from(payments)
    .where(eq(payments.orderId, order.id));
  expect(payment).toMatchObject({ status: 'requires_capture', amountCaptured: 0 });
  return { order, payment: payment! };
}

describe('reconciliation of captured amounts', () => {
  it('when a payment was captured in part at Stripe but not in Paydeck, then reconcile reports amount_captured drift and fixes it', async () => {
    const { order, payment } = await anAuthorizedOrder();
    // Captured in Stripe's dashboard (or by a call whose answer never came back).
    await stripe.paymentIntents.capture(payment.stripePaymentIntentId!, {
      amount_to_capture: 6000,
    });

    const run = await runNow();
    const ofPayment = run.discrepancies.filter((d) => d.object_id === payment.id);
    expect(ofPayment).toContainEqual(
      expect.objectContaining({
        object_type: 'payment',
        stripe_id: payment.stripePaymentIntentId,
        field: 'amount_captured',
        ours: '0',
        theirs: '6000',
        fixed: true,
      }),
    );
    expect(ofPayment).toContainEqual(
      expect.objectContaining({
        field: 'status',
        ours: 'requires_capture',
        theirs: 'succeeded',
        fixed: true,
      }),
    );

    const after = (await api.request('GET', `/api/v1/orders/${order.id}`)).json();
    expect(after).toMatchObject({
      status: 'paid',
      payments: [{ status: 'succeeded', amount_captured: 6000 }],
    });
    // What can be refunded now follows Stripe's capture, not the authorization.
    const refund = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 6001 },
    });
    expect(refund.json().error).toMatchObject({
      code: 'refund_exceeds_captured',
      refundable: 6000,
    });

    const again = await runNow();
    expect(again.discrepancies.filter((d) => d.object_id === payment.id)).toEqual([]);
  });

  it('when our record of a paid payment shows another captured amount than Stripe, then reconcile reports amount_captured alone and fixes it', async () => {
    const { payment } = await anAuthorizedOrder();
    const captured = await api.request('POST', `/api/v1/orders/${payment.orderId}/capture`, {
      body: { amount: 5000 },
    });
    expect(captured.json().payments[0]).toMatchObject({
      status: 'succeeded',
      amount_captured: 5000,
    });
    // A record gone wrong (a bug, a hand edit): the status agrees with Stripe, the amount does not.
    await t.database.db
      .update(payments)
      .set({ amountCaptured: 8000 })
      .where(eq(payments.id, payment.id));

    const run = await runNow();
    expect(run.discrepancies.filter((d) => d.object_id === payment.id)).toEqual([
      expect.objectContaining({
        object_type: 'payment',
        field: 'amount_captured',
        ours: '8000',
        theirs: '5000',
        fixed: true,
      }),
    ]);
    const [row] = await t.database.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(row).toMatchObject({ status: 'succeeded', amountCaptured: 5000 });
  });
});

// Settling a payment with Stripe (payments/service/sync.ts) in the cases the pay path and the jobs
// do not show: a payment left `creating` by a process that died (too young to re-drive, then
// re-driven), a re-drive that Stripe refuses or declines, an intent found by search once too old
// to replay, a webhook's intent matched through its metadata, and the browser's sync of an order.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { createTestApp, type QueuedJob, type TestApp } from '../helpers/app.ts';
import { rowReaders } from '../helpers/rows.ts';
import {
  aCustomer,
  aCustomerWithCard,
  aCustomerWithOrder,
  aMerchantOrder,
  aPaymentHangingAtStripe,
  newKey,
} from '../helpers/builders.ts';
import { anApiKey } from '../helpers/api-keys.ts';
import { eventually } from '../helpers/eventually.ts';
import {
  addFault,
  authenticate,
  cardPaymentMethod,
  clearFaults,
  stripeFor,
} from '../helpers/stripe.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { auditEntries, stripeCustomers } from '../../src/db/schema.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import {
  OFF_SESSION_RETRY_JOB,
  REDRIVE_AFTER_MS,
  REDRIVE_WINDOW_MS,
} from '../../src/modules/payments/job-names.ts';

const clock = new ManualClock(new Date());
const actor = systemActor('test');
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    clock,
    // A hung Stripe call lasts long enough (3 s) for a test to look at the payment meanwhile.
    env: { STRIPE_TIMEOUT_MS: '3000', STRIPE_MAX_NETWORK_RETRIES: '0' },
  });
});
afterEach(() => clearFaults(t));
afterAll(() => t.close());

const service = () => t.app.services.payments;
const { paymentRow, paymentsOf, auditRows } = rowReaders(() => t);
const auditOf = async (paymentId: string) =>
  (
    await t.database.db
      .select()
      .from(auditEntries)
      .where(eq(auditEntries.targetId, paymentId))
      .orderBy(asc(auditEntries.id))
  ).map((e) => e.action);
async function intentsOf(orderId: string) {
  return (
    await stripeFor(t).paymentIntents.search({
      query: `metadata['paydeck_order_id']:'${orderId}'`,
    })
  ).data;
}

/** A customer's payment whose outcome Paydeck never heard: Stripe's answer is lost or never sent. */
async function anUnknownPayment(phase: 'before' | 'after', paymentMethodId = 'pm_card_visa') {
  const { user, order } = await aCustomerWithOrder(t);
  await addFault(t, { match: 'POST /v1/payment_intents', kind: 'reset', phase, count: 20 });
  const result = await service().pay(
    { orderId: order.id, userId: user.id, paymentMethodId },
    actor,
  );
  expect(result.payment.status).toBe('unknown');
  await clearFaults(t);
  return { user, order, payment: result.payment };
}

describe('a payment whose Stripe call may not have happened', () => {
  it('when its Stripe call is still running (`creating`, under 10 seconds old), then a sync leaves it alone', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'hang', count: 20 });
    const paying = service().pay(
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_visa' },
      actor,
    );
    const [row] = await eventually(async () => {
      const rows = await paymentsOf(order.id);
      return rows.length > 0 && rows;
    });
    expect(row!.status).toBe('creating');
    clock.set(new Date(row!.createdAt.getTime() + REDRIVE_AFTER_MS - 1));
    expect(await service().syncPayment(row!.id, actor)).toMatchObject({ status: 'creating' });
    expect(await paying).toMatchObject({ httpStatus: 202, payment: { status: 'unknown' } });
    expect(await auditOf(row!.id)).toEqual(['payment.created', 'payment.outcome_unknown']);
  });

  it('when it is still `creating` 10 seconds on (its process died mid-call), then a sync re-drives it', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    // The first call never reaches Stripe and never answers; the re-drive does.
    const { paying, row } = await aPaymentHangingAtStripe(
      t,
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_visa' },
      actor,
    );
    expect(row.status).toBe('creating');
    clock.set(new Date(row.createdAt.getTime() + REDRIVE_AFTER_MS));
    expect(await service().syncPayment(row.id, actor)).toMatchObject({
      status: 'succeeded',
      stripePaymentIntentId: expect.stringMatching(/^pi_/),
    });
    await paying;
    expect((await paymentRow(row.id)).status).toBe('succeeded');
    expect(await intentsOf(order.id)).toHaveLength(1);
  });

  it('when it is `unknown`, then a sync re-drives it at once', async () => {
    const { order, payment } = await anUnknownPayment('before');
    expect(await service().syncPayment(payment.id, actor)).toMatchObject({
      status: 'succeeded',
      stripePaymentIntentId: expect.stringMatching(/^pi_/),
    });
    expect(await intentsOf(order.id)).toHaveLength(1);
  });

  it('when Stripe refuses the re-drive, then the payment is failed with its code and message', async () => {
    const stripe = stripeFor(t);
    const pm = await cardPaymentMethod(t, '4242424242424242');
    const { payment } = await anUnknownPayment('before', pm);
    // The card became unusable meanwhile: detached from a customer, it can never be used again.
    const customer = await stripe.customers.create({});
    await stripe.paymentMethods.attach(pm, { customer: customer.id });
    await stripe.paymentMethods.detach(pm);

    const synced = await service().syncPayment(payment.id, actor);
    expect(synced).toMatchObject({ status: 'failed', stripePaymentIntentId: null });
    expect(synced.failureMessage).toMatch(/may not be used again/);
    expect(synced.failureCode).not.toBeNull();
  });

  it('when Stripe is still unreachable, then the payment stays unknown and nothing is failed', async () => {
    const { payment } = await anUnknownPayment('before');
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'reset', count: 5 });
    expect(await service().syncPayment(payment.id, actor)).toMatchObject({ status: 'unknown' });
    expect((await paymentRow(payment.id)).failureCode).toBeNull();
  });

  it('when the re-drive of an off-session charge is soft-declined, then an off-session retry is scheduled', async () => {
    // A default card that attaches, then is declined with generic_decline (a soft decline).
    const { user } = await aCustomerWithCard(t, '4000000000000341');
    const order = await aMerchantOrder((await anApiKey(t)).api, {
      customer_id: user.id,
      amount: 2400,
    });
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'reset', count: 20 });
    const first = await service().pay({ orderId: order.id, userId: null, offSession: true }, actor);
    expect(first.payment.status).toBe('unknown');
    await clearFaults(t);

    const synced = await service().syncPayment(first.payment.id, actor);
    expect(synced).toMatchObject({ status: 'failed', declineCode: 'generic_decline' });
    expect(
      t.jobs.filter(
        (j: QueuedJob) =>
          j.name === OFF_SESSION_RETRY_JOB && (j.data as { orderId: string }).orderId === order.id,
      ),
    ).toEqual([
      {
        name: OFF_SESSION_RETRY_JOB,
        data: { orderId: order.id, attempt: 2, retryOf: first.payment.id },
      },
    ]);
  });

  it('when it is too old to replay and Stripe made the intent, then the intent found by search settles it', async () => {
    const { order, payment } = await anUnknownPayment('after');
    clock.set(new Date(payment.createdAt.getTime() + REDRIVE_WINDOW_MS));
    const synced = await service().syncPayment(payment.id, actor);
    const [intent] = await intentsOf(order.id);
    expect(synced).toMatchObject({ status: 'succeeded', stripePaymentIntentId: intent!.id });
    expect(await intentsOf(order.id)).toHaveLength(1);
  });

  it('when it is too old to replay and Stripe never made the intent, then it is failed as never created, and nothing is charged', async () => {
    const { order, payment } = await anUnknownPayment('before');
    clock.set(new Date(payment.createdAt.getTime() + REDRIVE_WINDOW_MS));
    expect(await service().syncPayment(payment.id, actor)).toMatchObject({
      status: 'failed',
      stripePaymentIntentId: null,
      failureCode: 'not_created',
      failureMessage: 'The payment never reached Stripe.',
    });
    expect(await intentsOf(order.id)).toEqual([]);
  });

  it('when its customer has no Stripe customer any more, then the re-drive is refused and nothing is charged', async () => {
    const { user, order, payment } = await anUnknownPayment('before');
    const [customer] = await t.database.db
      .delete(stripeCustomers)
      .where(eq(stripeCustomers.userId, user.id))
      .returning();
    await expect(service().syncPayment(payment.id, actor)).rejects.toMatchObject({
      status: 500,
      code: 'internal_error',
      message: `payment ${payment.id} has no Stripe customer`,
    });
    expect((await paymentRow(payment.id)).status).toBe('unknown');
    expect(await intentsOf(order.id)).toEqual([]);
    // Put back, so that no sweep elsewhere trips over it.
    await t.database.db.insert(stripeCustomers).values(customer!);
    expect(await service().syncPayment(payment.id, actor)).toMatchObject({ status: 'succeeded' });
  });

  it('when the re-drive of an off-session charge goes through, then it is succeeded and no retry is scheduled', async () => {
    const { user } = await aCustomerWithCard(t);
    const order = await aMerchantOrder((await anApiKey(t)).api, {
      customer_id: user.id,
      amount: 2600,
    });
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'reset', count: 20 });
    const first = await service().pay({ orderId: order.id, userId: null, offSession: true }, actor);
    expect(first.payment.status).toBe('unknown');
    await clearFaults(t);

    expect(await service().syncPayment(first.payment.id, actor)).toMatchObject({
      status: 'succeeded',
      amountCaptured: 2600,
    });
    expect(
      t.jobs.filter(
        (j: QueuedJob) =>
          j.name === OFF_SESSION_RETRY_JOB && (j.data as { orderId: string }).orderId === order.id,
      ),
    ).toEqual([]);
  });

  it('when the payment does not exist, then 404', async () => {
    await expect(
      service().syncPayment('00000000-0000-4000-8000-000000000000', actor),
    ).rejects.toMatchObject({ status: 404, message: 'Payment not found.' });
  });
});

describe('an event about an intent', () => {
  it('when our payment does not know its intent yet, then it is found by the metadata and settled; a malformed or foreign id is ignored', async () => {
    const { order, payment } = await anUnknownPayment('after');
    const [intent] = await intentsOf(order.id);
    expect((await paymentRow(payment.id)).stripePaymentIntentId).toBeNull();

    expect(await service().syncByIntentId(intent!.id, actor, undefined, 'not-a-uuid')).toBe(
      undefined,
    );
    // A payment id with more around it (another system's metadata) is not an id either.
    for (const id of [`x${payment.id}`, `${payment.id}x`])
      expect(await service().syncByIntentId(intent!.id, actor, undefined, id)).toBe(undefined);
    const other = await anUnknownPayment('after');
    const [otherIntent] = await intentsOf(other.order.id);
    await service().syncPayment(other.payment.id, actor);
    // The metadata names a payment that already has another intent: not ours to settle.
    expect(await service().syncByIntentId(intent!.id, actor, undefined, other.payment.id)).toBe(
      undefined,
    );
    expect((await paymentRow(other.payment.id)).stripePaymentIntentId).toBe(otherIntent!.id);

    const synced = await service().syncByIntentId(intent!.id, actor, 'evt_test_1', payment.id);
    expect(synced).toMatchObject({
      id: payment.id,
      status: 'succeeded',
      stripePaymentIntentId: intent!.id,
    });
    // Once known, the intent id alone finds it.
    expect(await service().syncByIntentId(intent!.id, actor)).toMatchObject({ id: payment.id });
    // Recorded as the event's doing.
    expect(
      (await auditRows(payment.id)).find((e) => e.action === 'payment.succeeded'),
    ).toMatchObject({ stripeEventId: 'evt_test_1' });
  });
  it('when a payment waiting for 3-D Secure was completed at Stripe, then the event’s sync records it paid, keeps the card asked to be kept, and names the event', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    const started = await service().pay(
      {
        orderId: order.id,
        userId: user.id,
        paymentMethodId: await cardPaymentMethod(t, '4000002760003184'),
        savePaymentMethod: true,
      },
      actor,
    );
    const waiting = started.payment;
    expect(waiting.status).toBe('requires_action');
    const intentId = waiting.stripePaymentIntentId!;
    const { client_secret } = await stripeFor(t).paymentIntents.retrieve(intentId);
    await authenticate(t, client_secret!, 'complete');

    expect(await service().syncByIntentId(intentId, actor, 'evt_test_3ds')).toMatchObject({
      id: waiting.id,
      status: 'succeeded',
    });
    const wallet = (await client.request('GET', '/api/payment-methods')).json().data as Array<{
      last4: string;
    }>;
    expect(wallet.map((card) => card.last4)).toEqual(['3184']);
    expect(
      (await auditRows(waiting.id)).find((e) => e.action === 'payment.succeeded'),
    ).toMatchObject({ stripeEventId: 'evt_test_3ds' });
  });
});

describe('the browser’s sync of an order', () => {
  it('when a stranger syncs an order, then 404; an order with no payment yet gives nothing', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    const { user: stranger } = await aCustomer(t);
    await expect(service().syncOrder(order.id, stranger.id, actor)).rejects.toMatchObject({
      status: 404,
      message: 'Order not found.',
    });
    expect(await service().syncOrder(order.id, user.id, actor)).toBeUndefined();
    await expect(
      service().syncOrder('00000000-0000-4000-8000-000000000000', null, actor),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('when the order has payments, then its latest is synced', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    await service()
      .pay(
        { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_visa_chargeDeclined' },
        actor,
      )
      .catch(() => undefined);
    clock.advance(1000);
    const second = await service().pay(
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_visa', requestKey: newKey() },
      actor,
    );
    expect(await service().syncOrder(order.id, user.id, actor)).toMatchObject({
      id: second.payment.id,
      status: 'succeeded',
    });
    // An operator (no customer) syncs any order.
    expect(await service().syncOrder(order.id, null, actor)).toMatchObject({
      id: second.payment.id,
    });
    expect(await paymentsOf(order.id)).toHaveLength(2);
  });
});

describe('the sweeper’s list', () => {
  it('when payments are unsettled, then those older than asked are listed, oldest first', async () => {
    const a = await anUnknownPayment('before');
    clock.advance(1000);
    const b = await anUnknownPayment('before');
    clock.advance(1000);
    const listed = (await service().unsettled(500, 1000)).map((p) => p.id);
    expect(listed.indexOf(a.payment.id)).toBeLessThan(listed.indexOf(b.payment.id));
    expect(listed.indexOf(a.payment.id)).toBeGreaterThanOrEqual(0);
    expect((await service().unsettled(1500, 1000)).map((p) => p.id)).not.toContain(b.payment.id);
  });
});

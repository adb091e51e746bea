// A customer's open payments closed before their account is deleted, and Stripe refusing a
// cancel (payments/service/abandon.ts, issue 10): each open status the deletion settles, cancels
// or refuses on, what is logged and audited when Stripe will not cancel, and the customer's own
// cancel where cancel-payment.test.ts does not reach it. Real database, the simulator.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { anApiKey } from '../helpers/api-keys.ts';
import {
  aCustomer,
  aCustomerWithOrder,
  aMerchantOrder,
  aPaymentHangingAtStripe,
  aProduct,
  pay,
} from '../helpers/builders.ts';
import { eventually } from '../helpers/eventually.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { addFault, authenticate, clearFaults, stripeFor } from '../helpers/stripe.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { openUser } from '../../src/db/sealed-users.ts';
import { auditEntries, payments, users } from '../../src/db/schema.ts';
import { REDRIVE_AFTER_MS } from '../../src/modules/payments/job-names.ts';

const PASSWORD = 'a-long-enough-password';
const REFUSED_LOG =
  'Stripe refused to cancel a payment waiting for 3-D Secure; settling it from Stripe';

const clock = new ManualClock(new Date());
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    clock,
    // A hung Stripe call lasts long enough (3 s) for a test to delete the account meanwhile.
    env: { STRIPE_TIMEOUT_MS: '3000', STRIPE_MAX_NETWORK_RETRIES: '0' },
  });
});
afterEach(async () => {
  await clearFaults(t);
  await simConfig({ processing_ms: 0 });
});
afterAll(() => t.close());

async function simConfig(body: Record<string, unknown>) {
  const res = await fetch(`${t.sim.url}/_sim/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulator config refused: ${await res.text()}`);
}

const deleteAccount = (client: TestClient) =>
  client.request('DELETE', '/api/account', { body: { password: PASSWORD } });

async function paymentRow(id: string) {
  const [row] = await t.database.db.select().from(payments).where(eq(payments.id, id));
  return row!;
}

async function storedUser(id: string) {
  const [row] = await t.database.db.select().from(users).where(eq(users.id, id));
  return openUser(row!);
}

const auditOf = (targetId: string, action: string) =>
  t.database.db
    .select()
    .from(auditEntries)
    .where(and(eq(auditEntries.targetId, targetId), eq(auditEntries.action, action)))
    .orderBy(asc(auditEntries.id));

/** Paydeck's cancel requests that reached the simulator for this PaymentIntent (not the Dashboard's). */
async function cancelRequests(intentId: string) {
  const path = encodeURIComponent(`/v1/payment_intents/${intentId}/cancel`);
  const res = await fetch(`${t.sim.url}/_sim/requests?method=POST&path=${path}`);
  const { data } = (await res.json()) as {
    data: Array<{ idempotency_key: string | null; status: number }>;
  };
  return data.filter((request) => request.idempotency_key?.startsWith('paydeck-'));
}

/** The JSON log lines written since `from` with this message. */
const logged = (from: number, msg: string) =>
  t.logs
    .slice(from)
    .flatMap((chunk) => chunk.split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === msg);

/** The cancel figures on /metrics, as Prometheus scrapes them. */
async function cancelFigure(outcome: 'answered' | 'refused' | 'unavailable') {
  const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  const series = `paydeck_stripe_write_outcomes_total{operation="payment_intents.cancel",outcome="${outcome}"} `;
  const line = text.split('\n').find((l) => l.startsWith(series));
  return Number(line?.slice(series.length) ?? 0);
}

/** The customer starts the 3-D Secure challenge of a payment and walks away. */
async function aWaitingPayment(client: TestClient, orderId: string) {
  const res = await pay(client, orderId, { payment_method_id: 'pm_card_authenticationRequired' });
  expect(res.json().payment.status).toBe('requires_action');
  const clientSecret = res.json().payment.client_secret as string;
  return {
    paymentId: res.json().payment.id as string,
    clientSecret,
    intentId: clientSecret.split('_secret_')[0]!,
  };
}

/** A second order of the same customer. */
async function anotherOrder(client: TestClient) {
  const product = await aProduct(t);
  const res = await client.request('POST', '/api/orders', {
    body: { items: [{ product_id: product.id, quantity: 1 }] },
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string };
}

describe('account deletion, payments waiting for 3-D Secure', () => {
  it('when two payments wait for 3-D Secure, then each is canceled at Stripe under its own key, audited as the customer, and the account is deleted', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    const first = await aWaitingPayment(client, order.id);
    clock.advance(1);
    const second = await aWaitingPayment(client, (await anotherOrder(client)).id);
    const answeredBefore = await cancelFigure('answered');

    const res = await deleteAccount(client);
    expect(res.statusCode).toBe(200);
    expect(res.json().canceled_payments).toEqual([first.paymentId, second.paymentId]);
    for (const waiting of [first, second]) {
      expect((await stripeFor(t).paymentIntents.retrieve(waiting.intentId)).status).toBe(
        'canceled',
      );
      expect(await cancelRequests(waiting.intentId)).toEqual([
        expect.objectContaining({ idempotency_key: `paydeck-cancel-${waiting.paymentId}` }),
      ]);
      expect((await paymentRow(waiting.paymentId)).status).toBe('canceled');
      const [canceled] = await auditOf(waiting.paymentId, 'payment.canceled');
      expect(canceled).toMatchObject({ actorType: 'user', actorId: user.id });
      expect(canceled!.before).toMatchObject({ status: 'requires_action' });
    }
    expect(await cancelFigure('answered')).toBe(answeredBefore + 2);
    expect((await storedUser(user.id)).name).toBe('Deleted user');
  });

  it('when Stripe cannot be reached to cancel, then 503, the payment still waits and nothing is deleted; asked again, the account is deleted', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    const { paymentId, intentId } = await aWaitingPayment(client, order.id);
    await addFault(t, {
      match: 'POST /v1/payment_intents/*/cancel',
      kind: 'error_500',
      phase: 'before',
    });

    const res = await deleteAccount(client);
    expect(res.statusCode).toBe(503);
    expect((await paymentRow(paymentId)).status).toBe('requires_action');
    expect((await storedUser(user.id)).email).toBe(user.email);
    expect((await client.request('GET', '/api/auth/session')).json().user).not.toBeNull();
    expect((await stripeFor(t).paymentIntents.retrieve(intentId)).status).toBe('requires_action');

    await clearFaults(t);
    const again = await deleteAccount(client);
    expect(again.statusCode).toBe(200);
    expect(again.json().canceled_payments).toEqual([paymentId]);
  });
});

describe('account deletion, payments whose outcome is not known yet', () => {
  it('when a payment is `creating`, then 409 payment_outcome_unknown while its call may still run; once its process is taken for dead, it is settled from Stripe, canceled, and the account deleted', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    // The first creation never reaches Stripe and never answers; the re-drive does.
    const { paying, row } = await aPaymentHangingAtStripe(t, {
      orderId: order.id,
      userId: user.id,
      paymentMethodId: 'pm_card_authenticationRequired',
    });
    expect(row.status).toBe('creating');

    const early = await deleteAccount(client);
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({
      code: 'payment_outcome_unknown',
      payments: [{ id: row.id, status: 'creating' }],
    });
    expect((await storedUser(user.id)).email).toBe(user.email);

    clock.set(new Date(row.createdAt.getTime() + REDRIVE_AFTER_MS));
    const res = await deleteAccount(client);
    expect(res.statusCode).toBe(200);
    expect(res.json().canceled_payments).toEqual([row.id]);
    const settled = await paymentRow(row.id);
    expect(settled.status).toBe('canceled');
    expect(
      (await stripeFor(t).paymentIntents.retrieve(settled.stripePaymentIntentId!)).status,
    ).toBe('canceled');
    await paying;
    expect((await paymentRow(row.id)).status).toBe('canceled');
  });

  it('when a payment is `unknown` and Stripe has it waiting for 3-D Secure, then it is settled first, then canceled, and the account is deleted', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    // Stripe made the intent; its answer was lost on the way back.
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'reset', phase: 'after' });
    const lost = await pay(client, order.id, {
      payment_method_id: 'pm_card_authenticationRequired',
    });
    expect(lost.json().payment.status).toBe('unknown');
    await clearFaults(t);
    const paymentId = lost.json().payment.id as string;

    const res = await deleteAccount(client);
    expect(res.statusCode).toBe(200);
    expect(res.json().canceled_payments).toEqual([paymentId]);
    const row = await paymentRow(paymentId);
    expect(row.status).toBe('canceled');
    expect((await stripeFor(t).paymentIntents.retrieve(row.stripePaymentIntentId!)).status).toBe(
      'canceled',
    );
  });
});

describe('account deletion, payments in flight', () => {
  it('when a payment is processing at the bank, then 409 payment_in_progress, Stripe is not asked to cancel it, and nothing is deleted', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    await simConfig({ processing_ms: 60_000 });
    const paid = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(paid.json().payment.status).toBe('processing');
    const paymentId = paid.json().payment.id as string;
    const intentId = (await paymentRow(paymentId)).stripePaymentIntentId!;

    const res = await deleteAccount(client);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'payment_in_progress',
      payments: [{ id: paymentId, status: 'processing' }],
    });
    expect(res.json().error.message).toMatch(/processed by your bank/);
    expect(await cancelRequests(intentId)).toEqual([]);
    expect((await paymentRow(paymentId)).status).toBe('processing');
    expect((await storedUser(user.id)).email).toBe(user.email);
  });
});

describe('the customer finished 3-D Secure before the deletion', () => {
  it('when the order captures at once, then the payment is recorded as paid on the customer’s behalf, Stripe is not asked to cancel, and the account is deleted', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    const { paymentId, clientSecret, intentId } = await aWaitingPayment(client, order.id);
    await authenticate(t, clientSecret, 'complete');

    const res = await deleteAccount(client);
    expect(res.statusCode).toBe(200);
    expect(res.json().canceled_payments).toEqual([]);
    expect(await cancelRequests(intentId)).toEqual([]);
    expect((await paymentRow(paymentId)).status).toBe('succeeded');
    const [succeeded] = await auditOf(paymentId, 'payment.succeeded');
    expect(succeeded).toMatchObject({ actorType: 'user', actorId: user.id });
    expect(await auditOf(paymentId, 'payment.canceled')).toEqual([]);
  });

  it('when the merchant captures later, then the authorisation is recorded, never released: 409 payment_in_progress and nothing is deleted', async () => {
    const { client, user } = await aCustomer(t);
    const { api } = await anApiKey(t, ['orders:write']);
    const order = await aMerchantOrder(api, { customer_id: user.id, capture_method: 'manual' });
    const { paymentId, clientSecret, intentId } = await aWaitingPayment(client, order.id);
    await authenticate(t, clientSecret, 'complete');

    const res = await deleteAccount(client);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'payment_in_progress',
      payments: [{ id: paymentId, status: 'requires_capture' }],
    });
    expect(await cancelRequests(intentId)).toEqual([]);
    expect((await stripeFor(t).paymentIntents.retrieve(intentId)).status).toBe('requires_capture');
    expect((await paymentRow(paymentId)).status).toBe('requires_capture');
    expect((await storedUser(user.id)).email).toBe(user.email);

    // The customer's own cancel leaves it too.
    const cancel = await client.request('POST', `/api/orders/${order.id}/cancel-payment`);
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json().error).toMatchObject({
      code: 'payment_not_cancelable',
      payment_status: 'requires_capture',
    });
    expect((await stripeFor(t).paymentIntents.retrieve(intentId)).status).toBe('requires_capture');
  });

  it('when the intent was canceled at Stripe (the Dashboard), then it is recorded canceled and listed as such, without a cancel of ours', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const { paymentId, intentId } = await aWaitingPayment(client, order.id);
    await stripeFor(t).paymentIntents.cancel(intentId);

    const res = await deleteAccount(client);
    expect(res.statusCode).toBe(200);
    expect(res.json().canceled_payments).toEqual([paymentId]);
    expect(await cancelRequests(intentId)).toEqual([]);
    expect((await paymentRow(paymentId)).status).toBe('canceled');
  });
});

/**
 * Holds our cancel at the simulator while `meanwhile` changes the intent at Stripe: what happens
 * between our reading of the intent and our cancel. The hold is a one-time latency; the rule's
 * `fired` count says our cancel has arrived and waits.
 */
async function withCancelHeld<T>(start: () => Promise<T>, meanwhile: () => Promise<unknown>) {
  await addFault(t, {
    match: 'POST /v1/payment_intents/*/cancel',
    kind: 'latency',
    latency_ms: 1000,
    count: 1,
  });
  const request = start();
  await eventually(async () => {
    const res = await fetch(`${t.sim.url}/_sim/faults`);
    return ((await res.json()) as { data: Array<{ fired: number }> }).data[0]?.fired === 1;
  });
  await meanwhile();
  return request;
}

describe('Stripe refuses the cancel', () => {
  it('when the customer finishes 3-D Secure just before it, then the refusal is logged and counted, the payment is recorded as paid on the customer’s behalf, never canceled, and the account is deleted', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    const { paymentId, clientSecret, intentId } = await aWaitingPayment(client, order.id);
    const refusedBefore = await cancelFigure('refused');
    const from = t.logs.length;

    const res = await withCancelHeld(
      () => deleteAccount(client),
      () => authenticate(t, clientSecret, 'complete'),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().canceled_payments).toEqual([]);
    expect(await cancelRequests(intentId)).toEqual([
      expect.objectContaining({
        status: 400,
        idempotency_key: `paydeck-cancel-${paymentId}`,
      }),
    ]);
    expect(logged(from, REFUSED_LOG)).toEqual([
      expect.objectContaining({
        level: 30,
        payment_id: paymentId,
        code: 'payment_intent_unexpected_state',
      }),
    ]);
    expect(await cancelFigure('refused')).toBe(refusedBefore + 1);
    expect((await stripeFor(t).paymentIntents.retrieve(intentId)).status).toBe('succeeded');
    expect((await paymentRow(paymentId)).status).toBe('succeeded');
    const [succeeded] = await auditOf(paymentId, 'payment.succeeded');
    expect(succeeded).toMatchObject({ actorType: 'user', actorId: user.id });
    expect(succeeded!.before).toMatchObject({ status: 'requires_action' });
    expect(succeeded!.stripeRequestId).toMatch(/^req_/);
    expect(await auditOf(paymentId, 'payment.canceled')).toEqual([]);
    expect((await storedUser(user.id)).name).toBe('Deleted user');
  });

  it('when the intent is canceled at Stripe just before it, then the refusal is logged and the payment listed as canceled', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const { paymentId, intentId } = await aWaitingPayment(client, order.id);
    const from = t.logs.length;

    const res = await withCancelHeld(
      () => deleteAccount(client),
      () => stripeFor(t).paymentIntents.cancel(intentId),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().canceled_payments).toEqual([paymentId]);
    expect(logged(from, REFUSED_LOG)).toEqual([expect.objectContaining({ payment_id: paymentId })]);
    expect((await paymentRow(paymentId)).status).toBe('canceled');
  });

  it('when the customer’s own cancel meets an intent canceled at Stripe just before it, then the refusal is logged and the payment answered canceled', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const { paymentId, intentId } = await aWaitingPayment(client, order.id);
    const from = t.logs.length;

    const res = await withCancelHeld(
      () => client.request('POST', `/api/orders/${order.id}/cancel-payment`),
      () => stripeFor(t).paymentIntents.cancel(intentId),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().payments[0]).toMatchObject({ id: paymentId, status: 'canceled' });
    expect(logged(from, REFUSED_LOG)).toEqual([
      expect.objectContaining({
        payment_id: paymentId,
        code: 'payment_intent_unexpected_state',
      }),
    ]);
  });
});

describe('the customer’s own cancel', () => {
  it('when the order does not exist, then 404', async () => {
    const { client } = await aCustomer(t);
    const res = await client.request('POST', `/api/orders/${randomUUID()}/cancel-payment`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found', message: 'Order not found.' });
  });

  it('when the payment’s outcome is unknown, then 409 and Stripe is not asked at all: a cancel never re-drives a charge', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'error_500', phase: 'before' });
    const pending = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(pending.json().payment.status).toBe('unknown');
    await clearFaults(t);

    const res = await client.request('POST', `/api/orders/${order.id}/cancel-payment`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'payment_not_cancelable',
      payment_status: 'unknown',
    });
    const row = await paymentRow(pending.json().payment.id);
    expect(row).toMatchObject({ status: 'unknown', stripePaymentIntentId: null });
  });

  it('when the order has no payment, then 409 payment_not_cancelable saying so, with no status', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await client.request('POST', `/api/orders/${order.id}/cancel-payment`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'payment_not_cancelable',
      message: 'This order has no payment to cancel.',
      payment_status: null,
    });
  });
});

// A manual-capture order captured in part: what was captured, not what was ordered, is what can
// be refunded and what decides between `refunded` and `partially_refunded`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithCard, aMerchantOrder, newKey } from '../helpers/builders.ts';
import { anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { stripeFor } from '../helpers/stripe.ts';
import { orders, payments } from '../../src/db/schema.ts';

let t: TestApp;
let api: ApiClient;
beforeAll(async () => {
  t = await createTestApp();
  api = (await anApiKey(t)).api;
});
afterAll(() => t.close());

/** An 8000 manual-capture order, authorized, then captured for `captured`. */
async function aPartlyCapturedOrder(captured: number) {
  const { user } = await aCustomerWithCard(t);
  const order = await aMerchantOrder(api, {
    customer_id: user.id,
    amount: 8000,
    capture_method: 'manual',
  });
  const auth = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
  expect(auth.json().order.status).toBe('authorized');
  const res = await api.request('POST', `/api/v1/orders/${order.id}/capture`, {
    body: { amount: captured },
    headers: { 'idempotency-key': newKey('cap') },
  });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({
    status: 'paid',
    amount: 8000,
    payments: [{ status: 'succeeded', amount_captured: captured }],
  });
  return order;
}

const refund = (orderId: string, body: Record<string, unknown>) =>
  api.request('POST', `/api/v1/orders/${orderId}/refunds`, { body });
const view = async (orderId: string) =>
  (await api.request('GET', `/api/v1/orders/${orderId}`)).json();

describe('refunding a partly captured order', () => {
  it('when all of the captured amount is refunded (no amount given), then the order is refunded', async () => {
    const order = await aPartlyCapturedOrder(6000);
    const res = await refund(order.id, {});
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ amount: 6000, status: 'succeeded' });
    expect(await view(order.id)).toMatchObject({
      status: 'refunded',
      amount: 8000,
      amount_refunded: 6000,
    });
    const [row] = await t.database.db.select().from(orders).where(eq(orders.id, order.id));
    expect(row).toMatchObject({ status: 'refunded', amountRefunded: 6000 });
  });

  it('when exactly the captured amount is refunded by amount, then the order is refunded and nothing more can be refunded', async () => {
    const order = await aPartlyCapturedOrder(6000);
    expect((await refund(order.id, { amount: 6000 })).statusCode).toBe(200);
    expect((await view(order.id)).status).toBe('refunded');
    const more = await refund(order.id, { amount: 1 });
    expect(more.statusCode).toBe(409);
    expect(more.json().error.code).toBe('charge_already_refunded');
    const [payment] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.orderId, order.id));
    expect(payment).toMatchObject({ amountCaptured: 6000, amountRefunded: 6000 });
    const atStripe = await stripeFor(t).refunds.list({
      payment_intent: payment!.stripePaymentIntentId!,
    });
    expect(atStripe.data.map((r) => r.amount)).toEqual([6000]);
  });

  it('when less than the captured amount is refunded, then the order is partially_refunded, and the rest makes it refunded', async () => {
    const order = await aPartlyCapturedOrder(6000);
    expect((await refund(order.id, { amount: 2500 })).statusCode).toBe(200);
    expect(await view(order.id)).toMatchObject({
      status: 'partially_refunded',
      amount_refunded: 2500,
    });
    expect((await refund(order.id, { amount: 3499 })).statusCode).toBe(200);
    expect(await view(order.id)).toMatchObject({
      status: 'partially_refunded',
      amount_refunded: 5999,
    });
    expect((await refund(order.id, { amount: 1 })).statusCode).toBe(200);
    expect(await view(order.id)).toMatchObject({ status: 'refunded', amount_refunded: 6000 });
  });

  it('when a refund asks for more than was captured (though less than ordered), then 400 and the order stays paid', async () => {
    const order = await aPartlyCapturedOrder(6000);
    const res = await refund(order.id, { amount: 7000 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'refund_exceeds_captured', refundable: 6000 });
    expect(await view(order.id)).toMatchObject({ status: 'paid', amount_refunded: 0 });
  });
});

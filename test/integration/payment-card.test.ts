// A payment remembers the card it was made with (brand, last 4, expiry), as Stripe reported it,
// so receipts and the console can name the card whether or not it is still in the wallet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { anAdmin, anApiKey } from '../helpers/api-keys.ts';
import { aCustomerWithOrder, aSavedCard, pay } from '../helpers/builders.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { authenticate, cardPaymentMethod } from '../helpers/stripe.ts';

let t: TestApp;
let admin: TestClient;
beforeAll(async () => {
  t = await createTestApp();
  admin = (await anAdmin(t)).client;
});
afterAll(() => t.close());

// cardPaymentMethod creates cards expiring in December, three years ahead.
const visa4242 = () => ({
  brand: 'visa',
  last4: '4242',
  exp_month: 12,
  exp_year: new Date().getFullYear() + 3,
});

async function orderOf(client: TestClient, orderId: string) {
  const res = await client.request('GET', `/api/orders/${orderId}`);
  expect(res.statusCode).toBe(200);
  return res.json() as { payments: Array<{ id: string; status: string; card: unknown }> };
}

describe('the card on a payment', () => {
  it('when a customer pays with a new card they did not save, then the order and receipt name the card', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const paid = await pay(client, order.id, {
      payment_method_id: await cardPaymentMethod(t, '4242424242424242'),
    });
    expect(paid.statusCode).toBe(200);
    expect(paid.json().order.payments[0].card).toEqual(visa4242());
    expect((await client.request('GET', '/api/payment-methods')).json().data).toEqual([]);

    const [payment] = (await orderOf(client, order.id)).payments;
    expect(payment).toMatchObject({ status: 'succeeded', card: visa4242() });
    const list = (await client.request('GET', '/api/orders')).json();
    expect(list.data.find((o: { id: string }) => o.id === order.id).payments[0].card).toEqual(
      visa4242(),
    );
  });

  it('when the saved card is removed from the wallet, then the receipt still names it', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const saved = await aSavedCard(t, client, '5555555555554444');
    expect((await pay(client, order.id, { payment_method_id: saved.id })).statusCode).toBe(200);
    expect((await client.request('DELETE', `/api/payment-methods/${saved.id}`)).statusCode).toBe(
      204,
    );

    const [payment] = (await orderOf(client, order.id)).payments;
    expect(payment!.card).toEqual({
      brand: 'mastercard',
      last4: '4444',
      exp_month: 12,
      exp_year: new Date().getFullYear() + 3,
    });
  });

  it('when the card is declined, then the failed payment still names the card', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const declined = await pay(client, order.id, {
      payment_method_id: await cardPaymentMethod(t, '4000000000009995'),
    });
    expect(declined.statusCode).toBe(402);
    const [payment] = (await orderOf(client, order.id)).payments;
    expect(payment).toMatchObject({ status: 'failed', card: { brand: 'visa', last4: '9995' } });
  });

  it('when 3-D Secure is completed, then the settled payment names the card', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const started = await pay(client, order.id, {
      payment_method_id: await cardPaymentMethod(t, '4000002760003184'),
    });
    expect(started.json().payment.status).toBe('requires_action');
    await authenticate(t, started.json().payment.client_secret, 'complete');
    expect((await client.request('POST', `/api/orders/${order.id}/sync`)).statusCode).toBe(200);

    const [payment] = (await orderOf(client, order.id)).payments;
    expect(payment).toMatchObject({
      status: 'succeeded',
      card: { brand: 'visa', last4: '3184', exp_month: 12 },
    });
  });

  it('when an operator or the merchant API reads the payment, then it carries the card, not only the pm_… id', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    await pay(client, order.id, {
      payment_method_id: await cardPaymentMethod(t, '4242424242424242'),
    });
    const paymentId = (await orderOf(client, order.id)).payments[0]!.id;

    const detail = (await admin.request('GET', `/api/admin/payments/${paymentId}`)).json();
    expect(detail.payment.card).toEqual(visa4242());
    const listed = (
      await admin.request(
        'GET',
        `/api/admin/payments?customer_email=${encodeURIComponent(user.email)}`,
      )
    ).json();
    expect(listed.data[0].card).toEqual(visa4242());

    const { api } = await anApiKey(t, ['payments:read'], admin);
    const merchant = await api.request('GET', `/api/v1/payments/${paymentId}`);
    expect(merchant.statusCode).toBe(200);
    expect(merchant.json().card).toEqual(visa4242());
  });
});

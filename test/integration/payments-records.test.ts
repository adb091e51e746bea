// The payment data other components read (payments/service/records.ts): the merchant API's
// payment list a page at a time, an unknown payment, the console's search by a customer's email
// or name, the outcomes the success-rate alerts count, the unsettled payments the
// `payments_unresolved` alert counts, a payment found by its Stripe intent, and a payment flagged
// disputed by Stripe's event.
//
// Other test files pay on the same database at the same time, so this file's clock runs years
// ahead (further than dashboard.test.ts's): its windows hold only its own payments.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { aCustomerWithCard, aMerchantOrder, aProduct, newKey, pay } from '../helpers/builders.ts';
import { anAdmin, anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { TestClient } from '../helpers/http-client.ts';
import { addFault, clearFaults } from '../helpers/stripe.ts';
import {
  TEST_WEBHOOK_SECRET,
  anEvent,
  deliver,
  processQueuedWebhooks,
} from '../helpers/webhooks.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';

const YEAR = 365 * 24 * 3_600_000;
const HOUR = 3_600_000;
const clock = new ManualClock(new Date(Math.floor((Date.now() + 5 * YEAR) / 60_000) * 60_000));
let t: TestApp;
let api: ApiClient;
let admin: TestClient;
beforeAll(async () => {
  t = await createTestApp({
    clock,
    env: { STRIPE_MAX_NETWORK_RETRIES: '0', STRIPE_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET },
  });
  api = (await anApiKey(t)).api;
  admin = (await anAdmin(t)).client;
});
afterEach(() => clearFaults(t));
afterAll(() => t.close());

const records = () => t.app.services.payments.records;

/** A word no other customer's name holds: the console finds a customer by whole words. */
const aNameWord = () =>
  `Q${Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('')}`;

/** A signed-in customer named `name`, and a product to order. */
async function aNamedCustomer(name = `Ada ${aNameWord()}`) {
  const client = new TestClient(t.app);
  const { user } = await client.signup(uniqueEmail('records'), undefined, name);
  return { client, user, product: await aProduct(t, 1500) };
}

/** The customer orders the product and pays with `card`, one second after the last payment. */
async function aPaymentOf(
  customer: Awaited<ReturnType<typeof aNamedCustomer>>,
  card = 'pm_card_visa',
) {
  clock.advance(1000);
  const order = await customer.client.request('POST', '/api/orders', {
    body: { items: [{ product_id: customer.product.id, quantity: 1 }] },
  });
  expect(order.statusCode, order.body).toBe(201);
  const res = await pay(customer.client, (order.json() as { id: string }).id, {
    payment_method_id: card,
  });
  const body = res.json();
  return (body.order?.payments?.[0] ?? body.error?.payment) as {
    id: string;
    status: string;
    stripe_payment_intent_id: string | null;
  };
}

const ids = (page: { data: Array<{ id: string }> }) => page.data.map((p) => p.id);

describe('merchant API: payments', () => {
  it('when a customer’s payments are listed a page at a time, then each page holds the next ones, newest first, and has_more says whether more follow', async () => {
    const customer = await aNamedCustomer();
    const first = await aPaymentOf(customer);
    const second = await aPaymentOf(customer);
    const third = await aPaymentOf(customer);
    const list = async (query: string) => {
      const res = await api.request(
        'GET',
        `/api/v1/payments?customer_id=${customer.user.id}&${query}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { data: Array<{ id: string }>; has_more: boolean };
    };

    const page1 = await list('limit=2');
    expect(ids(page1)).toEqual([third.id, second.id]);
    expect(page1.has_more).toBe(true);
    const page2 = await list(`limit=2&starting_after=${second.id}`);
    expect(ids(page2)).toEqual([first.id]);
    expect(page2.has_more).toBe(false);
    // Exactly a page's worth: nothing follows.
    const all = await list('limit=3');
    expect(ids(all)).toEqual([third.id, second.id, first.id]);
    expect(all.has_more).toBe(false);
    const one = await list('limit=1');
    expect(ids(one)).toEqual([third.id]);
    expect(one.has_more).toBe(true);
  });

  it('when a payment id is unknown, then 404 not_found naming the payment', async () => {
    const res = await api.request('GET', `/api/v1/payments/${crypto.randomUUID()}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found', message: 'Payment not found.' });
  });
});

describe('console: payment search', () => {
  it('when searching by a customer’s email or a word of their name, then only that customer’s payments come back', async () => {
    const word = aNameWord();
    const ada = await aNamedCustomer(`Ada ${word}`);
    const paid = await aPaymentOf(ada);
    const declined = await aPaymentOf(ada, 'pm_card_visa_chargeDeclinedInsufficientFunds');
    expect(declined.status).toBe('failed');
    const other = await aNamedCustomer();
    await aPaymentOf(other);
    const search = async (query: string) => {
      const res = await admin.request('GET', `/api/admin/payments?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { data: Array<{ id: string }>; total: number };
    };
    const adas = [declined.id, paid.id];

    const byEmail = await search(`customer_email=${encodeURIComponent(ada.user.email)}`);
    expect(ids(byEmail)).toEqual(adas);
    expect(byEmail.total).toBe(2);
    for (const q of [ada.user.email, word, ` ${word} `]) {
      const found = await search(`q=${encodeURIComponent(q)}`);
      expect(ids(found), q).toEqual(adas);
      expect(found.total, q).toBe(2);
    }
    // Both filters: the email's customer, narrowed by the text.
    const both = await search(
      `customer_email=${encodeURIComponent(ada.user.email)}&q=${encodeURIComponent(other.user.email)}`,
    );
    expect(both).toMatchObject({ data: [], total: 0 });
  });
});

describe('what the alert rules count', () => {
  it('when payments in a window succeed, are authorised for a later capture or are declined, then the outcomes count the first two as succeeded and the third as failed', async () => {
    clock.advance(HOUR);
    const since = clock.now();
    const customer = await aNamedCustomer();
    await aPaymentOf(customer);
    await aPaymentOf(customer, 'pm_card_visa_chargeDeclinedInsufficientFunds');
    const withCard = await aCustomerWithCard(t);
    const order = await aMerchantOrder(api, {
      customer_id: withCard.user.id,
      capture_method: 'manual',
    });
    const charge = await api.request('POST', `/api/v1/orders/${order.id}/charge`, {
      body: {},
      headers: { 'idempotency-key': newKey('charge') },
    });
    expect(charge.json().payment?.status, charge.body).toBe('requires_capture');
    clock.advance(1000);

    expect(await records().outcomes(since, clock.now())).toEqual({ succeeded: 2, failed: 1 });
  });

  it('when a payment’s outcome is lost, then it counts as unsettled from the moment it was created', async () => {
    clock.advance(HOUR);
    const { client, user, product } = await aNamedCustomer();
    const res = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 1 }] },
    });
    const order = res.json() as { id: string };
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'reset', count: 20 });
    const { payment } = await t.app.services.payments.pay(
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_visa' },
      systemActor('test'),
    );
    expect(payment.status).toBe('unknown');
    const created = payment.createdAt.getTime();

    // Other test files settle their own payments meanwhile: a difference counts only when the
    // count before this payment stood still around the count that includes it.
    let counted: number | undefined;
    for (let i = 0; i < 5 && counted === undefined; i++) {
      const before = await records().unsettledCount(new Date(created));
      const including = await records().unsettledCount(new Date(created + 1));
      if ((await records().unsettledCount(new Date(created))) === before)
        counted = including - before;
    }
    expect(counted).toBe(1);
  });
});

describe('read by other components', () => {
  it('when a payment is looked up by its Stripe intent, then that payment comes back; an unknown intent finds none', async () => {
    const payment = await aPaymentOf(await aNamedCustomer());
    expect(payment.stripe_payment_intent_id).toMatch(/^pi_/);
    const found = await records().findByIntentId(payment.stripe_payment_intent_id!);
    expect(found).toMatchObject({ id: payment.id, status: 'succeeded' });
    expect(await records().findByIntentId('pi_unknown_to_paydeck')).toBeUndefined();
  });

  it('when Stripe says the charge of a paid payment is disputed, then the payment is flagged disputed at that moment', async () => {
    const payment = await aPaymentOf(await aNamedCustomer());
    const row = (await records().find(payment.id))!;
    expect(row).toMatchObject({ status: 'succeeded', disputed: false });
    clock.advance(1000);
    const event = anEvent('charge.dispute.created', {
      id: `dp_${newKey('records').replace(/[^A-Za-z0-9]/g, '')}`,
      object: 'dispute',
      charge: row.stripeChargeId,
      payment_intent: row.stripePaymentIntentId,
      amount: 1500,
      currency: 'usd',
      status: 'needs_response',
      reason: 'fraudulent',
    });
    expect((await deliver(t, event)).statusCode).toBe(200);
    await processQueuedWebhooks(t);

    const after = (await records().find(payment.id))!;
    expect(after.disputed).toBe(true);
    expect(after.updatedAt).toEqual(clock.now());
    expect(after.status).toBe('succeeded');
  });
});

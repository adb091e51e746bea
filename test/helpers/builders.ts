// Small builders: each test makes the data it needs through the real API.
import type { TestApp } from './app.ts';
import { TestClient } from './http-client.ts';
import { uniqueEmail } from './app.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import type { ApiClient } from './api-keys.ts';
import { eq } from 'drizzle-orm';
import { payments } from '../../src/db/schema.ts';
import { eventually } from './eventually.ts';
import { addFault, cardPaymentMethod } from './stripe.ts';

let keyCounter = 0;
export const newKey = (label = 'k') =>
  `${label}-${Date.now().toString(36)}-${process.pid}-${keyCounter++}`;

export async function aProduct(t: TestApp, unitAmount = 2500, currency = 'usd') {
  return t.app.services.catalog.create(
    { name: `Product ${newKey()}`, unit_amount: unitAmount, currency },
    systemActor('test'),
  );
}

export async function aCustomer(t: TestApp) {
  const client = new TestClient(t.app);
  const { user } = await client.signup(uniqueEmail('customer'));
  return { client, user };
}

/** A signed-in customer with an open order for `quantity` × a fresh product. */
export async function aCustomerWithOrder(
  t: TestApp,
  options: { unitAmount?: number; quantity?: number; currency?: string } = {},
) {
  const { client, user } = await aCustomer(t);
  const product = await aProduct(t, options.unitAmount ?? 2500, options.currency ?? 'usd');
  const res = await client.request('POST', '/api/orders', {
    body: { items: [{ product_id: product.id, quantity: options.quantity ?? 1 }] },
  });
  if (res.statusCode !== 201) throw new Error(`order failed: ${res.statusCode} ${res.body}`);
  return {
    client,
    user,
    product,
    order: res.json() as { id: string; amount: number; currency: string; status: string },
  };
}

export function pay(
  client: TestClient,
  orderId: string,
  body: Record<string, unknown> = {},
  key = newKey('pay'),
) {
  return client.request('POST', `/api/orders/${orderId}/pay`, {
    body,
    headers: { 'idempotency-key': key },
  });
}

/**
 * A signed-in customer with a card saved as their default, as Elements would save it: a fresh
 * pm_… from a card number, then POST /api/payment-methods.
 */
export async function aCustomerWithCard(t: TestApp, number = '4242424242424242') {
  const { client, user } = await aCustomer(t);
  const card = await aSavedCard(t, client, number);
  return { client, user, card };
}

/** Saves another card to a signed-in customer's wallet. */
export async function aSavedCard(t: TestApp, client: TestClient, number: string) {
  const saved = await client.request('POST', '/api/payment-methods', {
    body: { payment_method_id: await cardPaymentMethod(t, number) },
  });
  if (saved.statusCode !== 201) throw new Error(`card failed: ${saved.statusCode} ${saved.body}`);
  return saved.json() as { id: string; brand: string; last4: string };
}

/** An order created by a merchant's backend through POST /api/v1/orders. */
export async function aMerchantOrder(api: ApiClient, body: Record<string, unknown>) {
  const res = await api.request('POST', '/api/v1/orders', {
    body: { amount: 5000, currency: 'usd', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`order failed: ${res.statusCode} ${res.body}`);
  return res.json() as {
    id: string;
    amount: number;
    currency: string;
    status: string;
    customer_id: string;
  };
}

/**
 * A payment whose creation at Stripe hangs: the simulator holds its first
 * `POST /v1/payment_intents` unanswered. `row` is the payment as recorded meanwhile (`creating`);
 * `paying` is the pay call, still waiting for Stripe.
 */
export async function aPaymentHangingAtStripe(
  t: TestApp,
  input: { orderId: string; userId: string; paymentMethodId: string },
  actor = systemActor('test'),
) {
  await addFault(t, { match: 'POST /v1/payment_intents', kind: 'hang', count: 1 });
  const paying = t.app.services.payments.pay(input, actor);
  const row = await eventually(async () => {
    const [found] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.orderId, input.orderId));
    return found;
  });
  return { paying, row };
}

// Small builders: each test makes the data it needs through the real API.
import type { TestApp } from './app.ts';
import { TestClient } from './http-client.ts';
import { uniqueEmail } from './app.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';

let keyCounter = 0;
export const newKey = (label = 'k') => `${label}-${Date.now().toString(36)}-${process.pid}-${keyCounter++}`;

export async function aProduct(t: TestApp, unitAmount = 2500, currency = 'usd') {
  return t.app.services.catalog.create({ name: `Product ${newKey()}`, unit_amount: unitAmount, currency }, systemActor('test'));
}

export async function aCustomer(t: TestApp) {
  const client = new TestClient(t.app);
  const { user } = await client.signup(uniqueEmail('customer'));
  return { client, user };
}

/** A signed-in customer with an open order for `quantity` × a fresh product. */
export async function aCustomerWithOrder(t: TestApp, options: { unitAmount?: number; quantity?: number; currency?: string } = {}) {
  const { client, user } = await aCustomer(t);
  const product = await aProduct(t, options.unitAmount ?? 2500, options.currency ?? 'usd');
  const res = await client.request('POST', '/api/orders', { body: { items: [{ product_id: product.id, quantity: options.quantity ?? 1 }] } });
  if (res.statusCode !== 201) throw new Error(`order failed: ${res.statusCode} ${res.body}`);
  return { client, user, product, order: res.json() as { id: string; amount: number; currency: string; status: string } };
}

export function pay(client: TestClient, orderId: string, body: Record<string, unknown> = {}, key = newKey('pay')) {
  return client.request('POST', `/api/orders/${orderId}/pay`, { body, headers: { 'idempotency-key': key } });
}

// The add-card limit counts cards saved, not requests: one card is a SetupIntent plus a save,
// and must count once. SetupIntents have their own, looser counter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer } from '../helpers/builders.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { cardPaymentMethod } from '../helpers/stripe.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ADD_CARD_PER_HOUR: '2' } });
});
afterAll(() => t.close());

/** What the wallet page does for one card: a SetupIntent, then saving the pm_… Stripe.js made. */
async function addCard(client: TestClient, number: string) {
  const intent = await client.request('POST', '/api/setup-intents', { body: {} });
  if (intent.statusCode !== 200) return intent;
  return client.request('POST', '/api/payment-methods', {
    body: { payment_method_id: await cardPaymentMethod(t, number) },
  });
}

describe('the add-card limit', () => {
  it('when a customer adds as many cards as the limit allows, then each is saved, and the next one is refused with 429', async () => {
    const { client } = await aCustomer(t);
    expect((await addCard(client, '4242424242424242')).statusCode).toBe(201);
    expect((await addCard(client, '5555555555554444')).statusCode).toBe(201);

    const third = await addCard(client, '4000056655665556');
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe('rate_limited');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect((await client.request('GET', '/api/payment-methods')).json().data).toHaveLength(2);
  });

  it('when a customer keeps asking for SetupIntents without saving, then they are limited too', async () => {
    const { client } = await aCustomer(t);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await client.request('POST', '/api/setup-intents', { body: {} })).statusCode);
    expect(statuses).toContain(429);
    expect(statuses.indexOf(429)).toBeGreaterThan(2);
  });
});

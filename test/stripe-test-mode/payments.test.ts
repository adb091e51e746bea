// The payment flows against Stripe's real test mode, with the same API calls as the simulator
// suite. Opt-in: set STRIPE_TEST_SECRET_KEY (sk_test_…) and optionally STRIPE_TEST_PUBLISHABLE_KEY;
// without them this file is skipped (Stripe is unreachable from CI). Flows that need the
// simulator's control API (completing 3-D Secure, injecting faults) are covered there only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, newKey, pay } from '../helpers/builders.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';

const secretKey = process.env.STRIPE_TEST_SECRET_KEY;
const publishableKey = process.env.STRIPE_TEST_PUBLISHABLE_KEY ?? 'pk_test_unused_in_api_tests';

describe.skipIf(!secretKey)('against Stripe test mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    if (!secretKey?.startsWith('sk_test_'))
      throw new Error('STRIPE_TEST_SECRET_KEY must be a test-mode key (sk_test_…).');
    t = await createTestApp({
      stripeTestMode: { secretKey, publishableKey },
      env: { STRIPE_TIMEOUT_MS: '30000' },
    });
  }, 60_000);
  afterAll(() => t?.close());

  it('a visa payment succeeds and the order is paid', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(200);
    expect(res.json().order.status).toBe('paid');
  });

  it('a decline is a 402 with the decline code and a readable message', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, {
      payment_method_id: 'pm_card_visa_chargeDeclinedInsufficientFunds',
    });
    expect(res.statusCode).toBe(402);
    expect(res.json().error).toMatchObject({
      code: 'card_declined',
      decline_code: 'insufficient_funds',
    });
  });

  it('a 3-D Secure card asks for authentication with a client secret', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, {
      payment_method_id: 'pm_card_authenticationRequired',
    });
    expect(res.json().payment.status).toBe('requires_action');
    expect(res.json().payment.client_secret).toMatch(/^pi_.+_secret_/);
  });

  it('refunds: half, then the rest; never more', async () => {
    const { client, order } = await aCustomerWithOrder(t, { unitAmount: 5000 });
    await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    await t.app.services.refunds.refund({ orderId: order.id, amount: 2500 }, systemActor('test'));
    await t.app.services.refunds.refund({ orderId: order.id }, systemActor('test'));
    const after = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(after.amount_refunded).toBe(5000);
    await expect(
      t.app.services.refunds.refund({ orderId: order.id, amount: 1 }, systemActor('test')),
    ).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });
  });

  it('an idempotent replay returns the stored response', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const key = newKey('live-replay');
    const first = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    const second = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
  });
});

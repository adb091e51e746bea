import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import {
  TEST_WEBHOOK_SECRET,
  anEvent,
  deliver,
  processQueuedWebhooks,
} from '../helpers/webhooks.ts';

const TOKEN = 'metrics-token-for-tests-0123456789';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    env: { METRICS_TOKEN: TOKEN, STRIPE_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET },
  });
});
afterAll(() => t.close());

const scrape = (authorization?: string) =>
  t.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

describe('GET /metrics', () => {
  it('when a token is configured, then a scrape without it (or with another) gets 401 in our error shape', async () => {
    const none = await scrape();
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toMatchObject({
      code: 'metrics_token_invalid',
      request_id: expect.any(String),
    });
    expect((await scrape('Bearer not-the-token')).statusCode).toBe(401);
  });

  it('after some traffic, then payment, Stripe, webhook and HTTP series are exported', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    const { order: declined } = await aCustomerWithOrder(t);
    await pay(client, declined.id, {
      payment_method_id: 'pm_card_visa_chargeDeclinedInsufficientFunds',
    });
    await deliver(t, anEvent('customer.created', { id: 'cus_metrics' }));
    await deliver(t, anEvent('customer.created', { id: 'cus_metrics' }), { secret: 'whsec_wrong' });
    await processQueuedWebhooks(t);
    await t.app.inject({ method: 'GET', url: '/no/such/page/123' });

    const res = await scrape(`Bearer ${TOKEN}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toMatch(
      /paydeck_payment_attempts_total\{currency="usd",off_session="false"\} [1-9]/,
    );
    expect(text).toMatch(
      /paydeck_payment_outcomes_total\{outcome="succeeded",currency="usd",decline_code=""\} [1-9]/,
    );
    expect(text).toMatch(/paydeck_payment_amount_minor_total\{currency="usd"\} [1-9]/);
    expect(text).toMatch(
      /paydeck_stripe_request_duration_seconds_count\{operation="payment_intents.create",outcome="ok"\} [1-9]/,
    );
    expect(text).toMatch(/paydeck_webhooks_received_total\{result="accepted"\} [1-9]/);
    expect(text).toMatch(/paydeck_webhooks_received_total\{result="bad_signature"\} [1-9]/);
    expect(text).toMatch(
      /paydeck_webhooks_processed_total\{type="customer.created",outcome="ignored"\} [1-9]/,
    );
    expect(text).toMatch(/paydeck_webhook_lag_seconds_count [1-9]/);
    // Route patterns, never raw URLs: no order id appears in any label.
    expect(text).toMatch(
      /paydeck_http_requests_total\{method="POST",route="\/api\/orders\/:id\/pay",status="2xx"\} [1-9]/,
    );
    expect(text).toMatch(
      /paydeck_http_requests_total\{method="POST",route="\/webhooks\/stripe",status="4xx"\} [1-9]/,
    );
    // The web app's fallback answers unknown paths; they are counted under one label.
    expect(text).toMatch(
      /paydeck_http_requests_total\{method="GET",route="unmatched",status="\dxx"\} [1-9]/,
    );
    expect(text).toMatch(
      /paydeck_http_request_duration_seconds_count\{method="POST",route="\/api\/orders\/:id\/pay"\} [1-9]/,
    );
    expect(text).not.toContain(order.id);
    expect(text).not.toContain('/no/such/page');
    // Node.js's own figures under their standard names (ADR 021), not paydeck_process_*.
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).not.toContain('paydeck_process_');
  });

  it('when scraped, then it says which version runs on which Node.js, and how full the database pool is', async () => {
    const text = (await scrape(`Bearer ${TOKEN}`)).body;
    expect(text).toContain(
      `paydeck_build_info{version="0.1.0",commit="",node="${process.version}"} 1`,
    );
    // The app's pool: its configured size, and connections that exist because the test ran.
    const gauge = (name: string) =>
      Number(
        text
          .split('\n')
          .find((line) => line.startsWith(`${name}{pool="app"} `))
          ?.split(' ')[1],
      );
    expect(gauge('paydeck_db_pool_max_clients')).toBe(5);
    expect(gauge('paydeck_db_pool_total_clients')).toBeGreaterThanOrEqual(1);
    expect(gauge('paydeck_db_pool_idle_clients')).toBeLessThanOrEqual(
      gauge('paydeck_db_pool_total_clients'),
    );
    expect(gauge('paydeck_db_pool_waiting_clients')).toBe(0);
  });
});

// The console dashboard's figures (issue 11, ADR 020), made through the real app: payments,
// declines, a refund and a dispute against the simulator, then GET /api/admin/dashboard.
//
// The dashboard adds up the whole database, so this file runs on a database of its own: on the
// run's shared one, another file's payment waiting for Stripe at that moment was counted here.
// Its clock also runs years ahead (what it checked before it had its own database). Figures that
// are "now" rather than "in the window" (webhook backlog, disputes open, the last reconciliation
// run) are compared as changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomer, aCustomerWithOrder, newKey, pay } from '../helpers/builders.ts';
import { anAdmin } from '../helpers/api-keys.ts';
import { eventually } from '../helpers/eventually.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { processQueuedWebhooks, stripeFor, webhooksDelivered } from '../helpers/webhooks.ts';
import { aDatabaseOfItsOwn } from '../helpers/system.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import {
  alertStates,
  reconciliationDiscrepancies,
  reconciliationRuns,
} from '../../src/db/schema.ts';

const YEAR = 365 * 24 * 3_600_000;
const clock = new ManualClock(new Date(Math.floor((Date.now() + 3 * YEAR) / 60_000) * 60_000));
let t: TestApp;
let admin: TestClient;
let own: { url: string; drop(): Promise<void> } | undefined;

beforeAll(async () => {
  own = await aDatabaseOfItsOwn('paydeck_dashboard');
  t = await createTestApp({ clock, databaseUrl: own.url });
  admin = (await anAdmin(t)).client;
  // Stripe (the simulator) delivers its events to this app, as it would in production.
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as { port: number };
  const endpoint = await stripeFor(t).webhookEndpoints.create({
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    enabled_events: ['*'],
  });
  t.app.services.webhookSecrets.add(endpoint.secret!);
});
afterAll(async () => {
  await t?.close();
  await own?.drop();
});

type Dashboard = {
  window: string;
  since: string;
  until: string;
  payments: {
    count: number;
    succeeded: number;
    failed: number;
    canceled: number;
    declined: number;
    success_rate: number | null;
    authorization_rate: number | null;
    by_currency: Array<Record<string, unknown>>;
    series: {
      bucket_seconds: number;
      points: Array<{ at: string; succeeded: number; failed: number }>;
    };
  };
  decline_reasons: Array<{ code: string; count: number }>;
  refunds: { count: number; failed: number; by_currency: Array<Record<string, unknown>> };
  disputes: { opened: number; open: number };
  stripe: {
    calls: number;
    errors: number;
    error_rate: number;
    p50_ms: number | null;
    p99_ms: number | null;
  };
  webhooks: {
    backlog: number;
    oldest_received_at: string | null;
    oldest_age_seconds: number | null;
    processed: number;
    failed: number;
    delay_p50_ms: number | null;
    delay_p99_ms: number | null;
  };
  waiting: Array<{ status: string; under_5m: number; from_5m_to_1h: number; over_1h: number }>;
  reconciliation: Record<string, unknown> | null;
  alerts: Array<{ rule_id: string; summary: string | null; since: string }>;
};

async function dashboard(window?: string): Promise<Dashboard> {
  const res = await admin.request(
    'GET',
    `/api/admin/dashboard${window ? `?window=${window}` : ''}`,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Dashboard;
}

/** A customer's order of one `unitAmount` item in `currency`, paid with `card`. */
async function aPayment(card: string, options: { unitAmount?: number; currency?: string } = {}) {
  const { client, order } = await aCustomerWithOrder(t, options);
  const res = await pay(client, order.id, { payment_method_id: card });
  return { client, order, res };
}

describe('console dashboard', () => {
  it('when nothing happened in the window, then every window answers zeros and a whole, empty series', async () => {
    for (const [window, buckets, seconds] of [
      ['1h', 12, 300],
      ['24h', 24, 3600],
      ['7d', 28, 6 * 3600],
      ['30d', 30, 86400],
    ] as const) {
      const d = await dashboard(window);
      expect(d.window).toBe(window);
      expect(d.until).toBe(clock.now().toISOString());
      expect(d.payments).toMatchObject({
        count: 0,
        succeeded: 0,
        failed: 0,
        success_rate: null,
        authorization_rate: null,
        by_currency: [],
      });
      expect(d.payments.series.bucket_seconds).toBe(seconds);
      expect(d.payments.series.points).toHaveLength(buckets);
      expect(d.payments.series.points[0]!.at).toBe(d.since);
      expect(d.decline_reasons).toEqual([]);
      expect(d.refunds).toEqual({ count: 0, failed: 0, by_currency: [] });
      expect(d.stripe).toEqual({ calls: 0, errors: 0, error_rate: 0, p50_ms: null, p99_ms: null });
      expect(d.waiting.map((w) => [w.status, w.under_5m, w.from_5m_to_1h])).toEqual([
        ['creating', 0, 0],
        ['unknown', 0, 0],
        ['requires_action', 0, 0],
      ]);
    }
    expect((await dashboard()).window).toBe('24h');
  });

  it('when payments succeed, fail, are declined, refunded and disputed, then each figure counts them, and the window filters them', async () => {
    const before = await dashboard('1h');
    const [visa, , euro] = [
      await aPayment('pm_card_visa'),
      await aPayment('pm_card_mastercard'),
      await aPayment('pm_card_visa', { unitAmount: 3000, currency: 'eur' }),
    ];
    for (const { res } of [visa, euro]) expect(res.json().payment.status).toBe('succeeded');
    for (const card of [
      'pm_card_visa_chargeDeclinedInsufficientFunds',
      'pm_card_visa_chargeDeclined',
      'pm_card_chargeDeclinedExpiredCard',
    ]) {
      const { res } = await aPayment(card);
      expect(res.statusCode).toBe(402);
    }
    // 3-D Secure: one waits for the customer; the other customer fails the challenge, which
    // fails the payment without any card being declined.
    const challenged = await aPayment('pm_card_authenticationRequired');
    expect(challenged.res.json().payment.status).toBe('requires_action');
    const abandoned = await aPayment('pm_card_authenticationRequired');
    const intentId = (abandoned.res.json().payment.client_secret as string).split('_secret_')[0];
    expect((await fetch(`${t.sim.url}/_sim/3ds/${intentId}/fail`, { method: 'POST' })).ok).toBe(
      true,
    );
    const { client: abandonedClient } = abandoned;
    const synced = await abandonedClient.request('POST', `/api/orders/${abandoned.order.id}/sync`);
    expect(synced.json().payment.status, synced.body).toBe('failed');
    // Succeeds, then the cardholder disputes it (charge.dispute.created, by webhook).
    const disputed = await aPayment('pm_card_createDispute');
    expect(disputed.res.json().payment.status).toBe('succeeded');

    const refund = await admin.request('POST', `/api/admin/orders/${visa.order.id}/refunds`, {
      body: { amount: 1000, reason: 'requested_by_customer' },
    });
    expect(refund.statusCode, refund.body).toBe(200);

    // Stripe's events are stored on arrival and processed by a job: a backlog until then.
    await webhooksDelivered(t);
    const waitingEvents = t.jobs.filter((j) => j.name === 'webhooks.process').length;
    expect(waitingEvents).toBeGreaterThan(0);
    const backlogged = await dashboard('1h');
    expect(backlogged.webhooks.backlog).toBeGreaterThanOrEqual(
      before.webhooks.backlog + waitingEvents,
    );
    expect(backlogged.webhooks.oldest_age_seconds).toBeGreaterThanOrEqual(0);
    clock.advance(3_000);
    await processQueuedWebhooks(t);
    // Windows end now, exclusive: what was recorded at this very instant shows a moment later.
    clock.advance(1_000);

    const d = await dashboard('1h');
    // Success: 4 of 4 + 4 failed. Authorisation: 4 of 4 + 3 declined (the failed 3-D Secure
    // check asked no card).
    expect(d.payments).toMatchObject({
      count: 9,
      succeeded: 4,
      failed: 4,
      canceled: 0,
      declined: 3,
      success_rate: 0.5,
      authorization_rate: 0.5714,
    });
    expect(d.payments.by_currency).toEqual([
      { currency: 'eur', count: 1, amount: 3000, succeeded_count: 1, succeeded_amount: 3000 },
      { currency: 'usd', count: 8, amount: 20_000, succeeded_count: 3, succeeded_amount: 7500 },
    ]);
    const series = d.payments.series.points;
    expect(series.reduce((n, p) => n + p.succeeded, 0)).toBe(4);
    expect(series.reduce((n, p) => n + p.failed, 0)).toBe(4);
    // Everything happened in the window's last five minutes.
    expect(series.at(-1)).toMatchObject({ succeeded: 4, failed: 4 });
    expect(d.decline_reasons).toEqual([
      { code: 'expired_card', count: 1 },
      { code: 'generic_decline', count: 1 },
      { code: 'insufficient_funds', count: 1 },
    ]);
    expect(d.refunds).toEqual({
      count: 1,
      failed: 0,
      by_currency: [{ currency: 'usd', count: 1, amount: 1000 }],
    });
    expect(d.disputes.opened).toBe(1);
    expect(d.disputes.open).toBeGreaterThanOrEqual(1);
    expect(d.waiting.find((w) => w.status === 'requires_action')).toMatchObject({
      under_5m: 1,
      from_5m_to_1h: 0,
    });
    // Every event was received at one instant of this clock and processed 3 s later.
    expect(d.webhooks.processed).toBeGreaterThanOrEqual(waitingEvents);
    expect(d.webhooks).toMatchObject({ failed: 0, delay_p50_ms: 3000, delay_p99_ms: 3000 });
    expect(d.webhooks.backlog).toBeLessThan(backlogged.webhooks.backlog);

    // Stripe's calls reach the database with the next flush (every 5 s).
    const stripe = await eventually(async () => {
      const { stripe } = await dashboard('1h');
      return stripe.calls > 0 && stripe;
    }, 250);
    expect(stripe.errors).toBe(0);
    expect(stripe.error_rate).toBe(0);
    expect(stripe.p50_ms).toBeGreaterThan(0);
    expect(stripe.p99_ms).toBeGreaterThanOrEqual(stripe.p50_ms!);

    // Two hours on: the last hour is empty, the last day still holds everything.
    clock.advance(2 * 3_600_000);
    admin = (await anAdmin(t)).client; // the operator's session idled out meanwhile
    const hourLater = await dashboard('1h');
    expect(hourLater.payments.count).toBe(0);
    expect(hourLater.decline_reasons).toEqual([]);
    expect(hourLater.refunds.count).toBe(0);
    expect(hourLater.disputes.opened).toBe(0);
    expect(hourLater.stripe.calls).toBe(0);
    expect(hourLater.waiting.find((w) => w.status === 'requires_action')).toMatchObject({
      under_5m: 0,
      from_5m_to_1h: 0,
    });
    const day = await dashboard('24h');
    expect(day.payments).toMatchObject({ count: 9, succeeded: 4, failed: 4, declined: 3 });
    expect(day.refunds.count).toBe(1);
    expect(day.stripe.calls).toBe(stripe.calls);
    const filled = day.payments.series.points.filter((p) => p.succeeded + p.failed > 0);
    expect(filled).toHaveLength(1);
    expect(filled[0]).toMatchObject({ succeeded: 4, failed: 4 });
  }, 120_000);

  it('when the last reconciliation run left drift and an alert fires, then the dashboard shows both', async () => {
    const [run] = await t.database.db
      .insert(reconciliationRuns)
      .values({
        startedAt: clock.now(),
        finishedAt: clock.now(),
        paymentsChecked: 3,
        discrepancies: 2,
      })
      .returning();
    await t.database.db.insert(reconciliationDiscrepancies).values(
      [true, false].map((fixed) => ({
        runId: run!.id,
        objectType: 'payment' as const,
        objectId: crypto.randomUUID(),
        field: 'status',
        ours: 'unknown',
        theirs: 'succeeded',
        fixed,
      })),
    );
    const ruleId = `test_rule_${newKey('alert').replace(/-/g, '_')}`;
    await t.database.db.insert(alertStates).values({
      ruleId,
      state: 'firing',
      since: clock.now(),
      summary: 'Success rate 40 % over 15 minutes',
      evaluatedAt: clock.now(),
    });
    try {
      const d = await dashboard('24h');
      // Other test files may finish a run of their own meanwhile; then theirs is the last.
      expect(d.reconciliation!.run_id).toBeGreaterThanOrEqual(run!.id);
      if (d.reconciliation!.run_id === run!.id)
        expect(d.reconciliation).toMatchObject({
          discrepancies: 2,
          unfixed: 1,
          error: null,
          started_at: clock.now().toISOString(),
        });
      expect(d.alerts).toContainEqual({
        rule_id: ruleId,
        summary: 'Success rate 40 % over 15 minutes',
        since: clock.now().toISOString(),
      });
    } finally {
      await t.database.db.delete(alertStates).where(eq(alertStates.ruleId, ruleId));
    }
  });

  it('when the window is not one of 1h, 24h, 7d, 30d or the query has other fields, then 400 in our error shape', async () => {
    for (const query of ['window=2h', 'window=', 'window=1H', 'window=24h&extra=1', 'since=0']) {
      const res = await admin.request('GET', `/api/admin/dashboard?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json(), query).toMatchObject({
        error: {
          code: expect.any(String),
          message: expect.any(String),
          request_id: expect.any(String),
        },
      });
    }
  });

  it('when a customer or nobody asks, then the dashboard is refused', async () => {
    const { client } = await aCustomer(t);
    expect((await client.request('GET', '/api/admin/dashboard')).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/dashboard' })).statusCode).toBe(
      401,
    );
  });
});

// What a reconciliation run reports about itself: the objects it checked, the ones it left alone
// because their Stripe call may still be in flight, the ones Stripe could not answer about, the
// fields that differ, and the report that lists the runs. Like reconciliation.test.ts it runs
// against a whole system of its own (startSystem), because a run sweeps every payment in the
// database; workers are off, so nothing settles behind the test's back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { eq, sql } from 'drizzle-orm';
import { payments, refunds } from '../../src/db/schema.ts';
import { registry } from '../../src/lib/metrics.ts';
import { allJobs } from '../../src/server/runtime.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import { RECONCILE_JOB } from '../../src/modules/reconciliation/service.ts';
import type { TestApp } from '../helpers/app.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { asTestApp, startSystem, type RunningSystem } from '../helpers/system.ts';
import { anAdmin, stripeFor } from '../helpers/webhooks.ts';
import type { components } from '../../web/src/types/generated/api.ts';

// The operator API's own types, generated from its schemas (npm run api:types).
type Run = components['schemas']['ReconciliationRun'];

let system: RunningSystem;
let t: TestApp;
let stripe: Stripe;
let admin: TestClient;
beforeAll(async () => {
  system = await startSystem({ RUN_WORKERS: 'false' });
  t = asTestApp(system);
  stripe = stripeFor(t);
  admin = (await anAdmin(t)).client;
});
afterAll(() => system.close());
afterEach(async () => {
  await fetch(`${system.simulatorUrl}/_sim/faults`, { method: 'DELETE' });
});

async function runNow(): Promise<Run> {
  const res = await admin.request('POST', '/api/admin/reconciliation/run');
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Run;
}

/** A paid order; returns its payment row. */
async function aPaidPayment(unitAmount = 2500) {
  const { client, order } = await aCustomerWithOrder(t, { unitAmount });
  const paid = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
  expect(paid.json().payment.status).toBe('succeeded');
  const [payment] = await t.database.db
    .select()
    .from(payments)
    .where(eq(payments.orderId, order.id));
  return { client, order, payment: payment! };
}

const about = (run: Run, objectId: string) =>
  run.discrepancies.filter((d) => d.object_id === objectId);

async function metric(line: RegExp): Promise<number | undefined> {
  const match = line.exec(await registry.metrics());
  return match ? Number(match[1]) : undefined;
}

describe('a reconciliation run', () => {
  it('when every record agrees with Stripe, then the run counts what it checked and reports no discrepancy and no error', async () => {
    const before = await runNow();
    expect(before.error).toBeNull();
    const { order } = await aPaidPayment();
    const refunded = await t.app.services.refunds.refund(
      { orderId: order.id, amount: 500 },
      systemActor('test'),
    );
    expect(refunded.refund.status).toBe('succeeded');

    const run = await runNow();
    // One more payment and one more refund to check than the run before; nothing differs.
    expect(run.payments_checked).toBe(before.payments_checked + 1);
    expect(run.refunds_checked).toBe(before.refunds_checked + 1);
    expect(run).toMatchObject({ error: null, discrepancy_count: 0, discrepancies: [] });
    expect(run.id).toBeGreaterThan(before.id);
    expect(Date.parse(run.finished_at!)).toBeGreaterThanOrEqual(Date.parse(run.started_at));
  });

  it('when a payment has been `creating` for less than 10 s, then the run leaves it alone; once older, it settles it from Stripe', async () => {
    const baseline = await runNow();
    const { payment } = await aPaidPayment();
    // The row as it is while its Stripe call is still in flight. The status trigger only allows
    // forward transitions, so it is turned off for this one hand edit.
    await t.database.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx
        .update(payments)
        .set({ status: 'creating', createdAt: new Date() })
        .where(eq(payments.id, payment.id));
    });

    const young = await runNow();
    expect(young.payments_checked).toBe(baseline.payments_checked);
    expect(about(young, payment.id)).toEqual([]);
    expect(await metric(/^paydeck_payments_unsettled\{status="creating"\} (\d+)$/m)).toBe(1);
    expect(await metric(/^paydeck_payments_unsettled\{status="unknown"\} (\d+)$/m)).toBe(0);

    await t.database.db
      .update(payments)
      .set({ createdAt: new Date(Date.now() - 60_000) })
      .where(eq(payments.id, payment.id));
    const old = await runNow();
    expect(old.payments_checked).toBe(baseline.payments_checked + 1);
    expect(about(old, payment.id)).toEqual([
      expect.objectContaining({
        object_type: 'payment',
        stripe_id: payment.stripePaymentIntentId,
        field: 'status',
        ours: 'creating',
        theirs: 'succeeded',
        fixed: true,
      }),
    ]);
    const [row] = await t.database.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(row!.status).toBe('succeeded');
    expect(await metric(/^paydeck_payments_unsettled\{status="creating"\} (\d+)$/m)).toBe(0);
  });

  it('when a refund has been `creating` for less than 10 s, then the run leaves it alone; once older, it settles it from Stripe', async () => {
    const { order } = await aPaidPayment();
    const { refund } = await t.app.services.refunds.refund(
      { orderId: order.id, amount: 400 },
      systemActor('test'),
    );
    expect(refund.status).toBe('succeeded');
    const baseline = await runNow();
    await t.database.db
      .update(refunds)
      .set({ status: 'creating', createdAt: new Date() })
      .where(eq(refunds.id, refund.id));

    const young = await runNow();
    expect(young.refunds_checked).toBe(baseline.refunds_checked - 1);
    expect(about(young, refund.id)).toEqual([]);

    await t.database.db
      .update(refunds)
      .set({ createdAt: new Date(Date.now() - 60_000) })
      .where(eq(refunds.id, refund.id));
    const old = await runNow();
    expect(old.refunds_checked).toBe(baseline.refunds_checked);
    expect(about(old, refund.id)).toEqual([
      expect.objectContaining({
        object_type: 'refund',
        stripe_id: refund.stripeRefundId,
        field: 'status',
        ours: 'creating',
        theirs: 'succeeded',
        fixed: true,
      }),
    ]);
  });

  it('when Stripe cannot answer about one refund, then the run records which one', async () => {
    const { order } = await aPaidPayment();
    const { refund } = await t.app.services.refunds.refund(
      { orderId: order.id, amount: 600 },
      systemActor('test'),
    );
    expect(refund.stripeRefundId).toBeTruthy();
    const rule = await fetch(`${system.simulatorUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        match: `GET /v1/refunds/${refund.stripeRefundId}`,
        kind: 'error_500',
        should_retry: false,
      }),
    });
    expect(rule.ok).toBe(true);

    const run = await runNow();
    const prefix = `1 object(s) not checked; first: refund ${refund.id}: `;
    expect(run.error?.startsWith(prefix), String(run.error)).toBe(true);
  });

  it('when Stripe cannot answer about one payment, then the run checks the others and records the error; the next run checks it', async () => {
    const failing = await aPaidPayment(3100);
    const drifting = await aPaidPayment(3200);
    for (const { payment } of [failing, drifting])
      await stripe.refunds.create({ payment_intent: payment.stripePaymentIntentId!, amount: 300 });
    const rule = await fetch(`${system.simulatorUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        match: `GET /v1/payment_intents/${failing.payment.stripePaymentIntentId}`,
        kind: 'error_500',
        should_retry: false,
      }),
    });
    expect(rule.ok).toBe(true);

    const run = await runNow();
    const prefix = `1 object(s) not checked; first: payment ${failing.payment.id}: `;
    expect(run.error?.startsWith(prefix), String(run.error)).toBe(true);
    expect(run.error!.length).toBeGreaterThan(prefix.length);
    expect(about(run, failing.payment.id)).toEqual([]);
    expect(about(run, drifting.payment.id)).toEqual([
      expect.objectContaining({ field: 'amount_refunded', ours: '0', theirs: '300', fixed: true }),
    ]);

    await fetch(`${system.simulatorUrl}/_sim/faults`, { method: 'DELETE' });
    const next = await runNow();
    expect(next.error).toBeNull();
    expect(about(next, failing.payment.id)).toEqual([
      expect.objectContaining({ field: 'amount_refunded', ours: '0', theirs: '300', fixed: true }),
    ]);
    expect(about(next, drifting.payment.id)).toEqual([]);
  });

  it('when our refund is still pending but Stripe finished it, then the run reports the refund status and settles it', async () => {
    const { order } = await aPaidPayment();
    const { refund } = await t.app.services.refunds.refund(
      { orderId: order.id, amount: 700 },
      systemActor('test'),
    );
    expect(refund.status).toBe('succeeded');
    // The record as it was before Stripe's answer (or its webhook) was applied.
    await t.database.db.update(refunds).set({ status: 'pending' }).where(eq(refunds.id, refund.id));
    const counted = await metric(
      /^paydeck_reconciliation_discrepancies_total\{object="refund",field="status"\} (\d+)$/m,
    );

    const run = await runNow();
    expect(about(run, refund.id)).toEqual([
      {
        id: expect.any(Number),
        object_type: 'refund',
        object_id: refund.id,
        stripe_id: refund.stripeRefundId,
        field: 'status',
        ours: 'pending',
        theirs: 'succeeded',
        fixed: true,
      },
    ]);
    expect(run.discrepancy_count).toBe(run.discrepancies.length);
    const [row] = await t.database.db.select().from(refunds).where(eq(refunds.id, refund.id));
    expect(row!.status).toBe('succeeded');
    expect(
      await metric(
        /^paydeck_reconciliation_discrepancies_total\{object="refund",field="status"\} (\d+)$/m,
      ),
    ).toBe((counted ?? 0) + 1);
  });

  it('when our record says disputed and Stripe does not, then the run reports the disputed field, not fixed: the sync never clears the flag', async () => {
    const { payment } = await aPaidPayment();
    await t.database.db.update(payments).set({ disputed: true }).where(eq(payments.id, payment.id));
    try {
      const run = await runNow();
      expect(about(run, payment.id)).toEqual([
        expect.objectContaining({
          object_type: 'payment',
          stripe_id: payment.stripePaymentIntentId,
          field: 'disputed',
          ours: 'true',
          theirs: 'false',
          fixed: false,
        }),
      ]);
      const [row] = await t.database.db.select().from(payments).where(eq(payments.id, payment.id));
      expect(row!.disputed).toBe(true);
    } finally {
      // Other tests expect runs without drift.
      await t.database.db
        .update(payments)
        .set({ disputed: false })
        .where(eq(payments.id, payment.id));
    }
  });
});

describe('the report', () => {
  it('when runs are listed, then newest first, each with its own discrepancies only, 10 by default', async () => {
    const { payment } = await aPaidPayment();
    await stripe.refunds.create({ payment_intent: payment.stripePaymentIntentId!, amount: 100 });
    const drifted = await runNow();
    const quiet = await runNow();
    expect(about(drifted, payment.id)).toHaveLength(1);
    expect(quiet.discrepancies).toEqual([]);

    const two = await admin.request('GET', '/api/admin/reconciliation/runs?limit=2');
    expect(two.statusCode).toBe(200);
    expect(two.json().data).toEqual([quiet, drifted]);

    while (
      ((await admin.request('GET', '/api/admin/reconciliation/runs?limit=11')).json().data as Run[])
        .length < 11
    )
      await runNow();
    const page = (await admin.request('GET', '/api/admin/reconciliation/runs')).json()
      .data as Run[];
    expect(page).toHaveLength(10);
    const ids = page.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });
});

describe('the scheduled job', () => {
  it('when the job runs, then it records a run; it is scheduled every ten minutes and not retried', async () => {
    const job = allJobs(t.app).find((j) => j.name === RECONCILE_JOB)!;
    expect(job).toMatchObject({ schedule: '*/10 * * * *', retryLimit: 0 });
    const [latest] = (await admin.request('GET', '/api/admin/reconciliation/runs?limit=1')).json()
      .data as Run[];
    await job.handler({} as never, { id: 'test-job', retryCount: 0 } as never);
    const [after] = (await admin.request('GET', '/api/admin/reconciliation/runs?limit=1')).json()
      .data as Run[];
    expect(after!.id).toBeGreaterThan(latest?.id ?? 0);
    expect(after!.finished_at).not.toBeNull();
  });
});

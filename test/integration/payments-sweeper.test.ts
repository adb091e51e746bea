// The payments' jobs (payments/jobs.ts) worked through the handlers the worker runs: the sweeper
// that settles every payment and refund a crash or an outage left `creating`/`unknown`, the sync job of a payment whose Stripe call is still running, and
// who the audit log says acted (the sweeper, the sync job, the off-session retry job).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import {
  aCustomerWithCard,
  aCustomerWithOrder,
  aMerchantOrder,
  aPaymentHangingAtStripe,
} from '../helpers/builders.ts';
import { anApiKey } from '../helpers/api-keys.ts';
import { addFault, clearFaults, stripeFor } from '../helpers/stripe.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { auditEntries, payments, refunds, stripeCustomers } from '../../src/db/schema.ts';
import { REDRIVE_AFTER_MS as REFUND_REDRIVE_AFTER_MS } from '../../src/modules/refunds/job-names.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import {
  OFF_SESSION_RETRY_JOB,
  REDRIVE_AFTER_MS,
  SETTLE_STALE_JOB,
  SYNC_PAYMENT_JOB,
} from '../../src/modules/payments/job-names.ts';
import { allJobs } from '../../src/server/runtime.ts';
import { aDatabaseOfItsOwn } from '../helpers/system.ts';

// A database of its own: the sweeper settles whatever is stale anywhere in it, so on the run's
// shared one it would settle other files' payments, and theirs this file's.
const clock = new ManualClock(new Date());
const actor = systemActor('test');
let own: { url: string; drop(): Promise<void> } | undefined;
let t: TestApp;
beforeAll(async () => {
  own = await aDatabaseOfItsOwn('paydeck_sweeper');
  t = await createTestApp({
    clock,
    // A hung Stripe call lasts long enough (3 s) for a test to look at the payment meanwhile.
    env: { STRIPE_TIMEOUT_MS: '3000', STRIPE_MAX_NETWORK_RETRIES: '0' },
    databaseUrl: own.url,
  });
}, 60_000);
afterEach(() => clearFaults(t));
afterAll(async () => {
  await t?.close();
  await own?.drop();
});

const job = (name: string) => allJobs(t.app).find((j) => j.name === name)!;
const sweep = () => job(SETTLE_STALE_JOB).handler({} as never, { id: 'test-sweep', retryCount: 0 });
async function refundRow(id: string) {
  const [row] = await t.database.db.select().from(refunds).where(eq(refunds.id, id));
  return row!;
}
async function paymentRow(id: string) {
  const [row] = await t.database.db.select().from(payments).where(eq(payments.id, id));
  return row!;
}
/** Who the audit log says made the payment's change `action`. */
async function auditedActor(paymentId: string, action: string) {
  const entries = await t.database.db
    .select()
    .from(auditEntries)
    .where(eq(auditEntries.targetId, paymentId));
  const entry = entries.find((e) => e.action === action);
  return entry && { type: entry.actorType, id: entry.actorId };
}
/** The JSON log lines written since `from` with this message. */
const logged = (from: number, msg: string) =>
  t.logs
    .slice(from)
    .flatMap((chunk) => chunk.split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === msg);

/** A customer's payment whose Stripe answer was lost: `unknown`, with no intent (none was made). */
async function anUnknownPayment() {
  const { user, order } = await aCustomerWithOrder(t);
  await addFault(t, { match: 'POST /v1/payment_intents', kind: 'reset', count: 20 });
  const result = await t.app.services.payments.pay(
    { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_visa' },
    actor,
  );
  expect(result.payment.status).toBe('unknown');
  await clearFaults(t);
  return { user, order, payment: result.payment };
}

describe('the sweeper', () => {
  it('when a payment was left unknown past the re-drive delay, then the sweep settles it and says how many it settled', async () => {
    const { payment } = await anUnknownPayment();
    const other = await anUnknownPayment();
    clock.advance(REDRIVE_AFTER_MS - 1);
    // Under the re-drive delay: not yet the sweeper's.
    await sweep();
    expect((await paymentRow(payment.id)).status).toBe('unknown');

    clock.advance(2);
    const from = t.logs.length;
    await sweep();
    expect(await paymentRow(payment.id)).toMatchObject({
      status: 'succeeded',
      stripePaymentIntentId: expect.stringMatching(/^pi_/),
    });
    expect(logged(from, 'unsettled payments swept')).toEqual([
      expect.objectContaining({ settled: 2, failed: 0 }),
    ]);
    expect(await auditedActor(payment.id, 'payment.succeeded')).toEqual({
      type: 'system',
      id: 'sweeper',
    });
    expect((await paymentRow(other.payment.id)).status).toBe('succeeded');
  });

  it('when one payment cannot be settled, then the sweep goes on with the next and counts the failure', async () => {
    const broken = await anUnknownPayment();
    // A payment that cannot be re-driven: its customer's Stripe customer is gone.
    const [customer] = await t.database.db
      .delete(stripeCustomers)
      .where(eq(stripeCustomers.userId, broken.user.id))
      .returning();
    clock.advance(1000);
    const { payment } = await anUnknownPayment();
    clock.advance(REDRIVE_AFTER_MS + 1);

    const from = t.logs.length;
    await sweep();
    expect((await paymentRow(payment.id)).status).toBe('succeeded');
    expect((await paymentRow(broken.payment.id)).status).toBe('unknown');
    expect(logged(from, 'sweeper could not settle a payment')).toEqual([
      expect.objectContaining({ payment_id: broken.payment.id }),
    ]);
    expect(logged(from, 'unsettled payments swept')).toEqual([
      expect.objectContaining({ settled: 1, failed: 1 }),
    ]);
    // Its customer back: the next sweep settles it.
    await t.database.db.insert(stripeCustomers).values(customer!);
    await sweep();
    expect((await paymentRow(broken.payment.id)).status).toBe('succeeded');
  });

  it('when Stripe is still unreachable, then the payment stays unknown and the sweep reports nothing settled', async () => {
    const { payment } = await anUnknownPayment();
    clock.advance(REDRIVE_AFTER_MS + 1);
    await addFault(t, { match: 'POST /v1/payment_intents', kind: 'reset', count: 20 });
    const from = t.logs.length;
    await sweep();
    expect((await paymentRow(payment.id)).status).toBe('unknown');
    expect(logged(from, 'unsettled payments swept')).toEqual([]);

    await clearFaults(t);
    await sweep();
    expect((await paymentRow(payment.id)).status).toBe('succeeded');
  });

  it('when a refund was left unknown (its answer lost after Stripe acted), then the sweep settles it after the re-drive delay, once at Stripe', async () => {
    const { user } = await aCustomerWithCard(t);
    const { api } = await anApiKey(t);
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 4000 });
    const charged = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(charged.json().order.status, charged.body).toBe('paid');
    await addFault(t, { match: 'POST /v1/refunds', kind: 'reset', phase: 'after', count: 20 });
    const res = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 500 },
    });
    await clearFaults(t);
    expect(res.statusCode).toBe(202);
    const refundId = res.json().id as string;

    // Younger than the re-drive delay: still its own request's or job's.
    await sweep();
    expect((await refundRow(refundId)).status).toBe('unknown');
    clock.advance(REFUND_REDRIVE_AFTER_MS + 1_000);
    await sweep();
    expect(await refundRow(refundId)).toMatchObject({
      status: 'succeeded',
      stripeRefundId: expect.stringMatching(/^re_/),
    });
    const [payment] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.orderId, order.id));
    const intent = payment!.stripePaymentIntentId!;
    const atStripe = await stripeFor(t).refunds.list({ payment_intent: intent });
    expect(atStripe.data.map((r) => r.amount)).toEqual([500]);
  });
});

describe('the payment sync job', () => {
  it('when the payment’s Stripe call is still running, then the job fails so that it is tried again, and a later try settles it as the job’s', async () => {
    const { user, order } = await aCustomerWithOrder(t);
    const { paying, row } = await aPaymentHangingAtStripe(
      t,
      { orderId: order.id, userId: user.id, paymentMethodId: 'pm_card_visa' },
      actor,
    );
    expect(row.status).toBe('creating');
    await expect(
      job(SYNC_PAYMENT_JOB).handler({ paymentId: row.id } as never, {
        id: 'test-sync',
        retryCount: 0,
      }),
    ).rejects.toThrow(`payment ${row.id} still creating`);
    expect(await paying).toMatchObject({ payment: { status: 'unknown' } });

    // Once Stripe answers, the job settles it, and the audit log names the job.
    await job(SYNC_PAYMENT_JOB).handler({ paymentId: row.id } as never, {
      id: 'test-sync-2',
      retryCount: 1,
    });
    expect((await paymentRow(row.id)).status).toBe('succeeded');
    expect(await auditedActor(row.id, 'payment.succeeded')).toEqual({
      type: 'system',
      id: 'sync-job',
    });
  });
});

describe('the off-session retry job', () => {
  it('when it runs, then the new attempt is made and audited as the retry job’s', async () => {
    // A default card that attaches, then is declined with generic_decline (a soft decline).
    const { user } = await aCustomerWithCard(t, '4000000000000341');
    const { api } = await anApiKey(t);
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 1800 });
    const charged = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(charged.statusCode).toBe(402);
    const queued = t.jobs.find(
      (j) =>
        j.name === OFF_SESSION_RETRY_JOB && (j.data as { orderId: string }).orderId === order.id,
    )!;
    await job(OFF_SESSION_RETRY_JOB).handler(queued.data as never, {
      id: 'test-retry',
      retryCount: 0,
    });
    const rows = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.orderId, order.id))
      .orderBy(payments.attempt);
    expect(rows.map((p) => p.attempt)).toEqual([1, 2]);
    expect(await auditedActor(rows[1]!.id, 'payment.created')).toEqual({
      type: 'system',
      id: 'off-session-retry',
    });
  });
});

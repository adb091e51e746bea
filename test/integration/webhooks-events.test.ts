// Webhook events beyond the payment intent: refunds (on their own and embedded in
// charge.refunded), the sweep that re-queues events whose job was lost, what intake counts and
// answers for each kind of delivery, and the event shape errors. Jobs run through their real
// handlers (t.runJobs); Stripe is the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { eq } from 'drizzle-orm';
import { payments, refunds, webhookEvents } from '../../src/db/schema.ts';
import { registry } from '../../src/lib/metrics.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import { PROCESS_WEBHOOK_JOB, SWEEP_WEBHOOKS_JOB } from '../../src/modules/webhooks/service.ts';
import { WebhookSecrets } from '../../src/modules/webhooks/secrets.ts';
import { allJobs } from '../../src/server/runtime.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { TEST_WEBHOOK_SECRET, anEvent, deliver, stripeFor } from '../helpers/webhooks.ts';

let t: TestApp;
let stripe: Stripe;
beforeAll(async () => {
  t = await createTestApp({ env: { STRIPE_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET } });
  stripe = stripeFor(t);
});
afterAll(() => t.close());

const storedEvent = async (id: string) =>
  (await t.database.db.select().from(webhookEvents).where(eq(webhookEvents.stripeEventId, id)))[0];

/** Runs the processing jobs of these events through the real job handler. */
async function processEvents(...ids: string[]) {
  const runs = await t.runJobs(
    (job) =>
      job.name === PROCESS_WEBHOOK_JOB && ids.includes((job.data as { eventId: string }).eventId),
  );
  expect(runs.map((r) => r.ok)).toEqual(ids.map(() => true));
}

/** A paid order with a refund of 500 made through Paydeck; returns the rows and Stripe's refund. */
async function aRefundedPayment() {
  const { client, order } = await aCustomerWithOrder(t, { unitAmount: 4000 });
  expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(200);
  const { refund } = await t.app.services.refunds.refund(
    { orderId: order.id, amount: 500 },
    systemActor('test'),
  );
  expect(refund.status).toBe('succeeded');
  const [payment] = await t.database.db
    .select()
    .from(payments)
    .where(eq(payments.orderId, order.id));
  const atStripe = await stripe.refunds.retrieve(refund.stripeRefundId!);
  return { payment: payment!, refund, atStripe };
}

async function counter(name: string, labels: string): Promise<number> {
  const line = (await registry.metrics())
    .split('\n')
    .find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('refund events', () => {
  it('when a refund event arrives about a refund our record still shows pending, then processing settles it', async () => {
    const { refund, atStripe } = await aRefundedPayment();
    await t.database.db.update(refunds).set({ status: 'pending' }).where(eq(refunds.id, refund.id));
    const event = anEvent('refund.updated', atStripe as unknown as Record<string, unknown>);
    expect((await deliver(t, event)).statusCode).toBe(200);
    await processEvents(event.id);
    expect(await storedEvent(event.id)).toMatchObject({ status: 'processed', lastError: null });
    const [row] = await t.database.db.select().from(refunds).where(eq(refunds.id, refund.id));
    expect(row!.status).toBe('succeeded');
  });

  it('when a refund event carries no refund id, then it is ignored', async () => {
    const event = anEvent('refund.created', { object: 'refund', amount: 100, status: 'succeeded' });
    await deliver(t, event);
    await processEvents(event.id);
    expect(await storedEvent(event.id)).toMatchObject({ status: 'ignored' });
  });

  it('when charge.refunded embeds the charge refunds, then each one with an id is settled', async () => {
    const { payment, refund, atStripe } = await aRefundedPayment();
    await t.database.db.update(refunds).set({ status: 'pending' }).where(eq(refunds.id, refund.id));
    const event = anEvent('charge.refunded', {
      id: payment.stripeChargeId,
      object: 'charge',
      payment_intent: { id: payment.stripePaymentIntentId },
      status: 'succeeded',
      amount_captured: payment.amountCaptured,
      refunds: { object: 'list', data: [atStripe, { object: 'refund', amount: 1 }] },
    });
    await deliver(t, event);
    await processEvents(event.id);
    expect(await storedEvent(event.id)).toMatchObject({ status: 'processed' });
    const [row] = await t.database.db.select().from(refunds).where(eq(refunds.id, refund.id));
    expect(row!.status).toBe('succeeded');
  });

  it('when a charge event names no payment intent, or a payment_intent event no intent, then it is ignored', async () => {
    const charge = anEvent('charge.succeeded', { id: 'ch_orphan', object: 'charge' });
    const intent = anEvent('payment_intent.succeeded', { object: 'payment_intent' });
    await deliver(t, charge);
    await deliver(t, intent);
    await processEvents(charge.id, intent.id);
    expect(await storedEvent(charge.id)).toMatchObject({ status: 'ignored' });
    expect(await storedEvent(intent.id)).toMatchObject({ status: 'ignored' });
  });
});

describe('processing', () => {
  it('when an event id is unknown, then processing answers 404 Webhook event not found', async () => {
    await expect(t.app.services.webhooks.process('evt_never_stored')).rejects.toMatchObject({
      status: 404,
      message: 'Webhook event not found.',
    });
  });

  it("when asked for a payment's timeline, then the events about its objects come by arrival; none for no object", async () => {
    const first = anEvent('customer.created', { id: 'cus_timeline', object: 'customer' });
    const second = anEvent('customer.updated', { id: 'cus_timeline', object: 'customer' });
    await deliver(t, first);
    await deliver(t, second);
    const events = await t.app.services.webhooks.eventsAbout(['cus_timeline', 'cus_nobody']);
    expect(events.map((e) => e.stripeEventId)).toEqual([first.id, second.id]);
    expect(await t.app.services.webhooks.eventsAbout([])).toEqual([]);
  });
});

describe('the sweep', () => {
  it('when a stored event is still `received` after 5 minutes, then the sweep queues it again; fresh or processed ones are left', async () => {
    const stale = anEvent('customer.created', { id: 'cus_sweep_stale', object: 'customer' });
    const fresh = anEvent('customer.created', { id: 'cus_sweep_fresh', object: 'customer' });
    const done = anEvent('customer.created', { id: 'cus_sweep_done', object: 'customer' });
    for (const e of [stale, fresh, done]) await deliver(t, e);
    await processEvents(done.id);
    // Their jobs were lost (a crash between storing and sending).
    const mine = (id: string) =>
      t.jobs.filter((j) => (j.data as { eventId?: string }).eventId === id);
    for (const e of [stale, fresh])
      for (const job of mine(e.id)) t.jobs.splice(t.jobs.indexOf(job), 1);
    const sixMinutesAgo = new Date(Date.now() - 6 * 60_000);
    for (const e of [stale, done])
      await t.database.db
        .update(webhookEvents)
        .set({ receivedAt: sixMinutesAgo })
        .where(eq(webhookEvents.stripeEventId, e.id));

    const sweep = allJobs(t.app).find((j) => j.name === SWEEP_WEBHOOKS_JOB)!;
    expect(sweep).toMatchObject({ schedule: '*/5 * * * *' });
    await sweep.handler({} as never, { id: 'test-sweep', retryCount: 0 } as never);

    expect(mine(stale.id)).toEqual([{ name: PROCESS_WEBHOOK_JOB, data: { eventId: stale.id } }]);
    expect(mine(stale.id)[0]!.options).toEqual({ singletonKey: stale.id });
    expect(mine(fresh.id)).toEqual([]);
    expect(mine(done.id)).toEqual([]);
    await processEvents(stale.id);
    expect(await storedEvent(stale.id)).toMatchObject({ status: 'ignored' });
  });
});

describe('intake', () => {
  it('when deliveries are accepted, duplicated, unsigned or wrongly signed, then each is counted by result', async () => {
    const before = {
      accepted: await counter('paydeck_webhooks_received_total', 'result="accepted"'),
      duplicate: await counter('paydeck_webhooks_received_total', 'result="duplicate"'),
      bad: await counter('paydeck_webhooks_received_total', 'result="bad_signature"'),
      malformed: await counter('paydeck_webhooks_received_total', 'result="malformed"'),
    };
    const event = anEvent('customer.created', { id: 'cus_counted', object: 'customer' });
    await deliver(t, event);
    await deliver(t, event);
    const unsigned = await deliver(t, event, { signature: null });
    expect(unsigned.statusCode).toBe(400);
    expect(unsigned.json().error).toMatchObject({
      code: 'webhook_signature_missing',
      message: 'The Stripe-Signature header is missing.',
      field: 'stripe-signature',
    });
    expect((await deliver(t, event, { secret: 'whsec_not_ours' })).statusCode).toBe(400);
    const { id: _id, ...withoutId } = anEvent('customer.created', { id: 'cus_no_id' });
    expect((await deliver(t, withoutId)).statusCode).toBe(400);

    expect(await counter('paydeck_webhooks_received_total', 'result="accepted"')).toBe(
      before.accepted + 1,
    );
    expect(await counter('paydeck_webhooks_received_total', 'result="duplicate"')).toBe(
      before.duplicate + 1,
    );
    expect(await counter('paydeck_webhooks_received_total', 'result="bad_signature"')).toBe(
      before.bad + 2,
    );
    expect(await counter('paydeck_webhooks_received_total', 'result="malformed"')).toBe(
      before.malformed + 1,
    );
  });

  it('when a body signed with our secret is not an event at all, then 400 webhook_event_invalid, counted as malformed, not as forged', async () => {
    const before = {
      bad: await counter('paydeck_webhooks_received_total', 'result="bad_signature"'),
      malformed: await counter('paydeck_webhooks_received_total', 'result="malformed"'),
    };
    const { data: _data, ...withoutData } = anEvent('customer.created', { id: 'cus_no_data' });
    const withoutObject = { ...anEvent('customer.created', {}), data: { object: null } };
    for (const [body, field] of [
      ['null', 'event'],
      ['[]', 'event'],
      ['"an event"', 'event'],
      [JSON.stringify(withoutData), 'data'],
      [JSON.stringify(withoutObject), 'data.object'],
    ] as const) {
      const res = await deliver(t, body);
      expect(res.statusCode, body).toBe(400);
      expect(res.json().error, body).toMatchObject({ code: 'webhook_event_invalid', field });
      expect((res.json().error.message as string).startsWith(`The event's ${field} `), body).toBe(
        true,
      );
    }
    expect(await counter('paydeck_webhooks_received_total', 'result="bad_signature"')).toBe(
      before.bad,
    );
    expect(await counter('paydeck_webhooks_received_total', 'result="malformed"')).toBe(
      before.malformed + 5,
    );
  });

  it('when a signed event has a field missing, of the wrong type or holding a NUL, then 400 naming the field', async () => {
    const { id: _id, ...withoutId } = anEvent('customer.created', { id: 'cus_shape' });
    const missing = await deliver(t, withoutId);
    expect(missing.json().error).toMatchObject({
      code: 'webhook_event_invalid',
      message: "The event's id is missing.",
      field: 'id',
    });
    const wrongType = await deliver(t, {
      ...anEvent('customer.created', {}),
      created: 'yesterday',
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error).toMatchObject({
      code: 'webhook_event_invalid',
      field: 'created',
    });
    expect(wrongType.json().error.message).toMatch(/^The event's created \S.*\.$/);
    const nul = await deliver(t, anEvent('customer.created', { id: 'cus_nul', name: 'a\u0000b' }));
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error).toMatchObject({
      code: 'invalid_characters',
      message:
        "The event's data.object.name holds a NUL character or an unpaired surrogate, which cannot be stored.",
      field: 'data.object.name',
    });
  });
});

describe('the accepted secrets', () => {
  it('when a secret is added twice or empty, then each accepted secret is listed once', () => {
    const secrets = new WebhookSecrets(['whsec_a', 'whsec_a']);
    secrets.add('');
    secrets.add('whsec_a');
    secrets.add('whsec_b');
    expect(secrets.all()).toEqual(['whsec_a', 'whsec_b']);
  });
});

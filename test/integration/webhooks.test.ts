import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { and, eq } from 'drizzle-orm';
import { auditEntries, disputes, payments, webhookEvents } from '../../src/db/schema.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { metrics } from '../../src/lib/metrics.ts';

/** paydeck_disputes_opened_total in usd, as this process counted it. */
async function disputesOpened(): Promise<number> {
  const { values } = await metrics.disputesOpened.get();
  return values.find((v) => v.labels.currency === 'usd')?.value ?? 0;
}
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { addFault, clearFaults } from '../helpers/stripe.ts';
import {
  TEST_WEBHOOK_SECRET,
  anAdmin,
  anEvent,
  deliver,
  processQueuedWebhooks,
  stripeFor,
  webhooksDelivered,
} from '../helpers/webhooks.ts';

const ROTATED_SECRET = 'whsec_paydeck_tests_rotated';

let t: TestApp;
let stripe: Stripe;
beforeAll(async () => {
  t = await createTestApp({
    env: { STRIPE_WEBHOOK_SECRETS: `${TEST_WEBHOOK_SECRET},${ROTATED_SECRET}` },
  });
  stripe = stripeFor(t);
});
afterAll(() => t.close());

const storedEvents = (id: string) =>
  t.database.db.select().from(webhookEvents).where(eq(webhookEvents.stripeEventId, id));
const storedEvent = async (id: string) => (await storedEvents(id))[0];

/** A payment waiting for 3-D Secure, then authenticated at Stripe without us being told. */
async function aPaymentAuthenticatedBehindOurBack() {
  const { client, order } = await aCustomerWithOrder(t);
  const res = await pay(client, order.id, { payment_method_id: 'pm_card_authenticationRequired' });
  expect(res.json().payment.status).toBe('requires_action');
  const intentId = (res.json().payment.client_secret as string).split('_secret_')[0]!;
  const done = await fetch(`${t.sim.url}/_sim/3ds/${intentId}/complete`, { method: 'POST' });
  expect(done.ok).toBe(true);
  return { client, order, intentId, paymentId: res.json().payment.id as string };
}

/** Every event Stripe created about one PaymentIntent, oldest first. */
async function eventsAbout(intentId: string) {
  const list = await stripe.events.list({ limit: 100 });
  return list.data
    .filter((e) => (e.data.object as { id?: string }).id === intentId)
    .sort((a, b) => a.created - b.created);
}

describe('webhook intake', () => {
  it('when a validly signed event arrives, then 200 {received: true}, it is stored once and queued', async () => {
    const event = anEvent('customer.created', { id: 'cus_intake1', object: 'customer' });
    const res = await deliver(t, event);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true });
    const rows = await storedEvents(event.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: 'customer.created',
      objectId: 'cus_intake1',
      status: 'received',
      attempts: 0,
    });
    expect(rows[0]!.payload).toMatchObject({
      id: event.id,
      data: { object: { id: 'cus_intake1' } },
    });
    expect(rows[0]!.stripeCreatedAt.getTime()).toBe(event.created * 1000);
    expect(t.jobs).toContainEqual({ name: 'webhooks.process', data: { eventId: event.id } });
    await processQueuedWebhooks(t);
  });

  it('when the signature is wrong or missing, then 400 in our error shape and nothing is stored', async () => {
    const event = anEvent('payment_intent.succeeded', {
      id: 'pi_forged',
      object: 'payment_intent',
    });
    const forged = await deliver(t, event, { secret: 'whsec_not_ours' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error).toMatchObject({
      code: 'webhook_signature_invalid',
      request_id: expect.any(String),
    });
    const unsigned = await deliver(t, event, { signature: null });
    expect(unsigned.statusCode).toBe(400);
    expect(unsigned.json().error.code).toBe('webhook_signature_missing');
    // A body changed after signing fails too: the signature covers the exact bytes.
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: JSON.stringify(event),
      secret: TEST_WEBHOOK_SECRET,
    });
    const tampered = await deliver(t, JSON.stringify({ ...event, type: 'charge.refunded' }), {
      signature: header,
    });
    expect(tampered.statusCode).toBe(400);
    expect(await storedEvents(event.id)).toHaveLength(0);
    expect(t.jobs.filter((j) => j.name === 'webhooks.process')).toHaveLength(0);
  });

  it('when the signature timestamp is older than 300 s, then 400', async () => {
    const event = anEvent('customer.created', { id: 'cus_stale' });
    const res = await deliver(t, event, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('webhook_signature_invalid');
    expect(await storedEvents(event.id)).toHaveLength(0);
  });

  it('when the same event is delivered twice, then both get 200, it is stored once and processed once', async () => {
    const event = anEvent('customer.updated', { id: 'cus_dup' });
    expect((await deliver(t, event)).statusCode).toBe(200);
    expect((await deliver(t, event)).statusCode).toBe(200);
    expect(await storedEvents(event.id)).toHaveLength(1);
    expect(await processQueuedWebhooks(t)).toEqual([event.id]);
    // A second run of the job (pg-boss may run a job twice) does nothing more.
    await t.app.services.webhooks.process(event.id);
    expect(await storedEvent(event.id)).toMatchObject({ status: 'ignored', attempts: 1 });
  });

  it('when an event type is unknown to us, then it is stored, acknowledged and marked ignored', async () => {
    const event = anEvent('invoice.finalized', { id: 'in_123', object: 'invoice' });
    expect((await deliver(t, event)).statusCode).toBe(200);
    await processQueuedWebhooks(t);
    expect(await storedEvent(event.id)).toMatchObject({
      status: 'ignored',
      attempts: 1,
      lastError: null,
    });
  });

  it('when secrets are being rotated, then an event signed with either secret is accepted', async () => {
    const event = anEvent('customer.created', { id: 'cus_rotated' });
    expect((await deliver(t, event, { secret: ROTATED_SECRET })).statusCode).toBe(200);
    // A secret added at run time (as start-up does for the simulator's endpoint) is accepted too.
    const added = anEvent('customer.created', { id: 'cus_added' });
    expect((await deliver(t, added, { secret: 'whsec_added_at_runtime' })).statusCode).toBe(400);
    t.app.services.webhookSecrets.add('whsec_added_at_runtime');
    expect((await deliver(t, added, { secret: 'whsec_added_at_runtime' })).statusCode).toBe(200);
    await processQueuedWebhooks(t);
  });

  it('when one IP keeps sending unverifiable requests, then it gets 429 with Retry-After, while signed events still pass', async () => {
    const ip = '203.0.113.77';
    const event = anEvent('customer.created', { id: 'cus_flood' });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++)
      statuses.push((await deliver(t, event, { secret: 'whsec_attacker', ip })).statusCode);
    expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true);
    const limited = await deliver(t, event, { secret: 'whsec_attacker', ip });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await deliver(t, event, { ip })).statusCode).toBe(200);
    await processQueuedWebhooks(t);
  });
});

describe('webhook processing', () => {
  it('when events about a payment arrive in reverse order, then the payment ends in the same state as in order', async () => {
    const reversed = await aPaymentAuthenticatedBehindOurBack();
    const inOrder = await aPaymentAuthenticatedBehindOurBack();
    for (const [subject, order] of [
      [reversed, (e: Stripe.Event[]) => [...e].reverse()],
      [inOrder, (e: Stripe.Event[]) => e],
    ] as const) {
      const events = await eventsAbout(subject.intentId);
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining([
          'payment_intent.created',
          'payment_intent.requires_action',
          'payment_intent.succeeded',
        ]),
      );
      for (const e of order(events)) expect((await deliver(t, e)).statusCode).toBe(200);
      await processQueuedWebhooks(t);
      const view = (await subject.client.request('GET', `/api/orders/${subject.order.id}`)).json();
      expect(view.status).toBe('paid');
      expect(view.payments[0]).toMatchObject({
        status: 'succeeded',
        amount_captured: subject.order.amount,
      });
      for (const e of events) expect((await storedEvent(e.id))!.status).toBe('processed');
    }
    // The audit trail names the Stripe event that settled the payment.
    const [entry] = await t.database.db
      .select()
      .from(auditEntries)
      .where(
        and(
          eq(auditEntries.targetId, reversed.paymentId),
          eq(auditEntries.action, 'payment.succeeded'),
        ),
      );
    expect(entry!.actorType).toBe('stripe');
    expect(entry!.stripeEventId).toMatch(/^evt_/);
  });

  it('when events only repeat what the pay request recorded, then they are settled without asking Stripe again', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.json().payment.status).toBe('succeeded');
    const intentId = res.json().order.payments[0].stripe_payment_intent_id as string;
    const events = await eventsAbout(intentId);
    const charges = (
      await stripe.events.list({ limit: 100, type: 'charge.succeeded' })
    ).data.filter((e) => (e.data.object as Stripe.Charge).payment_intent === intentId);
    expect(events.map((e) => e.type)).toContain('payment_intent.succeeded');
    expect(charges).toHaveLength(1);
    await fetch(`${t.sim.url}/_sim/requests`, { method: 'DELETE' });
    for (const e of [...events, ...charges]) expect((await deliver(t, e)).statusCode).toBe(200);
    await processQueuedWebhooks(t);
    for (const e of [...events, ...charges])
      expect((await storedEvent(e.id))!.status).toBe('processed');
    const reads = (await (
      await fetch(`${t.sim.url}/_sim/requests?method=GET&path=/v1/payment_intents/${intentId}`)
    ).json()) as { data: unknown[] };
    expect(reads.data).toEqual([]);
    const view = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(view.status).toBe('paid');
  });

  it('when an event says more than what is recorded, then Stripe is asked and the payment follows', async () => {
    // Paid, then the payment row is made to disagree with Stripe (as if an answer had been lost):
    // the succeeded event no longer matches it, so the processing must re-read Stripe.
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    const paymentId = res.json().payment.id as string;
    const intentId = res.json().order.payments[0].stripe_payment_intent_id as string;
    await t.database.db
      .update(payments)
      .set({ amountCaptured: 1 })
      .where(eq(payments.id, paymentId));
    await fetch(`${t.sim.url}/_sim/requests`, { method: 'DELETE' });
    const [succeeded] = (await eventsAbout(intentId)).filter(
      (e) => e.type === 'payment_intent.succeeded',
    );
    expect((await deliver(t, succeeded!)).statusCode).toBe(200);
    await processQueuedWebhooks(t);
    const reads = (await (
      await fetch(`${t.sim.url}/_sim/requests?method=GET&path=/v1/payment_intents/${intentId}`)
    ).json()) as { data: unknown[] };
    expect(reads.data.length).toBeGreaterThan(0);
    expect(await storedEvent(succeeded!.id)).toMatchObject({ status: 'processed' });
    const view = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(view.payments[0]).toMatchObject({ status: 'succeeded', amount_captured: order.amount });
  });

  it('when processing fails, then the event is marked failed with the error, and the job throws so it is retried', async () => {
    const { intentId } = await aPaymentAuthenticatedBehindOurBack();
    const [succeeded] = (await eventsAbout(intentId)).filter(
      (e) => e.type === 'payment_intent.succeeded',
    );
    expect((await deliver(t, succeeded!)).statusCode).toBe(200);
    const rule = (await (
      await fetch(`${t.sim.url}/_sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          match: 'GET /v1/payment_intents/:id',
          kind: 'error_500',
          should_retry: false,
          count: 10,
        }),
      })
    ).json()) as { id: string };
    await expect(processQueuedWebhooks(t)).rejects.toThrow();
    expect(await storedEvent(succeeded!.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.any(String),
    });
    await fetch(`${t.sim.url}/_sim/faults/${rule.id}`, { method: 'DELETE' });
    await t.app.services.webhooks.process(succeeded!.id); // pg-boss's retry
    expect(await storedEvent(succeeded!.id)).toMatchObject({
      status: 'processed',
      attempts: 2,
      lastError: null,
    });
  });
});

describe('webhook processing, many events at once', () => {
  it('when several events are processed together and one fails, then each is recorded with its own outcome, as process() answered it', async () => {
    const { intentId } = await aPaymentAuthenticatedBehindOurBack();
    const [failing] = (await eventsAbout(intentId)).filter(
      (e) => e.type === 'payment_intent.succeeded',
    );
    const others = Array.from({ length: 6 }, (_, i) =>
      anEvent('customer.updated', { id: `cus_many_${i}`, object: 'customer' }),
    );
    for (const event of [failing!, ...others])
      expect((await deliver(t, event)).statusCode).toBe(200);
    await addFault(t, {
      match: 'GET /v1/payment_intents/:id',
      kind: 'error_500',
      should_retry: false,
      count: 10,
    });
    // As a worker runs a fetched batch: all at once, so reads and outcome writes are grouped.
    const answers = await Promise.allSettled(
      [failing!, ...others].map((e) => t.app.services.webhooks.process(e.id)),
    );
    await clearFaults(t);

    expect(answers.map((a) => a.status)).toEqual(['rejected', ...others.map(() => 'fulfilled')]);
    expect(await storedEvent(failing!.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.any(String),
      processedAt: null,
    });
    for (const [i, event] of others.entries()) {
      const stored = await storedEvent(event.id);
      expect(stored).toMatchObject({ status: 'ignored', attempts: 1, lastError: null });
      expect(stored!.processedAt).toBeInstanceOf(Date);
      expect((answers[i + 1] as PromiseFulfilledResult<object>).value).toEqual(stored);
    }
  });
});

describe('webhooks delivered by Stripe to a listening app', () => {
  let endpointId: string;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address() as { port: number };
    const endpoint = await stripe.webhookEndpoints.create({
      url: `http://127.0.0.1:${address.port}/webhooks/stripe`,
      enabled_events: ['*'],
    });
    endpointId = endpoint.id;
    t.app.services.webhookSecrets.add(endpoint.secret!);
  });
  afterAll(async () => {
    await stripe.webhookEndpoints.del(endpointId);
  });

  it('when 3-D Secure is completed at Stripe and nobody calls sync, then the webhook makes the order paid', async () => {
    const { client, order, intentId } = await aPaymentAuthenticatedBehindOurBack();
    await webhooksDelivered(t);
    const deliveries = (await (
      await fetch(`${t.sim.url}/_sim/webhooks/deliveries?endpoint=${endpointId}`)
    ).json()) as {
      data: Array<{ status: number; type: string }>;
    };
    expect(deliveries.data.length).toBeGreaterThan(0);
    expect(deliveries.data.every((d) => d.status === 200)).toBe(true);
    expect((await client.request('GET', `/api/orders/${order.id}`)).json().status).toBe(
      'requires_action',
    );
    await processQueuedWebhooks(t);
    const view = (await client.request('GET', `/api/orders/${order.id}`)).json();
    expect(view.status).toBe('paid');
    expect(view.payments[0].stripe_payment_intent_id).toBe(intentId);
  });

  it('when the card is disputed, then a dispute row exists and the payment is flagged disputed', async () => {
    const openedBefore = await disputesOpened();
    const { client, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_createDispute' });
    expect(res.json().payment.status).toBe('succeeded');
    await webhooksDelivered(t);
    await processQueuedWebhooks(t);
    const [payment] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.orderId, order.id));
    expect(payment!.disputed).toBe(true);
    const [dispute] = await t.database.db
      .select()
      .from(disputes)
      .where(eq(disputes.paymentId, payment!.id));
    expect(dispute).toMatchObject({
      stripeChargeId: payment!.stripeChargeId,
      amount: order.amount,
      status: 'needs_response',
      reason: 'fraudulent',
    });
    const recorded = await t.database.db
      .select()
      .from(auditEntries)
      .where(
        and(eq(auditEntries.targetId, dispute!.id), eq(auditEntries.action, 'dispute.created')),
      );
    expect(recorded).toMatchObject([
      { actorType: 'stripe', stripeEventId: expect.stringMatching(/^evt_/) },
    ]);
    // Counted once for Prometheus (PaydeckDisputeOpened); the updates below do not count again.
    expect(await disputesOpened()).toBe(openedBefore + 1);

    // The merchant submits evidence, then loses: the row follows, and a stale event cannot undo it.
    await stripe.disputes.update(dispute!.stripeDisputeId, {
      evidence: { uncategorized_text: 'signed receipt' },
    });
    await stripe.disputes.close(dispute!.stripeDisputeId);
    await webhooksDelivered(t);
    await processQueuedWebhooks(t);
    const [closed] = await t.database.db
      .select()
      .from(disputes)
      .where(eq(disputes.id, dispute!.id));
    expect(closed!.status).toBe('lost');
    expect(await disputesOpened()).toBe(openedBefore + 1);
    const [created] = (
      await stripe.events.list({ type: 'charge.dispute.created', limit: 100 })
    ).data.filter((e) => (e.data.object as { id: string }).id === dispute!.stripeDisputeId);
    await t.app.services.webhooks.replay(created!.id, {
      type: 'system',
      id: 'test',
      ip: null,
      requestId: null,
    });
    await processQueuedWebhooks(t);
    expect(
      (await t.database.db.select().from(disputes).where(eq(disputes.id, dispute!.id)))[0]!.status,
    ).toBe('lost');
  });
});

describe('the event log in the operator API', () => {
  it('when an operator lists, reads and replays an event, then it is processed again and the replay is audited', async () => {
    const { client: admin, user } = await anAdmin(t);
    const event = anEvent('customer.deleted', { id: 'cus_log1', object: 'customer' });
    await deliver(t, event);
    await processQueuedWebhooks(t);

    const list = await admin.request('GET', '/api/admin/webhook-events?object_id=cus_log1');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      data: [{ id: event.id, type: 'customer.deleted', status: 'ignored', attempts: 1 }],
      has_more: false,
    });
    const byStatus = (
      await admin.request('GET', '/api/admin/webhook-events?status=ignored&limit=1')
    ).json();
    expect(byStatus.data).toHaveLength(1);
    expect(byStatus.has_more).toBe(true);
    const next = (
      await admin.request(
        'GET',
        `/api/admin/webhook-events?status=ignored&limit=1&starting_after=${byStatus.data[0].id}`,
      )
    ).json();
    expect(next.data[0].id).not.toBe(byStatus.data[0].id);

    const detail = await admin.request('GET', `/api/admin/webhook-events/${event.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json().payload).toMatchObject({
      id: event.id,
      data: { object: { id: 'cus_log1' } },
    });
    expect((await admin.request('GET', '/api/admin/webhook-events/evt_nope')).statusCode).toBe(404);

    const replay = await admin.request('POST', `/api/admin/webhook-events/${event.id}/replay`);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ id: event.id, status: 'received' });
    expect(await processQueuedWebhooks(t)).toEqual([event.id]);
    expect(await storedEvent(event.id)).toMatchObject({ status: 'ignored', attempts: 2 });
    const [audit] = await t.database.db
      .select()
      .from(auditEntries)
      .where(
        and(eq(auditEntries.targetId, event.id), eq(auditEntries.action, 'webhook_event.replayed')),
      );
    expect(audit).toMatchObject({ actorType: 'admin', actorId: user.id });
  });

  it('when a customer or nobody asks, then 403 / 401', async () => {
    const { client } = await aCustomerWithOrder(t);
    expect((await client.request('GET', '/api/admin/webhook-events')).statusCode).toBe(403);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/admin/webhook-events' })).statusCode,
    ).toBe(401);
  });
});

// Merchant webhooks (issue 15, ADR 026), for real: a whole system on a database of its own (its
// endpoints receive every event, so other test files' payments must not reach them), a local
// HTTP receiver registered through the merchant API, payments and refunds through the real
// routes and the simulator, and the delivery job's own handler. Every delivery is verified with
// the SDK's verifier (the official `standardwebhooks` library) and the secret the API answered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { verifyWebhook } from '../../packages/client/src/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { ALL_SCOPES, anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { asTestApp, startSystem, type RunningSystem } from '../helpers/system.ts';
import {
  merchantEvents,
  merchantWebhookDeliveries,
  merchantWebhookEndpoints,
} from '../../src/db/schema.ts';
import { deliverMerchantWebhooksJob } from '../../src/modules/merchant-webhooks/jobs.ts';
import { RETRY_DELAYS_MS } from '../../src/modules/merchant-webhooks/service.ts';

interface Received {
  headers: Record<string, string>;
  body: string;
  answered: number;
}

/** A merchant's backend: keeps every request with its raw body, answers `status`. */
async function aReceiver(options: { redirectTo?: string } = {}) {
  const requests: Received[] = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = options.redirectTo ? 302 : status;
      requests.push({
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
        answered,
      });
      res
        .writeHead(answered, options.redirectTo ? { location: options.redirectTo } : {})
        .end(answered >= 500 ? 'backend down' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/paydeck/webhooks`,
    port,
    requests,
    setStatus(code: number) {
      status = code;
    },
    /** Requests the receiver accepted (2xx), parsed. */
    accepted() {
      return requests
        .filter((r) => r.answered < 300)
        .map((r) => ({ ...r, event: JSON.parse(r.body) as WebhookBody }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface WebhookBody {
  type: string;
  timestamp: string;
  data: { id: string; status?: string; order_id?: string; amount?: number };
}

const WEBHOOK_SCOPES = ALL_SCOPES;
const ALL_EVENTS = [
  'order.paid',
  'order.payment_failed',
  'order.requires_action',
  'order.canceled',
  'refund.succeeded',
  'refund.failed',
  'dispute.created',
  'dispute.closed',
  'customer.created',
  'customer.deleted',
];

let system: RunningSystem;
let t: TestApp;
let api: ApiClient;
let receiver: Awaited<ReturnType<typeof aReceiver>>;
let endpoint: { id: string; secret: string };

beforeAll(async () => {
  receiver = await aReceiver();
  // Workers off: the test runs the delivery job's handler when it means to.
  system = await startSystem({ RUN_WORKERS: 'false' });
  t = asTestApp(system);
  api = (await anApiKey(t, WEBHOOK_SCOPES)).api;
  const res = await api.request('POST', '/api/v1/webhook_endpoints', {
    body: { url: receiver.url, events: ALL_EVENTS, description: 'our backend' },
  });
  expect(res.statusCode, res.body).toBe(201);
  endpoint = res.json() as { id: string; secret: string };
});
afterAll(async () => {
  await system?.close();
  await receiver?.close();
});

/** The delivery job, as the worker runs it. */
async function runDeliveryJob() {
  await deliverMerchantWebhooksJob(t.app.services.merchantWebhooks).handler(
    {},
    {
      id: 'test',
      retryCount: 0,
    },
  );
}

const db = () => t.database.db;

/** The merchant-webhook attempt figures on /metrics, as Prometheus scrapes them. */
async function attemptFigures() {
  const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  const figure = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  return {
    delivered: figure(/^paydeck_merchant_webhook_attempts_total\{outcome="delivered"\} (\d+)/m),
    retrying: figure(/^paydeck_merchant_webhook_attempts_total\{outcome="retrying"\} (\d+)/m),
    failed: figure(/^paydeck_merchant_webhook_attempts_total\{outcome="failed"\} (\d+)/m),
    timed: figure(/^paydeck_merchant_webhook_attempt_duration_seconds_count (\d+)/m),
  };
}

async function aPaidOrder() {
  const { client, order, user } = await aCustomerWithOrder(t, { unitAmount: 4200 });
  const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
  expect(res.statusCode, res.body).toBe(200);
  return { order, user };
}

/** Verified as a merchant's backend would: with the SDK's verifier (the standardwebhooks library). */
function verify(r: Received, secret: string) {
  const event = verifyWebhook(r.body, r.headers, secret);
  expect(event.id).toBe(r.headers['webhook-id']);
  return event;
}

describe('merchant webhooks: endpoints', () => {
  it('when an endpoint is registered, then its secret is shown once and it is listed without it', async () => {
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const one = await api.request('GET', `/api/v1/webhook_endpoints/${endpoint.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ url: receiver.url, status: 'enabled', events: ALL_EVENTS });
    expect(one.body).not.toContain(endpoint.secret);
    const list = await api.request('GET', '/api/v1/webhook_endpoints');
    expect(list.json().data.map((e: { id: string }) => e.id)).toContain(endpoint.id);
  });

  it('when the input is bad, then it is refused in the one error shape', async () => {
    for (const body of [
      { url: 'ftp://example.com/x', events: ['order.paid'] },
      { url: 'https://user:pw@example.com/x', events: ['order.paid'] },
      { url: 'https://example.com/x', events: ['order.shipped'] },
      { url: 'https://example.com/x', events: [] },
      { url: 'https://example.com/x', events: ['order.paid'], extra: 1 },
    ]) {
      const res = await api.request('POST', '/api/v1/webhook_endpoints', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toEqual(expect.any(String));
    }
    // An unknown event type is named with the list to choose from.
    const unknown = await api.request('POST', '/api/v1/webhook_endpoints', {
      body: { url: 'https://example.com/x', events: ['order.paid', 'order.shipped'] },
    });
    expect(unknown.json().error).toMatchObject({
      code: 'validation_failed',
      field: 'events.1',
      message: `events.1 must be one of: ${ALL_EVENTS.map((e) => `"${e}"`).join(', ')}.`,
    });
  });

  it('when a key lacks the webhooks scopes, then it is refused', async () => {
    const reader = (await anApiKey(t, ['orders:read'])).api;
    expect((await reader.request('GET', '/api/v1/webhook_endpoints')).statusCode).toBe(403);
    const res = await reader.request('POST', '/api/v1/webhook_endpoints', {
      body: { url: 'https://example.com/x', events: ['order.paid'] },
    });
    expect(res.statusCode).toBe(403);
    expect((await reader.request('GET', '/api/v1/events')).statusCode).toBe(403);
  });
});

describe('merchant webhooks: delivery', () => {
  it('when a customer pays, then the endpoint receives order.paid, signed, once', async () => {
    const { order, user } = await aPaidOrder();
    await runDeliveryJob();
    const paid = receiver.accepted().filter((r) => r.event.data.id === order.id);
    expect(paid.map((r) => r.event.type)).toEqual(['order.paid']);
    const body = verify(paid[0]!, endpoint.secret);
    expect(body).toMatchObject({ type: 'order.paid', data: { id: order.id, status: 'paid' } });
    expect(paid[0]!.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    // The sign-up before it: customer.created, with the customer's id.
    expect(
      receiver
        .accepted()
        .some((r) => r.event.type === 'customer.created' && r.event.data.id === user.id),
    ).toBe(true);
    // Sent: running the job again sends nothing more.
    const count = receiver.requests.length;
    await runDeliveryJob();
    expect(receiver.requests.length).toBe(count);
  });

  it('when a card is declined or asks for 3-D Secure, then order.payment_failed and order.requires_action arrive', async () => {
    const declined = await aCustomerWithOrder(t);
    expect(
      (
        await pay(declined.client, declined.order.id, {
          payment_method_id: 'pm_card_visa_chargeDeclined',
        })
      ).statusCode,
    ).toBe(402);
    const challenged = await aCustomerWithOrder(t);
    const res = await pay(challenged.client, challenged.order.id, {
      payment_method_id: 'pm_card_authenticationRequired',
    });
    expect(res.json().payment.status).toBe('requires_action');
    await runDeliveryJob();
    const typeOf = (orderId: string) =>
      receiver
        .accepted()
        .filter((r) => r.event.data.id === orderId)
        .map((r) => r.event.type);
    expect(typeOf(declined.order.id)).toEqual(['order.payment_failed']);
    expect(typeOf(challenged.order.id)).toEqual(['order.requires_action']);
  });

  it('when the merchant refunds, then the endpoint receives refund.succeeded', async () => {
    const { order } = await aPaidOrder();
    const refund = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, { body: {} });
    expect(refund.statusCode, refund.body).toBe(200);
    await runDeliveryJob();
    const got = receiver
      .accepted()
      .filter((r) => r.event.type === 'refund.succeeded' && r.event.data.order_id === order.id);
    expect(got).toHaveLength(1);
    expect(verify(got[0]!, endpoint.secret).data).toMatchObject({
      id: refund.json().id,
      amount: 4200,
      status: 'succeeded',
    });
  });

  it('when the endpoint answers 500, then deliveries are retried on the schedule, and delivered once after it recovers', async () => {
    receiver.setStatus(500);
    const attemptsBefore = await attemptFigures();
    const startedAt = new Date();
    try {
      const { order } = await aPaidOrder();
      const [event] = await db()
        .select()
        .from(merchantEvents)
        .where(
          sql`${merchantEvents.type} = 'order.paid' AND ${merchantEvents.data}->>'id' = ${order.id}`,
        );
      const deliveryOf = async () =>
        (
          await db()
            .select()
            .from(merchantWebhookDeliveries)
            .where(eq(merchantWebhookDeliveries.eventId, event!.id))
        )[0]!;

      for (let attempt = 1; attempt <= 3; attempt++) {
        const before = Date.now();
        await runDeliveryJob();
        const d = await deliveryOf();
        expect(d).toMatchObject({ status: 'pending', attempts: attempt });
        // The next try waits the specification's delay: 5 s, then 5 min, then 30 min.
        const wait = d.nextAttemptAt.getTime() - before;
        expect(wait).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[attempt - 1]! - 1000);
        expect(wait).toBeLessThan(RETRY_DELAYS_MS[attempt - 1]! + 5000);
        // Not due yet: the job leaves it alone.
        const sent = receiver.requests.length;
        await runDeliveryJob();
        expect(receiver.requests.length).toBe(sent);
        // Its time has come.
        await db()
          .update(merchantWebhookDeliveries)
          .set({ nextAttemptAt: new Date() })
          .where(eq(merchantWebhookDeliveries.id, d.id));
      }
      receiver.setStatus(200);
      await runDeliveryJob();
      const d = await deliveryOf();
      expect(d).toMatchObject({ status: 'delivered', attempts: 4 });
      const tries = receiver.requests.filter((r) => r.headers['webhook-id'] === event!.id);
      expect(tries.map((r) => r.answered)).toEqual([500, 500, 500, 200]);
      // The same message each time (id and body); only the timestamp and signature move.
      expect(new Set(tries.map((r) => r.body)).size).toBe(1);

      // The delivery log shows each attempt with the answer and its timing.
      const log = await api.request(
        'GET',
        `/api/v1/webhook_endpoints/${endpoint.id}/deliveries?limit=100`,
      );
      expect(log.statusCode, log.body).toBe(200);
      const entry = log.json().data.find((x: { id: number }) => x.id === d.id);
      expect(entry.status).toBe('delivered');
      expect(entry.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([
        500, 500, 500, 200,
      ]);
      expect(entry.attempts[0].response_body).toBe('backend down');
      expect(entry.attempts[0].duration_ms).toEqual(expect.any(Number));
      expect(entry.attempts[0].request.headers['webhook-id']).toBe(event!.id);

      // Prometheus counts every attempt as the delivery log records it (the new customer's
      // customer.created went through the same outage).
      const attemptsAfter = await attemptFigures();
      const logged = await t.database.pool.query(
        `select count(*) filter (where response_status = 200)::int as delivered,
                count(*) filter (where response_status = 500)::int as retrying,
                count(*)::int as timed
           from merchant_webhook_attempts where attempted_at >= $1`,
        [startedAt],
      );
      expect(logged.rows[0].retrying).toBeGreaterThanOrEqual(3);
      expect({
        delivered: attemptsAfter.delivered - attemptsBefore.delivered,
        retrying: attemptsAfter.retrying - attemptsBefore.retrying,
        failed: attemptsAfter.failed - attemptsBefore.failed,
        timed: attemptsAfter.timed - attemptsBefore.timed,
      }).toEqual({ ...logged.rows[0], failed: 0 });
    } finally {
      receiver.setStatus(200);
    }
  });

  it('when the change rolls back, then no event exists and nothing is sent', async () => {
    const [{ n: before }] = (
      await db().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM merchant_events`)
    ).rows as [{ n: number }];
    const sent = receiver.requests.length;
    await expect(
      db().transaction(async (tx) => {
        await t.app.services.merchantWebhooks.customerCreated(tx, {
          id: '00000000-0000-4000-8000-000000000001',
          email: 'rolled-back@example.com',
          name: 'Never Was',
          role: 'customer',
        });
        throw new Error('the change failed after the event was written');
      }),
    ).rejects.toThrow('the change failed');
    const [{ n: after }] = (
      await db().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM merchant_events`)
    ).rows as [{ n: number }];
    expect(after).toBe(before);
    await runDeliveryJob();
    expect(receiver.requests.length).toBe(sent);
  });

  it('when two workers deliver at once, then each message is sent once', async () => {
    const orders = [];
    for (let i = 0; i < 4; i++) orders.push((await aPaidOrder()).order.id);
    await Promise.all([runDeliveryJob(), runDeliveryJob(), runDeliveryJob()]);
    for (const id of orders) {
      const got = receiver.requests.filter(
        (r) => r.body.includes(id) && JSON.parse(r.body).type === 'order.paid',
      );
      expect(got).toHaveLength(1);
    }
  });

  it('when an event is resent, then it arrives once more under the same id', async () => {
    const { order } = await aPaidOrder();
    await runDeliveryJob();
    const first = receiver.accepted().find((r) => r.event.data.id === order.id)!;
    const eventId = first.headers['webhook-id']!;
    const res = await api.request('POST', `/api/v1/webhook_endpoints/${endpoint.id}/resend`, {
      body: { event_id: eventId },
    });
    expect(res.statusCode, res.body).toBe(202);
    await runDeliveryJob();
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] === eventId)).toHaveLength(2);
  });
});

describe('merchant webhooks: disputes and customers', () => {
  it('when a dispute is opened and lost, then dispute.created and dispute.closed arrive', async () => {
    const { order } = await aPaidOrder();
    const { rows } = await db().execute<{ charge: string; intent: string }>(
      sql`SELECT stripe_charge_id AS charge, stripe_payment_intent_id AS intent FROM payments WHERE order_id = ${order.id}`,
    );
    const snapshot = {
      id: `dp_test_${order.id.slice(0, 8)}`,
      chargeId: rows[0]!.charge,
      paymentIntentId: rows[0]!.intent,
      amount: 4200,
      currency: 'usd',
      status: 'needs_response',
      reason: 'fraudulent',
    };
    // As the charge.dispute.* events record it (the webhooks component calls the same).
    const actor = { type: 'stripe' as const, id: null, ip: null, requestId: null };
    await t.app.services.disputes.record(snapshot, actor, null);
    await t.app.services.disputes.record({ ...snapshot, status: 'under_review' }, actor, null);
    await t.app.services.disputes.record({ ...snapshot, status: 'lost' }, actor, null);
    await runDeliveryJob();
    const got = receiver
      .accepted()
      .filter((r) => r.event.type.startsWith('dispute.') && r.body.includes(snapshot.id));
    expect(got.map((r) => r.event.type)).toEqual(['dispute.created', 'dispute.closed']);
    expect(verify(got[1]!, endpoint.secret).data).toMatchObject({ status: 'lost', amount: 4200 });
  });

  it('when a customer deletes their account, then customer.deleted arrives and their earlier event loses email and name', async () => {
    const { client, user } = await aCustomerWithOrder(t);
    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
    });
    expect(res.statusCode, res.body).toBe(200);
    await runDeliveryJob();
    const deleted = receiver
      .accepted()
      .filter((r) => r.event.type === 'customer.deleted' && r.event.data.id === user.id);
    expect(deleted).toHaveLength(1);
    const created = await api.request('GET', '/api/v1/events?type=customer.created&limit=100');
    const mine = (created.json().data as { data: Record<string, unknown> }[]).find(
      (e) => e.data.id === user.id,
    );
    expect(mine!.data).toMatchObject({ id: user.id, email: null, name: null });
  });
});

describe('merchant webhooks: secrets', () => {
  it('when the secret is rotated, then both secrets sign for 24 hours, and only the new one after', async () => {
    const res = await api.request('POST', `/api/v1/webhook_endpoints/${endpoint.id}/rotate_secret`);
    expect(res.statusCode, res.body).toBe(200);
    const rotated = res.json() as { secret: string; previous_secret_expires_at: string };
    expect(rotated.secret).not.toBe(endpoint.secret);
    const until = new Date(rotated.previous_secret_expires_at).getTime();
    expect(Math.abs(until - Date.now() - 24 * 3_600_000)).toBeLessThan(60_000);

    const { order } = await aPaidOrder();
    await runDeliveryJob();
    const got = receiver.accepted().find((r) => r.event.data.id === order.id)!;
    expect(got.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verify(got, rotated.secret).type).toBe('order.paid');
    expect(verify(got, endpoint.secret).type).toBe('order.paid');

    // A day later the old secret no longer signs.
    await db()
      .update(merchantWebhookEndpoints)
      .set({ previousSecretExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(merchantWebhookEndpoints.id, endpoint.id));
    const later = (await aPaidOrder()).order;
    await runDeliveryJob();
    const next = receiver.accepted().find((r) => r.event.data.id === later.id)!;
    expect(next.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verify(next, rotated.secret).type).toBe('order.paid');
    expect(() => verify(next, endpoint.secret)).toThrow();
    endpoint = { ...endpoint, secret: rotated.secret };
  });
});

describe('merchant webhooks: events API', () => {
  it('when events are listed, then they page newest first and each can be read', async () => {
    const page1 = await api.request('GET', '/api/v1/events?type=order.paid&limit=2');
    expect(page1.statusCode, page1.body).toBe(200);
    const first = page1.json() as { data: WebhookBody[] & { id: string }[]; has_more: boolean };
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    expect(first.data.every((e) => e.type === 'order.paid')).toBe(true);
    const page2 = await api.request(
      'GET',
      `/api/v1/events?type=order.paid&limit=2&starting_after=${first.data[1]!.id}`,
    );
    const ids2 = (page2.json().data as { id: string }[]).map((e) => e.id);
    expect(ids2).not.toContain(first.data[0]!.id);
    expect(ids2).not.toContain(first.data[1]!.id);
    const one = await api.request('GET', `/api/v1/events/${first.data[0]!.id}`);
    expect(one.json()).toMatchObject({ id: first.data[0]!.id, type: 'order.paid' });
    expect(
      (await api.request('GET', '/api/v1/events/00000000-0000-4000-8000-000000000000')).statusCode,
    ).toBe(404);
  });
});

describe('merchant webhooks: an endpoint that keeps failing', () => {
  it('when every attempt has failed for a day, then the endpoint is disabled and the operators are alerted', async () => {
    const down = await aReceiver();
    down.setStatus(503);
    try {
      const res = await api.request('POST', '/api/v1/webhook_endpoints', {
        body: { url: down.url, events: ['customer.created'] },
      });
      const failing = res.json() as { id: string };
      // It has failed since yesterday.
      await db()
        .update(merchantWebhookEndpoints)
        .set({ failingSince: new Date(Date.now() - 25 * 3_600_000) })
        .where(eq(merchantWebhookEndpoints.id, failing.id));
      await aCustomerWithOrder(t);
      await runDeliveryJob();
      const after = (await api.request('GET', `/api/v1/webhook_endpoints/${failing.id}`)).json();
      expect(after).toMatchObject({ status: 'disabled', disabled_reason: 'failing' });
      // Disabled: nothing more is sent to it.
      const sent = down.requests.length;
      await aCustomerWithOrder(t);
      await runDeliveryJob();
      expect(down.requests.length).toBe(sent);

      const evaluation = await t.app.services.alerts.evaluate();
      expect(evaluation.transitions).toContainEqual({
        ruleId: 'merchant_webhook_endpoint_disabled',
        kind: 'firing',
      });

      // Re-enabled by the merchant: the alert resolves.
      const enabled = await api.request('POST', `/api/v1/webhook_endpoints/${failing.id}`, {
        body: { status: 'enabled' },
      });
      expect(enabled.json()).toMatchObject({ status: 'enabled', disabled_reason: null });
      const again = await t.app.services.alerts.evaluate();
      expect(again.transitions).toContainEqual({
        ruleId: 'merchant_webhook_endpoint_disabled',
        kind: 'resolved',
      });
      const del = await api.request('DELETE', `/api/v1/webhook_endpoints/${failing.id}`);
      expect(del.statusCode).toBe(200);
    } finally {
      await down.close();
    }
  });
});

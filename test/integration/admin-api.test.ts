import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, newKey, pay } from '../helpers/builders.ts';
import { anAdmin } from '../helpers/api-keys.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { refunds, webhookEvents } from '../../src/db/schema.ts';
import { SEARCH_COUNT_CAP } from '../../src/modules/payments/repository.ts';

let t: TestApp;
let admin: TestClient;
beforeAll(async () => {
  t = await createTestApp();
  admin = (await anAdmin(t)).client;
});
afterAll(() => t.close());

/** A customer's order paid with `card`; answers the payment id. */
async function aPaidOrder(card = 'pm_card_visa', unitAmount = 2500) {
  const { client, user, order } = await aCustomerWithOrder(t, { unitAmount });
  const res = await pay(client, order.id, { payment_method_id: card });
  const paymentId = (res.json().order?.payments?.[0]?.id ??
    res.json().error?.payment?.id) as string;
  return { client, user, order, paymentId };
}

describe('operator API: payments', () => {
  it('when filtering, searching and paging, then the server answers the right slice and the total', async () => {
    const a = await aPaidOrder('pm_card_visa', 1111);
    const b = await aPaidOrder('pm_card_visa_chargeDeclinedInsufficientFunds', 2222);
    const c = await aPaidOrder('pm_card_mastercard', 3333);

    const byEmail = (
      await admin.request(
        'GET',
        `/api/admin/payments?customer_email=${encodeURIComponent(a.user.email)}`,
      )
    ).json();
    expect(byEmail.total).toBe(1);
    expect(byEmail.data[0]).toMatchObject({
      id: a.paymentId,
      customer_email: a.user.email,
      amount: 1111,
      status: 'succeeded',
    });

    const declined = (
      await admin.request(
        'GET',
        '/api/admin/payments?decline_code=insufficient_funds&status=failed&limit=100',
      )
    ).json();
    expect(declined.data.map((p: { id: string }) => p.id)).toContain(b.paymentId);
    expect(
      declined.data.every((p: { decline_code: string }) => p.decline_code === 'insufficient_funds'),
    ).toBe(true);

    // Narrow ranges: the database is shared with every other test file's payments, and only the
    // first page is read.
    const amounts = (
      await admin.request('GET', '/api/admin/payments?amount_gte=2221&amount_lte=2223&limit=100')
    ).json();
    expect(amounts.data.map((p: { id: string }) => p.id)).toContain(b.paymentId);
    expect(
      amounts.data.every((p: { amount: number }) => p.amount >= 2221 && p.amount <= 2223),
    ).toBe(true);

    const piId = (await admin.request('GET', `/api/admin/payments/${c.paymentId}`)).json().payment
      .stripe_payment_intent_id;
    // The customer by their whole email, in any case: emails are encrypted, found by blind index.
    for (const q of [c.paymentId, c.order.id, piId, c.user.email.toUpperCase()]) {
      const found = (
        await admin.request('GET', `/api/admin/payments?q=${encodeURIComponent(q)}`)
      ).json();
      expect(
        found.data.map((p: { id: string }) => p.id),
        q,
      ).toContain(c.paymentId);
    }

    // A closed window: other test files keep paying on the same database, so an open-ended
    // one could gain a payment between the two pages.
    const since = new Date(Date.now() - 60_000).toISOString();
    const until = new Date().toISOString();
    const window = `created_gte=${since}&created_lte=${until}`;
    const page1 = (await admin.request('GET', `/api/admin/payments?${window}&limit=2`)).json();
    expect(page1.total).toBeGreaterThanOrEqual(3);
    expect(page1.data).toHaveLength(2);
    expect(page1.has_more).toBe(true);
    const page2 = (
      await admin.request('GET', `/api/admin/payments?${window}&limit=2&offset=2`)
    ).json();
    expect(page2.total).toBe(page1.total);
    const ids = [...page1.data, ...page2.data].map((p: { id: string }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Far ahead: other test files run manual clocks days into the future on the same database.
    const future = (
      await admin.request(
        'GET',
        `/api/admin/payments?created_gte=${Math.floor(Date.UTC(2100, 0, 1) / 1000)}`,
      )
    ).json();
    expect(future).toMatchObject({ data: [], total: 0, has_more: false });
  });

  it('when more payments match than the console counts, then the total stops at the cap, says so, and paging still knows what follows', async () => {
    // 10,002 payments of an amount no other test uses, canceled in 2001: outside every other
    // test's windows and work lists.
    const { user } = await aCustomerWithOrder(t);
    const over = SEARCH_COUNT_CAP + 2;
    await t.database.pool.query(
      `WITH o AS (
         INSERT INTO orders (user_id, amount, currency, created_by, status, created_at, updated_at)
         SELECT $1, 777777, 'usd', 'user', 'canceled', ts, ts
           FROM generate_series(1, $2) g, LATERAL (SELECT timestamptz '2001-01-01' + g * interval '1 second' AS ts) t
         RETURNING id, created_at)
       INSERT INTO payments (order_id, user_id, status, amount, currency, capture_method,
         stripe_idempotency_key, created_at, updated_at)
       SELECT o.id, $1, 'canceled', 777777, 'usd', 'automatic', 'cap-' || o.id, o.created_at,
         o.created_at FROM o`,
      [user.id, over],
    );
    const list = (query: string) =>
      admin.request('GET', `/api/admin/payments?amount_gte=777777&amount_lte=777777&${query}`);

    const first = (await list('limit=25')).json();
    expect(first).toMatchObject({ total: SEARCH_COUNT_CAP, total_capped: true, has_more: true });
    expect(first.data).toHaveLength(25);
    // Past the cap the count cannot tell whether more follow; the page can.
    const beyond = (await list(`limit=25&offset=${over - 26}`)).json();
    expect(beyond).toMatchObject({ total_capped: true, has_more: true });
    expect(beyond.data).toHaveLength(25);
    const last = (await list(`limit=25&offset=${over - 25}`)).json();
    expect(last).toMatchObject({ total_capped: true, has_more: false });
    expect(last.data).toHaveLength(25);
    // Under the cap, the exact count.
    const few = (
      await admin.request(
        'GET',
        `/api/admin/payments?amount_gte=777777&amount_lte=777777&created_lte=${encodeURIComponent('2001-01-01T00:00:10Z')}`,
      )
    ).json();
    expect(few).toMatchObject({ total: 10, total_capped: false, has_more: false });
  });

  it('when the payment detail is read, then its timeline holds the audit entries with Stripe request ids and its webhook events, in time order', async () => {
    const { order, paymentId } = await aPaidOrder();
    const refund = await admin.request('POST', `/api/admin/orders/${order.id}/refunds`, {
      body: { amount: 1000, reason: 'duplicate' },
    });
    expect(refund.statusCode).toBe(200);
    const first = (await admin.request('GET', `/api/admin/payments/${paymentId}`)).json();
    const pi = first.payment.stripe_payment_intent_id as string;
    await t.database.db.insert(webhookEvents).values({
      stripeEventId: `evt_${newKey('timeline')}`,
      type: 'payment_intent.succeeded',
      objectId: pi,
      stripeCreatedAt: new Date(),
      payload: {},
    });

    const res = await admin.request('GET', `/api/admin/payments/${paymentId}`);
    expect(res.statusCode).toBe(200);
    const detail = res.json();
    expect(detail.payment).toMatchObject({
      id: paymentId,
      status: 'succeeded',
      amount_refunded: 1000,
    });
    expect(detail.order.id).toBe(order.id);
    expect(detail.customer.id).toBe(detail.order.customer_id);
    expect(detail.refunds).toEqual([
      expect.objectContaining({ amount: 1000, status: 'succeeded', reason: 'duplicate' }),
    ]);

    const actions = detail.timeline
      .filter((e: { kind: string }) => e.kind === 'audit')
      .map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'order.created',
        'payment.created',
        'payment.succeeded',
        'refund.created',
        'refund.succeeded',
      ]),
    );
    const succeeded = detail.timeline.find(
      (e: { action?: string }) => e.action === 'payment.succeeded',
    );
    expect(succeeded.stripe_request_id).toMatch(/^req_/);
    const refunded = detail.timeline.find(
      (e: { action?: string }) => e.action === 'refund.succeeded',
    );
    expect(refunded).toMatchObject({
      actor_type: 'admin',
      stripe_request_id: expect.stringMatching(/^req_/),
    });
    expect(detail.timeline.find((e: { kind: string }) => e.kind === 'webhook')).toMatchObject({
      type: 'payment_intent.succeeded',
      object_id: pi,
    });
    const times = detail.timeline.map((e: { at: string }) => e.at);
    expect(times).toEqual([...times].sort());
  });

  it('when the payment is unknown, then 404; a malformed id 400', async () => {
    expect(
      (await admin.request('GET', `/api/admin/payments/${crypto.randomUUID()}`)).statusCode,
    ).toBe(404);
    const bad = await admin.request('GET', '/api/admin/payments/pi_123');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('id');
  });

  it.each([
    ['status=paid', 'status'],
    ['amount_gte=-1', 'amount_gte'],
    ['amount_lte=abc', 'amount_lte'],
    ['limit=0', 'limit'],
    ['offset=-5', 'offset'],
    ['created_gte=tomorrow', 'created_gte'],
    ['sort=amount', 'sort'],
  ])('when the payments query has %s, then 400 naming %s', async (query, field) => {
    const res = await admin.request('GET', `/api/admin/payments?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe(field);
  });
});

describe('operator API: actions', () => {
  it('when an operator refunds from the console, then partial and full refunds are recorded and over-refunds refused', async () => {
    const { order } = await aPaidOrder('pm_card_visa', 4000);
    const key = newKey('console-refund');
    const partial = await admin.request('POST', `/api/admin/orders/${order.id}/refunds`, {
      body: { amount: 1500 },
      headers: { 'idempotency-key': key },
    });
    expect(partial.statusCode).toBe(200);
    const replay = await admin.request('POST', `/api/admin/orders/${order.id}/refunds`, {
      body: { amount: 1500 },
      headers: { 'idempotency-key': key },
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const over = await admin.request('POST', `/api/admin/orders/${order.id}/refunds`, {
      body: { amount: 2501 },
    });
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toMatchObject({ code: 'refund_exceeds_captured', field: 'amount' });
    const rest = await admin.request('POST', `/api/admin/orders/${order.id}/refunds`, { body: {} });
    expect(rest.json()).toMatchObject({ amount: 2500, status: 'succeeded' });
    const stored = await t.database.db.select().from(refunds).where(eq(refunds.orderId, order.id));
    expect(stored.map((r) => r.amount).sort()).toEqual([1500, 2500]);
    expect(stored.every((r) => r.createdByType === 'admin')).toBe(true);
  });

  it('when the CSRF token is missing, then the console refund is refused', async () => {
    const { order } = await aPaidOrder();
    const res = await admin.request('POST', `/api/admin/orders/${order.id}/refunds`, {
      body: {},
      csrf: false,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('csrf_token_invalid');
  });

  it('when an operator cancels an open order, then it is canceled; capture of a non-authorized order is 409', async () => {
    const { order } = await aCustomerWithOrder(t);
    expect(
      (await admin.request('POST', `/api/admin/orders/${order.id}/capture`, { body: {} }))
        .statusCode,
    ).toBe(409);
    const res = await admin.request('POST', `/api/admin/orders/${order.id}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('canceled');
  });

  it('when a customer calls the operator API, then 403 everywhere', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    for (const [method, url] of [
      ['GET', '/api/admin/payments'],
      ['GET', '/api/admin/customers?q=a'],
      ['GET', '/api/admin/audit'],
      ['POST', '/api/admin/audit/verify'],
      ['POST', `/api/admin/orders/${order.id}/refunds`],
      ['POST', `/api/admin/orders/${order.id}/cancel`],
    ] as const) {
      expect(
        (await client.request(method, url, method === 'POST' ? { body: {} } : {})).statusCode,
        url,
      ).toBe(403);
    }
  });
});

describe('operator API: customers and audit', () => {
  it('when looking a customer up by their exact email or whole words of their name, then they are found; a part of either finds no one (ADR 027)', async () => {
    const { user } = await aCustomerWithOrder(t);
    const byEmail = (
      await admin.request(
        'GET',
        `/api/admin/customers?q=${encodeURIComponent(` ${user.email.toUpperCase()} `)}`,
      )
    ).json();
    expect(byEmail.data.map((c: { id: string }) => c.id)).toEqual([user.id]);
    const byName = (
      await admin.request('GET', '/api/admin/customers?q=person%20TEST&limit=100')
    ).json();
    expect(byName.data.map((c: { id: string }) => c.id)).toContain(user.id);
    const byPart = (
      await admin.request(
        'GET',
        `/api/admin/customers?q=${encodeURIComponent(user.email.split('@')[0]!)}`,
      )
    ).json();
    expect(byPart.data).toEqual([]);
    const byPartOfName = (
      await admin.request('GET', '/api/admin/customers?q=test%20pers&limit=100')
    ).json();
    expect(byPartOfName.data).toEqual([]);
    const none = (await admin.request('GET', '/api/admin/customers?q=%25%25%25')).json();
    expect(none.data).toEqual([]);
  });

  it('when reading the audit log, then entries come newest first, filtered and paged', async () => {
    const { order } = await aPaidOrder();
    const entries = (
      await admin.request('GET', `/api/admin/audit?target_type=order&target_id=${order.id}`)
    ).json();
    expect(entries.data[0]).toMatchObject({ target_id: order.id, target_type: 'order' });
    const page1 = (await admin.request('GET', '/api/admin/audit?limit=3')).json();
    expect(page1.has_more).toBe(true);
    const page2 = (
      await admin.request('GET', `/api/admin/audit?limit=3&starting_after=${page1.data[2].id}`)
    ).json();
    expect(page2.data[0].id).toBeLessThan(page1.data[2].id);
    const bad = await admin.request('GET', '/api/admin/audit?actor_type=robot');
    expect(bad.statusCode).toBe(400);
  });

  it('when verifying the audit chain, then it is intact and the sealed entries are checked', async () => {
    // Entries are sealed by the app's sealer about once a second (ADR 018), not at write time;
    // other test files keep writing, so how many wait for their seal varies.
    const verify = () => admin.request('POST', '/api/admin/audit/verify');
    await expect
      .poll(async () => (await verify()).json().checked, { timeout: 15_000 })
      .toBeGreaterThan(0);
    const res = await verify();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      ok: true,
      first_broken: null,
      unsealed: expect.any(Number),
    });
  });
});

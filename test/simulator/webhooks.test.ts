// Webhook endpoints and delivery: signed like Stripe, asynchronous, retried, and the injected
// duplication, reordering and delay.
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { control, sdk, startReceiver, startSim, waitFor } from './helpers.ts';

let sim: SimulatorHandle;
let stripe: Stripe;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  sim = await startSim({ webhookRetryBaseMs: 20, webhookTimeoutMs: 300 });
  stripe = sdk(sim);
});
afterEach(async () => {
  await sim.reset();
  while (closers.length) await closers.pop()!();
});
afterAll(() => sim.close());

async function receiver(status?: (n: number, body: string) => number) {
  const r = await startReceiver(status);
  closers.push(r.close);
  return r;
}

const pay = () =>
  stripe.paymentIntents.create({
    amount: 1000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
    allowed_payment_method_types: ['card'],
  });

describe('webhook endpoints', () => {
  it('when created, then the secret is returned once; retrieve, list, update and delete work', async () => {
    const we = await stripe.webhookEndpoints.create({
      url: 'https://example.com/hook',
      enabled_events: ['charge.succeeded'],
      description: 'd',
    });
    expect(we.id).toMatch(/^we_/);
    expect(we.secret).toMatch(/^whsec_/);
    expect(we).toMatchObject({
      object: 'webhook_endpoint',
      status: 'enabled',
      enabled_events: ['charge.succeeded'],
      url: 'https://example.com/hook',
    });
    const got = await stripe.webhookEndpoints.retrieve(we.id);
    expect(got.secret).toBeUndefined();
    const updated = await stripe.webhookEndpoints.update(we.id, {
      enabled_events: ['*'],
      disabled: true,
    });
    expect(updated).toMatchObject({ enabled_events: ['*'], status: 'disabled' });
    expect((await stripe.webhookEndpoints.list()).data.map((w) => w.id)).toEqual([we.id]);
    expect(await stripe.webhookEndpoints.del(we.id)).toMatchObject({ id: we.id, deleted: true });
  });
});

describe('delivery', () => {
  it('when an event occurs, then enabled endpoints get it signed; constructEvent verifies it', async () => {
    const r = await receiver();
    const all = await receiver();
    const we = await stripe.webhookEndpoints.create({
      url: r.url,
      enabled_events: ['payment_intent.succeeded'],
    });
    const star = await stripe.webhookEndpoints.create({ url: all.url, enabled_events: ['*'] });
    const pi = await pay();
    await waitFor(() => r.received.length === 1 && all.received.length >= 3);
    const event = stripe.webhooks.constructEvent(
      r.received[0]!.body,
      r.received[0]!.signature,
      we.secret!,
    );
    expect(event).toMatchObject({
      type: 'payment_intent.succeeded',
      object: 'event',
      api_version: '2026-10-28.endive',
      livemode: false,
    });
    expect((event.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    expect(event.request?.id).toBe(pi.lastResponse.requestId);
    const types = all.received.map(
      (x) => stripe.webhooks.constructEvent(x.body, x.signature, star.secret!).type,
    );
    expect(types.sort()).toEqual([
      'charge.succeeded',
      'payment_intent.created',
      'payment_intent.succeeded',
    ]);
    expect(() =>
      stripe.webhooks.constructEvent(r.received[0]!.body, r.received[0]!.signature, star.secret!),
    ).toThrow();
    await waitFor(async () => (await stripe.events.retrieve(event.id)).pending_webhooks === 0);
  });

  it('when the receiver is slow, then the API response does not wait for it', async () => {
    const { createServer } = await import('node:http');
    // The receiver holds every answer until the test lets go: the API call has to come back
    // while the delivery is still in flight. Had it waited for the receiver, it could only have
    // come back once the attempt had timed out, and the delivery log would say so.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let requested = 0;
    let answered = 0;
    const slow = createServer((_req, res) => {
      requested++;
      void gate.then(() => {
        answered++;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          slow.close(() => resolve());
          slow.closeAllConnections();
        }),
    );
    const port = (slow.address() as { port: number }).port;
    // Long enough that the held attempt cannot time out while the test looks at it.
    await control(sim, 'POST', '/_sim/config', { webhooks: { timeout_ms: 10_000 } });
    const we = await stripe.webhookEndpoints.create({
      url: `http://127.0.0.1:${port}/`,
      enabled_events: ['customer.created'],
    });
    const customer = await stripe.customers.create();
    expect(customer.id).toMatch(/^cus_/);
    expect(answered).toBe(0);
    const deliveries = async () =>
      (await control(sim, 'GET', `/_sim/webhooks/deliveries?endpoint=${we.id}`)).json as {
        data: { attempt: number; status: number | null; error: string | null }[];
        pending: number;
      };
    // No attempt has finished, yet the delivery is scheduled or in flight.
    const during = await deliveries();
    expect(during.data).toEqual([]);
    expect(during.pending).toBe(1);
    await waitFor(() => requested === 1);
    release();
    await waitFor(() => answered === 1);
    const after = await waitFor(async () => {
      const log = await deliveries();
      return log.data.length > 0 && log.pending === 0 && log;
    });
    expect(after.data.map((d) => [d.attempt, d.status, d.error])).toEqual([[1, 200, null]]);
  });

  it('when the receiver answers 500, then the delivery is retried with back-off and signed anew', async () => {
    const r = await receiver((n) => (n <= 2 ? 500 : 200));
    const we = await stripe.webhookEndpoints.create({
      url: r.url,
      enabled_events: ['customer.created'],
    });
    const customer = await stripe.customers.create();
    await waitFor(() => r.received.length === 3);
    for (const got of r.received) {
      const event = stripe.webhooks.constructEvent(got.body, got.signature, we.secret!);
      expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
    }
    // Exponential back-off from the 20 ms base: at least 20 ms, then at least 40 ms.
    expect(r.received[1]!.at - r.received[0]!.at).toBeGreaterThanOrEqual(18);
    expect(r.received[2]!.at - r.received[1]!.at).toBeGreaterThanOrEqual(38);
    const log = await control(sim, 'GET', `/_sim/webhooks/deliveries?endpoint=${we.id}`);
    const rows = log.json.data as { attempt: number; status: number; event: string; at: string }[];
    expect(rows.map((d) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(rows[0]!.event).toMatch(/^evt_/);
  });

  it('when the clock is advanced past a retry an hour away, then it is delivered at once, signed and dated on the new clock', async () => {
    await control(sim, 'POST', '/_sim/config', { webhooks: { retry_base_ms: 3_600_000 } });
    const r = await receiver((n) => (n === 1 ? 500 : 200));
    const we = await stripe.webhookEndpoints.create({
      url: r.url,
      enabled_events: ['customer.created'],
    });
    await stripe.customers.create();
    await waitFor(() => r.received.length === 1);
    // The retry waits an hour: nothing more arrives meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.received).toHaveLength(1);

    const moved = await control(sim, 'POST', '/_sim/clock/advance', { seconds: 3_601 });
    expect(moved.status).toBe(200);
    expect(moved.json.offset_seconds).toBe(3_601);
    // At once, compared with the hour it would otherwise wait (generous for a loaded machine).
    await waitFor(() => r.received.length === 2, 10_000);
    const signedAt = Number(/t=(\d+)/.exec(r.received[1]!.signature)![1]);
    expect(signedAt * 1000 - Date.now()).toBeGreaterThan(3_500_000);
    // Stripe's SDK accepts a signature from the future (only old ones are replays).
    const event = stripe.webhooks.constructEvent(
      r.received[1]!.body,
      r.received[1]!.signature,
      we.secret!,
    );
    expect(event.type).toBe('customer.created');

    // Events created afterwards carry the new clock's time; a reset brings it back.
    const later = await stripe.customers.create();
    await waitFor(() => r.received.some((got) => got.body.includes(later.id)));
    const created = (JSON.parse(r.received.at(-1)!.body) as { created: number }).created;
    expect(created * 1000 - Date.now()).toBeGreaterThan(3_500_000);
    await sim.reset();
    expect((await control(sim, 'GET', '/_sim/clock')).json.offset_seconds).toBe(0);
  });

  it('when the clock is moved by a bad amount, then 400 and it stays', async () => {
    for (const seconds of [-1, 'soon', 400 * 86_400]) {
      const res = await control(sim, 'POST', '/_sim/clock/advance', { seconds });
      expect(res.status, String(seconds)).toBe(400);
    }
    expect((await control(sim, 'GET', '/_sim/clock')).json.offset_seconds).toBe(0);
  });

  it('when the receiver never answers, then the attempt times out and is retried', async () => {
    let calls = 0;
    const r = await startReceiver();
    closers.push(r.close);
    const { createServer } = await import('node:http');
    const hanging = createServer((_req, res) => {
      calls++;
      if (calls > 1) res.end('ok');
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          hanging.close(() => resolve());
          hanging.closeAllConnections();
        }),
    );
    const port = (hanging.address() as { port: number }).port;
    await stripe.webhookEndpoints.create({
      url: `http://127.0.0.1:${port}/`,
      enabled_events: ['customer.created'],
    });
    await stripe.customers.create();
    const log = await waitFor(async () => {
      const rows = (await control(sim, 'GET', '/_sim/webhooks/deliveries')).json.data as {
        status: number | null;
        error: string | null;
      }[];
      return rows.length >= 2 && rows;
    });
    expect(log[0]).toMatchObject({ status: null, error: 'timeout' });
    expect(log[1]).toMatchObject({ status: 200 });
  });

  it('when duplication is on, then each event arrives twice with the same id', async () => {
    await control(sim, 'POST', '/_sim/config', { webhooks: { duplicate_fraction: 1 } });
    const r = await receiver();
    await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created'] });
    await stripe.customers.create();
    await waitFor(() => r.received.length === 2);
    const ids = r.received.map((x) => (JSON.parse(x.body) as { id: string }).id);
    expect(ids[0]).toBe(ids[1]);
  });

  it('when a reorder window is set, then events arrive out of creation order', async () => {
    await control(sim, 'POST', '/_sim/config', { seed: 7, webhooks: { reorder_window_ms: 300 } });
    const r = await receiver();
    await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created'] });
    const created: string[] = [];
    for (let i = 0; i < 8; i++) created.push((await stripe.customers.create()).id);
    await waitFor(() => r.received.length === 8);
    const arrived = r.received.map(
      (x) => (JSON.parse(x.body) as { data: { object: { id: string } } }).data.object.id,
    );
    expect(arrived.sort()).toEqual([...created].sort());
    expect(
      r.received.map(
        (x) => (JSON.parse(x.body) as { data: { object: { id: string } } }).data.object.id,
      ),
    ).not.toEqual(created);
  });

  it('when a delivery delay is set, then events arrive no earlier than that', async () => {
    await control(sim, 'POST', '/_sim/config', { webhooks: { delay_ms: 250 } });
    const r = await receiver();
    await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created'] });
    const t0 = Date.now();
    await stripe.customers.create();
    await waitFor(() => r.received.length === 1);
    expect(r.received[0]!.at - t0).toBeGreaterThanOrEqual(240);
  });
});

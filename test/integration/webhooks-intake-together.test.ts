// Webhook intake under load (ADR 037): deliveries arriving together are stored in one commit with
// their processing jobs, on the whole system (its own database, pg-boss and workers), and each
// is acknowledged only once stored. The group commit's own rules, including that nobody is
// answered before the commit holding their item, are in test/unit/group-commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import pg from 'pg';
import { startSystem, type RunningSystem } from '../helpers/system.ts';
import { TEST_WEBHOOK_SECRET, anEvent } from '../helpers/webhooks.ts';
import { INTAKE_COMMITS_IN_FLIGHT } from '../../src/modules/webhooks/service.ts';
import { eventually } from '../helpers/eventually.ts';

let system: RunningSystem;
let db: pg.Client;
beforeAll(async () => {
  system = await startSystem({ STRIPE_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET });
  db = new pg.Client({ connectionString: system.databaseUrl });
  await db.connect();
}, 120_000);
afterAll(async () => {
  await db?.end();
  await system?.close();
});

function deliver(event: object) {
  const payload = JSON.stringify(event);
  return fetch(`${system.baseUrl}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: TEST_WEBHOOK_SECRET,
      }),
    },
    body: payload,
  });
}

const stored = async (ids: string[]) =>
  (
    await db.query<{ stripe_event_id: string; status: string; received_at: Date }>(
      'SELECT stripe_event_id, status, created_at AS received_at FROM webhook_events WHERE stripe_event_id = ANY($1)',
      [ids],
    )
  ).rows;

describe('webhook intake, many deliveries at once', () => {
  it('when 60 verified events reach intake at once, one of them twice, then each is acknowledged only once stored, each event is stored once in a few commits, and every one is processed by its job', async () => {
    const events = Array.from({ length: 60 }, (_, i) =>
      anEvent('customer.updated', { id: `cus_together_${i}`, object: 'customer', metadata: {} }),
    );
    const deliveries = [...events, events[7]!];
    // As the route hands them over when requests arrive faster than intake commits, but all in
    // one go, so that the grouping does not depend on the machine's speed: the first ones
    // commit alone, the rest wait and go together.
    const { webhooks } = system.paydeck.app.services;
    const storedWhenAcknowledged: boolean[] = [];
    const results = await Promise.all(
      deliveries.map((event, i) => {
        const payload = JSON.stringify(event);
        const verified = webhooks.verify(
          Buffer.from(payload),
          Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET }),
        );
        return webhooks.receive(verified).then(async (result) => {
          storedWhenAcknowledged[i] = (await stored([event.id])).length === 1;
          return result;
        });
      }),
    );
    expect(results).toEqual([...events.map(() => 'accepted'), 'duplicate']);
    expect(storedWhenAcknowledged).toEqual(deliveries.map(() => true));

    const ids = events.map((e) => e.id);
    const rows = await stored(ids);
    expect(rows.map((r) => r.stripe_event_id).sort()).toEqual([...ids].sort());
    // One commit stamps its events with one received_at: the first ones alone, then the rest.
    const commits = new Set(rows.map((r) => r.received_at.getTime())).size;
    expect(commits).toBeLessThanOrEqual(INTAKE_COMMITS_IN_FLIGHT + 1);
    // Processing runs only from the job stored with the event: every event leaving `received`
    // shows that each commit held its jobs too.
    await eventually(async () => (await stored(ids)).every((r) => r.status !== 'received'), 100);
    const jobs = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'webhooks.process' AND singleton_key = ANY($1)`,
      [ids],
    );
    expect(jobs.rows[0]!.n).toBe(ids.length);
  });

  it('when an event arrives again after it was stored, then it is acknowledged and neither stored nor queued again', async () => {
    const event = anEvent('customer.updated', {
      id: 'cus_again',
      object: 'customer',
      metadata: {},
    });
    expect((await deliver(event)).status).toBe(200);
    const again = await Promise.all([deliver(event), deliver(event)]);
    expect(again.map((res) => res.status)).toEqual([200, 200]);
    expect(await stored([event.id])).toHaveLength(1);
    const jobs = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'webhooks.process' AND singleton_key = $1`,
      [event.id],
    );
    expect(jobs.rows[0]!.n).toBe(1);
  });
});

// Time travel in simulated mode (issue 15, item 4; ADR 031): the console moves Paydeck's clock
// and the simulator's forward together. A checkout link expires, a job pg-boss holds for later
// becomes due, another instance reads the same time, and the simulator's own clock moves.
// The offset is shared through the database, so this file runs on a database of its own: on a
// shared one, every other test app would travel too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { anAdmin, anApiKey } from '../helpers/api-keys.ts';
import { TestClient } from '../helpers/http-client.ts';
import { aDatabaseOfItsOwn } from '../helpers/system.ts';
import { connectDatabase, type Database } from '../../src/db/client.ts';
import { LateBoundJobSender, startJobQueue, type JobQueue } from '../../src/jobs/queue.ts';
import { TestClock } from '../../src/modules/test-clock/service.ts';
import { systemActor } from '../../src/modules/audit/actor.ts';
import { allJobs } from '../../src/server/runtime.ts';

const DAY = 86_400;
let own: { url: string; close(): Promise<void> };
let a: TestApp;
let b: TestApp;
let admin: TestClient;

beforeAll(async () => {
  const database = await aDatabaseOfItsOwn('paydeck_clock');
  own = { url: database.url, close: () => database.drop() };
  [a, b] = await Promise.all([
    createTestApp({ databaseUrl: own.url }),
    createTestApp({ databaseUrl: own.url }),
  ]);
  admin = (await anAdmin(a)).client;
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await own?.close();
});

const advance = (seconds: unknown, client = admin) =>
  client.request('POST', '/api/admin/test-clock/advance', { body: { seconds } });

describe('time travel', () => {
  it('when an operator advances the clock, then a checkout link expires, the other instance reads the same time, and the simulator moved too', async () => {
    const api = (await anApiKey(a, undefined, admin)).api;
    const customer = (
      await api.request('POST', '/api/v1/customers', { body: { email: uniqueEmail('clock') } })
    ).json() as { id: string };
    const order = (
      await api.request('POST', '/api/v1/orders', {
        body: { customer_id: customer.id, amount: 900, currency: 'usd' },
      })
    ).json() as { id: string; checkout_url: string };
    const openLink = () =>
      new TestClient(a.app).request('POST', '/api/checkout/sessions', {
        body: {
          order_id: order.id,
          token: new URL(order.checkout_url).searchParams.get('token'),
        },
      });
    expect((await openLink()).statusCode).toBe(200);

    const before = (await admin.request('GET', '/api/admin/test-clock')).json();
    expect(before).toMatchObject({ available: true, offset_seconds: 0 });

    const moved = await advance(8 * DAY);
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ offset_seconds: 8 * DAY, simulator: 'advanced' });
    const ahead = Date.parse(moved.json().now) - Date.now();
    expect(ahead).toBeGreaterThan(8 * DAY * 1000 - 60_000);

    // The link was good for 7 days.
    const expired = await openLink();
    expect(expired.statusCode).toBe(410);

    // Instance B reads the shared offset (every 2 s on its own; here at once).
    await b.app.services.testClock.refresh();
    expect(b.app.ctx.clock.now().getTime() - Date.now()).toBeGreaterThan(8 * DAY * 1000 - 60_000);

    // The simulator's clock, which signs webhooks and dates events, travelled with it.
    const sim = (await (await fetch(`${a.sim.url}/_sim/clock`)).json()) as {
      offset_seconds: number;
    };
    expect(sim.offset_seconds).toBe(8 * DAY);

    // The travel is in the audit log.
    const audit = await admin.request('GET', '/api/admin/audit?action=test_clock.advanced');
    expect(audit.json().data[0]).toMatchObject({ action: 'test_clock.advanced' });
  });

  it("when the clock has travelled, then sign-ins keep real time: the session purge and the operator's session list leave live sessions alone", async () => {
    expect(a.app.ctx.clock.now().getTime() - Date.now()).toBeGreaterThan(DAY * 1000);
    const purge = allJobs(a.app).find((job) => job.name === 'sessions.purge')!;
    await purge.handler({} as never, { id: 'test', retryCount: 0 } as never);
    expect((await admin.request('GET', '/api/admin/test-clock')).statusCode).toBe(200);
    const sessions = await admin.request('GET', '/api/auth/sessions');
    expect(sessions.statusCode, sessions.body).toBe(200);
    expect(sessions.json().data.length).toBeGreaterThan(0);
  });

  it('when a job waits for a later time, then advancing past it makes it due at once', async () => {
    const database: Database = connectDatabase(own.url, { max: 2 });
    let queue: JobQueue | undefined;
    try {
      queue = await startJobQueue({
        connectionString: own.url,
        jobs: [{ name: 'clock.probe', handler: async () => {} }],
        work: false,
        logger: pino({ level: 'silent' }),
      });
      const sender = new LateBoundJobSender();
      sender.attach(queue);
      await sender.send('clock.probe', {}, { startAfter: new Date(Date.now() + 2 * 3_600_000) });
      const waiting = async () =>
        (
          await database.db.execute<{ n: string }>(
            // Due within the few seconds every worker gets to read the new offset.
            sql`select count(*) as n from pgboss.job
                 where name = 'clock.probe' and start_after > now() + interval '10 seconds'`,
          )
        ).rows[0]!.n;
      expect(await waiting()).toBe('1');

      const moved = await advance(3 * 3_600);
      expect(moved.json().jobs_moved).toBeGreaterThanOrEqual(1);
      expect(await waiting()).toBe('0');
    } finally {
      await queue?.stop();
      await database.close();
    }
  });

  it('when a job is sent for a time on the travelled clock, then pg-boss gets the machine time it stands for', async () => {
    const sent: Array<Date | number | undefined> = [];
    const sender = new LateBoundJobSender();
    sender.attach({
      send: async (_name: string, _data: object, options: { startAfter?: Date | number }) => {
        sent.push(options.startAfter);
      },
    } as unknown as JobQueue);
    sender.realTimeOf = (at) => at - 5_000;
    await sender.send('x', {}, { startAfter: new Date(10_000) });
    await sender.send('x', {}, { startAfter: 30 });
    expect(sent).toEqual([new Date(5_000), 30]);
  });

  it('when the same move is retried with its Idempotency-Key, then the clock moves once', async () => {
    const before = (await admin.request('GET', '/api/admin/test-clock')).json().offset_seconds;
    const send = () =>
      admin.request('POST', '/api/admin/test-clock/advance', {
        body: { seconds: 60 },
        headers: { 'idempotency-key': 'clock-move-1' },
      });
    expect((await send()).statusCode).toBe(200);
    const replay = await send();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await admin.request('GET', '/api/admin/test-clock')).json().offset_seconds).toBe(
      before + 60,
    );
  });

  it('when the input is bad or the caller is not an operator, then it is refused and the clock stays', async () => {
    const offset = (await admin.request('GET', '/api/admin/test-clock')).json().offset_seconds;
    for (const seconds of [0, -5, 1.5, '60', 400 * DAY, 1e308, '\u0000', [], null])
      expect((await advance(seconds)).statusCode, String(seconds)).toBe(400);
    const customer = new TestClient(a.app);
    await customer.signup(uniqueEmail('clock-customer'));
    expect((await advance(60, customer)).statusCode).toBe(403);
    expect((await advance(60, new TestClient(a.app))).statusCode).toBe(401);
    expect((await admin.request('GET', '/api/admin/test-clock')).json().offset_seconds).toBe(
      offset,
    );
  });

  it('when Stripe is real (no simulator), then there is no clock to move: 409 test_clock_unavailable', async () => {
    const clock = new TestClock({
      db: a.database.db,
      logger: pino({ level: 'silent' }),
      clock: undefined,
      simulatorUrl: undefined,
    });
    expect(clock.status().available).toBe(false);
    await expect(clock.advance(60, systemActor('test'))).rejects.toMatchObject({
      status: 409,
      code: 'test_clock_unavailable',
    });
  });
});

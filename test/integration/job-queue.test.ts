// The real job queue (pg-boss on the test database, in a schema of its own) working the real
// payment sync handler: what TestApp.runJobs stands in for elsewhere — the data arrives as sent,
// a handler that throws is run again with a higher retryCount.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { addFault, clearFaults } from '../helpers/stripe.ts';
import {
  DEFAULT_BATCH_SIZE,
  LateBoundJobSender,
  startJobQueue,
  type JobDefinition,
  type JobQueue,
} from '../../src/jobs/queue.ts';
import { syncPaymentJob } from '../../src/modules/payments/jobs.ts';
import { SYNC_PAYMENT_JOB } from '../../src/modules/payments/job-names.ts';
import { orders, payments } from '../../src/db/schema.ts';

let t: TestApp;
let queue: JobQueue;
const flakyRuns: Array<{ data: object; retryCount: number }> = [];
/** Fails its first run, succeeds on the retry. */
const flakyJob: JobDefinition<{ n: number }> = {
  name: 'test.flaky',
  retryLimit: 2,
  retryDelaySeconds: 1,
  handler: async (data, meta) => {
    flakyRuns.push({ data, retryCount: meta.retryCount });
    if (meta.retryCount === 0) throw new Error('the first run fails');
  },
};

const transactionalRuns: number[] = [];
/** Sent inside a transaction: it must run exactly when that transaction commits. */
const transactionalJob: JobDefinition<{ n: number }> = {
  name: 'test.transactional',
  handler: async (data) => {
    transactionalRuns.push(data.n);
  },
};
const batchedRuns: number[] = [];
/** No batch size of its own: the queue's default applies. */
const batchedJob: JobDefinition<{ n: number }> = {
  name: 'test.batched',
  handler: async (data) => {
    batchedRuns.push(data.n);
  },
};
const schema = `pgboss_test_${process.pid}_${Date.now()}`;

beforeAll(async () => {
  t = await createTestApp({ env: { STRIPE_TIMEOUT_MS: '400', STRIPE_MAX_NETWORK_RETRIES: '2' } });
  queue = await startJobQueue({
    connectionString: inject('databaseUrl'),
    jobs: [
      syncPaymentJob(t.app.services.payments),
      flakyJob,
      transactionalJob,
      batchedJob,
    ] as JobDefinition<never>[],
    work: true,
    logger: pino({ level: 'silent' }),
    schema,
  });
});
afterEach(() => clearFaults(t));
afterAll(async () => {
  await queue?.stop();
  await t.close();
});

/** Reads until `done` holds (the worker polls every second), or fails after `timeoutMs`. */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the pg-boss queue', () => {
  it('when the app queues a payment sync and a worker runs it, then the unknown payment settles as paid', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    await addFault(t, {
      match: 'POST /v1/payment_intents',
      kind: 'error_500',
      phase: 'after',
      count: 3,
    });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode).toBe(202);
    const paymentId = res.json().payment.id as string;
    await clearFaults(t);

    // Forward what the app queued, as the attached LateBoundJobSender would.
    const sent = t.jobs.filter(
      (j) =>
        j.name === SYNC_PAYMENT_JOB && (j.data as { paymentId: string }).paymentId === paymentId,
    );
    expect(sent).toHaveLength(1);
    expect(await queue.send(sent[0]!.name, sent[0]!.data)).toEqual(expect.any(String));

    const settled = await eventually(
      async () =>
        (await t.database.db.select().from(payments).where(eq(payments.id, paymentId)))[0]!,
      (p) => p.status !== 'unknown',
    );
    expect(settled).toMatchObject({ status: 'succeeded', amountCaptured: order.amount });
    const [orderRow] = await t.database.db.select().from(orders).where(eq(orders.id, order.id));
    expect(orderRow!.status).toBe('paid');
  });

  it('when a handler throws, then pg-boss runs the job again with the same data and a higher retryCount', async () => {
    await queue.send(flakyJob.name, { n: 7 });
    const runs = await eventually(
      async () => flakyRuns.filter((r) => (r.data as { n: number }).n === 7),
      (r) => r.length >= 2,
    );
    expect(runs).toEqual([
      { data: { n: 7 }, retryCount: 0 },
      { data: { n: 7 }, retryCount: 1 },
    ]);
  });

  it('when a job is sent inside a transaction, then it is queued only if that transaction commits', async () => {
    const sender = new LateBoundJobSender();
    sender.attach(queue);
    const queued = async (n: number) =>
      (
        await t.database.pool.query(
          `SELECT count(*)::int AS n FROM ${schema}.job WHERE name = $1 AND data->>'n' = $2`,
          [transactionalJob.name, String(n)],
        )
      ).rows[0].n as number;

    // Rolled back: the job goes with it.
    await expect(
      t.database.db.transaction(async (tx) => {
        await sender.send(transactionalJob.name, { n: 1 }, { within: tx });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await queued(1)).toBe(0);

    // Committed: not visible to others before the commit, then worked. (The embedded database
    // serves one transaction at a time: another connection would wait for this one to end.)
    await t.database.db.transaction(async (tx) => {
      await sender.send(transactionalJob.name, { n: 2 }, { within: tx });
      if (process.env.DATABASE_URL) expect(await queued(2)).toBe(0);
    });
    expect(await queued(2)).toBe(1);
    const runs = await eventually(
      async () => [...transactionalRuns],
      (r) => r.includes(2),
    );
    expect(runs).toEqual([2]);
  });

  it('when many jobs wait in a queue, then a worker fetches them several at a time, not one a poll', async () => {
    // pg-boss polls once a second; one job a fetch would drain 25 jobs in 25 s.
    await queue.boss.insert(
      batchedJob.name,
      Array.from({ length: 25 }, (_, n) => ({ data: { n } })),
    );
    const runs = await eventually(
      async () => [...batchedRuns],
      (r) => r.length >= 25,
    );
    expect(runs.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, n) => n));
    // Jobs fetched together share their start time (one statement starts them).
    const { rows } = await t.database.pool.query(
      `SELECT count(DISTINCT started_on)::int AS fetches FROM ${schema}.job WHERE name = $1`,
      [batchedJob.name],
    );
    expect(rows[0].fetches).toBeLessThanOrEqual(Math.ceil(25 / DEFAULT_BATCH_SIZE));
  });
});

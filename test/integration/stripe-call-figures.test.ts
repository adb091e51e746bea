// Stripe call figures in the database (ADR 020): each process adds its per-minute counts, so
// two flushes of one process and the flushes of two processes sum; a flush the database refused
// is kept for the next one; the provider tells the recorder which calls were Stripe's trouble.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, gte, lt } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { connectDatabase } from '../../src/db/client.ts';
import { stripeCallMinutes } from '../../src/db/schema.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import {
  STRIPE_LATENCY_BUCKETS_MS,
  StripeCallRecorder,
  flushStripeCalls,
  readStripeCallSummary,
  rollUpStripeCalls,
} from '../../src/modules/dashboard/stripe-calls.ts';
import { ROLLED_UP_INSTANCE } from '../../src/modules/dashboard/repository.ts';
import { StripeProvider } from '../../src/stripe/stripe-provider.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** A minute of its own for each test, years ahead of every other test file's clock. */
let minutes = 0;
const aMinuteOfOurOwn = () =>
  new Date(Date.UTC(2033, 0, 1, 0, 0) + process.pid * 3_600_000 + minutes++ * 60_000);

describe('Stripe call figures in the database', () => {
  it('when one process flushes twice and another once in the same minute, then the stored counts and buckets are their sums', async () => {
    const minute = aMinuteOfOurOwn();
    const clock = new ManualClock(minute);
    const [a, b] = [new StripeCallRecorder(clock), new StripeCallRecorder(clock)];
    a.record('payment_intents.create', 20, false);
    a.record('payment_intents.create', 40, false);
    expect(await flushStripeCalls(t.database.db, a)).toBe(1);
    a.record('payment_intents.create', 3000, true);
    expect(await flushStripeCalls(t.database.db, a)).toBe(1);
    expect(await flushStripeCalls(t.database.db, a)).toBe(0);
    b.record('payment_intents.create', 20, false);
    b.record('refunds.create', 90, false);
    await flushStripeCalls(t.database.db, b);

    const [row] = await t.database.db
      .select()
      .from(stripeCallMinutes)
      .where(
        and(
          eq(stripeCallMinutes.minute, minute),
          eq(stripeCallMinutes.instance, a.instance),
          eq(stripeCallMinutes.operation, 'payment_intents.create'),
        ),
      );
    expect(row).toMatchObject({
      calls: 3,
      errors: 1,
      latencyBuckets: [1, 1, 0, 0, 0, 0, 0, 1, 0, 0],
    });

    const summary = await readStripeCallSummary(
      t.database.db,
      minute,
      new Date(minute.getTime() + 60_000),
    );
    // 5 calls: 2 up to 25 ms, 1 in 25–50 ms, 1 in 50–100 ms, 1 in 1.6–3.2 s. The median (rank
    // 2.5) lies halfway through the 25–50 ms bucket; p99 (rank 4.95) 95 % through 1.6–3.2 s.
    expect(summary).toEqual({
      calls: 5,
      errors: 1,
      errorRate: 0.2,
      p50Ms: 37.5,
      p99Ms: 3120,
    });
    // The minute before holds none of them: windows are [since, until).
    const previous = new Date(minute.getTime() - 60_000);
    expect((await readStripeCallSummary(t.database.db, previous, minute)).calls).toBe(0);
  });

  it('when the database refuses a flush, then the counts stay in memory and the next flush stores them', async () => {
    const minute = aMinuteOfOurOwn();
    const recorder = new StripeCallRecorder(new ManualClock(minute));
    recorder.record('customers.create', 120, false);
    const unreachable = connectDatabase('postgres://postgres@127.0.0.1:1/none', {
      max: 1,
      connectionTimeoutMs: 500,
    });
    try {
      await expect(flushStripeCalls(unreachable.db, recorder)).rejects.toThrow();
    } finally {
      await unreachable.close();
    }
    recorder.record('customers.create', 120, false);
    expect(await flushStripeCalls(t.database.db, recorder)).toBe(1);
    const summary = await readStripeCallSummary(
      t.database.db,
      minute,
      new Date(minute.getTime() + 60_000),
    );
    expect(summary).toMatchObject({ calls: 2, errors: 0 });
  });

  it('when Stripe answers 5xx, then the call counts as an error; a 4xx answer does not', async () => {
    const clock = new ManualClock(aMinuteOfOurOwn());
    const recorder = new StripeCallRecorder(clock);
    const provider = new StripeProvider({
      secretKey: 'sk_test_paydeck_tests',
      apiBase: t.sim.url,
      maxNetworkRetries: 0,
      onCall: (operation, ms, failed) => recorder.record(operation, ms, failed),
    });
    await provider.ping();
    await expect(provider.retrievePaymentMethod('pm_does_not_exist')).rejects.toThrow();
    const fault = await fetch(`${t.sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: 'GET /v1/customers', kind: 'error_500', remaining: 1 }),
    });
    expect(fault.ok).toBe(true);
    await expect(provider.ping()).rejects.toThrow();

    const rows = recorder.take();
    expect(rows.map((r) => [r.operation, r.calls, r.errors])).toEqual([
      ['customers.list', 2, 1],
      ['payment_methods.retrieve', 1, 0],
    ]);
    for (const row of rows) expect(row.buckets).toHaveLength(STRIPE_LATENCY_BUCKETS_MS.length);
  });
});

describe('Stripe call figures rolled up by the hour', () => {
  it('when minute rows are two days old, then they fold into one row per hour and operation, and the totals stay the same', async () => {
    // 1989: no test file's clock goes there. Every app in the run also rolls up by the wall clock
    // (which folds these rows too), so the test checks the outcome, not which process folded.
    const clock = new ManualClock(new Date('1989-06-01T10:58:00Z'));
    const [a, b] = [new StripeCallRecorder(clock), new StripeCallRecorder(clock)];
    a.record('refunds.create', 20, false);
    b.record('refunds.create', 300, true);
    clock.advance(60_000);
    a.record('refunds.create', 20, false);
    clock.advance(60_000); // 11:00, the next hour
    a.record('refunds.create', 20, false);
    for (const r of [a, b]) await flushStripeCalls(t.database.db, r);
    const since = new Date('1989-06-01T10:00:00Z');
    const hourOf = (from: Date) =>
      t.database.db
        .select()
        .from(stripeCallMinutes)
        .where(
          and(
            gte(stripeCallMinutes.minute, from),
            lt(stripeCallMinutes.minute, new Date(from.getTime() + 3_600_000)),
          ),
        );
    const until = new Date('1989-06-01T12:00:00Z');
    const summary = () => readStripeCallSummary(t.database.db, since, until);
    const before = await summary();
    expect(before).toMatchObject({ calls: 4, errors: 1 });

    expect(
      await rollUpStripeCalls(t.database.db, new Date('1989-06-03T11:00:00Z')),
    ).toBeGreaterThanOrEqual(0);
    const folded = await hourOf(since);
    expect(folded.map((r) => [r.minute.toISOString(), r.instance, r.calls, r.errors])).toEqual([
      ['1989-06-01T10:00:00.000Z', ROLLED_UP_INSTANCE, 3, 1],
    ]);
    expect(folded[0]!.latencyBuckets).toEqual([2, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(await summary()).toEqual(before);

    // Late counts for a folded hour add to its row.
    clock.set(new Date('1989-06-01T10:30:00Z'));
    a.record('refunds.create', 20, false);
    await flushStripeCalls(t.database.db, a);
    await rollUpStripeCalls(t.database.db, new Date('1989-06-03T11:00:00Z'));
    expect((await hourOf(since)).map((r) => [r.instance, r.calls])).toEqual([
      [ROLLED_UP_INSTANCE, 4],
    ]);
    expect((await summary()).calls).toBe(before.calls + 1);
  });
});

// The dashboard's Stripe call figures (ADR 020): latency buckets, percentiles from summed
// buckets, and the recorder's bounded memory while the database is away.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.ts';
import {
  STRIPE_LATENCY_BUCKETS_MS,
  StripeCallRecorder,
  bucketOf,
  percentileFromBuckets,
} from '../../src/modules/dashboard/stripe-calls.ts';

const buckets = (counts: Record<number, number>) =>
  STRIPE_LATENCY_BUCKETS_MS.map((_, i) => counts[i] ?? 0);

describe('Stripe latency buckets', () => {
  it('when a call lasts exactly a bound, then it counts in that bound’s bucket; slower than every bound, in the last', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(25)).toBe(0);
    expect(bucketOf(25.01)).toBe(1);
    expect(bucketOf(6400)).toBe(8);
    expect(bucketOf(6400.5)).toBe(9);
    expect(bucketOf(1e9)).toBe(STRIPE_LATENCY_BUCKETS_MS.length - 1);
  });

  it('when percentiles are read from buckets, then they interpolate inside the bucket the rank falls in', () => {
    // 100 calls between 25 and 50 ms: p50 halfway, p99 near the top.
    expect(percentileFromBuckets(buckets({ 1: 100 }), 0.5)).toBeCloseTo(37.5);
    expect(percentileFromBuckets(buckets({ 1: 100 }), 0.99)).toBeCloseTo(49.75);
    // 90 fast calls and 10 slow ones: the median among the fast, p99 among the slow.
    const mixed = buckets({ 0: 90, 7: 10 });
    expect(percentileFromBuckets(mixed, 0.5)).toBeCloseTo((25 * 50) / 90);
    expect(percentileFromBuckets(mixed, 0.99)).toBeCloseTo(1600 + 1600 * 0.9);
    // Empty buckets before the rank do not shift it.
    expect(percentileFromBuckets(buckets({ 3: 1 }), 0.5)).toBeCloseTo(150);
  });

  it('when the rank falls in the open-ended last bucket, then the last finite bound is reported; without calls, null', () => {
    expect(percentileFromBuckets(buckets({ 9: 5 }), 0.5)).toBe(6400);
    expect(percentileFromBuckets(buckets({ 0: 99, 9: 1 }), 0.999)).toBe(6400);
    expect(percentileFromBuckets(buckets({}), 0.5)).toBeNull();
  });
});

describe('StripeCallRecorder', () => {
  it('when calls are recorded, then they are counted per minute and operation, errors apart', () => {
    const clock = new ManualClock(new Date('2030-05-01T10:00:30Z'));
    const recorder = new StripeCallRecorder(clock);
    recorder.record('payment_intents.create', 30, false);
    recorder.record('payment_intents.create', 700, true);
    recorder.record('refunds.create', 10, false);
    clock.advance(60_000);
    recorder.record('payment_intents.create', 10, false);
    const rows = recorder.take();
    expect(rows).toEqual([
      {
        minute: new Date('2030-05-01T10:00:00Z'),
        operation: 'payment_intents.create',
        calls: 2,
        errors: 1,
        buckets: buckets({ 1: 1, 5: 1 }),
      },
      {
        minute: new Date('2030-05-01T10:00:00Z'),
        operation: 'refunds.create',
        calls: 1,
        errors: 0,
        buckets: buckets({ 0: 1 }),
      },
      {
        minute: new Date('2030-05-01T10:01:00Z'),
        operation: 'payment_intents.create',
        calls: 1,
        errors: 0,
        buckets: buckets({ 0: 1 }),
      },
    ]);
    expect(recorder.take()).toEqual([]);
    expect(recorder.instance).toMatch(/^.+:\d+:.+$/);
  });

  it('when rows come back from a failed flush, then they add to what was counted since, and past the bound the oldest minutes go', () => {
    const clock = new ManualClock(new Date('2030-05-01T10:00:00Z'));
    const recorder = new StripeCallRecorder(clock, { maxPending: 2 });
    recorder.record('customers.create', 30, false);
    const failed = recorder.take();
    recorder.record('customers.create', 30, true);
    recorder.putBack(failed);
    expect(recorder.take()).toEqual([
      expect.objectContaining({ calls: 2, errors: 1, buckets: buckets({ 1: 2 }) }),
    ]);

    for (const minute of [0, 1, 2]) {
      clock.set(new Date(Date.UTC(2030, 4, 1, 11, minute)));
      recorder.record('customers.create', 30, false);
    }
    recorder.putBack([]);
    expect(recorder.dropped).toBe(1);
    expect(recorder.take().map((r) => r.minute.toISOString())).toEqual([
      '2030-05-01T11:01:00.000Z',
      '2030-05-01T11:02:00.000Z',
    ]);
  });
});

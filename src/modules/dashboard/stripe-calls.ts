// Stripe call figures that survive a restart and add up across instances. Each process keeps
// an in-memory count per minute and operation (StripeCallRecorder, fed by the Stripe provider
// after every call), and a plugin (stripe-calls-plugin.ts) adds those counts to the
// `stripe_call_minutes` table every few seconds. Nothing is written in the request path.
//
// readStripeCallSummary is what the dashboard and the alert rules read: calls, errors and
// latency percentiles over a period, from the buckets summed across every instance.
import { hostname } from 'node:os';
import type { Db, DbOrTx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken } from '../../lib/crypto.ts';
import * as repo from './repository.ts';
import type { StripeCallMinute } from './repository.ts';

/**
 * Upper bounds, in milliseconds, of the latency buckets stored for each minute; the last bucket
 * takes everything slower. Fixed: stored rows are summed element by element across processes and
 * days, so changing the bounds means starting a new table (or a new column) for the new ones.
 */
export const STRIPE_LATENCY_BUCKETS_MS = [
  25,
  50,
  100,
  200,
  400,
  800,
  1600,
  3200,
  6400,
  Number.POSITIVE_INFINITY,
] as const;

/** How many minute × operation entries a process keeps while the database cannot take them. */
const DEFAULT_MAX_PENDING = 10_000;

export function bucketOf(ms: number): number {
  const i = STRIPE_LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? STRIPE_LATENCY_BUCKETS_MS.length - 1 : i;
}

/**
 * The `q` quantile (0–1) of the latencies counted in `buckets`, interpolated linearly inside the
 * bucket it falls in, as Prometheus's histogram_quantile does. A quantile in the open-ended last
 * bucket is reported as that bucket's lower bound (the slowest bound we know). Null without calls.
 */
export function percentileFromBuckets(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : STRIPE_LATENCY_BUCKETS_MS[i - 1]!;
      const upper = STRIPE_LATENCY_BUCKETS_MS[i] ?? Number.POSITIVE_INFINITY;
      if (!Number.isFinite(upper)) return lower;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return STRIPE_LATENCY_BUCKETS_MS[STRIPE_LATENCY_BUCKETS_MS.length - 2]!;
}

export interface StripeCallSummary {
  calls: number;
  /** 5xx answers, timeouts and connection failures; card declines are answers, not errors. */
  errors: number;
  /** errors ÷ calls; 0 without calls. */
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** Stripe calls since `since` (until `until` when given), from every instance's stored minutes. */
export async function readStripeCallSummary(
  db: DbOrTx,
  since: Date,
  until?: Date,
): Promise<StripeCallSummary> {
  const totals = await repo.stripeCallTotals(db, since, until, STRIPE_LATENCY_BUCKETS_MS.length);
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    calls: totals.calls,
    errors: totals.errors,
    errorRate: totals.calls ? totals.errors / totals.calls : 0,
    p50Ms: round(percentileFromBuckets(totals.buckets, 0.5)),
    p99Ms: round(percentileFromBuckets(totals.buckets, 0.99)),
  };
}

const minuteOf = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000);

/** One process's Stripe calls, counted per minute and operation until the next flush. */
export class StripeCallRecorder {
  /** Names this process's rows: several processes add to the same minute without contention. */
  readonly instance = `${hostname()}:${process.pid}:${randomToken(4)}`;
  private pending = new Map<string, StripeCallMinute>();
  private readonly maxPending: number;
  /** Entries dropped because the database stayed away too long (for the log). */
  dropped = 0;

  constructor(
    private readonly clock: Clock,
    options: { maxPending?: number } = {},
  ) {
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
  }

  /** Counts one call; `failed` when Stripe was in trouble (5xx, timeout, no connection). */
  record(operation: string, ms: number, failed: boolean): void {
    const entry = this.entry(minuteOf(this.clock.now()), operation);
    entry.calls += 1;
    if (failed) entry.errors += 1;
    entry.buckets[bucketOf(ms)]! += 1;
  }

  /** Hands over everything counted so far and starts afresh. */
  take(): StripeCallMinute[] {
    const rows = [...this.pending.values()];
    this.pending = new Map();
    return rows;
  }

  /**
   * Takes back rows a flush could not write, adding them to what was counted since. Past
   * `maxPending` entries the oldest minutes are dropped: memory stays bounded through a long
   * database outage, at the cost of those minutes' figures.
   */
  putBack(rows: StripeCallMinute[]): void {
    for (const row of rows) {
      const entry = this.entry(row.minute, row.operation);
      entry.calls += row.calls;
      entry.errors += row.errors;
      row.buckets.forEach((n, i) => (entry.buckets[i]! += n));
    }
    if (this.pending.size <= this.maxPending) return;
    const oldestFirst = [...this.pending.entries()].sort(
      ([, a], [, b]) => a.minute.getTime() - b.minute.getTime(),
    );
    for (const [key] of oldestFirst.slice(0, this.pending.size - this.maxPending)) {
      this.pending.delete(key);
      this.dropped += 1;
    }
  }

  private entry(minute: Date, operation: string): StripeCallMinute {
    const key = `${minute.getTime()} ${operation}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = {
        minute,
        operation,
        calls: 0,
        errors: 0,
        buckets: STRIPE_LATENCY_BUCKETS_MS.map(() => 0),
      };
      this.pending.set(key, entry);
    }
    return entry;
  }
}

/**
 * Adds what `recorder` counted to the database; on failure the counts go back to the recorder
 * for the next flush, and the error is rethrown. Answers how many rows were written.
 */
export async function flushStripeCalls(db: DbOrTx, recorder: StripeCallRecorder): Promise<number> {
  const rows = recorder.take();
  if (!rows.length) return 0;
  try {
    await repo.addStripeCallMinutes(db, recorder.instance, rows);
    return rows.length;
  } catch (err) {
    recorder.putBack(rows);
    throw err;
  }
}

/**
 * How old minute rows get before they are folded into hourly rows: older than any alert rule
 * looks back, so rules keep minute resolution; the dashboard's 7- and 30-day windows read hours.
 */
export const ROLL_UP_AFTER_MS = 2 * 24 * 3_600_000;

/** Folds minute rows older than ROLL_UP_AFTER_MS into hourly rows; answers how many it folded. */
export function rollUpStripeCalls(db: Db, now: Date): Promise<number> {
  return repo.rollUpBefore(
    db,
    new Date(now.getTime() - ROLL_UP_AFTER_MS),
    STRIPE_LATENCY_BUCKETS_MS.length,
  );
}

// Data access for the dashboard: Stripe call figures per minute (written by every process's
// recorder, read by the dashboard and the alert rules). The alerts firing now come from the
// alerts component; figures about
// payments, refunds, disputes, webhooks and reconciliation come from their own components.
import { and, count, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { stripeCallMinutes } from '../../db/schema.ts';

/** One process's counts for one minute and operation, as the recorder hands them over. */
export interface StripeCallMinute {
  minute: Date;
  operation: string;
  calls: number;
  errors: number;
  /** Counts per latency bucket, in the order of STRIPE_LATENCY_BUCKETS_MS. */
  buckets: number[];
}

/** ON CONFLICT … DO UPDATE: the stored counts plus the new ones, buckets element by element. */
const addToStored = {
  calls: sql`stripe_call_minutes.calls + excluded.calls`,
  errors: sql`stripe_call_minutes.errors + excluded.errors`,
  latencyBuckets: sql`array(
    select coalesce(a, 0) + coalesce(b, 0)
    from unnest(stripe_call_minutes.latency_buckets, excluded.latency_buckets)
      with ordinality as u(a, b, i)
    order by i)`,
};

/**
 * Adds the counts to what is stored for each (minute, instance, operation): a row flushed twice
 * (a minute spanning two flushes) holds the sum, buckets added element by element.
 */
export async function addStripeCallMinutes(
  tx: DbOrTx,
  instance: string,
  rows: StripeCallMinute[],
): Promise<void> {
  if (!rows.length) return;
  await tx
    .insert(stripeCallMinutes)
    .values(
      rows.map((r) => ({
        minute: r.minute,
        instance,
        operation: r.operation,
        calls: r.calls,
        errors: r.errors,
        latencyBuckets: r.buckets,
      })),
    )
    .onConflictDoUpdate({
      target: [stripeCallMinutes.minute, stripeCallMinutes.instance, stripeCallMinutes.operation],
      set: addToStored,
    });
}

/** `sum(latency_buckets[1]), …, sum(latency_buckets[n])` over `column`'s rows. */
const bucketSums = (column: SQL, bucketCount: number) =>
  sql.join(
    Array.from(
      { length: bucketCount },
      (_, i) => sql`coalesce(sum(${column}[${sql.raw(String(i + 1))}]), 0)`,
    ),
    sql`, `,
  );

// Retention (ADR 024): minute and hourly rows older than RETENTION_METRIC_MINUTES.
export async function countStripeCallMinutesBefore(db: DbOrTx, before: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(stripeCallMinutes)
    .where(lt(stripeCallMinutes.minute, before));
  return row?.n ?? 0;
}

/** Deletes up to `limit` rows older than `before` (keyed by ctid: the key has three columns). */
export async function deleteStripeCallMinutesBefore(
  db: DbOrTx,
  before: Date,
  limit: number,
): Promise<number> {
  const result = await db.execute(sql`
    delete from stripe_call_minutes
     where ctid in (select ctid from stripe_call_minutes where minute < ${before} limit ${limit})
       and minute < ${before}`);
  return result.rowCount ?? 0;
}

/** The `instance` of rows that hold one hour of every instance's calls (see rollUpBefore). */
export const ROLLED_UP_INSTANCE = '*';
/** Any constant: one process at a time rolls minutes up. */
const ROLL_UP_LOCK = 11_2026_0020;

/**
 * Folds the per-instance minute rows older than `before` into one row per hour and operation
 * (instance ROLLED_UP_INSTANCE, `minute` the hour's start in UTC), added to any such row already
 * there. A month of figures then reads a few thousand rows instead of half a million, and the
 * table stops growing by the minute. Answers how many minute rows were folded; 0 when another
 * process holds the roll-up lock.
 */
export async function rollUpBefore(db: Db, before: Date, bucketCount: number): Promise<number> {
  return db.transaction(async (tx) => {
    const [lock] = await tx
      .execute<{ locked: boolean }>(
        sql`select pg_try_advisory_xact_lock(${ROLL_UP_LOCK}) as locked`,
      )
      .then((r) => r.rows);
    if (!lock?.locked) return 0;
    const result = await tx.execute(sql`
      with moved as (
        delete from stripe_call_minutes
        where minute < ${before} and instance <> ${ROLLED_UP_INSTANCE}
        returning minute, operation, calls, errors, latency_buckets
      )
      , folded as (
        insert into stripe_call_minutes as s (minute, instance, operation, calls, errors, latency_buckets)
      select date_trunc('hour', minute, 'UTC'), ${ROLLED_UP_INSTANCE}, operation, sum(calls),
        sum(errors), array[${bucketSums(sql.raw('latency_buckets'), bucketCount)}]::int[]
      from moved
      group by 1, 3
      on conflict (minute, instance, operation) do update set
        calls = s.calls + excluded.calls,
        errors = s.errors + excluded.errors,
        latency_buckets = array(
          select coalesce(a, 0) + coalesce(b, 0)
          from unnest(s.latency_buckets, excluded.latency_buckets) with ordinality as u(a, b, i)
          order by i)
        returning 1)
      select count(*) as moved from moved`);
    return Number((result.rows[0] as { moved?: string } | undefined)?.moved ?? 0);
  });
}

/**
 * Calls, errors and latency buckets summed over every instance and operation from `since` (to
 * `until` when given): a range scan on the primary key (minute first). Each bucket is summed by
 * subscript, several times cheaper than unnesting the arrays.
 */
export async function stripeCallTotals(
  tx: DbOrTx,
  since: Date,
  until: Date | undefined,
  bucketCount: number,
): Promise<{ calls: number; errors: number; buckets: number[] }> {
  const [row] = await tx
    .select({
      calls: sql<string>`coalesce(sum(${stripeCallMinutes.calls}), 0)`,
      errors: sql<string>`coalesce(sum(${stripeCallMinutes.errors}), 0)`,
      buckets: sql<
        string[]
      >`array[${bucketSums(sql`${stripeCallMinutes.latencyBuckets}`, bucketCount)}]::bigint[]`,
    })
    .from(stripeCallMinutes)
    .where(
      and(
        gte(stripeCallMinutes.minute, since),
        until ? lt(stripeCallMinutes.minute, until) : undefined,
      ),
    );
  return {
    calls: Number(row?.calls ?? 0),
    errors: Number(row?.errors ?? 0),
    buckets: (row?.buckets ?? []).map(Number),
  };
}

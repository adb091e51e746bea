// Data access for time travel: the shared offset, and pg-boss jobs waiting for a time.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { testClock } from '../../db/schema.ts';
import { JOB_SCHEMA } from '../../jobs/queue.ts';

export async function readOffset(tx: DbOrTx): Promise<number> {
  const [row] = await tx.select({ offsetMs: testClock.offsetMs }).from(testClock);
  return row?.offsetMs ?? 0;
}

/** Adds `ms` to the offset (creating the row the first time); the new offset. */
export async function addOffset(tx: DbOrTx, ms: number, now: Date): Promise<number> {
  const [row] = await tx
    .insert(testClock)
    .values({ id: 1, offsetMs: ms, updatedAt: now })
    .onConflictDoUpdate({
      target: testClock.id,
      set: { offsetMs: sql`${testClock.offsetMs} + ${ms}`, updatedAt: now },
    })
    .returning({ offsetMs: testClock.offsetMs });
  return row!.offsetMs;
}

/** How long a job brought forward still waits: every worker reads the new offset meanwhile. */
const SHIFTED_JOBS_WAIT_SECONDS = 3;

/**
 * Brings every job waiting for a future time `ms` closer: pg-boss compares `start_after` with
 * the database's own clock, which time travel does not move. How many jobs moved. Nothing when
 * no queue ever started on this database (pg-boss creates its schema at start). A job now due
 * waits a few seconds more, so that every worker has read the new offset (TestClock refreshes
 * every 2 s) before it runs on it.
 */
export async function shiftWaitingJobs(tx: DbOrTx, ms: number): Promise<number> {
  const table = `${JOB_SCHEMA}.job`;
  const exists = await tx.execute(sql`select to_regclass(${table}) is not null as present`);
  if (!(exists.rows[0] as { present: boolean } | undefined)?.present) return 0;
  const moved = await tx.execute(sql`
    update ${sql.identifier(JOB_SCHEMA)}.job
       set start_after = greatest(
             start_after - make_interval(secs => ${ms / 1000}),
             now() + make_interval(secs => ${SHIFTED_JOBS_WAIT_SECONDS}))
     where state in ('created', 'retry')
       and start_after > now() + make_interval(secs => ${SHIFTED_JOBS_WAIT_SECONDS})`);
  return moved.rowCount ?? 0;
}

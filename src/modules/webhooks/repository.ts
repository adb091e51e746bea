// Data access for stored Stripe events.
import { and, asc, count, desc, eq, gte, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { builtOnce } from '../../db/prepared.ts';
import { webhookEvents } from '../../db/schema.ts';

export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type WebhookEventStatus = WebhookEventRow['status'];

/** Stores events under their Stripe ids; answers the ids stored now (not those already stored). */
export async function insertEvents(
  tx: DbOrTx,
  values: Array<typeof webhookEvents.$inferInsert>,
): Promise<string[]> {
  const inserted = await tx
    .insert(webhookEvents)
    .values(values)
    .onConflictDoNothing({ target: webhookEvents.stripeEventId })
    .returning({ stripeEventId: webhookEvents.stripeEventId });
  return inserted.map((row) => row.stripeEventId);
}

export async function findByStripeId(
  tx: DbOrTx,
  stripeEventId: string,
): Promise<WebhookEventRow | undefined> {
  const [row] = await tx
    .select()
    .from(webhookEvents)
    .where(eq(webhookEvents.stripeEventId, stripeEventId));
  return row;
}

const eventsByStripeIds = builtOnce((db) =>
  db
    .select()
    .from(webhookEvents)
    .where(sql`${webhookEvents.stripeEventId} = ANY(${sql.placeholder('ids')}::text[])`)
    .prepare(''),
);

/** The stored events of these Stripe ids, in no particular order: processing's grouped read (ADR 037). */
export async function findManyByStripeId(db: Db, ids: string[]): Promise<WebhookEventRow[]> {
  return eventsByStripeIds(db)!.execute({ ids });
}

export interface EventOutcome {
  stripeEventId: string;
  status: WebhookEventStatus;
  lastError: string | null;
  at: Date;
}

/**
 * Records processing outcomes, one statement for many events: the status, the error, one more
 * attempt, and when it was processed (none for a failure).
 */
export async function recordOutcomes(db: Db, outcomes: EventOutcome[]): Promise<void> {
  await db.execute(sql`
    UPDATE webhook_events AS w
       SET status = v.status, last_error = v.last_error, attempts = w.attempts + 1,
           processed_at = v.processed_at
      FROM unnest(
             ${sql.param(outcomes.map((o) => o.stripeEventId))}::text[],
             ${sql.param(outcomes.map((o) => o.status))}::text[],
             ${sql.param(outcomes.map((o) => o.lastError))}::text[],
             ${sql.param(outcomes.map((o) => (o.status === 'failed' ? null : o.at.toISOString())))}::timestamptz[]
           ) AS v(stripe_event_id, status, last_error, processed_at)
     WHERE w.stripe_event_id = v.stripe_event_id`);
}

export async function markReceived(
  tx: DbOrTx,
  stripeEventId: string,
): Promise<WebhookEventRow | undefined> {
  const [row] = await tx
    .update(webhookEvents)
    .set({ status: 'received', processedAt: null })
    .where(eq(webhookEvents.stripeEventId, stripeEventId))
    .returning();
  return row;
}

export interface EventFilters {
  status?: WebhookEventStatus | undefined;
  type?: string | undefined;
  objectId?: string | undefined;
}

/** Newest first (by arrival); `startingAfter` is the Stripe id of the previous page's last event. */
export async function listEvents(
  tx: DbOrTx,
  filters: EventFilters,
  options: { limit: number; startingAfter?: string | undefined },
): Promise<WebhookEventRow[]> {
  const conditions: SQL[] = [];
  if (filters.status) conditions.push(eq(webhookEvents.status, filters.status));
  if (filters.type) conditions.push(eq(webhookEvents.type, filters.type));
  if (filters.objectId) conditions.push(eq(webhookEvents.objectId, filters.objectId));
  if (options.startingAfter) {
    const cursor = await findByStripeId(tx, options.startingAfter);
    if (cursor) conditions.push(lt(webhookEvents.id, cursor.id));
  }
  return tx
    .select()
    .from(webhookEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(webhookEvents.id))
    .limit(options.limit);
}

export interface WebhookBacklog {
  /** Events stored and not processed yet (status `received`). */
  backlog: number;
  /** When the oldest of them arrived. */
  oldestReceivedAt: Date | null;
  /** Events received in [since, until) and processed (or ignored), and those that failed. */
  processed: number;
  failed: number;
  /** From arrival to processing, for the events received in [since, until) and processed. */
  delayP50Ms: number | null;
  delayP99Ms: number | null;
}

/**
 * The console dashboard's view of webhook processing. Each part is an index-only scan of
 * webhook_events_status_idx (status, received_at, processed_at): the backlog by status, the
 * window by status and arrival time, the delay from the two times the index holds.
 */
export async function backlog(tx: DbOrTx, since: Date, until: Date): Promise<WebhookBacklog> {
  const [waiting] = await tx
    .select({
      n: sql<string>`count(*)`,
      oldest: sql<string | null>`min(${webhookEvents.receivedAt})`,
    })
    .from(webhookEvents)
    .where(eq(webhookEvents.status, 'received'));
  const inWindow = and(gte(webhookEvents.receivedAt, since), lt(webhookEvents.receivedAt, until));
  const delay = sql`extract(epoch from ${webhookEvents.processedAt} - ${webhookEvents.receivedAt}) * 1000`;
  const [done] = await tx
    .select({
      n: sql<string>`count(*)`,
      // Both percentiles from one sort.
      p: sql<
        number[] | null
      >`percentile_cont(array[0.5, 0.99]::float8[]) within group (order by ${delay})`,
    })
    .from(webhookEvents)
    .where(and(inArray(webhookEvents.status, ['processed', 'ignored']), inWindow));
  const [failed] = await tx
    .select({ n: sql<string>`count(*)` })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.status, 'failed'), inWindow));
  const ms = (v: number | string | null | undefined) =>
    v === null || v === undefined ? null : Math.max(0, Math.round(Number(v)));
  return {
    backlog: Number(waiting?.n ?? 0),
    oldestReceivedAt: waiting?.oldest ? new Date(waiting.oldest) : null,
    processed: Number(done?.n ?? 0),
    failed: Number(failed?.n ?? 0),
    delayP50Ms: ms(done?.p?.[0]),
    delayP99Ms: ms(done?.p?.[1]),
  };
}

/** Events stored but never processed (their job was lost, e.g. a crash between insert and send). */
export function staleReceived(
  tx: DbOrTx,
  olderThan: Date,
  limit: number,
): Promise<Array<{ stripeEventId: string }>> {
  return tx
    .select({ stripeEventId: webhookEvents.stripeEventId })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.status, 'received'), lt(webhookEvents.receivedAt, olderThan)))
    .orderBy(webhookEvents.id)
    .limit(limit);
}

/** Stripe events about any of the given Stripe objects (intent, charge, refunds), by arrival. */
export function eventsAbout(tx: DbOrTx, objectIds: string[]): Promise<WebhookEventRow[]> {
  if (!objectIds.length) return Promise.resolve([]);
  return tx
    .select()
    .from(webhookEvents)
    .where(inArray(webhookEvents.objectId, objectIds))
    .orderBy(webhookEvents.receivedAt);
}

// Retention (ADR 024): the payload of a settled event goes once its period is over; the row stays
// (its Stripe id keeps duplicates out, its type and status keep the log). Events still to be
// processed, or failed and awaiting a replay, keep their payload.
const payloadExpired = (before: Date) =>
  and(
    isNotNull(webhookEvents.payload),
    inArray(webhookEvents.status, ['processed', 'ignored']),
    lt(webhookEvents.processedAt, before),
  );

export async function countExpiredPayloads(tx: DbOrTx, before: Date): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(webhookEvents).where(payloadExpired(before));
  return row?.n ?? 0;
}

/** Drops the payload of up to `limit` events processed before `before`; returns how many. */
export async function dropExpiredPayloads(
  tx: DbOrTx,
  before: Date,
  limit: number,
): Promise<number> {
  const batch = tx
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(payloadExpired(before))
    .orderBy(asc(webhookEvents.id))
    .limit(limit);
  // The condition again on the row itself: a replay between the two reads keeps its payload.
  const rows = await tx
    .update(webhookEvents)
    .set({ payload: null })
    .where(and(inArray(webhookEvents.id, batch), payloadExpired(before)))
    .returning({ id: webhookEvents.id });
  return rows.length;
}

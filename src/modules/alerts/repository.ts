// Data access for alerting: the events counted per minute, pg-boss's backlog, the rules' states,
// their history, and the notification outbox. Figures about payments, refunds, disputes, webhooks
// and reconciliation come from their own components (./measures.ts, ADR 015).
import {
  and,
  asc,
  count,
  desc,
  eq,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  sql,
} from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import {
  alertEvents,
  alertNotifications,
  alertStates,
  eventCountMinutes,
} from '../../db/schema.ts';

export type AlertStateRow = typeof alertStates.$inferSelect;
export type AlertEventRow = typeof alertEvents.$inferSelect;
export type AlertEventKind = AlertEventRow['kind'];
export type NotificationChannel = (typeof alertNotifications.$inferSelect)['channel'];

const num = (v: unknown) => Number(v ?? 0);

/** Events of one name counted since `since` by every process (event_count_minutes). */
export async function countedEvents(db: Db, name: string, since: Date): Promise<number> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${eventCountMinutes.count}), 0)` })
    .from(eventCountMinutes)
    .where(and(eq(eventCountMinutes.name, name), gte(eventCountMinutes.minute, since)));
  return num(row?.total);
}

/** Adds one process's counts to their minutes. */
export async function addEventCounts(
  db: Db,
  instance: string,
  counts: { name: string; minute: Date; count: number }[],
): Promise<void> {
  if (!counts.length) return;
  await db
    .insert(eventCountMinutes)
    .values(counts.map((c) => ({ ...c, instance })))
    .onConflictDoUpdate({
      target: [eventCountMinutes.name, eventCountMinutes.minute, eventCountMinutes.instance],
      set: { count: sql`${eventCountMinutes.count} + excluded.count` },
    });
}

/** Jobs due before `dueBefore` and not yet taken by a worker (pg-boss's own table). */
export async function jobBacklog(db: Db, schema: string, dueBefore: Date): Promise<number> {
  try {
    const { rows } = await db.execute<{ n: string }>(sql`
      SELECT count(*) AS n FROM ${sql.identifier(schema)}.job
       WHERE state IN ('created', 'retry') AND start_after < ${dueBefore.toISOString()}`);
    return num(rows[0]?.n);
  } catch (err) {
    // No job queue has started on this database yet (its tables come with it): nothing waits.
    const code =
      (err as { cause?: { code?: string }; code?: string }).cause?.code ??
      (err as { code?: string }).code;
    if (code === '42P01' || code === '3F000') return 0;
    throw err;
  }
}

// --- Rule states and their history -------------------------------------------------------

/** True when this transaction holds the evaluator's lock (one evaluation at a time). */
export async function tryEvaluatorLock(tx: DbOrTx, lockId: number): Promise<boolean> {
  const result = await tx.execute<{ locked: boolean }>(
    sql`SELECT pg_try_advisory_xact_lock(${lockId}) AS locked`,
  );
  return result.rows[0]?.locked === true;
}

export function allStates(db: DbOrTx): Promise<AlertStateRow[]> {
  return db.select().from(alertStates).orderBy(asc(alertStates.ruleId));
}

export async function stateOf(db: DbOrTx, ruleId: string): Promise<AlertStateRow | undefined> {
  const [row] = await db.select().from(alertStates).where(eq(alertStates.ruleId, ruleId));
  return row;
}

export async function saveState(tx: DbOrTx, row: AlertStateRow): Promise<void> {
  const { ruleId: _ruleId, ...rest } = row;
  await tx
    .insert(alertStates)
    .values(row)
    .onConflictDoUpdate({ target: alertStates.ruleId, set: rest });
}

export async function insertEvent(
  tx: DbOrTx,
  event: { ruleId: string; kind: AlertEventKind; value: number | null; summary: string; at: Date },
): Promise<number> {
  const [row] = await tx
    .insert(alertEvents)
    .values({
      ruleId: event.ruleId,
      kind: event.kind,
      value: event.value,
      summary: event.summary,
      createdAt: event.at,
    })
    .returning({ id: alertEvents.id });
  return row!.id;
}

export async function listEvents(
  db: Db,
  page: { limit: number; startingAfter?: number | undefined; ruleId?: string | undefined },
): Promise<{ data: AlertEventRow[]; hasMore: boolean }> {
  const rows = await db
    .select()
    .from(alertEvents)
    .where(
      and(
        page.startingAfter !== undefined ? lt(alertEvents.id, page.startingAfter) : undefined,
        page.ruleId !== undefined ? eq(alertEvents.ruleId, page.ruleId) : undefined,
      ),
    )
    .orderBy(desc(alertEvents.id))
    .limit(page.limit + 1);
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

// --- The notification outbox -------------------------------------------------------------

export async function queueNotifications(
  tx: DbOrTx,
  eventId: number,
  channels: NotificationChannel[],
): Promise<void> {
  if (!channels.length) return;
  await tx.insert(alertNotifications).values(channels.map((channel) => ({ eventId, channel })));
}

export interface DueNotification {
  id: number;
  channel: NotificationChannel;
  attempts: number;
  event: AlertEventRow;
}

/**
 * Takes up to `limit` due notifications for this sender: each gets a lease (not due again before
 * `leaseUntil`), so two workers never send the same one at the same time. A sender that dies
 * mid-way leaves it to be sent again after the lease: at least once, never lost.
 */
export async function claimDueNotifications(
  db: Db,
  now: Date,
  leaseUntil: Date,
  maxAttempts: number,
  limit: number,
): Promise<DueNotification[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: alertNotifications.id })
      .from(alertNotifications)
      .where(
        and(
          isNull(alertNotifications.sentAt),
          lte(alertNotifications.nextAttemptAt, now),
          lt(alertNotifications.attempts, maxAttempts),
        ),
      )
      .orderBy(asc(alertNotifications.id))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (!due.length) return [];
    const claimed = await tx
      .update(alertNotifications)
      .set({ nextAttemptAt: leaseUntil, attempts: sql`${alertNotifications.attempts} + 1` })
      .where(
        inArray(
          alertNotifications.id,
          due.map((d) => d.id),
        ),
      )
      .returning();
    const events = await tx
      .select()
      .from(alertEvents)
      .where(
        inArray(
          alertEvents.id,
          claimed.map((c) => c.eventId),
        ),
      );
    const byId = new Map(events.map((e) => [e.id, e]));
    return claimed
      .map((c) => ({
        id: c.id,
        channel: c.channel,
        attempts: c.attempts,
        event: byId.get(c.eventId)!,
      }))
      .sort((a, b) => a.id - b.id);
  });
}

export async function markSent(db: Db, id: number, at: Date): Promise<void> {
  await db
    .update(alertNotifications)
    .set({ sentAt: at, lastError: null })
    .where(eq(alertNotifications.id, id));
}

// Retention (ADR 024): delivered notifications past their period; undelivered ones stay.
const sentBefore = (before: Date) =>
  and(isNotNull(alertNotifications.sentAt), lt(alertNotifications.sentAt, before));

export async function countSentNotifications(db: DbOrTx, before: Date): Promise<number> {
  const [row] = await db.select({ n: count() }).from(alertNotifications).where(sentBefore(before));
  return row?.n ?? 0;
}

export async function deleteSentNotifications(
  db: DbOrTx,
  before: Date,
  limit: number,
): Promise<number> {
  const batch = db
    .select({ id: alertNotifications.id })
    .from(alertNotifications)
    .where(sentBefore(before))
    .orderBy(asc(alertNotifications.sentAt))
    .limit(limit);
  const rows = await db
    .delete(alertNotifications)
    .where(and(inArray(alertNotifications.id, batch), sentBefore(before)))
    .returning({ id: alertNotifications.id });
  return rows.length;
}

export async function countEventMinutesBefore(db: DbOrTx, before: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(eventCountMinutes)
    .where(lt(eventCountMinutes.minute, before));
  return row?.n ?? 0;
}

/** Deletes up to `limit` per-minute event counts older than `before` (keyed by ctid: no id). */
export async function deleteEventMinutesBefore(
  db: DbOrTx,
  before: Date,
  limit: number,
): Promise<number> {
  const result = await db.execute(sql`
    delete from event_count_minutes
     where ctid in (select ctid from event_count_minutes where minute < ${before} limit ${limit})
       and minute < ${before}`);
  return result.rowCount ?? 0;
}

export async function markFailed(db: Db, id: number, error: string, retryAt: Date): Promise<void> {
  await db
    .update(alertNotifications)
    .set({ lastError: error.slice(0, 500), nextAttemptAt: retryAt })
    .where(eq(alertNotifications.id, id));
}

/** Deliveries per event, for the console's history. */
export async function deliveriesOf(
  db: Db,
  eventIds: number[],
): Promise<(typeof alertNotifications.$inferSelect)[]> {
  if (!eventIds.length) return [];
  return db
    .select()
    .from(alertNotifications)
    .where(inArray(alertNotifications.eventId, eventIds))
    .orderBy(asc(alertNotifications.id));
}

// Data access for merchant webhooks: endpoints, events, the delivery outbox and its attempts.
import { and, asc, desc, eq, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { afterCursor, createdConditions } from '../../db/pagination.ts';
import {
  merchantEvents,
  merchantWebhookAttempts,
  merchantWebhookDeliveries,
  merchantWebhookEndpoints,
} from '../../db/schema.ts';
import { open, seal } from '../../lib/personal-data.ts';
import type { CreatedRange, Page } from '../../lib/text-search.ts';

export type EndpointRow = typeof merchantWebhookEndpoints.$inferSelect;
export type EventRow = typeof merchantEvents.$inferSelect;
export type DeliveryRow = typeof merchantWebhookDeliveries.$inferSelect;
export type AttemptRow = typeof merchantWebhookAttempts.$inferSelect;
export type EndpointChanges = Partial<
  Omit<typeof merchantWebhookEndpoints.$inferInsert, 'id' | 'createdAt'>
>;

// Encrypted at rest (ADR 027): endpoints' signing secrets, and the personal fields of an event's
// data (a customer.created event's email and name). Written sealed, opened when read here.
const SECRET = 'merchant_webhook_endpoints.secret';
const PREVIOUS_SECRET = 'merchant_webhook_endpoints.previous_secret';
const PERSONAL_EVENT_FIELDS = ['email', 'name'] as const;
const eventFieldContext = (field: string) => `merchant_events.data.${field}`;

function sealEndpoint<T extends EndpointChanges>(values: T): T {
  const sealed = { ...values };
  if (typeof values.secret === 'string') sealed.secret = seal(values.secret, SECRET);
  if (values.previousSecret !== undefined)
    sealed.previousSecret = seal(values.previousSecret, PREVIOUS_SECRET);
  return sealed;
}

function openEndpoint(row: EndpointRow): EndpointRow {
  return {
    ...row,
    secret: open(row.secret, SECRET),
    previousSecret: open(row.previousSecret, PREVIOUS_SECRET),
  };
}

/** An event's data with its personal fields transformed by `f` (seal or open). */
function mapPersonalFields(data: unknown, f: (value: string, context: string) => string): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const record = { ...(data as Record<string, unknown>) };
  for (const field of PERSONAL_EVENT_FIELDS) {
    const value = record[field];
    if (typeof value === 'string') record[field] = f(value, eventFieldContext(field));
  }
  return record;
}

function openEvent(row: EventRow): EventRow {
  return { ...row, data: mapPersonalFields(row.data, open) };
}

// --- Endpoints -----------------------------------------------------------------------------

export async function insertEndpoint(
  tx: DbOrTx,
  values: typeof merchantWebhookEndpoints.$inferInsert,
): Promise<EndpointRow> {
  const [row] = await tx.insert(merchantWebhookEndpoints).values(sealEndpoint(values)).returning();
  return openEndpoint(row!);
}

export async function findEndpoint(
  tx: DbOrTx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<EndpointRow | undefined> {
  const query = tx
    .select()
    .from(merchantWebhookEndpoints)
    .where(eq(merchantWebhookEndpoints.id, id));
  const [row] = options.forUpdate ? await query.for('no key update') : await query;
  return row && openEndpoint(row);
}

export async function listEndpoints(db: DbOrTx, limit: number): Promise<EndpointRow[]> {
  const rows = await db
    .select()
    .from(merchantWebhookEndpoints)
    .orderBy(desc(merchantWebhookEndpoints.createdAt), desc(merchantWebhookEndpoints.id))
    .limit(limit);
  return rows.map(openEndpoint);
}

export async function countEndpoints(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(merchantWebhookEndpoints);
  return row?.n ?? 0;
}

export async function updateEndpoint(
  tx: DbOrTx,
  id: string,
  values: EndpointChanges,
): Promise<EndpointRow> {
  const [row] = await tx
    .update(merchantWebhookEndpoints)
    .set(sealEndpoint(values))
    .where(eq(merchantWebhookEndpoints.id, id))
    .returning();
  return openEndpoint(row!);
}

export async function deleteEndpoint(tx: DbOrTx, id: string): Promise<void> {
  await tx.delete(merchantWebhookEndpoints).where(eq(merchantWebhookEndpoints.id, id));
}

export async function countDisabledForFailure(db: DbOrTx): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(merchantWebhookEndpoints)
    .where(
      and(
        eq(merchantWebhookEndpoints.status, 'disabled'),
        eq(merchantWebhookEndpoints.disabledReason, 'failing'),
      ),
    );
  return row?.n ?? 0;
}

// --- Events and the outbox -----------------------------------------------------------------

/**
 * Stores an event and queues one delivery per enabled endpoint that subscribed to its type, in
 * the caller's transaction.
 */
/**
 * Records an event and queues one delivery per enabled endpoint subscribed to its type, in one
 * statement (a change's transaction pays one round trip for it; ADR 029). How many were queued.
 */
export async function insertEventWithDeliveries(
  tx: DbOrTx,
  event: { type: string; data: unknown; createdAt: Date },
): Promise<{ queued: number }> {
  const at = event.createdAt.toISOString();
  const data = mapPersonalFields(event.data, seal);
  const result = await tx.execute<{ queued: number }>(sql`
    WITH event AS (
      INSERT INTO ${merchantEvents} (type, data, created_at)
      VALUES (${event.type}, ${JSON.stringify(data)}::jsonb, ${at})
      RETURNING id
    ), queued AS (
      INSERT INTO ${merchantWebhookDeliveries} (endpoint_id, event_id, next_attempt_at, created_at)
      SELECT endpoint.id, event.id, ${at}, ${at}
        FROM ${merchantWebhookEndpoints} AS endpoint, event
       WHERE endpoint.status = 'enabled' AND endpoint.events @> jsonb_build_array(${event.type}::text)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM queued)::int AS queued`);
  return { queued: Number(result.rows[0]?.queued ?? 0) };
}

/** Account deletion: the customer's email and name leave the customer.created events too. */
export async function eraseCustomerFromEvents(tx: DbOrTx, userId: string): Promise<void> {
  await tx.execute(sql`
    UPDATE ${merchantEvents} SET data = data || '{"email": null, "name": null}'::jsonb
     WHERE type = 'customer.created' AND data->>'id' = ${userId}`);
}

/**
 * Retention (ADR 024): events created before `before` whose deliveries are all finished
 * (delivered or given up). An event still being retried stays until its last attempt.
 */
const expiredEvents = (before: Date) => sql`
  SELECT e.id FROM ${merchantEvents} e
   WHERE e.created_at < ${before.toISOString()}
     AND NOT EXISTS (SELECT 1 FROM ${merchantWebhookDeliveries} d
                      WHERE d.event_id = e.id AND d.status = 'pending')`;

export async function countExpiredEvents(db: DbOrTx, before: Date): Promise<number> {
  const result = await db.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM (${expiredEvents(before)}) expired`,
  );
  return result.rows[0]!.n;
}

/** Events past retention still waiting for a delivery attempt (kept, reported as held). */
export async function countExpiredEventsInDelivery(db: DbOrTx, before: Date): Promise<number> {
  const result = await db.execute<{ n: number }>(sql`
    SELECT count(DISTINCT d.event_id)::int AS n
      FROM ${merchantWebhookDeliveries} d JOIN ${merchantEvents} e ON e.id = d.event_id
     WHERE e.created_at < ${before.toISOString()} AND d.status = 'pending'`);
  return result.rows[0]!.n;
}

/**
 * Deletes up to `limit` expired events with their deliveries and the deliveries' attempts (one
 * statement: the foreign key from deliveries to events is checked at its end). Answers the
 * number of events deleted.
 */
export async function deleteExpiredEvents(db: DbOrTx, before: Date, limit: number) {
  const result = await db.execute(sql`
    WITH doomed AS (
      ${expiredEvents(before)} ORDER BY e.created_at LIMIT ${limit} FOR UPDATE OF e SKIP LOCKED
    ), deliveries AS (
      DELETE FROM ${merchantWebhookDeliveries} WHERE event_id IN (SELECT id FROM doomed)
    )
    DELETE FROM ${merchantEvents} WHERE id IN (SELECT id FROM doomed)`);
  return result.rowCount ?? 0;
}

export async function findEvent(db: DbOrTx, id: string): Promise<EventRow | undefined> {
  const [row] = await db.select().from(merchantEvents).where(eq(merchantEvents.id, id));
  return row && openEvent(row);
}

export async function listEvents(
  db: DbOrTx,
  filter: { type?: string | undefined; created: CreatedRange },
  page: Page,
): Promise<EventRow[]> {
  const conditions: (SQL | undefined)[] = [
    ...createdConditions(merchantEvents.createdAt, filter.created),
    filter.type ? eq(merchantEvents.type, filter.type) : undefined,
    await afterCursor(
      db,
      merchantEvents,
      merchantEvents.id,
      merchantEvents.createdAt,
      page.startingAfter,
    ),
  ];
  const rows = await db
    .select()
    .from(merchantEvents)
    .where(and(...conditions))
    .orderBy(desc(merchantEvents.createdAt), desc(merchantEvents.id))
    .limit(page.limit);
  return rows.map(openEvent);
}

export async function insertDelivery(
  tx: DbOrTx,
  values: { endpointId: string; eventId: string; at: Date },
): Promise<DeliveryRow> {
  const [row] = await tx
    .insert(merchantWebhookDeliveries)
    .values({
      endpointId: values.endpointId,
      eventId: values.eventId,
      nextAttemptAt: values.at,
      createdAt: values.at,
    })
    .returning();
  return row!;
}

export interface ClaimedDelivery {
  delivery: DeliveryRow;
  event: EventRow;
  endpoint: EndpointRow;
}

/**
 * Leases up to `limit` due deliveries to enabled endpoints: rows another sender holds are skipped
 * (FOR UPDATE SKIP LOCKED), and the lease (next_attempt_at moved to `leaseUntil`, attempts + 1)
 * keeps them from every other sender until this one marks them.
 */
export async function claimDue(
  db: Db,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<ClaimedDelivery[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: merchantWebhookDeliveries.id })
      .from(merchantWebhookDeliveries)
      .innerJoin(
        merchantWebhookEndpoints,
        eq(merchantWebhookEndpoints.id, merchantWebhookDeliveries.endpointId),
      )
      .where(
        and(
          eq(merchantWebhookDeliveries.status, 'pending'),
          lte(merchantWebhookDeliveries.nextAttemptAt, now),
          eq(merchantWebhookEndpoints.status, 'enabled'),
        ),
      )
      .orderBy(asc(merchantWebhookDeliveries.nextAttemptAt), asc(merchantWebhookDeliveries.id))
      .limit(limit)
      .for('update', { of: merchantWebhookDeliveries, skipLocked: true });
    if (!due.length) return [];
    const claimed = await tx
      .update(merchantWebhookDeliveries)
      .set({
        nextAttemptAt: leaseUntil,
        attempts: sql`${merchantWebhookDeliveries.attempts} + 1`,
      })
      .where(
        inArray(
          merchantWebhookDeliveries.id,
          due.map((d) => d.id),
        ),
      )
      .returning();
    const events = await tx
      .select()
      .from(merchantEvents)
      .where(
        inArray(
          merchantEvents.id,
          claimed.map((c) => c.eventId),
        ),
      );
    const endpoints = await tx
      .select()
      .from(merchantWebhookEndpoints)
      .where(
        inArray(
          merchantWebhookEndpoints.id,
          claimed.map((c) => c.endpointId),
        ),
      );
    const eventById = new Map(events.map((e) => [e.id, openEvent(e)]));
    const endpointById = new Map(endpoints.map((e) => [e.id, openEndpoint(e)]));
    return claimed
      .sort((a, b) => a.id - b.id)
      .map((delivery) => ({
        delivery,
        event: eventById.get(delivery.eventId)!,
        endpoint: endpointById.get(delivery.endpointId)!,
      }));
  });
}

/** Records an attempt and its outcome on the delivery, if this sender still holds the lease. */
export async function recordAttempt(
  tx: DbOrTx,
  claim: { id: number; attempts: number },
  attempt: Omit<typeof merchantWebhookAttempts.$inferInsert, 'id' | 'deliveryId'>,
  outcome: {
    status: DeliveryRow['status'];
    nextAttemptAt: Date;
    lastError: string | null;
    deliveredAt: Date | null;
  },
): Promise<boolean> {
  const updated = await tx
    .update(merchantWebhookDeliveries)
    .set(outcome)
    .where(
      and(
        eq(merchantWebhookDeliveries.id, claim.id),
        eq(merchantWebhookDeliveries.attempts, claim.attempts),
        eq(merchantWebhookDeliveries.status, 'pending'),
      ),
    )
    .returning({ id: merchantWebhookDeliveries.id });
  if (!updated.length) return false;
  await tx.insert(merchantWebhookAttempts).values({ ...attempt, deliveryId: claim.id });
  return true;
}

/** An endpoint's deliveries, newest first, with their events' types and their attempts. */
export async function deliveriesOf(
  db: DbOrTx,
  endpointId: string,
  page: { limit: number; startingAfter?: number | undefined },
) {
  const rows = await db
    .select({ delivery: merchantWebhookDeliveries, type: merchantEvents.type })
    .from(merchantWebhookDeliveries)
    .innerJoin(merchantEvents, eq(merchantEvents.id, merchantWebhookDeliveries.eventId))
    .where(
      and(
        eq(merchantWebhookDeliveries.endpointId, endpointId),
        page.startingAfter !== undefined
          ? lt(merchantWebhookDeliveries.id, page.startingAfter)
          : undefined,
      ),
    )
    .orderBy(desc(merchantWebhookDeliveries.id))
    .limit(page.limit);
  const attempts = rows.length
    ? await db
        .select()
        .from(merchantWebhookAttempts)
        .where(
          inArray(
            merchantWebhookAttempts.deliveryId,
            rows.map((r) => r.delivery.id),
          ),
        )
        .orderBy(asc(merchantWebhookAttempts.id))
    : [];
  return rows.map((r) => ({
    ...r,
    attempts: attempts.filter((a) => a.deliveryId === r.delivery.id),
  }));
}

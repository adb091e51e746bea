// Data access for stored Stripe events.
import { and, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { webhookEvents } from '../../db/schema.ts';

export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type WebhookEventStatus = WebhookEventRow['status'];

/** Stores an event under its Stripe id; returns false when it was already stored. */
export async function insertEvent(
  tx: DbOrTx,
  values: typeof webhookEvents.$inferInsert,
): Promise<boolean> {
  const inserted = await tx
    .insert(webhookEvents)
    .values(values)
    .onConflictDoNothing({ target: webhookEvents.stripeEventId })
    .returning({ id: webhookEvents.id });
  return inserted.length > 0;
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

export async function recordOutcome(
  tx: DbOrTx,
  stripeEventId: string,
  outcome: { status: WebhookEventStatus; lastError: string | null; at: Date },
): Promise<WebhookEventRow | undefined> {
  const [row] = await tx
    .update(webhookEvents)
    .set({
      status: outcome.status,
      lastError: outcome.lastError,
      attempts: sql`${webhookEvents.attempts} + 1`,
      processedAt: outcome.status === 'failed' ? null : outcome.at,
    })
    .where(eq(webhookEvents.stripeEventId, stripeEventId))
    .returning();
  return row;
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

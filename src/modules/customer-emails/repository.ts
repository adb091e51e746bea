// Data access for emails to customers: the outbox (ADR 028). A row is written in the transaction
// of the change that causes it, claimed by one sender at a time (a lease), and finished once.
import { and, asc, count, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { outbox } from '../../db/schema.ts';
import { open, seal } from '../../lib/personal-data.ts';

export type OutboxRow = typeof outbox.$inferSelect;

/**
 * Payload fields encrypted at rest (ADR 027; keys:rotate knows them): a deleted account's
 * address and name, and a password-reset token, held only until the email is sent.
 */
const SEALED_PAYLOAD_FIELDS = ['email', 'name', 'token'] as const;
const payloadFieldContext = (field: string) => `outbox.payload.${field}`;

function mapSealedFields(
  payload: Record<string, unknown>,
  f: (value: string, context: string) => string,
): Record<string, unknown> {
  const record = { ...payload };
  for (const field of SEALED_PAYLOAD_FIELDS) {
    const value = record[field];
    if (typeof value === 'string') record[field] = f(value, payloadFieldContext(field));
  }
  return record;
}

function openRow(row: OutboxRow): OutboxRow {
  const payload = row.payload as Record<string, unknown> | null;
  return payload && typeof payload === 'object'
    ? { ...row, payload: mapSealedFields(payload, open) }
    : row;
}
export type Outcome = NonNullable<OutboxRow['outcome']>;

/** One insert, in the caller's transaction; returns the row's id (for the nudge). */
export async function insertMessage(
  tx: DbOrTx,
  message: {
    userId: string | null;
    kind: string;
    payload: Record<string, unknown>;
    createdAt: Date;
  },
): Promise<number> {
  const [row] = await tx
    .insert(outbox)
    .values({
      ...message,
      payload: mapSealedFields(message.payload, seal),
      nextAttemptAt: message.createdAt,
    })
    .returning({ id: outbox.id });
  return row!.id;
}

const free = (now: Date) => or(isNull(outbox.leasedUntil), lte(outbox.leasedUntil, now));

/**
 * Takes one unsent message for a sender until `leaseUntil` (attempts + 1), or nothing when it
 * is sent, given up, held by another sender, or does not exist (its change rolled back).
 */
export async function claimOne(
  db: DbOrTx,
  id: number,
  now: Date,
  leaseUntil: Date,
): Promise<OutboxRow | undefined> {
  const [row] = await db
    .update(outbox)
    .set({ leasedUntil: leaseUntil, attempts: sql`${outbox.attempts} + 1` })
    .where(and(eq(outbox.id, id), isNull(outbox.sentAt), free(now)))
    .returning();
  return row && openRow(row);
}

/** Takes up to `limit` unsent messages whose time has come, oldest first. */
export async function claimDue(
  db: Db,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<OutboxRow[]> {
  const due = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(isNull(outbox.sentAt), lte(outbox.nextAttemptAt, now), free(now)))
    .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(outbox)
    .set({ leasedUntil: leaseUntil, attempts: sql`${outbox.attempts} + 1` })
    .where(and(inArray(outbox.id, due), isNull(outbox.sentAt)))
    .returning();
  return rows.map(openRow);
}

/** The claim still holds: nobody took the row since (compare-and-set on the attempt count). */
const stillHeld = (row: Pick<OutboxRow, 'id' | 'attempts'>) =>
  and(eq(outbox.id, row.id), eq(outbox.attempts, row.attempts), isNull(outbox.sentAt));

/**
 * Done with a message: sent, skipped or given up. `erase` names payload keys removed now (the
 * reset token, a deleted account's address): they were needed only to send it.
 */
export async function finish(
  db: DbOrTx,
  row: Pick<OutboxRow, 'id' | 'attempts'>,
  done: { outcome: Outcome; at: Date; error: string | null; erase: string[] },
): Promise<boolean> {
  const payload = done.erase.reduce<ReturnType<typeof sql>>(
    (expr, key) => sql`(${expr}) - ${key}::text`,
    sql`${outbox.payload}`,
  );
  const rows = await db
    .update(outbox)
    .set({
      sentAt: done.at,
      outcome: done.outcome,
      leasedUntil: null,
      lastError: done.error,
      payload,
    })
    .where(stillHeld(row))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/** A failed attempt: the lease ends and the sweep may try again at `nextAttemptAt`. */
export async function recordFailure(
  db: DbOrTx,
  row: Pick<OutboxRow, 'id' | 'attempts'>,
  error: string,
  nextAttemptAt: Date,
): Promise<void> {
  await db
    .update(outbox)
    .set({ leasedUntil: null, lastError: error, nextAttemptAt })
    .where(stillHeld(row));
}

/** Every message written for the customer, oldest first (their data export). */
export async function messagesOf(tx: DbOrTx, userId: string): Promise<OutboxRow[]> {
  const rows = await tx
    .select()
    .from(outbox)
    .where(eq(outbox.userId, userId))
    .orderBy(asc(outbox.createdAt));
  return rows.map(openRow);
}

/** Account deletion: nothing more is sent about a deleted account, so its messages go. */
export async function deleteMessagesOf(tx: DbOrTx, userId: string): Promise<number> {
  const rows = await tx
    .delete(outbox)
    .where(eq(outbox.userId, userId))
    .returning({ id: outbox.id });
  return rows.length;
}

// Retention (ADR 024): a message goes once it was done with and its period is over; an unsent
// one stays.
const sentBefore = (before: Date) => and(isNotNull(outbox.sentAt), lt(outbox.sentAt, before));

export async function countSentMessages(tx: DbOrTx, before: Date): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(outbox).where(sentBefore(before));
  return row?.n ?? 0;
}

export async function deleteSentMessages(tx: DbOrTx, before: Date, limit: number): Promise<number> {
  const batch = tx
    .select({ id: outbox.id })
    .from(outbox)
    .where(sentBefore(before))
    .orderBy(asc(outbox.sentAt))
    .limit(limit);
  const rows = await tx
    .delete(outbox)
    .where(and(inArray(outbox.id, batch), sentBefore(before)))
    .returning({ id: outbox.id });
  return rows.length;
}

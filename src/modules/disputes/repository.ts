// Data access for disputes: the only code that reads or writes the `disputes` table.
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { disputes } from '../../db/schema.ts';

export type DisputeRow = typeof disputes.$inferSelect;
export type NewDispute = typeof disputes.$inferInsert;

export async function findByStripeIdForUpdate(
  tx: DbOrTx,
  stripeDisputeId: string,
): Promise<DisputeRow | undefined> {
  const [row] = await tx
    .select()
    .from(disputes)
    .where(eq(disputes.stripeDisputeId, stripeDisputeId))
    .for('update');
  return row;
}

export async function findByStripeId(
  tx: DbOrTx,
  stripeDisputeId: string,
): Promise<DisputeRow | undefined> {
  const [row] = await tx
    .select()
    .from(disputes)
    .where(eq(disputes.stripeDisputeId, stripeDisputeId));
  return row;
}

/**
 * For the console dashboard: disputes opened (recorded) in [since, until), and disputes in one
 * of the `open` statuses now, whenever they were opened.
 */
export async function counts(
  tx: DbOrTx,
  since: Date,
  until: Date,
  open: readonly string[],
): Promise<{ opened: number; open: number }> {
  const [opened] = await tx
    .select({ n: sql<string>`count(*)` })
    .from(disputes)
    .where(and(gte(disputes.createdAt, since), lt(disputes.createdAt, until)));
  const [openNow] = await tx
    .select({ n: sql<string>`count(*)` })
    .from(disputes)
    .where(inArray(disputes.status, [...open]));
  return { opened: Number(opened?.n ?? 0), open: Number(openNow?.n ?? 0) };
}

/** Inserts a dispute unless a concurrent run already did (then undefined). */
export async function insertIfNew(tx: DbOrTx, values: NewDispute): Promise<DisputeRow | undefined> {
  const [row] = await tx
    .insert(disputes)
    .values(values)
    .onConflictDoNothing({ target: disputes.stripeDisputeId })
    .returning();
  return row;
}

export async function updateDispute(
  tx: DbOrTx,
  id: string,
  values: Partial<Pick<NewDispute, 'status' | 'reason' | 'paymentId' | 'updatedAt'>>,
): Promise<DisputeRow> {
  const [row] = await tx.update(disputes).set(values).where(eq(disputes.id, id)).returning();
  return row!;
}

export function ofPayments(tx: DbOrTx, paymentIds: string[]): Promise<DisputeRow[]> {
  return paymentIds.length
    ? tx.select().from(disputes).where(inArray(disputes.paymentId, paymentIds))
    : Promise.resolve([]);
}

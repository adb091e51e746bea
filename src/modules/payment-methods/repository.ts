import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { builtOnce } from '../../db/prepared.ts';
import { paymentMethods } from '../../db/schema.ts';

export type PaymentMethodRow = typeof paymentMethods.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user's saved card by our id or its Stripe id; another user's card is simply not found. */
export async function findForUser(
  tx: DbOrTx,
  userId: string,
  id: string,
): Promise<PaymentMethodRow | undefined> {
  const match = UUID.test(id)
    ? or(eq(paymentMethods.id, id), eq(paymentMethods.stripePaymentMethodId, id))
    : eq(paymentMethods.stripePaymentMethodId, id);
  const [row] = await tx
    .select()
    .from(paymentMethods)
    .where(and(eq(paymentMethods.userId, userId), match));
  return row;
}

export async function findByStripeId(
  tx: DbOrTx,
  stripeId: string,
): Promise<PaymentMethodRow | undefined> {
  const [row] = await tx
    .select()
    .from(paymentMethods)
    .where(eq(paymentMethods.stripePaymentMethodId, stripeId));
  return row;
}

export function listForUser(tx: DbOrTx, userId: string): Promise<PaymentMethodRow[]> {
  return tx
    .select()
    .from(paymentMethods)
    .where(eq(paymentMethods.userId, userId))
    .orderBy(asc(paymentMethods.createdAt));
}

const defaultCard = builtOnce((db) =>
  db
    .select()
    .from(paymentMethods)
    .where(
      and(eq(paymentMethods.userId, sql.placeholder('userId')), eq(paymentMethods.isDefault, true)),
    )
    .prepare(''),
);

export async function findDefault(
  tx: DbOrTx,
  userId: string,
): Promise<PaymentMethodRow | undefined> {
  const built = defaultCard(tx);
  if (built) return (await built.execute({ userId }))[0];
  const [row] = await tx
    .select()
    .from(paymentMethods)
    .where(and(eq(paymentMethods.userId, userId), eq(paymentMethods.isDefault, true)));
  return row;
}

export async function insert(
  tx: DbOrTx,
  values: typeof paymentMethods.$inferInsert,
): Promise<PaymentMethodRow | undefined> {
  const [row] = await tx.insert(paymentMethods).values(values).onConflictDoNothing().returning();
  return row;
}

export async function setDefault(tx: DbOrTx, userId: string, id: string): Promise<void> {
  await tx
    .update(paymentMethods)
    .set({ isDefault: false })
    .where(and(eq(paymentMethods.userId, userId), eq(paymentMethods.isDefault, true)));
  await tx.update(paymentMethods).set({ isDefault: true }).where(eq(paymentMethods.id, id));
}

export async function remove(tx: DbOrTx, id: string): Promise<void> {
  await tx.delete(paymentMethods).where(eq(paymentMethods.id, id));
}

/** The default card of each of these users that has one. */
export function defaultCards(tx: DbOrTx, userIds: string[]): Promise<PaymentMethodRow[]> {
  return userIds.length
    ? tx
        .select()
        .from(paymentMethods)
        .where(and(inArray(paymentMethods.userId, userIds), eq(paymentMethods.isDefault, true)))
    : Promise.resolve([]);
}

export async function removeAllOf(tx: DbOrTx, userId: string): Promise<void> {
  await tx.delete(paymentMethods).where(eq(paymentMethods.userId, userId));
}

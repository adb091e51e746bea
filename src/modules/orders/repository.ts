import { and, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { orderItems, orders, payments, refunds } from '../../db/schema.ts';

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;

export async function insertOrder(
  tx: DbOrTx,
  values: typeof orders.$inferInsert,
  items: Array<Omit<typeof orderItems.$inferInsert, 'orderId'>>,
): Promise<OrderRow> {
  const [order] = await tx.insert(orders).values(values).returning();
  if (items.length)
    await tx.insert(orderItems).values(items.map((i) => ({ ...i, orderId: order!.id })));
  return order!;
}

export async function findOrder(
  tx: DbOrTx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<OrderRow | undefined> {
  const query = tx.select().from(orders).where(eq(orders.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

export function itemsOf(tx: DbOrTx, orderIds: string[]): Promise<OrderItemRow[]> {
  return orderIds.length
    ? tx.select().from(orderItems).where(inArray(orderItems.orderId, orderIds))
    : Promise.resolve([]);
}

export function paymentsOf(tx: DbOrTx, orderIds: string[]): Promise<PaymentRow[]> {
  return orderIds.length
    ? tx
        .select()
        .from(payments)
        .where(inArray(payments.orderId, orderIds))
        .orderBy(desc(payments.createdAt))
    : Promise.resolve([]);
}

export function refundsOf(tx: DbOrTx, orderIds: string[]): Promise<RefundRow[]> {
  return orderIds.length
    ? tx
        .select()
        .from(refunds)
        .where(inArray(refunds.orderId, orderIds))
        .orderBy(desc(refunds.createdAt))
    : Promise.resolve([]);
}

/** Keyset pagination: newest first, `startingAfter` is the last id of the previous page. */
export async function listOrders(
  tx: DbOrTx,
  filters: SQL[],
  options: { limit: number; startingAfter?: string | undefined },
): Promise<OrderRow[]> {
  const conditions = [...filters];
  if (options.startingAfter) {
    const cursor = await findOrder(tx, options.startingAfter);
    if (cursor) {
      conditions.push(
        or(
          lt(orders.createdAt, cursor.createdAt),
          and(eq(orders.createdAt, cursor.createdAt), lt(orders.id, cursor.id)),
        )!,
      );
    }
  }
  return tx
    .select()
    .from(orders)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(options.limit);
}

export async function updateOrder(
  tx: DbOrTx,
  id: string,
  values: Partial<typeof orders.$inferInsert>,
): Promise<OrderRow> {
  const [row] = await tx.update(orders).set(values).where(eq(orders.id, id)).returning();
  return row!;
}

// Data access for orders and their items: the only code that reads or writes those tables.
import { and, desc, eq, ilike, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { builtOnce } from '../../db/prepared.ts';
import { createdConditions } from '../../db/pagination.ts';
import { orderItems, orders } from '../../db/schema.ts';
import type { OrderStatus } from '../../db/statuses.ts';
import { containsPattern, isUuid, type CreatedRange } from '../../lib/text-search.ts';

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;
export type NewOrder = typeof orders.$inferInsert;
export type NewOrderItem = Omit<typeof orderItems.$inferInsert, 'orderId'>;
export type OrderChanges = Partial<
  Pick<NewOrder, 'status' | 'paidAt' | 'amountRefunded' | 'updatedAt'>
>;

export interface OrderFilter {
  status?: OrderStatus | undefined;
  customerId?: string | undefined;
  created?: CreatedRange;
  q?: string | undefined;
}

export async function insertOrder(
  tx: DbOrTx,
  values: NewOrder,
  items: NewOrderItem[],
): Promise<OrderRow> {
  const [order] = await tx.insert(orders).values(values).returning();
  if (items.length)
    await tx.insert(orderItems).values(items.map((i) => ({ ...i, orderId: order!.id })));
  return order!;
}

/** The newest order one client request created (its hashed Idempotency-Key and caller). */
export async function findByRequestKey(
  tx: DbOrTx,
  requestKey: string,
): Promise<OrderRow | undefined> {
  const [row] = await tx
    .select()
    .from(orders)
    .where(eq(orders.requestKey, requestKey))
    .orderBy(desc(orders.createdAt))
    .limit(1);
  return row;
}

const orderById = builtOnce((db) =>
  db
    .select()
    .from(orders)
    .where(eq(orders.id, sql.placeholder('id')))
    .prepare(''),
);

export async function findOrder(
  tx: DbOrTx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<OrderRow | undefined> {
  const built = options.forUpdate ? undefined : orderById(tx);
  if (built) return (await built.execute({ id }))[0];
  const query = tx.select().from(orders).where(eq(orders.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

export function itemsOf(tx: DbOrTx, orderIds: string[]): Promise<OrderItemRow[]> {
  return orderIds.length
    ? tx.select().from(orderItems).where(inArray(orderItems.orderId, orderIds))
    : Promise.resolve([]);
}

function orderConditions(f: OrderFilter): SQL[] {
  const out: SQL[] = [];
  if (f.status) out.push(eq(orders.status, f.status));
  if (f.customerId) out.push(eq(orders.userId, f.customerId));
  if (f.created) out.push(...createdConditions(orders.createdAt, f.created));
  if (f.q) {
    const pattern = containsPattern(f.q);
    const match = [
      ilike(orders.description, pattern),
      sql`exists (select 1 from jsonb_each_text(${orders.metadata}) as m(k, v) where m.v ilike ${pattern})`,
    ];
    if (isUuid(f.q)) match.push(eq(orders.id, f.q.toLowerCase()));
    out.push(or(...match)!);
  }
  return out;
}

/** Keyset pagination: newest first, `startingAfter` is the last id of the previous page. */
export async function listOrders(
  tx: DbOrTx,
  filter: OrderFilter,
  options: { limit: number; startingAfter?: string | undefined },
): Promise<OrderRow[]> {
  const conditions = orderConditions(filter);
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

export async function updateOrder(tx: DbOrTx, id: string, values: OrderChanges): Promise<OrderRow> {
  const [row] = await tx.update(orders).set(values).where(eq(orders.id, id)).returning();
  return row!;
}

// Data access for refunds: the only code that reads or writes the `refunds` table.
import { and, asc, desc, eq, gte, inArray, lt, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { afterCursor, createdConditions } from '../../db/pagination.ts';
import { refunds } from '../../db/schema.ts';
import type { RefundStatus } from '../../db/statuses.ts';
import type { CreatedRange, Page } from '../../lib/text-search.ts';

export type RefundRow = typeof refunds.$inferSelect;
export type NewRefund = typeof refunds.$inferInsert;

/** A refund as the APIs show it. */
export function publicRefund(r: RefundRow) {
  return {
    id: r.id,
    payment_id: r.paymentId,
    order_id: r.orderId,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    stripe_refund_id: r.stripeRefundId,
    failure_reason: r.failureReason,
    created_at: r.createdAt.toISOString(),
  };
}
export type PublicRefund = ReturnType<typeof publicRefund>;

const FINAL: RefundStatus[] = ['succeeded', 'failed', 'canceled'];

/** The newest refund an order got from one client request (its hashed Idempotency-Key). */
export async function findByRequestKey(
  tx: DbOrTx,
  orderId: string,
  requestKey: string,
): Promise<RefundRow | undefined> {
  const [row] = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.orderId, orderId), eq(refunds.requestKey, requestKey)))
    .orderBy(desc(refunds.createdAt))
    .limit(1);
  return row;
}

export async function findRefund(
  tx: DbOrTx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<RefundRow | undefined> {
  const query = tx.select().from(refunds).where(eq(refunds.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

export async function findByStripeId(
  tx: DbOrTx,
  stripeRefundId: string,
): Promise<RefundRow | undefined> {
  const [row] = await tx.select().from(refunds).where(eq(refunds.stripeRefundId, stripeRefundId));
  return row;
}

export async function insertRefund(tx: DbOrTx, values: NewRefund): Promise<RefundRow> {
  const [row] = await tx.insert(refunds).values(values).returning();
  return row!;
}

export async function updateRefund(
  tx: DbOrTx,
  id: string,
  values: Partial<
    Pick<
      NewRefund,
      'status' | 'stripeRefundId' | 'failureReason' | 'lastStripeRequestId' | 'updatedAt'
    >
  >,
): Promise<RefundRow> {
  const [row] = await tx.update(refunds).set(values).where(eq(refunds.id, id)).returning();
  return row!;
}

/** The sum of a payment's refunds in `statuses`. */
export async function sumForPayment(
  tx: DbOrTx,
  paymentId: string,
  statuses: readonly RefundStatus[],
): Promise<number> {
  const [{ total }] = (await tx
    .select({ total: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
    .from(refunds)
    .where(and(eq(refunds.paymentId, paymentId), inArray(refunds.status, [...statuses])))) as [
    { total: string },
  ];
  return Number(total);
}

export function refundsOfOrders(tx: DbOrTx, orderIds: string[]): Promise<RefundRow[]> {
  return orderIds.length
    ? tx
        .select()
        .from(refunds)
        .where(inArray(refunds.orderId, orderIds))
        .orderBy(desc(refunds.createdAt))
    : Promise.resolve([]);
}

export function refundsOfPayment(tx: DbOrTx, paymentId: string): Promise<RefundRow[]> {
  return tx
    .select()
    .from(refunds)
    .where(eq(refunds.paymentId, paymentId))
    .orderBy(asc(refunds.createdAt));
}

/** Refunds not yet final. */
/**
 * Refunds still `creating`/`unknown` that were created before `before`, oldest first: the
 * sweeper's work (a younger one is still in its own request or its job's first try).
 */
export function unsettledBefore(tx: DbOrTx, before: Date, limit: number): Promise<RefundRow[]> {
  return tx
    .select()
    .from(refunds)
    .where(and(inArray(refunds.status, ['creating', 'unknown']), lt(refunds.createdAt, before)))
    .orderBy(asc(refunds.createdAt))
    .limit(limit);
}

/** Refunds not yet final, and any refund changed since `since`, for the reconciler. */
export function refundsToCheck(tx: DbOrTx, since: Date, limit: number): Promise<RefundRow[]> {
  return tx
    .select()
    .from(refunds)
    .where(or(notInArray(refunds.status, FINAL), gte(refunds.updatedAt, since)))
    .orderBy(desc(refunds.updatedAt))
    .limit(limit);
}

/**
 * Refunds created in [since, until) by currency, for the console dashboard: how many, how many
 * failed, and the amount that went back (succeeded refunds). An index range scan on created_at.
 */
export async function figuresByCurrency(
  tx: DbOrTx,
  since: Date,
  until: Date,
): Promise<Array<{ currency: string; count: number; failed: number; amount: number }>> {
  const rows = await tx
    .select({
      currency: refunds.currency,
      count: sql<string>`count(*)`,
      failed: sql<string>`count(*) filter (where ${refunds.status} = 'failed')`,
      amount: sql<string>`coalesce(sum(${refunds.amount}) filter (where ${refunds.status} = 'succeeded'), 0)`,
    })
    .from(refunds)
    .where(and(gte(refunds.createdAt, since), lt(refunds.createdAt, until)))
    .groupBy(refunds.currency)
    .orderBy(refunds.currency);
  return rows.map((r) => ({
    currency: r.currency,
    count: Number(r.count),
    failed: Number(r.failed),
    amount: Number(r.amount),
  }));
}

export interface RefundFilter {
  status?: RefundStatus | undefined;
  orderId?: string | undefined;
  paymentId?: string | undefined;
  /** The payments of the customer filtered on, when there is one. */
  paymentIdsOfCustomer?: string[] | undefined;
  created?: CreatedRange;
}

export async function listRefunds(tx: DbOrTx, f: RefundFilter, page: Page): Promise<RefundRow[]> {
  const conditions: SQL[] = [];
  if (f.status) conditions.push(eq(refunds.status, f.status));
  if (f.orderId) conditions.push(eq(refunds.orderId, f.orderId));
  if (f.paymentId) conditions.push(eq(refunds.paymentId, f.paymentId));
  if (f.paymentIdsOfCustomer) conditions.push(inArray(refunds.paymentId, f.paymentIdsOfCustomer));
  if (f.created) conditions.push(...createdConditions(refunds.createdAt, f.created));
  const cursor = await afterCursor(tx, refunds, refunds.id, refunds.createdAt, page.startingAfter);
  if (cursor) conditions.push(cursor);
  return tx
    .select()
    .from(refunds)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(refunds.createdAt), desc(refunds.id))
    .limit(page.limit);
}

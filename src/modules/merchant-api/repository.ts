// Queries behind the merchant API's and the console's lists: filters turned into SQL, and
// keyset pagination (newest first; `starting_after` is the last id of the previous page).
import { and, asc, desc, eq, gte, ilike, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client.ts';
import {
  orders,
  paymentMethods,
  payments,
  refunds,
  users,
  type OrderStatus,
  type PaymentStatus,
  type RefundStatus,
} from '../../db/schema.ts';
import type { PaymentRow, RefundRow } from '../orders/repository.ts';

export type UserRow = typeof users.$inferSelect;
export type PaymentMethodRow = typeof paymentMethods.$inferSelect;

export interface Page {
  limit: number;
  startingAfter?: string | undefined;
}

export interface CreatedRange {
  gte?: Date | undefined;
  lte?: Date | undefined;
}

/** `%text%` for ILIKE with the wildcards in `text` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

function createdConditions(column: PgColumn, range: CreatedRange): SQL[] {
  const out: SQL[] = [];
  if (range.gte) out.push(gte(column, range.gte));
  if (range.lte) out.push(lte(column, range.lte));
  return out;
}

/** Rows strictly after the cursor row in (created_at desc, id desc) order. */
async function afterCursor(
  tx: DbOrTx,
  table: PgTable,
  idColumn: PgColumn,
  createdColumn: PgColumn,
  cursorId: string | undefined,
) {
  if (!cursorId) return undefined;
  const [cursor] = (await tx
    .select({ id: idColumn, createdAt: createdColumn })
    .from(table)
    .where(eq(idColumn, cursorId))) as Array<{ id: string; createdAt: Date }>;
  if (!cursor) return undefined;
  return or(
    lt(createdColumn, cursor.createdAt),
    and(eq(createdColumn, cursor.createdAt), lt(idColumn, cursor.id)),
  );
}

// ---------------------------------------------------------------------------------------------
// Orders (listing goes through OrdersService.list with these conditions)
// ---------------------------------------------------------------------------------------------

export interface OrderFilter {
  status?: OrderStatus | undefined;
  customerId?: string | undefined;
  created?: CreatedRange;
  q?: string | undefined;
}

export function orderConditions(f: OrderFilter): SQL[] {
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

// ---------------------------------------------------------------------------------------------
// Payments
// ---------------------------------------------------------------------------------------------

export interface PaymentFilter {
  status?: PaymentStatus | undefined;
  customerId?: string | undefined;
  orderId?: string | undefined;
  declineCode?: string | undefined;
  created?: CreatedRange;
  amountGte?: number | undefined;
  amountLte?: number | undefined;
  customerEmail?: string | undefined;
  /** Free text over our ids, Stripe ids and the customer's email. */
  q?: string | undefined;
}

function paymentConditions(f: PaymentFilter): SQL[] {
  const out: SQL[] = [];
  if (f.status) out.push(eq(payments.status, f.status));
  if (f.customerId) out.push(eq(payments.userId, f.customerId));
  if (f.orderId) out.push(eq(payments.orderId, f.orderId));
  if (f.declineCode) out.push(eq(payments.declineCode, f.declineCode));
  if (f.created) out.push(...createdConditions(payments.createdAt, f.created));
  if (f.amountGte !== undefined) out.push(gte(payments.amount, f.amountGte));
  if (f.amountLte !== undefined) out.push(lte(payments.amount, f.amountLte));
  if (f.customerEmail) {
    out.push(
      inArray(
        payments.userId,
        sql`(select ${users.id} from ${users} where ${users.email} ilike ${containsPattern(f.customerEmail)})`,
      ),
    );
  }
  if (f.q) {
    const q = f.q.trim();
    const match: SQL[] = [
      eq(payments.stripePaymentIntentId, q),
      eq(payments.stripeChargeId, q),
      inArray(
        payments.userId,
        sql`(select ${users.id} from ${users} where ${users.email} ilike ${containsPattern(q)})`,
      ),
    ];
    if (isUuid(q))
      match.push(eq(payments.id, q.toLowerCase()), eq(payments.orderId, q.toLowerCase()));
    out.push(or(...match)!);
  }
  return out;
}

export async function listPayments(
  tx: DbOrTx,
  f: PaymentFilter,
  page: Page,
): Promise<PaymentRow[]> {
  const conditions = paymentConditions(f);
  const cursor = await afterCursor(
    tx,
    payments,
    payments.id,
    payments.createdAt,
    page.startingAfter,
  );
  if (cursor) conditions.push(cursor);
  return tx
    .select()
    .from(payments)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(payments.createdAt), desc(payments.id))
    .limit(page.limit);
}

/** Offset pages with a total, for the console's numbered pages. */
export async function searchPayments(
  tx: DbOrTx,
  f: PaymentFilter,
  page: { limit: number; offset: number },
) {
  const conditions = paymentConditions(f);
  const where = conditions.length ? and(...conditions) : undefined;
  const [rows, [count]] = await Promise.all([
    tx
      .select()
      .from(payments)
      .where(where)
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(page.limit)
      .offset(page.offset),
    tx
      .select({ total: sql<number>`count(*)::int` })
      .from(payments)
      .where(where),
  ]);
  return { rows, total: Number(count?.total ?? 0) };
}

export async function findPayment(tx: DbOrTx, id: string): Promise<PaymentRow | undefined> {
  const [row] = await tx.select().from(payments).where(eq(payments.id, id));
  return row;
}

// ---------------------------------------------------------------------------------------------
// Refunds
// ---------------------------------------------------------------------------------------------

export interface RefundFilter {
  status?: RefundStatus | undefined;
  orderId?: string | undefined;
  paymentId?: string | undefined;
  customerId?: string | undefined;
  created?: CreatedRange;
}

export async function listRefunds(tx: DbOrTx, f: RefundFilter, page: Page): Promise<RefundRow[]> {
  const conditions: SQL[] = [];
  if (f.status) conditions.push(eq(refunds.status, f.status));
  if (f.orderId) conditions.push(eq(refunds.orderId, f.orderId));
  if (f.paymentId) conditions.push(eq(refunds.paymentId, f.paymentId));
  if (f.customerId)
    conditions.push(
      inArray(
        refunds.paymentId,
        sql`(select ${payments.id} from ${payments} where ${payments.userId} = ${f.customerId})`,
      ),
    );
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

export async function findRefund(tx: DbOrTx, id: string): Promise<RefundRow | undefined> {
  const [row] = await tx.select().from(refunds).where(eq(refunds.id, id));
  return row;
}

export function refundsOfPayment(tx: DbOrTx, paymentId: string): Promise<RefundRow[]> {
  return tx
    .select()
    .from(refunds)
    .where(eq(refunds.paymentId, paymentId))
    .orderBy(asc(refunds.createdAt));
}

// ---------------------------------------------------------------------------------------------
// Customers (users with the customer role)
// ---------------------------------------------------------------------------------------------

export interface CustomerFilter {
  email?: string | undefined;
  /** Free text over email and name (console lookup). */
  q?: string | undefined;
}

export async function listCustomers(tx: DbOrTx, f: CustomerFilter, page: Page): Promise<UserRow[]> {
  const conditions: SQL[] = [eq(users.role, 'customer')];
  if (f.email) conditions.push(eq(users.email, f.email.trim().toLowerCase()));
  if (f.q) {
    const pattern = containsPattern(f.q.trim());
    const match = [ilike(users.email, pattern), ilike(users.name, pattern)];
    if (isUuid(f.q.trim())) match.push(eq(users.id, f.q.trim().toLowerCase()));
    conditions.push(or(...match)!);
  }
  const cursor = await afterCursor(tx, users, users.id, users.createdAt, page.startingAfter);
  if (cursor) conditions.push(cursor);
  return tx
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(page.limit);
}

export async function findCustomer(
  tx: DbOrTx,
  by: { id: string } | { email: string },
): Promise<UserRow | undefined> {
  const match = 'id' in by ? eq(users.id, by.id) : eq(users.email, by.email.trim().toLowerCase());
  const [row] = await tx
    .select()
    .from(users)
    .where(and(eq(users.role, 'customer'), match));
  return row;
}

export function usersByIds(tx: DbOrTx, ids: string[]): Promise<UserRow[]> {
  return ids.length ? tx.select().from(users).where(inArray(users.id, ids)) : Promise.resolve([]);
}

export function defaultCards(tx: DbOrTx, userIds: string[]): Promise<PaymentMethodRow[]> {
  return userIds.length
    ? tx
        .select()
        .from(paymentMethods)
        .where(and(inArray(paymentMethods.userId, userIds), eq(paymentMethods.isDefault, true)))
    : Promise.resolve([]);
}

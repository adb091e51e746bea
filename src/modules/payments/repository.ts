// Data access for payments: the only code that reads or writes the `payments` table. Other
// components reach payments through the payments service.
import {
  and,
  asc,
  desc,
  eq,
  gte,
  inArray,
  lt,
  lte,
  notInArray,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { afterCursor, createdConditions } from '../../db/pagination.ts';
import { builtOnce } from '../../db/prepared.ts';
import { payments } from '../../db/schema.ts';
import type { PaymentStatus } from '../../db/statuses.ts';
import { isUuid, type CreatedRange, type Page } from '../../lib/text-search.ts';
import { ACTIVE_PAYMENT_STATUSES } from './state.ts';

export type PaymentRow = typeof payments.$inferSelect;
export type NewPayment = typeof payments.$inferInsert;
export type PaymentChanges = Partial<Omit<NewPayment, 'id' | 'orderId' | 'userId'>>;

/** A payment as the APIs show it. */
export function publicPayment(p: PaymentRow) {
  return {
    id: p.id,
    order_id: p.orderId,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    amount_captured: p.amountCaptured,
    amount_refunded: p.amountRefunded,
    capture_method: p.captureMethod,
    off_session: p.offSession,
    attempt: p.attempt,
    stripe_payment_intent_id: p.stripePaymentIntentId,
    payment_method_id: p.stripePaymentMethodId,
    card:
      p.cardBrand && p.cardLast4
        ? {
            brand: p.cardBrand,
            last4: p.cardLast4,
            exp_month: p.cardExpMonth,
            exp_year: p.cardExpYear,
          }
        : null,
    failure_code: p.failureCode,
    decline_code: p.declineCode,
    failure_message: p.failureMessage,
    disputed: p.disputed,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}
export type PublicPayment = ReturnType<typeof publicPayment>;

// ---------------------------------------------------------------------------------------------
// One payment
// ---------------------------------------------------------------------------------------------

export async function findPayment(
  tx: DbOrTx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<PaymentRow | undefined> {
  const query = tx.select().from(payments).where(eq(payments.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

export async function findByIntentId(
  tx: DbOrTx,
  intentId: string,
): Promise<PaymentRow | undefined> {
  const [row] = await tx
    .select()
    .from(payments)
    .where(eq(payments.stripePaymentIntentId, intentId));
  return row;
}

/** The payment a dispute is about: by its charge, or by its intent when Stripe names one. */
export async function findByChargeOrIntent(
  tx: DbOrTx,
  chargeId: string,
  intentId: string | null,
): Promise<{ id: string; orderId: string; disputed: boolean } | undefined> {
  const [row] = await tx
    .select({ id: payments.id, orderId: payments.orderId, disputed: payments.disputed })
    .from(payments)
    .where(
      intentId
        ? or(eq(payments.stripeChargeId, chargeId), eq(payments.stripePaymentIntentId, intentId))
        : eq(payments.stripeChargeId, chargeId),
    )
    .limit(1);
  return row;
}

export async function insertPayment(tx: DbOrTx, values: NewPayment): Promise<PaymentRow> {
  const [row] = await tx.insert(payments).values(values).returning();
  return row!;
}

export async function updatePayment(
  tx: DbOrTx,
  id: string,
  values: PaymentChanges,
): Promise<PaymentRow> {
  const [row] = await tx.update(payments).set(values).where(eq(payments.id, id)).returning();
  return row!;
}

// ---------------------------------------------------------------------------------------------
// Payments of an order
// ---------------------------------------------------------------------------------------------

/** The payment that holds the order (in flight, authorised or paid), if any. */
/** The newest payment an order got from one client request (its hashed Idempotency-Key). */
const paymentByRequestKey = builtOnce((db) =>
  db
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.orderId, sql.placeholder('orderId')),
        eq(payments.requestKey, sql.placeholder('requestKey')),
      ),
    )
    .orderBy(desc(payments.createdAt))
    .limit(1)
    .prepare(''),
);

export async function findByRequestKey(
  tx: DbOrTx,
  orderId: string,
  requestKey: string,
): Promise<PaymentRow | undefined> {
  const built = paymentByRequestKey(tx);
  if (built) return (await built.execute({ orderId, requestKey }))[0];
  const [row] = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.orderId, orderId), eq(payments.requestKey, requestKey)))
    .orderBy(desc(payments.createdAt))
    .limit(1);
  return row;
}

export async function findActive(tx: DbOrTx, orderId: string): Promise<PaymentRow | undefined> {
  const [row] = await tx
    .select()
    .from(payments)
    .where(
      and(eq(payments.orderId, orderId), inArray(payments.status, [...ACTIVE_PAYMENT_STATUSES])),
    );
  return row;
}

export async function findWithStatus(
  tx: DbOrTx,
  orderId: string,
  status: PaymentStatus,
  options: { forUpdate?: boolean } = {},
): Promise<PaymentRow | undefined> {
  const query = tx
    .select()
    .from(payments)
    .where(and(eq(payments.orderId, orderId), eq(payments.status, status)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

/** Newest first. */
export function paymentsOfOrders(tx: DbOrTx, orderIds: string[]): Promise<PaymentRow[]> {
  return orderIds.length
    ? tx
        .select()
        .from(payments)
        .where(inArray(payments.orderId, orderIds))
        .orderBy(desc(payments.createdAt))
    : Promise.resolve([]);
}

/** Whether a scheduled off-session retry of `retryOf` already made its attempt. */
export async function retryExists(tx: DbOrTx, retryOf: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: payments.id })
    .from(payments)
    .where(eq(payments.retryOf, retryOf));
  return row !== undefined;
}

/** The customer's payments in one of `statuses`, oldest first. */
export function ofCustomerIn(
  tx: DbOrTx,
  userId: string,
  statuses: readonly PaymentStatus[],
): Promise<PaymentRow[]> {
  return tx
    .select()
    .from(payments)
    .where(and(eq(payments.userId, userId), inArray(payments.status, [...statuses])))
    .orderBy(asc(payments.createdAt));
}

export async function idsOfCustomer(tx: DbOrTx, userId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: payments.id })
    .from(payments)
    .where(eq(payments.userId, userId));
  return rows.map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------
// Sweeps and reconciliation
// ---------------------------------------------------------------------------------------------

/** `creating`/`unknown` payments created before `before`, oldest first. */
export function unsettledBefore(tx: DbOrTx, before: Date, limit: number): Promise<PaymentRow[]> {
  return tx
    .select()
    .from(payments)
    .where(and(inArray(payments.status, ['creating', 'unknown']), lt(payments.createdAt, before)))
    .orderBy(asc(payments.createdAt))
    .limit(limit);
}

/** How many `creating`/`unknown` payments were created before `before` (the alert rule). */
export async function countUnsettledBefore(tx: DbOrTx, before: Date): Promise<number> {
  const [row] = await tx
    .select({ n: sql<string>`count(*)` })
    .from(payments)
    .where(and(inArray(payments.status, ['creating', 'unknown']), lt(payments.createdAt, before)));
  return Number(row?.n ?? 0);
}

const FINAL_PAYMENT: PaymentStatus[] = ['succeeded', 'failed', 'canceled'];

/** Payments not yet final, and any payment changed since `since` (a refund, a dispute, a capture). */
export function paymentsToCheck(tx: DbOrTx, since: Date, limit: number): Promise<PaymentRow[]> {
  return tx
    .select()
    .from(payments)
    .where(or(notInArray(payments.status, FINAL_PAYMENT), gte(payments.updatedAt, since)))
    .orderBy(desc(payments.updatedAt))
    .limit(limit);
}

/** How many payments wait in each of `statuses` (for the unsettled gauge). */
export async function countByStatus(
  tx: DbOrTx,
  statuses: readonly PaymentStatus[],
): Promise<Map<string, number>> {
  const rows = await tx
    .select({ status: payments.status, n: sql<string>`count(*)` })
    .from(payments)
    .where(and(inArray(payments.status, [...statuses])))
    .groupBy(payments.status);
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

// ---------------------------------------------------------------------------------------------
// Figures for the console dashboard: aggregates over a range of `created_at`, so each is an
// index range scan on payments_created_idx, however many payments are stored.
// ---------------------------------------------------------------------------------------------

export interface PaymentFiguresRow {
  status: PaymentStatus;
  currency: string;
  count: number;
  amount: number;
  amountCaptured: number;
  declined: number;
}

/** A failed payment the card's issuer (or the card check) declined, rather than one that never ran. */
const declinedSql = (declineCodes: readonly string[]) =>
  sql`(${payments.status} = 'failed' and (${payments.declineCode} is not null or ${payments.failureCode} in (${sql.join(
    declineCodes.map((c) => sql`${c}`),
    sql`, `,
  )})))`;

/** Payments created in [since, until), counted and summed by status and currency. */
export async function figuresByStatus(
  tx: DbOrTx,
  since: Date,
  until: Date,
  declineCodes: readonly string[],
): Promise<PaymentFiguresRow[]> {
  const rows = await tx
    .select({
      status: payments.status,
      currency: payments.currency,
      count: sql<string>`count(*)`,
      amount: sql<string>`coalesce(sum(${payments.amount}), 0)`,
      amountCaptured: sql<string>`coalesce(sum(${payments.amountCaptured}), 0)`,
      declined: sql<string>`count(*) filter (where ${declinedSql(declineCodes)})`,
    })
    .from(payments)
    .where(and(gte(payments.createdAt, since), lt(payments.createdAt, until)))
    .groupBy(payments.status, payments.currency);
  return rows.map((r) => ({
    status: r.status,
    currency: r.currency,
    count: Number(r.count),
    amount: Number(r.amount),
    amountCaptured: Number(r.amountCaptured),
    declined: Number(r.declined),
  }));
}

/** The most frequent decline codes of payments created in [since, until). */
export async function topDeclineCodes(
  tx: DbOrTx,
  since: Date,
  until: Date,
  declineCodes: readonly string[],
  limit: number,
): Promise<Array<{ code: string; count: number }>> {
  const code = sql<string>`coalesce(${payments.declineCode}, ${payments.failureCode}, 'unknown')`;
  const rows = await tx
    .select({ code, count: sql<string>`count(*)` })
    .from(payments)
    .where(
      and(gte(payments.createdAt, since), lt(payments.createdAt, until), declinedSql(declineCodes)),
    )
    .groupBy(code)
    .orderBy(sql`count(*) desc`, code)
    .limit(limit);
  return rows.map((r) => ({ code: r.code, count: Number(r.count) }));
}

/**
 * Succeeded and failed payments created in [until - n × bucket, until), per bucket of
 * `bucketSeconds` ending at `until` (so every bucket is whole). Buckets without payments are
 * absent.
 */
export async function outcomeSeries(
  tx: DbOrTx,
  since: Date,
  until: Date,
  bucketSeconds: number,
): Promise<Array<{ at: Date; succeeded: number; failed: number }>> {
  const at = sql<Date>`date_bin(make_interval(secs => ${bucketSeconds}), ${payments.createdAt}, ${until})`;
  const rows = await tx
    .select({
      at: sql<string>`${at}`,
      succeeded: sql<string>`count(*) filter (where ${payments.status} = 'succeeded')`,
      failed: sql<string>`count(*) filter (where ${payments.status} = 'failed')`,
    })
    .from(payments)
    .where(and(gte(payments.createdAt, since), lt(payments.createdAt, until)))
    // By position: the bucket expression carries parameters, which PostgreSQL cannot match
    // between the select list and a repeated GROUP BY expression.
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  return rows.map((r) => ({
    at: new Date(r.at),
    succeeded: Number(r.succeeded),
    failed: Number(r.failed),
  }));
}

/**
 * Payments waiting in each of `statuses`, by how long they have been in it (`updated_at`: a
 * waiting payment is written only when its status changes): under 5 minutes, 5 to 60 minutes,
 * over an hour. An index-only scan of payments_status_idx (status, updated_at): only waiting
 * payments are visited, and not their rows.
 */
export async function waitingByAge(
  tx: DbOrTx,
  statuses: readonly PaymentStatus[],
  now: Date,
): Promise<Array<{ status: PaymentStatus; under5m: number; from5mTo1h: number; over1h: number }>> {
  const fiveMinutesAgo = new Date(now.getTime() - 5 * 60_000);
  const anHourAgo = new Date(now.getTime() - 3_600_000);
  const rows = await tx
    .select({
      status: payments.status,
      under5m: sql<string>`count(*) filter (where ${payments.updatedAt} > ${fiveMinutesAgo})`,
      from5mTo1h: sql<string>`count(*) filter (where ${payments.updatedAt} <= ${fiveMinutesAgo} and ${payments.updatedAt} > ${anHourAgo})`,
      over1h: sql<string>`count(*) filter (where ${payments.updatedAt} <= ${anHourAgo})`,
    })
    .from(payments)
    .where(inArray(payments.status, [...statuses]))
    .groupBy(payments.status);
  return rows.map((r) => ({
    status: r.status,
    under5m: Number(r.under5m),
    from5mTo1h: Number(r.from5mTo1h),
    over1h: Number(r.over1h),
  }));
}

// ---------------------------------------------------------------------------------------------
// Lists (merchant API and console)
// ---------------------------------------------------------------------------------------------

export interface PaymentFilter {
  status?: PaymentStatus | undefined;
  customerId?: string | undefined;
  orderId?: string | undefined;
  declineCode?: string | undefined;
  created?: CreatedRange;
  amountGte?: number | undefined;
  amountLte?: number | undefined;
  /** The customers whose email matched the email filter, when there is one. */
  customerIdsByEmail?: string[] | undefined;
  /** Free text over our ids and Stripe ids… */
  q?: string | undefined;
  /** …and the customers whose email matched it. */
  customerIdsByQ?: string[] | undefined;
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
  if (f.customerIdsByEmail) out.push(inArray(payments.userId, f.customerIdsByEmail));
  if (f.q) {
    const q = f.q.trim();
    const match: SQL[] = [
      eq(payments.stripePaymentIntentId, q),
      eq(payments.stripeChargeId, q),
      inArray(payments.userId, f.customerIdsByQ ?? []),
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
/**
 * The console counts matching payments up to this many and says "10,000+" beyond: an exact
 * count of a million rows takes hundreds of milliseconds (SPEC.md §4: lists ≤ 50 ms), and no one
 * pages through ten thousand payments rather than narrowing the filters.
 */
export const SEARCH_COUNT_CAP = 10_000;

export async function searchPayments(
  tx: DbOrTx,
  f: PaymentFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: PaymentRow[]; hasMore: boolean; total: number; totalCapped: boolean }> {
  const conditions = paymentConditions(f);
  const where = conditions.length ? and(...conditions) : undefined;
  const upTo = tx
    .select({ one: sql`1` })
    .from(payments)
    .where(where)
    .limit(SEARCH_COUNT_CAP + 1)
    .as('up_to_cap');
  const [rows, [count]] = await Promise.all([
    tx
      .select()
      .from(payments)
      .where(where)
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(page.limit + 1)
      .offset(page.offset),
    tx.select({ total: sql<number>`count(*)::int` }).from(upTo),
  ]);
  const counted = Number(count?.total ?? 0);
  return {
    rows: rows.slice(0, page.limit),
    // From the page itself: past the cap, the count no longer says whether more follow.
    hasMore: rows.length > page.limit,
    total: Math.min(counted, SEARCH_COUNT_CAP),
    totalCapped: counted > SEARCH_COUNT_CAP,
  };
}

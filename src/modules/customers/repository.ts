// Data access for customers: the Stripe customer of each user, and users with the customer role
// as the merchant API and the console look them up.
import { and, desc, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { afterCursor } from '../../db/pagination.ts';
import { stripeCustomers, users } from '../../db/schema.ts';
import { containsPattern, isUuid, type Page } from '../../lib/text-search.ts';

export type CustomerRow = typeof users.$inferSelect;

export async function findStripeCustomerId(
  tx: DbOrTx,
  userId: string,
): Promise<string | undefined> {
  const [row] = await tx.select().from(stripeCustomers).where(eq(stripeCustomers.userId, userId));
  return row?.stripeCustomerId;
}

/** Keeps whichever row landed first when two first payments race. */
export async function insertStripeCustomer(
  tx: DbOrTx,
  userId: string,
  stripeCustomerId: string,
): Promise<void> {
  await tx.insert(stripeCustomers).values({ userId, stripeCustomerId }).onConflictDoNothing();
}

export async function deleteStripeCustomer(tx: DbOrTx, userId: string): Promise<void> {
  await tx.delete(stripeCustomers).where(eq(stripeCustomers.userId, userId));
}

export interface CustomerFilter {
  email?: string | undefined;
  /** Free text over email and name (console lookup). */
  q?: string | undefined;
}

export async function listCustomers(
  tx: DbOrTx,
  f: CustomerFilter,
  page: Page,
): Promise<CustomerRow[]> {
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
): Promise<CustomerRow | undefined> {
  const match = 'id' in by ? eq(users.id, by.id) : eq(users.email, by.email.trim().toLowerCase());
  const [row] = await tx
    .select()
    .from(users)
    .where(and(eq(users.role, 'customer'), match));
  return row;
}

export function usersByIds(tx: DbOrTx, ids: string[]): Promise<CustomerRow[]> {
  return ids.length ? tx.select().from(users).where(inArray(users.id, ids)) : Promise.resolve([]);
}

/** Ids of the users whose email contains `text` (any role, as the payment filters always did). */
export async function idsWithEmailContaining(tx: DbOrTx, text: string): Promise<string[]> {
  const rows = await tx
    .select({ id: users.id })
    .from(users)
    .where(ilike(users.email, containsPattern(text)));
  return rows.map((r) => r.id);
}

// Data access for customers: the Stripe customer of each user, and users with the customer role
// as the merchant API and the console look them up.
import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { afterCursor } from '../../db/pagination.ts';
import { builtOnce } from '../../db/prepared.ts';
import { stripeCustomers, users } from '../../db/schema.ts';
import { emailIs, nameHasWords, openUser } from '../../db/sealed-users.ts';
import { isUuid, type Page } from '../../lib/text-search.ts';

export type CustomerRow = typeof users.$inferSelect;

const stripeCustomerOf = builtOnce((db) =>
  db
    .select()
    .from(stripeCustomers)
    .where(eq(stripeCustomers.userId, sql.placeholder('userId')))
    .prepare(''),
);

export async function findStripeCustomerId(
  tx: DbOrTx,
  userId: string,
): Promise<string | undefined> {
  const built = stripeCustomerOf(tx);
  if (built) return (await built.execute({ userId }))[0]?.stripeCustomerId;
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
  /**
   * The console's lookup: an exact email, an id, or whole words of the name. Emails and names are
   * encrypted (ADR 027), so there is no substring search over them.
   */
  q?: string | undefined;
}

/** Matches users by an exact email, their id, or every word of `text` in their name. */
function matchesText(text: string): SQL | undefined {
  const match = [emailIs(text), nameHasWords(text)];
  if (isUuid(text)) match.push(eq(users.id, text.toLowerCase()));
  return or(...match.filter((m): m is SQL => m !== undefined));
}

export async function listCustomers(
  tx: DbOrTx,
  f: CustomerFilter,
  page: Page,
): Promise<CustomerRow[]> {
  const conditions: SQL[] = [eq(users.role, 'customer')];
  if (f.email) conditions.push(emailIs(f.email));
  if (f.q?.trim()) conditions.push(matchesText(f.q.trim())!);
  const cursor = await afterCursor(tx, users, users.id, users.createdAt, page.startingAfter);
  if (cursor) conditions.push(cursor);
  const rows = await tx
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(page.limit);
  return rows.map(openUser);
}

export async function findCustomer(
  tx: DbOrTx,
  by: { id: string } | { email: string },
): Promise<CustomerRow | undefined> {
  const match = 'id' in by ? eq(users.id, by.id) : emailIs(by.email);
  const [row] = await tx
    .select()
    .from(users)
    .where(and(eq(users.role, 'customer'), match));
  return row && openUser(row);
}

export async function usersByIds(tx: DbOrTx, ids: string[]): Promise<CustomerRow[]> {
  if (!ids.length) return [];
  return (await tx.select().from(users).where(inArray(users.id, ids))).map(openUser);
}

/**
 * Ids of the users (any role, as the payment filters always did) with exactly this email, or
 * with every word of `text` in their name.
 */
export async function idsMatching(tx: DbOrTx, text: string): Promise<string[]> {
  const match = matchesText(text.trim());
  if (!match) return [];
  const rows = await tx.select({ id: users.id }).from(users).where(match);
  return rows.map((r) => r.id);
}

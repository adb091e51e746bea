// Data access for users and sessions. No business rules here.
import { eq, lt, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { legalAcceptances, sessions, users } from '../../db/schema.ts';

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

export async function insertUser(
  tx: DbOrTx,
  values: { email: string; name: string; passwordHash: string; role?: 'customer' | 'admin' },
): Promise<UserRow | undefined> {
  const [row] = await tx.insert(users).values(values).onConflictDoNothing().returning();
  return row;
}

export async function findUserByEmail(tx: DbOrTx, email: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.email, email)).limit(1);
  return row;
}

export async function recordAcceptance(
  tx: DbOrTx,
  values: {
    userId: string;
    document: 'terms' | 'privacy';
    version: string;
    ip: string | null;
    acceptedAt: Date;
  },
): Promise<void> {
  await tx.insert(legalAcceptances).values(values);
}

export async function insertSession(
  tx: DbOrTx,
  values: typeof sessions.$inferInsert,
): Promise<void> {
  await tx.insert(sessions).values(values);
}

export async function findSessionWithUser(
  tx: DbOrTx,
  id: string,
): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const [row] = await tx
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id))
    .limit(1);
  return row;
}

export async function touchSession(tx: DbOrTx, id: string, lastSeenAt: Date, idleExpiresAt: Date) {
  await tx.update(sessions).set({ lastSeenAt, idleExpiresAt }).where(eq(sessions.id, id));
}

export async function deleteSession(tx: DbOrTx, id: string): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.id, id));
}

export async function deleteSessionsOfUser(tx: DbOrTx, userId: string): Promise<number> {
  const rows = await tx
    .delete(sessions)
    .where(eq(sessions.userId, userId))
    .returning({ id: sessions.id });
  return rows.length;
}

export async function deleteExpiredSessions(tx: DbOrTx, now: Date): Promise<number> {
  const rows = await tx
    .delete(sessions)
    .where(or(lt(sessions.idleExpiresAt, now), lt(sessions.absoluteExpiresAt, now)))
    .returning({ id: sessions.id });
  return rows.length;
}

export async function countUsers(tx: DbOrTx): Promise<number> {
  const rows = await tx.select({ id: users.id }).from(users).limit(1);
  return rows.length;
}

export async function findUser(tx: DbOrTx, id: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.id, id));
  return row;
}

export function acceptancesOf(tx: DbOrTx, userId: string) {
  return tx.select().from(legalAcceptances).where(eq(legalAcceptances.userId, userId));
}

export function sessionsOf(tx: DbOrTx, userId: string): Promise<SessionRow[]> {
  return tx.select().from(sessions).where(eq(sessions.userId, userId));
}

/**
 * Erases a user's personal data: their sessions go, the row stays (orders and payments refer to
 * it) but holds nothing personal any more, and the IPs of their legal acceptances are dropped.
 */
export async function erasePersonalData(tx: DbOrTx, userId: string, now: Date): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.userId, userId));
  await tx
    .update(users)
    .set({
      email: `deleted-${userId}@deleted.invalid`,
      name: 'Deleted user',
      passwordHash: '!deleted',
      updatedAt: now,
    })
    .where(eq(users.id, userId));
  await tx.update(legalAcceptances).set({ ip: null }).where(eq(legalAcceptances.userId, userId));
}

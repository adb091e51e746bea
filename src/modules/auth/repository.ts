// Data access for users and sessions. No business rules here.
import {
  and,
  asc,
  count,
  desc,
  eq,
  getTableColumns,
  gt,
  inArray,
  isNull,
  lt,
  ne,
  or,
} from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  legalAcceptances,
  operatorTotp,
  passwordResets,
  recoveryCodes,
  sessions,
  users,
} from '../../db/schema.ts';
import { USER_EMAIL, emailIs, openUser, sealedIdentity } from '../../db/sealed-users.ts';
import { open, seal } from '../../lib/personal-data.ts';

// Personal columns are encrypted at rest (ADR 027): written sealed here, opened when read, so
// nothing outside this file sees a ciphertext.
const SESSION_IP = 'sessions.ip';
const SESSION_USER_AGENT = 'sessions.user_agent';
const ACCEPTANCE_IP = 'legal_acceptances.ip';
const TOTP_SECRET = 'operator_totp.secret';

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

function openSession(row: SessionRow): SessionRow {
  return {
    ...row,
    ip: open(row.ip, SESSION_IP),
    userAgent: open(row.userAgent, SESSION_USER_AGENT),
  };
}

export async function insertUser(
  tx: DbOrTx,
  values: {
    email: string;
    name: string;
    passwordHash: string;
    role?: 'customer' | 'admin';
    metadata?: Record<string, string>;
  },
): Promise<UserRow | undefined> {
  const [row] = await tx
    .insert(users)
    .values({ ...values, ...sealedIdentity(values) })
    .onConflictDoNothing()
    .returning();
  return row && openUser(row);
}

export async function findUserByEmail(tx: DbOrTx, email: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(emailIs(email)).limit(1);
  return row && openUser(row);
}

/** Whether the user accepted this version of the document. */
export async function hasAccepted(
  tx: DbOrTx,
  userId: string,
  document: 'terms' | 'privacy',
  version: string,
): Promise<boolean> {
  const [row] = await tx
    .select({ id: legalAcceptances.id })
    .from(legalAcceptances)
    .where(
      and(
        eq(legalAcceptances.userId, userId),
        eq(legalAcceptances.document, document),
        eq(legalAcceptances.version, version),
      ),
    )
    .limit(1);
  return row !== undefined;
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
  await tx.insert(legalAcceptances).values({ ...values, ip: seal(values.ip, ACCEPTANCE_IP) });
}

export async function insertSession(
  tx: DbOrTx,
  values: typeof sessions.$inferInsert,
): Promise<void> {
  await tx.insert(sessions).values({
    ...values,
    ip: seal(values.ip ?? null, SESSION_IP),
    userAgent: seal(values.userAgent ?? null, SESSION_USER_AGENT),
  });
}

/**
 * A session, its user, and when that user's second factor was confirmed (null: none): read on
 * every request, so the session's encrypted IP and user agent, which no request needs, are not
 * read (nor decrypted) here.
 */
export async function findSessionWithUser(
  tx: DbOrTx,
  id: string,
): Promise<
  | { session: Omit<SessionRow, 'ip' | 'userAgent'>; user: UserRow; totpConfirmedAt: Date | null }
  | undefined
> {
  const { ip: _ip, userAgent: _userAgent, ...sessionColumns } = getTableColumns(sessions);
  const [row] = await tx
    .select({ session: sessionColumns, user: users, totpConfirmedAt: operatorTotp.confirmedAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(operatorTotp, eq(operatorTotp.userId, sessions.userId))
    .where(eq(sessions.id, id))
    .limit(1);
  return row && { ...row, user: openUser(row.user) };
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

/** Ends every session of a user but one (the one changing the password keeps working). */
export async function deleteOtherSessionsOfUser(
  tx: DbOrTx,
  userId: string,
  keepId: string,
): Promise<number> {
  const rows = await tx
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), ne(sessions.id, keepId)))
    .returning({ id: sessions.id });
  return rows.length;
}

export async function setPasswordHash(
  tx: DbOrTx,
  userId: string,
  passwordHash: string,
  now: Date,
): Promise<void> {
  await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId));
}

/** The first `limit` operators' addresses, oldest account first. */
export async function operatorEmails(tx: DbOrTx, limit: number): Promise<string[]> {
  const rows = await tx
    .select({ email: users.email })
    .from(users)
    .where(eq(users.role, 'admin'))
    .orderBy(users.createdAt)
    .limit(limit);
  return rows.map((r) => open(r.email, USER_EMAIL));
}

const expiredBefore = (before: Date) =>
  or(lt(sessions.idleExpiresAt, before), lt(sessions.absoluteExpiresAt, before));

export async function countExpiredSessions(tx: DbOrTx, before: Date): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(sessions).where(expiredBefore(before));
  return row?.n ?? 0;
}

/** Deletes up to `limit` sessions that expired (idle or absolute) before `before`. */
export async function deleteExpiredSessions(
  tx: DbOrTx,
  before: Date,
  limit: number,
): Promise<number> {
  const batch = tx
    .select({ id: sessions.id })
    .from(sessions)
    .where(expiredBefore(before))
    .limit(limit);
  const rows = await tx
    .delete(sessions)
    .where(and(inArray(sessions.id, batch), expiredBefore(before)))
    .returning({ id: sessions.id });
  return rows.length;
}

// What a deleted account leaves besides financial records: its legal acceptances (without IPs
// since the deletion), kept as proof of the terms agreed until RETENTION_DELETED_ACCOUNTS.
// erasePersonalData marks the account (password_hash '!deleted') and dates it (updated_at).
const DELETED_PASSWORD_HASH = '!deleted';
const deletedBefore = (before: Date) =>
  and(eq(users.passwordHash, DELETED_PASSWORD_HASH), lt(users.updatedAt, before));

export async function countDeletedAccountLeftovers(tx: DbOrTx, before: Date): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(legalAcceptances)
    .innerJoin(users, eq(users.id, legalAcceptances.userId))
    .where(deletedBefore(before));
  return row?.n ?? 0;
}

/** Deletes up to `limit` legal acceptances of accounts deleted before `before`. */
export async function deleteDeletedAccountLeftovers(
  tx: DbOrTx,
  before: Date,
  limit: number,
): Promise<number> {
  const batch = tx
    .select({ id: legalAcceptances.id })
    .from(legalAcceptances)
    .innerJoin(users, eq(users.id, legalAcceptances.userId))
    .where(deletedBefore(before))
    .orderBy(asc(legalAcceptances.id))
    .limit(limit);
  const rows = await tx
    .delete(legalAcceptances)
    .where(inArray(legalAcceptances.id, batch))
    .returning({ id: legalAcceptances.id });
  return rows.length;
}

export async function countUsers(tx: DbOrTx): Promise<number> {
  const rows = await tx.select({ id: users.id }).from(users).limit(1);
  return rows.length;
}

export async function findUser(tx: DbOrTx, id: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.id, id));
  return row && openUser(row);
}

/** The user, locked until the transaction ends: a change decided from it cannot race another. */
export async function findUserForUpdate(tx: DbOrTx, id: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.id, id)).for('update');
  return row && openUser(row);
}

export async function acceptancesOf(tx: DbOrTx, userId: string) {
  const rows = await tx.select().from(legalAcceptances).where(eq(legalAcceptances.userId, userId));
  return rows.map((r) => ({ ...r, ip: open(r.ip, ACCEPTANCE_IP) }));
}

export async function sessionsOf(tx: DbOrTx, userId: string): Promise<SessionRow[]> {
  const rows = await tx.select().from(sessions).where(eq(sessions.userId, userId));
  return rows.map(openSession);
}

/**
 * Erases a user's personal data: their sessions go, the row stays (orders and payments refer to
 * it) but holds nothing personal any more, and the IPs of their legal acceptances are dropped.
 */
export async function erasePersonalData(tx: DbOrTx, userId: string, now: Date): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.userId, userId));
  await deleteSecondFactor(tx, userId);
  await tx
    .update(users)
    .set({
      ...sealedIdentity({ email: `deleted-${userId}@deleted.invalid`, name: 'Deleted user' }),
      passwordHash: DELETED_PASSWORD_HASH,
      metadata: {},
      updatedAt: now,
    })
    .where(eq(users.id, userId));
  await tx.update(legalAcceptances).set({ ip: null }).where(eq(legalAcceptances.userId, userId));
}

/** A user's live sessions (not past a deadline), the most recently used first. */
export async function liveSessionsOf(tx: DbOrTx, userId: string, now: Date): Promise<SessionRow[]> {
  const rows = await tx
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        gt(sessions.idleExpiresAt, now),
        gt(sessions.absoluteExpiresAt, now),
      ),
    )
    .orderBy(desc(sessions.lastSeenAt))
    .limit(100);
  return rows.map(openSession);
}

/** Ends one session of a user; false when the user has no session with that id. */
export async function deleteSessionOfUser(
  tx: DbOrTx,
  userId: string,
  id: string,
): Promise<boolean> {
  const rows = await tx
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.id, id)))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

// --- Operators' second factor (ADR 023) ----------------------------------------------------

export type TotpRow = typeof operatorTotp.$inferSelect;

export async function findTotp(tx: DbOrTx, userId: string): Promise<TotpRow | undefined> {
  const [row] = await tx.select().from(operatorTotp).where(eq(operatorTotp.userId, userId));
  return row && { ...row, secret: open(row.secret, TOTP_SECRET) };
}

/** Starts (or restarts) an enrolment; returns false when a confirmed second factor exists. */
export async function startTotpEnrolment(
  tx: DbOrTx,
  userId: string,
  secret: string,
  now: Date,
): Promise<boolean> {
  const sealed = seal(secret, TOTP_SECRET);
  const rows = await tx
    .insert(operatorTotp)
    .values({ userId, secret: sealed, createdAt: now })
    .onConflictDoUpdate({
      target: operatorTotp.userId,
      set: { secret: sealed, createdAt: now, lastUsedStep: null },
      setWhere: isNull(operatorTotp.confirmedAt),
    })
    .returning({ userId: operatorTotp.userId });
  return rows.length > 0;
}

/**
 * Records that the code of time step `step` was used, unless that step or a later one was used
 * already: a compare-and-set, so two requests with the same code cannot both pass.
 */
export async function claimTotpStep(tx: DbOrTx, userId: string, step: number): Promise<boolean> {
  const rows = await tx
    .update(operatorTotp)
    .set({ lastUsedStep: step })
    .where(
      and(
        eq(operatorTotp.userId, userId),
        or(isNull(operatorTotp.lastUsedStep), lt(operatorTotp.lastUsedStep, step)),
      ),
    )
    .returning({ userId: operatorTotp.userId });
  return rows.length > 0;
}

export async function confirmTotp(tx: DbOrTx, userId: string, now: Date): Promise<void> {
  await tx.update(operatorTotp).set({ confirmedAt: now }).where(eq(operatorTotp.userId, userId));
}

/** Removes a user's second factor and recovery codes; true when there was one. */
export async function deleteSecondFactor(tx: DbOrTx, userId: string): Promise<boolean> {
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  const rows = await tx
    .delete(operatorTotp)
    .where(eq(operatorTotp.userId, userId))
    .returning({ userId: operatorTotp.userId });
  return rows.length > 0;
}

/** Replaces every recovery code of a user (used or not) by these hashes. */
export async function replaceRecoveryCodes(
  tx: DbOrTx,
  userId: string,
  hashes: string[],
  now: Date,
): Promise<void> {
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx
    .insert(recoveryCodes)
    .values(hashes.map((codeHash) => ({ userId, codeHash, createdAt: now })));
}

/** Marks an unused recovery code used; false when it is unknown or was used before. */
export async function useRecoveryCode(
  tx: DbOrTx,
  userId: string,
  codeHash: string,
  now: Date,
): Promise<boolean> {
  const rows = await tx
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, codeHash),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return rows.length > 0;
}

export async function countUnusedRecoveryCodes(tx: DbOrTx, userId: string): Promise<number> {
  const rows = await tx
    .select({ id: recoveryCodes.id })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return rows.length;
}

// --- Password resets ("forgot password"): only the token's SHA-256 is stored ----------------

export type PasswordResetRow = typeof passwordResets.$inferSelect;

export async function insertPasswordReset(
  tx: DbOrTx,
  values: { userId: string; tokenHash: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await tx.insert(passwordResets).values(values);
}

export async function findPasswordReset(
  tx: DbOrTx,
  tokenHash: string,
  options: { forUpdate?: boolean } = {},
): Promise<PasswordResetRow | undefined> {
  const query = tx.select().from(passwordResets).where(eq(passwordResets.tokenHash, tokenHash));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

/** Uses up every unused link of the user: a password set by one link voids the others. */
export async function usePasswordResets(tx: DbOrTx, userId: string, now: Date): Promise<void> {
  await tx
    .update(passwordResets)
    .set({ usedAt: now })
    .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)));
}

/** An account deleted by its owner: the row stays, pseudonymous, and nobody can sign in to it. */
export function isErased(row: UserRow): boolean {
  return row.passwordHash === DELETED_PASSWORD_HASH;
}

/**
 * A customer the merchant API created: no password matches this marker, so they pay through
 * signed checkout links until "forgot password" gives them one (ADR 030).
 */
export const GUEST_PASSWORD_HASH = '!guest';

export function isGuest(row: UserRow): boolean {
  return row.passwordHash === GUEST_PASSWORD_HASH;
}

/**
 * Changes a customer's email, name or metadata. A new email that another user has fails on the
 * unique blind index (23505), which the caller answers as a conflict.
 */
export async function updateCustomer(
  tx: DbOrTx,
  row: UserRow,
  changes: {
    email?: string | undefined;
    name?: string | undefined;
    metadata?: Record<string, string> | undefined;
  },
  now: Date,
): Promise<UserRow> {
  const identity =
    changes.email !== undefined || changes.name !== undefined
      ? sealedIdentity({ email: changes.email ?? row.email, name: changes.name ?? row.name })
      : {};
  const [updated] = await tx
    .update(users)
    .set({
      ...identity,
      ...(changes.metadata !== undefined ? { metadata: changes.metadata } : {}),
      updatedAt: now,
    })
    .where(eq(users.id, row.id))
    .returning();
  return openUser(updated!);
}

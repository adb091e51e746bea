// Data access for Idempotency-Key claims: the only code that reads or writes `idempotency_keys`.
// A claim row is owned by the request holding it while its `locked_at` is one of the lease
// tokens that request wrote (a renewal whose answer was lost may have left any of them).
import { and, asc, count, eq, inArray, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { idempotencyKeys } from '../../db/schema.ts';

export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
export type NewIdempotencyKey = typeof idempotencyKeys.$inferInsert;

export interface OwnedClaim {
  scope: string;
  key: string;
  /** The lease tokens (locked_at values) this process may have written. */
  tokens: Date[];
}

const owned = (claim: OwnedClaim) =>
  and(
    eq(idempotencyKeys.scope, claim.scope),
    eq(idempotencyKeys.key, claim.key),
    inArray(idempotencyKeys.lockedAt, claim.tokens),
  );

/** Inserts a claim unless the key exists; true when this request now holds it. */
export async function insertClaim(tx: DbOrTx, values: NewIdempotencyKey): Promise<boolean> {
  const inserted = await tx
    .insert(idempotencyKeys)
    .values(values)
    .onConflictDoNothing()
    .returning({ id: idempotencyKeys.id });
  return inserted.length > 0;
}

export async function findKey(
  tx: DbOrTx,
  scope: string,
  key: string,
): Promise<IdempotencyKeyRow | undefined> {
  const [row] = await tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return row;
}

/** Takes over a claim whose lease expired, unless someone renewed or settled it meanwhile. */
export async function takeOver(
  tx: DbOrTx,
  existing: Pick<IdempotencyKeyRow, 'id' | 'lockedAt'>,
  now: Date,
): Promise<boolean> {
  const taken = await tx
    .update(idempotencyKeys)
    .set({ lockedAt: now })
    .where(
      and(
        eq(idempotencyKeys.id, existing.id),
        eq(idempotencyKeys.lockedAt, existing.lockedAt),
        eq(idempotencyKeys.state, 'in_progress'),
      ),
    )
    .returning({ id: idempotencyKeys.id });
  return taken.length > 0;
}

/** Extends the lease; false when the claim is no longer this request's. */
export async function renewClaim(tx: DbOrTx, claim: OwnedClaim, next: Date): Promise<boolean> {
  const [kept] = await tx
    .update(idempotencyKeys)
    .set({ lockedAt: next })
    .where(owned(claim))
    .returning({ id: idempotencyKeys.id });
  return kept !== undefined;
}

/** Stores the response of a claim still in progress; false when it was taken over. */
export async function completeClaim(
  tx: DbOrTx,
  claim: OwnedClaim,
  response: { status: number; body: string },
): Promise<boolean> {
  const rows = await tx
    .update(idempotencyKeys)
    .set({ state: 'completed', responseStatus: response.status, responseBody: response.body })
    .where(and(owned(claim), eq(idempotencyKeys.state, 'in_progress')))
    .returning({ id: idempotencyKeys.id });
  return rows.length > 0;
}

/** Frees the key of a claim still in progress (the request ended without a storable response). */
export async function releaseClaim(tx: DbOrTx, claim: OwnedClaim): Promise<void> {
  await tx
    .delete(idempotencyKeys)
    .where(and(owned(claim), eq(idempotencyKeys.state, 'in_progress')))
    .returning({ id: idempotencyKeys.id });
}

// Retention (ADR 024). Completed records go once created before the cut-off; a claim still in
// progress only once its key expired (24 hours: its request died long ago), never because of the
// retention period, which may be shorter than a running request in tests. Both are found through
// the expires_at index: expires_at is created_at + `lifetimeMs` (IDEMPOTENCY_RETENTION_MS).
const completedBefore = (before: Date, lifetimeMs: number) =>
  and(
    eq(idempotencyKeys.state, 'completed'),
    lt(idempotencyKeys.expiresAt, new Date(before.getTime() + lifetimeMs)),
  );
const abandonedBefore = (now: Date) =>
  and(eq(idempotencyKeys.state, 'in_progress'), lt(idempotencyKeys.expiresAt, now));

export async function countCompletedBefore(
  tx: DbOrTx,
  before: Date,
  lifetimeMs: number,
): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(idempotencyKeys)
    .where(completedBefore(before, lifetimeMs));
  return row?.n ?? 0;
}

async function deleteBatch(
  tx: DbOrTx,
  where: ReturnType<typeof and>,
  limit: number,
): Promise<number> {
  const batch = tx
    .select({ id: idempotencyKeys.id })
    .from(idempotencyKeys)
    .where(where)
    .orderBy(asc(idempotencyKeys.expiresAt))
    .limit(limit);
  const rows = await tx
    .delete(idempotencyKeys)
    .where(and(inArray(idempotencyKeys.id, batch), where))
    .returning({ id: idempotencyKeys.id });
  return rows.length;
}

/** Deletes up to `limit` completed records created before `before`. */
export function deleteCompletedBefore(
  tx: DbOrTx,
  before: Date,
  lifetimeMs: number,
  limit: number,
): Promise<number> {
  return deleteBatch(tx, completedBefore(before, lifetimeMs), limit);
}

/** Deletes up to `limit` claims left in progress past their key's expiry. */
export function deleteAbandoned(tx: DbOrTx, now: Date, limit: number): Promise<number> {
  return deleteBatch(tx, abandonedBefore(now), limit);
}

export async function deleteScope(tx: DbOrTx, scope: string): Promise<number> {
  const rows = await tx
    .delete(idempotencyKeys)
    .where(eq(idempotencyKeys.scope, scope))
    .returning({ id: idempotencyKeys.id });
  return rows.length;
}

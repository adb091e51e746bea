// Data access for the audit log: the only code that reads or writes `audit_entries`.
import { and, asc, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { auditEntries } from '../../db/schema.ts';

export type AuditRow = typeof auditEntries.$inferSelect;
export type NewAuditRow = typeof auditEntries.$inferInsert;

/** Serialises appends for the rest of the transaction: one chain, one writer at a time. */
export async function lockChain(tx: DbOrTx, lockId: number): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${lockId})`);
}

export async function lastHash(tx: DbOrTx): Promise<string | undefined> {
  const [last] = await tx
    .select({ hash: auditEntries.hash })
    .from(auditEntries)
    .orderBy(desc(auditEntries.id))
    .limit(1);
  return last?.hash;
}

export async function insertEntry(tx: DbOrTx, values: NewAuditRow): Promise<AuditRow> {
  const [row] = await tx.insert(auditEntries).values(values).returning();
  return row!;
}

/** Entries after `afterId`, in id order. */
export function entriesAfter(tx: DbOrTx, afterId: number, limit: number): Promise<AuditRow[]> {
  return tx
    .select()
    .from(auditEntries)
    .where(gt(auditEntries.id, afterId))
    .orderBy(asc(auditEntries.id))
    .limit(limit);
}

/** Audit entries about any of the given targets (e.g. a payment, its order and its refunds). */
export function entriesAbout(
  tx: DbOrTx,
  targets: Array<{ type: string; ids: string[] }>,
): Promise<AuditRow[]> {
  const match = targets
    .filter((t) => t.ids.length)
    .map((t) => and(eq(auditEntries.targetType, t.type), inArray(auditEntries.targetId, t.ids))!);
  if (!match.length) return Promise.resolve([]);
  return tx
    .select()
    .from(auditEntries)
    .where(or(...match))
    .orderBy(auditEntries.id);
}

/** Entries a user made or that are about them (their data export). */
export function entriesOfUser(tx: DbOrTx, userId: string): Promise<AuditRow[]> {
  return tx
    .select()
    .from(auditEntries)
    .where(or(eq(auditEntries.actorId, userId), eq(auditEntries.targetId, userId)));
}

export interface AuditFilter {
  targetType?: string | undefined;
  targetId?: string | undefined;
  action?: string | undefined;
  actorType?: AuditRow['actorType'] | undefined;
  actorId?: string | undefined;
}

/** Newest first; `startingAfter` is the id of the last entry of the previous page. */
export function listEntries(
  tx: DbOrTx,
  f: AuditFilter,
  page: { limit: number; startingAfter?: number | undefined },
): Promise<AuditRow[]> {
  const conditions: SQL[] = [];
  if (f.targetType) conditions.push(eq(auditEntries.targetType, f.targetType));
  if (f.targetId) conditions.push(eq(auditEntries.targetId, f.targetId));
  if (f.action) conditions.push(eq(auditEntries.action, f.action));
  if (f.actorType) conditions.push(eq(auditEntries.actorType, f.actorType));
  if (f.actorId) conditions.push(eq(auditEntries.actorId, f.actorId));
  if (page.startingAfter !== undefined) conditions.push(lt(auditEntries.id, page.startingAfter));
  return tx
    .select()
    .from(auditEntries)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEntries.id))
    .limit(page.limit);
}

// The console's own queries: audit entries and webhook events around a payment, the audit log.
import { and, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { auditEntries, webhookEvents } from '../../db/schema.ts';

export type AuditRow = typeof auditEntries.$inferSelect;
export type WebhookEventRow = typeof webhookEvents.$inferSelect;

/** Audit entries about any of the given targets (e.g. a payment, its order and its refunds). */
export function auditFor(
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

/** Stripe events about any of the given Stripe objects (intent, charge, refunds). */
export function webhookEventsFor(tx: DbOrTx, objectIds: string[]): Promise<WebhookEventRow[]> {
  if (!objectIds.length) return Promise.resolve([]);
  return tx
    .select()
    .from(webhookEvents)
    .where(inArray(webhookEvents.objectId, objectIds))
    .orderBy(webhookEvents.receivedAt);
}

export interface AuditFilter {
  targetType?: string | undefined;
  targetId?: string | undefined;
  action?: string | undefined;
  actorType?: AuditRow['actorType'] | undefined;
  actorId?: string | undefined;
}

/** Newest first; `startingAfter` is the id of the last entry of the previous page. */
export function listAudit(
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

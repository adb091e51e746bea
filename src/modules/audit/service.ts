// Reading the audit log: the console's log and a payment's timeline, a customer's own activity,
// and verification of the hash chain. Writing is appendAudit (audit-log.ts), inside the
// transaction of the audited change.
import type { Db } from '../../db/client.ts';
import { countAuditIps, eraseAuditIps, verifyAuditChain, type IpErasure } from './audit-log.ts';
import * as repo from './repository.ts';
import type { AuditFilter, AuditRow } from './repository.ts';

export type { AuditFilter, AuditRow } from './repository.ts';

export function publicAuditEntry(e: AuditRow) {
  return {
    id: e.id,
    occurred_at: e.occurredAt.toISOString(),
    actor_type: e.actorType,
    actor_id: e.actorId,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    before: e.before ?? null,
    after: e.after ?? null,
    stripe_request_id: e.stripeRequestId,
    stripe_event_id: e.stripeEventId,
    ip: e.ip,
    request_id: e.requestId,
  };
}

export class AuditService {
  constructor(private readonly db: Db) {}

  async list(filter: AuditFilter, page: { limit: number; startingAfter?: number | undefined }) {
    const rows = await repo.listEntries(this.db, filter, { ...page, limit: page.limit + 1 });
    return {
      data: rows.slice(0, page.limit).map(publicAuditEntry),
      has_more: rows.length > page.limit,
    };
  }

  /** Entries about any of the given targets, oldest first. */
  about(targets: Array<{ type: string; ids: string[] }>): Promise<AuditRow[]> {
    return repo.entriesAbout(this.db, targets);
  }

  /** Entries a user made or that are about them. */
  /** Entries by or about the user, and about `targetIds` (their orders, payments, refunds…). */
  ofUser(userId: string, targetIds: readonly string[] = []): Promise<AuditRow[]> {
    return repo.entriesOfUser(this.db, userId, targetIds);
  }

  /** Entries whose IP is past the cut-off: erasable ones, and old-formula ones that keep it. */
  countIpsToErase(before: Date): Promise<IpErasure> {
    return countAuditIps(this.db, before);
  }

  /** Erases the IP of up to `limit` entries that occurred before `before` (ADR 024). */
  eraseIps(before: Date, limit: number): Promise<number> {
    return eraseAuditIps(this.db, before, limit);
  }

  async verify() {
    const result = await verifyAuditChain(this.db);
    return {
      ok: result.ok,
      checked: result.checked,
      unsealed: result.unsealed,
      first_broken: result.firstBroken
        ? { id: result.firstBroken.id, reason: result.firstBroken.reason }
        : null,
    };
  }
}
